"""Issue 14's hostile trial: hangs, runaway memory, internal errors and raw Python errors.

Each case is a test of the behaviour it now has: bad input gets one line naming what the user
typed and what is allowed (exit status 2, no traceback), and the library raises PolmodelError.
"""

import os
import re
import subprocess
import sys

import pytest
from conftest import assert_one_line, cli

from polmodel.errors import PolmodelError
from polmodel.limits import MAX_SCENARIO_BYTES

ROWS = "participant,parameter,low,best,high\nA,initial.fracture,0.1,0.2,0.4\n"




# ---- elicit: special files ----------------------------------------------------------------------


def test_elicit_on_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "estimates.csv"
    os.mkfifo(fifo)
    # In a subprocess with a timeout: a blocking open would hang the test, not fail it.
    done = subprocess.run([sys.executable, "-m", "polmodel", "elicit", str(fifo)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "not a regular file" in done.stderr and str(fifo) in done.stderr


def test_elicit_on_an_endless_device_is_refused_before_reading():
    # /dev/zero is only read from: nothing is written to the device.
    assert_one_line(cli("elicit", "/dev/zero"), 2, "/dev/zero", "not a regular file")


def test_elicit_reads_at_most_the_limit_plus_one_byte(tmp_path, monkeypatch):
    """A file that grows after stat (or lies about its size) is still read only so far."""
    path = tmp_path / "estimates.csv"
    path.write_text(ROWS)
    read = []
    real_open = open

    class Endless:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n=-1):
            read.append(n)
            return b"x" * (n if n >= 0 else 10 * MAX_SCENARIO_BYTES)

    def fake_open(file, *args, **kwargs):
        return Endless() if str(file) == str(path) else real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    from polmodel.room.estimates_file import read_estimates

    with pytest.raises(PolmodelError, match="larger than"):
        read_estimates(path)
    assert read == [MAX_SCENARIO_BYTES + 1]


def test_elicit_on_a_folder_is_one_line(tmp_path):
    assert_one_line(cli("elicit", tmp_path), 2, "is a folder")


def test_elicit_still_reads_a_good_file(tmp_path):
    from polmodel.room.estimates_file import read_estimates

    path = tmp_path / "estimates.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ROWS.encode())  # with a byte-order mark, as Excel saves
    rows = read_estimates(path)
    assert [(r.participant, r.parameter, r.best) for r in rows] == [("A", "initial.fracture", 0.2)]


@pytest.mark.parametrize("estimates, fragment", [
    (5, "estimates 5 is an int"),
    ([{}], "item 0 {} is a dict"),
    (None, "NoneType"),
    ([("A", "rally", 0.1, 0.2, 0.3)], "is a tuple"),
])
def test_elicit_refuses_what_is_not_estimates(estimates, fragment):
    from polmodel.room.elicitation import elicit

    with pytest.raises(PolmodelError, match="allowed:") as info:
        elicit(estimates, worlds=8)
    assert fragment in str(info.value)


# ---- A scenario whose every range is a single point ---------------------------------------------


@pytest.fixture
def point_scenario(tmp_path):
    """venezuela-2018 with every uncertain number fixed at its value (range [v, v])."""
    import tomllib

    from conftest import DEFAULT_FILE, toml_dumps

    from polmodel.room.pooled_scenario import section as _section
    from polmodel.scenario.loading import load_scenario
    from polmodel.scenario.whatif import names

    sc = load_scenario(DEFAULT_FILE)
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    for name in names(sc):
        u = sc.initial[name[8:]] if name.startswith("initial.") else sc.parameters[name]
        section, key = _section(name)
        entry = data.setdefault(section, {}).setdefault(key, {})
        entry.update(value=u.value, range=[u.value, u.value])
        entry.setdefault("source", "fixed for a test")
    path = tmp_path / "point.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    return path


def test_a_comparison_with_nothing_uncertain_is_the_central_run_in_every_world(point_scenario):
    import polmodel

    c = polmodel.compare(point_scenario, worlds=7)
    for name, o in c.outcomes.items():
        central = polmodel.run(point_scenario, name)
        assert o.peak_index.tolist() == pytest.approx([central.peak_index] * 7, rel=1e-9)
        assert set(o.bottleneck.tolist()) <= {0, 1, 2, 3}
        assert o.window.all() or not o.window.any()  # the same world seven times
    assert "plausible worlds" in str(c)
    assert c.to_dict()["provenance"]
    assert c.to_csv().startswith("polmodel_version,")


@pytest.mark.parametrize("command", [
    ["compare", "--worlds", "16"],
    ["sensitivity", "--worlds", "16", "--resamples", "0", "--policy", "targeted", "--policy", "broad"],
    ["discover", "--worlds", "100", "--policy", "targeted", "--policy", "broad"],
    ["sweep", "--x", "lever.targeted_sanctions", "--points", "3", "--worlds", "8"],
])
def test_commands_on_a_scenario_with_nothing_uncertain(command, point_scenario):
    result = cli(command[0], point_scenario, *command[1:])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output and result.stdout.strip()


def test_sensitivity_with_nothing_uncertain_says_so(point_scenario):
    import polmodel

    s = polmodel.sensitivity(point_scenario, "targeted", "broad", n=16, n_resamples=0)
    assert "No assumption of this scenario is uncertain" in s.headline()
    assert not s.sobol and s.to_dict()["inert"] == {}


def test_discovery_with_nothing_uncertain_boxes_nothing(point_scenario):
    import polmodel

    d = polmodel.discover(point_scenario, "broad", "targeted", worlds=50)
    assert d.box.names == ()
    assert d.box.density in (0.0, 1.0)  # the same world 50 times: it holds everywhere or nowhere
    assert d.to_csv() and d.summary()


def test_a_report_with_nothing_uncertain(point_scenario, tmp_path):
    out = tmp_path / "handout.html"
    result = cli("report", point_scenario, "--worlds", "32", "--out", out)
    assert result.exit_code == 0, result.output
    assert "No assumption of this scenario is uncertain" in " ".join(out.read_text().split())


# ---- Sweeps: memory before work, arguments, one-policy scenarios ------------------------------


def test_a_sweep_too_large_for_memory_is_refused_naming_points_and_worlds(monkeypatch):
    """The issue's --points 101 --worlds 10,000,000: refused before any world is sampled.

    Streamed (above 200,000 worlds), it needs a few hundred MiB whatever the worlds, so the
    memory available here is less than that.
    """
    monkeypatch.setattr("polmodel.limits.available_memory", lambda: 128 * 2**20)

    def no_sampling(*args, **kwargs):
        raise AssertionError("worlds were sampled before the memory check")

    monkeypatch.setattr("polmodel.analysis.options._draw_worlds", no_sampling)
    monkeypatch.setattr("polmodel.analysis.streaming.draw_block", no_sampling)
    message = assert_one_line(cli("sweep", "--x", "lever.targeted_sanctions", "--points", "101",
                                  "--worlds", "10000000"), 2, "--points", "--worlds", "GiB")
    assert "x 0 policies" not in message and "101 points" in message


def test_the_sweep_estimate_counts_the_grid():
    from polmodel.limits import comparison_bytes, sweep_bytes

    one = sweep_bytes(1_000_000, 70, 1, 2, 65536)
    grid = sweep_bytes(1_000_000, 70, 101, 2, 65536)
    # every point keeps a number and a flag per world: 9 bytes x 100 more points
    assert grid - one == 100 * 1_000_000 * 9
    assert one >= comparison_bytes(1_000_000, 70, 2) - 2 * 1_000_000 * 8 * 3


def test_a_sweep_that_fits_says_what_fits_and_that_runs(monkeypatch):
    from polmodel.limits import sweep_bytes

    monkeypatch.setattr("polmodel.limits.available_memory",
                        lambda: sweep_bytes(2000, 80, 5, 2, 65536))
    message = assert_one_line(cli("sweep", "--x", "lever.targeted_sanctions", "--points", "5",
                                  "--worlds", "100000"), 2, "--points")
    fits = int(message.split("allowed here: about ")[1].split(" worlds")[0].replace(",", ""))
    assert 0 < fits < 100_000
    result = cli("sweep", "--x", "lever.targeted_sanctions", "--points", "5", "--worlds", fits,
                 "--horizon", "12", "--json")
    assert result.exit_code == 0, result.output


def test_sensitivity_memory_names_worlds_not_the_design_rows(monkeypatch):
    monkeypatch.setattr("polmodel.limits.available_memory", lambda: 2**30)
    message = assert_one_line(cli("sensitivity", "--worlds", str(2**20), "--policy", "targeted",
                                  "--policy", "broad", "--method", "sobol"), 2, "--worlds")
    assert f"{2**20:,} worlds" in message and "67,108,864" not in message


@pytest.mark.parametrize("kwargs, fragment", [
    ({"x": 5}, "x 5 is an int"),
    ({"x": None}, "x None"),
    ({"y": 3}, "y 3 is an int"),
    ({"worlds": "10"}, "worlds '10' is a str"),
    ({"worlds": 0}, "worlds 0 is not allowed"),
])
def test_sweep_refuses_bad_arguments_with_one_line(kwargs, fragment):
    import polmodel

    with pytest.raises(PolmodelError, match="allowed:") as info:
        polmodel.sweep("venezuela-2018", **{"points": 2, "worlds": 4, **kwargs})
    assert fragment in str(info.value)


@pytest.fixture
def one_policy_scenario(write_scenario):
    import tomllib

    from conftest import DEFAULT_FILE

    policies = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))["policies"]
    return write_scenario({"policies": {"status-quo": policies["status-quo"]}},
                          delete=["contrast", "policies"])


def test_sweep_discover_and_sensitivity_on_a_one_policy_scenario(one_policy_scenario):
    import polmodel

    s = polmodel.sweep(one_policy_scenario, "lever.broad_sanctions", points=2, worlds=8, horizon=12)
    assert s.question.policies == ("status-quo",) and s.values.shape == (2,)
    d = polmodel.discover(one_policy_scenario, worlds=40, horizon=12)
    assert d.question.policies == ("status-quo",)
    t = polmodel.sensitivity(one_policy_scenario, n=16, n_resamples=0, methods=["tornado"],
                             horizon=12)
    assert t.question.policies == ("status-quo",)
    result = cli("sweep", one_policy_scenario, "--x", "rally", "--points", "2", "--worlds", "8",
                 "--horizon", "12")
    assert result.exit_code == 0, result.output
    assert "median peak opening index under status-quo" in " ".join(result.stdout.split())


# ---- Messages name what the user typed ------------------------------------------------------------


@pytest.mark.parametrize("args, fragment", [
    (["compare", "--worlds", "1.5"], "'1.5' is not a whole number; allowed: a whole number from 1"),
    (["run", "--horizon", "x"], "allowed: a whole number from 1 to 600"),
    (["sensitivity", "--worlds", str(2**21)], "--worlds"),
    (["sensitivity", "--resamples", "1000000"], "--resamples"),
    (["sensitivity", "--trajectories", "100000"], "--trajectories"),
])
def test_option_messages_name_the_option_and_what_is_allowed(args, fragment):
    message = assert_one_line(cli(*args), 2, fragment)
    for internal in ("integer range", "n_resamples", " n "):
        assert internal not in message


def test_a_pair_of_one_policy_twice_is_refused():
    assert_one_line(cli("compare", "--pair", "broad", "broad", "--worlds", "8"), 2, "--pair",
                    "two different policies")


def test_sweeping_an_assumption_fixed_by_set_is_refused_saying_how_to_give_a_range():
    assert_one_line(cli("sweep", "--x", "rally", "--set", "rally=0.05", "--points", "3",
                        "--worlds", "8"), 2, "--x rally", "--set", "rally=LOW:HIGH")


def test_sweeping_an_assumption_given_a_range_by_set_sweeps_that_range():
    result = cli("sweep", "--x", "rally", "--set", "rally=0.01:0.03", "--points", "3",
                 "--worlds", "8", "--horizon", "12", "--json")
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.stdout)["grids"] == [pytest.approx([0.01, 0.02, 0.03])]


# ---- Raw Python errors from the library become one line ---------------------------------------


@pytest.fixture(scope="module")
def small_comparison():
    import polmodel

    return polmodel.compare(worlds=16, horizon=12)


@pytest.mark.parametrize("path, fragment", [(5, "path 5 is not a file name"),
                                            ("", "is not a file name")])
def test_to_csv_refuses_what_is_not_a_path(small_comparison, path, fragment):
    with pytest.raises(PolmodelError, match="allowed: the path of a file") as info:
        small_comparison.to_csv(path)
    assert fragment in str(info.value)


def test_to_csv_refuses_a_folder_and_leaves_no_temporary_beside_it(small_comparison, tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    with pytest.raises(PolmodelError, match="is a folder"):
        small_comparison.to_csv(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert list(folder.iterdir()) == []


def test_to_csv_does_not_replace_a_fifo_by_a_file(small_comparison, tmp_path):
    import stat

    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(PolmodelError, match="not a regular file"):
        small_comparison.to_csv(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_to_csv_still_writes_a_file(small_comparison, tmp_path):
    path = tmp_path / "out.csv"
    small_comparison.to_csv(path)
    assert path.read_text(encoding="utf-8") == small_comparison.to_csv()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"paste_alpha": "0.1"}, "paste_alpha '0.1' is a str"),
    ({"peel_alpha": 0}, "peel_alpha = 0 is not allowed"),
    ({"min_mass": -1}, "min_mass = -1.0 is outside"),
    ({"min_coverage": 2}, "min_coverage = 2.0 is outside"),
    ({"max_restrictions": 0}, "max_restrictions 0 is not allowed"),
    ({"max_restrictions": 1.5}, "max_restrictions 1.5 is a float"),
])
def test_discover_refuses_nonsense_settings(kwargs, fragment, monkeypatch):
    import polmodel

    def no_work(*args, **kwargs):
        raise AssertionError("worlds were sampled before the settings were checked")

    monkeypatch.setattr("polmodel.analysis.options._draw_worlds", no_work)
    with pytest.raises(PolmodelError, match="allowed:") as info:
        polmodel.discover(worlds=50, horizon=12, **kwargs)
    assert fragment in str(info.value)


def test_prim_refuses_nonsense_settings_too():
    import numpy as np

    from polmodel.analysis.prim import prim

    x = np.random.default_rng(0).random((100, 2))
    with pytest.raises(PolmodelError, match="min_coverage"):
        prim(x, x[:, 0] < 0.3, ["a", "b"], min_coverage=2)
    assert prim(x, x[:, 0] < 0.3, ["a", "b"]).box.names == ("a",)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"methods": []}, "methods: none given"),
    ({"aggregators": []}, "aggregators: none given"),
])
def test_sensitivity_refuses_empty_lists(kwargs, fragment):
    import polmodel

    with pytest.raises(PolmodelError, match="allowed: one or more of") as info:
        polmodel.sensitivity(n=16, horizon=12, **kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize("setting, fragment", [
    ({"targeted_sanctions": "0.5"}, "targeted_sanctions '0.5' is a str"),
    ({"targeted_sanctions": True}, "targeted_sanctions True is a bool"),
    ({"targeted_sanctions": float("nan")}, "outside"),
    ({"targeted_sanctions_start": 1.5}, "targeted_sanctions_start 1.5 is a float"),
    ({"targeted_sanctions_start": "3"}, "is a str"),
])
def test_the_explorer_refuses_values_that_are_not_numbers(setting, fragment):
    import polmodel

    ex = polmodel.explore()
    before = (ex.result, dict(ex.settings))
    with pytest.raises(PolmodelError, match="allowed:") as info:
        ex.update(**setting)
    assert fragment in str(info.value)
    assert (ex.result, dict(ex.settings)) == before
    ex.update(targeted_sanctions=0.5, targeted_sanctions_start=3)  # numbers are still taken
    assert ex.settings["targeted_sanctions"].intensity == 0.5
    assert ex.settings["targeted_sanctions"].start == 3


def test_the_explorer_refuses_an_assumption_that_is_not_a_number():
    import polmodel

    ex = polmodel.explore()
    name = next(iter(ex.ranges))
    with pytest.raises(PolmodelError, match=f"{name} 'x' is a str; allowed: a number from"):
        ex.update(**{name: "x"})


# ---- What the system refuses: long names, full disks, stdout that cannot be written ------------


def test_stdout_on_a_full_device_is_one_line_and_non_zero():
    # /dev/full is only the stdout target (opened for writing by the shell's way, not replaced).
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "polmodel", "compare", "--worlds", "8",
                               "--horizon", "12"], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write the output"), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_full_disk_under_new_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    monkeypatch.chdir(tmp_path)
    result = cli("new", "mine")
    monkeypatch.undo()
    message = result.stderr.strip()
    assert result.exit_code != 0 and "\n" not in message, result.output
    assert "No space left on device" in message and "internal error" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["compare", "a" * 5000],
    ["run", "--out", "c" * 300],
    ["run", "--out", "c" * 4100],
], ids=["scenario of 5,000 characters", "--out of 300", "--out of 4,100"])
def test_names_past_the_system_limits_are_one_line(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = assert_one_line(cli(*args), 2)
    assert "internal error" not in message


def test_new_with_a_name_past_the_system_limit_is_one_line(tmp_path, monkeypatch):
    """The name rule (at most 100 characters) refuses it before the system's limit is reached."""
    monkeypatch.chdir(tmp_path)
    assert_one_line(cli("new", "b" * 300), 2, "300 characters", "1 to 100 characters")
    assert list(tmp_path.iterdir()) == []


def test_a_non_utf8_file_name_is_read(tmp_path):
    from conftest import DEFAULT_FILE

    name = os.fsdecode(b"\xff\xfe.toml")
    (tmp_path / name).write_bytes(DEFAULT_FILE.read_bytes())
    done = subprocess.run([sys.executable, "-m", "polmodel", "run", b"\xff\xfe.toml", "--horizon",
                           "12"], cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr


def test_a_scenario_file_with_a_byte_order_mark_is_read(tmp_path):
    from conftest import DEFAULT_FILE

    from polmodel.scenario.loading import load_scenario

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + DEFAULT_FILE.read_bytes())
    assert load_scenario(path).policies == load_scenario(DEFAULT_FILE).policies
    result = cli("validate", path)
    assert result.exit_code == 0 and ": valid (" in result.stdout, result.output


# ---- Hostile-user trial: free text shown to people --------------------------------------------

_TEXT_ALLOWED = "without control characters"


@pytest.mark.parametrize("key, value, fragment", [
    ("title", "a\x1b[31mred\x07", "'a\\x1b[31mred\\x07' holds the character U+001B"),
    ("title", "abc\u202edef\u200b", "'abc\\u202edef\\u200b' holds the character U+202E"),
    ("title", "x" * 5000, "has 5,000 characters; allowed: text of at most 200 characters"),
    ("title", "two\nlines", "holds the character U+000A"),
    ("description", "fine\nlines, then \x1b[2J", "holds the character U+001B"),
    ("description", "hidden\u2066isolate", "U+2066"),
    ("initial.crisis.source", "IMF \u202ereport", "U+202E"),
    ("policies.targeted.description", "\x07bell", "U+0007"),
])
def test_free_text_with_control_or_invisible_characters_is_refused_at_validation(
        write_scenario, key, value, fragment):
    # Hostile-user trial: such a title passed validate, then recoloured the terminal, printed a
    # raw bidi override, made matplotlib warn "Glyph 27 missing"; 5,000 characters made
    # compare take 21 s instead of 3 s.
    path = write_scenario({key: value})
    message = assert_one_line(cli("validate", path), 2, f"{path}: {key}: ", fragment)
    assert _TEXT_ALLOWED in message or "200 characters" in message


def test_free_text_that_is_fine_stays_fine(write_scenario):
    path = write_scenario({"title": "T" * 200, "description": "Línea uno\n\tline two ‍ 👩‍👩‍👧",
                           "initial.crisis.source": "معهد (2018), p. 3 \u200c"})
    result = cli("validate", path)
    assert result.exit_code == 0, result.output


def test_elicit_on_a_scenario_with_the_longest_title_writes_a_scenario_that_validates(
        write_scenario, tmp_path):
    path = write_scenario({"title": "T" * 200})
    est = tmp_path / "e.csv"
    est.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "out"
    result = cli("elicit", est, "--scenario", path, "--worlds", 16, "--policy", "targeted",
                 "--out", out)
    assert result.exit_code == 0, result.output
    pooled = out / "edited-estimates.toml"
    assert cli("validate", pooled).exit_code == 0


def test_elicit_refuses_an_estimates_file_name_with_control_characters(tmp_path):
    est = tmp_path / "e\x1b[31m.csv"  # its name goes into the pooled scenario's sources
    est.write_text(ROWS, encoding="utf-8")
    assert_one_line(cli("elicit", est, "--worlds", 16), 2, "estimates file name", "U+001B")


def test_a_policy_description_given_in_code_is_held_to_the_free_text_rule():
    """Policy(...) in code, as a scenario file's description: no ESC, no bidi override."""
    from polmodel.errors import PolmodelError
    from polmodel.model.levers import Policy

    assert Policy("p", description="two lines\nand a tab\t").description.startswith("two")
    for bad, code in (("a\x1b[31mred", "U+001B"), ("abc\u202edef", "U+202E")):
        with pytest.raises(PolmodelError, match=rf"policy .p.: description .* {re.escape(code)}"):
            Policy("p", description=bad)
