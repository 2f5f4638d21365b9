"""A handout the user names is re-runnable, carries its provenance, and takes --set (issue 16)."""

from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner

from polmodel.analysis.comparison import compare
from polmodel.cli import main
from polmodel.room.handout import PROVENANCE_META
from polmodel.scenario.loading import load_scenario
from polmodel.scenario.whatif import apply_settings
from polmodel.views.text import verdict_pcts

WORLDS = "32"


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _meta(text: str) -> str:
    m = re.search(rf'<meta name="{PROVENANCE_META}" content="([^"]*)">', text)
    assert m is not None, "no provenance in the handout's head"
    return html.unescape(m.group(1))


def test_report_twice_in_a_row_succeeds_and_leaves_only_the_handout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = run_cli("report", "--out", "handout.html", "--worlds", WORLDS)
    assert first.exit_code == 0, first.stderr
    before = (tmp_path / "handout.html").read_text(encoding="utf-8")
    # An earlier version left handout.html.manifest beside it: the next run removes it.
    (tmp_path / "handout.html.manifest").write_text(json.dumps({
        "complete": True, "label": "handout.html",
        "files": {"handout.html": {"sha256": "0" * 64, "bytes": 1}}}), encoding="utf-8")
    second = run_cli("report", "--out", "handout.html", "--worlds", WORLDS, "--seed", 1)
    assert second.exit_code == 0, second.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    after = (tmp_path / "handout.html").read_text(encoding="utf-8")
    assert "seed 0" in _meta(before) and "seed 1" in _meta(after)  # replaced, not kept


def test_a_file_polmodel_did_not_write_is_refused_without_force(tmp_path):
    target = tmp_path / "handout.html"
    target.write_text("my own notes for the session", encoding="utf-8")
    refused = run_cli("report", "--out", target, "--worlds", WORLDS)
    assert refused.exit_code == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "--force" in lines[0] and str(target) in lines[0]
    assert "Traceback" not in refused.output
    assert target.read_text(encoding="utf-8") == "my own notes for the session"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    forced = run_cli("report", "--out", target, "--worlds", WORLDS, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    again = run_cli("report", "--out", target, "--worlds", WORLDS)  # now polmodel's own
    assert again.exit_code == 0, again.stderr


def test_the_handout_carries_its_provenance_inside(tmp_path):
    out = tmp_path / "h.html"
    assert run_cli("report", "--out", out, "--worlds", WORLDS, "--seed", 3).exit_code == 0
    prov = _meta(out.read_text(encoding="utf-8"))
    for field in ("polmodel ", "scenario venezuela-2018", "seed 3", f"worlds {WORLDS}",
                  "aggregator"):
        assert field in prov, field


def test_report_set_lists_the_what_ifs_first_and_uses_them(tmp_path):
    out = tmp_path / "h.html"
    result = run_cli("report", "--out", out, "--worlds", WORLDS, "--set", "rally=0.08:0.1",
                     "--set", "initial.crisis=0.9")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    first = text.split("<section", 2)[1]
    assert "What-ifs applied" in first
    # Each by its label with its name in parentheses (issue 16: no bare ids on page 1).
    from polmodel.model.labels import label

    assert f"{html.escape(label('rally', with_id=True))}: plausible range 0.08 to 0.1" in first
    assert (f"{html.escape(label('initial.crisis', with_id=True))}: fixed at 0.9 in every world"
            in first)
    assert "what-ifs: rally=0.08:0.1, initial.crisis=0.9" in _meta(text)
    # The comparison is the what-if scenario's, on the same worlds as compare would draw.
    sc = load_scenario("venezuela-2018")
    what_if = apply_settings(sc, {"rally": (0.08, 0.1), "initial.crisis": 0.9})
    a, b = sc.contrast
    pw = compare(what_if, worlds=int(WORLDS), seed=0).pairwise(a, b)
    answer = text.split("<p class='answer'>", 1)[1].split("</p>", 1)[0]
    # As the answer prints them: together, adding up to 100%.
    for shown in verdict_pcts(pw["share_higher"], pw["share_lower"], pw["share_tied"]):
        assert f"<b>{html.escape(shown)}</b>" in answer, shown
    plain = run_cli("report", "--out", tmp_path / "plain.html", "--worlds", WORLDS)
    assert plain.exit_code == 0 and "What-ifs applied" not in (tmp_path / "plain.html").read_text()


@pytest.mark.parametrize("setting, fragment", [("nosuchname=0.1", "unknown name"),
                                               ("initial.crisis=1.5", "allowed: 0 to 1")])
def test_a_bad_set_on_report_is_one_line_and_writes_nothing(tmp_path, setting, fragment):
    result = run_cli("report", "--out", tmp_path / "h.html", "--worlds", WORLDS, "--set", setting)
    assert result.exit_code == 2 and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
