"""What a run reads off the states each month: every structure's index, the run's window and bottleneck.

A run keeps, per world, the peak of every structure's opening index under the strict and the
graded AND (so a verdict can be read under each structure without running again), those peaks at
the marks of :data:`MARKS` (so a verdict can be read at 24, 36 and 60 months), and for the run's
own structure and aggregator: the peak index, the months with a window, the first of them, which
state of the formula bound each month, and the conditions at the peak.

The formulas are laid out once as a *plan*: a list of elementwise operations over the states and
a few buffers, shared prefixes computed once (``crisis AND fracture`` serves three structures).
The same plan runs on arrays in place (numpy) and on Python floats (one world), so both paths
compute the same operations in the same order.
"""

from __future__ import annotations

import math

import numpy as np

from polmodel.model.states import CONDITIONS, CROSSOVER, STATES
from polmodel.model.structures import STRUCTURES, Structure, graded_root

MARKS: tuple[int, ...] = (24, 36, 60)
"""Months at which every peak is also kept, for verdicts read before the horizon."""

GRADED_ROOT = {1: lambda v: v, 2: math.sqrt, 4: lambda v: math.sqrt(math.sqrt(v))}


class Plan:
    """The operations that evaluate every structure's strict and product index from the states.

    Slots ``0..len(STATES)-1`` are the states; later slots are buffers. Each op is
    ``(kind, out, a, b)`` with kind ``"not"`` (1 - a), ``"max"``, ``"min"`` or ``"mul"``.
    """

    def __init__(self, structures: tuple[Structure, ...]):
        self.ops: list[tuple[str, int, int, int]] = []
        self.n_slots = len(STATES)
        self._cache: dict = {}
        self.leaf_slots: list[list[tuple[int, int]]] = []  # per structure: (term slot, leaf slot)
        self.strict: list[int] = []
        self.product: list[int] = []
        self.k: list[int] = []
        for s in structures:
            term_slots, leaves = [], []
            for term in s.terms:
                slots = [self._leaf(i, neg) for i, neg in term]
                t = self._fold("max", slots)
                term_slots.append(t)
                leaves += [(t, leaf if len(slots) > 1 else t) for leaf in slots]
            self.leaf_slots.append(leaves)
            self.strict.append(self._fold("min", term_slots))
            self.product.append(self._fold("mul", term_slots))
            self.k.append(len(term_slots))

    def _new(self, key, op) -> int:
        if key not in self._cache:
            self._cache[key] = self.n_slots
            self.ops.append((op[0], self.n_slots, *op[1:]))
            self.n_slots += 1
        return self._cache[key]

    def _leaf(self, i: int, neg: bool) -> int:
        return self._new(("not", i), ("not", i, i)) if neg else i

    def _fold(self, kind: str, slots: list[int]) -> int:
        out = slots[0]
        for j, s in enumerate(slots[1:], start=2):
            out = self._new((kind, tuple(slots[:j])), (kind, out, s))
        return out


_PLANS: dict = {}


def plan_for(structure: Structure) -> tuple[Plan, int]:
    """The plan of every built-in structure plus ``structure``, and ``structure``'s position."""
    names = tuple(STRUCTURES)
    extra = () if structure.name in STRUCTURES and STRUCTURES[structure.name] == structure \
        else (structure,)
    key = (names, extra)
    if key not in _PLANS:
        _PLANS[key] = Plan((*STRUCTURES.values(), *extra))
    plan = _PLANS[key]
    return plan, (names.index(structure.name) if not extra else len(names))


_NP = {"max": np.maximum, "min": np.minimum, "mul": np.multiply}


class ArrayReadings:
    """The readings of :mod:`this module <polmodel.model.readings>` over arrays of worlds, in place."""

    def __init__(self, structure: Structure, aggregator, and_, rows, n: int, horizon: int):
        self.plan, self.own = plan_for(structure)
        self.n_struct = len(STRUCTURES)
        self.aggregator, self.and_ = aggregator, and_
        self.horizon = horizon
        buffers = np.empty((self.plan.n_slots - len(STATES), n))
        self.slots = list(rows) + list(buffers)
        m = len(self.plan.strict)
        self.peak_strict = np.full((m, n), -1.0)
        self.peak_product = np.full((m, n), -1.0)
        self.marks = np.full((len(MARKS), 2, n), np.nan)
        self.peak = np.full(n, -1.0)
        leaves = self.plan.leaf_slots[self.own]
        self.binding = np.zeros((len(leaves), n), dtype=np.int32)
        self.at_peak = np.zeros((len(CONDITIONS), n))
        self.condition_peak = np.zeros((len(CONDITIONS), n))
        self.months_open = np.zeros(n, dtype=np.int32)
        self.first_window = np.full(n, np.nan)
        self._graded = np.empty(n)
        self._b1, self._b2 = np.empty(n, bool), np.empty(n, bool)

    def update(self, t: int, conds) -> None:
        """Read month ``t + 1`` off the states (the rows given at construction, updated in place)."""
        s = self.slots
        for kind, out, a, b in self.plan.ops:
            if kind == "not":
                np.subtract(1.0, s[a], out=s[out])
            else:
                _NP[kind](s[a], s[b], out=s[out])
        for j in range(len(self.plan.strict)):
            np.maximum(self.peak_strict[j], s[self.plan.strict[j]], out=self.peak_strict[j])
            np.maximum(self.peak_product[j], s[self.plan.product[j]], out=self.peak_product[j])
        own = self.own
        strict = s[self.plan.strict[own]]
        if self.aggregator == "min":
            J = strict
        elif self.aggregator == "product":
            J = s[self.plan.product[own]]
        elif self.aggregator == "geometric":
            J = _root_into(s[self.plan.product[own]], self.plan.k[own], self._graded)
        else:
            J = self.and_(*(s[slot] for slot in _term_slots(self.plan, own)))
            if not np.all((np.asarray(J) >= 0.0) & (np.asarray(J) <= 1.0)):
                from polmodel.errors import PolmodelError
                raise PolmodelError(BAD_AGGREGATOR)
        higher, other = self._b1, self._b2
        np.greater(J, self.peak, out=higher)
        np.maximum(self.peak, J, out=self.peak)
        np.copyto(self.at_peak, conds, where=higher)
        np.maximum(self.condition_peak, conds, out=self.condition_peak)
        for j, (term, leaf) in enumerate(self.plan.leaf_slots[own]):
            np.equal(s[term], strict, out=higher)
            if leaf != term:
                np.equal(s[leaf], s[term], out=other)
                higher &= other
            self.binding[j] += higher
        is_open, first = self._b1, self._b2
        np.greater(strict, CROSSOVER, out=is_open)
        np.equal(self.months_open, 0, out=first)
        first &= is_open
        np.copyto(self.first_window, t + 1, where=first)
        self.months_open += is_open
        if t + 1 in MARKS:
            i = MARKS.index(t + 1)
            self.marks[i, 0] = self.peak_strict[own]
            self.marks[i, 1] = self.peak_product[own]

    def finish(self) -> dict:
        """The accumulated readings, worlds first; graded peaks on the scale of their k-th root."""
        graded = np.stack([graded_root(p, k) for p, k in zip(self.peak_product, self.plan.k)])
        own = self.own
        marks = self.marks.copy()
        marks[:, 1] = graded_root(marks[:, 1], self.plan.k[own])
        return dict(
            peak_index=self.peak, peak_strict=self.peak_strict[own], peak_graded=graded[own],
            months_open=self.months_open, first_window=self.first_window,
            binding_months=self.binding.T, at_peak=self.at_peak.T,
            condition_peak=self.condition_peak.T,
            readings=np.stack([self.peak_strict[:self.n_struct], graded[:self.n_struct]],
                              axis=-1).transpose(1, 0, 2),
            marks=np.moveaxis(marks, -1, 0),
        )


def float_readings(structure: Structure, aggregator, and_, horizon: int):
    """The same readings for one world on Python floats: returns ``(update, finish)``.

    For a named aggregator ``update`` is the plan written out as straight-line Python (made
    once per plan and aggregator, :func:`_float_source`): the same operations in the same order
    as the array path, without an interpreter loop over them. A callable aggregator runs the
    plan through :func:`_interpreted`.
    """
    plan, own = plan_for(structure)
    n_struct = len(STRUCTURES)
    m = len(plan.strict)
    own_k = plan.k[own]
    n_leaves = len(plan.leaf_slots[own])
    st = {"ps": [-1.0] * m, "pp": [-1.0] * m, "peak": [-1.0], "at_peak": [0.0] * len(CONDITIONS),
          "binding": [0] * n_leaves, "cp": [0.0] * len(CONDITIONS), "opened": [0],
          "first": [math.nan], "marks": [[math.nan, math.nan] for _ in MARKS]}
    if isinstance(aggregator, str):
        key = (id(plan), own, aggregator)
        if key not in _FLOAT_CODE:
            _FLOAT_CODE[key] = compile(_float_source(plan, own, aggregator), "<readings>", "exec")
        namespace = dict(st, MARKS=MARKS, root=GRADED_ROOT.get(own_k, lambda v: v ** (1.0 / own_k)))
        exec(_FLOAT_CODE[key], namespace)  # noqa: S102 - source made here from the plan alone
        update = namespace["update"]
    else:
        update = _interpreted(plan, own, and_, st)

    def finish() -> dict:
        graded = [graded_root(v, k) for v, k in zip(st["pp"], plan.k)]
        marks = np.array(st["marks"], dtype=float)
        marks[:, 1] = graded_root(marks[:, 1], own_k)
        return dict(
            peak_index=np.array([st["peak"][0]]), peak_strict=np.array([st["ps"][own]]),
            peak_graded=np.array([graded[own]]),
            months_open=np.array([st["opened"][0]], dtype=np.int32),
            first_window=np.array([st["first"][0]]),
            binding_months=np.array([st["binding"]], dtype=np.int32),
            at_peak=np.array([st["at_peak"]]),
            condition_peak=np.array([st["cp"]]),
            readings=np.array([[[a, b] for a, b in zip(st["ps"][:n_struct], graded[:n_struct])]]),
            marks=marks[None],
        )

    return update, finish


_FLOAT_CODE: dict = {}


def _float_source(plan: Plan, own: int, aggregator: str) -> str:
    """``update(t, x)`` for one world, written out from the plan (see :func:`float_readings`)."""
    n_states, n_cond = len(STATES), len(CONDITIONS)
    lines = ["def update(t, x):",
             "    " + ", ".join(f"s{i}" for i in range(n_states)) + " = x"]
    for kind, out, a, b in plan.ops:
        expr = {"not": f"1.0 - s{a}", "max": f"s{a} if s{a} >= s{b} else s{b}",
                "min": f"s{a} if s{a} <= s{b} else s{b}", "mul": f"s{a} * s{b}"}[kind]
        lines.append(f"    s{out} = {expr}")
    for j, (st_slot, pr_slot) in enumerate(zip(plan.strict, plan.product)):
        lines += [f"    if s{st_slot} > ps[{j}]:", f"        ps[{j}] = s{st_slot}",
                  f"    if s{pr_slot} > pp[{j}]:", f"        pp[{j}] = s{pr_slot}"]
    strict = f"s{plan.strict[own]}"
    J = {"min": strict, "product": f"s{plan.product[own]}",
         "geometric": f"root(s{plan.product[own]})"}[aggregator]
    lines += [f"    J = {J}", "    if J > peak[0]:", "        peak[0] = J",
              f"        at_peak[:] = ({', '.join(f's{i}' for i in range(n_cond))},)"]
    for i in range(n_cond):
        lines += [f"    if s{i} > cp[{i}]:", f"        cp[{i}] = s{i}"]
    for j, (term, leaf) in enumerate(plan.leaf_slots[own]):
        test = f"s{term} == {strict}" + ("" if leaf == term else f" and s{leaf} == s{term}")
        lines.append(f"    if {test}:")
        lines.append(f"        binding[{j}] += 1")
    lines += [f"    if {strict} > {CROSSOVER!r}:", "        if opened[0] == 0:",
              "            first[0] = float(t + 1)", "        opened[0] += 1",
              "    if t + 1 in MARKS:",
              f"        marks[MARKS.index(t + 1)] = [ps[{own}], pp[{own}]]"]
    return "\n".join(lines) + "\n"


def _interpreted(plan: Plan, own: int, and_, st: dict):
    """``update(t, x)`` running the plan op by op: for a callable aggregator."""
    from polmodel.errors import PolmodelError

    s = [0.0] * plan.n_slots
    n_states, n_cond = len(STATES), len(CONDITIONS)
    terms = _term_slots(plan, own)
    ps, pp, peak, cp, binding = st["ps"], st["pp"], st["peak"], st["cp"], st["binding"]

    def update(t: int, x: list) -> None:
        s[:n_states] = x
        for kind, out, a, b in plan.ops:
            if kind == "not":
                s[out] = 1.0 - s[a]
            elif kind == "max":
                s[out] = s[a] if s[a] >= s[b] else s[b]
            elif kind == "min":
                s[out] = s[a] if s[a] <= s[b] else s[b]
            else:
                s[out] = s[a] * s[b]
        for j, (st_slot, pr_slot) in enumerate(zip(plan.strict, plan.product)):
            if s[st_slot] > ps[j]:
                ps[j] = s[st_slot]
            if s[pr_slot] > pp[j]:
                pp[j] = s[pr_slot]
        strict = s[plan.strict[own]]
        try:
            J = float(and_(*(s[slot] for slot in terms)))
        except (TypeError, ValueError):
            raise PolmodelError(BAD_AGGREGATOR) from None
        if not 0.0 <= J <= 1.0:
            raise PolmodelError(BAD_AGGREGATOR)
        if J > peak[0]:
            peak[0] = J
            st["at_peak"][:] = x[:n_cond]
        for i in range(n_cond):
            if x[i] > cp[i]:
                cp[i] = x[i]
        for j, (term, leaf) in enumerate(plan.leaf_slots[own]):
            binding[j] += s[term] == strict and s[leaf] == s[term]
        if strict > CROSSOVER:
            if st["opened"][0] == 0:
                st["first"][0] = float(t + 1)
            st["opened"][0] += 1
        if t + 1 in MARKS:
            st["marks"][MARKS.index(t + 1)] = [ps[own], pp[own]]

    return update


BAD_AGGREGATOR = ("aggregator: the function returned a value outside 0 to 1 (or not a number); "
                  "allowed: a fuzzy AND with values in [0, 1]")


def _term_slots(plan: Plan, j: int) -> list[int]:
    return list(dict.fromkeys(term for term, _ in plan.leaf_slots[j]))


def _root_into(v, k: int, out):
    if k == 1:
        return v
    if k == 2:
        return np.sqrt(v, out=out)
    if k == 4:
        return np.sqrt(np.sqrt(v, out=out), out=out)
    return np.power(v, 1.0 / k, out=out)
