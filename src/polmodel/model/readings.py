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
    """The same readings for one world on Python floats: returns ``(update, finish)``."""
    plan, own = plan_for(structure)
    n_struct = len(STRUCTURES)
    ops = plan.ops
    m = len(plan.strict)
    strict_slots, product_slots = plan.strict, plan.product
    own_strict, own_product, own_k = plan.strict[own], plan.product[own], plan.k[own]
    own_leaves = plan.leaf_slots[own]
    terms = _term_slots(plan, own)
    root = GRADED_ROOT.get(own_k, lambda v: v ** (1.0 / own_k))
    st = {"peak_strict": [-1.0] * m, "peak_product": [-1.0] * m, "peak": -1.0,
          "at_peak": [0.0] * len(CONDITIONS), "binding": [0] * len(own_leaves),
          "condition_peak": [0.0] * len(CONDITIONS),
          "months_open": 0, "first_window": math.nan,
          "marks": [[math.nan, math.nan] for _ in MARKS]}
    s = [0.0] * plan.n_slots
    n_states = len(STATES)

    def update(t: int, x: list) -> None:
        s[:n_states] = x
        for kind, out, a, b in ops:
            if kind == "not":
                s[out] = 1.0 - s[a]
            elif kind == "max":
                s[out] = s[a] if s[a] >= s[b] else s[b]
            elif kind == "min":
                s[out] = s[a] if s[a] <= s[b] else s[b]
            else:
                s[out] = s[a] * s[b]
        ps, pp = st["peak_strict"], st["peak_product"]
        for j in range(m):
            if s[strict_slots[j]] > ps[j]:
                ps[j] = s[strict_slots[j]]
            if s[product_slots[j]] > pp[j]:
                pp[j] = s[product_slots[j]]
        strict = s[own_strict]
        if aggregator == "min":
            J = strict
        elif aggregator == "product":
            J = s[own_product]
        elif aggregator == "geometric":
            J = root(s[own_product])
        else:
            from polmodel.errors import PolmodelError
            try:
                J = float(and_(*(s[slot] for slot in terms)))
            except (TypeError, ValueError):
                raise PolmodelError(BAD_AGGREGATOR) from None
            if not 0.0 <= J <= 1.0:
                raise PolmodelError(BAD_AGGREGATOR)
        if J > st["peak"]:
            st["peak"], st["at_peak"] = J, x[:len(CONDITIONS)]
        cp = st["condition_peak"]
        for i in range(len(cp)):
            if x[i] > cp[i]:
                cp[i] = x[i]
        binding = st["binding"]
        for j, (term, leaf) in enumerate(own_leaves):
            binding[j] += s[term] == strict and s[leaf] == s[term]
        if strict > CROSSOVER:
            if st["months_open"] == 0:
                st["first_window"] = float(t + 1)
            st["months_open"] += 1
        if t + 1 in MARKS:
            st["marks"][MARKS.index(t + 1)] = [ps[own], pp[own]]

    def finish() -> dict:
        pp = st["peak_product"]
        graded = [graded_root(v, k) for v, k in zip(pp, plan.k)]
        marks = np.array(st["marks"], dtype=float)
        marks[:, 1] = graded_root(marks[:, 1], own_k)
        return dict(
            peak_index=np.array([st["peak"]]), peak_strict=np.array([st["peak_strict"][own]]),
            peak_graded=np.array([graded[own]]),
            months_open=np.array([st["months_open"]], dtype=np.int32),
            first_window=np.array([st["first_window"]]),
            binding_months=np.array([st["binding"]], dtype=np.int32),
            at_peak=np.array([st["at_peak"]]),
            condition_peak=np.array([st["condition_peak"]]),
            readings=np.array([[[a, b] for a, b in zip(st["peak_strict"][:n_struct],
                                                         graded[:n_struct])]]),
            marks=marks[None],
        )

    return update, finish


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
