"""The notebooks' exercises can be done with what the notebooks show (issue 16: exercise 01-4)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np

import polmodel

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _exercise(notebook: str, number: int) -> str:
    text = nbformat.read(NOTEBOOKS / notebook, as_version=4).cells[-1].source
    return text.split(f"\n{number}. ", 1)[1].split(f"\n{number + 1}. ", 1)[0]


def test_exercise_01_4_can_be_done_with_the_built_in_policies_and_run():
    """A built-in policy raises `pressure` and leaves the index within 0.01, as the exercise asks;
    another raises `challenger`, and the index moves as the binding condition does."""
    text = " ".join(_exercise("01-quickstart.ipynb", 4).split())
    assert "`pressure`" in text and "within 0.01" in text and "`challenger`" in text
    sc = polmodel.load_scenario("venezuela-2018")
    base = polmodel.run(sc, "status-quo")
    last = len(base.months) - 1
    c = {name: polmodel.CONDITIONS.index(name) for name in ("pressure", "challenger")}
    flat_pressure, challenger_moves = [], []
    for name in sc.policies:
        r = polmodel.run(sc, name)  # what the notebook's table runs
        change = r.conditions[last] - base.conditions[last]
        index = r.index[last] - base.index[last]
        binds = polmodel.CONDITIONS.index(r.bottleneck[last])
        if change[c["pressure"]] > 0.01 and abs(index) < 0.01:
            flat_pressure.append(name)
        if change[c["challenger"]] > 0.01 and r.bottleneck[last] == base.bottleneck[last]:
            # Under the min AND the index is the binding condition: it moves as that one does.
            assert np.isclose(index, change[binds], atol=1e-9)
            challenger_moves.append((name, change[c["challenger"]] - index))
    assert flat_pressure, "no built-in policy raises pressure and leaves the index where it was"
    assert any(gap > 0.01 for _, gap in challenger_moves), (
        "no built-in policy raises challenger by more than the index moves")


def test_the_notebooks_extra_installs_what_the_notebooks_import():
    """Every module a notebook imports is the standard library's, polmodel's own dependency, or
    in the `notebooks` extra; the extra brings Jupyter, a kernel and the sliders' widgets."""
    import re
    import sys
    import tomllib

    project = tomllib.loads((NOTEBOOKS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    extra = project["project"]["optional-dependencies"]["notebooks"]

    def names(requirements):
        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-")
                for r in requirements}

    installed = names(project["project"]["dependencies"]) | names(extra)
    assert {"jupyterlab", "ipykernel", "ipywidgets"} <= names(extra)
    imported = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                imported |= set(re.findall(r"^\s*(?:import|from)\s+(\w+)", cell.source, re.M))
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "polmodel"}
    assert third_party, "the notebooks import something besides the standard library"
    assert third_party <= installed, third_party - installed
    # polmodel.explore, which notebooks 01 and 05 call, needs ipywidgets.
    assert "ipywidgets" in names(extra)
