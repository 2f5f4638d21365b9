"""The workshop handout (report) and the room commands (report, new), without a browser."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import stat

import pytest
from click.testing import CliRunner

import polmodel
from polmodel.cli import main
from polmodel.errors import PolmodelError
from polmodel.model.labels import label
from polmodel.model.states import STATES
from polmodel.room.handout import handout, sensitivity_available
from polmodel.scenario.loading import TEMPLATE, load_scenario, scenario_dir, template_text
from polmodel.views.text import CAVEAT

WORLDS = 64
SEED = 5


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def page(scenario):
    return handout(scenario, worlds=WORLDS, seed=SEED)


def run_cli(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_the_handout_is_one_self_contained_page(page):
    assert page.startswith("<!DOCTYPE html>")
    # Nothing fetched from anywhere: no scripts, no style sheets, no remote images or fonts.
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "url(" not in page
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) >= 5
    for src in images:
        head, data = src.split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_handout_holds_every_part(page, scenario):
    for part in ("scenario", "model", "assumptions", "central", "comparison", "sensitivity",
                 "provenance"):
        assert f"<section id='{part}'>" in page
    assert f"<title>{scenario.title.replace(chr(39), '&#x27;')}" in page
    assert scenario.name + ".toml" not in page.split("<body>", 1)[1].split("</h1>")[0]
    assert CAVEAT.replace("'", "&#x27;") in page
    prov = f"polmodel {polmodel.__version__} | scenario {scenario.name} | seed {SEED}"
    assert prov in page and f"worlds {WORLDS}" in page
    cells = page.replace("<wbr>", "")  # ids may break after an underscore
    for state in STATES:  # every initial state, by its label with its name, with its source
        assert f"<td>{html.escape(label(f'initial.{state}', with_id=True))}</td>" in cells
    for name in scenario.parameters:  # every parameter, context and mechanism
        assert f"<td>{html.escape(label(name, with_id=True))}</td>" in cells
    for policy in scenario.policies:
        assert policy in page


def opening_text(page: str) -> str:
    """The handout's text before its appendix: every section but the full assumption tables."""
    body = page.split("<main>", 1)[1].split("</main>", 1)[0].replace("<wbr>", "")
    sections = re.findall(r"<section id='([^']+)'>(.*?)</section>", body, flags=re.S)
    kept = [text for part, text in sections if part != "assumptions"]
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(kept)))


def test_no_id_on_the_opening_pages_but_in_parentheses_beside_its_label(page):
    from conftest import bare_ids

    from polmodel.model.structures import STRUCTURES

    text = " ".join(opening_text(page).split())
    assert "What would you have to believe?" in text and "What decides" in text
    # A structure named like a parameter would be quoted: the comparison names structures
    # in quotes or as its table's columns, and those are not the parameter.
    assert " ".join(STRUCTURES) in text
    for name in STRUCTURES:
        text = text.replace(f"'{name}'", "'a structure'")
    text = text.replace(" ".join(STRUCTURES), "the structures")
    assert not bare_ids(text), bare_ids(text)[:5]
    # ...and the appendix names them the same way, in its first column.
    appendix = page.split("<section id='assumptions'>", 1)[1].split("</section>", 1)[0]
    appendix = appendix.replace("<wbr>", "")
    cells = [html.unescape(c) for c in re.findall(r"<tr><td>([^<]*)</td>", appendix)]
    assert cells and all(c == label(c.rsplit("(", 1)[1].rstrip(")"), with_id=True) for c in cells)


def test_the_pair_sentence_states_the_paired_share(scenario):
    from polmodel.analysis.comparison import compare
    from polmodel.room.handout import comparison_part

    c = compare(scenario, worlds=WORLDS, seed=SEED)
    a, b = c.policies[1:3]
    part = comparison_part(c, (a, b))
    share = c.pairwise(a, b)["share_higher"]
    assert (f"<b>{a}</b> gives a higher peak opening index than <b>{b}</b> in "
            f"{100 * share:.0f}%") in part.body
    assert part.body.count("<img") == 4
    with pytest.raises(PolmodelError, match="unknown policy 'nope'"):
        handout(scenario, worlds=16, pair=(a, "nope"))


def test_the_sensitivity_section_says_what_it_needs_until_the_modules_exist(page, monkeypatch,
                                                                             scenario):
    import polmodel.room.handout as report
    from polmodel.analysis.comparison import compare

    missing = "needs polmodel's sensitivity analysis"
    assert (missing in page) == (not sensitivity_available())
    section = page.split("<section id='sensitivity'>", 1)[1].split("</section>", 1)[0]
    if sensitivity_available():  # the real thing: a tornado and read-out sentences
        assert "<img" in section and "What would you have to believe?" in section
        assert section.count("<li>") >= 2
    monkeypatch.setattr(report, "sensitivity_available", lambda: False)
    c = compare(scenario, worlds=16, seed=SEED)
    part = report.sensitivity_part(scenario, c, (c.policies[1], c.baseline), seed=SEED)
    assert missing in part.body and part.id == "sensitivity"


def test_report_command_writes_one_file_with_the_umask(tmp_path, scenario):
    out = tmp_path / "handout.html"
    old = os.umask(0o022)
    try:
        result = run_cli("report", "--worlds", 32, "--seed", SEED, "--out", out)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    # The handout alone: its provenance is inside it, no manifest beside it (issue 14).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    text = out.read_text(encoding="utf-8")
    assert scenario.title.replace("'", "&#x27;") in text and "seed 5" in text
    assert str(out) in result.stderr


@pytest.mark.parametrize("case", ["unknown scenario", "unknown pair", "out is a folder"])
def test_report_bad_input_is_one_line_and_writes_nothing(tmp_path, case):
    args, fragment = {
        "unknown scenario": (["atlantis-2030"], "no such scenario"),
        "unknown pair": (["--pair", "status-quo", "nope"], "unknown policy 'nope'"),
        "out is a folder": ([], "is a folder"),
    }[case]
    out = tmp_path if case == "out is a folder" else tmp_path / "h.html"
    before = sorted(tmp_path.iterdir())
    result = run_cli("report", *args, "--worlds", 16, "--out", out)
    assert result.exit_code == 2
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_new_copies_the_template_and_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # new takes a plain NAME and writes NAME.toml here (issue 14)
    result = run_cli("new", "chile-2019")
    assert result.exit_code == 0, result.stderr
    made = tmp_path / "chile-2019.toml"
    assert made.read_text(encoding="utf-8") == template_text()  # the template, its list filled
    assert load_scenario(made).name == "chile-2019"
    again = run_cli("new", "chile-2019.toml")
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert run_cli("new", "chile-2019", "--force").exit_code == 0
    bad = run_cli("new", "two words")
    assert bad.exit_code == 2 and "NAME" in bad.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chile-2019.toml"]


def test_validate_lists_every_problem_one_line_each(write_scenario, scenario):
    policy = scenario.baseline
    path = write_scenario({"horizn": 36, "aggregator": "max",
                           f"policies.{policy}.levers.broad_sanctons": 0.5})
    result = run_cli("validate", path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"Error: {path}: ") for line in lines)
    text = "\n".join(lines)
    for key in ("horizn", "aggregator", "broad_sanctons"):
        assert key in text
    assert "more problem" not in text


def test_every_command_fits_in_100_columns(tmp_path):
    commands = [["run"], ["compare", "--worlds", 32], ["scenarios"], ["levers"],
                ["validate", str(scenario_dir() / "venezuela-2018.toml")]]
    for args in commands:
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        widest = max(result.stdout.splitlines(), key=len)
        assert len(widest) <= 100, (args, widest)


def test_repr_of_every_result_is_one_short_line(scenario):
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.runs import run

    for obj in (scenario, run(scenario), compare(scenario, worlds=16, seed=SEED)):
        text = repr(obj)
        assert "\n" not in text and len(text) < 400
        assert type(obj).__name__ in text and scenario.name in text


def test_run_to_csv_reads_back_in_pandas(tmp_path, scenario):
    import io

    import pandas as pd

    from polmodel.analysis.runs import run

    r = run(scenario)
    df = pd.read_csv(io.StringIO(r.to_csv()))
    assert list(df["month"]) == list(range(scenario.horizon + 1))
    assert set(STATES) <= set(df.columns)
    assert df["opening_index"].to_numpy() == pytest.approx(r.index, abs=1e-5)
    assert r.to_csv(tmp_path / "r.csv") is None
    assert (tmp_path / "r.csv").read_text(encoding="utf-8") == r.to_csv()


def test_scenarios_json_leaves_out_the_template():
    result = run_cli("scenarios", "--json")
    names = [d["name"] for d in json.loads(result.stdout)]
    assert TEMPLATE not in names and names


def test_the_readme_commands_from_install_to_handout_work(tmp_path, monkeypatch):
    """The README's handout commands, run as written (fewer worlds, to keep the suite quick)."""
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From `pip install` to a printed handout", 1)[1].split("\n## ", 1)[0]
    commands = [line.split("#", 1)[0].strip() for block in section.split("```sh")[1:]
                for line in block.split("```", 1)[0].splitlines()
                if line.strip().startswith("polmodel ")]
    assert [c.split()[1] for c in commands] == ["report", "new", "validate", "report"]
    monkeypatch.chdir(tmp_path)
    for command in commands:
        args = shlex.split(command)[1:]
        if args[0] == "report":
            args += ["--worlds", "32"]
        result = run_cli(*args)
        assert result.exit_code == 0, (command, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no manifest beside a named file
        "chile-2019.html", "chile-2019.toml", "handout.html"]


def test_the_sources_table_counts_the_documents_the_scenario_cites(scenario):
    from polmodel.room.handout import sources_part

    body = sources_part(scenario).body
    sources = [u.source for u in [*scenario.initial.values(), *scenario.parameters.values()]]
    codes = {c for text in sources for c in re.findall(r"\b(\d{3}) \(", text)}
    assert codes, "the scenario cites its documents as 'NNN (name)'"
    rows = dict(re.findall(r"<tr><td>(\d{3}) \([^)]*\)</td><td[^>]*>(\d+)</td></tr>", body))
    assert codes <= set(rows)
    for code, n in rows.items():
        assert int(n) == sum(bool(re.search(rf"\b{code}\b", t)) for t in sources), code


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_out_folders_follow_the_umask(tmp_path, umask, mode):
    out = tmp_path / "figs"
    old = os.umask(umask)
    try:
        result = run_cli("run", "--policy", "status-quo", "--horizon", 6, "--out", out)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    files = list(out.iterdir())
    assert len(files) >= 3
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == mode, f.name
