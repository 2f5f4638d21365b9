"""Scenario files read and validated into a :class:`Scenario`, and the built-in catalog.

A scenario is a TOML file (see ``scenarios/template.toml``) with a title and date, initial
states and context parameters each with a value, a plausible range and a source note,
optional overrides of mechanism parameters, and the policies to compare. It is validated once,
here, at the boundary (schema in :mod:`polmodel.scenario.schema`): unknown keys are errors, ranges are
checked, and a bad file gives one line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import stat
import tomllib
from importlib import resources
from os import PathLike
from pathlib import Path

from polmodel.errors import PolmodelError
from polmodel.limits import (
    MAX_SCENARIO_BYTES,
    with_article,
)
from polmodel.model.states import STATES
from polmodel.scenario.definition import Scenario, scenario_from_dict

DEFAULT_SCENARIO = "venezuela-2018"
TEMPLATE = "template"
"""The commented template among the built-in files: copied by ``polmodel new``, not run."""


def scenario_dir() -> Path:
    """Folder of the built-in scenarios: inside the installed package, else the source tree's."""
    packaged = Path(str(resources.files("polmodel"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "scenarios"


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios (file names without ``.toml``), sorted."""
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def list_cases() -> list[str]:
    """Names of the historical cases shipped as scenarios (``cases/<name>``), sorted.

    Each codes a past situation twelve months before a transition or a survival, with its
    sources (see ``scenarios/cases/README.md``); they check the model, they do not tune it.
    """
    return sorted(f"cases/{p.stem}" for p in (scenario_dir() / "cases").glob("*.toml"))


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Parameters
    ----------
    name_or_path : str or Path
        A name from :func:`list_scenarios` (``"venezuela-2018"``) or a path to a ``.toml`` file.

    Returns
    -------
    Scenario

    Raises
    ------
    PolmodelError
        If the file is missing, is not TOML, or breaks the schema.

    Examples
    --------
    >>> load_scenario("venezuela-2018").baseline
    'status-quo'
    """
    path, text = scenario_source(name_or_path)
    raw = _read_scenario_file(path, text)
    from polmodel.names import check_name

    # A file name the system could not decode (bytes that are not UTF-8) is shown with U+FFFD.
    name = path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    check_name(name, "scenario name (the file's name without .toml)")
    data = _parse_toml(raw, text)
    try:
        return scenario_from_dict(data, name=name, path=text)
    except RecursionError:
        raise PolmodelError(f"{text}: values nested too deeply; allowed: the tables and lists of "
                            "scenarios/template.toml") from None


def scenario_source(name_or_path: str | PathLike) -> tuple[Path, str]:
    """The file a scenario name or path means, and the name or path as given (for messages).

    The one rule every command follows (``run``, ``compare``, ``elicit``, ...): a built-in name
    (``venezuela-2018``, ``cases/serbia-2000``) means the built-in file, whatever file of that
    name lies here; anything else is a path.

    Raises
    ------
    PolmodelError
        If it is neither a built-in name nor a path that could be a scenario file.
    """
    if not isinstance(name_or_path, (str, PathLike)):
        raise PolmodelError(f"scenario {name_or_path!r:.80} is {with_article(type(name_or_path).__name__)}; "
                            "allowed: a built-in scenario name or the path of a .toml file")
    text = str(name_or_path)
    if not text.strip():  # Path("") is ".", the current folder: say what is missing instead
        builtins = [n for n in list_scenarios() if n != TEMPLATE]
        raise PolmodelError(f"scenario {text!r} is empty; allowed: a built-in scenario name "
                            f"({', '.join(builtins)}), cases/NAME for a historical case, or the "
                            "path of a .toml file")
    path = Path(text)
    builtin_name = (path.suffix != ".toml" and "\0" not in text
                    and text in (*list_scenarios(), *list_cases()))
    if builtin_name or not (path.suffix == ".toml" or _exists(path)):
        # A built-in name always means the built-in scenario, whatever file of that name lies
        # here; a name is looked up in the catalog, never joined to a path: "../x" is not a name.
        builtin = scenario_dir() / f"{text}.toml"
        if ("\0" in text or text not in (*list_scenarios(), *list_cases())
                or not _is_file(builtin)):
            if _is_file(Path(text + ".toml")):
                raise PolmodelError(f"{text}: no such built-in scenario; did you mean the file "
                                    f"{text}.toml?")
            builtins = [n for n in list_scenarios() if n != TEMPLATE]
            raise PolmodelError(f"{text}: no such scenario; built-in: {', '.join(builtins)}, or "
                                f"cases/NAME for the {len(list_cases())} historical cases "
                                "(polmodel scenarios lists them), or the path of a .toml file")
        path = builtin
    return path, text


def scenario_toml(name_or_path: str | PathLike) -> dict:
    """The parsed TOML of a scenario, found and read as :func:`load_scenario` finds and reads it.

    For tools that rewrite a scenario file (``polmodel elicit`` writes a pooled copy); the
    result is not validated: build it with
    :func:`~polmodel.scenario.definition.scenario_from_dict`.
    """
    path, text = scenario_source(name_or_path)
    return _parse_toml(_read_scenario_file(path, text), text)


def _parse_toml(raw: str, text: str) -> dict:
    try:
        return tomllib.loads(raw)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise PolmodelError(f"{text}: not valid TOML: {err}") from None
    except RecursionError:
        raise PolmodelError(f"{text}: values nested too deeply to read; allowed: the tables "
                            "and lists of scenarios/template.toml") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _read_scenario_file(path: Path, text: str) -> str:
    """The text of a scenario file; special files, huge files and unreadable ones are refused.

    The file's kind and size are checked before it is opened, so a FIFO cannot block and
    ``/dev/zero`` cannot fill memory; at most :data:`MAX_SCENARIO_BYTES` + 1 bytes are read,
    in case the size was not what ``stat`` said.
    """
    builtins = [n for n in list_scenarios() if n != TEMPLATE]
    hint = f"give a built-in scenario name ({', '.join(builtins)}) or the path of a .toml file"
    try:
        st = path.stat()
    except FileNotFoundError:
        raise PolmodelError(f"{text}: file not found; {hint}") from None
    except PermissionError:
        raise PolmodelError(f"{text}: cannot read: permission denied; allow reading it, or copy "
                            "it somewhere readable") from None
    except (OSError, ValueError) as err:
        raise PolmodelError(f"{text}: cannot read: {getattr(err, 'strerror', None) or err}; {hint}") from None
    if stat.S_ISDIR(st.st_mode):
        raise PolmodelError(f"{text}: is a folder, not a scenario file; {hint}")
    if not stat.S_ISREG(st.st_mode):
        raise PolmodelError(f"{text}: is not a regular file (a device, pipe or socket); {hint}")
    too_big = (f"{text}: the file is larger than {MAX_SCENARIO_BYTES:,} bytes; allowed: a scenario "
               "file up to that size (the built-in ones are under 20 kB)")
    if st.st_size > MAX_SCENARIO_BYTES:
        raise PolmodelError(too_big)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
    except PermissionError:
        raise PolmodelError(f"{text}: cannot read: permission denied; allow reading it, or copy "
                            "it somewhere readable") from None
    except OSError as err:
        raise PolmodelError(f"{text}: cannot read: {err.strerror or err}") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise PolmodelError(too_big)
    try:
        # As read_text would: universal newlines (TOML itself accepts only LF and CRLF).
        # A byte-order mark (some Windows editors write one) is not text: read past it.
        return raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as err:
        raise PolmodelError(f"{text}: not valid TOML: not UTF-8 text ({err.reason} at byte "
                            f"{err.start})") from None


PARAMETER_LIST_LINE = ("#   (`polmodel new` writes them here from the parameter table; `polmodel show` "
                       "lists them)\n")
"""The template's placeholder for the list of parameter names, filled in by :func:`template_text`."""


def template_text() -> str:
    """The commented template a new scenario starts from, listing every mechanism parameter.

    The names come from the parameter table, grouped by the state their mechanism moves, so a
    new mechanism appears here without an edit to the template.
    """
    import textwrap

    from polmodel.model.equations import coefficients, terms
    from polmodel.model.parameters import (
        MECHANISM_PARAMETERS,
        MECHANISMS_BY_NAME,
        default_parameters,
    )

    # The state each parameter's term moves (a parameter that sizes no term of its own, a
    # threshold or a damping, goes with the first state its mechanism moves).
    zero = (0.0,) * 9
    term_state = {name: STATES[i] for name, i, _, _ in
                  terms([0.5] * len(STATES), coefficients(default_parameters(), zero))}
    by_state: dict[str, list[str]] = {}
    for p in MECHANISM_PARAMETERS:
        state = term_state.get(p.name) or MECHANISMS_BY_NAME[p.mechanism].moves[0][0]
        by_state.setdefault(state, []).append(p.name)
    lines = []
    for state in [s for s in STATES if s in by_state]:
        lines += textwrap.wrap(f"{state + ':':<11} {', '.join(by_state[state])}", width=98,
                               initial_indent="#   ", subsequent_indent="#               ",
                               break_on_hyphens=False)
    template = (scenario_dir() / f"{TEMPLATE}.toml").read_text(encoding="utf-8")
    return template.replace(PARAMETER_LIST_LINE, "\n".join(lines) + "\n")
