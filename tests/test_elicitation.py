"""Participants' estimates: reading, the linear opinion pool, the pooled scenario, the CLI."""

import io
import tomllib

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

import polmodel
from polmodel.analysis.comparison import Comparison, compare
from polmodel.analysis.worlds import PolicyOutcomes, sample_worlds
from polmodel.cli import main
from polmodel.errors import PolmodelError
from polmodel.model.readings import MARKS
from polmodel.model.states import CONDITIONS, STATES
from polmodel.model.structures import STRUCTURES
from polmodel.room.elicitation import (
    COLUMNS,
    QUANTILE_POINTS,
    Elicitation,
    EstimateRow,
    elicit,
    estimable,
    parse_estimates,
    pert_cdf,
    pooled_cdf,
    pooled_quantiles,
    template,
)
from polmodel.scenario.loading import load_scenario
from polmodel.scenario.schema import CONTEXT_NAMES

SCENARIO = load_scenario("venezuela-2018")
GRID_STEP = 1 / 4096  # of the pooled range: the resolution of the inverted CDF


def row(who, name, low, best, high):
    return EstimateRow(who, name, low, best, high)


def context(i=0):
    return CONTEXT_NAMES[i]


def pert_frozen(r):
    """The same PERT from scipy.stats (an independent implementation of the Beta CDF)."""
    w = r.high - r.low
    return stats.beta(1 + 4 * (r.best - r.low) / w, 1 + 4 * (r.high - r.best) / w, loc=r.low, scale=w)


# ---- the pool ------------------------------------------------------------------------------------


def test_a_pool_of_identical_participants_is_that_participant():
    one = row("A", context(), 0.2, 0.3, 0.7)
    many = [row(w, context(), 0.2, 0.3, 0.7) for w in "ABCDE"]
    assert np.allclose(pooled_quantiles(many), pooled_quantiles([one]), atol=1e-12)
    x = np.linspace(0, 1, 101)
    assert np.allclose(pooled_cdf(x, many), pert_frozen(one).cdf(x), atol=1e-12)


ROWS = [row("A", context(), 0.1, 0.2, 0.5), row("B", context(), 0.3, 0.6, 0.9),
        row("C", context(), 0.05, 0.5, 0.55)]
GAP = [row("A", context(), 0.0, 0.1, 0.2), row("B", context(), 0.6, 0.7, 0.8)]


@pytest.mark.parametrize("rows", [ROWS, GAP], ids=["overlapping", "disjoint"])
def test_the_pooled_cdf_is_the_average_of_the_participants_and_monotone(rows):
    x = np.linspace(-0.1, 1.1, 2001)
    expected = np.mean([pert_frozen(r).cdf(x) for r in rows], axis=0)
    got = pooled_cdf(x, rows)
    assert np.allclose(got, expected, atol=1e-12)
    assert np.all(np.diff(got) >= 0)
    assert got[0] == 0 and got[-1] == 1


@pytest.mark.parametrize("rows", [ROWS, GAP], ids=["overlapping", "disjoint"])
def test_pooled_quantiles_invert_the_pooled_cdf(rows):
    q = pooled_quantiles(rows)
    shares = np.linspace(0, 1, QUANTILE_POINTS)
    assert len(q) == QUANTILE_POINTS
    assert np.all(np.diff(q) >= 0)
    assert q[0] == min(r.low for r in rows) and q[-1] == max(r.high for r in rows)
    width = q[-1] - q[0]
    # F(Q(p)) = p wherever F is continuous (always, for PERTs), up to the grid's resolution:
    # Q inverts the linear interpolant of F between grid points h = GRID_STEP * width apart,
    # which is off F by at most h^2 / 8 * max|F''| (max|F''| from second differences on a grid
    # 4 times finer, doubled for that estimate). About 1e-5 here, against the 0.01 that a pool
    # read off the wrong grid or averaged with the wrong weights would also pass.
    fine = np.linspace(q[0], q[-1], 4 * 4096 + 1)
    curvature = np.abs(np.diff(pooled_cdf(fine, rows), 2)).max() / (fine[1] - fine[0]) ** 2
    bound = 2 * (GRID_STEP * width) ** 2 / 8 * curvature
    assert bound < 1e-4
    assert np.allclose(pooled_cdf(q, rows), shares, rtol=0, atol=bound)
    # Q(p) is the smallest x with F(x) >= p: just below it, F is below p.
    inner = slice(1, -1)
    below = pooled_cdf(q[inner] - 2 * GRID_STEP * width, rows)
    assert np.all(below <= shares[inner] + 1e-9)


def test_the_pooled_mean_is_the_mean_of_the_participants_means():
    # A linear pool's mean is the average of the components' means; a PERT's is (a + 4m + b) / 6.
    shares = np.linspace(0, 1, 20001)
    q = pooled_quantiles(ROWS, shares)
    mean = np.trapezoid(q, shares)
    expected = np.mean([(r.low + 4 * r.best + r.high) / 6 for r in ROWS])
    assert mean == pytest.approx(expected, abs=1e-4)


def test_a_symmetric_estimate_has_its_best_value_as_median():
    r = row("A", context(), 0.2, 0.45, 0.7)
    assert pooled_quantiles([r], [0.5])[0] == pytest.approx(0.45, abs=GRID_STEP)
    assert float(pert_cdf(0.45, 0.2, 0.45, 0.7)) == pytest.approx(0.5)


def test_between_two_disjoint_estimates_the_median_is_where_the_lower_ends():
    # F is flat at 1/2 over the gap (0.2, 0.6); the generalized inverse takes its left end.
    assert pooled_quantiles(GAP, [0.5])[0] == pytest.approx(0.2, abs=0.8 * GRID_STEP)


# ---- the pooled scenario ----------------------------------------------------------------------


def estimates_for(names):
    """Two participants per name, each a different PERT inside the scenario's limits."""
    out = []
    for name in names:
        hi = 1.0 if name.startswith("initial.") else min(estimable()[name], 1.0)
        out += [row("ana", name, 0.1 * hi, 0.3 * hi, 0.6 * hi), row("bo", name, 0.4 * hi, 0.8 * hi, 0.9 * hi)]
    return out


NAMES = [f"initial.{STATES[1]}", CONTEXT_NAMES[0], next(iter(SCENARIO.parameters))]


@pytest.fixture(scope="module")
def pooled():
    return elicit(estimates_for(NAMES), SCENARIO, worlds=256, seed=3, policies=list(SCENARIO.policies)[:3])


def uncertain(sc, name):
    return sc.initial[name.removeprefix("initial.")] if name.startswith("initial.") else sc.parameters[name]


def test_the_pooled_scenario_samples_the_pooled_distribution(pooled, tmp_path):
    path = tmp_path / "pooled.toml"
    path.write_text(pooled.pooled_toml, encoding="utf-8")
    sc = load_scenario(path)
    rows = estimates_for(NAMES)
    for name in NAMES:
        u = uncertain(sc, name)
        mine = [r for r in rows if r.parameter == name]
        assert np.allclose(u.quantiles, pooled_quantiles(mine), rtol=1e-5, atol=1e-9)
        assert u.value == pytest.approx(pooled_quantiles(mine, [0.5])[0], rel=1e-5)
        assert "ana" in u.source and "bo" in u.source
    # Everything nobody estimated is the base scenario's, unchanged.
    for name, u in SCENARIO.parameters.items():
        if name not in NAMES:
            assert sc.parameters[name] == u
    assert dict(sc.policies) == dict(SCENARIO.policies)
    # A Latin hypercube through a monotone quantile function keeps one world per stratum, so
    # the share of worlds below each tabulated quantile is within 1/n of its share.
    n = 1000
    w = sample_worlds(sc, n, seed=5)
    for name in NAMES:
        q = np.array(uncertain(sc, name).quantiles)
        col = w.values[:, w.names.index(name)]
        shares = np.linspace(0, 1, len(q))
        below = np.array([(col <= v).mean() for v in q])
        assert np.all(np.abs(below - shares) <= 1 / n + 1e-9)


def test_the_pooled_comparison_is_that_of_the_written_scenario(pooled, tmp_path):
    path = tmp_path / "pooled.toml"
    path.write_text(pooled.pooled_toml, encoding="utf-8")
    c = pooled.comparisons["pooled"]
    again = compare(load_scenario(path), c.policies, worlds=c.n_worlds, seed=c.worlds.seed)
    for name in c.policies:
        assert np.array_equal(again.outcomes[name].peak_index, c.outcomes[name].peak_index)


def test_a_participants_view_uses_only_their_own_estimates(pooled):
    c = pooled.comparisons["ana"]
    for name in NAMES:
        col = c.worlds.values[:, c.worlds.names.index(name)]
        ana = next(r for r in estimates_for(NAMES) if r.participant == "ana" and r.parameter == name)
        assert col.min() >= ana.low - 1e-9 and col.max() <= ana.high + 1e-9


def test_identical_participants_agree_on_every_verdict():
    rows = [row(w, n, 0.1, 0.3, 0.6) for w in ("x", "y") for n in NAMES[:2]]
    e = elicit(rows, SCENARIO, worlds=128, seed=1, policies=list(SCENARIO.policies)[:3])
    for v in e.verdicts:
        assert v["lowest"] == v["highest"] == v["pooled"]
        assert not v["split"]
    assert all(d["spread"] == 0 for d in e.disagreement)


def test_disagreement_is_the_spread_of_medians_over_the_pooled_range():
    # Symmetric PERTs have their best value as median: spread = (0.6 - 0.2) / (0.8 - 0.0).
    rows = [row("A", context(), 0.0, 0.2, 0.4), row("B", context(), 0.4, 0.6, 0.8),
            row("A", context(1), 0.3, 0.5, 0.7), row("B", context(1), 0.3, 0.5, 0.7)]
    e = Elicitation("s", "t", tuple(rows), "", {})
    first, second = e.disagreement
    assert first["parameter"] == context() and first["spread"] == pytest.approx(0.5, abs=1e-3)
    assert second["spread"] == pytest.approx(0.0, abs=1e-9)


def comparison_with_peaks(peaks: dict) -> Comparison:
    n = len(next(iter(peaks.values())))
    z = np.zeros(n)
    w = sample_worlds(SCENARIO, n, seed=0)
    outs = {p: PolicyOutcomes(peak_index=np.asarray(v, float), peak_strict=np.asarray(v, float),
                              peak_graded=np.asarray(v, float), months_open=z.astype(int),
                              first_window=z + np.nan, bottleneck=z.astype(np.int8), crisis_months=z,
                              exodus=z, condition_mean=np.zeros((n, len(CONDITIONS))),
                              at_peak=np.zeros((n, len(CONDITIONS))),
                              condition_peak=np.zeros((n, len(CONDITIONS))),
                              readings=np.zeros((n, len(STRUCTURES), 2)),
                              marks=np.zeros((n, len(MARKS), 2)))
            for p, v in peaks.items()}
    return Comparison(SCENARIO.name, "t", next(iter(peaks)), 36, "min", w, outs)


def test_verdicts_report_the_spread_and_a_split_across_participants():
    # ann: p higher than q in 3 of 4 worlds; ben: in 1 of 4. Pooled: 2 of 4. Every difference
    # is 0.2 or more, beyond the comparison's tie margin.
    ann = comparison_with_peaks({"p": [0.5, 0.5, 0.5, 0.1], "q": [0.2, 0.2, 0.2, 0.3]})
    ben = comparison_with_peaks({"p": [0.5, 0.1, 0.1, 0.1], "q": [0.2, 0.3, 0.3, 0.3]})
    pooled = comparison_with_peaks({"p": [0.5, 0.5, 0.1, 0.1], "q": [0.2, 0.2, 0.3, 0.3]})
    rows = (row("ann", context(), 0, 0.5, 1), row("ben", context(), 0, 0.5, 1))
    e = Elicitation("s", "t", rows, "", {"pooled": pooled, "ann": ann, "ben": ben})
    (v,) = e.verdicts
    assert (v["a"], v["b"]) == ("p", "q")
    assert v["participants"] == {"ann": 0.75, "ben": 0.25}
    assert (v["lowest"], v["highest"], v["pooled"]) == (0.25, 0.75, 0.5)
    assert v["split"]
    assert "split" in e.summary()


def test_the_result_displays_and_exports(pooled):
    text = pooled.summary()
    assert polmodel.views.text.CAVEAT in " ".join(text.split()) and "participants 2" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "probabilit" not in text.lower()
    assert "<table>" in pooled._repr_html_()
    assert len(repr(pooled)) < 200
    frame = pooled.to_frame()
    assert list(frame.columns) == ["policy_a", "policy_b", "estimates", "share_a_higher",
                                   "share_b_higher", "share_tied", "side"]
    assert set(frame["estimates"]) == {"pooled", "ana", "bo"}
    assert np.allclose(frame[["share_a_higher", "share_b_higher", "share_tied"]].sum(axis=1), 1,
                       atol=1e-5)
    d = pooled.to_dict()
    assert d["participants"] == ["ana", "bo"]
    import json

    json.dumps(d, allow_nan=False)
    from polmodel.model.labels import label

    top = pooled.disagreement[0]["parameter"]
    assert " ".join(pooled.plot().get_xlabel().split()).startswith(label(top, with_id=True))
    from polmodel.room.elicitation_report import tables

    assert tables(pooled)[0][2][0][0] == label(top, with_id=True)  # the terminal's table too


# ---- reading and the CLI ------------------------------------------------------------------------

HEADER = ",".join(COLUMNS)
GOOD = f"A,{CONTEXT_NAMES[0]},0.2,0.4,0.6"
BAD_ROWS = {
    "unknown parameter": ("A,no_such_number,0.1,0.2,0.3", ["unknown parameter 'no_such_number'",
                                                           f"allowed: {next(iter(estimable()))}"]),
    "low above best": (f"A,{CONTEXT_NAMES[1]},0.5,0.4,0.6", ["out of order", "low <= best <= high"]),
    "not a number": (f"A,{CONTEXT_NAMES[1]},0.1,lots,0.6", ["best 'lots' is not a number"]),
    "an underscore typo": (f"A,{CONTEXT_NAMES[1]},0.1,0.2_5,0.6", ["best '0.2_5' is not a number"]),
    "digits of another script": (f"A,{CONTEXT_NAMES[1]},0.1,\u0660.\u0662,0.6",
                                 ["best '\u0660.\u0662' is not a number"]),
    "missing field": (f"A,{CONTEXT_NAMES[1]},0.1,0.2", ["4 fields; allowed: 5"]),
    "empty participant": (f",{CONTEXT_NAMES[1]},0.1,0.2,0.3", ["participant is empty"]),
    "beyond the limit": (f"A,{CONTEXT_NAMES[1]},0.1,0.2,1.3", ["allowed: 0 to 1"]),
    "duplicate": (GOOD, ["already on line 2"]),
    "equal low and high": (f"A,{CONTEXT_NAMES[1]},0.3,0.3,0.3", ["low < high"]),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_is_one_line_naming_it_and_nothing_is_written(tmp_path, case):
    bad, fragments = BAD_ROWS[case]
    path = tmp_path / "estimates.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n\n{bad}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["elicit", str(path), "--out", str(out), "--worlds", "16"])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in result.output
    assert message.startswith(f"Error: {path}:4: "), message  # line 4: the blank line counts
    for fragment in fragments:
        assert fragment in message
    assert not out.exists()
    with pytest.raises(PolmodelError, match=":4: "):
        parse_estimates(path.read_text(), where="x")


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"), (f"{HEADER}\n", "no estimates"), (f"who,what,low,best,high\n{GOOD}\n", "header"),
])
def test_a_file_without_estimates_is_refused(text, fragment):
    with pytest.raises(PolmodelError, match=fragment):
        parse_estimates(text)


def test_a_missing_file_or_no_file_is_one_line(tmp_path):
    runner = CliRunner()
    for args in (["elicit", str(tmp_path / "nope.csv")], ["elicit"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "\n" not in result.stderr.strip()
        assert "--template" in result.stderr


def test_the_template_is_a_valid_estimates_file_pandas_reads_as_it_is():
    import pandas as pd

    result = CliRunner().invoke(main, ["elicit", "--template"])
    assert result.exit_code == 0
    assert result.stdout == template()
    rows = parse_estimates(result.stdout)
    assert len({r.participant for r in rows}) >= 2
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert tuple(frame.columns) == (*COLUMNS, "what") and len(frame) == len(rows)
    # The form says each number in plain words (issue 16: the elicitation form uses the labels).
    from polmodel.model.labels import label

    assert list(frame["what"]) == [label(p) for p in frame["parameter"]]


def test_a_form_without_the_what_column_still_reads_and_a_stray_column_is_refused():
    five = "participant,parameter,low,best,high\nA,rally,0.01,0.02,0.05\n"
    assert parse_estimates(five)[0].parameter == "rally"
    six = "participant,parameter,low,best,high,what\nA,rally,0.01,0.02,0.05,anything\n"
    assert parse_estimates(six)[0].best == 0.02
    with pytest.raises(PolmodelError, match="header"):
        parse_estimates("participant,parameter,low,best,high,note\nA,rally,0.01,0.02,0.05,x\n")
    with pytest.raises(PolmodelError, match="6 fields; allowed: 5"):
        parse_estimates("participant,parameter,low,best,high\nA,rally,0.01,0.02,0.05,x\n")


def test_elicit_out_writes_a_scenario_compare_can_run(tmp_path):
    est = tmp_path / "estimates.csv"
    est.write_text(template(), encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["elicit", str(est), "--out", str(out), "--worlds", "64",
                                  "--policy", list(SCENARIO.policies)[1]])
    assert result.exit_code == 0, result.output
    assert "equal-weight linear opinion pool" in result.stdout
    written = sorted(p.name for p in out.iterdir() if not p.name.endswith(".manifest"))  # issue 9
    assert len(written) == 5 and all(n.startswith(f"{SCENARIO.name}-estimates") for n in written)
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    import pandas as pd

    from polmodel.room.elicitation_report import PROVENANCE_COLUMNS

    verdicts = pd.read_csv(out / f"{SCENARIO.name}-estimates-verdicts.csv")
    assert list(verdicts.columns) == [*PROVENANCE_COLUMNS, "policy_a", "policy_b", "estimates",
                                      "share_a_higher", "share_b_higher", "share_tied", "side"]
    assert set(verdicts.scenario) == {SCENARIO.name} and set(verdicts.worlds) == {64}
    assert set(verdicts.estimates_file) == {est.name}
    assert verdicts["share_a_higher"].between(0, 1).all()
    # The side is the policy with the higher index in more worlds, from the shares beside it.
    expected = np.where(verdicts.share_a_higher > verdicts.share_b_higher, verdicts.policy_a,
                        np.where(verdicts.share_a_higher < verdicts.share_b_higher,
                                 verdicts.policy_b, "even"))
    assert list(verdicts.side) == list(expected)
    toml = out / f"{SCENARIO.name}-estimates.toml"
    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    assert "participants' estimates" in data["title"]
    again = runner.invoke(main, ["compare", str(toml), "--worlds", "32"])
    assert again.exit_code == 0, again.output
    as_json = runner.invoke(main, ["elicit", str(est), "--worlds", "32", "--json"])
    assert as_json.exit_code == 0 and '"verdicts"' in as_json.stdout


@pytest.mark.parametrize("quantiles, fragment", [
    ([0.3, 0.2, 0.7], "must not decrease"),
    ([0.25, 0.5, 0.7], "allowed: from the range's low"),
    ([0.3], "at least 2"),
])
def test_bad_quantiles_in_a_scenario_file_are_one_line(write_scenario, quantiles, fragment):
    key = f"context.{CONTEXT_NAMES[0]}"
    path = write_scenario({f"{key}.range": [0.3, 0.7], f"{key}.value": 0.5, f"{key}.quantiles": quantiles})
    with pytest.raises(PolmodelError, match=fragment) as caught:
        load_scenario(path)
    assert "\n" not in str(caught.value) and key in str(caught.value)


def test_quantiles_need_a_range(write_scenario):
    key = f"context.{CONTEXT_NAMES[0]}"
    path = write_scenario({f"{key}.quantiles": [0.3, 0.7]}, delete=[f"{key}.range"])
    with pytest.raises(PolmodelError, match="quantiles need a range"):
        load_scenario(path)


def test_a_range_replaced_after_loading_is_sampled_uniformly(pooled, tmp_path):
    from dataclasses import replace

    path = tmp_path / "pooled.toml"
    path.write_text(pooled.pooled_toml, encoding="utf-8")
    sc = load_scenario(path)
    name = CONTEXT_NAMES[0]
    u = sc.parameters[name]
    narrowed = replace(sc, parameters={**sc.parameters, name: replace(u, low=0.4, high=0.5, value=0.45)})
    n = 500
    col = sample_worlds(narrowed, n, seed=2).values[:, sample_worlds(narrowed, 1).names.index(name)]
    assert col.min() >= 0.4 and col.max() <= 0.5
    # Uniform on [0.4, 0.5] by a Latin hypercube: one world in each tenth of the range per n/10.
    counts = np.histogram(col, bins=10, range=(0.4, 0.5))[0]
    assert set(counts) == {n // 10}


def test_the_readme_commands_for_participants_estimates_work(tmp_path, monkeypatch):
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In the room and the classroom", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert [c.split()[1] for c in commands] == ["elicit", "elicit", "compare"]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in commands:
        command, _, target = command.partition(" > ")
        args = shlex.split(command)[1:]
        args += ["--worlds", "32"] if "--template" not in args else []
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (command, result.stderr)
        if target:
            Path(target).write_text(result.stdout, encoding="utf-8")
    assert (tmp_path / "pooled" / f"{SCENARIO.name}-estimates.toml").is_file()


def test_every_view_runs_on_the_same_design(pooled):
    # Same seed, same dimensions: the unit sample is shared, so the numbers nobody estimated
    # are the same in every view, world by world (common random numbers across participants).
    views = list(pooled.comparisons.values())
    names = views[0].worlds.names
    assert all(v.worlds.names == names for v in views)
    for j, name in enumerate(names):
        if name not in NAMES:
            assert all(np.array_equal(v.worlds.values[:, j], views[0].worlds.values[:, j]) for v in views)


# ---- who lands on which side, what changes a verdict, ranges as lines (issue 16) -------------------


def test_each_participant_lands_on_the_side_their_own_estimates_give():
    # ann: p higher in 3 of 4 worlds, q in 1; ben: p in 1, q in 3; cam: 2 and 2.
    ann = comparison_with_peaks({"p": [0.5, 0.5, 0.5, 0.1], "q": [0.2, 0.2, 0.2, 0.3]})
    ben = comparison_with_peaks({"p": [0.5, 0.1, 0.1, 0.1], "q": [0.2, 0.3, 0.3, 0.3]})
    cam = comparison_with_peaks({"p": [0.5, 0.5, 0.1, 0.1], "q": [0.2, 0.2, 0.3, 0.3]})
    rows = tuple(row(w, context(), 0, 0.5, 1) for w in ("ann", "ben", "cam"))
    e = Elicitation("s", "t", rows, "", {"pooled": cam, "ann": ann, "ben": ben, "cam": cam})
    (v,) = e.verdicts
    assert (v["on_a"], v["on_b"], v["even"]) == (["ann"], ["ben"], ["cam"])
    assert v["sides"] == {"ann": "p", "ben": "q", "cam": "even"} and v["split"]
    assert v["pooled_side"] == "even"
    text = e.summary()
    assert "split: p vs q" in text and "p for ann; q for ben; even for cam" in " ".join(text.split())
    table = list(__import__("csv").DictReader(io.StringIO(e.to_csv())))
    assert all(r["scenario"] == "s" and r["worlds"] == "4" for r in table)  # provenance columns
    sides = {r["estimates"]: r["side"] for r in table}
    assert sides == {"pooled": "even", "ann": "p", "ben": "q", "cam": "even"}
    shares = {r["estimates"]: (float(r["share_a_higher"]), float(r["share_b_higher"]),
                               float(r["share_tied"])) for r in table}
    assert shares["ann"] == (0.75, 0.25, 0.0) and shares["ben"] == (0.25, 0.75, 0.0)


def test_disagreements_rank_by_how_far_they_move_a_verdict_not_by_spread():
    # "wide": estimates far apart (spread 0.5) that leave the verdict where it was; "narrow":
    # nearly the same estimates that put p and q on opposite sides.
    rows = (row("A", context(0), 0.0, 0.2, 0.4), row("B", context(0), 0.4, 0.6, 0.8),
            row("A", context(1), 0.3, 0.5, 0.7), row("B", context(1), 0.3, 0.52, 0.7))
    by_number = {context(0): {"A": {("p", "q"): (0.40, 0.38)}, "B": {("p", "q"): (0.41, 0.39)}},
                 context(1): {"A": {("p", "q"): (0.60, 0.10)}, "B": {("p", "q"): (0.10, 0.60)}}}
    e = Elicitation("s", "t", rows, "", {}, by_number=by_number)
    first, second = e.disagreement
    assert first["parameter"] == context(1) and second["parameter"] == context(0)
    assert first["spread"] < second["spread"]
    assert first["verdict_change"] == pytest.approx(1.0) and first["flips"] == [["p", "q"]]
    assert first["sides"] == {"A": "p", "B": "q"}
    assert second["verdict_change"] == pytest.approx(0.0) and second["flips"] == []


def test_identical_estimates_of_a_number_move_no_verdict():
    rows = [row(w, n, 0.1, 0.3, 0.6) for w in ("x", "y") for n in NAMES[:2]]
    rows.append(row("x", NAMES[2], 0.01, 0.02, 0.04))  # estimated by one participant: not re-run
    e = elicit(rows, SCENARIO, worlds=64, seed=1, policies=list(SCENARIO.policies)[:3])
    changes = {d["parameter"]: d["verdict_change"] for d in e.disagreement}
    assert changes[NAMES[0]] == changes[NAMES[1]] == 0.0 and changes[NAMES[2]] is None
    assert set(e.by_number) == set(NAMES[:2])


def test_the_pooled_fixture_re_runs_each_number_at_each_participants_estimate(pooled):
    for name in NAMES:
        views = pooled.by_number[name]
        assert set(views) == {"ana", "bo"}
        pairs = set(next(iter(views.values())))
        assert pairs == {(v["a"], v["b"]) for v in pooled.verdicts}
        d = next(d for d in pooled.disagreement if d["parameter"] == name)
        nets = [views[p][tuple(d["pair"])][0] - views[p][tuple(d["pair"])][1] for p in views]
        assert d["verdict_change"] == pytest.approx(max(nets) - min(nets))
    ranked = [(bool(d["flips"]), d["verdict_change"]) for d in pooled.disagreement]
    assert ranked == sorted(ranked, reverse=True)


def test_the_figure_draws_each_participants_range_as_a_line(pooled):
    from conftest import texts_outside
    from matplotlib.figure import Figure

    name = pooled.disagreement[0]["parameter"]
    fig = Figure(figsize=(9, 4))
    ax = pooled.plot(ax=fig.add_subplot())
    spans = {tuple(np.round(ln.get_xdata(), 9)) for ln in ax.get_lines() if len(ln.get_xdata()) == 2}
    for r in estimates_for(NAMES):
        if r.parameter == name:
            assert (round(r.low, 9), round(r.high, 9)) in spans, r
    d = pooled.disagreement[0]
    assert (round(d["pooled_low"], 9), round(d["pooled_high"], 9)) in spans
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert set(labels) >= {"ana", "bo"} and labels[-1].startswith("pooled")
    assert texts_outside(lambda a: pooled.plot(ax=a), figsize=(9, 4)) == []
    with pytest.raises(PolmodelError, match="was not estimated"):
        pooled.plot(parameter="nothing")


def test_elicit_loads_a_historical_case_as_run_does(tmp_path, monkeypatch):
    # Hostile-user trial: elicit --scenario cases/serbia-2000 dropped "cases/" when it read the
    # file again (exit 1, "scenarios/serbia-2000.toml: No such file"); run found it.
    monkeypatch.chdir(tmp_path)
    est = tmp_path / "e.csv"
    est.write_text(template(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["elicit", str(est), "--scenario", "cases/serbia-2000",
                                       "--worlds", "16", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pooled = tomllib.loads((out / "serbia-2000-estimates.toml").read_text(encoding="utf-8"))
    assert pooled["date"] == load_scenario("cases/serbia-2000").date


def test_the_template_with_an_unknown_scenario_is_an_error():
    """It printed the form as if the scenario existed."""
    bad = CliRunner().invoke(main, ["elicit", "--template", "--scenario", "nosuch"])
    assert bad.exit_code == 2 and "nosuch" in bad.stderr and bad.stdout == ""
    good = CliRunner().invoke(main, ["elicit", "--template", "--scenario", "venezuela-2022"])
    assert good.exit_code == 0 and good.stdout.startswith("participant,parameter,low,best,high")
