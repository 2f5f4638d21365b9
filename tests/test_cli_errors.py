"""Every CLI error path is one line (issue 9): status 2 for bad input, 130 for Ctrl-C, 1 for bugs.

Each command-line case of issue 9 is a test here, with the behaviour it now has: usage errors
in one line (click prints three), bad numbers refused at the option, unusual scenario files
(a folder, a device, a FIFO, a huge or deeply nested file, an unreadable one) named in one
line, control characters escaped, long values shortened, Ctrl-C stopping promptly, and no more
processes than chunks of worlds.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import assert_one_line, cli

from polmodel.analysis.worlds import DEFAULT_CHUNK
from polmodel.cli import main
from polmodel.cli.workers import process_count
from polmodel.limits import MAX_HORIZON, MAX_SCENARIO_BYTES, MAX_WORLDS
from polmodel.scenario.loading import DEFAULT_SCENARIO, load_scenario

SC = load_scenario(DEFAULT_SCENARIO)
OTHER = next(p for p in SC.policies if p != SC.baseline)
SMALL = ["--worlds", "32", "--horizon", "12"]




# ---- Usage errors and option limits -------------------------------------------------------------


@pytest.mark.parametrize("args, fragment", [
    (["compare", "--bogus"], "--bogus"),
    (["run", "--horizon"], "--horizon"),
    (["run", "--horizon", "twelve"], "twelve"),
    (["nosuchcommand"], "nosuchcommand"),
    (["compare", "--sampler", "grid"], "grid"),
    (["compare", "a", "b"], "b"),
    (["run", "--json", "--csv"], "--json"),
], ids=["unknown option", "missing value", "not a number", "unknown command", "bad choice",
        "extra argument", "two formats"])
def test_usage_errors_are_one_line(args, fragment):
    assert_one_line(cli(*args), 2, fragment)


@pytest.mark.parametrize("args, fragment", [
    (["compare", "--seed", "-1"], "--seed"),
    (["compare", "--worlds", str(10**12)], f"{MAX_WORLDS}"),
    (["compare", "--worlds", "0"], "--worlds"),
    (["run", "--horizon", str(10**9)], f"{MAX_HORIZON}"),
    (["compare", "--horizon", str(MAX_HORIZON + 1)], f"{MAX_HORIZON}"),
    (["run", "--horizon", "40000"], f"{MAX_HORIZON}"),
    (["compare", "--workers", "0"], "--workers"),
], ids=["negative seed", "worlds beyond the limit", "no worlds", "horizon 10**9",
        "compare horizon", "horizon past the counter", "no workers"])
def test_numbers_beyond_their_limits_are_refused_at_the_option(args, fragment):
    assert_one_line(cli(*args), 2, fragment)


HORIZON_COMMANDS = ["run", "compare", "report", "sweep", "sensitivity", "discover"]


@pytest.mark.parametrize("command", HORIZON_COMMANDS)
def test_every_command_takes_the_same_horizon_and_says_its_limit(command):
    # report, sweep, sensitivity and discover said [x>=1] and left 601 to the library's message.
    help_text = cli(command, "--help").stdout
    assert f"[1<=x<={MAX_HORIZON}]" in " ".join(help_text.split()), help_text
    message = assert_one_line(cli(command, "--horizon", MAX_HORIZON + 1), 2, "--horizon",
                              f"{MAX_HORIZON}")
    assert f"{command} --help" in message


def test_the_longest_horizon_allowed_runs_and_counts_months_right():
    result = cli("compare", "--worlds", "8", "--horizon", MAX_HORIZON, "--json")
    assert result.exit_code == 0, result.stderr
    import json

    data = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
    for stats in data["policies"].values():
        assert 0 <= stats["months_open_mean"] <= MAX_HORIZON


# ---- Scenario files that are not scenario files ----------------------------------------------------


def test_a_folder_as_scenario(tmp_path):
    assert_one_line(cli("run", tmp_path), 2, str(tmp_path), "folder")


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_as_scenario(device):
    assert_one_line(cli("run", device), 2, device, "not a regular file")


def test_a_fifo_as_scenario_does_not_block(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert_one_line(cli("validate", fifo), 2, "pipe.toml", "not a regular file")


def test_a_huge_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(200 * 2**20)  # 200 MB, sparse: reading it would take the memory, not the disk
    assert_one_line(cli("run", big), 2, "big.toml", f"{MAX_SCENARIO_BYTES:,}")


def test_a_deeply_nested_file_is_one_line(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("title = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    assert_one_line(cli("run", deep), 2, "deep.toml", "nested too deeply")


def test_a_nested_value_just_below_the_recursion_limit_is_refused_without_a_traceback(tmp_path):
    """Whether the reader hits Python's recursion limit (one line) or reads the value and the
    schema lists what is wrong (a line each) depends on the stack depth the test runs at: either
    way every line names the file, with exit status 2 and no traceback."""
    deep = tmp_path / "deep.toml"
    deep.write_text("title = " + "[" * 900 + "]" * 900 + "\n", encoding="utf-8")
    result = cli("run", deep)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("Error: ") and "deep.toml" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_an_unreadable_file_is_one_line(tmp_path, write_scenario, monkeypatch):
    path = write_scenario()
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: make the open fail as it would for anyone else
        import builtins

        real_open = builtins.open

        def deny(file, *args, **kwargs):
            if str(file) == str(path):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", deny)
    assert_one_line(cli("run", path), 2, path.name, "permission denied")


def test_a_missing_file_is_one_line(tmp_path):
    assert_one_line(cli("run", tmp_path / "nope.toml"), 2, "nope.toml", "not found")


# ---- Messages that cannot break the line or flood the terminal ----------------------------------


def test_a_newline_inside_a_name_stays_on_one_line(tmp_path):
    message = assert_one_line(cli("run", "--policy", "a\nb"), 2, "unknown policy")
    assert "a\\nb" in message
    message = assert_one_line(cli("run", tmp_path / "bad\nname.toml"), 2, "not found")
    assert "bad\\nname.toml" in message


def test_a_ten_megabyte_value_is_shortened(write_scenario):
    message = assert_one_line(cli("run", "--policy", "x" * 10_000_000), 2, "unknown policy")
    assert "characters" in message
    # In a file the size limit comes first; a long value under it is shortened too.
    path = write_scenario({"horizon": "y" * 900_000})
    message = assert_one_line(cli("run", path), 2, "horizon")
    assert "characters" in message
    big = write_scenario({"title": "x" * 10_000_000})
    assert_one_line(cli("run", big), 2, f"{MAX_SCENARIO_BYTES:,}")


def test_control_characters_in_a_title_are_refused_and_escaped_in_the_message(write_scenario):
    # A title is free text shown to people: since the hostile-user trial, control characters in
    # it are refused at load, as in a policy name (issue 14; tests/test_hostile_paths.py); the
    # message shows them escaped.
    path = write_scenario({"title": "Evil \x1b[2J\x1b[31mtitle\x07"})
    for command in (["run"], ["compare", *SMALL], ["validate"], ["show"],
                    ["sweep", "--x", "rally", "--points", "2", "--worlds", "50"]):
        result = cli(command[0], path, *command[1:])
        assert_one_line(result, 2, f"{path}: title: ", "\\x1b[2J", "U+001B")
        assert "\x07" not in result.stderr


# ---- Internal failures and interrupts -----------------------------------------------------------


def test_an_internal_failure_is_one_line_saying_what_to_report(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("polmodel.analysis.runs.run", broken)
    message = assert_one_line(cli("run"), 1, "internal error", "ZeroDivisionError", "report")
    assert "--version" in message


def test_running_out_of_memory_is_one_line(monkeypatch):
    def hungry(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("polmodel.analysis.comparison.compare", hungry)
    assert_one_line(cli("compare", *SMALL), 2, "out of memory", "--worlds")


def test_a_keyboard_interrupt_is_one_line_and_status_130(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("polmodel.analysis.comparison.compare", interrupted)
    result = CliRunner().invoke(main, ["compare", *SMALL])
    assert result.exit_code == 130
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], result.stderr


# Python itself handles a SIGINT that arrives while it imports `site` and finds the package,
# before any code of polmodel's can run (it prints "Fatal Python error" or a traceback): polmodel's
# part begins when its command line starts importing click. An audit hook in the child says when,
# then the child starts polmodel exactly as `python -m polmodel` does.
_STARTING = """
import runpy, sys
def up(event, args):
    if event == "import" and args[0] == "click" and not up.said:
        up.said = True
        sys.stderr.write("up\\n")
        sys.stderr.flush()
up.said = False
sys.addaudithook(up)
sys.argv = ["polmodel", "compare", "--worlds", "400000"]
runpy.run_module("polmodel", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2])
def test_ctrl_c_while_starting_is_one_line_and_status_130(delay):
    proc = subprocess.Popen([sys.executable, "-c", _STARTING], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert proc.stderr.readline() == b"up\n"
        time.sleep(delay)  # polmodel is importing click, then numpy and pydantic, then runs
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: interrupted"), err
    assert out == b""


def _polmodel(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "polmodel", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_ctrl_c_during_a_two_worker_run_stops_promptly_with_status_130():
    """SIGINT to the whole process group, as a terminal sends it, while workers are busy."""
    proc = _polmodel("compare", "--worlds", 400_000, "--horizon", 150, "--workers", 2, "--json",
                     start_new_session=True, bufsize=0)
    try:
        # The progress label appears when the first chunk is done: the workers are busy then,
        # with many seconds of work queued. Read unbuffered, so that no byte after the label is
        # read ahead and lost to communicate() below.
        label = proc.stderr.readline()
        assert label == b"plausible worlds\n", label + proc.stderr.read()
        assert proc.poll() is None
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        err = label + err
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    text = err.decode()
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "interrupted" in errors[0], text
    assert text.strip().splitlines()[-1] == errors[0]
    assert text.splitlines() == ["plausible worlds", errors[0]], text  # the label, then the error
    assert out == b""
    assert waited < 15, waited  # generous: queued chunks are cancelled, running ones are short


def test_workers_stop_when_the_main_process_is_killed():
    """A killed run leaves no worker computing or waiting for ever (they hold its pipes open)."""
    proc = _polmodel("compare", "--worlds", 100_000, "--horizon", 300, "--workers", 2, "--json",
                     start_new_session=True, bufsize=0)
    try:
        label = proc.stderr.readline()
        assert label == b"plausible worlds\n", label + proc.stderr.read()
        sent = time.monotonic()
        proc.kill()
        proc.communicate(timeout=30)  # returns once every process holding the pipes is gone
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert waited < 15, waited


# ---- Processes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers, worlds, expected", [
    (1000 // 4, 1000, 1), (2, 1000, 1), (2, DEFAULT_CHUNK + 1, 2), (8, 3 * DEFAULT_CHUNK, 3),
    (1, 10**6, 1)])
def test_no_more_processes_than_chunks(workers, worlds, expected):
    assert process_count(workers, worlds, DEFAULT_CHUNK) == expected


def test_many_workers_for_one_chunk_start_no_pool(monkeypatch):
    started = []

    import concurrent.futures

    class Recording(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    result = cli("compare", "--workers", 200, *SMALL, "--json")
    assert result.exit_code == 0, result.stderr
    assert started == []
    result = cli("compare", "--workers", 200, "--worlds", DEFAULT_CHUNK + 1, "--horizon", 12, "--json")
    assert result.exit_code == 0, result.stderr
    assert started == [2]


def test_more_policies_than_the_limit_are_refused_at_once():
    from polmodel.limits import MAX_POLICIES

    args = [part for i in range(MAX_POLICIES + 1) for part in ("--policy", f"p{i}")]
    assert_one_line(cli("compare", *args), 2, "--policy", f"at most {MAX_POLICIES}")


def test_ctrl_c_while_a_session_imports_the_command_line_is_the_usual_interrupt(monkeypatch):
    """In a notebook or a REPL, an interrupt during the import must not end the session."""
    from polmodel import cli

    monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)
    with pytest.raises(KeyboardInterrupt):
        cli._interrupted_while_starting(signal.SIGINT, None)


@pytest.mark.parametrize(("before", "user", "expected"), [
    ("", None, "1"),                      # the command starting afresh: one BLAS thread
    ("", "4", "4"),                       # the user's own setting wins
    ("import numpy; ", None, None),       # a session that already has numpy: left alone
])
def test_the_command_line_limits_blas_threads_only_for_itself(before, user, expected):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if user is not None:
        env["OPENBLAS_NUM_THREADS"] = user
    code = f"{before}import os; import polmodel.cli; print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(expected)


# ---- Hostile-user trial: vague messages made exact ----------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "validate", "show"])
@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_scenario_name_says_it_is_empty_and_what_is_allowed(command, given):
    # Was "Error: : is a folder, not a scenario file" (Path("") is the current folder).
    message = assert_one_line(cli(command, given), 2, f"scenario {given!r} is empty; allowed: "
                              "a built-in scenario name (")
    assert "cases/NAME" in message and "is a folder" not in message


def test_new_over_a_folder_says_choose_another_name_not_out(tmp_path, monkeypatch):
    # new has no --out option; it said "choose another --out".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "qq.toml").mkdir()
    message = assert_one_line(cli("new", "qq", "--force"), 2, "qq.toml: is a folder",
                              "choose another NAME")
    assert "--out" not in message


def test_new_refuses_a_name_that_commands_would_read_as_an_option(tmp_path, monkeypatch):
    # It wrote -x.toml, then suggested `polmodel validate -x.toml`, which fails.
    monkeypatch.chdir(tmp_path)
    assert_one_line(cli("new", "--", "-x"), 2, "NAME '-x': starts with '-'",
                    "allowed: a plain file name starting with a letter or digit")
    assert list(tmp_path.iterdir()) == []


def test_an_estimate_that_is_one_number_says_a_range_is_needed(tmp_path):
    # Was "low 0.5, best 0.5, high 0.5 are out of order": they are in order; it is not a range.
    path = tmp_path / "e.csv"
    path.write_text("participant,parameter,low,best,high\nA,initial.fracture,0.5,0.5,0.5\n",
                    encoding="utf-8")
    message = assert_one_line(cli("elicit", path), 2,
                              f"{path}:2: low, best and high are all 0.5, a single number; "
                              "allowed: a range, low < high")
    assert "out of order" not in message
