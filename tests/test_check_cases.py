"""tools/check_cases.py: the cases' file checks and the ranking score it reports."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import load_tool

TOOL = Path(__file__).resolve().parents[1] / "tools" / "check_cases.py"


@pytest.fixture(scope="module")
def tool():
    return load_tool("check_cases")


def test_every_case_file_passes_its_checks():
    done = subprocess.run([sys.executable, str(TOOL), "--files-only"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "16 case files, 0 problems" in done.stdout


def _edited_case(tmp_path, name, old, new):
    from polmodel.scenario.loading import scenario_dir

    text = (scenario_dir() / "cases" / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text
    edited = tmp_path / f"{name}.toml"
    edited.write_text(text.replace(old, new), encoding="utf-8")
    return str(edited)


def test_a_case_coded_at_another_lead_is_a_problem(tool, tmp_path):
    # the convention: the coding date is 12 months before the reference date (not the outcome)
    broken = _edited_case(tmp_path, "serbia-2000", 'date = "1999-09"', 'date = "1999-06"')
    problems = tool.file_problems(broken)
    assert len(problems) == 1 and "reference_date is 15 months after date" in problems[0]


def test_an_outcome_before_the_reference_date_is_a_problem(tool, tmp_path):
    broken = _edited_case(tmp_path, "serbia-2000", 'outcome_date = "2000-10"',
                          'outcome_date = "2000-08"')
    problems = tool.file_problems(broken)
    assert len(problems) == 1 and "1 months before reference_date" in problems[0]


def test_an_outcome_more_than_12_months_after_the_coding_date_is_fine(tool, tmp_path):
    # a transition's outcome may come some months after its trigger (Serbia: 13 months)
    assert tool.file_problems(_edited_case(tmp_path, "serbia-2000", 'outcome_date = "2000-10"',
                                           'outcome_date = "2001-01"')) == []


def test_a_case_without_its_reference_date_does_not_load(tool, tmp_path):
    broken = _edited_case(tmp_path, "serbia-2000", 'reference_date = "2000-09"\n', "")
    problems = tool.file_problems(broken)
    assert len(problems) == 1 and "case.reference_date" in problems[0]


def test_a_reference_date_must_name_its_month(tool, tmp_path):
    broken = _edited_case(tmp_path, "serbia-2000", 'reference_date = "2000-09"',
                          'reference_date = "2000"')
    problems = tool.file_problems(broken)
    assert len(problems) == 1 and "case.reference_date" in problems[0]


def test_months_between_counts_across_years(tool):
    assert tool.months_between("1999-10", "2000-10") == 12
    assert tool.months_between("2010-12", "2011-01") == 1


def test_the_pairwise_score_counts_transitions_above_survivals_and_ties_half(tool):
    values = {"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.3}
    outcomes = {"a": "transition", "b": "survival", "c": "transition", "d": "survival"}
    # pairs (a,b) win, (a,d) win, (c,b) loss, (c,d) tie: (1 + 1 + 0 + 0.5) / 4
    assert tool.pairwise_score(values, outcomes) == pytest.approx(0.625)


def test_necessity_on_the_coded_cases_is_the_mean_coding_over_the_transitions(tool):
    from polmodel import CONDITIONS, load_scenario
    from polmodel.scenario.loading import list_cases

    names = list_cases()
    trans = [load_scenario(n).central_initial() for n in names
             if load_scenario(n).case["outcome"] == "transition"]
    got = tool.coded_necessity(names)
    assert set(got) == set(CONDITIONS)
    for c in CONDITIONS:
        assert got[c] == pytest.approx(sum(t[c] for t in trans) / len(trans))
        assert 0.0 <= got[c] < 1.0  # the coded cases can say no


def test_a_structure_on_the_coded_start_is_its_formula_on_the_central_states(tool):
    from polmodel import load_scenario

    static = tool.static_values(["cases/tunisia-2011"])["cases/tunisia-2011"]
    init = load_scenario("cases/tunisia-2011").central_initial()
    assert static["memo"] == pytest.approx(min(init[c] for c in
                                               ("crisis", "fracture", "challenger", "pressure")))
    assert static["defection-route"] == pytest.approx(
        min(init["challenger"], max(init["fracture"], 1.0 - init["security"])))
