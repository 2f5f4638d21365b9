"""Estimates in rounds (the IDEA protocol: estimate, discuss, estimate again): the round column.

The live room exports ``participant,parameter,low,best,high,round``; ``elicit`` pools one round,
the latest present by default.
"""

import tomllib

import numpy as np
import pytest
from conftest import assert_one_line, cli

from polmodel.errors import PolmodelError
from polmodel.room.elicitation import (
    EstimateRow,
    elicit,
    parse_estimates,
    pooled_quantiles,
    read_estimates,
    rounds,
)

NAME = "initial.fracture"
HEADER = "participant,parameter,low,best,high,round"
# Round 1's ranges lie below 0.4, round 2's above 0.6: a pooled table tells which round it
# came from. Round 2 is written first, so "the latest round" cannot mean "the last rows read".
ROUND_2 = [("A", 0.6, 0.7, 0.8), ("B", 0.65, 0.75, 0.9)]
ROUND_1 = [("A", 0.1, 0.2, 0.3), ("B", 0.15, 0.25, 0.35)]
TEXT = HEADER + "\n" + "".join(f"{w},{NAME},{lo},{b},{hi},2\n" for w, lo, b, hi in ROUND_2) + \
    "".join(f"{w},{NAME},{lo},{b},{hi},1\n" for w, lo, b, hi in ROUND_1)
RUN = {"worlds": 16, "policies": ["targeted", "status-quo"]}


@pytest.fixture
def two_rounds(tmp_path):
    path = tmp_path / "rounds.csv"
    path.write_text(TEXT, encoding="utf-8")
    return path


def pooled_table(e):
    return tomllib.loads(e.pooled_toml)["initial"]["fracture"]["quantiles"]


# ---- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, row", [
    ("participant,parameter,low,best,high,round", "A,rally,0.01,0.02,0.05,2"),
    ("participant,parameter,low,best,high,round,what", "A,rally,0.01,0.02,0.05,2,words"),
    ("participant,parameter,low,best,high,what,round", "A,rally,0.01,0.02,0.05,words,2"),
    ("Participant,Parameter,Low,Best,High,ROUND", "A,rally,0.01,0.02,0.05, 2 "),
])
def test_the_round_column_is_read_wherever_it_trails(header, row):
    (r,) = parse_estimates(f"{header}\n{row}\n")
    assert (r.participant, r.parameter, r.best, r.round, r.line) == ("A", "rally", 0.02, 2, 2)


@pytest.mark.parametrize("header", ["participant,parameter,low,best,high",
                                    "participant,parameter,low,best,high,what"])
def test_a_file_without_rounds_reads_as_before(header):
    extra = ",words" if header.endswith("what") else ""
    (r,) = parse_estimates(f"{header}\nA,rally,0.01,0.02,0.05{extra}\n")
    assert r.round is None
    assert r == EstimateRow("A", "rally", 0.01, 0.02, 0.05, 2)  # positional construction holds
    assert rounds([r]) == []


@pytest.mark.parametrize("header", [
    "participant,parameter,low,best,high,round,round",
    "participant,parameter,low,best,high,what,what",
    "participant,parameter,low,best,high,round,note",
    "participant,parameter,low,best,high,rounds",
    "round,participant,parameter,low,best,high",
])
def test_other_headers_are_refused_naming_round_and_what(header):
    with pytest.raises(PolmodelError, match=r"header .*allowed: .*optionally round and what"):
        parse_estimates(f"{header}\n")


@pytest.mark.parametrize("value", ["x", "1.5", "0", "-1", "", "2.0", "²", "1e1"])
def test_a_bad_round_is_one_line_naming_file_line_and_what_is_allowed(tmp_path, value):
    path = tmp_path / "est.csv"
    path.write_text(f"{HEADER}\nA,rally,0.01,0.02,0.05,1\nB,rally,0.01,0.02,0.05,{value}\n",
                    encoding="utf-8")
    with pytest.raises(PolmodelError) as caught:
        read_estimates(path)
    assert str(caught.value) == (f"{path}:3: round {value!r} is not a whole number; "
                                 "allowed: a whole number from 1 to 100")
    result = cli("elicit", path, "--worlds", 8)
    assert_one_line(result, 2, f"{path}:3: round {value!r} is not a whole number")


@pytest.mark.parametrize("value, shown", [
    ("99999999999999999999999", "99999999999999999999999"),  # was an OverflowError, exit 1
    ("99999999999", "99999999999"),  # was "out of memory", exit 2
    ("1000000", "1000000"),  # was accepted: "round 1000000 of 1000000"
    ("101", "101"),
    pytest.param("9" * 5000, "9" * 40, id="5000-digits"),  # too many digits to convert
])
def test_a_round_beyond_the_limit_is_one_line_naming_file_line_and_the_limit(tmp_path, value,
                                                                            shown):
    # Hostile-user trial: rounds had no upper bound.
    path = tmp_path / "est.csv"
    path.write_text(f"{HEADER}\nA,rally,0.01,0.02,0.05,1\nB,rally,0.01,0.02,0.05,{value}\n",
                    encoding="utf-8")
    expected = f"{path}:3: round {shown} is too large; allowed: a whole number from 1 to 100"
    with pytest.raises(PolmodelError) as caught:
        read_estimates(path)
    assert str(caught.value) == expected
    assert_one_line(cli("elicit", path, "--worlds", 8, "--out", tmp_path / "out"), 2, expected)
    assert not (tmp_path / "out").exists()


def test_rounds_up_to_the_limit_are_read():
    rows = parse_estimates(f"{HEADER}\nA,rally,0.01,0.02,0.05,0100\nB,rally,0.01,0.02,0.05,1\n")
    assert rounds(rows) == [1, 100]


def test_rows_given_in_code_with_a_round_beyond_the_limit_are_refused():
    rows = [EstimateRow("A", NAME, 0.1, 0.2, 0.3, round=k) for k in (1, 101)]
    with pytest.raises(PolmodelError, match=r"round 101 is too large; allowed: a whole number "
                                            r"from 1 to 100"):
        elicit(rows, **RUN)


def test_one_row_per_participant_and_parameter_in_each_round(two_rounds):
    rows = read_estimates(two_rounds)
    assert len(rows) == 4 and rounds(rows) == [1, 2]
    assert [r.round for r in rows] == [2, 2, 1, 1]
    again = TEXT + f"A,{NAME},0.2,0.3,0.4,2\n"
    with pytest.raises(PolmodelError, match=r":6: A estimated initial.fracture in round 2 already "
                                            r"on line 2; allowed: .* in each round"):
        parse_estimates(again)


def test_rows_given_in_code_follow_the_same_round_rules():
    a1, a2 = (EstimateRow("A", NAME, 0.1, 0.2, 0.3, round=k) for k in (1, 2))
    assert elicit([a1, a2], **RUN).round == 2  # the same person in two rounds
    cases = {
        "in round 1 already in item 0": [a1, a1],
        "no round, where other rows have one": [a1, EstimateRow("B", NAME, 0.1, 0.2, 0.3)],
        "round 0 is not a whole number": [EstimateRow("A", NAME, 0.1, 0.2, 0.3, round=0)],
        "round 1.0 is not a whole number": [EstimateRow("A", NAME, 0.1, 0.2, 0.3, round=1.0)],
        "round True is not a whole number": [EstimateRow("A", NAME, 0.1, 0.2, 0.3, round=True)],
    }
    for fragment, rows in cases.items():
        with pytest.raises(PolmodelError, match=fragment):
            elicit(rows, **RUN)


# ---- pooling one round ---------------------------------------------------------------------------


def test_the_latest_round_is_pooled_by_default(two_rounds):
    e = elicit(two_rounds, **RUN)
    table = pooled_table(e)
    assert min(table) >= 0.6 and max(table) <= 0.9  # round 2's numbers, none of round 1's
    rows_2 = [EstimateRow(w, NAME, lo, b, hi) for w, lo, b, hi in ROUND_2]
    assert np.allclose(table, pooled_quantiles(rows_2), rtol=1e-5)
    assert {r.round for r in e.estimates} == {2} and e.participants == ["A", "B"]
    assert (e.round, e.rounds_present, e.round_text()) == (2, (1, 2), "round 2 of 2")
    assert "| round 2 of 2 |" in e.provenance()
    assert "round 2 of 2" in e.summary().split("Pooled by")[0].replace("\n", " ")  # headline
    header = e.pooled_toml.split("\n\n", 1)[0]
    assert "round 2 of 2" in header and "A, initial.fracture, 0.6, 0.7, 0.8, 2" in header
    assert "0.1, 0.2, 0.3" not in header and not any(x.endswith(", 1") for x in header.split("\n"))
    data = e.to_dict()
    assert (data["round"], data["rounds"]) == (2, [1, 2])
    assert {d["round"] for d in data["estimates"]} == {2}


def test_the_round_asked_for_is_pooled(two_rounds):
    e = elicit(two_rounds, round=1, **RUN)
    table = pooled_table(e)
    assert min(table) >= 0.1 and max(table) <= 0.35
    rows_1 = [EstimateRow(w, NAME, lo, b, hi) for w, lo, b, hi in ROUND_1]
    assert np.allclose(table, pooled_quantiles(rows_1), rtol=1e-5)
    assert e.round_text() == "round 1 of 2" and "round 1 of 2" in e.provenance()


def test_a_round_pools_as_the_same_rows_without_rounds_would(two_rounds):
    rows_2 = [EstimateRow(w, NAME, lo, b, hi) for w, lo, b, hi in ROUND_2]
    with_rounds, without = elicit(two_rounds, **RUN), elicit(rows_2, **RUN)
    assert with_rounds.verdicts == without.verdicts
    assert without.round is None and without.round_text() is None
    assert "round" not in without.provenance() and "round" not in without.summary()
    assert "round" not in without.pooled_toml.split("\n\n", 1)[0]
    assert "round" not in without.to_dict() and "round" not in without.to_dict()["estimates"][0]


def test_rounds_with_a_gap_say_which_are_present():
    rows = [EstimateRow("A", NAME, 0.1, 0.2, 0.3, round=k) for k in (1, 3)]
    assert elicit(rows, **RUN).round_text() == "round 3 of 3 (rounds present: 1, 3)"


@pytest.mark.parametrize("asked, fragment", [
    (3, "round 3 is not in the estimates; allowed: 1, 2 (the rounds present)"),
    (0, "round 0 is not a whole number; allowed: a whole number from 1 to 100"),
    (101, "round 101 is too large; allowed: a whole number from 1 to 100"),
    pytest.param(10**5000, "round of more than 40 digits is too large; allowed: a whole number "
                 "from 1 to 100", id="5001-digits"),
    (1.5, "round 1.5 is not a whole number"),
    ("2", "round '2' is not a whole number"),
    (True, "round True is not a whole number"),
])
def test_a_round_not_present_or_not_a_round_is_one_clear_error(two_rounds, asked, fragment):
    with pytest.raises(PolmodelError) as caught:
        elicit(two_rounds, round=asked, **RUN)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_round_asked_of_estimates_without_rounds_is_refused():
    rows = [EstimateRow("A", NAME, 0.1, 0.2, 0.3)]
    with pytest.raises(PolmodelError, match="round 1 asked for, but the estimates have no round"):
        elicit(rows, round=1, **RUN)


# ---- the command ---------------------------------------------------------------------------------


def test_the_command_pools_the_latest_round_or_the_one_asked_for(two_rounds, tmp_path):
    base = ["elicit", two_rounds, "--worlds", 16, "--policy", "targeted"]
    latest = cli(*base, "--out", tmp_path / "latest")
    assert latest.exit_code == 0, latest.stderr
    assert "round 2 of 2" in latest.stdout.replace("\n", " ")
    toml = (tmp_path / "latest" / "venezuela-2018-estimates.toml").read_text(encoding="utf-8")
    assert min(tomllib.loads(toml)["initial"]["fracture"]["quantiles"]) >= 0.6
    first = cli(*base, "--round", 1, "--json")
    assert first.exit_code == 0, first.stderr
    assert '"round": 1' in first.stdout and "round 1 of 2" in first.stdout


@pytest.mark.parametrize("value, fragments", [
    ("3", ["round 3 is not in the estimates", "allowed: 1, 2"]),
    ("0", ["--round", "allowed: a whole number from 1"]),
    ("x", ["--round", "'x' is not a whole number"]),
    ("1.5", ["--round", "is not a whole number"]),
    ("101", ["--round", "allowed: a whole number from 1 to 100"]),
    ("99999999999999999999999", ["--round", "allowed: a whole number from 1 to 100"]),
])
def test_a_bad_round_option_is_one_line_and_exit_2(two_rounds, value, fragments):
    assert_one_line(cli("elicit", two_rounds, "--worlds", 8, "--round", value), 2, *fragments)


def test_the_round_option_is_explained_in_plain_words():
    result = cli("elicit", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "--round N" in text and "The latest round in the file by default." in text
