"""What an analysis asks of an ensemble: one outcome under a policy, or two policies contrasted.

A :class:`Question` turns the per-world outcomes of an ensemble (:class:`PolicyOutcomes`)
into one number per world, the thing whose sensitivity is measured, whose boxes are found or
whose grid is swept. A scenario's default questions (DESIGN §5, issue 7): the contrast it names
(``contrast = ["a", "b"]`` in its file), else each policy against the baseline; and "does a
window open" under the policy with the most windows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from polmodel.analysis.worlds import (
    DEFAULT_CHUNK,
    STRUCTURE_FACTOR,
    PolicyOutcomes,
    Worlds,
    _evaluate,
    evaluate,
    structure_of,
)
from polmodel.errors import PolmodelError
from polmodel.model.states import CROSSOVER
from polmodel.scenario.definition import Scenario

TIE = 1e-9  # differences smaller than this count as ties (as in polmodel.analysis.comparison)

OUTCOMES: dict[str, tuple[str, str, bool]] = {
    # name: (words for the number, words for "A has more of it than B", depends on the AND)
    "peak_index": ("the peak opening index", "gives a higher opening index than", True),
    "window": ("a window opens", "opens a window where the other does not", False),
    "months_open": ("months with a window", "keeps a window open longer than", False),
    "crisis_months": ("crisis-months", "gives more crisis-months than", False),
    "exodus": ("the exodus at the horizon", "gives a larger exodus than", False),
}
"""Outcomes a question can ask about. The window, months open, crisis and exodus do not depend
on the fuzzy AND (a window is all four conditions above 0.5, whatever the aggregator)."""


def _check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise PolmodelError(f"outcome {outcome!r}: unknown; allowed: {', '.join(OUTCOMES)}")


def outcome_values(o: PolicyOutcomes, outcome: str) -> np.ndarray:
    """One outcome of one policy per world, as floats (a window is 1.0 or 0.0)."""
    _check_outcome(outcome)
    if outcome == "window":
        return o.window.astype(float)
    return np.asarray(getattr(o, outcome), dtype=float)


@dataclass(frozen=True)
class Question:
    """An outcome under ``policy``, or the paired difference ``policy`` minus ``versus``.

    Examples
    --------
    >>> Question("targeted", "broad").text()
    'targeted gives a higher opening index than broad'
    >>> Question("broad", outcome="window").text()
    'a window opens under broad'
    """

    policy: str
    versus: str | None = None
    outcome: str = "peak_index"
    margin: float = TIE
    """A contrast holds where the first policy's outcome exceeds the other's by more than this
    (a scenario's ``tie_margin`` for the opening index: smaller differences are ties)."""

    def __post_init__(self) -> None:
        _check_outcome(self.outcome)
        if self.versus == self.policy:
            raise PolmodelError(f"a contrast needs two different policies (got {self.policy!r} twice)")

    @property
    def policies(self) -> tuple[str, ...]:
        """The policies the question needs, in order."""
        return (self.policy,) if self.versus is None else (self.policy, self.versus)

    @property
    def uses_aggregator(self) -> bool:
        """Whether the answer can depend on the fuzzy AND."""
        return OUTCOMES[self.outcome][2]

    def label(self) -> str:
        """The number asked about, e.g. ``peak opening index: targeted minus broad``."""
        words = OUTCOMES[self.outcome][0]
        if self.outcome == "window":
            return (f"whether a window opens under {self.policy}" if self.versus is None else
                    f"whether {self.policy} opens a window where {self.versus} does not")
        if self.versus is None:
            return f"{words} under {self.policy}"
        return f"{words}: {self.policy} minus {self.versus}"

    def text(self) -> str:
        """The yes/no statement discovery boxes, as a facilitator would say it."""
        if self.versus is None:
            if self.outcome == "window":
                return f"a window opens under {self.policy}"
            return f"{OUTCOMES[self.outcome][0]} under {self.policy} is above its median"
        if self.outcome == "window":
            return f"{self.policy} opens a window where {self.versus} does not"
        by = f" (by more than {self.margin:g})" if self.margin > TIE else ""
        return f"{self.policy} {OUTCOMES[self.outcome][1]} {self.versus}{by}"

    def check(self, scenario: Scenario) -> None:
        """Raise a one-line error if a policy is not in ``scenario``."""
        for name in self.policies:
            scenario.policy(name)

    def values(self, outcomes: Mapping[str, PolicyOutcomes]) -> np.ndarray:
        """ndarray[n_worlds]: the outcome, or the paired difference, per world."""
        a = outcome_values(outcomes[self.policy], self.outcome)
        return a if self.versus is None else a - outcome_values(outcomes[self.versus], self.outcome)

    def holds(self, outcomes: Mapping[str, PolicyOutcomes]) -> np.ndarray:
        """ndarray[n_worlds] of bool: where the statement of :meth:`text` is true."""
        v = self.values(outcomes)
        if self.versus is not None:
            return v > max(self.margin, TIE)
        if self.outcome == "window":
            return v > 0.5
        return v > np.median(v)


def margin(scenario: Scenario, outcome: str) -> float:
    """The practical-tie margin of a contrast: the scenario's for the opening index."""
    return float(getattr(scenario, "tie_margin", TIE)) if outcome == "peak_index" else TIE


def contrast_questions(scenario: Scenario, outcome: str = "peak_index") -> list[Question]:
    """The scenario's own contrast, else each policy against the baseline."""
    m = margin(scenario, outcome)
    if scenario.contrast is not None:
        a, b = scenario.contrast
        return [Question(a, b, outcome, m)]
    return [Question(p, scenario.baseline, outcome, m) for p in scenario.policies
            if p != scenario.baseline]


def question_for(scenario: Scenario, policy: str | None, versus: str | None,
                 outcome: str) -> Question:
    """The question an analysis asks: ``policy`` against ``versus``, else the scenario's own.

    With neither policy given, the scenario's contrast (else its first policy against the
    baseline; in a one-policy scenario, the baseline's own outcome). Unknown policies are
    refused here, with the scenario's names.
    """
    if policy is None and versus is None:
        # No contrast in a one-policy scenario: the baseline's own outcome, then.
        question = (contrast_questions(scenario, outcome) or [Question(scenario.baseline, None, outcome)])[0]
    else:
        question = Question(policy or scenario.baseline, versus, outcome, margin(scenario, outcome))
    question.check(scenario)
    return question


def most_windows(scenario: Scenario, worlds: Worlds, *, aggregator: str | None = None,
                 executor=None) -> tuple[str, float]:
    """The policy with a window in the largest share of ``worlds``, and that share.

    Ties go to the policy listed first in the scenario. A window is read under the scenario's
    structure, or under each world's own where the structure is sampled as an assumption.
    """
    names = list(scenario.policies)
    agg = aggregator or scenario.aggregator
    outs = evaluate(worlds, [scenario.schedule(n) for n in names], aggregator=agg,
                    structure=scenario.structure, executor=executor)
    read = under_structures(dict(zip(names, outs)), worlds, agg, "window")
    shares = [float(read[n].window.mean()) for n in names]
    best = int(np.argmax(shares))
    return names[best], shares[best]


def default_questions(scenario: Scenario, worlds: Worlds, *, executor=None) -> list[Question]:
    """A scenario's questions: its contrast (else each policy against the baseline), then more.

    The last question is "does a window open" under the policy with a window in the most of
    ``worlds``.
    """
    qs = contrast_questions(scenario)
    best, _ = most_windows(scenario, worlds, executor=executor)
    return qs + [Question(best, outcome="window")]


STRUCTURE_OUTCOMES = ("peak_index", "window")
"""Outcomes that can be read under each world's own structure (every run keeps every
structure's peak); the others are read under the run's structure."""


def under_structures(outcomes: Mapping[str, PolicyOutcomes], worlds: Worlds, aggregator: str,
                     outcome: str = "peak_index") -> Mapping[str, PolicyOutcomes]:
    """The outcomes with each world's peak index and window read under that world's structure.

    Worlds without the structure dimension, and outcomes no structure changes, are returned as
    they are. The strict AND reads the strict peak; the others the graded one (on the scale of
    ``min``).
    """
    if outcome not in STRUCTURE_OUTCOMES:
        return outcomes
    if STRUCTURE_FACTOR in worlds.names:
        which = structure_of(worlds.values[:, worlds.names.index(STRUCTURE_FACTOR)])
    elif STRUCTURE_FACTOR in worlds.fixed:
        which = np.full(len(worlds), structure_of(worlds.fixed[STRUCTURE_FACTOR]))
    else:
        return outcomes
    scale = 0 if aggregator == "min" else 1
    rows = np.arange(len(worlds))
    out = {}
    for name, o in outcomes.items():
        peak = np.asarray(o.readings[rows, which, scale], dtype=float)
        strict = np.asarray(o.readings[rows, which, 0], dtype=float)
        out[name] = replace(o, peak_index=peak,
                            months_open=(strict > CROSSOVER).astype(o.months_open.dtype))
    return out


def ask(question: Question, scenario: Scenario, worlds: Worlds, *, aggregator: str | None = None,
        executor=None, chunk_size: int = DEFAULT_CHUNK,
        progress: Callable[[int], None] | None = None, engine: str = "numpy") -> np.ndarray:
    """The answer to ``question`` in every world: one vectorised evaluation of its policies.

    For the analyses: ``executor``, ``chunk_size`` and ``progress`` are trusted, checked where
    the analysis took them (:class:`polmodel.analysis.options.RunOptions`).

    Returns
    -------
    ndarray[n_worlds]
    """
    agg = aggregator or scenario.aggregator
    outs = _evaluate(worlds, [scenario.schedule(n) for n in question.policies],
                     agg, chunk_size, executor, progress, scenario.structure, engine)
    return question.values(under_structures(dict(zip(question.policies, outs)), worlds, agg,
                                            question.outcome))
