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
ROOM_APP = ("tests/test_room_app.py",)
ROOM_SESSION = ("tests/test_room_session.py",)
ROOM_FAST = ROOM_APP + ROOM_SESSION
FLOAT_TESTS = ("tests/test_float_step.py", "tests/test_one_world.py")
SENS_TESTS = ("tests/test_sensitivity_methods.py",)
ROUND_TESTS = ("tests/test_elicitation_rounds.py",)


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
    M("exp-sign-float", "model/float_step.py", "exp(k{i} * decay)", "exp(-k{i} * decay)",
      ("tests/test_closed_forms.py", "tests/test_model.py"),
      "exact step grows instead of decays (float path: the generated one-world step)"),
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
    M("worlds-unpaired", "model/integrator.py",
      "        return [simulate(initial, params, s, aggregator=aggregator",
      "        return [simulate(initial, {k: (v[::-1] if np.ndim(v) and s is not schedules[0] else v) "
      "for k, v in params.items()}, s, aggregator=aggregator", COMPARE_TESTS,
      "policies after the first run on other worlds (no common random numbers)"),
    M("pairwise-unpaired", "analysis/paired.py", "d = peaks[i] - peaks[j0 : j0 + block]",
      "d = peaks[i] - np.sort(peaks[j0 : j0 + block], axis=1)", COMPARE_TESTS,
      "pairwise shares from unpaired (sorted) peaks"),
    M("difference-unpaired", "analysis/comparison_result.py",
      "return self._peaks(a, scale) - self._peaks(b, scale)",
      "return self._peaks(a, scale) - np.sort(self._peaks(b, scale))", COMPARE_TESTS,
      "per-world differences from unpaired (sorted) peaks"),
    M("tie-margin-ignored", "analysis/comparison_result.py",
      "pairwise_statistics(peaks, self.margin + TIE)",
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
    # -- the live room: guard.py (cross-site, sizes, numbers, names, submissions) ---------------
    M("room-post-skips-cross-site", "room/live/guard.py",
      'if method in ("GET", "HEAD", "OPTIONS"):', 'if method in ("GET", "HEAD", "OPTIONS", "POST"):',
      ROOM_APP, "a POST is treated as safe: no JSON, origin or Sec-Fetch-Site check"),
    M("room-cross-site-fetch-allowed", "room/live/guard.py",
      'site not in ("same-origin", "none")', 'site not in ("same-origin", "same-site", "none", "cross-site")',
      ROOM_APP, "Sec-Fetch-Site: cross-site accepted"),
    M("room-origin-prefix", "room/live/guard.py",
      "if origin is not None and origin not in own_origins:",
      'if origin is not None and not origin.startswith("http://"):', ROOM_APP,
      "any http:// origin accepted, not only the room's own"),
    M("room-declared-length-x1024", "room/live/guard.py",
      "if int(length) > MAX_BODY:", "if int(length) > 1024 * MAX_BODY:", ROOM_APP,
      "a declared body of 10 MB read as far as the stream cap"),
    M("room-infinity-is-a-number", "room/live/guard.py", "if not math.isfinite(out):",
      "if math.isnan(out):", ROOM_APP, "an overflowing number (1e999 reads as inf) accepted"),
    M("room-bool-is-a-number", "room/live/guard.py",
      "if isinstance(value, bool) or not isinstance(value, (int, float)):",
      "if not isinstance(value, (int, float)):", ROOM_APP, "true read as the number 1"),
    M("room-formula-minus", "names.py", 'FORMULA_STARTS = "=+-@"', 'FORMULA_STARTS = "=+@"',
      ROOM_APP, "a name starting with '-' (a spreadsheet formula) accepted"),
    M("room-names-not-composed", "room/live/guard.py", 'unicodedata.normalize("NFC", check_name(',
      'unicodedata.normalize("NFD", check_name(', ROOM_APP,
      "names decomposed, not composed: 'José' typed two ways is two names... the wrong way"),
    M("room-request-id-prefix", "room/live/guard.py",
      "isinstance(request, str) and _REQUEST_ID.fullmatch(request)",
      "isinstance(request, str) and _REQUEST_ID.match(request)", ROOM_APP,
      "a request id only has to start well ('abcdefgh/../x' accepted)"),
    M("room-repeated-parameter", "room/live/guard.py", "        seen.add(name)\n", "", ROOM_APP,
      "one assumption estimated twice in one submission accepted"),
    M("room-unknown-estimate-field", "room/live/guard.py",
      'extra = sorted(set(item) - {"parameter", "low", "best", "high"})', "extra = []", ROOM_APP,
      "stray fields in an estimate ignored silently"),
    # -- store.py: request ids, latest estimates, durability, devices ---------------------------
    M("room-sync-normal", "room/live/store.py", 'execute("PRAGMA synchronous=FULL")',
      'execute("PRAGMA synchronous=NORMAL")', ROOM_SESSION,
      "commits not synced: an acknowledged estimate can be lost with the power"),
    M("room-folder-readable", "room/live/store.py", "mkdir(mode=0o700,", "mkdir(mode=0o755,",
      ROOM_SESSION, "the session folder (key, names) readable by everyone"),
    M("room-code-confusable", "room/live/store.py",
      'CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"',
      'CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"', ROOM_SESSION,
      "join codes with 0/O and 1/I/L"),
    M("room-retry-not-repeated", "room/live/store.py",
      "else Receipt(int(old[0]), True, int(old[1]), old[2])",
      "else Receipt(int(old[0]), False, int(old[1]), old[2])", ROOM_FAST,
      "a retried request answered as a new submission"),
    M("room-first-estimate-kept", "room/live/store.py", "latest[(r[0], r[1], r[2])] = r",
      "latest.setdefault((r[0], r[1], r[2]), r)", ROOM_FAST,
      "a participant's first estimate kept instead of the latest revision"),
    M("room-devices-earlier-rounds", "room/live/store.py",
      '"SELECT DISTINCT device FROM submissions WHERE round = ? AND participant = ? "',
      '"SELECT DISTINCT device FROM submissions WHERE round <= ? AND participant = ? "',
      ROOM_FAST, "a name's phones counted over every round so far: a new phone in round 2 refused"),
    # -- session.py: rounds, change(), submit, panel, pooled -----------------------------------
    M("room-closed-round-accepts", "room/live/session.py",
      "            if not self.round_open:\n                raise Refused(409, f\"round {self.round} is closed",
      "            if self.round > ROUNDS:\n                raise Refused(409, f\"round {self.round} is closed",
      ROOM_APP, "a closed round still takes estimates"),
    M("room-next-while-open", "room/live/session.py",
      "            if self.round_open:\n                raise Refused(409",
      "            if self.round_open and self.round > ROUNDS:\n                raise Refused(409",
      ROOM_APP, "the next round starts while the current one is open"),
    M("room-three-rounds", "room/live/session.py", "if self.round >= ROUNDS:",
      "if self.round > ROUNDS:", ROOM_APP, "a third round can be started"),
    M("room-next-keeps-reveal", "room/live/session.py",
      "round=self.round + 1, round_open=True, reveal=False", "round=self.round + 1, round_open=True",
      ROOM_FAST, "round 2 opens with round 1's pooled result still revealed"),
    M("room-request-id-any-sender", "room/live/session.py",
      "if receipt is not None and receipt.participant != sub.participant:",
      "if receipt is not None and receipt.participant is None:", ROOM_APP,
      "another participant's request id answered as their retry"),
    M("room-own-phone-refused", "room/live/session.py",
      "self.store.devices(self.round, sub.participant) - {sub.device}",
      "self.store.devices(self.round, sub.participant)", ROOM_APP,
      "a revision from the same phone told its name is taken"),
    M("room-reset-all-policies", "room/live/session.py", 's["levers"].pop(s["policy"], None)',
      's["levers"].clear()', ROOM_APP, "reset takes back every policy's moves, not the one's"),
    M("room-pair-may-repeat", "room/live/session.py", "\n                    and pair[0] != pair[1]):",
      "):", ROOM_APP, "a question of a policy against itself accepted"),
    M("room-open-any-slider", "room/live/session.py",
      'any(n not in s["sliders"] for n in names)', 'all(n not in s["sliders"] for n in names)',
      ROOM_APP, "a list opening one slider and an unknown name accepted"),
    M("room-pooled-key-without-levers", "room/live/session.py",
      "(tuple(rows), hide, self.settings.key())", "(tuple(rows), hide, self.settings.pair)",
      ROOM_APP, "the revealed pooled result kept when a lever or what-if moves"),
    M("room-panel-every-round", "room/live/session.py", "rows = self.estimates(self.round)",
      "rows = self.estimates()", ROOM_FAST, "round 2's panel and pooled result mix in round 1"),
    # -- picture.py, pooled.py, export.py -------------------------------------------------------
    M("room-outcomes-cached-by-name", "room/live/picture.py",
      "key = (wkey, schedule.tobytes(), schedule.shape, agg, sc.structure)",
      "key = (wkey, name, schedule.shape, agg, sc.structure)", ROOM_APP,
      "a moved policy's outcomes served from the cache of its old levers"),
    M("room-worlds-key-no-params", "room/live/picture.py",
      "for part in (sc.initial, sc.parameters) for k, u in part.items())",
      "for part in (sc.initial,) for k, u in part.items())", ROOM_APP,
      "a what-if on a parameter reuses the worlds drawn without it"),
    M("room-answer-names-swapped", "room/live/picture.py",
      "first, second = (a, b) if hi >= lo else (b, a)",
      "first, second = (a, b) if hi <= lo else (b, a)", ROOM_APP,
      "the verdict names the policy that wins fewer worlds"),
    M("room-answered-unescaped", "room/live/pooled.py", 'return f"<b>{html.escape(n)}</b>"',
      'return f"<b>{n}</b>"', ROOM_APP, "participants' names shown as markup on the projector"),
    M("room-pooled-keeps-what-ifs", "room/live/pooled.py",
      "fixed={k: v for k, v in s.fixed.items() if k not in by_param}", "fixed=dict(s.fixed)",
      ROOM_APP, "a what-if overrides the very estimates being pooled"),
    M("room-pooled-verdict-flipped", "room/live/pooled.py", 'if verdict["a"] != a:',
      'if verdict["a"] == a:', ROOM_APP,
      "the pooled sentence names the question's policies against the other one's numbers"),
    M("room-export-first-round", "room/live/export.py", "last = max(r.round for r in rows)",
      "last = min(r.round for r in rows)", ROOM_FAST, "the export pools round 1, not the latest"),
    # -- app.py: facilitator and participant checks, cookie, host, headers, static files -------
    M("room-cookie-readable", "room/live/app.py", "httponly=True", "httponly=False", ROOM_APP,
      "the facilitator cookie readable by a page's script"),
    M("room-cookie-lax", "room/live/app.py", 'samesite="strict"', 'samesite="lax"', ROOM_APP,
      "the facilitator cookie sent on top-level cross-site navigation"),
    M("room-token-unchecked", "room/live/app.py",
      'if request.method == "POST" and not same(request.headers.get(TOKEN_HEADER), token):',
      'if request.method == "PUT" and not same(request.headers.get(TOKEN_HEADER), token):',
      ROOM_APP, "facilitator actions without the page's token"),
    M("room-code-case-sensitive", "room/live/app.py", "same(code.strip().upper(), c)",
      "same(code.strip(), c)", ROOM_APP, "a join code typed in small letters refused"),
    M("room-wrong-codes-unlimited", "room/live/app.py", "            wrong.add(client)\n", "",
      ROOM_APP, "wrong join codes never counted: guessing is not slowed"),
    M("room-host-prefix", "room/live/app.py",
      'if host.rsplit(":", 1)[0].strip("[]").lower() not in allowed:',
      "if not any(host.lower().startswith(h) for h in allowed):", ROOM_APP,
      "any host name starting with an allowed one (localhost.attacker.example) accepted"),
    M("room-csp-inline-scripts", "room/live/app.py", "script-src 'self'; style-src",
      "script-src 'self' 'unsafe-inline'; style-src", ROOM_APP,
      "inline scripts allowed: a name that slipped through escaping would run"),
    M("room-script-served-as-text", "room/live/app.py",
      '"projector.js": "text/javascript; charset=utf-8"', '"projector.js": "text/plain; charset=utf-8"',
      ROOM_APP, "the projector's script served as text (nosniff: the browser will not run it)"),
    # -- names.py: the new refusals ------------------------------------------------------------
    M("names-format-chars-allowed", "names.py", '                or (kind == "Cf" and ch not in _JOINERS)):',
      '                or (kind == "Cf" and ch in _JOINERS)):', ROOM_APP + ("tests/test_hostile_inputs.py",),
      "invisible format characters accepted (and the joiners refused)"),
    M("names-blank-allowed", "names.py", "or ch in _HIDDEN or ch in _BLANK", "or ch in _HIDDEN",
      ROOM_APP + ("tests/test_hostile_inputs.py",), "names of blank-looking letters accepted"),
    M("names-combining-last", "names.py", "unicodedata.category(value[0]) in",
      "unicodedata.category(value[-1]) in", ROOM_APP + ("tests/test_hostile_inputs.py",),
      "the combining-mark check looks at the last character, not the first"),
    M("names-joiners-refused", "names.py", '_JOINERS = frozenset("\\u200c\\u200d")',
      "_JOINERS = frozenset()", ROOM_APP + ("tests/test_hostile_inputs.py",),
      "zero-width (non-)joiners, which Persian and Indic names need, refused"),
    # -- the one-world step generated from the equations (float_step.py, c_source.py) ----------
    M("sym-reflected-operands", "model/c_source.py",
      'f"{b} {op} {a}" if reverse else f"{a} {op} {b}"',
      'f"{a} {op} {b}" if reverse else f"{a} {op} {b}"', FLOAT_TESTS,
      "1.0 - x traced as x - 1.0 (reflected operators keep the wrong order)"),
    M("pysym-abs-dropped", "model/float_step.py", 'ABS = "abs({})"', 'ABS = "({})"', FLOAT_TESTS,
      "abs() written as a plain bracket: max(0, x) becomes x"),
    M("float-step-reassociated", "model/float_step.py", 'f"    k{i} = ({g} + {loss}) + eps"',
      'f"    k{i} = {g} + ({loss} + eps)"', FLOAT_TESTS,
      "the step's sum in another order: not rates() to the bit"),
    M("float-step-dt-sign", "model/integrator.py", "exp, eps, decay = math.exp, _EPS, -dt",
      "exp, eps, decay = math.exp, _EPS, dt", ("tests/test_one_world.py", "tests/test_model.py"),
      "the one-world path passes +dt as the decay"),
    # -- the batched Sobol' bootstrap ----------------------------------------------------------
    M("boot-counts-not-per-row", "analysis/sensitivity_methods.py",
      "(np.arange(rows)[:, None] * n + idx)", "(np.arange(rows)[:, None] + idx)", SENS_TESTS,
      "every resample's counts smeared across rows"),
    M("boot-var-uncentred", "analysis/sensitivity_methods.py",
      "var = (saa + sbb) / 2 - mean * mean", "var = (saa + sbb) / 2", SENS_TESTS,
      "variance not centred on the mean"),
    M("boot-total-unhalved", "analysis/sensitivity_methods.py",
      "total = 0.5 * ((counts @ apart) / n)", "total = ((counts @ apart) / n)", SENS_TESTS,
      "total order twice too large in every resample"),
    M("boot-first-centring-sign", "analysis/sensitivity_methods.py", "+ (mean * sa)[:, None])",
      "- (mean * sa)[:, None])", SENS_TESTS, "first order with the centring term's sign flipped"),
    # -- rounds in the estimates file and elicit -----------------------------------------------
    M("rounds-first-pooled", "room/estimates_file.py",
      "chosen = present[-1] if round is None else int(round)",
      "chosen = present[0] if round is None else int(round)", ROUND_TESTS,
      "the first round pooled by default, not the latest"),
    M("rounds-zero-read", "room/estimates_file.py", 'text.isdigit() and text.strip("0")',
      "text.isdigit()", ROUND_TESTS, "round 0 read from a file"),
    M("rounds-unlimited", "room/estimates_file.py",
      "len(text.lstrip(\"0\")) > len(str(MAX_ROUNDS)) or int(text) > MAX_ROUNDS",
      "False", ROUND_TESTS, "a round of 23 digits crashed the pooling"),
    M("formula-names-allowed", "names.py", "    return check_not_formula(value, what)\n",
      "    return value\n",
      ("tests/test_hostile_rest.py",), "a name starting with = reaches a CSV as a formula"),
    M("out-folder-controls-allowed", "views/outputs.py", "    if bad is not None:\n        raise",
      "    if False:\n        raise", ("tests/test_hostile_paths.py",),
      "an --out folder holding a control character created"),
    M("scenario-text-unchecked", "scenario/schema.py",
      "            return check_free_text(text, multiline=multiline, max_chars=max_chars)",
      "            return text", ("tests/test_hostile_inputs.py",),
      "an ESC or a bidi override in a scenario's title accepted"),
    M("csv-formula-cells", "views/csv_table.py", "    w.writerows(safe_row(r) for r in rows)",
      "    w.writerows(rows)", ("tests/test_csv_convention.py",),
      "a source starting with '=' written as a formula a spreadsheet runs"),
    M("verdict-first-listed-wins", "views/text.py", "(-(exact[i] - parts[i]), -exact[i], i)",
      "(-(exact[i] - parts[i]), i)", ("tests/test_shares_add_up.py",),
      "a verdict's half point goes to the share listed first: outputs disagree"),
    M("rounds-last-counted", "room/estimates_file.py", "last = max(present)",
      "last = len(present)", ROUND_TESTS, "'round 3 of 2' when a round is missing"),
    M("elicit-per-number-ignored", "room/elicitation.py",
      "if len(estimated) < 2 or not per_number:", "if len(estimated) < 2:",
      ("tests/test_room_session.py",), "per_number=False still re-runs each number"),
    M("elicit-edit-ignored", "room/elicitation.py", "            view = edit(view)\n",
      "            pass\n", ROOM_APP, "elicit's edit (the projector's lever moves) not applied"),
    # -- this session: the structure everywhere, the room's limits, words and numbers -------------
    M("sweep-structure-ignored", "analysis/sweep_answers.py",
      "run.evaluate(stacked, schedules, agg, sc.structure)",
      'run.evaluate(stacked, schedules, agg, "memo")', ("tests/test_sweeps.py",),
      "a sweep reads the memo's structure whatever the scenario says"),
    M("most-windows-memo", "analysis/questions.py",
      "structure=scenario.structure, executor=executor)", "executor=executor)",
      ("tests/test_sensitivity_scenario.py",), "the window question's policy read under the memo"),
    M("most-windows-own-structure", "analysis/questions.py",
      'read = under_structures(dict(zip(names, outs)), worlds, agg, "window")',
      "read = dict(zip(names, outs))", ("tests/test_sensitivity_scenario.py",),
      "with the structure sampled, windows read under the run's structure, not each world's"),
    M("handout-structure-ignored", "room/handout.py",
      'sc = replace(sc, structure=check_choice(structure, "structure", STRUCTURES))',
      'check_choice(structure, "structure", STRUCTURES)', ("tests/test_report.py",),
      "report --structure checked but not applied"),
    M("room-submissions-unlimited", "room/live/app.py",
      'limits = [(per_device, device, "this device")] if device else []', "limits = []",
      ROOM_APP, "no limit on one device's submissions"),
    M("decimal-reads-anything", "limits.py",
      "if not isinstance(text, str) or not _DECIMAL.fullmatch(text.strip()):",
      "if not isinstance(text, str):", ("tests/test_whatif.py", "tests/test_elicitation.py"),
      "'0.0_5' and other scripts' digits read as numbers"),
    M("verdict-bar-rounded-alone", "views/svg_charts.py",
      "h, lo, t = verdict_parts(higher, lower, tied)",
      "h, lo, t = pct(higher), pct(lower), pct(tied)",
      ("tests/test_shares_add_up.py",), "the verdict bar's shares rounded one by one"),
    M("empty-box-measured", "views/discovery_text.py",
      "empty = b is not None and b.mass == 0", "empty = False", ("tests/test_recurrence.py",),
      "a box no sampled world lies in reported as '0% of the worlds where'"),
    M("sweep-equal-span", "analysis/sweep_axes.py",
      'if "=" in text and len(np.unique(axis.grid)) == 1:', "if False:",
      ("tests/test_sweeps.py",), "a sweep from LOW to the same HIGH accepted"),
)

MIN_CAUGHT = 134
"""Mutations that must be caught for the trial to pass: all 134 were caught on 2026-12-02 (a
mutation added later raises this when its test catches it; one that escapes is a missing test)."""

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
