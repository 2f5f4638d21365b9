"""Flip points: how far one assumption must move to flip a verdict, read off pooled worlds."""

from __future__ import annotations

import numpy as np
import pytest

from polmodel.analysis.verdict_flips import BINS, MIN_TAIL, verdict_flips


def _brute(x, d, lo, hi, margin, side):
    """The flip point as the module docstring defines it, every edge checked with masks."""
    up, down = d > margin, d < -margin
    sign = np.sign(up.sum() - down.sum())
    edges = [lo + e / BINS * (hi - lo) for e in range(BINS + 1)]
    narrowest = round(MIN_TAIL * BINS)
    found = None
    order = range(BINS - narrowest, 0, -1) if side == "above" else range(narrowest, BINS)
    for e in order:
        k = np.clip(((x - lo) / (hi - lo) * BINS).astype(int), 0, BINS - 1)
        inside = k >= e if side == "above" else k < e
        if np.sign(up[inside].sum() - down[inside].sum()) != -sign:
            break
        found = edges[e]
    return found


def test_a_planted_flip_point_is_found_where_the_tail_verdict_turns():
    rng = np.random.default_rng(3)
    x = rng.random((8000, 3)) * [1.0, 2.0, 1.0] + [0.0, 1.0, 0.0]
    # Policy p is ahead (by 0.1) where a > 0.8; behind elsewhere, with a fifth of worlds tied.
    d = np.where(x[:, 0] > 0.8, 0.1, -0.1)
    d[rng.random(8000) < 0.2] = 0.0
    bounds = {"a": (0.0, 1.0), "b": (1.0, 3.0), "c": (0.0, 1.0)}
    v = verdict_flips(x, d, ["a", "b", "c"], bounds, policy="p", versus="q", margin=0.02,
                      resamples=4)
    assert v.reading == "lower"
    assert v.higher == pytest.approx((d > 0.02).mean())
    assert v.lower + v.higher + v.tied == pytest.approx(1)
    assert [p.name for p in v.points] == ["a"]  # b and c decide nothing
    (p,) = v.points
    assert p.side == "above" and p.at == _brute(x[:, 0], d, 0.0, 1.0, 0.02, "above")
    # Above the point, p leads: 0.2 of the range holds all its worlds, so the point is where
    # those just outnumber the others: about 1 - 2 * 0.2 = 0.6.
    assert 0.55 <= p.at <= 0.65 and p.kept == pytest.approx(1 - p.at)
    inside = x[:, 0] >= p.at
    assert p.higher == pytest.approx((d[inside] > 0.02).mean())
    assert p.lower == pytest.approx((d[inside] < -0.02).mean())
    assert p.higher > p.lower
    # Each block of 2,000 worlds flips too, near the same point.
    assert p.reruns == 4 and 0.5 <= p.spread[0] <= p.spread[1] <= 0.7
    assert p.what_if() == f"a={p.at:.3g}:1"


def test_below_and_no_flip_when_all_ties():
    rng = np.random.default_rng(4)
    x = rng.random((4000, 1))
    d = np.where(x[:, 0] < 0.1, 1.0, -1.0)  # ahead only near the low end
    v = verdict_flips(x, d, ["a"], {"a": (0.0, 1.0)}, policy="p", versus="q", margin=0.0)
    (p,) = v.points
    assert p.side == "below" and p.at == _brute(x[:, 0], d, 0.0, 1.0, 0.0, "below")
    ties = verdict_flips(x, np.zeros(4000), ["a"], {"a": (0.0, 1.0)}, policy="p", versus="q",
                         margin=0.0)
    assert ties.reading == "even" and ties.points == ()


def test_a_flip_point_is_the_what_if_that_flips_the_comparison():
    # Every assumption is drawn uniformly and independently, so the worlds beyond a flip
    # point are a sample of the what-if narrowing its range to that side: a comparison run
    # afresh under that what-if (other worlds, another seed) gives the other verdict.
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.verdicts import TIE
    from polmodel.analysis.worlds import uncertain_dimensions
    from polmodel.scenario.loading import load_scenario
    from polmodel.scenario.whatif import apply_settings

    sc = load_scenario("venezuela-2018")
    d = discover(sc, "targeted", "broad", worlds=1000, seed=1, resamples=10, keep_reruns=True)
    bounds = {k: (lo, hi) for k, (_, lo, hi) in uncertain_dimensions(sc).items()}
    c0 = compare(sc, ["targeted", "broad"], worlds=1000, seed=1)
    # The kept answers are read under the scenario's structure: its column is left out.
    keep = [j for j, k in enumerate(d.worlds.names) if k != "structure"]
    v = verdict_flips(d.recurrence.pooled.values[:, keep], d.recurrence.pooled.answers,
                      [d.worlds.names[j] for j in keep], bounds, policy="targeted",
                      versus="broad", margin=c0.margin + TIE, resamples=10)
    assert v.points, "nothing flips the 2018 contrast"
    p = v.points[0]
    # Halfway between the flip point and the end: well inside the flipped side.
    deep = (p.at + p.high) / 2 if p.side == "above" else (p.low + p.at) / 2
    narrowed = (deep, p.high) if p.side == "above" else (p.low, deep)
    c = compare(apply_settings(sc, {p.name: narrowed}), ["targeted", "broad"], worlds=3000,
                seed=99)
    assert c.verdict("targeted", "broad")["strict"]["reading"] not in (v.reading, "even")
    # ...and narrowing it to the other side keeps the verdict.
    other = (p.low, p.at) if p.side == "above" else (p.at, p.high)
    c = compare(apply_settings(sc, {p.name: other}), ["targeted", "broad"], worlds=3000, seed=99)
    assert c.verdict("targeted", "broad")["strict"]["reading"] == v.reading
