"""Mutation trial: the test suite must fail on deliberate bugs.

Applies, one at a time, single deliberate bugs to the source (a textual substitution in one
file, whose original text must occur there exactly once), runs the test files that should catch
it (``pytest -x -q``, with a timeout), restores the file (also on an error, Ctrl-C or SIGTERM),
and prints a table: mutation, file, caught or not, and by which test.

Usage (from a checkout; the package is imported from this checkout's ``src``)::

    python tools/mutation_trial.py                 # every mutation, after a clean baseline run
    python tools/mutation_trial.py --list          # the mutations, checked to apply, not run
    python tools/mutation_trial.py --only emigration-x1.5 exp-sign-vector
    python tools/mutation_trial.py --min-caught 29 --timeout 600
    python tools/mutation_trial.py --deselect tests/test_x.py::test_y   # a test failing for its own reasons

Exits 1 when fewer than ``--min-caught`` mutations are caught (default :data:`MIN_CAUGHT`), 2 when
the unmutated tests already fail or a mutation no longer applies.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "polmodel"
MODEL_TESTS = ("tests/test_closed_forms.py", "tests/test_second_edition.py", "tests/test_model.py",
               "tests/test_third_edition.py")
INDEX_TESTS = ("tests/test_conditions.py", "tests/test_model.py")
COMPARE_TESTS = ("tests/test_compare.py",)
RUN_INDEX_TESTS = ("tests/test_model.py::test_outcomes_of_many_worlds_summarise_their_trajectories",
                   "tests/test_conditions.py")


@dataclass(frozen=True)
class Mutation:
    """One deliberate bug: replace ``old`` (found exactly once in ``file``) with ``new``."""

    name: str
    file: str  # relative to src/polmodel
    old: str
    new: str
    tests: tuple[str, ...]
    what: str


M = Mutation
MUTATIONS: tuple[Mutation, ...] = (
    # -- rates halved, doubled or scaled (sizes of mechanisms) -----------------------------------
    M("emigration-x1.5", "model/equations.py", '"emigration_rate": p["emigration_rate"],',
      '"emigration_rate": 1.5 * p["emigration_rate"],', MODEL_TESTS,
      "emigration rate 1.5 times too large"),
    M("return-half", "model/equations.py", '"return_rate": p["return_rate"],',
      '"return_rate": 0.5 * p["return_rate"],', MODEL_TESTS, "return rate halved"),
    M("drift-x2", "model/equations.py", '"drift": p["drift"],', '"drift": 2.0 * p["drift"],',
      MODEL_TESTS, "crisis drift doubled"),
    M("officer-exit-half", "model/equations.py", '"officer_exit": p["officer_exit"] * negotiation',
      '"officer_exit": 0.5 * p["officer_exit"] * negotiation', MODEL_TESTS,
      "officer exits halved"),
    M("exposure-decay-x1.5", "model/equations.py", '"exposure_decay": p["exposure_decay"],',
      '"exposure_decay": 1.5 * p["exposure_decay"],', MODEL_TESTS, "exposure decay 1.5 times"),
    M("indictments-wrong-lever", "model/equations.py", 'p["indictment_rate"] * targeted',
      'p["indictment_rate"] * broad', MODEL_TESTS, "indictments driven by broad sanctions"),
    M("emigration-ignores-crisis", "model/equations.py",
      'c["emigration_rate"] * crisis * pool),',
      'c["emigration_rate"] * pool),', MODEL_TESTS,
      "emigration regardless of the crisis"),
    M("sanctions-and-not-or", "model/equations.py",
      "sanctions = 1.0 - (1.0 - targeted) * (1.0 - broad)", "sanctions = targeted * broad",
      MODEL_TESTS, "sanctions intensity a fuzzy AND instead of OR"),
    # -- sign flips of terms -------------------------------------------------------------------
    M("sign-officer-exit", "model/equations.py", '("officer_exit", S, LOSS,',
      '("officer_exit", S, GAIN,', MODEL_TESTS, "officer exits raise security"),
    M("sign-rent-loyalty", "model/equations.py", '("rent_loyalty", F, LOSS,',
      '("rent_loyalty", F, GAIN,', MODEL_TESTS, "rents split the coalition"),
    M("sign-repression", "model/equations.py", '("repression", H, LOSS,',
      '("repression", H, GAIN,', MODEL_TESTS, "repression raises the challenger"),
    M("sign-grievance", "model/equations.py", '("grievance", H, GAIN,',
      '("grievance", H, LOSS,', MODEL_TESTS, "grievance lowers the challenger"),
    M("sign-return", "model/equations.py", '("return_rate", EXODUS, LOSS,',
      '("return_rate", EXODUS, GAIN,', MODEL_TESTS, "returns raise the exodus"),
    M("backfire-below-threshold", "model/equations.py",
      "mobilized = (above + abs(above)) * 0.5", "mobilized = abs(above)", MODEL_TESTS,
      "repression backfires below the mobilization threshold too"),
    # -- the third edition (issue 15): counter-mechanisms, persistence, backfire ---------------
    M("agent-rally-half", "model/equations.py", '"agent_rally": p["agent_rally"] * support',
      '"agent_rally": 0.5 * p["agent_rally"] * support', MODEL_TESTS,
      "the 'foreign agent' rally halved"),
    M("crackdown-without-forces", "model/equations.py",
      'c["support_backlash"] * repress)', 'c["support_backlash"])', MODEL_TESTS,
      "the crackdown on supported challengers needs no loyal forces or cohesive coalition"),
    M("aid-capture-sign", "model/equations.py", '("aid_capture", RENTS, GAIN,',
      '("aid_capture", RENTS, LOSS,', MODEL_TESTS, "captured aid lowers rents"),
    M("aid-civil-wrong-lever", "model/equations.py", '"aid_civil": p["aid_civil"] * aid',
      '"aid_civil": p["aid_civil"] * support', MODEL_TESTS,
      "civil society sustained by outside support instead of aid"),
    M("relief-offer-without-talks", "model/equations.py",
      '"dialogue_unity": p["dialogue_unity"] * negotiation * unites',
      '"dialogue_unity": p["dialogue_unity"] * (negotiation + relief - negotiation * relief) * unites',
      MODEL_TESTS, "relief tied to talks unites the challengers without a negotiation"),
    M("linkage-without-relief", "model/equations.py",
      '* p["engagement_linkage"] * relief', '* p["engagement_linkage"]', MODEL_TESTS,
      "engagement restores linkage without any relief"),
    M("crossover-flipped", "model/equations.py", "above, below = offer - kappa, kappa - offer",
      "above, below = kappa - offer, offer - kappa", MODEL_TESTS,
      "dialogue unites below the crossover and divides above it"),
    M("crossover-unscaled", "model/equations.py",
      "unites = (above + abs(above)) * 0.5 / (1.0 - kappa + 1e-12)",
      "unites = (above + abs(above)) * 0.5", MODEL_TESTS,
      "a full offer unites at less than the full dialogue_unity rate"),
    M("personalism-weight-dropped", "model/equations.py",
      '"rent_loyalty": p["rent_loyalty"] * (0.5 + p["personalism"])',
      '"rent_loyalty": p["rent_loyalty"]', MODEL_TESTS, "rent loyalty ignores personalism"),
    M("ties-sign", "model/equations.py", '("ties_loyalty", S, GAIN,', '("ties_loyalty", S, LOSS,',
      MODEL_TESTS, "ties other than pay erode the security forces"),
    M("distance-on-ties", "model/equations.py",
      '"corporate_distance": p["corporate_distance"] * (1.0 - p["security_ties"])',
      '"corporate_distance": p["corporate_distance"] * p["security_ties"]', MODEL_TESTS,
      "patrimonial forces keep the professional distance"),
    M("rent-base-without-resources", "model/equations.py",
      '"rent_base": p["rent_base"] * p["resource_base"]', '"rent_base": p["rent_base"]',
      MODEL_TESTS, "rents replenished whatever the country's resource base"),
    M("production-loss-ignores-crisis", "model/equations.py",
      'c["production_loss"] * crisis)', 'c["production_loss"])', MODEL_TESTS,
      "production lost at the same rate in any crisis"),
    M("enforcement-exposure-half", "model/equations.py",
      '"enforcement_exposure": p["enforcement_exposure"] * enforcement',
      '"enforcement_exposure": 0.5 * p["enforcement_exposure"] * enforcement', MODEL_TESTS,
      "enforcement's lock-in halved"),
    M("referral-raw-coordination", "model/equations.py",
      '"referral_exposure": p["referral_exposure"] * coord',
      '"referral_exposure": p["referral_exposure"] * coordination', MODEL_TESTS,
      "court referrals undamped by regional dependence or a threat of force"),
    M("exodus-no-ceiling", "model/equations.py",
      'c["emigration_rate"] * crisis * (1.0 - pool)),',
      '0.0 * crisis),', MODEL_TESTS, "emigration from an unbounded pool"),
    M("repression-full-when-mobilized", "model/equations.py",
      'c["repression"] * repress * (1.0 - mobilized)', 'c["repression"] * repress', MODEL_TESTS,
      "repression keeps its full effect past the mobilization threshold"),
    M("backfire-not-a-ratio", "model/equations.py",
      '"backfire": p["backfire"] * p["repression"]', '"backfire": p["backfire"]', MODEL_TESTS,
      "backfire a rate of its own, not a ratio to repression"),
    M("mobilized-unscaled", "model/equations.py",
      'mobilized = (above + abs(above)) * 0.5 / (1.0 - c["backfire_threshold"])',
      "mobilized = (above + abs(above)) * 0.5", MODEL_TESTS,
      "mobilization measured from the threshold, not as a share of the way to full"),
    # -- the gate in rates() -------------------------------------------------------------------
    M("gate-inverted", "model/equations.py", "gains[i] = gains[i] * (1.0 - values[j])",
      "gains[i] = gains[i] * values[j]", MODEL_TESTS, "the gate passes what it should hold"),
    M("gate-off", "model/equations.py", "gains[i] = gains[i] * (1.0 - values[j])",
      "gains[i] = gains[i] * (1.0 - 0.0 * values[j])", MODEL_TESTS,
      "the gate holds nothing back"),
    # -- the exact step ------------------------------------------------------------------------
    M("exp-sign-vector", "model/integrator.py", "L *= -dt", "L *= dt",
      ("tests/test_closed_forms.py", "tests/test_model.py"),
      "exact step grows instead of decays (numpy path)"),
    M("exp-sign-float", "model/integrator.py", "exp(k * decay)", "exp(-k * decay)",
      ("tests/test_closed_forms.py", "tests/test_model.py"),
      "exact step grows instead of decays (float path)"),
    M("step-epsilon", "model/integrator.py", "L += _EPS", "L += 1e-3",
      ("tests/test_closed_forms.py", "tests/test_model.py"),
      "x_eq = g / (g + l + 1e-3): a regulariser the size of a rate (numpy path)"),
    # -- the opening index: min, product, geometric, the crossover -----------------------------
    M("index-min-3", "model/states.py", "np.minimum(np.minimum(c, f), np.minimum(h, p))",
      "np.minimum(np.minimum(c, f), h)", INDEX_TESTS, "min ignores pressure"),
    M("index-product-3", "model/states.py", '"product": lambda c, f, h, p: c * f * h * p,',
      '"product": lambda c, f, h, p: c * f * h,', INDEX_TESTS, "product ignores pressure"),
    M("index-geometric-sqrt", "model/states.py", "np.sqrt(np.sqrt(c * f * h * p))",
      "np.sqrt(c * f * h * p)", INDEX_TESTS, "geometric mean with the square root"),
    M("crossover-0.45", "model/states.py", "CROSSOVER = 0.5", "CROSSOVER = 0.45",
      INDEX_TESTS + COMPARE_TESTS, "the fsQCA crossover moved to 0.45"),
    M("window-any", "model/states.py", "> CROSSOVER).all(axis=-1)", "> CROSSOVER).any(axis=-1)",
      INDEX_TESTS, "a window when any condition is present"),
    M("run-min-3", "model/readings.py", 'self.strict.append(self._fold("min", term_slots))',
      'self.strict.append(self._fold("min", term_slots[:-1]))', RUN_INDEX_TESTS,
      "a run's strict index forgets the last term of each structure (pressure, in the memo's)"),
    M("run-graded-sqrt", "model/readings.py",
      "return np.sqrt(np.sqrt(v, out=out), out=out)",
      "return np.sqrt(v, out=out)", RUN_INDEX_TESTS,
      "the run's geometric index is a square root (numpy path)"),
    # -- the comparison: common random numbers, the tie margin ---------------------------------
    M("worlds-unpaired", "analysis/worlds.py",
      "simulate(initial, params, levers, aggregator",
      "simulate(initial, {k: (v[::-1] if np.ndim(v) and levers is not schedules[0] else v) "
      "for k, v in params.items()}, levers, aggregator", COMPARE_TESTS,
      "policies after the first run on other worlds (no common random numbers)"),
    M("pairwise-unpaired", "analysis/paired.py", "d = peaks[i] - peaks[j0 : j0 + block]",
      "d = peaks[i] - np.sort(peaks[j0 : j0 + block], axis=1)", COMPARE_TESTS,
      "pairwise shares from unpaired (sorted) peaks"),
    M("difference-unpaired", "analysis/comparison.py",
      "return self._peaks(a, scale) - self._peaks(b, scale)",
      "return self._peaks(a, scale) - np.sort(self._peaks(b, scale))", COMPARE_TESTS,
      "per-world differences from unpaired (sorted) peaks"),
    M("tie-margin-ignored", "analysis/comparison.py", "pairwise_statistics(peaks, self.margin + TIE)",
      "pairwise_statistics(peaks, TIE)", COMPARE_TESTS, "the scenario's tie margin ignored"),
    M("tie-margin-doubled", "analysis/paired.py", "tied[i, js] = tied[js, i] = (np.abs(d) <= margin)",
      "tied[i, js] = tied[js, i] = (np.abs(d) <= 2 * margin)", COMPARE_TESTS,
      "ties counted with twice the margin"),
    # -- PRIM ----------------------------------------------------------------------------------
    M("prim-densest-box", "analysis/prim.py",
      "chosen = int(np.argmax(_score(coverage, density, share, min_coverage)))",
      "chosen = int(np.argmax(density))", ("tests/test_discovery.py",),
      "choose the densest box instead of the documented rule"),
    M("prim-peel-worst", "analysis/prim.py", "best = int(np.lexsort((-count, -score))[0])",
      "best = int(np.lexsort((-count, score))[0])", ("tests/test_discovery.py",),
      "peel the cut leaving the lowest density"),
    M("prim-no-paste", "analysis/prim.py", "if td > best_dens:", "if td > best_dens + 1.0:",
      ("tests/test_discovery.py",), "pasting never widens"),
    M("prim-score-coverage", "analysis/prim.py",
      "return np.where(coverage >= min_coverage, coverage * lift, -np.inf)",
      "return np.where(coverage >= min_coverage, coverage + lift, -np.inf)",
      ("tests/test_discovery.py",), "score coverage plus lift, not coverage times lift"),
    # -- the opinion pool ----------------------------------------------------------------------
    M("pool-unequal-weights", "room/opinion_pool.py",
      "return pert_cdf(x[..., None], lo, mo, hi).mean(axis=-1)",
      "return np.average(pert_cdf(x[..., None], lo, mo, hi), axis=-1, "
      "weights=np.arange(1.0, len(rows) + 1))", ("tests/test_elicitation.py",),
      "participants weighted by their position"),
    M("pool-logarithmic", "room/opinion_pool.py",
      "return pert_cdf(x[..., None], lo, mo, hi).mean(axis=-1)",
      "return pert_cdf(x[..., None], lo, mo, hi).prod(axis=-1) ** (1.0 / len(rows))",
      ("tests/test_elicitation.py",), "a geometric pool of the CDFs instead of the linear pool"),
    # -- sensitivity ---------------------------------------------------------------------------
    M("morris-mu", "analysis/sensitivity_methods.py", 'mu_star = np.asarray(si["mu_star"], float)',
      'mu_star = np.asarray(si["mu"], float)', ("tests/test_sensitivity_methods.py",),
      "Morris reports mu instead of mu*"),
    M("sobol-total-first-swapped", "analysis/sensitivity_methods.py",
      "first, total = np.atleast_1d(res.first_order), np.atleast_1d(res.total_order)",
      "total, first = np.atleast_1d(res.first_order), np.atleast_1d(res.total_order)",
      ("tests/test_sensitivity_methods.py",), "Sobol' first and total order swapped"),
    M("sobol-total-is-first", "analysis/sensitivity_methods.py",
      "first, total = np.atleast_1d(res.first_order), np.atleast_1d(res.total_order)",
      "first, total = np.atleast_1d(res.first_order), np.atleast_1d(res.first_order)",
      ("tests/test_sensitivity_methods.py",), "Sobol' total order reported as the first order"),
)

MIN_CAUGHT = len(MUTATIONS) - 2
"""Mutations that must be caught for the trial to pass (all were caught when each was added: two
may escape a later change of the suite before it fails)."""

# ---------------------------------------------------------------------------------------------


class _Restorer:
    """Holds the original text of the file under mutation; puts it back on any way out."""

    def __init__(self):
        self.path: Path | None = None
        self.original: bytes | None = None

    def mutate(self, path: Path, old: str, new: str) -> None:
        original = path.read_bytes()
        text = original.decode("utf-8")
        count = text.count(old)
        if count != 1:
            raise ValueError(f"{path.relative_to(ROOT)}: the text to mutate occurs {count} times, "
                             f"not once: {old!r}")
        self.path, self.original = path, original
        path.write_bytes(text.replace(old, new).encode("utf-8"))

    def restore(self) -> None:
        if self.path is not None and self.original is not None:
            self.path.write_bytes(self.original)
        self.path = self.original = None


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no stale bytecode of a mutant survives it
    return env


def _pytest(tests, timeout: float, deselect=()) -> tuple[str, str]:
    """Run the tests; (status, detail): status 'pass', 'fail' or 'timeout'."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-W",
           "ignore::DeprecationWarning", *tests, *(f"--deselect={d}" for d in deselect)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", f"timeout after {timeout:.0f} s"
    if proc.returncode == 0:
        return "pass", ""
    out = proc.stdout + proc.stderr
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, flags=re.M)
    if failed:
        return "fail", failed[0]
    tail = [line for line in out.splitlines() if line.strip()][-1:] or [f"exit {proc.returncode}"]
    return "fail", tail[0][:80]


def _check_applies(mutations) -> list[str]:
    problems = []
    for m in mutations:
        path = PACKAGE / m.file
        count = path.read_text(encoding="utf-8").count(m.old) if path.exists() else -1
        if count != 1:
            problems.append(f"{m.name}: {m.file} holds the text {count} times, not once")
    return problems


def main(argv=None) -> int:
    """Run the trial; the exit status says whether enough mutations were caught."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names of the mutations to run")
    parser.add_argument("--min-caught", type=int, default=None,
                        help=f"fail below this many caught (default {MIN_CAUGHT}, or all with --only)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per test run")
    parser.add_argument("--list", action="store_true", help="list the mutations and check they apply")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run of the unmutated tests")
    parser.add_argument("--deselect", action="append", default=[], metavar="NODEID",
                        help="leave out a test that fails unmutated for reasons of its own (it "
                             "would otherwise 'catch' every mutation of its file); repeatable")
    args = parser.parse_args(argv)

    mutations = [m for m in MUTATIONS if not args.only or m.name in args.only]
    unknown = set(args.only or ()) - {m.name for m in MUTATIONS}
    if unknown:
        print(f"unknown mutations: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    problems = _check_applies(mutations)
    if args.list or problems:
        for m in mutations:
            print(f"{m.name:31} {m.file:32} {m.what}")
        for p in problems:
            print("DOES NOT APPLY:", p, file=sys.stderr)
        return 2 if problems else 0

    if not args.no_baseline:
        files = sorted({t for m in mutations for t in m.tests})
        status, detail = _pytest(files, args.timeout * 2, args.deselect)
        if status != "pass":
            print(f"the unmutated tests do not pass ({status}: {detail}); fix them first",
                  file=sys.stderr)
            return 2
        print(f"baseline: {len(files)} test files pass unmutated", flush=True)

    restorer = _Restorer()

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    rows = []
    header = f"{'#':>2}  {'mutation':31} {'file':32} {'caught':7} {'by':s}"
    print(header)
    print("-" * len(header.expandtabs()) + "-" * 40, flush=True)
    try:
        for k, m in enumerate(mutations, 1):
            start = time.monotonic()
            try:
                restorer.mutate(PACKAGE / m.file, m.old, m.new)
                status, detail = _pytest(m.tests, args.timeout, args.deselect)
            finally:
                restorer.restore()
            caught = status != "pass"
            by = detail if caught else f"ESCAPED ({m.what})"
            rows.append((m, caught, by))
            print(f"{k:>2}  {m.name:31} {m.file:32} {'yes' if caught else 'NO':7} {by}"
                  f"  [{time.monotonic() - start:.0f} s]", flush=True)
    except KeyboardInterrupt:
        print("interrupted: the source is restored", file=sys.stderr)
        return 130
    finally:
        restorer.restore()
        signal.signal(signal.SIGTERM, previous)

    n_caught = sum(caught for _, caught, _ in rows)
    need = args.min_caught if args.min_caught is not None else (
        len(rows) if args.only else MIN_CAUGHT)
    print(f"\ncaught {n_caught} of {len(rows)} mutations (required: {need})")
    for m, caught, _ in rows:
        if not caught:
            print(f"  escaped: {m.name}: {m.what}")
    return 0 if n_caught >= need else 1


if __name__ == "__main__":
    sys.exit(main())
