"""Straight-line versions of the model's equations, generated from their source.

:func:`polmodel.model.terms` is the one place the equations are written: a list of
``(mechanism, state, is_gain, rate)`` that :func:`polmodel.model.rates` sums. Building that list
every month costs more than the arithmetic itself when one world runs on Python floats, and a
compiler cannot see through it. This module rewrites the source of ``terms`` and ``rates`` into
one function that accumulates each term straight into a local gain or loss, in the same order
and with the same operations, so its numbers are those of ``rates`` bit for bit (tested); and,
for the compiled port, the source of ``coefficients`` into a function of a parameter row that
returns a tuple. Nothing here is written by hand from the equations: when the model changes,
these follow.

When the source cannot be read in the expected shape (``terms`` must end in ``return [...]`` of
4-tuples, ``coefficients`` in ``return {...}``), :func:`float_rates` returns
:func:`polmodel.model.rates` itself: slower, never wrong.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable


class Unreadable(Exception):
    """The model's source is not in the shape this module rewrites."""


def _function(func) -> ast.FunctionDef:
    fn = ast.parse(textwrap.dedent(inspect.getsource(func))).body[0]
    if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(fn.body[0].value, ast.Constant):
        fn.body = fn.body[1:]  # the docstring
    fn.decorator_list, fn.returns = [], None
    for arg in (*fn.args.args, *fn.args.kwonlyargs):
        arg.annotation = None
    return fn


class _ConstantKeys(ast.NodeTransformer):
    """``name["key"]`` -> ``name[index]`` for the names given, indices from ``keys``."""

    def __init__(self, keys: dict[str, dict[str, int]]):
        self.keys = keys

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        if (isinstance(node.value, ast.Name) and node.value.id in self.keys
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
            index = self.keys[node.value.id][node.slice.value]
            return ast.copy_location(ast.Subscript(node.value, ast.Constant(index), node.ctx), node)
        return node


def _sample_coefficients() -> dict:
    from polmodel.levers import LEVER_NAMES
    from polmodel.model import coefficients
    from polmodel.parameters import PARAMETERS

    return coefficients({k: p.default for k, p in PARAMETERS.items()}, (0.5,) * len(LEVER_NAMES))


def coefficient_names() -> list[str]:
    """Keys of :func:`polmodel.model.coefficients`, in the order of its returned dict."""
    return list(_sample_coefficients())


def rates_tree(name: str = "rates") -> ast.FunctionDef:
    """``rates(state, c)`` as one function: the body of ``terms``, then each term accumulated.

    ``gains[i] = gains[i] + value`` from 0.0, in the order of the list, as ``rates`` does.
    """
    from polmodel import model

    fn = _function(model.terms)
    body, last = fn.body[:-1], fn.body[-1]
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.List)
            and all(isinstance(e, ast.Tuple) and len(e.elts) == 4 for e in last.value.elts)):
        raise Unreadable("terms() must end in `return [(mechanism, state, is_gain, rate), ...]`")
    # The state and the sign of each term: read from a call, so names like F = FRACTURE need
    # no interpreting here.
    listed = model.terms([0.5] * len(model.STATES), _sample_coefficients())
    if len(listed) != len(last.value.elts):
        raise Unreadable("terms() returned another number of terms than its source lists")
    n = len(model.STATES)
    acc = [ast.parse(f"g{i} = 0.0\nl{i} = 0.0").body for i in range(n)]
    body += [stmt for pair in acc for stmt in pair]
    for (mechanism, i, is_gain, _), elt in zip(listed, last.value.elts):
        if not (isinstance(elt.elts[0], ast.Constant) and elt.elts[0].value == mechanism):
            raise Unreadable(f"terms(): the source and the list disagree at {mechanism!r}")
        target = f"{'g' if is_gain else 'l'}{int(i)}"
        body.append(ast.Assign([ast.Name(target, ast.Store())],
                               ast.BinOp(ast.Name(target, ast.Load()), ast.Add(), elt.elts[3])))
    body.append(ast.parse(f"return ({', '.join(f'g{i}' for i in range(n))},), "
                          f"({', '.join(f'l{i}' for i in range(n))},)").body[0])
    fn.body, fn.name = body, name
    return fn


def coefficients_tree(name: str = "coefficients") -> tuple[ast.FunctionDef, list[str]]:
    """``coefficients(p_row, u)`` returning a tuple, ``p["name"]`` read as ``p_row[index]``."""
    from polmodel import model
    from polmodel.parameters import PARAMETERS

    fn = _function(model.coefficients)
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    if len(returns) != 1 or not isinstance(returns[0].value, ast.Dict) or None in returns[0].value.keys:
        raise Unreadable("coefficients() must end in one `return {...}` of named entries")
    names = [k.value for k in returns[0].value.keys]
    if names != coefficient_names():
        raise Unreadable("coefficients(): the source and the returned keys disagree")
    returns[0].value = ast.Tuple(returns[0].value.values, ast.Load())
    fn = _ConstantKeys({fn.args.args[0].arg: {k: i for i, k in enumerate(PARAMETERS)}}).visit(fn)
    fn.name = name
    return fn, names


def build(*trees: ast.FunctionDef) -> dict:
    """Compile function trees in the namespace of :mod:`polmodel.model`."""
    from polmodel import model

    module = ast.fix_missing_locations(ast.Module(list(trees), type_ignores=[]))
    namespace = dict(vars(model))
    exec(compile(module, f"<straight-line {model.__name__}>", "exec"), namespace)  # noqa: S102
    return namespace


@functools.cache
def float_rates() -> Callable:
    """Straight-line ``rates(state, c)`` for one world on floats (falls back to model.rates)."""
    from polmodel import model

    try:
        return build(rates_tree())["rates"]
    except Unreadable:
        return model.rates


# -- the vectorised month: terms evaluated in place, what does not move hoisted ------------------

_UFUNCS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}


class _Plan:
    """Writes two functions from the straight-line rates.

    ``invariants(c)`` evaluates, once per lever setting, every subexpression that reads only
    coefficients (and the leading run of such terms of each sum); ``month(X, h, G, L, B)``
    evaluates the rest on arrays of worlds with ``out=`` into the rows of ``G``/``L`` and the
    scratch rows ``B``, so no array is allocated in the time loop. Every operation is the one
    :func:`polmodel.model.rates` performs, on the same operands in the same order.
    """

    def __init__(self, state_names: list[str]):
        self.moving = set(state_names)      # names that depend on the state
        self.hoisted: list[str] = []        # source of invariant subexpressions
        self.invariant_stmts: list[str] = []
        self.lines: list[str] = []
        self.free: list[str] = []
        self.n_buffers = 0
        self.owned: set[str] = set()        # buffers held by named locals
        self.ufuncs: set[str] = {"add"}

    def is_moving(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.moving for n in ast.walk(node))

    def hoist(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return repr(float(node.value)) if isinstance(node.value, float) else repr(node.value)
        self.hoisted.append(ast.unparse(node))
        return f"h[{len(self.hoisted) - 1}]"

    def buffer(self) -> str:
        if self.free:
            return self.free.pop()
        self.n_buffers += 1
        return f"B[{self.n_buffers - 1}]"

    def release(self, operand: str) -> None:
        if operand.startswith("B[") and operand not in self.owned:
            self.free.append(operand)

    def emit(self, node: ast.AST, out: str | None = None) -> str:
        """Lines computing ``node``; returns the operand (buffer, name or hoisted value)."""
        if not self.is_moving(node):
            return self.hoist(node)
        if isinstance(node, ast.Name):
            return self.names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _UFUNCS:
            args = [self.emit(node.left), self.emit(node.right)]
            ufunc = _UFUNCS[type(node.op)]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            args, ufunc = [self.emit(node.operand)], "negative"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "abs" and len(node.args) == 1 and not node.keywords):
            args, ufunc = [self.emit(node.args[0])], "absolute"
        else:
            raise Unreadable(f"terms(): cannot evaluate in place: {ast.unparse(node)}")
        for a in args:
            self.release(a)
        target = out or self.buffer()
        self.ufuncs.add(ufunc)
        self.lines.append(f"{ufunc}({', '.join(args)}, {target})")  # positional out: faster
        return target


@functools.cache
def numpy_plan():
    """``(invariants, month, n_buffers)`` for the vectorised loop, or None if unreadable.

    ``invariants(c)`` -> tuple ``h``; ``month(X, h, G, L, B)`` fills the rows of ``G`` and
    ``L`` with the gains and losses of the states in the rows of ``X``, using the scratch rows
    ``B``: each a list of ndarray[n_worlds] (lists of row views, so that no view is made in
    the time loop).
    """
    from polmodel import model

    try:
        fn = rates_tree()
    except Unreadable:
        return None
    state_arg, c_arg = fn.args.args[0].arg, fn.args.args[1].arg
    unpack, *body = fn.body
    if not (isinstance(unpack, ast.Assign) and isinstance(unpack.targets[0], ast.Tuple)
            and isinstance(unpack.value, ast.Name) and unpack.value.id == state_arg):
        return None
    states = [t.id for t in unpack.targets[0].elts]
    plan = _Plan(states)
    plan.names = {s: s for s in states}
    n = len(model.STATES)
    folded: dict[str, str | None] = {}  # accumulator -> its invariant prefix, until it moves
    started: set[str] = set()
    try:
        for stmt in body[:-1]:
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                raise Unreadable(f"terms(): statement {ast.unparse(stmt)}")
            target, value = stmt.targets[0], stmt.value
            name = target.id if isinstance(target, ast.Name) else None
            if name is not None and name[0] in "gl" and name[1:].isdigit():
                # An accumulator: g3 = 0.0, then g3 = g3 + term.
                if isinstance(value, ast.Constant):
                    folded[name] = ast.unparse(value)
                    continue
                term = value.right
                if name not in started and not plan.is_moving(term):
                    folded[name] = f"({folded[name]} + {ast.unparse(term)})"
                    continue
                row = f"{name[0].upper()}[{name[1:]}]"
                operand = plan.emit(term)
                first = folded.pop(name, None) if name not in started else None
                base = plan.hoist(ast.parse(first, mode="eval").body) if first else row
                plan.lines.append(f"add({base}, {operand}, {row})")
                plan.release(operand)
                started.add(name)
            elif not plan.is_moving(value):
                plan.invariant_stmts.append(ast.unparse(stmt))
            elif name is not None:
                operand = plan.emit(value)
                if not operand.startswith("B[") or operand in plan.owned:
                    buf = plan.buffer()
                    plan.lines.append(f"np.copyto({buf}, {operand})")
                    operand = buf
                plan.owned.add(operand)
                plan.names[name] = operand
                plan.moving.add(name)
            else:
                raise Unreadable(f"terms(): statement {ast.unparse(stmt)}")
        for name, prefix in folded.items():  # sums that never move: the prefix is the sum
            plan.lines.append(f"{name[0].upper()}[{name[1:]}][...] = "
                              f"{plan.hoist(ast.parse(prefix, mode='eval').body)}")
    except Unreadable:
        return None
    source = "\n".join([
        f"def invariants({c_arg}):",
        *(f"    {s}" for s in plan.invariant_stmts),
        f"    return ({', '.join(plan.hoisted)},)",
        "",
        f"def month(X, h, G, L, B, {', '.join(f'{u}=np.{u}' for u in sorted(plan.ufuncs))}):",
        f"    {', '.join(states)} = X",
        *(f"    {line}" for line in plan.lines),
    ])
    namespace = dict(vars(model))
    exec(compile(source, "<vectorised month of polmodel.model>", "exec"), namespace)  # noqa: S102
    if len(started | set(folded)) != 2 * n:
        return None
    return namespace["invariants"], namespace["month"], max(plan.n_buffers, 1), source
