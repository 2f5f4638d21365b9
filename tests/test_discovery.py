"""PRIM on data with a planted box, and discovery on the scenarios."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import flat

from polmodel.analysis.discovery import discover
from polmodel.analysis.prim import _paste, prim
from polmodel.errors import PolmodelError
from polmodel.model.labels import label
from polmodel.views.text import CAVEAT


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_recovers_a_planted_box(seed):
    rng = np.random.default_rng(seed)
    d = 8
    x = rng.random((3000, d))
    lo, hi = np.array([0.1, 0.55]), np.array([0.45, 1.0])
    y = (x[:, 1] >= lo[0]) & (x[:, 1] <= hi[0]) & (x[:, 5] >= lo[1])
    names = [f"x{i}" for i in range(d)]
    r = prim(x, y, names, bounds=np.array([[0.0, 1.0]] * d))
    assert r.box.coverage > 0.9 and r.box.density > 0.9
    assert set(r.box.names) == {"x1", "x5"}
    assert r.chosen == _documented_choice(r.coverage, r.density, y.mean())
    got = dict(zip(r.box.names, zip(r.box.low, r.box.high)))
    assert abs(got["x1"][0] - 0.1) < 0.05 and abs(got["x1"][1] - 0.45) < 0.05
    assert abs(got["x5"][0] - 0.55) < 0.05
    # The box's own figures agree with a recount.
    inside = r.box.contains(x, names)
    assert r.box.density == pytest.approx(y[inside].mean())
    assert r.box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert r.box.mass == pytest.approx(inside.mean())


def test_prim_with_noise_still_finds_the_box():
    rng = np.random.default_rng(4)
    x = rng.random((4000, 6))
    planted = (x[:, 0] < 0.3) & (x[:, 3] > 0.5)
    y = np.where(rng.random(4000) < 0.05, ~planted, planted)  # 5% of labels flipped
    r = prim(x, y, list("abcdef"), bounds=np.array([[0.0, 1.0]] * 6))
    assert set(r.box.names) == {"a", "d"}
    # Flipped labels outside the box cap what any box can cover: compare with the planted one.
    best_coverage = y[planted].sum() / y.sum()
    assert r.box.density > 0.9 and r.box.coverage > 0.9 * best_coverage


def _documented_choice(coverage, density, share, min_coverage=0.2):
    """Step 2 of the module docstring, written again: the first step with the highest
    coverage * (density - share) / (1 - share) among steps covering at least min_coverage."""
    best, best_score = None, -np.inf
    for i, (cov, dens) in enumerate(zip(coverage, density)):
        if cov >= min_coverage and cov * (dens - share) / (1 - share) > best_score:
            best, best_score = i, cov * (dens - share) / (1 - share)
    return best


def _noisy_planted_box(seed=4):
    rng = np.random.default_rng(seed)
    x = rng.random((4000, 6))
    planted = (x[:, 0] < 0.3) & (x[:, 3] > 0.5)
    return x, np.where(rng.random(4000) < 0.05, ~planted, planted), planted


def test_prim_chooses_by_the_documented_rule_not_the_densest_box():
    x, y, _ = _noisy_planted_box()
    r = prim(x, y, list("abcdef"), bounds=np.array([[0.0, 1.0]] * 6))
    assert r.chosen == _documented_choice(r.coverage, r.density, y.mean())
    # With noise the densest box is a sliver at the end of the peel: the rule trades density
    # for coverage, so a "densest box" rule would pick another step.
    assert r.density[r.chosen] < r.density.max() and r.chosen != int(np.argmax(r.density))
    # Against the planted box itself: PRIM's box scores within a few percent of it.
    share = y.mean()
    planted_box = (x[:, 0] <= 0.3) & (x[:, 3] >= 0.5)
    cov, dens = y[planted_box].sum() / y.sum(), y[planted_box].mean()
    score = r.box.coverage * (r.box.density - share) / (1 - share)
    assert score >= 0.95 * cov * (dens - share) / (1 - share)


def test_the_peeling_trajectory_recounts_and_peels_alpha_each_step():
    x, y, _ = _noisy_planted_box()
    r = prim(x, y, list("abcdef"), bounds=np.array([[0.0, 1.0]] * 6), peel_alpha=0.05)
    for lim, cov, dens, mass in zip(r.limits, r.coverage, r.density, r.mass):
        inside = ((x >= lim[:, 0]) & (x <= lim[:, 1])).all(axis=1)
        assert (cov, dens, mass) == pytest.approx((y[inside].sum() / y.sum(), y[inside].mean(),
                                                   inside.mean()), rel=1e-12)
    # Each peel removes alpha of the box (continuous data: up to one row of rounding).
    rows = r.mass * len(y)
    removed = 1 - rows[1:] / rows[:-1]
    assert np.all(np.abs(removed - 0.05) <= 1.0 / rows[:-1] + 1e-12)
    # The first peel is the best of the 2 d single cuts of the full space (highest density).
    cuts = []
    for j in range(x.shape[1]):
        lo, hi = np.quantile(x[:, j], [0.05, 0.95])
        cuts += [y[x[:, j] > lo].mean(), y[x[:, j] < hi].mean()]
    assert r.density[1] == pytest.approx(max(cuts), rel=1e-12)
    assert r.mass[-1] >= 0.05 and r.mass[-1] * 0.95 < 0.05 + 1 / len(y)  # stops at min_mass


def test_pasting_widens_a_limit_while_the_density_rises():
    # One input; the answer holds on [0.2, 0.6] except on a hole [0.2, 0.25]. From the box
    # [0.3, 0.5], widening upward adds only worlds where it holds (the density rises) up to 0.6;
    # widening downward reaches the hole. Pasting must stop the upper limit at about 0.6 and
    # leave the lower limit near 0.3 or lower, never below 0.2.
    x = np.linspace(0, 1, 2001)[:, None]
    t = x[:, 0]
    y = (t >= 0.25) & (t <= 0.6)
    y[(t >= 0.2) & (t < 0.25)] = False
    y[(t >= 0.3) & (t <= 0.32)] = False  # a hole inside, so the density can rise at all
    lim = _paste(x, y, np.array([[0.3, 0.5]]), np.array([[0.0, 1.0]]), 0.05)
    assert 0.58 <= lim[0, 1] <= 0.6 + 1e-12
    assert 0.2 <= lim[0, 0] <= 0.3


def test_trajectory_is_a_tradeoff():
    rng = np.random.default_rng(0)
    x = rng.random((2000, 4))
    r = prim(x, x[:, 0] + 0.3 * rng.random(2000) > 0.8, list("abcd"))
    assert r.coverage[0] == 1.0 and r.mass[0] == 1.0
    assert np.all(np.diff(r.mass) < 0)  # each peel removes worlds
    assert r.density[-1] > r.density[0]
    assert 0 <= r.chosen < len(r.coverage)


def test_prim_input_errors():
    with pytest.raises(PolmodelError, match="shape"):
        prim(np.zeros((10, 2)), np.zeros(9, bool), ["a", "b"])


@pytest.fixture(scope="module")
def contrast():
    return discover("venezuela-2018", worlds=2000, resamples=12)


def test_where_no_restriction_recurs_the_sentence_says_so(contrast):
    from dataclasses import replace

    from polmodel.analysis.recurrence import _count

    # Twelve reruns whose boxes share nothing more than five times: no restriction recurs in
    # more than half, so nothing is stated as what you would have to believe.
    names = list(contrast.worlds.names[:4])
    bounds = contrast.prim.bounds[:4]
    boxes = [((names[k % 4],), [bounds[k % 4][0]], [np.mean(bounds[k % 4])]) for k in range(11)]
    boxes.append(((names[1],), [bounds[1][0]], [np.mean(bounds[1])]))
    d = replace(contrast, recurrence=_count(boxes, 2000, names, bounds, None, None))
    assert not d.stable() and d.recurrence.counts.tolist() == [4, 3, 3, 2]
    s = flat(d.sentence())
    assert "no stable set of assumption ranges" in s and "no restriction recurs in more than half" in s
    top = names[1]  # 3 + 1 boxes
    assert f"the most frequent, {label(top)} ({top}), in 4 of 12" in s
    assert d.box_sentence() not in s  # the sample's box is not read out as a finding
    assert d.to_dict()["stable"] == [] and d.to_dict()["recurrence"]["box"] is None


def test_discovery_on_the_scenario_contrast(contrast):
    d = contrast
    holds = d.question.holds  # the statement is recomputed from the outcomes it names
    assert d.question.versus is not None and callable(holds)
    assert 0 < d.share < 1
    s = d.box_sentence()
    assert d.question.text()[:10].lower() in s.lower()
    assert f"{d.box.density:.0%}" in s and f"{d.box.mass:.0%}" in s
    for name in d.box.names:
        assert f"{label(name)} ({name})" in s and name in d.worlds.names
    # The sentence read out states the stable restrictions, by label with the id, and no other.
    assert d.stable() and d.box_sentence() != d.sentence()
    for name in d.worlds.names:
        assert (f"{label(name)} ({name})" in d.sentence()) == (name in d.stable()), name
    inside = d.box.contains(d.worlds.values, d.worlds.names)
    assert d.box.density == pytest.approx(d.holds[inside].mean())
    assert d.box.coverage == pytest.approx(d.holds[inside].sum() / d.holds.sum())
    assert d.box.mass == pytest.approx(inside.mean())
    # The step chosen on the scenario's trajectory is the documented rule's.
    assert d.prim.chosen == _documented_choice(d.prim.coverage, d.prim.density, d.holds.mean())


def test_discovery_views(contrast, tmp_path):
    d = contrast
    assert d.summary().index(d.sentence()[:30]) < d.summary().index("This sample's box")
    assert d.summary().index("Restrictions across 12 reruns") < d.summary().index("This sample's box")
    assert flat(CAVEAT) in flat(d.summary())
    assert "Discovery(" in repr(d)
    assert "<table>" in d._repr_html_()
    json.dumps(d.to_dict())
    assert len(d.to_frame()) == len(d.prim.coverage)
    assert d.to_csv(tmp_path / "d.csv") == (tmp_path / "d.csv").read_text()
    import matplotlib

    matplotlib.use("Agg")
    assert d.plot() is not None


def test_no_window_anywhere_is_said_plainly():
    d = discover("venezuela-2018", "status-quo", outcome="window", worlds=100, horizon=1)
    assert d.share == 0
    assert "nothing to box" in d.sentence()


def test_same_seed_same_box():
    a = discover("venezuela-2018", "targeted", "broad", worlds=300, seed=3, resamples=4)
    b = discover("venezuela-2018", "targeted", "broad", worlds=300, seed=3, resamples=4)
    assert a.to_dict() == b.to_dict()


def test_checking_only_the_restricted_columns_finds_the_same_rows():
    from polmodel.analysis.prim import _inside

    rng = np.random.default_rng(7)
    x = rng.random((500, 6))
    full = np.array([[0.0, 1.0]] * 6)
    for _ in range(50):
        lim = full.copy()
        for j in rng.choice(6, rng.integers(0, 4), replace=False):
            lim[j] = np.sort(rng.random(2))
        assert np.array_equal(_inside(x, lim, full), _inside(x, lim))


@pytest.mark.parametrize("m", [2, 3, 20, 101, 1999])
def test_quantiles_read_off_sorted_rows_are_numpys_bit_for_bit(m):
    from polmodel.analysis.prim import sorted_quantiles

    rng = np.random.default_rng(m)
    values = np.sort(np.concatenate([rng.random((4, m)), rng.integers(0, 3, (2, m)) / 2.0]), axis=1)
    for alpha in (0.05, 0.1, 0.25, 0.5, 0.3333):
        lo, hi = sorted_quantiles(values, alpha)
        want = np.quantile(values, [alpha, 1 - alpha], axis=1)
        assert np.array_equal(lo, want[0]) and np.array_equal(hi, want[1]), alpha


def _plain_peel(x, y, full, alpha, min_mass):
    """The peel as the module docstring states it, written plainly (np.quantile each step)."""
    n = len(y)
    lim, inside = full.copy(), np.ones(n, bool)
    limits = [lim.copy()]
    while True:
        idx = np.flatnonzero(inside)
        xi, yi = x[idx], y[idx]
        lo, hi = np.quantile(xi, alpha, axis=0), np.quantile(xi, 1 - alpha, axis=0)
        keeps = np.concatenate([xi > lo, xi < hi], axis=1)
        count, hits = keeps.sum(0), (keeps & yi[:, None]).sum(0)
        ok = (count < len(idx)) & (count >= max(min_mass * n, 1))
        if not ok.any():
            return limits
        score = np.where(ok, hits / np.maximum(count, 1), -np.inf)
        best = int(np.lexsort((-count, -score))[0])
        j, high = best % x.shape[1], best >= x.shape[1]
        inside[idx[~keeps[:, best]]] = False
        kept = xi[keeps[:, best], j]
        lim[j, 1 if high else 0] = kept.max() if high else kept.min()
        limits.append(lim.copy())


@pytest.mark.parametrize("levels", [3, 7, None])
def test_the_peel_is_the_plain_peel_ties_included(levels):
    from polmodel.analysis.prim import _peel

    rng = np.random.default_rng(11)
    x = rng.random((1200, 5)) if levels is None else rng.integers(0, levels, (1200, 5)) / levels
    y = (x[:, 0] + 0.5 * x[:, 2] + 0.3 * rng.random(1200)) > 0.9
    full = np.column_stack([x.min(0), x.max(0)])
    limits = _peel(x, y, full, range(5), 0.05, 0.05)[0]
    assert np.array_equal(np.array(limits), np.array(_plain_peel(x, y, full, 0.05, 0.05)))


def _plain_paste(x, y, lim, full, alpha):
    """Pasting as the docstring states it: every trial box checked on every column."""
    lim = lim.copy()

    def density(box):
        inside = ((x >= box[:, 0]) & (x <= box[:, 1])).all(axis=1)
        return y[inside].sum() / inside.sum() if inside.any() else 0.0

    while True:
        inside = ((x >= lim[:, 0]) & (x <= lim[:, 1])).all(axis=1)
        step = max(int(alpha * inside.sum()), 1)
        best_lim, best_dens = None, density(lim)
        for j in range(x.shape[1]):
            others = lim.copy()
            others[j] = [-np.inf, np.inf]
            rest = ((x >= others[:, 0]) & (x <= others[:, 1])).all(axis=1)
            for side in (0, 1):
                if lim[j, side] == full[j, side]:
                    continue
                beyond = np.sort(x[rest & ((x[:, j] < lim[j, 0]) if side == 0
                                           else (x[:, j] > lim[j, 1])), j])
                if beyond.size == 0:
                    continue
                trial = lim.copy()
                trial[j, side] = (full[j, side] if beyond.size <= step else
                                  beyond[-step] if side == 0 else beyond[step - 1])
                if density(trial) > best_dens:
                    best_lim, best_dens = trial, density(trial)
        if best_lim is None:
            return lim
        lim = best_lim


def _plain_prune(x, y, lim, full, tolerance, max_restrictions):
    """Pruning as the docstring states it: each release checked on every column."""
    lim = lim.copy()

    def density(box):
        inside = ((x >= box[:, 0]) & (x <= box[:, 1])).all(axis=1)
        return y[inside].sum() / inside.sum() if inside.any() else 0.0

    while True:
        restricted = [j for j in range(x.shape[1]) if (lim[j] != full[j]).any()]
        if not restricted:
            return lim
        trials = []
        for j in restricted:
            trial = lim.copy()
            trial[j] = full[j]
            trials.append((density(trial), -j, trial))
        released, _, trial = max(trials, key=lambda t: (t[0], t[1]))
        if density(lim) - released <= tolerance or len(restricted) > max_restrictions:
            lim = trial
        else:
            return lim


@pytest.mark.parametrize("within", [True, False])
@pytest.mark.parametrize("levels", [4, None])
def test_paste_and_prune_are_the_plain_ones_ties_included(within, levels):
    # Paste and prune count each trial from the rows failing one column alone; the plain
    # versions check every limit of every trial box. Same limits, to the bit. With within
    # False, some rows lie outside the full range (the public prim with given bounds).
    from polmodel.analysis.prim import _paste, _prune

    rng = np.random.default_rng(5 if within else 6)
    x = rng.random((900, 6)) if levels is None else rng.integers(0, levels, (900, 6)) / levels
    y = (x[:, 0] > 0.4) & (x[:, 3] < 0.7) | (rng.random(900) < 0.1)
    full = np.array([[0.0, 1.0]] * 6) if within else np.array([[0.05, 0.95]] * 6)
    for _ in range(12):
        lim = full.copy()
        for j in rng.choice(6, rng.integers(1, 6), replace=False):
            lo, hi = np.sort(rng.uniform(full[j, 0], full[j, 1], 2))
            lim[j] = [lo if rng.random() < 0.7 else full[j, 0], hi if rng.random() < 0.7 else full[j, 1]]
        w = full if within else None
        assert np.array_equal(_paste(x, y, lim, full, 0.05, w), _plain_paste(x, y, lim, full, 0.05))
        for tol, most in ((0.01, 3), (0.0, 6), (0.05, 1)):
            assert np.array_equal(_prune(x, y, lim, full, tol, most, w),
                                  _plain_prune(x, y, lim, full, tol, most))
