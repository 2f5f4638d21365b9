"""A count and its noun agree: "1 policy on 1 plausible world", "1 month", never "1 worlds".

Every count a command prints goes through :func:`polmodel.views.text.counted`; these tests run
the commands at one world, one policy and a one-month horizon where the command allows it.
"""

import html
import re

import pytest
from conftest import cli

from polmodel.views.text import counted

# A count of one followed by a plural noun (thousands grouped: 1,000 worlds is fine).
ONE_PLURAL = re.compile(r"(?<![\d,.])1 (plausible )?(worlds|policies|months|reruns|assumptions|"
                        r"participants|numbers|files)\b")


def no_one_plural(text: str) -> None:
    found = [text[max(m.start() - 40, 0): m.end() + 20] for m in ONE_PLURAL.finditer(text)]
    assert not found, found


@pytest.mark.parametrize("n, words, expected", [
    (1, ("policy", "policies"), "1 policy"), (2, ("policy", "policies"), "2 policies"),
    (1, ("plausible world",), "1 plausible world"), (0, ("world",), "0 worlds"),
    (1200, ("plausible world",), "1,200 plausible worlds"), (1, ("month",), "1 month"),
])
def test_counted_agrees_and_groups_thousands(n, words, expected):
    assert counted(n, *words) == expected


def test_compare_of_one_policy_on_one_world_over_one_month():
    result = cli("compare", "--worlds", 1, "--horizon", 1, "--policy", "status-quo")
    assert result.exit_code == 0, result.stderr
    assert ": 1 policy on 1 plausible world\n" in result.stdout
    assert "horizon 1 month |" in result.stdout  # the provenance
    no_one_plural(result.stdout)


def test_run_over_one_month():
    result = cli("run", "--horizon", 1, "--policy", "status-quo")
    assert result.exit_code == 0, result.stderr
    assert "No window opens in 1 month under these assumptions" in result.stdout
    assert "over 1 month:" in result.stdout
    no_one_plural(" ".join(result.stdout.split()))


def test_a_sweep_on_one_world_says_one_world():
    result = cli("sweep", "--x", "rally", "--points", 3, "--worlds", 1, "--horizon", 12,
                 "--policy", "targeted", "--policy", "broad")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Each point rests on the same 1 plausible world:" in text
    assert "1e+02" not in text  # "(one world is 1e+02% of them)"
    no_one_plural(text)


def test_the_handout_on_one_world_over_one_month(tmp_path):
    out = tmp_path / "h.html"
    result = cli("report", "--worlds", 1, "--horizon", 1, "--out", out,
                 "--policy", "status-quo", "--policy", "targeted")
    assert result.exit_code == 0, result.stderr
    page = html.unescape(re.sub(r"<[^>]+>", " ", out.read_text()))
    text = " ".join(page.split())
    assert "Workshop handout: 2 policies on 1 plausible world (" in text
    assert "Over 1 month, which gives the higher opening index" in text
    no_one_plural(text)


def test_validate_counts_one_policy_and_one_month(write_scenario):
    others = ("targeted", "broad", "coordinated-targeted", "coordinated-offramps", "engagement")
    path = write_scenario({"horizon": 1},
                          delete=["contrast", *(f"policies.{p}" for p in others)])
    result = cli("validate", path)
    assert "valid (1 policy, 1 month, baseline 'status-quo')" in result.stdout, result.output
