"""Structures: rival readings of how an opening happens, each a fuzzy-set formula over the states.

The CRIES memo says all four conditions "must come together"; that is one theory, and the
comparative record disputes it. A *structure* writes one theory as data: a conjunction (AND) of
terms, each a state or a disjunction (OR) of states, where a state may be read negated
(``"~security"``: security forces that do not hold, 1 - security). Every engine evaluates this
one form in one pass, and every structure is evaluated in every run, so a verdict can be read
under each of them at no extra simulation.

Readings of a formula, for a run's aggregator:

- ``min`` (strict, the fsQCA standard): AND is the minimum, OR the maximum;
- ``product`` (graded): AND is the product of the terms, OR the maximum;
- ``geometric``: the product's k-th root, k the number of terms (the graded AND on the scale of
  ``min``: it orders worlds exactly as the product does, so one tie margin means the same on
  both; comparisons read the graded AND on this scale).

A *window* is open while the formula holds crisply (every state it needs on the right side of
the 0.5 crossover); that is the strict reading above 0.5, whatever the aggregator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.model.states import STATES

AND, OR = "and", "or"


@dataclass(frozen=True)
class Structure:
    """One theory of how openings happen: ``AND`` of terms, each a state or an ``OR`` of states.

    ``formula`` is ``("and", term, ...)`` with each term a state name, ``"~state"`` (negated),
    or ``("or", state, ...)``.
    """

    name: str
    label: str
    formula: tuple
    source: str

    def __post_init__(self):
        _check_formula(self.name, self.formula)

    @cached_property
    def terms(self) -> tuple[tuple[tuple[int, bool], ...], ...]:
        """Each term as its leaves: ((state index, negated), ...)."""
        return tuple(tuple(_leaf(x) for x in (t[1:] if isinstance(t, tuple) else (t,)))
                     for t in self.formula[1:])

    @cached_property
    def leaves(self) -> tuple[str, ...]:
        """The states the formula reads, in order, as written (``"~security"`` negated)."""
        return tuple(("~" if neg else "") + STATES[i] for term in self.terms for i, neg in term)

    @property
    def text(self) -> str:
        """The formula in words: ``crisis AND fracture AND (challenger OR NOT security)``."""
        def leaf(i, neg):
            return f"NOT {STATES[i]}" if neg else STATES[i]
        parts = [(" OR ".join(leaf(*x) for x in t) if len(t) == 1 else
                  "(" + " OR ".join(leaf(*x) for x in t) + ")") for t in self.terms]
        return " AND ".join(parts)

    def evaluate(self, states, aggregator: str = "min"):
        """The opening index under this structure.

        Parameters
        ----------
        states : sequence of 8 arrays or floats, or ndarray[..., 8]
            The states in :data:`STATES` order (a sequence indexed by state, or the last axis).
        aggregator : {"min", "product", "geometric"}

        Returns
        -------
        ndarray or float
        """
        if isinstance(states, np.ndarray) and states.ndim >= 1 and states.shape[-1] == len(STATES):
            states = np.moveaxis(states, -1, 0)
        values = [term_value(states, t) for t in self.terms]
        if aggregator == "min":
            out = values[0]
            for v in values[1:]:
                out = np.minimum(out, v)
            return out
        prod = values[0]
        for v in values[1:]:
            prod = prod * v
        if aggregator == "product":
            return prod
        if aggregator == "geometric":
            return graded_root(prod, len(values))
        raise PolmodelError(f"aggregator: unknown {aggregator!r}; allowed: min, product, geometric")

    def bottleneck(self, states) -> np.ndarray:
        """Index into :attr:`leaves` of the state that binds (sets the strict index) per row.

        ``states`` is ``ndarray[..., 8]``; the first binding leaf is returned where several tie.
        """
        x = np.moveaxis(np.asarray(states, dtype=float), -1, 0)
        strict = self.evaluate(x, "min")
        binds = []
        for term in self.terms:
            value = term_value(x, term)
            for i, neg in term:
                leaf = 1.0 - x[i] if neg else x[i]
                binds.append((value == strict) & (leaf == value))
        return np.argmax(np.stack(binds, axis=-1), axis=-1)

    def window(self, states):
        """True where the formula holds crisply (the strict reading above the crossover)."""
        from polmodel.model.states import CROSSOVER
        return np.asarray(self.evaluate(states, "min")) > CROSSOVER


NEGATED_WORDS = {"security": "forces not holding"}
"""How a negated state reads in tables and sentences (``"~security"``)."""


def leaf_words(leaf: str) -> str:
    """A state of a formula as a person reads it: ``"~security"`` is ``"forces not holding"``."""
    if leaf.startswith("~"):
        return NEGATED_WORDS.get(leaf[1:], f"not {leaf[1:]}")
    return leaf


def term_value(states, term):
    """One term: a state, 1 - a state, or the largest of several (fuzzy OR)."""
    out = None
    for i, neg in term:
        v = 1.0 - states[i] if neg else states[i]
        out = v if out is None else np.maximum(out, v)
    return out


def graded_root(product, k: int):
    """The k-th root of a product of k terms (square roots where they are exact and fast)."""
    if k == 1:
        return product
    if k == 2:
        return np.sqrt(product)
    if k == 4:
        return np.sqrt(np.sqrt(product))
    return np.power(product, 1.0 / k)


def _leaf(token: str) -> tuple[int, bool]:
    neg = token.startswith("~")
    return STATES.index(token.lstrip("~")), neg


def _check_formula(name: str, formula) -> None:
    allowed = ("allowed: ('and', term, ...) with each term a state, '~state' or "
               "('or', state, ...); states: " + ", ".join(STATES))

    def is_leaf(x):
        return isinstance(x, str) and x.lstrip("~") in STATES and x.count("~") <= 1

    ok = (isinstance(formula, tuple) and len(formula) >= 2 and formula[0] == AND
          and all(is_leaf(t) or (isinstance(t, tuple) and len(t) >= 2 and t[0] == OR
                                 and all(is_leaf(x) for x in t[1:])) for t in formula[1:]))
    if not ok:
        raise PolmodelError(f"structure {name}: formula {formula!r:.120} is not allowed; {allowed}")


CRIES = "003 (CRIES memo)"

STRUCTURES: dict[str, Structure] = {s.name: s for s in (
    Structure(
        "memo", "the memo's four conditions, all needed",
        (AND, "crisis", "fracture", "challenger", "pressure"),
        f'{CRIES}: "If the government is to change direction ... four fundamental elements must '
        'come together: (1) a generalized crisis, (2) a fracture of the governing coalition, (3) '
        "the existence of an active challenging coalition, and (4) coordinated and generalized "
        'international pressure on the governing coalition"'),
    Structure(
        "elite-split", "a split at the top and a challenger, in a crisis; pressure only helps",
        (AND, "crisis", "fracture", "challenger"),
        "O'Donnell & Schmitter 1986: \"there is no transition whose beginning is not the "
        "consequence -- direct or indirect -- of important divisions within the authoritarian "
        "regime itself\", followed by the 'resurrection of civil society'; international pressure "
        "enters only through the domestic conditions. The crisis term is the memo's"),
    Structure(
        "defection-route", "a mobilized challenger, and a split coalition or forces that stop holding",
        (AND, "challenger", (OR, "fracture", "~security")),
        "Nepstad 2011 (in the 2011 uprisings, mass nonviolent campaigns won where the military "
        "defected or stood aside); Bellin 2012 (the coercive apparatus's will to repress decided "
        "the Arab Spring outcomes); Chenoweth & Stephan 2011 (security-force defections are a "
        "main path by which mass campaigns succeed)"),
    Structure(
        "crisis-split", "an economic crisis that splits the ruling coalition",
        (AND, "crisis", "fracture"),
        "Haggard & Kaufman 1995 (economic crises weakened incumbents' support coalitions and "
        "opened the way to many transitions of the 1980s); a rival to the memo in which neither "
        "the challenger nor outside pressure is needed"),
)}
"""Every built-in structure, by name; ``memo`` is the default."""

DEFAULT_STRUCTURE = "memo"


def resolve_structure(structure: str | Structure) -> Structure:
    """A built-in structure by name, or a :class:`Structure` as it is."""
    if isinstance(structure, Structure):
        return structure
    try:
        return STRUCTURES[structure]
    except (KeyError, TypeError):
        raise PolmodelError(f"structure: unknown {structure!r:.60}; allowed: "
                            f"{', '.join(STRUCTURES)}") from None
