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


BRIEF = ("answer", "policies", "over-time", "model")
"""The first four printed pages, one section each."""

APPENDIX = ("mechanisms", "readings", "deciding", "comparison", "assumptions", "scenario",
            "provenance")


def test_the_handout_is_one_self_contained_page(page):
    assert page.startswith("<!DOCTYPE html>")
    # Nothing fetched from anywhere: no scripts, no style sheets, no remote images or fonts.
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "url(" not in page
    # Figures are inline SVG: a verdict bar, the policies' ranges, the conditions over time,
    # the model on one page and every mechanism; each scales with the page and has a title.
    svgs = re.findall(r"<svg [^>]*>.*?</svg>", page, flags=re.S)
    assert len(svgs) >= 5
    for s in svgs:
        assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', s) and "<title>" in s
    for src in re.findall(r'<img src="([^"]+)"', page):  # only with sobol=True
        head, data = src.split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def sections(page: str) -> list[str]:
    return re.findall(r"<section id='([^']+)'", page)


def test_the_handout_leads_with_the_answer_then_three_pages_then_the_appendix(page, scenario):
    assert sections(page) == [*BRIEF, *APPENDIX]
    # Each of pages 2-4 starts a printed page; the appendix starts one after them.
    for part in BRIEF[1:]:
        assert f"<section id='{part}' class='page'>" in page
    assert page.index("<div id='appendix'>") > page.index("<section id='model'")
    assert f"<title>{scenario.title.replace(chr(39), '&#x27;')}" in page
    assert scenario.name + ".toml" not in page.split("<body>", 1)[1].split("</h1>")[0]
    prov = f"polmodel {polmodel.__version__} | scenario {scenario.name} | seed {SEED}"
    assert prov in page and f"worlds {WORLDS}" in page
    # The caveat and the provenance close page 1 and the appendix; each other page has both
    # in its footer.
    answer = page.split("<section id='answer'>", 1)[1].split("</section>", 1)[0]
    assert CAVEAT.replace("'", "&#x27;") in answer and prov in answer
    for part in BRIEF[1:]:
        body = page.split(f"<section id='{part}'", 1)[1].split("</section>", 1)[0]
        assert "<p class='foot'>" in body and "not prediction" in body and prov in body
    closing = page.split("<section id='provenance'>", 1)[1]
    assert CAVEAT.replace("'", "&#x27;") in closing and prov in closing
    cells = page.replace("<wbr>", "")  # ids may break after an underscore
    for state in STATES:  # every initial state, by its label with its name, with its source
        assert f"<td>{html.escape(label(f'initial.{state}', with_id=True))}</td>" in cells
    for name in scenario.parameters:  # every parameter, context and mechanism
        assert f"<td>{html.escape(label(name, with_id=True))}</td>" in cells
    for policy in scenario.policies:
        assert policy in page


def test_brief_leaves_out_the_appendix(scenario):
    brief = handout(scenario, worlds=WORLDS, seed=SEED, brief=True)
    assert sections(brief) == list(BRIEF) and "<div id='appendix'>" not in brief
    full = handout(scenario, worlds=WORLDS, seed=SEED)
    # The same first pages, word for word.
    assert brief.split("<main>")[1].split("</main>")[0] == \
        full.split("<main>")[1].split("<div id='appendix'>")[0]


def opening_text(page: str) -> str:
    """The text of the handout's first four pages (page 1 and one section a page after it)."""
    body = page.split("<main>", 1)[1].split("</main>", 1)[0].replace("<wbr>", "")
    found = dict(re.findall(r"<section id='([^']+)'[^>]*>(.*?)</section>", body, flags=re.S))
    kept = [found[part] for part in BRIEF]
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(kept)))


def without_lever_labels(text: str) -> str:
    """``text`` with the levers' labels taken out: "support for civil society ..." is words,
    not the parameter ``support`` (nor is "multilateral coordination" ``coordination``).

    Only for text that names no parameter by its label (the model's page): a parameter's label
    may hold a lever's ("how much broad sanctions cut ...")."""
    from polmodel.model.levers import LEVERS

    for lever in sorted(LEVERS, key=lambda lv: -len(lv.label)):
        text = text.replace(lever.label, "a lever")
    return text


def test_the_model_page_names_levers_and_states_only():
    from polmodel.model.levers import LEVERS
    from polmodel.model.states import STATES
    from polmodel.views.model_diagrams import lever_diagram

    words = [html.unescape(t) for t in re.findall(r"<text [^>]*>([^<]*)</text>", lever_diagram())]
    labels = {label(s) for s in STATES}
    allowed = {"levers", "conditions", "states the levers act through", "raises", "lowers",
               "both ways", "+", "\u2212", "\u00b1"}
    joined = " ".join(words)
    for lever in LEVERS:
        assert lever.label.split()[0] in joined
    for w in words:
        ok = (w in allowed or any(w in lb or lb.startswith(w) for lb in labels)
              or any(w in lv.label for lv in LEVERS)
              or re.fullmatch(r"(\w+): \d+ raise it, \d+ lower it", w)
              or w.startswith("acts on ") or w.startswith("lower it"))
        assert ok, w


def test_no_id_on_the_opening_pages_but_in_parentheses_beside_its_label(page):
    from conftest import bare_ids

    # The model's page is words of its own (levers and states: the test above); the rest
    # names every assumption by its label.
    page = re.sub(r'<svg class="chart diagram".*?</svg>', " ", page, flags=re.S)
    text = " ".join(opening_text(page).split())
    assert "What would you have to believe?" in text and "What decides it" in text
    assert not bare_ids(text), bare_ids(text)[:5]
    # ...and the appendix names them the same way, in the first column of its tables.
    appendix = page.split("<section id='assumptions'>", 1)[1].split("</section>", 1)[0]
    appendix = appendix.replace("<wbr>", "")
    cells = [html.unescape(c) for c in re.findall(r"<tr><td>([^<]*)</td>", appendix)]
    assert cells and all(c == label(c.rsplit("(", 1)[1].rstrip(")"), with_id=True) for c in cells)


def test_what_ifs_are_on_page_1_by_label(scenario):
    from polmodel.scenario.whatif import apply_settings

    sc = apply_settings(scenario, {"rally": (0.08, 0.1)})
    page = handout(sc, worlds=WORLDS, seed=SEED, brief=True)
    answer = page.split("<section id='answer'>", 1)[1].split("</section>", 1)[0]
    assert "What-ifs applied" in answer
    assert f"{html.escape(label('rally', with_id=True))}: plausible range 0.08 to 0.1" in answer
    assert "what-ifs: rally=0.08:0.1" in answer  # in the provenance too


def test_the_answer_states_the_paired_shares_ties_included(scenario):
    from polmodel.analysis.comparison import compare
    from polmodel.room.handout_answer import answer_html, verdict_pcts

    c = compare(scenario, worlds=WORLDS, seed=SEED)
    a, b = c.policies[1:3]
    body = answer_html(c, (a, b))
    pw = c.pairwise(a, b)
    first, second = (a, b) if pw["share_higher"] >= pw["share_lower"] else (b, a)
    # The three shares as printed add up to 100% (pct one by one gave 12% + 9% + 78%).
    big, small, tied = verdict_pcts(pw["share_higher"], pw["share_lower"], pw["share_tied"])
    e = html.escape
    assert (f"<b>{first}</b> gives the higher opening index in <b>{e(big)}</b> of plausible "
            f"worlds, <b>{second}</b> in <b>{e(small)}</b>; they tie (within {c.margin:g}) in "
            f"<b>{e(tied)}</b>.") in body
    held, n = c.holds(a, b)
    assert f"It holds under {held} of {n} readings" in body
    assert "<svg class=\"chart verdict\"" in body
    with pytest.raises(PolmodelError, match="unknown policy 'nope'"):
        handout(scenario, worlds=16, pair=(a, "nope"))


def test_page_1_says_what_it_needs_until_discovery_exists(monkeypatch, scenario):
    import polmodel.room.handout as report

    monkeypatch.setattr(report, "sensitivity_available", lambda: False)
    page = report.handout(scenario, worlds=16, seed=SEED, brief=True)
    answer = page.split("<section id='answer'>", 1)[1].split("</section>", 1)[0]
    assert "needs polmodel's discovery" in answer and "What decides it" not in answer
    assert sensitivity_available()  # the real thing is installed here


def test_a_share_under_one_percent_is_text_not_a_tag():
    # "<1%" in HTML must be escaped, or the browser reads a tag and the share vanishes.
    from types import SimpleNamespace

    from polmodel.room.handout_answer import answer_html

    pw = {"share_higher": 0.85, "share_lower": 0.003, "share_tied": 0.147}
    c = SimpleNamespace(pairwise=lambda a, b: pw, margin=0.02, structure="memo", aggregator="min",
                        n_worlds=2000, holds=lambda a, b: (8, 8), horizon=36,
                        verdict=lambda a, b: {s: {"reading": "higher"} for s in ("strict", "graded")},
                        at_months=lambda a, b: {})
    body = answer_html(c, ("a", "b"))
    assert "<b>b</b> in <b>&lt;1%</b>" in body and "<1%" not in body


def test_number_columns_align_right_headers_included():
    from polmodel.room.handout_pages import table

    t = table(("policy", "window", "first", "range"),
              [["a", "<1%", "month 3", "0.1\u20130.2"], ["b", "12%", "none", "0.3\u20130.4"]])
    heads = re.findall(r"<th( class=num)?>", t)
    assert [bool(h) for h in heads] == [False, True, True, True]
    assert t.count("<td class=num>") == 6 and "<td>a</td>" in t


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
    from polmodel.room.handout_appendix import sources_part

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


def test_a_handout_on_more_worlds_than_are_kept_is_refused_before_any_work(tmp_path):
    from click.testing import CliRunner

    from polmodel.analysis.streaming import EXACT_WORLDS
    from polmodel.cli import main

    out = tmp_path / "h.html"
    r = CliRunner().invoke(main, ["report", "--worlds", str(EXACT_WORLDS + 1), "--out", str(out)])
    assert r.exit_code == 2 and f"at most {EXACT_WORLDS:,}" in r.output, r.output
    assert not out.exists()


def test_structure_chooses_the_reading_of_the_answer_and_unknown_ones_are_refused(scenario, tmp_path):
    """report --structure (and handout(structure=)) reads the answer under that structure: the
    handout says so on page 1 (its verdict is compare()'s, which names the structure it read)."""
    out = tmp_path / "h.html"
    r = run_cli("report", "--structure", "defection-route", "--worlds", 200, "--brief",
                "--out", out)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "'defection-route' structure" in text and "'memo' structure" not in text
    bad = run_cli("report", "--structure", "nope", "--out", tmp_path / "x.html")
    assert bad.exit_code == 2 and "nope" in bad.output and not (tmp_path / "x.html").exists()
    with pytest.raises(PolmodelError, match="structure: unknown 'nope'"):
        handout(scenario, worlds=20, structure="nope", brief=True)
