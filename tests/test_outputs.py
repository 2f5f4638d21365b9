"""Output sets (outputs.py, manifests.py, atomic.py): whole sets under a manifest written last, or recognisably not.

The --out cases of issue 9, each with the behaviour it now has: a run killed while writing
leaves no complete manifest listing a missing or changed file, and the next run cleans its
temporaries; a killed run over another run's folder cannot leave a mixed set under a manifest;
concurrent runs into one folder cannot either; an unwritable destination or an output name
taken by a folder is refused before any computing; replacing needs --force; files follow the
umask.
"""

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import cli

from polmodel.errors import PolmodelError
from polmodel.scenario.loading import DEFAULT_SCENARIO, load_scenario
from polmodel.views.atomic import check_file_name
from polmodel.views.manifests import (
    manifest_name,
    manifests,
    read_trusted,
    scenario_digest,
    trusted_files,
)
from polmodel.views.outputs import prepare, prepare_file

SC = load_scenario(DEFAULT_SCENARIO)
LABEL = f"{SC.name}-compare"
SMALL = ["--worlds", "64", "--horizon", "12"]



def assert_consistent(folder: Path) -> None:
    """No complete manifest lists a missing or changed file; its data files carry its seed."""
    for label, data in manifests(folder).items():
        for name, entry in data["files"].items():
            path = folder / name
            assert path.is_file(), f"{label} lists missing {name}"
            raw = path.read_bytes()
            assert hashlib.sha256(raw).hexdigest() == entry["sha256"], f"{name} changed"
            assert len(raw) == entry["bytes"]
            if name.endswith("-compare.json") and "seed" in data:
                assert json.loads(raw)["seed"] == data["seed"], f"{name}: mixed seeds"


# ---- The set and its manifest --------------------------------------------------------------------


def test_compare_out_writes_a_manifest_last_listing_every_file(tmp_path):
    out = tmp_path / "figs"
    result = cli("compare", *SMALL, "--seed", 3, "--out", out)
    assert result.exit_code == 0, result.stderr
    data = json.loads((out / manifest_name(LABEL)).read_text(encoding="utf-8"))
    assert data["complete"] is True and data["command"] == "compare"
    assert data["seed"] == 3 and data["worlds"] == 64 and data["scenario"] == SC.name
    assert data["scenario_sha256"] == scenario_digest(SC.with_horizon(12))
    from polmodel import __version__

    assert data["polmodel"] == __version__ and data["written"]
    listed = set(data["files"])
    assert listed == {p.name for p in out.iterdir()} - {manifest_name(LABEL)}
    assert set(trusted_files(out)) == listed
    assert_consistent(out)


def test_several_commands_share_one_folder(tmp_path):
    for args in (["levers"], ["run", "--policy", SC.baseline], ["compare", *SMALL]):
        result = cli(*args, "--out", tmp_path)
        assert result.exit_code == 0, result.stderr
    assert len(manifests(tmp_path)) == 3
    assert_consistent(tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no locks, no temporaries


def test_replacing_another_runs_files_needs_force(tmp_path):
    assert cli("compare", *SMALL, "--seed", 1, "--out", tmp_path).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = cli("compare", *SMALL, "--seed", 2, "--out", tmp_path)
    assert result.exit_code == 2 and "--force" in result.stderr and result.stdout == ""
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    result = cli("compare", *SMALL, "--seed", 2, "--out", tmp_path, "--force")
    assert result.exit_code == 0, result.stderr
    assert manifests(tmp_path)[LABEL]["seed"] == 2
    assert_consistent(tmp_path)


def test_a_forced_smaller_set_removes_the_files_of_the_old_one(tmp_path):
    policies = list(SC.policies)[:2]
    assert cli("run", "--policy", policies[0], "--policy", policies[1], "--out", tmp_path).exit_code == 0
    assert cli("run", "--policy", policies[0], "--out", tmp_path, "--force").exit_code == 0
    assert not any(policies[1] in p.name for p in tmp_path.iterdir())
    assert_consistent(tmp_path)


def test_an_unwritable_destination_is_refused_before_computing(tmp_path, monkeypatch):
    computed = []
    monkeypatch.setattr("polmodel.analysis.comparison.compare", lambda *a, **k: computed.append(1))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "figs", Path("/proc/polmodel-figs")):
        result = cli("compare", *SMALL, "--out", out)
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        assert str(out) in result.stderr
    assert computed == []


def test_a_folder_that_refuses_writes_is_refused_before_computing(tmp_path, monkeypatch):
    computed = []
    monkeypatch.setattr("polmodel.analysis.comparison.compare", lambda *a, **k: computed.append(1))
    out = tmp_path / "ro"
    out.mkdir()
    if os.geteuid() != 0:
        out.chmod(0o555)
    else:  # root writes anywhere: refuse the probe as the file system would
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("polmodel.views.atomic.tempfile.mkstemp", refuse)
    result = cli("compare", *SMALL, "--out", out)
    assert result.exit_code == 2 and "cannot write here" in result.stderr, result.output
    assert computed == []


def test_an_output_name_taken_by_a_folder_is_refused_before_writing_anything(tmp_path, monkeypatch):
    taken = tmp_path / f"{LABEL}.json"
    taken.mkdir()
    computed = []
    monkeypatch.setattr("polmodel.analysis.comparison.compare", lambda *a, **k: computed.append(1))
    result = cli("compare", *SMALL, "--out", tmp_path, "--force")
    assert result.exit_code == 2 and "is a folder" in result.stderr, result.output
    assert result.stderr.count("\n") == 1
    assert computed == [] and sorted(p.name for p in tmp_path.iterdir()) == [taken.name]


def test_a_concurrent_writer_of_the_same_set_is_refused(tmp_path):
    with prepare(tmp_path, LABEL, ["a.csv"]):
        result = cli("compare", *SMALL, "--out", tmp_path)
        assert result.exit_code == 2 and "another polmodel run" in result.stderr, result.output
    assert cli("compare", *SMALL, "--out", tmp_path).exit_code == 0  # the lock is released


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert cli("compare", *SMALL, "--out", tmp_path).exit_code == 0
    finally:
        os.umask(old)
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path.name


def test_stale_temporaries_of_the_set_are_cleaned(tmp_path):
    stale = tmp_path / f".{LABEL}.json.abc123.part"
    stale.write_text("half")
    other = tmp_path / ".someone-else.txt.x.part"
    other.write_text("not ours")
    assert cli("compare", *SMALL, "--out", tmp_path).exit_code == 0
    assert not stale.exists() and other.exists()


def test_readers_trust_only_files_a_complete_manifest_lists(tmp_path):
    with prepare(tmp_path, "set", ["a.csv", "b.json"]) as out:
        out.commit({"a.csv": "x,y\n", "b.json": "{}"}, {"command": "test"})
    assert read_trusted(tmp_path, "a.csv") == b"x,y\n"
    (tmp_path / "stray.csv").write_text("no manifest")
    (tmp_path / "b.json").write_text('{"changed": 1}')
    assert set(trusted_files(tmp_path)) == {"a.csv"}
    with pytest.raises(PolmodelError, match="no complete manifest"):
        read_trusted(tmp_path, "stray.csv")
    with pytest.raises(PolmodelError, match="changed since"):
        read_trusted(tmp_path, "b.json")
    (tmp_path / manifest_name("set")).write_text('{"files": {"a.csv": {}}}')  # not complete
    assert trusted_files(tmp_path) == {}


@pytest.mark.parametrize("name", ["a/b.png", "../x.png", ".hidden", "", "x\ny.png", "x" * 300])
def test_names_that_are_not_plain_file_names_are_refused(name):
    with pytest.raises(PolmodelError):
        check_file_name(name)


def test_a_policy_name_that_is_not_a_file_name_writes_a_slug_inside_out(write_scenario, tmp_path):
    """Issue 14: a policy "a/b" is a fine name; its files get a slug, never a subfolder."""
    path = write_scenario({"policies.a/b": {}})
    result = cli("run", path, "--out", tmp_path / "out", "--policy", "a/b")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert all((tmp_path / "out" / n).is_file() for n in written)
    assert any(n.startswith("edited-a-b-") and n.endswith("-trajectory.png") for n in written)
    assert_consistent(tmp_path / "out")


# ---- Killed while writing ------------------------------------------------------------------------


def _polmodel(*args):
    return subprocess.Popen([sys.executable, "-m", "polmodel", *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when(proc, folder: Path, ready) -> bool:
    """SIGKILL ``proc`` as soon as ``ready(names in folder)``; False if it finished first."""
    while proc.poll() is None:
        try:
            names = [p.name for p in folder.iterdir()]
        except FileNotFoundError:
            names = []
        if ready(names):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.0005)
    return False


def _writing(names):
    return any(n.startswith(f".{SC.name}-compare") and n.endswith(".part") for n in names)


def _replacing(names):
    return f"{SC.name}-compare.json" in names and manifest_name(LABEL) not in names


def test_a_run_killed_while_writing_leaves_no_complete_manifest_over_a_bad_set(tmp_path):
    out = tmp_path / "figs"
    # Killed while writing its first set.
    _kill_when(_polmodel("compare", *SMALL, "--seed", 11, "--out", out), out, _writing)
    assert_consistent(out)
    # Killed while replacing a complete set of another seed (the issue's --seed 2 over --seed 1):
    # while writing its temporaries, and once the old manifest is gone, while renaming.
    for moment in (_writing, _replacing):
        assert cli("compare", *SMALL, "--seed", 1, "--out", out, "--force").exit_code == 0
        _kill_when(_polmodel("compare", *SMALL, "--seed", 2, "--out", out, "--force"), out, moment)
        assert_consistent(out)
    # The next run cleans up what the killed ones left, and completes the set.
    result = cli("compare", *SMALL, "--seed", 7, "--out", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert manifests(out)[LABEL]["seed"] == 7
    assert_consistent(out)


def test_concurrent_runs_into_one_folder_never_leave_a_mixed_set(tmp_path):
    procs = [_polmodel("compare", *SMALL, "--seed", seed, "--out", tmp_path, "--force")
             for seed in (1, 2)]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs]
    for code, err in results:
        assert code == 0 or (code == 2 and "another polmodel run" in err), err
    assert any(code == 0 for code, _ in results)
    assert LABEL in manifests(tmp_path)
    assert_consistent(tmp_path)


def test_a_single_named_file_carries_its_provenance_and_has_no_manifest(tmp_path):
    """A file the user names is replaced without --force only when polmodel wrote it (issue 14)."""
    target = tmp_path / "handout.html"

    def ours(path):
        return path.read_bytes().startswith(b"<html>polmodel")

    with prepare_file(target, ours=ours) as out:
        out.commit({"handout.html": "<html>polmodel 1</html>"}, {"command": "report"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    with prepare_file(target, ours=ours) as out:  # ours: replaced without force
        out.commit({"handout.html": "<html>polmodel 2</html>"}, {"command": "report"})
    assert target.read_text() == "<html>polmodel 2</html>"
    target.write_text("someone else's notes")
    with pytest.raises(PolmodelError, match="--force"):
        prepare_file(target, ours=ours)
    assert target.read_text() == "someone else's notes"
    with prepare_file(target, force=True, ours=ours) as out:
        out.commit({"handout.html": "<html>polmodel 3</html>"}, {"command": "report"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    (tmp_path / "taken").mkdir()
    with pytest.raises(PolmodelError, match="is a folder"):
        prepare_file(tmp_path / "taken", force=True)


def test_commands_that_write_as_they_go_still_write_one_set(tmp_path):
    """sweep (like sensitivity, discover, elicit) writes its --out files as one set too."""
    from polmodel.model.parameters import MECHANISM_PARAMETERS

    args = ["sweep", "--x", MECHANISM_PARAMETERS[0].name, "--points", "2", "--worlds", "16",
            "--out", tmp_path / "s"]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    (label, data), = manifests(tmp_path / "s").items()
    assert label == f"{SC.name}-sweep" and data["command"] == "sweep"
    assert set(data["files"]) == {p.name for p in (tmp_path / "s").iterdir()} - {f"{label}.manifest"}
    assert_consistent(tmp_path / "s")
    again = cli(*args)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert cli(*args, "--force").exit_code == 0
    # Refused input leaves no folder behind.
    bad = cli("sweep", "--x", "no_such_name", "--out", tmp_path / "t")
    assert bad.exit_code == 2 and not (tmp_path / "t").exists()
