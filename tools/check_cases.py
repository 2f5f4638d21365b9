"""Check the historical cases: their files, then how the model ranks them (a check, never a fit).

Usage: python tools/check_cases.py [--worlds 2000] [--seed 1] [--files-only]

First every file in ``scenarios/cases/`` is checked as ``scenarios/cases/README.md`` specifies:
it loads (every key known, every value inside its range, every range inside [0, 1], known lever
names, intensities in [0, 1], starts within the horizon), it has a ``[case]`` table with the
outcome, a reference date (the trigger of a transition, the peak of a challenge that failed)
exactly 12 months after the coding date, an outcome date at or after the reference date, its
sources, and an ``as-happened`` policy. Then each case runs ``as-happened`` on the same number of plausible worlds, and the
ranking is reported: per case the share of worlds with a window and the median peak opening
index, and over every (transition, survival) pair the share in which the transition has the
higher median peak (ties count half). Sixteen cases cannot validate a model: the ranking says how
far the model separates the two groups, not whether it is right.

Exit status: 0 when every file passes its checks, 1 otherwise (the ranking never fails).
"""

from __future__ import annotations

import argparse
import sys


def months_between(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` ("YYYY-MM")."""
    (y0, m0), (y1, m1) = (map(int, d.split("-")[:2]) for d in (start, end))
    return (y1 - y0) * 12 + (m1 - m0)


def is_month(text: object) -> bool:
    """Whether ``text`` is a month written "YYYY-MM"."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        return False
    year, month = text[:4], text[5:]
    return year.isdigit() and month.isdigit() and 1 <= int(month) <= 12


def file_problems(name: str) -> list[str]:
    """What is wrong with one case file (an empty list when nothing is)."""
    from polmodel import PolmodelError, load_scenario

    try:
        sc = load_scenario(name)
    except PolmodelError as err:
        return [str(err)]
    problems = []
    case = sc.case or {}
    if case.get("outcome") not in ("transition", "survival"):
        problems.append(f"{name}: [case] outcome must be 'transition' or 'survival'")
    dates = {key: value for key, value in (("date", sc.date),
                                            ("reference_date", case.get("reference_date", "")),
                                            ("outcome_date", case.get("outcome_date", "")))
             if is_month(value)}
    for key in ("date", "reference_date", "outcome_date"):
        if key not in dates:
            problems.append(f"{name}: {key} must be YYYY-MM")
    if "date" in dates and "reference_date" in dates:
        gap = months_between(dates["date"], dates["reference_date"])
        if gap != 12:
            problems.append(f"{name}: reference_date is {gap} months after date; "
                            "the convention is 12")
    if "reference_date" in dates and "outcome_date" in dates:
        after = months_between(dates["reference_date"], dates["outcome_date"])
        if after < 0:
            problems.append(f"{name}: outcome_date is {-after} months before reference_date; "
                            "it must be at or after it")
    if not case.get("sources"):
        problems.append(f"{name}: [case] sources is empty")
    if "as-happened" not in sc.policies:
        problems.append(f"{name}: no 'as-happened' policy")
    return problems


def ranking(names: list[str], worlds: int, seed: int) -> list[tuple]:
    """(case, outcome, {structure: median strict peak}, {structure: window share}) per case.

    Every structure is read from the same runs of ``as-happened`` (each run keeps every
    structure's peaks); the run's own structure is the scenario's.
    """
    import numpy as np

    from polmodel import compare, load_scenario
    from polmodel.model.structures import STRUCTURES

    rows = []
    for name in names:
        sc = load_scenario(name)
        o = compare(sc, ["as-happened"], worlds=worlds, seed=seed).outcomes["as-happened"]
        peaks = {st: float(np.median(o.readings[:, s, 0])) for s, st in enumerate(STRUCTURES)}
        windows = {st: float((o.readings[:, s, 0] > 0.5).mean()) for s, st in enumerate(STRUCTURES)}
        rows.append((name, sc.case["outcome"], peaks, windows))
    return rows


def static_values(names: list[str]) -> dict[str, dict[str, float]]:
    """Each structure's strict index on each case's coded (central) starting point."""
    import numpy as np

    from polmodel import STATES, load_scenario
    from polmodel.model.structures import STRUCTURES

    out = {}
    for name in names:
        init = load_scenario(name).central_initial()
        x = np.array([init[s] for s in STATES])
        out[name] = {st: float(s.evaluate(x, "min")) for st, s in STRUCTURES.items()}
    return out


def pairwise_score(values: dict[str, float], outcomes: dict[str, str]) -> float:
    """Share of (transition, survival) pairs in which the transition ranks higher (ties half)."""
    t = [values[n] for n, o in outcomes.items() if o == "transition"]
    s = [values[n] for n, o in outcomes.items() if o == "survival"]
    wins = sum((a > b) + 0.5 * (a == b) for a in t for b in s)
    return wins / (len(t) * len(s)) if t and s else float("nan")


def coded_necessity(names: list[str]) -> dict[str, float]:
    """FsQCA necessity of each coded condition (its starting value) for a transition.

    Cases are the case files; the outcome is crisp (1 for a transition, 0 for a survival), so
    consistency ``sum(min(x, y)) / sum(y)`` is the mean coding over the transitions.
    """
    from polmodel import CONDITIONS, load_scenario

    scs = [load_scenario(n) for n in names]
    trans = [sc.central_initial() for sc in scs if sc.case["outcome"] == "transition"]
    return {c: sum(t[c] for t in trans) / len(trans) for c in CONDITIONS} if trans else {}


def main() -> int:
    """Check the files, then report the ranking; 1 when a file has a problem."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files-only", action="store_true", help="check the files, skip the ranking")
    args = ap.parse_args()
    from polmodel.scenario.loading import list_cases

    names = list_cases()
    problems = [p for name in names for p in file_problems(name)]
    for p in problems:
        print("problem:", p)
    print(f"{len(names)} case files, {len(problems)} problems")
    if not args.files_only and not problems:
        from polmodel.model.structures import STRUCTURES

        rows = ranking(names, args.worlds, args.seed)
        outcomes = {name: outcome for name, outcome, _, _ in rows}
        cols = list(STRUCTURES)
        print(f"\nmedian peak opening index under each structure ({args.worlds} worlds, seed "
              f"{args.seed}, as-happened); window share in brackets")
        print(f"{'case':<20} {'outcome':<11} " + " ".join(f"{c:>17}" for c in cols))
        for name, outcome, peaks, windows in sorted(rows, key=lambda r: (r[1], -r[2]["memo"])):
            cells = " ".join(f"{peaks[c]:>9.2f} [{windows[c]:>4.0%}]" for c in cols)
            print(f"{name.removeprefix('cases/'):<20} {outcome:<11} {cells}")
        static = static_values(names)
        print("\ntransition above survival, share of the pairs (0.5 is no separation; 16 cases "
              "cannot validate a model, only say how far it separates the two groups):")
        for c in cols:
            run = pairwise_score({n: r[2][c] for n, r in zip(names, rows)}, outcomes)
            coded = pairwise_score({n: static[n][c] for n in names}, outcomes)
            print(f"  {c:<13} {run:.2f} after the dynamics   {coded:.2f} on the coded start")
        print("\nnecessity of each coded condition for a transition (mean coding over the "
              "transitions; 1 = present in full in every one):")
        for c, v in coded_necessity(names).items():
            print(f"  {c:<11} {v:.2f}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
