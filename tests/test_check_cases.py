"""tools/check_cases.py: the cases' file checks and the ranking score it reports."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "check_cases.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("check_cases", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    rows = [("a", "transition", 0, 0.5), ("b", "survival", 0, 0.4),
            ("c", "transition", 0, 0.3), ("d", "survival", 0, 0.3)]
    # pairs (a,b) win, (a,d) win, (c,b) loss, (c,d) tie: (1 + 1 + 0 + 0.5) / 4
    assert tool.pairwise_score(rows) == pytest.approx(0.625)
