"""Does a coded starting point persist? Month-24 values against the codings, across the cases.

Usage: python tools/persistence.py [--month 24]

Every case in ``scenarios/cases/`` runs at its central values with no lever at all. For each of
security, rents and the four conditions, the Spearman rank correlation between the coded initial
value and the value at the month is printed, with the case furthest from its coded rank. It is a
check of the dynamics (issue 15: a coding should explain most of where a state stands after 24
months when nothing acts on it), never a target to fit.
"""

from __future__ import annotations

import argparse

import numpy as np


def spearman(a, b) -> float:
    """Spearman rank correlation of two sequences."""
    from scipy.stats import spearmanr
    return float(spearmanr(a, b).statistic)


def month_values(month: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Case names, coded initial states and the states at ``month`` with no lever."""
    from polmodel import STATES, load_scenario
    from polmodel.model.integrator import simulate
    from polmodel.model.levers import LEVER_NAMES
    from polmodel.scenario.loading import list_cases

    names, start, end = [], [], []
    for name in list_cases():
        sc = load_scenario(name)
        init = sc.central_initial()
        traj, _ = simulate(init, sc.central_parameters(), np.zeros((month, len(LEVER_NAMES))))
        names.append(name)
        start.append([init[s] for s in STATES])
        end.append(traj[0, month])
    return names, np.array(start), np.array(end)


def main() -> int:
    """Print the correlation of each state's coding with its month value, across the cases."""
    from polmodel import STATES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--month", type=int, default=24)
    args = ap.parse_args()
    names, start, end = month_values(args.month)
    print(f"Spearman of the coding against month {args.month}, no lever, {len(names)} cases")
    for state in ("security", "rents", "crisis", "fracture", "challenger", "pressure"):
        i = STATES.index(state)
        rho = spearman(start[:, i], end[:, i])
        moved = np.argsort(start[:, i]).argsort() - np.argsort(end[:, i]).argsort()
        worst = int(np.argmax(np.abs(moved)))
        print(f"  {state:<11} {rho:5.2f}   mean {start[:, i].mean():.2f} -> {end[:, i].mean():.2f};"
              f" furthest: {names[worst]} ({start[worst, i]:.2f} -> {end[worst, i]:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
