"""Check that "what would you have to believe" holds across seeds, as issue 16 asks.

Usage: python tools/stable_findings.py [SCENARIO] [--seeds 0 1 2 3 4] [--measure N]

For each seed, ``polmodel discover --json --seed S`` (its defaults: the scenario's contrast both
ways and the window question, 2,000 worlds, the default reruns) and the handout at the same seed
(``polmodel report --brief``, its defaults) are run; the script prints, per question and seed, the
restrictions each states as stable with their counts, and the assumptions page 1 says decide the
verdict with their flip points (reported, not checked), and checks that

1. the handout states the same stable restrictions as ``discover --json`` for the scenario's
   contrast question, at every seed;
2. every restriction stable at one seed is stable at four or more of the seeds (five seeds by
   default), for every question (the contrast question is the one the issue requires; the others
   are reported).

With ``--measure N``, it first measures how often PRIM restricts each assumption over N reruns on
fresh samples of 2,000 worlds (the share that the number of reruns must resolve; see
``polmodel.analysis.recurrence``), and the seconds of one core each rerun costs.

Exit status: 0 when checks 1 and 2 hold for the contrast question, 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def discover_json(scenario: str, seed: int) -> list[dict]:
    """``polmodel discover --json --seed S`` in its own process."""
    out = subprocess.run([sys.executable, "-m", "polmodel", "discover", scenario, "--json",
                          "--seed", str(seed)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def handout_stable(scenario: str, seed: int) -> tuple[list[list[str]], list[str]]:
    """The stable restrictions of each "what would you have to believe" sentence of the handout.

    Also the first cells of page 1's "what decides it" table (label (id), flip point).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "handout.html"
        subprocess.run([sys.executable, "-m", "polmodel", "report", scenario, "--seed", str(seed),
                        "--brief", "--out", str(path)], capture_output=True, text=True,
                       check=True)
        page = path.read_text(encoding="utf-8")
    stable = [stated(html.unescape(item)) for item in re.findall(
        r"<li>(.*?)</li>", page.split("<ul class='believe'>", 1)[1].split("</ul>", 1)[0])]
    table = page.split("<table class=deciding>", 1)[-1].split("</table>", 1)[0]
    deciding = [f"{re.search(r'[(]([^()]+)[)]$', html.unescape(a)).group(1)} {html.unescape(c)}"
                for a, c in re.findall(r"<tr><td>(.*?)</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>",
                                       table.replace("<wbr>", ""))]
    return stable, deciding


def stated(sentence: str) -> list[str]:
    """The ids a sentence states as stable: "(id) is above ... (in N of K reruns".

    A sentence that says no restriction recurs names the most frequent one without "is".
    """
    return re.findall(r"\(([\w.]+)\) is (?:above|below|between) [^()]*\(in \d+ of \d+ reruns",
                      sentence)


def measure(scenario: str, reruns: int) -> None:
    """How often PRIM restricts each assumption over many reruns, and what a rerun costs."""
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.questions import contrast_questions
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(scenario)
    q = contrast_questions(sc)[0]
    for a, b in ((q.policy, q.versus), (q.versus, q.policy)):
        start = time.process_time()
        d = discover(sc, a, b, seed=12345, resamples=reruns)
        cost = (time.process_time() - start) / reruns
        r = d.recurrence
        shares = ", ".join(f"{n} {c / reruns:.0%}" for n, c in zip(r.names[:8], r.counts[:8]))
        print(f"{a} over {b}: {reruns} reruns of {r.worlds} worlds, {cost:.3f} s of one core "
              f"each; restricted in: {shares}")


def main(argv: list[str] | None = None) -> int:
    """Run the check; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="venezuela-2018")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--measure", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    if args.measure:
        measure(args.scenario, args.measure)
    by_question: dict[str, dict[int, dict[str, int]]] = {}
    handout_ok = True
    for seed in args.seeds:
        results = discover_json(args.scenario, seed)
        for d in results:
            counts = d["recurrence"]["counts"] if d["recurrence"] else {}
            by_question.setdefault(d["question"]["statement"], {})[seed] = {
                n: counts[n] for n in d["stable"]}
        contrast = results[0]  # discover asks the scenario's contrast first
        stable, deciding = handout_stable(args.scenario, seed)
        from_handout = stable[0]
        same = sorted(from_handout) == sorted(contrast["stable"])
        handout_ok &= same
        print(f"seed {seed}: handout states {from_handout or 'nothing'} for the contrast; "
              f"discover --json {contrast['stable'] or 'nothing'}: "
              f"{'same' if same else 'DIFFERENT'}; page 1 decides by "
              f"{', '.join(deciding) or 'nothing'}")
    ok = handout_ok
    for k, (statement, seeds) in enumerate(by_question.items()):
        print(f"\n{statement}" + (" (the contrast question)" if k == 0 else ""))
        for seed, stable in seeds.items():
            print(f"  seed {seed}: " + (", ".join(f"{n} ({c})" for n, c in stable.items())
                                        or "no stable restriction"))
        names = {n for stable in seeds.values() for n in stable}
        need = len(seeds) - 1
        for n in sorted(names):
            seen = sum(n in stable for stable in seeds.values())
            verdict = "ok" if seen >= need else "FAILS"
            print(f"  {n}: stable at {seen} of {len(seeds)} seeds: {verdict}")
            if k == 0 and seen < need:
                ok = False
    print("\n" + ("every check holds for the contrast question" if ok else "a check fails"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
