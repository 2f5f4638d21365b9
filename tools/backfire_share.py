"""Can repression backfire in practice? Issue 15's check, and its dependence on an assumption.

The share of worlds where cohesive forces leave a mobilized challenger higher than divided ones,
and how it depends on the assumed range of the backfire ratio.

Usage: python tools/backfire_share.py [--worlds 20000] [--seed 1] [--top 3 3.2 4 5]

Issue 15's check: on venezuela-2018, from a challenger at 0.8, with the backfire ratio drawn from
the upper half of its range, the status quo for 12 months with security forces at 0.9 (cohesive)
and at 0.3 (divided) in the same worlds; the share of worlds where the cohesive forces leave the
challenger higher. Repression can raise the challenger only above c* = b theta / (b - 1) (b the
backfire ratio, theta its threshold), so the share of worlds with c* below 0.8 bounds it.

The backfire ratio's range (0 to 3) is an assumption: no study sizes it. ``--top`` prints what the
check would give if the range ran from 0 to another top (its upper half, top/2 to top), for the
people who decide the range; it is a what-if, never a fit. The model's range stays what its
parameter table says.
"""

from __future__ import annotations

import argparse

import numpy as np

CHALLENGER = 0.8
COHESIVE, DIVIDED = 0.9, 0.3
MONTHS = 12


def shares(low: float, high: float, worlds: int, seed: int) -> tuple[float, float, float]:
    """The check with the backfire ratio drawn from [low, high].

    Returns the share of worlds where cohesive forces leave the challenger higher, the share
    with c* < 0.8, and the share of the first among the worlds with c* < 0.8 (nan if there
    are none).
    """
    from polmodel import STATES, load_scenario, sample_worlds
    from polmodel.model.integrator import simulate

    sc = load_scenario("venezuela-2018")
    w = sample_worlds(sc, worlds, seed=seed, parameters={"backfire": (low, high)},
                      initial={"challenger": CHALLENGER})
    initial, params = w.inputs()
    schedule = sc.schedule(sc.baseline)[:MONTHS]
    h = STATES.index("challenger")
    final = {s: simulate(initial | {"security": np.full(len(w), s)}, params, schedule,
                         record=False)[1].final[:, h] for s in (COHESIVE, DIVIDED)}
    higher = final[COHESIVE] > final[DIVIDED]
    b, theta = params["backfire"], params["backfire_threshold"]
    c_star = np.where(b > 1, b * theta / np.maximum(b - 1, 1e-12), np.inf)
    possible = c_star < CHALLENGER
    given = float(higher[possible].mean()) if possible.any() else float("nan")
    return float(higher.mean()), float(possible.mean()), given


def main(argv=None) -> None:
    """Print the check under the model's range, then under each what-if top."""
    from polmodel.model.parameters import PARAMETERS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=float, nargs="*", default=[],
                    help="What-if tops of the backfire range (its hard limit is 5).")
    args = ap.parse_args(argv)
    p = PARAMETERS["backfire"]
    print(f"venezuela-2018, challenger {CHALLENGER} at month 0, security {COHESIVE} against "
          f"{DIVIDED}, status quo for {MONTHS} months, {args.worlds:,} worlds, seed {args.seed}")
    print(f"{'backfire drawn from':>22}  {'cohesive leave it higher':>24}  {'c* < 0.8':>9}  "
          f"{'higher where c* < 0.8':>21}")
    for top in [p.high, *args.top]:
        low = 0.5 * (p.low + top)
        higher, possible, given = shares(low, top, args.worlds, args.seed)
        what = "(the model's range)" if top == p.high else "(what-if)"
        print(f"{f'{low:g} to {top:g}':>22}  {higher:>24.1%}  {possible:>9.1%}  {given:>21.1%}  "
              f"{what}")
    from polmodel import __version__
    from polmodel.views.text import CAVEAT

    print(f"{CAVEAT}\npolmodel {__version__} | scenario venezuela-2018 | seed {args.seed} | "
          f"worlds {args.worlds:,} | structure memo (the challenger's path does not depend on it)")


if __name__ == "__main__":
    main()
