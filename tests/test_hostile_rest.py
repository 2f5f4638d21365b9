"""The rest of the reliability issue: hostile inputs and outputs that still misbehaved.

Each test is one promise: bad input is one line naming the file, key or option and what is
allowed (status 2); an error after a progress label starts its own line; what is printed fits
100 columns; output files are never written over a FIFO or a device.
"""

from __future__ import annotations

import errno
import os
import shutil

import pytest
from conftest import cli

from polmodel.errors import PolmodelError
from polmodel.limits import MAX_WORLDS
from polmodel.scenario.loading import DEFAULT_SCENARIO, load_scenario

SC = load_scenario(DEFAULT_SCENARIO)
OTHER = next(p for p in SC.policies if p != SC.baseline)



def one_error(result, *fragments, status=2):
    """Status, nothing on stdout, one ``Error:`` line on stderr holding every fragment."""
    assert result.exit_code == status, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# ---- Item 2: an error after a progress label starts its own line --------------------------------


def _advance_then_fail(*args, progress=None, **kwargs):
    progress(5)
    raise PolmodelError("the library refused this half-way")


@pytest.mark.parametrize("module, name, args, label", [
    ("polmodel.analysis.comparison", "compare", ["compare", "--worlds", 20_000], "plausible worlds"),
    ("polmodel.analysis.sensitivity_analysis", "sensitivity",
     ["sensitivity", "--worlds", 32, "--policy", OTHER], "sensitivity"),
    ("polmodel.analysis.discovery", "discover",
     ["discover", "--worlds", 20_000, "--policy", OTHER], "plausible worlds"),
    ("polmodel.analysis.sweeps", "sweep", ["sweep", "--x", "rally", "--worlds", 2000],
     "plausible worlds"),
])
def test_an_error_after_the_progress_label_starts_its_own_line(monkeypatch, module, name, args,
                                                               label):
    monkeypatch.setattr(f"{module}.{name}", _advance_then_fail)
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    # The label (stderr is not a terminal here) and then the error, on a line of its own.
    assert lines == [label, "Error: the library refused this half-way"], result.stderr


@pytest.mark.parametrize("module, name, args", [
    ("polmodel.room.handout", "handout", ["report", "--worlds", 20]),
    ("polmodel.room.elicitation", "elicit", ["elicit", "estimates.csv"]),
    ("polmodel.analysis.runs", "run", ["run"]),
])
def test_commands_without_a_progress_bar_fail_in_one_line(monkeypatch, tmp_path, module, name,
                                                          args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "estimates.csv").write_text("participant,parameter,low,best,high\n")

    def fail(*a, **k):
        raise PolmodelError("the library refused this half-way")

    monkeypatch.setattr(f"{module}.{name}", fail)
    one_error(cli(*args), "the library refused this half-way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["estimates.csv"]  # nothing written


# ---- Item 1: quantiles are finite and in order, refused at validation --------------------------


@pytest.mark.parametrize("quantiles, key, fragment", [
    ([0.5, float("nan"), 0.85], "mechanisms.rally.quantiles.1", "finite number"),
    ([0.5, float("inf"), 0.85], "mechanisms.rally.quantiles.1", "finite number"),
    ([0.5, float("-inf"), 0.85], "mechanisms.rally.quantiles.1", "finite number"),
    ([0.5, 0.9, 0.7, 0.85], "mechanisms.rally", "quantiles must not decrease"),
], ids=["nan", "inf", "-inf", "out of order"])
def test_validate_refuses_bad_quantiles_naming_the_file_and_the_key(write_scenario, quantiles,
                                                                    key, fragment):
    path = write_scenario({"mechanisms": {"rally": {
        "value": 0.6, "range": [0.5, 0.85], "source": "assumption: test", "quantiles": quantiles}}})
    line = one_error(cli("validate", path), f"{path}: {key}: ", fragment, "allowed:")
    # compare refuses the same file before any work, with the same line.
    assert one_error(cli("compare", path, "--worlds", 20)) == line


def test_validate_accepts_finite_quantiles_in_order(write_scenario):
    path = write_scenario({"mechanisms": {"rally": {
        "value": 0.6, "range": [0.5, 0.85], "source": "assumption: test",
        "quantiles": [0.5, 0.55, 0.55, 0.7, 0.85]}}})
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert load_scenario(str(path)).parameters["rally"].quantiles == (0.5, 0.55, 0.55, 0.7, 0.85)


@pytest.mark.parametrize("key", ["initial.crisis.value", "context.patron_support.value"])
def test_validate_refuses_nan_anywhere_a_number_belongs(write_scenario, key):
    path = write_scenario({key: float("nan")})
    one_error(cli("validate", path), f"{path}: {key}: nan", "finite number")


# ---- Item 3: validate never cuts its verdict -------------------------------------------------


def test_validate_keeps_the_verdict_for_a_file_deep_in_long_folders(tmp_path):
    from conftest import DEFAULT_FILE

    folder = tmp_path.joinpath(*[f"a-rather-long-folder-name-{i:02d}" for i in range(8)],
                               "scenarios")
    folder.mkdir(parents=True)
    path = folder / "nicaragua-2018.toml"
    shutil.copyfile(DEFAULT_FILE, path)
    assert len(str(path)) > 200
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert len(line) <= 100, line
    shown, verdict, rest = line.partition(": valid (")
    assert verdict and f"baseline {SC.baseline!r})" in rest, line
    # Shortened from the left: the folders nearest the file and its whole name.
    assert shown == ".../scenarios/nicaragua-2018.toml", shown


def test_validate_wraps_rather_than_cuts_when_the_file_name_itself_is_long(tmp_path):
    from conftest import DEFAULT_FILE

    path = tmp_path / ("x" * 100 + ".toml")  # names are at most 100 characters
    shutil.copyfile(DEFAULT_FILE, path)
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines), lines
    text = "".join(lines)
    assert path.name in text.replace(" ", "")
    assert f": valid ({len(SC.policies)} policies, " in " ".join(lines), lines


def test_shorten_path_keeps_what_fits_from_the_right():
    from polmodel.views.text import shorten_path

    assert shorten_path("/a/b/c.toml", 100) == "/a/b/c.toml"
    assert shorten_path("/aaaa/bbbb/cccc/x.toml", 18) == ".../cccc/x.toml"
    assert shorten_path("/aaaa/bbbb/" + "n" * 30, 18) == ".../" + "n" * 30


# ---- Item 4: run fits 100 columns with the longest policy name -------------------------------


@pytest.fixture
def long_policy_file(tmp_path):
    """venezuela-2018 with one policy renamed to a 100-character name (the longest allowed)."""
    import tomllib

    from conftest import DEFAULT_FILE, toml_dumps

    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    long = "a-policy-with-a-long-name-" + "x" * 74
    assert len(long) == 100
    data["policies"][long] = data["policies"].pop(OTHER)
    for spec in data["policies"].values():
        if spec.get("extends") == OTHER:
            spec["extends"] = long
    if data.get("contrast"):
        data["contrast"] = [long if c == OTHER else c for c in data["contrast"]]
    path = tmp_path / "long.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    return path, long


def test_every_line_run_prints_fits_100_columns_with_a_100_character_policy_name(
        long_policy_file):
    path, long = long_policy_file
    result = cli("run", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    # Wrapped, not cut: the whole name is still there.
    assert long in "".join(result.stdout.split())


# ---- Item 6: sweeping an assumption the file fixes is refused, saying how to give a range ---------


def test_sweeping_an_assumption_fixed_in_the_file_is_refused_saying_how_to_give_a_range(
        write_scenario):
    path = write_scenario({"mechanisms": {"rally": {"value": 0.02, "range": [0.02, 0.02],
                                                    "source": "assumption: fixed"}}})
    one_error(cli("sweep", path, "--x", "rally", "--points", 3, "--worlds", 8),
              "sweep axis rally", str(path), "fixes it at 0.02", "rally=LOW:HIGH")
    # The same for the second axis, and for an initial state fixed by the file.
    one_error(cli("sweep", path, "--x", "lever.targeted_sanctions", "--y", "rally", "--points", 2,
                  "--worlds", 8), "sweep axis rally", "rally=LOW:HIGH")
    fixed_state = write_scenario({"initial.crisis.range": [0.7, 0.7], "initial.crisis.value": 0.7},
                                 name="state.toml")
    one_error(cli("sweep", fixed_state, "--x", "initial.crisis", "--points", 3, "--worlds", 8),
              "sweep axis initial.crisis", "fixes it at 0.7", "from 0 to 1")


def test_an_assumption_fixed_in_the_file_sweeps_the_range_given_on_the_command_line(
        write_scenario):
    import json

    path = write_scenario({"mechanisms": {"rally": {"value": 0.02, "range": [0.02, 0.02],
                                                    "source": "assumption: fixed"}}})
    result = cli("sweep", path, "--x", "rally=0.01:0.03", "--points", 3, "--worlds", 8,
                 "--horizon", 12, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["grids"] == [pytest.approx([0.01, 0.02, 0.03])]


def test_the_library_refuses_a_fixed_axis_too(write_scenario):
    from polmodel import sweep

    path = write_scenario({"initial.crisis.range": [0.7, 0.7], "initial.crisis.value": 0.7})
    with pytest.raises(PolmodelError, match=r"initial.crisis=LOW:HIGH"):
        sweep(str(path), "initial.crisis", points=2, worlds=4)


# ---- Item 7: estimates given in code are checked as the CSV's rows are ------------------------


def _elicit_rows(*rows):
    from polmodel import elicit
    from polmodel.room.estimates_file import EstimateRow  # not a root name (yet)

    return elicit([EstimateRow(*r) for r in rows], DEFAULT_SCENARIO, worlds=8,
                  policies=[OTHER])


@pytest.mark.parametrize("values, fragment", [
    ((0.6, 0.2, 0.4), "out of order"),                      # low > best
    ((0.2, 0.2, 0.2), "all 0.2, a single number; allowed: a range, low < high"),  # low == high
    ((0.1, 0.2, float("nan")), "high nan is not a number"),
    ((float("-inf"), 0.2, 0.4), "low -inf is not a number"),
    ((0.1, "0.2", 0.4), "best '0.2' is not a number"),
    ((0.1, True, 0.4), "best True is not a number"),
    ((0.1, 0.5, 1.5), "from 0.1 to 1.5 is not allowed; allowed: 0 to 1"),  # a state above 1
    ((-0.1, 0.2, 0.4), "is not allowed; allowed: 0 to 1"),
])
def test_estimates_in_code_are_range_checked_like_the_file(values, fragment):
    with pytest.raises(PolmodelError, match="allowed:") as info:
        _elicit_rows(("ann", "initial.fracture", 0.1, 0.2, 0.4),
                     ("ben", "initial.fracture", *values))
    message = str(info.value)
    assert message.startswith("estimates: item 1 (ben, 'initial.fracture')"), message
    assert fragment in message and "\n" not in message


def test_estimates_in_code_above_a_parameters_hard_limit_are_refused():
    from polmodel.room.estimates_file import estimable

    limit = estimable()["rally"]
    with pytest.raises(PolmodelError, match=f"allowed: 0 to {limit:g}"):
        _elicit_rows(("ann", "rally", 0.0, limit / 2, limit * 2))


def test_estimates_in_code_name_known_parameters_once_each():
    with pytest.raises(PolmodelError, match="unknown parameter; allowed: "):
        _elicit_rows(("ann", "no_such_parameter", 0.1, 0.2, 0.4))
    with pytest.raises(PolmodelError, match="already in item 0; allowed: one row per"):
        _elicit_rows(("ann", "rally", 0.01, 0.02, 0.03), ("ann", "rally", 0.01, 0.02, 0.04))


def test_valid_estimates_in_code_are_pooled():
    e = _elicit_rows(("ann", "initial.fracture", 0.1, 0.2, 0.4),
                     ("ben", "initial.fracture", 0.3, 0.5, 0.6))
    assert e.participants == ["ann", "ben"]


# ---- Item 8: an --out set never replaces a FIFO or device, and a full disk writes nothing ----


def test_an_out_folder_holding_a_fifo_named_like_an_output_is_refused_before_computing(tmp_path):
    import stat

    out = tmp_path / "figs"
    out.mkdir()
    fifo = out / "venezuela-2018-compare.csv"
    os.mkfifo(fifo)
    result = cli("compare", "--worlds", 8, "--horizon", 12, "--out", out, "--force")
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and "not a regular file" in line, line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO: not replaced
    assert [p.name for p in out.iterdir()] == [fifo.name]  # nothing written beside it


def test_a_full_disk_while_writing_an_output_set_writes_nothing_and_says_so(tmp_path, monkeypatch):
    import polmodel.views.outputs as outputs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs, "write_temporary", full)
    out = tmp_path / "figs"
    result = cli("compare", "--worlds", 8, "--horizon", 12, "--out", out)
    assert result.exit_code != 0
    line = result.stderr.strip().splitlines()[-1]
    assert os.strerror(errno.ENOSPC) in line and "Traceback" not in result.stderr
    assert "wrote" not in result.stderr
    assert not out.exists() or [p.name for p in out.iterdir() if not p.name.startswith(".")] == []


def test_a_full_disk_named_by_the_system_is_reported_with_the_file(monkeypatch):
    """An ENOSPC that escapes to the command line with a file name says which file."""
    import polmodel.analysis.runs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/some/where/runs.csv")

    monkeypatch.setattr(polmodel.analysis.runs, "run", full)
    line = one_error(cli("run"), "/some/where/runs.csv: cannot write the output: ", status=1)
    assert os.strerror(errno.ENOSPC) in line


# ---- Item 9: no message names internals (pydantic's classes, click's default phrasings) ----------


@pytest.mark.parametrize("edits, key, allowed", [
    ({"initial": 3}, "initial", "allowed: a table of crisis, "),
    ({"initial.crisis": "high"}, "initial.crisis", "allowed: a table of value, range, source"),
    ({"policies.targeted.levers": 3}, "policies.targeted.levers", "allowed: a table of lever"),
])
def test_a_scalar_where_a_table_belongs_is_named_without_pydantic_words(write_scenario, edits, key,
                                                                        allowed):
    path = write_scenario(edits)
    result = cli("validate", path)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if f": {key}: " in line]
    assert lines and lines[0].startswith(f"Error: {path}: {key}: ") and allowed in lines[0], \
        result.stderr
    assert "instance of" not in result.stderr and "valid dictionary" not in result.stderr


@pytest.mark.parametrize("args, line", [
    (["compare", "--sampler", "grid"], "Error: --sampler: 'grid' is not allowed; allowed: lhs, sobol"),
    (["run", "--aggregator", "max"],
     "Error: --aggregator: 'max' is not allowed; allowed: min, product, geometric"),
    (["compare", "--worlds", "0"],
     f"Error: --worlds: 0 is not allowed; allowed: a whole number from 1 to {MAX_WORLDS:,}"),
    (["sweep"], "Error: --x: missing; this option is required"),
    (["validate"], "Error: FILE...: missing; this argument is required"),
    (["run", "--policy"], "Error: --policy: no value given; allowed: one value after it"),
    (["report", "--pair", "a"], "Error: --pair: no value given; allowed: 2 values after it"),
    (["show", "venezuela-2018", "extra"], "Error: extra: unexpected argument; allowed: "),
])
def test_usage_errors_name_the_option_first_in_the_house_phrasing(args, line):
    message = one_error(cli(*args))
    assert message.startswith(line), message
    for phrase in ("Invalid value for", "is not one of", "Missing option", "requires an argument",
                   "Got unexpected", "<=x<="):
        assert phrase not in message, message


# ---- Hostile-user trial: names a spreadsheet would run as formulas --------------------------------


def _renamed_policy(tmp_path, new_name, file_name="renamed.toml"):
    import tomllib

    from conftest import DEFAULT_FILE, toml_dumps

    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["policies"] = {(new_name if k == OTHER else k): v for k, v in data["policies"].items()}
    if data.get("contrast"):
        data["contrast"] = [new_name if p == OTHER else p for p in data["contrast"]]
    path = tmp_path / file_name
    path.write_text(toml_dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(1)", " =x"])
def test_a_policy_name_a_spreadsheet_would_run_is_refused_at_validation(tmp_path, name):
    # README: names starting with = + - @ are refused; only the live room refused them, so
    # validate passed such a policy and compare and run wrote it into their CSVs.
    path = _renamed_policy(tmp_path, name)
    message = one_error(cli("validate", path), str(path), "formula",
                        "allowed: a name that does not start with =, +, - or @")
    assert f"policies.{name}" in message
    out = tmp_path / "out"
    one_error(cli("compare", path, "--worlds", 16, "--out", out), "formula")
    assert not out.exists()


def test_a_policy_built_in_code_with_a_formula_name_is_refused():
    from polmodel.model.levers import Policy

    with pytest.raises(PolmodelError, match="policy name '=cmd\\(\\)' starts with '='"):
        Policy("=cmd()")


def test_names_that_only_contain_the_signs_are_still_names(tmp_path):
    path = _renamed_policy(tmp_path, "relief+talks (a-b) @home")
    assert cli("validate", path).exit_code == 0


@pytest.mark.parametrize("who", ["=cmd()", "+A", "-A", "@A"])
def test_elicit_refuses_a_participant_name_a_spreadsheet_would_run(tmp_path, who):
    path = tmp_path / "e.csv"
    path.write_text(f"participant,parameter,low,best,high\n{who},rally,0.01,0.02,0.05\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    one_error(cli("elicit", path, "--worlds", 16, "--out", out),
              f"{path}:2: participant {who!r} starts with {who[0]!r}", "formula")
    assert not out.exists()


def test_elicit_refuses_an_estimates_file_whose_name_would_run_in_its_csv(tmp_path):
    path = tmp_path / "=cmd().csv"  # the verdicts CSV has an estimates_file column
    path.write_text("participant,parameter,low,best,high\nA,rally,0.01,0.02,0.05\n",
                    encoding="utf-8")
    one_error(cli("elicit", path, "--worlds", 16), "estimates file name '=cmd().csv'", "formula")


def test_a_scenario_file_whose_name_would_run_in_a_csv_is_refused(tmp_path):
    path = _renamed_policy(tmp_path, OTHER, file_name="@x.toml")  # the name is the scenario column
    one_error(cli("validate", path), "scenario name", "'@x'", "formula")
