"""`polmodel sensitivity | discover | sweep | show` and --set, through click's CliRunner."""

from __future__ import annotations

import json

import matplotlib
from conftest import flat

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from polmodel.cli import main  # noqa: E402
from polmodel.model.labels import label  # noqa: E402
from polmodel.scenario.loading import load_scenario  # noqa: E402
from polmodel.views.text import CAVEAT  # noqa: E402

FAST_SENS = ["--worlds", "64", "--resamples", "20", "--trajectories", "4"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sc():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def default_sensitivity():
    return invoke("sensitivity", *FAST_SENS)


def test_sensitivity_default_answers_the_scenario_question(sc, default_sensitivity):
    r = default_sensitivity
    assert r.exit_code == 0, r.stderr
    a, b = sc.contrast
    first = r.stdout.split("\n\n")[1]  # the sentence comes before any table
    assert f"whether {a} gives a higher opening index than {b}" in first
    assert "interval" in first
    assert "whether a window opens under" in r.stdout
    assert flat(CAVEAT) in flat(r.stdout) and "seed 0" in r.stdout


def test_sensitivity_json_same_numbers_whatever_workers():
    one = invoke("sensitivity", "--policy", "targeted", "--policy", "broad", "--json",
                 "--aggregator", "min", *FAST_SENS)
    two = invoke("sensitivity", "--policy", "targeted", "--policy", "broad", "--json",
                 "--aggregator", "min", "--workers", "2", *FAST_SENS)
    assert one.exit_code == 0 and two.exit_code == 0, one.stderr + two.stderr
    assert json.loads(one.stdout) == json.loads(two.stdout)
    data = json.loads(one.stdout)
    assert data[0]["sobol"][0]["indices"][0]["total_interval"] is not None


def test_sensitivity_csv_and_out(tmp_path):
    r = invoke("sensitivity", "--policy", "targeted", "--policy", "broad", "--csv",
               "--out", str(tmp_path), "--aggregator", "min", *FAST_SENS)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("polmodel_version,") and "question,method,aggregator" in r.stdout
    files = {p.name for p in tmp_path.iterdir()}
    assert any(f.endswith("sobol.png") for f in files) and any(f.endswith("tornado.png") for f in files)
    assert "venezuela-2018-sensitivity.json" in files and "venezuela-2018-sensitivity.csv" in files
    assert "venezuela-2018-sensitivity.csv-metadata.json" in files


def test_discover_default(sc):
    r = invoke("discover", "--worlds", "400")
    assert r.exit_code == 0, r.stderr
    a, b = sc.contrast
    assert f"{a.capitalize()} gives a higher opening index than {b}" in r.stdout
    assert f"{b.capitalize()} gives a higher opening index than {a}" in r.stdout
    assert "of all plausible worlds" in r.stdout
    assert "window opens under" in r.stdout


def test_discover_json_and_out(tmp_path):
    r = invoke("discover", "--policy", "targeted", "--policy", "broad", "--worlds", "300", "--json",
               "--out", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data[0]["question"]["policy"] == "targeted" and "sentence" in data[0]
    assert any(p.suffix == ".png" for p in tmp_path.iterdir())
    assert invoke("discover", "--policy", "targeted", "--worlds", "300",
                  "--csv").stdout.startswith("polmodel_version,")


def test_sweep_line_and_heatmap(sc, tmp_path):
    param = next(k for k in sc.parameters if not sc.parameters[k].fixed)
    r = invoke("sweep", "--x", param, "--points", "3", "--worlds", "50", "--policy", "targeted")
    assert r.exit_code == 0, r.stderr
    assert "share of plausible worlds where a window opens under targeted" in r.stdout
    r = invoke("sweep", "--x", param, "--y", "lever.targeted_sanctions", "--points", "2",
               "--worlds", "30", "--policy", "targeted", "--policy", "broad", "--json",
               "--out", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["points"]) == 4
    assert len(list(tmp_path.glob("*.png"))) == 1


def first_column(text: str) -> list[str]:
    """The first column of every text table in ``text`` (its width from the dashes under the header)."""
    out, width = [], None
    for line in text.splitlines():
        if line.startswith("---"):
            width = len(line.split()[0])
        elif not line.strip():
            width = None
        elif width:
            out.append(line[:width].strip())
    return out


def test_show_lists_every_assumption(sc):
    r = invoke("show")
    assert r.exit_code == 0
    rows = json.loads(invoke("show", "--json").stdout)
    # Each by its label with the name --set takes in parentheses, wrapped at word boundaries:
    # the first column's lines, joined with spaces, give the cells back whole.
    column = " ".join(first_column(r.stdout))
    for row in rows:
        assert row["label"] == label(row["name"])
        assert f"{row['label']} ({row['name']})" in column
    assert invoke("show", "--csv").stdout.startswith("polmodel_version,scenario,what_ifs,name,kind,value")
    state = next(iter(sc.initial))
    shown = json.loads(invoke("show", "--json", "--set", f"initial.{state}=0.42").stdout)
    assert next(r for r in shown if r["name"] == f"initial.{state}")["value"] == 0.42


@pytest.mark.parametrize("command", [["run"], ["compare", "--worlds", "20"], ["show"],
                                     ["sensitivity", *FAST_SENS], ["discover", "--worlds", "50"],
                                     ["sweep", "--x", "lever.targeted_sanctions", "--worlds", "10"]])
@pytest.mark.parametrize("setting,match", [("nosuchname=0.1", "unknown name"),
                                           ("initial.crisis=1.5", "allowed: 0 to 1"),
                                           ("initial.crisis=0.2:", "malformed range"),
                                           ("initial.crisis", "malformed")])
def test_bad_set_is_one_line_exit_2(command, setting, match):
    r = invoke(*command, "--set", setting)
    assert r.exit_code == 2
    assert match in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr


def test_run_refuses_a_range_and_takes_a_value(sc):
    state = next(iter(sc.initial))
    r = invoke("run", "--set", f"initial.{state}=0.1:0.2")
    assert r.exit_code == 2 and "needs an ensemble" in r.stderr
    a = json.loads(invoke("run", "--policy", sc.baseline, "--json").stdout)[0]
    b = json.loads(invoke("run", "--policy", sc.baseline, "--json", "--set", f"initial.{state}=0.01").stdout)[0]
    assert b[state][0] == 0.01 and a[state][0] != 0.01


def test_compare_takes_a_range(sc):
    state = next(iter(sc.initial))
    r = invoke("compare", "--worlds", "20", "--json", "--set", f"initial.{state}=0.6:0.61")
    assert r.exit_code == 0, r.stderr


def test_every_new_command_has_help():
    for cmd in ("sensitivity", "discover", "sweep", "show"):
        r = invoke(cmd, "--help")
        assert r.exit_code == 0 and "--set" in r.stdout


def test_discover_and_sweep_same_numbers_whatever_workers():
    for args in (["discover", "--worlds", "300", "--json"],
                 ["sweep", "--x", "lever.targeted_sanctions", "--points", "3", "--worlds", "200",
                  "--json"]):
        one, two = invoke(*args), invoke(*args, "--workers", "2")
        assert one.exit_code == 0 and two.exit_code == 0, one.stderr + two.stderr
        assert json.loads(one.stdout) == json.loads(two.stdout)


def test_contrast_must_name_two_policies(write_scenario):
    from polmodel.errors import PolmodelError

    bad = write_scenario({"contrast": ["targeted", "nope"]})
    with pytest.raises(PolmodelError, match="contrast names 'nope'.*allowed"):
        load_scenario(bad)
    r = invoke("sensitivity", str(bad))
    assert r.exit_code == 2 and "contrast" in r.stderr
    same = write_scenario({"contrast": ["broad", "broad"]})
    with pytest.raises(PolmodelError, match="twice"):
        load_scenario(same)


def test_without_a_contrast_each_policy_is_asked_against_the_baseline(write_scenario):
    from polmodel.analysis.questions import default_questions
    from polmodel.analysis.worlds import sample_worlds

    sc = load_scenario(write_scenario(delete=["contrast"]))
    assert sc.contrast is None
    qs = default_questions(sc, sample_worlds(sc, 100, seed=0))
    contrasts = [q for q in qs if q.versus is not None]
    assert {q.policy for q in contrasts} == set(sc.policies) - {sc.baseline}
    assert all(q.versus == sc.baseline for q in contrasts)
    window = qs[-1]
    assert window.outcome == "window" and window.policy in sc.policies


def test_sweep_help_says_what_is_computed():
    text = flat(invoke("sweep", "--help").stdout)
    for words in ("the share of plausible worlds where A gives the higher outcome",
                  "the share where B does and the share of ties", "crosses over",
                  "the share of worlds where a window opens under it", "plausible range"):
        assert words in text, words


def test_sweep_of_two_policies_shows_both_shares_and_the_crossover(tmp_path):
    args = ["sweep", "--policy", "targeted", "--policy", "broad", "--x", "rally", "--points", "6",
            "--worlds", "300"]
    data = json.loads(invoke(*args, "--json").stdout)
    assert data["question"]["outcome"] == "peak_index"  # what --help names for two policies
    for p in data["points"]:
        assert p["worlds_higher"] + p["worlds_lower"] + p["worlds_tied"] == p["worlds"] == 300
    text = invoke(*args).stdout
    assert "targeted higher" in text and "broad higher" in text and "tied" in text
    for c in data["crossovers"]:
        assert f"near {c['near']:.3g} (between" in flat(text)
    csv_text = invoke(*args, "--csv").stdout
    header = csv_text.splitlines()[0].split(",")
    assert header[header.index("rally"):][:4] == ["rally", "share_higher", "share_lower", "share_tied"]
    assert CAVEAT in flat(text) and "300 per point" in flat(text)


def test_sweep_structure_option_reaches_every_point():
    """--structure on sweep: the JSON names it, and the shares are those of the keyword."""
    from polmodel.analysis.sweeps import sweep

    args = ("sweep", "--x", "rally", "--points", "3", "--worlds", "200", "--json")
    r = invoke(*args, "--structure", "defection-route")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["structure"] == "defection-route" and "structure defection-route" in data["provenance"]
    s = sweep("venezuela-2018", "rally", points=3, worlds=200, structure="defection-route")
    assert [p["share_higher"] for p in data["points"]] == pytest.approx(list(s.values))
    bad = CliRunner().invoke(main, [*args, "--structure", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.output and "Traceback" not in bad.output
