"""Each command imports only what it needs: start-up time is most of what a user waits for.

Importing ``scipy.stats`` alone costs most of a second and ``multiprocessing`` a good part of
a tenth; ``polmodel compare`` with defaults must not pay for either.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy", "matplotlib", "pandas", "multiprocessing", "numba", "distributed", "SALib",
         "starlette", "uvicorn", "segno")


def modules_loaded_by(args: list[str]) -> set[str]:
    code = ("import sys, io, contextlib\n"
            f"sys.argv = ['polmodel', *{args!r}]\n"
            "from polmodel.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        main()\n"
            "    except SystemExit as e:\n"
            "        assert not e.code, e.code\n"
            f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("args", [["--help"], ["compare", "--worlds", "64"], ["run"]])
def test_a_command_with_defaults_imports_nothing_heavy(args):
    assert modules_loaded_by(args) == set()


def test_the_handout_imports_nothing_heavy(tmp_path):
    # The report's budget (3 s) leaves no room for SALib, pandas, scipy.stats or matplotlib:
    # its figures are SVG written directly, its findings PRIM and flip points (issue 16).
    out = str(tmp_path / "h.html")
    assert modules_loaded_by(["report", "--worlds", "64", "--out", out]) == set()
    assert "SALib" in modules_loaded_by(["report", "--worlds", "64", "--out", out, "--sobol"])


def test_workers_bring_in_multiprocessing_only_when_asked_for():
    # Two chunks of worlds: a pool starts only when there is more than one (issue 9), and one
    # chunk with --workers 2 stays in this process, without multiprocessing.
    from polmodel.analysis.worlds import DEFAULT_CHUNK

    two = str(DEFAULT_CHUNK + 1)
    assert "multiprocessing" in modules_loaded_by(["compare", "--worlds", two, "--horizon", "6",
                                                   "--policy", "status-quo", "--workers", "2"])
    assert "multiprocessing" not in modules_loaded_by(["compare", "--worlds", "64", "--workers", "2"])


def test_the_core_package_never_imports_the_room_framework():
    """The live room is an extra: polmodel and its other commands run without Starlette."""
    code = ("import sys, polmodel, polmodel.room.live.session, polmodel.room.live.pages\n"
            "print(sorted({'starlette', 'uvicorn', 'segno'} & {m.split('.')[0] for m in sys.modules}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
