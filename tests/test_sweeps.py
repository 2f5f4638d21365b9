"""Sweeps: grids over assumptions and levers, each point on the same worlds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from polmodel.analysis.comparison import compare
from polmodel.analysis.sweeps import sweep
from polmodel.analysis.worlds import sample_worlds
from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES
from polmodel.scenario.loading import load_scenario


@pytest.fixture(scope="module")
def sc():
    return load_scenario("venezuela-2018")


def test_a_point_equals_a_comparison_on_the_same_worlds(sc):
    param = next(k for k in sc.parameters if not sc.parameters[k].fixed)
    s = sweep(sc, param, policy="targeted", outcome="window", points=3, worlds=200, seed=4)
    w = sample_worlds(sc, 200, seed=4)
    for value, share in zip(s.grids[0], s.values):
        col = w.values.copy()
        col[:, w.names.index(param)] = value
        from dataclasses import replace

        c = compare(sc, ["targeted"], worlds=replace(w, values=col))
        assert share == pytest.approx(c.per_policy["targeted"]["window_share"])


def test_lever_intensity_grid_matches_policy_edit(sc):
    lever = LEVER_NAMES[0]
    s = sweep(sc, f"lever.{lever}", policy="targeted", outcome="peak_index", points=3, worlds=100)
    assert np.allclose(s.grids[0], [0, 0.5, 1])
    assert s.band is not None and np.all(s.band[:, 0] <= s.values) and np.all(s.values <= s.band[:, 1])


def test_two_axes_make_a_heatmap(sc):
    params = [k for k in sc.parameters if not sc.parameters[k].fixed][:2]
    s = sweep(sc, params[0], f"{params[1]}", policy="targeted", versus="broad", outcome="peak_index",
              points=3, worlds=80)
    assert s.values.shape == (3, 3) and s.statistic == "share"
    assert np.all((0 <= s.values) & (s.values <= 1))
    import matplotlib

    matplotlib.use("Agg")
    assert s.plot() is not None
    json.dumps(s.to_dict())
    assert len(s.to_frame()) == 9
    assert s.to_csv().startswith("# polmodel")
    assert "Sweep(" in repr(s) and "<table>" in s._repr_html_()


def test_start_month_axis(sc):
    pol = next(p for p in sc.policies.values() if p.levers)
    lever = next(iter(pol.levers))
    s = sweep(sc, f"start.{lever}", policy=pol.name, points=4, worlds=50)
    assert s.grids[0][0] == 0 and s.grids[0][-1] == sc.horizon - 1
    assert s.grids[0].dtype.kind == "i"


@pytest.mark.parametrize("axis,match", [("lever.nothing", "unknown lever"),
                                        ("nothing", "unknown name"),
                                        (f"lever.{LEVER_NAMES[0]}=0.5:1.5", "allowed: 0 to 1"),
                                        ("initial.crisis=0.2", "give a range")])
def test_bad_axes_are_one_line(sc, axis, match):
    with pytest.raises(PolmodelError, match=match):
        sweep(sc, axis, worlds=10, points=2)


def test_start_needs_the_lever_in_the_policy(sc):
    unused = next(lv for lv in LEVER_NAMES if lv not in sc.policy(sc.baseline).levers)
    with pytest.raises(PolmodelError, match="does not use"):
        sweep(sc, f"start.{unused}", worlds=10, points=2)
