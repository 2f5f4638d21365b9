"""Shared fixtures: the scenario files, a writer for edited copies of them, test settings."""

from __future__ import annotations

import copy
import json
import math
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import settings

# Figures are drawn without a display; set before anything imports matplotlib.
os.environ["MPLBACKEND"] = "Agg"

# Property tests run many small simulations; keep them modest so the suite stays fast, and
# without a per-example deadline (timing is not what they test).
settings.register_profile("polmodel", max_examples=40, deadline=None)
settings.load_profile("polmodel")

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"
# Discovered, not listed: files added to scenarios/ are covered without touching the tests.
SCENARIO_FILES = sorted(SCENARIO_DIR.glob("*.toml"))
DEFAULT_FILE = SCENARIO_DIR / "venezuela-2018.toml"


def toml_dumps(data: dict) -> str:
    """Write a dict as TOML: every top-level key on one line, tables inline.

    Enough for scenario files (strings, numbers, booleans, lists, nested tables); keys are
    quoted, strings use JSON escapes, which TOML basic strings share.
    """
    return "".join(f"{json.dumps(key)} = {_toml_value(value)}\n" for key, value in data.items())


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _parent(data: dict, dotted: str) -> tuple[dict, str]:
    *path, last = dotted.split(".")
    for part in path:
        data = data.setdefault(part, {})
    return data, last


@pytest.fixture(params=SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def scenario_file(request) -> Path:
    """Each file in scenarios/, one test per file."""
    return request.param


@pytest.fixture
def write_scenario(tmp_path):
    """Write an edited copy of venezuela-2018.toml into tmp_path and return its path.

    ``write_scenario({"initial.crisis.value": 1.4}, delete=["initial.crisis.range"])`` sets
    and deletes dotted keys; with no arguments the copy is unchanged (re-serialized).
    """
    original = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))

    def write(edits: dict | None = None, *, delete=(), name: str = "edited.toml") -> Path:
        data = copy.deepcopy(original)
        for dotted in delete:
            parent, key = _parent(data, dotted)
            del parent[key]
        for dotted, value in (edits or {}).items():
            parent, key = _parent(data, dotted)
            parent[key] = value
        path = tmp_path / name
        path.write_text(toml_dumps(data), encoding="utf-8")
        return path

    return write


def flat(text: str) -> str:
    """Text with every run of whitespace made one space: terminal text wraps at 100 columns,
    so a sentence or a provenance line may span lines."""
    return " ".join(text.split())


def cli(*args):
    """``polmodel ARGS...`` in-process, through click's runner; stdout and stderr kept apart."""
    from click.testing import CliRunner

    from polmodel.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line(result, status, *fragments):
    """The given status, nothing on stdout, and one line on stderr naming what was wrong."""
    from polmodel.errors import MAX_MESSAGE

    assert result.exit_code == status, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert message.startswith("Error: ") and "Traceback" not in message, message
    assert len(message) <= MAX_MESSAGE + 100, len(message)
    assert "\x1b" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def texts_outside(draw, figsize=(8, 5.5)) -> list[str]:
    """The texts of a figure drawn by ``draw(ax)`` that run past the figure's edges.

    The figure is laid out as polmodel's own figures are (constrained layout), drawn, and every
    visible text (labels, colour-bar labels, titles, footers, annotations) is checked against
    the figure's box, to within a pixel.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    draw(fig.add_subplot())
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for tick in axis.get_major_ticks() + axis.get_minor_ticks()
             for t in (tick.label1, tick.label2)}
    out = []
    for t in fig.findobj(Text):  # tick labels are checked below, as drawn
        if id(t) in ticks or not t.get_visible() or not t.get_text().strip():
            continue
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
            out.append(t.get_text())
    tight = fig.get_tightbbox(renderer)  # inches; every artist as drawn, tick labels too
    w, h = fig.get_size_inches()
    if tight.x0 < -0.01 or tight.y0 < -0.01 or tight.x1 > w + 0.01 or tight.y1 > h + 0.01:
        out.append(f"something drawn outside the figure: {tight.bounds} in a {w} x {h} figure")
    return out


def bare_ids(text: str) -> list[str]:
    """Parameter ids (and ``initial.<state>``) in ``text`` that do not stand in parentheses
    right after their plain-word label, as ``label (id`` followed by ``)``, ``,`` or ``;``.

    Text is compared with its whitespace flattened, so wrapped lines count as one.
    """
    import re

    from polmodel.model.labels import label
    from polmodel.model.parameters import PARAMETERS
    from polmodel.model.states import STATES

    text = flat(text)
    bare = []
    for key in [*PARAMETERS, *(f"initial.{s}" for s in STATES)]:
        for m in re.finditer(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", text):
            before = text[: m.start()]
            if not (before.endswith(f"{label(key)} (") and text[m.end():m.end() + 1] in ",;)"):
                bare.append(f"{key} at ...{text[max(0, m.start() - 50):m.end() + 10]}...")
    return bare


def load_tool(name: str):
    """A script of ``tools/`` imported as a module (the tools are not a package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
