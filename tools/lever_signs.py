"""Can each lever push both ways? The lever x condition table, measured (issue 15, item 2).

Usage: python tools/lever_signs.py [--scenario venezuela-2018] [--base POLICY] [--worlds 20000] [--seed 0]

For every lever: the scenario's baseline (or ``--base``) plus that lever at intensity 1 from month 0, against the
baseline, on the same plausible worlds, under the scenario's structure and the strict AND. Printed:
the share of worlds in which the peak opening index is higher by more than the tie margin and
lower by more than it, and for each condition the share of worlds in which the lever raised its
mean membership and the share in which it lowered it (by more than 0.001). A lever whose cells
show one sign only is listed with the reason in ``docs/levers.md``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace


def lever_table(scenario: str, worlds: int, seed: int, base: str | None = None) -> dict:
    """Per lever: (share higher, share lower) of the peak index and per-condition (raised, lowered)."""
    from polmodel import CONDITIONS, compare, load_scenario
    from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy

    sc = load_scenario(scenario)
    sc = replace(sc, baseline=base or sc.baseline)
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




def mechanism_cells() -> dict[str, dict[str, tuple[list[str], list[str]]]]:
    """Per lever and state: the mechanisms of the table that push it up and those that push it down.

    Direct effects only (a mechanism that lists the lever and moves the state); what follows
    through other states (enforcement cuts rents, rents hold the coalition) is in the measured
    shares.
    """
    from polmodel import STATES
    from polmodel.model.levers import LEVER_NAMES
    from polmodel.model.parameters import MECHANISMS

    out = {lever: {s: ([], []) for s in STATES} for lever in LEVER_NAMES}
    for m in MECHANISMS:
        for lever in m.levers:
            for state, sign in m.moves:
                out[lever][state][0 if sign > 0 else 1].append(m.name)
    return out


def markdown(scenario: str, worlds: int, seed: int) -> str:
    """The lever x condition table of docs/levers.md: mechanisms per cell, then measured shares."""
    from polmodel import CONDITIONS

    cells = mechanism_cells()
    lines = ["| lever | " + " | ".join(CONDITIONS) + " | other states |",
             "|---|" + "---|" * (len(CONDITIONS) + 1)]
    for lever, by_state in cells.items():
        row = []
        for c in CONDITIONS:
            up, down = by_state[c]
            row.append("<br>".join([*(f"+ {m}" for m in up), *(f"- {m}" for m in down)]) or ".")
        other = [f"{s}: " + ", ".join([*(f"+ {m}" for m in up), *(f"- {m}" for m in down)])
                 for s, (up, down) in by_state.items() if s not in CONDITIONS and (up or down)]
        lines.append(f"| {lever} | " + " | ".join(row) + " | " + ("<br>".join(other) or ".") + " |")
    table = lever_table(scenario, worlds, seed)
    lines += ["", f"Measured on {scenario}, {worlds} plausible worlds, seed {seed}: the baseline "
              "plus the lever at intensity 1 from month 0, against the baseline, under the "
              "scenario's structure and the strict AND. Peak: share of worlds where the peak "
              "opening index is higher / lower by more than the tie margin. Conditions: share "
              "of worlds where the lever raised / lowered the mean membership (by more than 0.001).",
              "", "| lever | peak higher | peak lower | " + " | ".join(CONDITIONS) + " |",
              "|---|---|---|" + "---|" * len(CONDITIONS)]
    for lever, row in table.items():
        conds = " | ".join(f"{100 * u:.1f}% / {100 * d:.1f}%" for u, d in row["conditions"].values())
        lines.append(f"| {lever} | {100 * row['higher']:.1f}% | {100 * row['lower']:.1f}% | {conds} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Print the lever table (or the markdown of docs/levers.md)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="venezuela-2018")
    ap.add_argument("--worlds", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base", default=None, help="policy to add each lever to (the baseline)")
    ap.add_argument("--markdown", action="store_true", help="print the tables of docs/levers.md")
    args = ap.parse_args()
    if args.markdown:
        print(markdown(args.scenario, args.worlds, args.seed), end="")
        return 0
    table = lever_table(args.scenario, args.worlds, args.seed, args.base)
    conds = list(next(iter(table.values()))["conditions"])
    print(f"{args.scenario}, {args.worlds} worlds, seed {args.seed}: {args.base or 'baseline'} + "
          "lever at 1 vs itself")
    print(f"{'lever':<26} {'peak up':>8} {'down':>6}   " + "  ".join(f"{c:>13}" for c in conds))
    for lever, row in table.items():
        cells = "  ".join(f"{100 * up:5.1f}%/{100 * down:5.1f}%" for up, down in row["conditions"].values())
        print(f"{lever:<26} {100 * row['higher']:7.1f}% {100 * row['lower']:5.1f}%   {cells}")
    print("condition cells: share of worlds where the lever raised / lowered the mean membership")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
