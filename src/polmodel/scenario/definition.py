"""A scenario as polmodel holds it: validated, its uncertain values and policies built.

:func:`scenario_from_dict` turns a parsed file (checked against :mod:`polmodel.scenario.schema`)
into a frozen :class:`Scenario`; :mod:`polmodel.scenario.loading` reads the files and keeps the
catalog of built-in scenarios.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from os import PathLike
from typing import Any

import numpy as np
from pydantic import ValidationError

from polmodel.errors import PolmodelError
from polmodel.limits import (
    MAX_HORIZON,
    MAX_POLICIES,
    _shown,
    _type_name,
    check_whole,
)
from polmodel.mappings import ReadOnlyMapping
from polmodel.model.bounds import parameter_limit
from polmodel.model.levers import LeverSetting, Policy
from polmodel.model.parameters import DEFAULTED_KEYS, MECHANISM_PARAMETERS
from polmodel.model.states import STATES
from polmodel.model.structures import DEFAULT_STRUCTURE
from polmodel.scenario.schema import CONTEXT_NAMES, LEGACY_CONTEXT, Estimate, ScenarioFile, problems

PLACEHOLDER = "assumption: placeholder"
"""How the template (``polmodel new``) marks a number nobody has filled in yet."""


@dataclass(frozen=True)
class Uncertain:
    """A number nobody knows: a central value, the plausible range sampled, and its source."""

    value: float
    low: float
    high: float
    source: str
    quantiles: tuple[float, ...] | None = None
    """Values at equally spaced shares 0..1 of the sampled distribution; None: uniform."""

    @property
    def fixed(self) -> bool:
        """True when the range is a single point (the ensemble does not vary it)."""
        return self.low == self.high


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: initial states, parameters, policies and their provenance.

    Build one with :func:`load_scenario`.
    """

    name: str
    title: str
    date: str
    description: str
    horizon: int
    aggregator: str
    baseline: str
    initial: Mapping[str, Uncertain]
    parameters: Mapping[str, Uncertain]
    policies: Mapping[str, Policy]
    path: str = ""
    contrast: tuple[str, str] | None = None
    """The two policies the scenario is about (its default question), or None."""
    tie_margin: float = 0.02
    """Differences of the opening index up to this size count as practical ties."""
    defaults_used: tuple[str, ...] = ()
    """Keys the file did not set that took documented defaults (a first-edition file)."""
    case: Mapping[str, Any] | None = None
    """For a historical case: its outcome, outcome date and sources."""
    structure: str = DEFAULT_STRUCTURE
    """The formula of the opening index the scenario reads first (every structure is read)."""
    structure_factor: bool = False
    """Sample the structure as one more uncertain factor (sensitivity and discovery set it)."""
    what_ifs: tuple[str, ...] = ()
    """What-ifs applied after loading (``rally=0.01``, ``initial.crisis=0.7:0.9``), in order."""
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    """Central values and schedules, computed once (the one-world path runs on them)."""

    @property
    def label(self) -> str:
        """The name results carry in their provenance: with its what-ifs, if any."""
        return f"{self.name} (what-ifs: {', '.join(self.what_ifs)})" if self.what_ifs else self.name

    def placeholders(self) -> list[str]:
        """Numbers whose source is still the template's ``assumption: placeholder``."""
        numbers = [(f"initial.{k}", u) for k, u in self.initial.items()] + list(self.parameters.items())
        return [k for k, u in numbers if u.source.lower().startswith(PLACEHOLDER)]

    def placeholder_note(self) -> str:
        """One sentence when numbers still carry the template's placeholder source, or ''."""
        left = self.placeholders()
        if not left:
            return ""
        return (f"{self.name}: {len(left)} of its numbers still carry the template's source "
                f"'{PLACEHOLDER}' ({', '.join(left[:3])}{', ...' if len(left) > 3 else ''}): "
                "its answers describe the template, not a case; fill them in with their "
                "sources first.")

    def defaults_note(self) -> str:
        """One sentence naming the keys that took second-edition defaults, or ''."""
        if not self.defaults_used:
            return ""
        return (f"{self.name} does not set {', '.join(self.defaults_used)}: defaults used "
                "(second edition; add them to the file to silence this).")

    def _tables(self) -> list:
        params = self.parameters
        states = [[k, u.value, f"{u.low:g}-{u.high:g}", u.source] for k, u in self.initial.items()]
        context = [[k, params[k].value, f"{params[k].low:g}-{params[k].high:g}", params[k].source]
                   for k in CONTEXT_NAMES]
        policies = [[n, ", ".join(f"{k} {v.intensity:g}" + (f" from month {v.start}" if v.start else "")
                                  for k, v in p.levers.items()) or "no levers"]
                    for n, p in self.policies.items()]
        return [("Initial states", ("state", "value", "range", "source"), states, ""),
                ("Context", ("parameter", "value", "range", "source"), context, ""),
                (f"Policies (baseline: {self.baseline})", ("policy", "levers"), policies, "")]

    def summary(self) -> str:
        """The scenario as text: initial states and context with sources, and the policies."""
        from polmodel.views.text import sections_text, wrap

        return (f"{wrap(f'{self.title} ({self.date})')}\n{wrap(self.description)}\n\n"
                f"{sections_text(self._tables())}").rstrip()

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        from polmodel.views.text import short_repr

        return short_repr(self, name=self.name, title=self.title, date=self.date,
                          policies=list(self.policies), horizon=self.horizon)

    def _repr_html_(self) -> str:
        import html

        from polmodel.views.text import sections_html

        return (f"<h4>{html.escape(self.title)} ({html.escape(self.date)})</h4>"
                f"<p>{html.escape(self.description)}</p>{sections_html(self._tables())}")

    def policy(self, name: str) -> Policy:
        """Return the policy called ``name``, or a one-line error listing the choices."""
        try:
            return self.policies[name]
        except (KeyError, TypeError):  # TypeError: a list or a dict is not a name
            raise PolmodelError(
                f"{self.name}: unknown policy {name!r}; allowed: {', '.join(self.policies)}"
            ) from None

    def central_initial(self) -> dict[str, float]:
        """Central value of every initial state (a new dict each call)."""
        if "initial" not in self._memo:
            self._memo["initial"] = {k: u.value for k, u in self.initial.items()}
        return dict(self._memo["initial"])

    def central_parameters(self) -> dict[str, float]:
        """Central value of every parameter, mechanism and context (a new dict each call)."""
        if "parameters" not in self._memo:
            self._memo["parameters"] = {k: u.value for k, u in self.parameters.items()}
        return dict(self._memo["parameters"])

    def with_horizon(self, horizon: int) -> Scenario:
        """The same scenario over another horizon (start months are checked by :meth:`schedule`)."""
        horizon = check_whole(horizon, "horizon", 1, MAX_HORIZON, what="months")
        return replace(self, horizon=horizon)

    def schedule(self, name: str) -> np.ndarray:
        """Lever intensities of policy ``name`` month by month over the scenario's horizon.

        Returns
        -------
        ndarray[horizon, n_levers]

        Raises
        ------
        PolmodelError
            If the policy is unknown or one of its levers starts past the horizon.
        """
        key = ("schedule", name)
        if not isinstance(name, str) or key not in self._memo:
            policy = self.policy(name)
            _check_starts(self.path or self.name, {name: policy}, self.horizon)
            self._memo[key] = policy.schedule(self.horizon)
        return self._memo[key].copy()


def _check_starts(where: str, policies: Mapping[str, Policy], horizon: int) -> None:
    for pname, policy in policies.items():
        for lever, setting in policy.levers.items():
            if setting.start >= horizon:
                raise PolmodelError(
                    f"{where}: policies.{pname}.levers.{lever}.start = {setting.start} is past the "
                    f"horizon of {horizon} month{'s' if horizon != 1 else ''}; allowed: 0 to "
                    f"{horizon - 1}, or a horizon (--horizon) of at least {setting.start + 1} months"
                )


def _parameters(spec: ScenarioFile, where: str) -> dict[str, Uncertain]:
    out: dict[str, Uncertain] = {}
    for p in MECHANISM_PARAMETERS:
        o = spec.mechanisms.get(p.name)
        value = p.default if o is None or o.value is None else o.value
        low, high = (p.low, p.high) if o is None or o.range is None else o.range
        if o is not None and o.range is not None and o.value is None and not low <= value <= high:
            value = min(max(value, low), high)  # a new range without a value: centre moves in
        key = f"mechanisms.{p.name}"
        limit = parameter_limit(p)
        if not 0.0 <= low <= high <= limit:
            raise PolmodelError(f"{where}: {key}.range [{low}, {high}] is not allowed; "
                                f"allowed: 0 <= low <= high <= {limit:g}")
        if not low <= value <= high:
            raise PolmodelError(f"{where}: {key}.value {value} is outside its range [{low}, {high}]")
        source = p.source if o is None else o.source
        quantiles = None if o is None or o.quantiles is None else tuple(o.quantiles)
        out[p.name] = Uncertain(value, low, high, source, quantiles)
    for name in CONTEXT_NAMES:
        est = getattr(spec.context, name)
        if est is None:
            value, low, high = DEFAULTED_KEYS[f"context.{name}"]
            out[name] = Uncertain(value, low, high, "default for files without this key (assumption)")
        else:
            out[name] = _unit_interval(est, f"{where}: context.{name}")
    return out


def _initial(spec: ScenarioFile, where: str) -> tuple[dict[str, Uncertain], list[str]]:
    """Initial states, filling second-edition states a first-edition file lacks."""
    out: dict[str, Uncertain] = {}
    defaulted: list[str] = []
    legacy = getattr(spec.context, LEGACY_CONTEXT)
    for s in STATES:
        est = getattr(spec.initial, s)
        key = f"initial.{s}"
        if s == "exposure" and legacy is not None:
            if est is not None:
                raise PolmodelError(f"{where}: context.{LEGACY_CONTEXT} is the first edition's name "
                                    f"of initial.exposure; allowed: one of them, not both")
            est = legacy
            defaulted.append(f"initial.exposure (read from context.{LEGACY_CONTEXT})")
        if est is None:
            value, low, high = DEFAULTED_KEYS[key]
            out[s] = Uncertain(value, low, high, "default for files without this key (assumption)")
            defaulted.append(f"{key} = {value:g} [{low:g}, {high:g}]")
        else:
            out[s] = _unit_interval(est, f"{where}: {key}")
    defaulted += [f"context.{n} = {DEFAULTED_KEYS['context.' + n][0]:g}" for n in CONTEXT_NAMES
                  if getattr(spec.context, n) is None]
    return out, defaulted


def _unit_interval(est: Estimate, key: str) -> Uncertain:
    low, high = est.range if est.range is not None else (est.value, est.value)
    if not 0.0 <= low <= est.value <= high <= 1.0:
        raise PolmodelError(f"{key}: value {est.value} with range [{low}, {high}] is not allowed; "
                            "allowed: 0 <= low <= value <= high <= 1")
    quantiles = None if est.quantiles is None else tuple(est.quantiles)
    return Uncertain(est.value, low, high, est.source, quantiles)


def _policies(spec: ScenarioFile, where: str) -> dict[str, Policy]:
    out: dict[str, Policy] = {}
    for name, p in spec.policies.items():
        levers: dict[str, LeverSetting] = {}
        if p.extends is not None:
            if p.extends not in out:
                earlier = ", ".join(out) or "none yet"
                raise PolmodelError(f"{where}: policies.{name}.extends = {p.extends!r} is not a policy "
                                    f"defined above it; allowed: {earlier}")
            levers.update(out[p.extends].levers)
        for lever, s in p.levers.items():
            levers[lever] = LeverSetting(s.intensity, s.start, s.end)
        out[name] = Policy(name, levers, p.description)
    return out


def scenario_from_dict(data: Mapping[str, Any], name: str = "scenario", path: str = "") -> Scenario:
    """Validate a parsed scenario (a dict as read from TOML) and build a :class:`Scenario`.

    Raises
    ------
    PolmodelError
        One line naming the file (or ``name``), the key and what is allowed.
    """
    where = path or name
    try:
        spec = ScenarioFile.model_validate(data)
    except ValidationError as err:
        # One line per problem, each naming the file, so every problem can be fixed at once.
        raise PolmodelError(*(f"{where}: {line}" for line in problems(err))) from None
    except RecursionError:
        raise PolmodelError(f"{where}: values nested too deeply; allowed: the tables and lists of "
                            "scenarios/template.toml") from None
    if len(spec.policies) > MAX_POLICIES:
        raise PolmodelError(f"{where}: policies: {len(spec.policies)} given; allowed: at most "
                            f"{MAX_POLICIES}")
    initial, defaulted = _initial(spec, where)
    policies = _policies(spec, where)
    _check_starts(where, policies, spec.horizon)
    baseline = spec.baseline or next(iter(policies))
    if baseline not in policies:
        raise PolmodelError(f"{where}: baseline = {baseline!r} is not a policy; "
                            f"allowed: {', '.join(policies)}")
    contrast = spec.contrast
    if contrast is not None:
        for which in contrast:
            if which not in policies:
                raise PolmodelError(f"{where}: contrast names {which!r}, which is not a policy; "
                                    f"allowed: {', '.join(policies)}")
        if contrast[0] == contrast[1]:
            raise PolmodelError(f"{where}: contrast names {contrast[0]!r} twice; allowed: two "
                                "different policies")
    return Scenario(
        name=name, title=spec.title, date=spec.date, description=spec.description.strip(),
        horizon=spec.horizon, aggregator=spec.aggregator, structure=spec.structure,
        baseline=baseline,
        initial=ReadOnlyMapping(initial), parameters=ReadOnlyMapping(_parameters(spec, where)),
        policies=ReadOnlyMapping(policies), path=path, tie_margin=spec.tie_margin,
        contrast=contrast,
        defaults_used=tuple(defaulted),
        case=None if spec.case is None else ReadOnlyMapping(spec.case.model_dump()),
    )


# ---------------------------------------------------------------------------------------------
# Catalog and loading


def check_scenario_argument(value: Any) -> None:
    """A Scenario, a built-in name or a path (the loader checks the rest)."""
    if not isinstance(value, (Scenario, str, PathLike)):
        raise PolmodelError(f"scenario {_shown(value)} is {_type_name(value)}; allowed: a Scenario, "
                            "a built-in scenario name or the path of a .toml file")
