"""The one-world step generated from the equations is rates() and the exact step, to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from polmodel.analysis.worlds import sample_worlds
from polmodel.model.equations import coefficients, rates
from polmodel.model.float_step import coefficient_names, float_step, step_source
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import STATES
from polmodel.scenario.loading import load_scenario


def reference_step(x, c, dt=1.0, eps=1e-12):
    """The step as the integrator wrote it before it was generated: rates(), then the loop."""
    gains, losses = rates(x, c)
    out = []
    for v, g, loss in zip(x, gains, losses):
        k = (g + loss) + eps
        e = g / k
        out.append(((v - e) * math.exp(k * -dt)) + e)
    return out


@pytest.mark.parametrize("scenario", ["venezuela-2018", "nicaragua-2018", "cases/syria-2012"])
def test_the_generated_step_is_the_equations_step_bit_for_bit(scenario):
    sc = load_scenario(scenario)
    w = sample_worlds(sc, 40, seed=3)
    rng = np.random.default_rng(7)
    step, names = float_step(), coefficient_names()
    _, sampled = w.inputs()
    for i in range(len(w)):
        params = {k: float(v[i]) if np.ndim(v) else float(v) for k, v in sampled.items()}
        params = {k: params.get(k, sc.parameters[k].value) for k in PARAMETERS}
        u = tuple(float(v) for v in rng.uniform(0, 1, len(LEVER_NAMES)))
        c = coefficients(params, u)
        x = [float(v) for v in rng.uniform(0, 1, len(STATES))]
        got = step(x, tuple(c[n] for n in names), math.exp, -1.0, 1e-12)
        assert got == reference_step(x, c)  # exactly: the same operations in the same order


def test_the_source_is_straight_lines():
    src = step_source()
    assert "for " not in src and "sum(" not in src and "[" not in src.split("return")[0]
    assert len(coefficient_names()) == len(set(coefficient_names()))
