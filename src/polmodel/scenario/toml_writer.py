"""Writing scenario data back to TOML (Python reads TOML with tomllib but cannot write it).

Enough for scenario files: strings, numbers, booleans, lists and nested tables. Top-level
values first, then one ``[table.name]`` section per entry of each top-level table, with deeper
tables inline, so a written scenario reads like the hand-written ones.
"""

from __future__ import annotations

import json
import math
import re

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: dict) -> str:
    """TOML text for a dict of the shape of a scenario file.

    Parameters
    ----------
    data : dict
        Keys are strings; values are str, int, float, bool, lists or dicts of those.

    Returns
    -------
    str

    Examples
    --------
    >>> print(dumps({"title": "T", "initial": {"crisis": {"value": 0.5}}}), end="")
    title = "T"
    <BLANKLINE>
    [initial.crisis]
    value = 0.5
    """
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for top, table in data.items():
        if not isinstance(table, dict):
            continue
        flat = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if flat or not table:
            lines += ["", f"[{_key(top)}]"] + [f"{_key(k)} = {_value(v)}" for k, v in flat.items()]
        for name, entry in table.items():
            if isinstance(entry, dict):
                lines += ["", f"[{_key(top)}.{_key(name)}]"]
                lines += [f"{_key(k)} = {_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, str):
        if "\n" in v and '"""' not in v and "\\" not in v:
            return '"""\n' + v + '"""' if not v.endswith('"') else json.dumps(v, ensure_ascii=False)
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"no TOML form for {type(v).__name__}")
