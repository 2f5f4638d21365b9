"""`polmodel compare`: a thin shell over polmodel.compare, tested through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from polmodel import __version__  # noqa: E402
from polmodel.cli import main  # noqa: E402
from polmodel.scenario.loading import load_scenario  # noqa: E402
from polmodel.views.text import CAVEAT  # noqa: E402

SMALL = ["--worlds", "64"]
DEFAULT_TOML = Path(__file__).resolve().parents[1] / "scenarios" / "venezuela-2018.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("venezuela-2018")


def invoke(*args: str):
    return CliRunner().invoke(main, ["compare", *args], catch_exceptions=False)


def invoke_json(*args: str) -> dict:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_no_arguments_runs_the_default_scenario(scenario):
    result = invoke()
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Per policy (shares of plausible worlds)" in out
    for name in scenario.policies:
        assert name in out
    assert CAVEAT in " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 100
    assert f"polmodel {__version__}" in out
    assert "scenario venezuela-2018" in out and "seed 0" in out and "worlds 1000" in out
    assert "probabilit" not in out.lower() and " will " not in out.lower()


def test_policy_option_adds_the_baseline(scenario):
    data = invoke_json("--policy", "broad", *SMALL)
    assert list(data["policies"]) == [scenario.baseline, "broad"]
    text = invoke("--policy", "broad", "--policy", "engagement", *SMALL).stdout
    assert "broad" in text and "engagement" in text and scenario.baseline in text
    assert "coordinated-targeted" not in text


def test_same_seed_same_json_other_seed_other_numbers():
    a = invoke_json(*SMALL, "--seed", "4")
    b = invoke_json(*SMALL, "--seed", "4")
    c = invoke_json(*SMALL, "--seed", "5")
    assert a == b
    assert c["seed"] == 5 and a["seed"] == 4
    assert a["policies"] != c["policies"]


def test_worlds_option_changes_the_worlds():
    a = invoke_json("--worlds", "64", "--policy", "broad")
    b = invoke_json("--worlds", "96", "--policy", "broad")
    assert a["worlds"] == 64 and b["worlds"] == 96
    assert "worlds 64" in a["provenance"] and "worlds 96" in b["provenance"]
    assert a["policies"] != b["policies"]


def test_sobol_with_its_default_worlds():
    data = invoke_json("--sampler", "sobol", "--policy", "broad")
    assert data["sampler"] == "sobol"
    assert data["worlds"] == 1024


def test_sobol_with_worlds_not_a_power_of_two_is_one_line_and_status_2(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", "--sampler", "sobol", "--worlds", "1000",
                                       "--out", str(out)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1
    assert "power of 2" in err and "1024" in err
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not out.exists() or not any(out.iterdir())


def test_json_output(scenario):
    data = invoke_json(*SMALL)
    assert data["caveat"] == CAVEAT
    assert f"polmodel {__version__}" in data["provenance"]
    assert data["scenario"] == "venezuela-2018" and data["worlds"] == 64 and data["seed"] == 0
    assert set(data["policies"]) == set(scenario.policies)
    for s in data["policies"].values():
        assert 0.0 <= s["window_share"] <= 1.0
        assert sum(s["bottleneck_shares"].values()) == pytest.approx(1.0)
    assert data["against_baseline"][scenario.baseline]["share_tied"] == 1.0


def test_csv_output(scenario):
    result = invoke(*SMALL, "--csv")
    assert result.exit_code == 0, result.stderr
    assert not result.stdout.startswith("#")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["worlds"] for r in rows} == {"64"}
    per = [r for r in rows if r["versus"] == ""]
    assert list(dict.fromkeys(r["policy"] for r in per)) == list(
        json.loads(invoke(*SMALL, "--json").stdout)["policies"])
    assert {r["policy"] for r in rows} == set(scenario.policies)
    assert all(0.0 <= float(r["value"]) <= 1.0 for r in per if r["statistic"] == "window_share")
    pairs = {(r["policy"], r["versus"]) for r in rows if r["statistic"] == "share_higher"}
    n = len(scenario.policies)
    assert len(pairs) == n * (n - 1)


def test_json_and_csv_together_is_a_usage_error():
    result = CliRunner().invoke(main, ["compare", *SMALL, "--json", "--csv"])
    assert result.exit_code == 2
    assert "--json" in result.stderr and "--csv" in result.stderr


def test_out_writes_figures_and_data(tmp_path):
    out = tmp_path / "figs"
    result = invoke(*SMALL, "--policy", "coordinated-targeted", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in out.iterdir())
    pngs = [f for f in files if f.endswith(".png")]
    assert len(pngs) == 4
    assert {f for f in files if not f.endswith(".png")} == {
        "venezuela-2018-compare.json", "venezuela-2018-compare.csv",
        "venezuela-2018-compare.csv-metadata.json",
        "venezuela-2018-compare.manifest"}  # the manifest, written last (issue 9)
    for f in pngs:
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "venezuela-2018-compare.json").read_text(encoding="utf-8"))
    assert data["worlds"] == 64 and data["caveat"] == CAVEAT
    csv_text = (out / "venezuela-2018-compare.csv").read_text(encoding="utf-8")
    assert csv_text.startswith("polmodel_version,") and "policy," in csv_text
    meta = json.loads((out / "venezuela-2018-compare.csv-metadata.json").read_text(encoding="utf-8"))
    assert meta["caveat"] == CAVEAT and "worlds 64" in meta["provenance"]
    assert meta["columns"] == csv_text.split("\n", 1)[0].split(",")
    assert "wrote 7 files" in result.stderr


def test_workers_do_not_change_the_numbers():
    one = invoke_json(*SMALL, "--workers", "1")
    two = invoke_json(*SMALL, "--workers", "2")
    assert one == two


def test_aggregator_and_horizon_options():
    data = invoke_json(*SMALL, "--policy", "broad", "--aggregator", "geometric", "--horizon", "12")
    assert data["aggregator"] == "geometric" and data["horizon"] == 12


def test_unknown_policy_is_status_2_and_writes_nothing(tmp_path, scenario):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", "--policy", "nope", *SMALL, "--out", str(out)])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1
    assert "unknown policy 'nope'" in err and scenario.baseline in err
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_unknown_scenario_is_status_2():
    result = CliRunner().invoke(main, ["compare", "no-such-scenario", *SMALL])
    assert result.exit_code == 2
    assert "no such scenario" in result.stderr


def test_scenario_file_argument():
    result = invoke(str(DEFAULT_TOML), *SMALL, "--policy", "broad", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["scenario"] == "venezuela-2018"
    # The file gives the same worlds and numbers as the built-in name.
    assert json.loads(result.stdout) == invoke_json(*SMALL, "--policy", "broad")


def test_help():
    result = CliRunner().invoke(main, ["compare", "--help"])
    assert result.exit_code == 0
    for option in ("--policy", "--worlds", "--seed", "--sampler", "--workers", "--json",
                   "--csv", "--out", "--aggregator", "--horizon"):
        assert option in result.output
    assert "plausible worlds" in result.output


def test_pair_without_out_says_it_draws_nothing():
    """--pair only adds a figure to --out: without it, a note on stderr, and the same tables."""
    plain = invoke("--worlds", "50")
    paired = invoke("--worlds", "50", "--pair", "targeted", "broad")
    assert paired.exit_code == 0 and paired.stdout == plain.stdout
    assert "note: --pair draws its figure into --out" in paired.stderr
    assert "--pair" not in plain.stderr


@pytest.mark.parametrize("command", [["compare", "--worlds", "20"], ["run"],
                                     ["sweep", "--x", "rally", "--points", "2", "--worlds", "5"]])
def test_force_without_out_says_it_does_nothing(command):
    r = CliRunner().invoke(main, [*command, "--force"])
    assert r.exit_code == 0 and "note: --force replaces an earlier run's files in --out" in r.stderr
    assert "--force" not in CliRunner().invoke(main, command).stderr
