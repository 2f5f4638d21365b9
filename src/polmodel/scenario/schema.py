"""The schema of scenario files (pydantic), and one-line messages for what breaks it.

Frozen models with ``extra="forbid"``: a typo in a key is an error, not a silent default; a
boolean or a quoted number where a number belongs is an error, not a conversion. Cross-field
checks that need the whole file (policies that extend others, start months against the horizon,
mechanism ranges against the parameter table) happen in :mod:`polmodel.scenario.definition`.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from polmodel.limits import MAX_HORIZON
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import (
    CONTEXT_PARAMETERS,
    DEFAULTED_KEYS,
    MECHANISM_PARAMETERS,
)
from polmodel.model.states import STATES
from polmodel.model.structures import DEFAULT_STRUCTURE, STRUCTURES

CONTEXT_NAMES = tuple(p.name for p in CONTEXT_PARAMETERS)
LEGACY_CONTEXT = "indictment_exposure"
"""First-edition context key, read as ``initial.exposure`` (exposure is a state since the
second edition: targeted measures add to it)."""

LeverName = Literal[LEVER_NAMES]  # type: ignore[valid-type]
StructureName = Literal[tuple(STRUCTURES)]  # type: ignore[valid-type]
ParameterName = Literal[tuple(p.name for p in MECHANISM_PARAMETERS)]  # type: ignore[valid-type]


# TOML has real numbers, booleans and strings: a boolean or a quoted number where a number
# belongs is an error, not a silent conversion (true is not 1, "0.8" is not 0.8). TOML also
# has nan and inf, which no number in a scenario may be: they are refused here, on their key.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Whole = Annotated[int, Field(strict=True)]


def _month(text: str) -> str:
    """A date as the scenarios write it: "YYYY-MM" (or "YYYY")."""
    year, _, month = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and (not month or (
            len(month) == 2 and month.isdigit() and 1 <= int(month) <= 12))):
        raise ValueError(f"{text!r} is not a month; allowed: \"YYYY-MM\", e.g. \"2018-09\"")
    return text


Month = Annotated[str, AfterValidator(_month)]


def _full_month(text: str) -> str:
    """A month with its month part: "YYYY-MM" only (a bare year is refused)."""
    _month(text)
    if len(text) != 7:
        raise ValueError(f"{text!r} is not a month; allowed: \"YYYY-MM\", e.g. \"2019-01\"")
    return text


FullMonth = Annotated[str, AfterValidator(_full_month)]


def _policy_name(text: str) -> str:
    """A policy's name: the one rule for names (:func:`polmodel.names.check_name`)."""
    from polmodel.names import check_name

    try:
        return check_name(text, "policy name")
    except ValueError as err:  # PolmodelError is a ValueError: pydantic reports it on the key
        raise ValueError(str(err)) from None


PolicyName = Annotated[str, AfterValidator(_policy_name)]


def _text_rule(*, multiline: bool = False, max_chars: int | None = None):
    """Free text shown to people, held to :func:`polmodel.names.check_free_text`."""

    def check(text: str) -> str:
        from polmodel.names import check_free_text

        try:
            return check_free_text(text, multiline=multiline, max_chars=max_chars)
        except ValueError as err:  # reported by pydantic on the key, with the file's name
            raise ValueError(str(err)) from None

    return AfterValidator(check)


def _title_rule():
    from polmodel.names import MAX_TITLE_CHARS

    return _text_rule(max_chars=MAX_TITLE_CHARS)


Title = Annotated[str, Field(min_length=1), _title_rule()]
"""A scenario's title: one line of at most 200 characters (it heads figures and handouts)."""
Line = Annotated[str, Field(min_length=1), _text_rule()]
"""One line of text of any length (a source, an event): no control or invisible characters."""
Text = Annotated[str, _text_rule(multiline=True)]
"""Text of any length that may span lines (a description, a note)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_quantiles(quantiles: list[float] | None, range_: tuple[float, float] | None) -> None:
    """Quantiles at equally spaced shares 0, ..., 1 of the range: non-decreasing, low to high."""
    if quantiles is None:
        return
    if range_ is None:
        raise ValueError("quantiles need a range; write range = [low, high] too")
    if len(quantiles) < 2:
        raise ValueError("quantiles: at least 2 values (the range's low and high)")
    if any(b < a for a, b in zip(quantiles, quantiles[1:])):
        raise ValueError("quantiles must not decrease; allowed: values from low to high in order")
    if (quantiles[0], quantiles[-1]) != tuple(range_):
        raise ValueError(f"quantiles run from {quantiles[0]} to {quantiles[-1]}; allowed: from the "
                         f"range's low {range_[0]} to its high {range_[1]}")


class Estimate(_Strict):
    """A value with its plausible range and where it comes from.

    ``quantiles`` (optional) shape how the range is sampled: the values at equally spaced
    shares 0, 1/(k-1), ..., 1 of the distribution, from ``low`` to ``high``; worlds are drawn by
    interpolating between them (written by ``polmodel elicit``). Without it, uniform.
    """

    value: Number
    range: tuple[Number, Number] | None = None
    source: Line
    quantiles: list[Number] | None = None

    @model_validator(mode="after")
    def _value_in_range(self) -> Estimate:
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise ValueError(f"range [{low}, {high}] is reversed; write [low, high]")
            if not low <= self.value <= high:
                raise ValueError(f"value {self.value} is outside its range [{low}, {high}]")
        _check_quantiles(self.quantiles, self.range)
        return self


class Override(_Strict):
    """A scenario's change to a mechanism parameter: a new centre, a new range, or both."""

    value: Number | None = None
    range: tuple[Number, Number] | None = None
    source: Line
    quantiles: list[Number] | None = None

    @model_validator(mode="after")
    def _quantiles_fit(self) -> Override:
        if self.value is None and self.range is None:  # a source alone changes nothing
            raise ValueError("gives neither a value nor a range; allowed: value = ..., "
                             "range = [low, high], or both, each with its source")
        _check_quantiles(self.quantiles, self.range)
        return self


class LeverSpec(_Strict):
    """One lever in a policy: ``0.6`` or ``{intensity = 0.6, start = 6, end = 24}``."""

    intensity: Annotated[Number, Field(ge=0.0, le=1.0)]
    start: Annotated[Whole, Field(ge=0)] = 0
    end: Annotated[Whole, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _number_is_intensity(cls, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, (int, float, dict)):
            raise ValueError(f"{data!r} is not a lever setting; allowed: an intensity from 0 to 1, "
                             "or a table {intensity = ..., start = ..., end = ...}")
        return {"intensity": data} if isinstance(data, (int, float)) else data

    @model_validator(mode="after")
    def _end_after_start(self) -> LeverSpec:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class PolicySpec(_Strict):
    """A named set of lever settings; ``extends`` copies another policy's levers first."""

    description: Text = ""
    extends: str | None = None
    levers: dict[LeverName, LeverSpec] = {}


def _states_model(name: str, keys: tuple[str, ...], prefix: str, extra: tuple[str, ...] = ()
                  ) -> type[_Strict]:
    # Keys new in the second edition may be missing (a first-edition file): they then take the
    # documented defaults of DEFAULTED_KEYS, and every run says so.
    fields = {k: ((Estimate | None, None) if f"{prefix}.{k}" in DEFAULTED_KEYS
                  else (Estimate, ...)) for k in keys}
    fields.update({k: (Estimate | None, None) for k in extra})
    return create_model(name, __base__=_Strict, **fields)


InitialSpec = _states_model("InitialSpec", STATES, "initial")
ContextSpec = _states_model("ContextSpec", CONTEXT_NAMES, "context", extra=(LEGACY_CONTEXT,))


class CaseSpec(_Strict):
    """A historical case: what happened after the situation the file codes.

    ``reference_date`` is the month of the event the case is about (for a transition the trigger
    of the change, for a survival the peak of the challenge); the file's ``date`` codes the
    situation twelve months before it (see ``scenarios/cases/README.md``).
    """

    outcome: Literal["transition", "survival"]
    reference_date: FullMonth
    reference_event: Line
    outcome_date: Month
    outcome_note: Text = ""
    sources: Annotated[list[Line], Field(min_length=1)]


class ScenarioFile(_Strict):
    """The schema of a scenario file (see ``scenarios/template.toml``)."""

    title: Title
    date: Month
    description: Text = ""
    horizon: Annotated[Whole, Field(ge=1, le=MAX_HORIZON)] = 36
    aggregator: Literal["min", "product", "geometric"] = "min"
    structure: StructureName = DEFAULT_STRUCTURE
    tie_margin: Annotated[Number, Field(ge=0.0, le=0.2)] = 0.02
    baseline: str | None = None
    contrast: tuple[str, str] | None = None
    case: CaseSpec | None = None
    initial: InitialSpec  # type: ignore[valid-type]
    context: ContextSpec  # type: ignore[valid-type]
    mechanisms: dict[ParameterName, Override] = {}
    policies: Annotated[dict[PolicyName, PolicySpec], Field(min_length=1)]

    @field_validator("policies")
    @classmethod
    def _distinct_file_names(cls, policies: dict) -> dict:
        """Policy names that differ only in case would name one file on a case-blind disk."""
        seen: dict[str, str] = {}
        for name in policies:
            key = name.casefold().rstrip(". ")
            if key in seen:
                raise ValueError(f"{seen[key]!r} and {name!r} differ only in case or trailing dots "
                                 "and would name the same output file; allowed: names that differ "
                                 "in their letters")
            seen[key] = name
        return policies


def describe(err: ValidationError) -> str:
    """Every problem of a validation error, one line each: key, what was wrong, what is allowed."""
    return "\n".join(problems(err))


def problems(err: ValidationError) -> list[str]:
    """Every problem of a validation error as a list of one-line messages, in file order."""
    return list(dict.fromkeys(_one_problem(e) for e in err.errors(include_url=False)))


def _one_problem(first: Any) -> str:
    loc = [str(part) for part in first["loc"]]
    kind, msg = first["type"], first["msg"]
    is_key = bool(loc) and loc[-1] == "[key]"
    if is_key:
        loc = loc[:-1]
    key = ".".join(loc) or "(top level)"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(ScenarioFile, loc[:-1])
        return f"{key}: unknown key; allowed: {', '.join(allowed)}"
    if kind == "literal_error" and is_key:
        what = "lever" if "levers" in loc else "mechanism parameter"
        return f"{key}: unknown {what}; allowed: {first['ctx']['expected'].replace(chr(39), '')}"
    if kind == "literal_error":
        return f"{key}: {first['input']!r} is not allowed; allowed: {first['ctx']['expected']}"
    if kind == "missing":
        return f"{key}: missing; this key is required"
    if kind == "finite_number":
        return f"{key}: {first['input']!r} is not allowed; allowed: a finite number (not nan or inf)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):  # pydantic names its classes
        fields = _allowed_keys(ScenarioFile, loc)
        what = "lever settings (lever = intensity)" if loc[-1:] == ["levers"] else "keys"
        allowed = f"a table of {', '.join(fields)}" if fields else f"a table of {what}"
        return f"{key}: {first['input']!r} is not a table; allowed: {allowed} (see the template)"
    if kind.startswith(("float", "int")) and "parsing" in kind or kind.endswith("_type"):
        return f"{key}: {first['input']!r} has the wrong type; {msg.lower()}"
    if kind == "value_error":
        return f"{key}: {msg.removeprefix('Value error, ')}"
    return f"{key}: {msg.lower()} (got {first.get('input')!r})"


def _allowed_keys(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Field names of the model found by walking ``loc`` down from ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            if info is None:
                return []
            current = info.annotation
        else:  # a dict: ``part`` is a key, descend into the value type
            args = typing.get_args(current)
            current = args[1] if len(args) == 2 else None
        while typing.get_origin(current) in (typing.Union, typing.Annotated) or (
            type(current).__name__ == "UnionType"
        ):
            current = next(a for a in typing.get_args(current) if a is not type(None))
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []
