"""Shares that make up all the worlds print as percentages that add up to 100, not 99 or 101.

Rounded one by one, "A higher 33%, tied 33%, B higher 33%" read 99%; the printed sets now
round together (largest remainder, :func:`polmodel.views.text.pcts`), and a share alone still
reads as :func:`~polmodel.views.text.pct` prints it.
"""

import re

import pytest
from conftest import cli
from hypothesis import given
from hypothesis import strategies as st

from polmodel.views.text import pct, pct_parts, pcts


def value(text: str) -> int:
    """A printed part as a number: "<1%" is less than a point, ">99%" short of the whole."""
    return {"<1%": 0, ">99%": 100}.get(text) if text[0] in "<>" else int(text.rstrip("%"))


@pytest.mark.parametrize("shares", [(1 / 3, 1 / 3, 1 / 3), (0.125, 0.125, 0.75),
                                    (0.005, 0.005, 0.99), (0.29, 0.3, 0.41), (1.0, 0.0, 0.0),
                                    (0.001, 0.001, 0.998), (0.2, 0.2, 0.2, 0.2, 0.2)])
def test_complementary_shares_add_up_to_100_each_within_a_point(shares):
    parts = pct_parts(*shares)
    assert sum(parts) == 100
    assert all(abs(p - 100 * s) < 1 for p, s in zip(parts, shares)), parts
    assert sum(value(t) for t in pcts(*shares)) == 100


@given(st.lists(st.integers(0, 10_000), min_size=2, max_size=6).filter(lambda c: sum(c) > 0))
def test_any_split_of_worlds_prints_parts_that_add_up_to_100(counts):
    n = sum(counts)
    shares = [c / n for c in counts]
    parts = pct_parts(*shares)
    assert sum(parts) == 100
    assert all(abs(p - 100 * s) < 1 for p, s in zip(parts, shares)), (parts, shares)
    for share, text in zip(shares, pcts(*shares)):
        assert value(text) in (int(100 * share), int(100 * share) + 1) or text in ("<1%", ">99%")
        if 0 < share:  # pct's own rule: a share that is not zero never reads 0%...
            assert text != "0%"
        if share < 1:  # ...and one short of the whole never reads 100%
            assert text != "100%"


def test_a_share_alone_keeps_its_ordinary_rounding():
    assert pct(1 / 3) == "33%" and pct(0.005) == "<1%" and pct(0.999) == ">99%"
    assert pcts(0.5) == ("50%",)


def test_equal_sides_of_a_verdict_read_the_same_and_still_add_up():
    from polmodel.views.text import verdict_pcts

    big, small, tied = verdict_pcts(0.335, 0.335, 0.33)  # 33.5 + 33.5 + 33: one point to give
    assert big == small and sum(map(value, (big, small, tied))) == 100
    assert verdict_pcts(1 / 3, 1 / 3, 1 / 3) == ("33%", "33%", "34%")
    assert verdict_pcts(0.25, 0.5, 0.25) == ("50%", "25%", "25%")


# ---- Real output ---------------------------------------------------------------------------------

def _table(text: str, heading: str) -> list[list[str]]:
    """The rows of the table under ``heading`` in a result's text, split on two spaces or more."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    while not lines[start].startswith("---"):
        start += 1
    rows = []
    for line in lines[start + 1:]:
        if not line.strip() or not re.search(r"\d%", line):
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


@pytest.mark.parametrize("worlds", [3, 30])
def test_compare_prints_every_split_of_the_worlds_adding_up_to_100(worlds):
    # 3 worlds: a policy's conditions bind in 1, 1 and 1 of them (33% + 33% + 33%); 30 worlds:
    # 4, 1 and 25 of them are higher, lower and tied (13% + 3% + 83%).
    result = cli("compare", "--worlds", worlds, "--horizon", 24)
    assert result.exit_code == 0, result.stderr
    against = _table(result.stdout, "Against the baseline")
    assert against
    for row in against:
        higher, lower, tied = row[1:4]
        assert value(higher) + value(lower) + value(tied) == 100, row
        graded = row[5].split("/")
        assert value(graded[0]) + value(graded[1]) <= 100, row
    binds = _table(result.stdout, "What binds")
    assert binds
    for row in binds:
        assert sum(value(t) for t in row[1:]) == 100, row


def test_the_handout_answer_and_its_bar_add_up_to_100():
    import html as html_module

    from polmodel.analysis.comparison import compare
    from polmodel.room.handout_answer import answer_html

    # 12 worlds: 8, 2 and 2 of them (67% + 17% + 17% = 101% rounded one by one).
    c = compare("venezuela-2018", ["status-quo", "engagement"], worlds=12, seed=0, horizon=24)
    pw = c.pairwise("engagement", "status-quo")
    page = html_module.unescape(answer_html(c, ("engagement", "status-quo")))
    lead = re.search(r"gives the higher opening index in (.*?)\.", page).group(0)
    shown = re.findall(r"<b>([<>]?\d+%)</b>", page)
    if pw["share_higher"] == pw["share_lower"]:  # "each does in X": X counts twice
        shown.insert(0, shown[0])
    assert sum(map(value, shown)) == 100, lead
    title = re.search(r"<title>Shares of plausible worlds: (.*?)</title>", page).group(1)
    assert sum(map(value, re.findall(r"[<>]?\d+%", title))) == 100, title


def test_a_sweep_of_two_policies_prints_rows_that_add_up_to_100():
    from polmodel.analysis.sweeps import sweep
    from polmodel.views.sweep_text import sections

    sw = sweep("venezuela-2018", "rally", policy="engagement", versus="status-quo", points=5,
               worlds=30, seed=0, horizon=24)
    (_, _, rows, _), *_ = sections(sw)
    for row in rows:
        assert sum(map(value, row[1:4])) == 100, row


@pytest.mark.parametrize("shares", [(1 / 3, 1 / 3, 1 / 3), (0.125, 0.75, 0.125), (0.6, 0.2, 0.2)])
def test_the_rooms_answer_adds_up_to_100(shares):
    """The projector's answer sentence prints the verdict's three parts as the handout does."""
    import re
    from types import SimpleNamespace

    from polmodel.room.live.picture import answer_html

    higher, tied, lower = shares
    c = SimpleNamespace(pairwise=lambda a, b: {"share_higher": higher, "share_tied": tied,
                                               "share_lower": lower},
                        margin=0.02, holds=lambda a, b: (8, 8), n_worlds=1000)
    text = answer_html(c, ("targeted", "broad"))
    sentence = text.split("<svg")[0]
    parts = [int(x) for x in re.findall(r"<b>(\d+)%</b>", sentence)]
    if higher == lower:  # "each does in X, and they tie in Y"
        assert len(parts) == 2 and 2 * parts[0] + parts[1] == 100, sentence
        parts = [parts[0], parts[1], parts[0]]
    assert len(parts) == 3 and sum(parts) == 100, sentence
    # The bar under it reads the same numbers.
    title = re.search(r"<title>(.*?)</title>", text).group(1)
    assert sorted(int(x) for x in re.findall(r"(\d+)%", title)) == sorted(parts), title


# ---- One verdict, the same numbers in every output ---------------------------------------------
# 250, 750 and 1,000 of 2,000 worlds: both sides' remainders are half a point, so a rule that
# gave the point to whichever share came first printed 13%/37% in one table and 12%/38% on page 1.
A_HIGHER, B_HIGHER, TIED = 0.125, 0.375, 0.5


def test_the_verdicts_parts_do_not_depend_on_the_order_they_come_in():
    from polmodel.views.text import verdict_parts, verdict_pcts

    assert verdict_parts(A_HIGHER, B_HIGHER, TIED) == ("12%", "38%", "50%")
    assert verdict_parts(B_HIGHER, A_HIGHER, TIED) == ("38%", "12%", "50%")
    assert verdict_pcts(A_HIGHER, B_HIGHER, TIED) == ("38%", "12%", "50%")
    assert verdict_parts(1 / 3, 1 / 3, 1 / 3) == ("33%", "33%", "34%")  # equal sides read the same


def test_every_output_of_a_verdict_prints_the_same_numbers():
    import re
    from types import SimpleNamespace

    from polmodel.room.handout_appendix import _htl
    from polmodel.room.live.picture import answer_html
    from polmodel.views.svg_charts import verdict_bar
    from polmodel.views.sweep_text import pair_cell

    assert pair_cell(A_HIGHER, B_HIGHER, TIED) == "12/38"
    assert _htl(A_HIGHER, TIED, B_HIGHER) == ("12%", "50%", "38%")
    title = re.search(r"<title>(.*?)</title>", verdict_bar("a", "b", A_HIGHER, TIED, B_HIGHER))
    assert title.group(1).endswith("a higher 12%, tied 50%, b higher 38%"), title.group(1)
    c = SimpleNamespace(pairwise=lambda a, b: {"share_higher": A_HIGHER, "share_tied": TIED,
                                               "share_lower": B_HIGHER},
                        margin=0.02, holds=lambda a, b: (8, 8), n_worlds=2000)
    sentence = answer_html(c, ("a", "b")).split("<svg")[0]
    assert re.findall(r"<b>(\d+%)</b>", sentence) == ["38%", "12%", "50%"], sentence
