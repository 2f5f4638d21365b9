"""Can each lever push both ways? The lever x condition table, measured (issue 15, item 2).

Usage: python tools/lever_signs.py [--scenario venezuela-2018] [--worlds 20000] [--seed 0]

For every lever: the scenario's baseline plus that lever at intensity 1 from month 0, against the
baseline, on the same plausible worlds, under the scenario's structure and the strict AND. Printed:
the share of worlds in which the peak opening index is higher by more than the tie margin and
lower by more than it, and for each condition the share of worlds in which the lever raised its
mean membership and the share in which it lowered it (by more than 0.001). A lever whose cells
show one sign only is listed with the reason in ``docs/levers.md``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace


def lever_table(scenario: str, worlds: int, seed: int) -> dict:
    """Per lever: (share higher, share lower) of the peak index and per-condition (raised, lowered)."""
    import numpy as np

    from polmodel import CONDITIONS, compare, load_scenario
    from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy

    sc = load_scenario(scenario)
    base = sc.policies[sc.baseline]
    policies = dict(sc.policies)
    for lever in LEVER_NAMES:
        levers = dict(base.levers) | {lever: LeverSetting(1.0)}
        policies[f"+{lever}"] = Policy(f"+{lever}", levers, f"{sc.baseline} with {lever} at 1")
    sc = replace(sc, policies=policies)
    c = compare(sc, [sc.baseline, *(f"+{x}" for x in LEVER_NAMES)], worlds=worlds, seed=seed,
                aggregator="min")
    base_out = c.outcomes[sc.baseline]
    out = {}
    for lever in LEVER_NAMES:
        o = c.outcomes[f"+{lever}"]
        pw = c.pairwise(f"+{lever}", sc.baseline, "strict")
        d = o.condition_mean.astype(float) - base_out.condition_mean.astype(float)
        out[lever] = {"higher": pw["share_higher"], "lower": pw["share_lower"],
                      "conditions": {cond: (float((d[:, i] > 1e-3).mean()),
                                            float((d[:, i] < -1e-3).mean()))
                                     for i, cond in enumerate(CONDITIONS)}}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="venezuela-2018")
    ap.add_argument("--worlds", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    table = lever_table(args.scenario, args.worlds, args.seed)
    conds = list(next(iter(table.values()))["conditions"])
    print(f"{args.scenario}, {args.worlds} worlds, seed {args.seed}: baseline + lever at 1 vs baseline")
    print(f"{'lever':<26} {'peak up':>8} {'down':>6}   " + "  ".join(f"{c:>13}" for c in conds))
    for lever, row in table.items():
        cells = "  ".join(f"{100 * up:5.1f}%/{100 * down:5.1f}%" for up, down in row["conditions"].values())
        print(f"{lever:<26} {100 * row['higher']:7.1f}% {100 * row['lower']:5.1f}%   {cells}")
    print("condition cells: share of worlds where the lever raised / lowered the mean membership")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
