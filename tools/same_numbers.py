"""Whether two checkouts of polmodel give the same numbers (for a change that must not move them).

Usage: python tools/same_numbers.py OLD_SRC NEW_SRC [--seeds 0 1] [--worlds 1000]

OLD_SRC and NEW_SRC are ``src`` folders of two checkouts (e.g. a ``git worktree`` of the commit
before the change). For every built-in scenario and historical case, each checkout runs
``polmodel compare --json`` at each seed in its own process; every float must agree within
1e-12 and every share and count exactly, except where a world's index lies within 1e-12 of a
threshold (the window's 0.5, the tie margin), which the script lists. Exit 0 when they agree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

TOL = 1e-12
_VERSION = re.compile(r"polmodel \d[^ |]*")

_DUMP = r"""
import json, sys
import numpy as np
import polmodel
name, seed, worlds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = polmodel.compare(name, worlds=worlds, seed=seed)
near = []
for policy, o in c.outcomes.items():
    for label in ("peak_strict", "peak_index", "peak_graded"):
        values = getattr(o, label, None)
        if values is None:
            continue
        for t in (0.5,):
            for w in np.flatnonzero(np.abs(np.asarray(values) - t) <= 1e-12):
                near.append([policy, label, int(w), float(values[w])])
# worlds whose paired difference lies within 1e-12 of the tie margin
for a in c.policies:
    for b in c.policies:
        if a < b:
            d = np.asarray(c.outcomes[a].peak_index) - np.asarray(c.outcomes[b].peak_index)
            for w in np.flatnonzero(np.abs(np.abs(d) - c.margin) <= 1e-12):
                near.append([a + " vs " + b, "difference", int(w), float(d[w])])
print(json.dumps({"result": c.to_dict(), "near": near}, allow_nan=True))
"""


def run(src: str, name: str, seed: int, worlds: int) -> dict:
    """One checkout's comparison of one scenario at one seed, and its worlds near a threshold."""
    env = dict(os.environ, PYTHONPATH=src)
    done = subprocess.run([sys.executable, "-c", _DUMP, name, str(seed), str(worlds)],
                          capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{src}: compare {name} --seed {seed} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def differences(a, b, path=""):
    """Paths where two JSON trees differ beyond the tolerance (floats) or at all (the rest)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                yield f"{path}/{k}", "missing on one side"
            else:
                yield from differences(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield path, f"lengths {len(a)} and {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        if not (a == b or (a != a and b != b) or abs(a - b) <= TOL):
            yield path, f"{a!r} against {b!r}"
    elif isinstance(a, str) and isinstance(b, str):
        if _VERSION.sub("polmodel VERSION", a) != _VERSION.sub("polmodel VERSION", b):
            yield path, f"{a!r} against {b!r}"  # the versions in provenance lines may differ
    elif a != b:
        yield path, f"{a!r} against {b!r}"


def main() -> int:
    """Compare the two checkouts on every scenario and case; 1 when they differ."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--worlds", type=int, default=1000)
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=args.new)
    names = subprocess.run(
        [sys.executable, "-c", "import polmodel.scenario.loading as s; "
         "print('\\n'.join([n for n in s.list_scenarios() if n != s.TEMPLATE] + s.list_cases()))"],
        capture_output=True, text=True, env=env, check=True).stdout.split()
    bad = 0
    for name in names:
        for seed in args.seeds:
            old, new = (run(src, name, seed, args.worlds) for src in (args.old, args.new))
            diffs = list(differences(old["result"], new["result"]))
            near = old["near"] + new["near"]
            status = "same" if not diffs else f"{len(diffs)} differences"
            print(f"{name} seed {seed}: {status}; worlds within {TOL:g} of a threshold: {len(near)}")
            for where, what in diffs[:10]:
                print(f"    {where}: {what}")
            for item in near:
                print("    near:", *item)
            bad += bool(diffs) and not near
    print("agree" if not bad else f"{bad} runs differ with no world near a threshold")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
