"""A scenario still holding the template's placeholder numbers says so wherever it is read."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from polmodel.cli import main
from polmodel.scenario.definition import PLACEHOLDER
from polmodel.scenario.loading import TEMPLATE, list_cases, list_scenarios, load_scenario


def _new(tmp_path, monkeypatch, name="chile-2019"):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["new", name]).exit_code == 0
    return tmp_path / f"{name}.toml"


def test_no_built_in_scenario_or_case_holds_a_placeholder():
    names = [n for n in list_scenarios() if n != TEMPLATE] + list_cases()
    assert len(names) > 16
    for name in names:
        assert load_scenario(name).placeholders() == [], name


def test_the_template_counts_its_placeholders_and_each_filled_one_leaves_the_count(
        tmp_path, monkeypatch):
    path = _new(tmp_path, monkeypatch)
    text = path.read_text()
    marked = text.count(f'source = "{PLACEHOLDER}')
    sc = load_scenario(str(path))
    assert len(sc.placeholders()) == marked > 0
    assert f"{marked} of its numbers" in sc.placeholder_note()
    # Fill one in (its source replaced): one fewer.
    first = text.index(f'source = "{PLACEHOLDER}')
    end = text.index("\n", first)
    path.write_text(text[:first] + 'source = "003 (CRIES): an estimate"' + text[end:])
    assert len(load_scenario(str(path)).placeholders()) == marked - 1


@pytest.mark.parametrize("command", [["validate"], ["run"], ["compare", "--worlds", "20"]])
def test_every_command_that_reads_it_says_so(tmp_path, monkeypatch, command):
    path = _new(tmp_path, monkeypatch)
    r = CliRunner().invoke(main, [*command, str(path)] if command == ["validate"] else
                           [command[0], str(path), *command[1:]])
    assert r.exit_code == 0, r.output
    said = r.stdout if command == ["validate"] else r.stderr
    assert "still carry the template's source 'assumption: placeholder'" in " ".join(said.split())
    built_in = CliRunner().invoke(main, [command[0], "venezuela-2018", *command[1:]])
    assert "placeholder" not in built_in.output


def test_a_missing_file_lists_the_built_in_scenarios_but_not_the_template(tmp_path):
    r = CliRunner().invoke(main, ["validate", str(tmp_path / "nosuch.toml")])
    assert r.exit_code == 2 and "file not found; give a built-in scenario name (" in r.stderr
    listed = r.stderr.split("name (")[1].split(")")[0].split(", ")
    assert TEMPLATE not in listed and sorted(listed) == sorted(
        n for n in list_scenarios() if n != TEMPLATE)


def test_the_handout_of_a_template_copy_says_so_on_page_1(tmp_path, monkeypatch):
    """The handout file itself carries the warning, not only the terminal that made it."""
    path = _new(tmp_path, monkeypatch)
    r = CliRunner().invoke(main, ["report", str(path), "--worlds", "40", "--brief",
                                  "--out", str(tmp_path / "h.html")])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "h.html").read_text()
    assert "Placeholder numbers." in page and "initial.crisis" in page
    first = page.index("Placeholder numbers."), page.index("The answer")
    assert first[0] < first[1]


def test_the_room_on_a_template_copy_says_so(tmp_path, monkeypatch):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from polmodel.room.live import server

    path = _new(tmp_path, monkeypatch)
    monkeypatch.setattr(server, "serve", lambda *a, **k: None)  # no server: the words only
    r = CliRunner().invoke(main, ["room", str(path), "--folder", str(tmp_path / "s"),
                                  "--worlds", "20", "--engine", "numpy"])
    assert r.exit_code == 0, r.output
    assert "still carry the template's source 'assumption: placeholder'" in r.stderr
