"""The command line (polmodel.cli): a thin shell; bad input is one line on stderr and exit status 2."""

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import DEFAULT_FILE, SCENARIO_FILES, flat

import polmodel
from polmodel.cli import main
from polmodel.model.labels import label
from polmodel.model.levers import LEVERS
from polmodel.model.parameters import MECHANISMS_BY_NAME, PARAMETERS
from polmodel.model.states import STATES
from polmodel.scenario.loading import DEFAULT_SCENARIO, TEMPLATE, list_scenarios, load_scenario
from polmodel.views.text import CAVEAT

VENEZUELA = load_scenario(DEFAULT_SCENARIO)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def cli():
    """Invoke ``polmodel ARGS...`` in-process; stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args])

    return invoke


def assert_ok(result):
    assert result.exit_code == 0, result.output
    assert result.exception is None


def assert_bad_input(result, *fragments):
    """Exit status 2 and one line on stderr naming what was wrong; no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert message.startswith("Error: "), message
    for fragment in fragments:
        assert fragment in message


def table_months(text):
    """Months of the rows of the text tables (lines that start with a number)."""
    return [int(line.split()[0]) for line in text.splitlines() if line.strip()[:1].isdigit()]


# ---- Help ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(cli, command, flag):
    args = [flag] if command is None else [command, flag]
    result = cli(*args)
    assert_ok(result)
    assert result.stdout.startswith("Usage: ")
    target = main if command is None else main.commands[command]
    assert target.help, "no docstring"
    first_line = " ".join(target.help.strip().splitlines()[0].split())
    assert first_line in " ".join(result.stdout.split())  # whatever the wrapping
    if command is None:
        for name in main.commands:
            assert name in result.stdout


def test_python_dash_m_polmodel_gives_help():
    done = subprocess.run([sys.executable, "-m", "polmodel", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: ")
    assert "run" in done.stdout


def test_importing_the_cli_stays_light():
    # `polmodel --help` must stay fast: no plotting, statistics or data-frame imports.
    code = ("import sys, polmodel, polmodel.cli; "
            "print(sorted(m for m in ('matplotlib', 'scipy', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# ---- run -------------------------------------------------------------------------------------


def test_no_arguments_runs_the_default_scenario(cli):
    result = cli()
    assert_ok(result)
    assert VENEZUELA.title in result.stdout
    for name in VENEZUELA.policies:
        assert f"Policy {name!r}" in result.stdout
    assert re.search(r"month\s+crisis\s+fracture\s+challenger\s+pressure", result.stdout)
    assert CAVEAT in flat(result.stdout)
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert max(table_months(result.stdout)) == VENEZUELA.horizon


def test_run_one_policy_over_a_shorter_horizon(cli):
    result = cli("run", "--policy", "targeted", "--horizon", 12)
    assert_ok(result)
    assert "Policy 'targeted'" in result.stdout
    for other in set(VENEZUELA.policies) - {"targeted"}:
        assert f"Policy {other!r}" not in result.stdout
    assert max(table_months(result.stdout)) == 12


def test_run_a_scenario_file(cli, scenario_file):
    result = cli("run", scenario_file, "--horizon", 24)
    assert_ok(result)
    sc = load_scenario(scenario_file)
    assert sc.title in result.stdout
    for name in sc.policies:
        assert f"Policy {name!r}" in result.stdout


def test_run_json(cli):
    result = cli("run", "--policy", "targeted", "--policy", "broad", "--horizon", 12, "--json")
    assert_ok(result)
    data = json.loads(result.stdout)
    assert [d["policy"] for d in data] == ["targeted", "broad"]
    for d in data:
        assert d["scenario"] == DEFAULT_SCENARIO
        assert d["months"] == list(range(13))
        assert d["caveat"] == CAVEAT
        for state in STATES:
            assert len(d[state]) == 13
            assert all(0.0 <= v <= 1.0 for v in d[state])


def test_run_csv(cli):
    result = cli("run", "--policy", "status-quo", "--policy", "engagement", "--horizon", 12, "--csv")
    assert_ok(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2 * 13
    for policy in ("status-quo", "engagement"):
        months = [int(r["month"]) for r in rows if r["policy"] == policy]
        assert months == list(range(13))
    for row in rows:
        assert row["scenario"] == DEFAULT_SCENARIO
        for state in STATES:
            assert 0.0 <= float(row[state]) <= 1.0
        assert 0.0 <= float(row["opening_index"]) <= 1.0


def test_run_json_and_csv_together_is_a_usage_error(cli):
    result = cli("run", "--json", "--csv")
    assert result.exit_code == 2
    assert "--json" in result.stderr and "--csv" in result.stderr
    assert "Traceback" not in result.output


def test_run_out_writes_figures_and_data(cli, tmp_path):
    out = tmp_path / "figures"
    policies = ["status-quo", "coordinated-offramps"]
    result = cli("run", "--policy", policies[0], "--policy", policies[1], "--out", out)
    assert_ok(result)
    assert "Policy 'status-quo'" in result.stdout  # the table is still printed
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == len(policies)
    for policy in policies:
        assert any(policy in p.name for p in pngs)
    for png in pngs:
        assert png.read_bytes().startswith(PNG_MAGIC)
    (csv_file,) = out.glob("*.csv")
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert len(rows) == len(policies) * (VENEZUELA.horizon + 1)
    (json_file,) = out.glob("*-runs.json")
    assert [d["policy"] for d in json.loads(json_file.read_text(encoding="utf-8"))] == policies
    (sidecar,) = out.glob("*.csv-metadata.json")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert meta["caveat"] == CAVEAT and f"polmodel {polmodel.__version__}" in meta["provenance"]
    assert meta["columns"] == list(rows[0])
    assert not list(out.glob("*.part"))
    assert str(out) in result.stderr


@pytest.mark.parametrize("case", ["unknown scenario", "unknown policy", "bad file",
                                  "start past the horizon"])
def test_run_bad_input_is_one_line_and_writes_nothing(cli, write_scenario, tmp_path, case):
    out = tmp_path / "out"
    args, fragments = {
        "unknown scenario": (["atlantis-2030"], ["atlantis-2030", "no such scenario"]),
        "unknown policy": (["--policy", "nope"], ["unknown policy 'nope'", "allowed: status-quo"]),
        "bad file": ([write_scenario({"horizn": 36})], ["edited.toml", "horizn", "allowed: title"]),
        # coordinated-offramps starts negotiation in month 6.
        "start past the horizon": (["--horizon", 6], ["negotiation.start = 6", "allowed: 0 to 5"]),
    }[case]
    result = cli("run", *args, "--out", out)
    assert_bad_input(result, *fragments)
    assert result.stdout == ""
    assert not out.exists() or not any(out.iterdir())


# ---- scenarios -------------------------------------------------------------------------------


def test_scenarios_lists_every_built_in(cli):
    result = cli("scenarios")
    assert_ok(result)
    lines = result.stdout.splitlines()
    for name in list_scenarios():
        listed = any(line.startswith(name) for line in lines)
        assert listed == (name != TEMPLATE), name  # the template is for `polmodel new`
    assert "polmodel new" in result.stdout
    assert max(len(line) for line in lines) <= 100
    (default_line,) = [line for line in lines if "(default)" in line]
    assert default_line.startswith(DEFAULT_SCENARIO)


def test_scenarios_json(cli):
    result = cli("scenarios", "--json")
    assert_ok(result)
    data = json.loads(result.stdout)
    scenarios = [d for d in data if d.get("kind") != "historical case"]
    cases = [d for d in data if d.get("kind") == "historical case"]
    assert [d["name"] for d in scenarios] == [n for n in list_scenarios() if n != TEMPLATE]
    assert [d["name"] for d in scenarios if d["default"]] == [DEFAULT_SCENARIO]
    for d in scenarios:
        sc = load_scenario(d["name"])
        assert (d["title"], d["date"], d["policies"]) == (sc.title, sc.date, list(sc.policies))
    from polmodel.scenario.loading import list_cases

    assert [d["name"] for d in cases] == list_cases()
    for d in cases:
        assert d["outcome"] == load_scenario(d["name"]).case["outcome"]


# ---- levers ----------------------------------------------------------------------------------


def lever_blocks(text):
    """Each lever's block of lines, by lever name (blocks are separated by blank lines)."""
    blocks = [b.splitlines() for b in text.strip().split("\n\n")]
    return {b[0].rsplit("(", 1)[1].rstrip(")"): b for b in blocks}  # "label (name)"


def test_levers_lists_every_lever_with_what_it_feeds(cli):
    result = cli("levers")
    assert_ok(result)
    blocks = lever_blocks(result.stdout)
    assert list(blocks) == [lever.name for lever in LEVERS]
    for lever in LEVERS:
        assert lever.mechanisms, f"{lever.name} feeds no mechanism"
        block = "\n".join(blocks[lever.name])
        assert lever.description in flat(block)
        assert blocks[lever.name][0] == f"{lever.label} ({lever.name})"
        for mechanism in lever.mechanisms:
            assert f"feeds: {flat(MECHANISMS_BY_NAME[mechanism].effect)} ({mechanism})" in flat(block)
            for p in PARAMETERS.values():  # each parameter sizing it, by label and --set name
                if p.mechanism == mechanism:
                    assert f"{label(p.name)} ({p.name})" in flat(block)
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


@pytest.mark.parametrize("lever", LEVERS, ids=lambda lever: lever.name)
def test_levers_explains_a_single_lever(cli, lever):
    result = cli("levers", lever.name)
    assert_ok(result)
    assert list(lever_blocks(result.stdout)) == [lever.name]


def test_levers_json(cli):
    result = cli("levers", "--json")
    assert_ok(result)
    data = json.loads(result.stdout)
    assert [d["name"] for d in data] == [lever.name for lever in LEVERS]
    for d, lever in zip(data, LEVERS):
        assert [m["name"] for m in d["mechanisms"]] == list(lever.mechanisms)
        assert all(m["effect"] and m["source"] for m in d["mechanisms"])


def test_levers_unknown_lever(cli):
    assert_bad_input(cli("levers", "blockade"), "unknown lever 'blockade'",
                     "allowed: targeted_sanctions")


# ---- validate --------------------------------------------------------------------------------


def names_as_valid(line, path):
    """The line's verdict is "valid", after the path or its end (.../scenarios/x.toml), which
    validate shortens from the left in a checkout with a long path, never cutting the verdict."""
    shown, verdict, _ = line.partition(": valid (")
    assert verdict, line
    assert len(line) <= 100, line
    assert shown == str(path) or (shown.startswith(".../") and str(path).endswith(shown[3:])
                                  and path.name in shown), (shown, str(path))
    return True


def test_validate_accepts_every_scenario_file(cli):
    result = cli("validate", *SCENARIO_FILES)
    assert_ok(result)
    # One verdict line per file; indented lines are notes (the template's placeholders).
    lines = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert len(lines) == len(SCENARIO_FILES)
    for path, line in zip(SCENARIO_FILES, lines):
        assert names_as_valid(line, path)
    noted = "placeholder" in result.stdout
    assert noted == any(p.stem == "template" for p in SCENARIO_FILES)


@pytest.mark.parametrize("edits, key", [
    ({"horizon": "long"}, "horizon"),
    ({"initial.crisis.vaule": 0.8}, "initial.crisis.vaule"),
    ({"policies.targeted.levers.targeted_sanctions": 2}, "policies.targeted.levers.targeted_sanctions"),
], ids=["wrong type", "unknown key", "out of range"])
def test_validate_a_bad_file(cli, write_scenario, edits, key):
    path = write_scenario(edits)
    assert_bad_input(cli("validate", path), str(path), key)


def test_validate_reports_each_file(cli, write_scenario):
    bad = write_scenario({"baseline": "nope"})
    result = cli("validate", DEFAULT_FILE, bad)
    assert_bad_input(result, str(bad), "baseline")
    assert len(result.stdout.splitlines()) == 1
    assert names_as_valid(result.stdout.splitlines()[0], DEFAULT_FILE)


def test_run_takes_the_aggregator():
    from click.testing import CliRunner

    from polmodel.cli import main

    runner = CliRunner()
    by_min = runner.invoke(main, ["run", "--policy", "status-quo", "--json"])
    geometric = runner.invoke(main, ["run", "--policy", "status-quo", "--json", "--aggregator", "geometric"])
    assert by_min.exit_code == geometric.exit_code == 0
    a, b = json.loads(by_min.output)[0], json.loads(geometric.output)[0]
    assert (a["aggregator"], b["aggregator"]) == ("min", "geometric")
    # Same states; the geometric mean of four numbers is never below their minimum.
    assert a["crisis"] == b["crisis"]
    assert all(g >= m for g, m in zip(b["opening_index"], a["opening_index"]))
    assert b["peak_index"] > a["peak_index"]


def test_an_out_folder_that_cannot_be_made_is_one_line_not_a_traceback(tmp_path):
    from click.testing import CliRunner

    from polmodel.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(main, ["run", "--policy", "status-quo", "--out", str(blocker / "figs")])
    assert result.exit_code == 2  # bad input (issue 9), checked before computing
    assert "cannot make this folder" in result.output
    assert "Traceback" not in result.output


def test_levers_out_writes_the_causal_diagram(tmp_path):
    from click.testing import CliRunner

    from polmodel.cli import main

    result = CliRunner().invoke(main, ["levers", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    png = tmp_path / "causal-diagram.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
