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


def ranking(names: list[str], worlds: int, seed: int) -> list[tuple[str, str, float, float]]:
    """(case, outcome, window share, median peak) of every case under ``as-happened``."""
    from polmodel import compare, load_scenario

    rows = []
    for name in names:
        sc = load_scenario(name)
        per = compare(sc, ["as-happened"], worlds=worlds, seed=seed).per_policy["as-happened"]
        rows.append((name, sc.case["outcome"], per["window_share"], per["peak_index_median"]))
    return sorted(rows, key=lambda r: -r[3])


def pairwise_score(rows) -> float:
    """Share of (transition, survival) pairs in which the transition ranks higher (ties half)."""
    t = [peak for _, outcome, _, peak in rows if outcome == "transition"]
    s = [peak for _, outcome, _, peak in rows if outcome == "survival"]
    wins = sum((a > b) + 0.5 * (a == b) for a in t for b in s)
    return wins / (len(t) * len(s)) if t and s else float("nan")


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
        rows = ranking(names, args.worlds, args.seed)
        print(f"\n{'case':<22} {'outcome':<11} {'window':>7} {'peak':>6}")
        for name, outcome, window, peak in rows:
            print(f"{name.removeprefix('cases/'):<22} {outcome:<11} {window:>7.1%} {peak:>6.2f}")
        print(f"\ntransition above survival in {pairwise_score(rows):.2f} of the pairs "
              f"(median peak index, {args.worlds} worlds, seed {args.seed}; 0.5 is no separation)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
