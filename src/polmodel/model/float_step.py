"""One month of one world on Python floats: straight-line code generated from the equations.

A central run, an explorer redraw or a workbench call runs one world on floats
(:func:`polmodel.model.integrator.simulate` with scalar inputs). Calling
:func:`polmodel.model.equations.rates` there costs more in Python's handling of lists, dicts and
``sum`` than in arithmetic. So, as the compiled engine does in C (:mod:`polmodel.model.c_source`),
:func:`rates` is called once on symbols and each operation it performs is written as one line of
Python, in the order Python performs it; the exact step follows, as
:mod:`polmodel.model.integrator` writes it. The function is compiled once per process.

The operations and their order are those of :func:`rates` on floats (``sum`` adds from 0, left
to right, and so does the traced code), so a run is the same to the last bit as one through
:func:`rates`; a test holds the two together.
"""

from __future__ import annotations

from functools import cache

from polmodel.model import equations
from polmodel.model.c_source import Sym, coefficient_code
from polmodel.model.states import STATES


class PySym(Sym):
    """A number the equations compute on, recorded as a line of Python."""

    __slots__ = ()

    LINE = "    {name} = {expr}"
    ABS = "abs({})"

    @staticmethod
    def operand(value) -> str:
        """An operand as Python writes it: a name, or a number's repr (exact)."""
        if isinstance(value, Sym):
            return value.name
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"the equations used {value!r:.40}; allowed: numbers and arithmetic")
        return repr(float(value))


def step_source() -> str:
    """The source of ``step(x, c, exp, decay, eps)``: the next month's 8 states.

    ``x`` holds the states, ``c`` the coefficients of :func:`coefficients` as a tuple in
    :func:`coefficient_names` order; ``decay`` is ``-dt`` and ``eps`` the step's guard.
    """
    names = coefficient_names()
    n = len(STATES)
    lines = ["def step(x, c, exp, decay, eps):",
             f"    {', '.join(f'x{i}' for i in range(n))}, = x",
             f"    {', '.join(f'c{k}' for k in range(len(names)))}, = c"]
    c = {name: PySym(f"c{k}", lines) for k, name in enumerate(names)}
    gains, losses = equations.rates([PySym(f"x{i}", lines) for i in range(n)], c)
    for i in range(n):
        g, loss = PySym.operand(gains[i]), PySym.operand(losses[i])
        # The exact step of the integrator: k = (g + l) + eps, e = g / k,
        # x' = ((x - e) * exp(k * -dt)) + e.
        lines.append(f"    k{i} = ({g} + {loss}) + eps")
        lines.append(f"    e{i} = {g} / k{i}")
        lines.append(f"    n{i} = ((x{i} - e{i}) * exp(k{i} * decay)) + e{i}")
    lines.append(f"    return [{', '.join(f'n{i}' for i in range(n))}]")
    return "\n".join(lines) + "\n"


def coefficient_names() -> tuple[str, ...]:
    """The names :func:`coefficients` returns, in its order (traced once per equations)."""
    return _names(equations.coefficients)


@cache
def _names(coefficients) -> tuple[str, ...]:
    return tuple(coefficient_code()[1])


def float_step():
    """The compiled ``step`` function: written once per process, and again if the equations change.

    Keyed on the equations' functions, so a modeller's new :func:`terms` (or a test's) is traced
    afresh, and its mistakes are refused where :func:`rates` refuses them.
    """
    from polmodel.model import equations

    return _compiled(equations.terms, equations.rates, equations.coefficients)


@cache
def _compiled(terms, rates_, coefficients):
    namespace: dict = {}
    exec(compile(step_source(), "<polmodel float step>", "exec"), namespace)  # noqa: S102
    return namespace["step"]
