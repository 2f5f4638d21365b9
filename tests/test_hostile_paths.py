"""Names, paths and output files (issue 14): every file a command writes belongs to its output set.

Names (policy, scenario, participant) are checked once, at load, by one rule, and become file
names only through a slug; built-in names never leave the catalog; a file the user names is
replaced without --force only when polmodel wrote it, and never when it is not a regular file
(FIFOs stand in for devices here: never the real /dev/null); everything is checked before
computing, and "wrote" is said only after writing.
"""

import errno
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import cli

from polmodel.cli import main
from polmodel.errors import PolmodelError
from polmodel.room.handout import TITLE_MARK
from polmodel.scenario.loading import DEFAULT_SCENARIO, load_scenario, scenario_dir
from polmodel.views.manifests import manifests, trusted_files

ESCAPED = "../../../escaped"



def assert_refused(result, *fragments):
    """Exit 2, one line on stderr naming the problem, nothing on stdout, no 'wrote'."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("Error: "), message
    assert "Traceback" not in message and result.stdout == ""
    assert not [line for line in result.stderr.splitlines() if line.startswith("wrote")]
    for fragment in fragments:
        assert fragment in message, message
    return message


def tree(root: Path) -> set[str]:
    """Every path under ``root``, relative to it."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def with_policy(tmp_path, name: str, *, contrast: bool = False, file: str = "esc.toml") -> Path:
    """A copy of the default scenario with a policy called ``name`` (any characters)."""
    import tomllib

    from conftest import DEFAULT_FILE, toml_dumps

    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["policies"][name] = {"levers": {"targeted_sanctions": 0.6}}
    if contrast:
        data["contrast"] = [name, "status-quo"]
    path = tmp_path / file
    path.write_text(toml_dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def escaping(tmp_path):
    """A scenario whose policy is named ../../../escaped, in its contrast."""
    return with_policy(tmp_path, ESCAPED, contrast=True)


# ---- 1. Names that cannot become paths ---------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["discover", "--worlds", 40, "--policy", ESCAPED, "--policy", "status-quo"],
    ["sensitivity", "--worlds", 16, "--method", "tornado", "--policy", ESCAPED, "--policy",
     "status-quo"],
    ["run", "--policy", ESCAPED],
    ["compare", "--worlds", 16, "--pair", ESCAPED, "status-quo"],
], ids=lambda c: c[0])
def test_a_policy_name_never_steers_a_file_out_of_out(escaping, tmp_path, command):
    out = tmp_path / "a" / "b" / "figs"
    (tmp_path / "a" / "b" / "escaped-vs-status-quo-peak_index.png").parent.mkdir(parents=True)
    (tmp_path / "a" / "b" / "escaped-vs-status-quo-peak_index.png").write_bytes(b"mine")
    before = tree(tmp_path) - {"a/b/figs"}
    result = cli(command[0], escaping, *command[1:], "--out", out)
    assert result.exit_code == 0, result.output
    assert tree(tmp_path) - {"a/b/figs"} - {f"a/b/figs/{n}" for n in os.listdir(out)} == before
    assert (tmp_path / "a" / "b" / "escaped-vs-status-quo-peak_index.png").read_bytes() == b"mine"
    (label, data), = manifests(out).items()
    written = {p.name for p in out.iterdir()} - {f"{label}.manifest"}
    assert set(data["files"]) == written == set(trusted_files(out))
    assert all((out / n).is_file() and "/" not in n and not n.startswith(".") for n in written)
    assert any("escaped-" in n for n in written) or command[0] == "compare" and any(
        "vs-status-quo" in n for n in written)


def test_validate_run_and_compare_agree_on_names(escaping):
    """One rule for every command: a name validate accepts, run and compare --pair accept."""
    assert cli("validate", escaping).exit_code == 0
    assert cli("run", escaping, "--policy", ESCAPED).exit_code == 0
    assert cli("compare", escaping, "--worlds", 16, "--pair", ESCAPED, "status-quo").exit_code == 0


@pytest.mark.parametrize("bad", ["x\x1bname", "nul\x00here", "line\u2028break", "rtl\u202eevil",
                                 "x" * 101, " "], ids=["escape", "nul", "line separator",
                                                       "bidi override", "too long", "blank"])
@pytest.mark.parametrize("command", [["validate"], ["run"], ["compare", "--worlds", 16]],
                         ids=lambda c: c[0])
def test_a_policy_name_with_control_characters_is_refused_at_load(tmp_path, bad, command):
    path = with_policy(tmp_path, bad)
    result = cli(command[0], path, *command[1:])
    assert_refused(result, "policy name", "allowed: printable text")
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr


def test_printable_names_in_any_script_are_fine(tmp_path):
    path = with_policy(tmp_path, "José Pérez (2019)")
    assert "José Pérez (2019)" in load_scenario(path).policies


def test_a_builtin_name_never_resolves_outside_the_catalog(tmp_path, monkeypatch):
    # A valid scenario outside the catalog, and the name that would reach it from there.
    evil = tmp_path / "outside" / "evil.toml"
    evil.parent.mkdir()
    evil.write_text((scenario_dir() / f"{DEFAULT_SCENARIO}.toml").read_text(encoding="utf-8"))
    name = os.path.relpath(evil.with_suffix(""), scenario_dir())
    assert name.startswith("..")
    # Work from deeper than the catalog, so the name read as a path from here (where ".." stops
    # at the root) finds no file either: the refusal is then the plain one, whatever the install.
    here = tmp_path.joinpath(*["d"] * (len(scenario_dir().resolve().parts) + 1))
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    with pytest.raises(PolmodelError, match="no such scenario"):
        load_scenario(name)
    assert_refused(cli("run", name), "no such scenario")
    # The same file, given explicitly as a path, is fine.
    assert load_scenario(evil).name == "evil"
    assert load_scenario("cases/chile-1988").name == "chile-1988"


# ---- 4. elicit and participants' names ---------------------------------------------------------


def _estimates(tmp_path, who: str) -> Path:
    path = tmp_path / "est.csv"
    path.write_text("participant,parameter,low,best,high\n"
                    f"{who},initial.fracture,0.1,0.2,0.4\n"
                    "B,initial.fracture,0.2,0.4,0.6\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("who", ["\x1b[31mA", "A\x00B"], ids=["escape", "nul"])
def test_elicit_refuses_a_participant_name_with_control_characters(tmp_path, who):
    out = tmp_path / "out"
    result = cli("elicit", _estimates(tmp_path, who), "--worlds", 16, "--policy", "targeted",
                 "--out", out)
    assert_refused(result, "est.csv:2", "participant")
    assert not out.exists()


def test_elicit_writes_a_scenario_polmodel_reads_back(tmp_path):
    out = tmp_path / "out"
    result = cli("elicit", _estimates(tmp_path, "José Pérez"), "--worlds", 16, "--policy",
                 "targeted", "--out", out)
    assert result.exit_code == 0, result.output
    pooled = load_scenario(out / f"{DEFAULT_SCENARIO}-estimates.toml")
    assert "José Pérez" in pooled.initial["fracture"].source


# ---- 5. Checked before computing; --force; "wrote" only after writing ------------------------


@pytest.mark.parametrize("command, computes", [
    (["discover", "--worlds", 40, "--policy", "targeted", "--policy", "status-quo"],
     "polmodel.analysis.discovery.discover"),
    (["sensitivity", "--worlds", 16, "--method", "tornado", "--policy", "targeted", "--policy",
      "status-quo"],
     "polmodel.analysis.sensitivity_analysis.sensitivity"),
    (["sweep", "--x", "rally", "--points", 2, "--worlds", 16], "polmodel.analysis.sweeps.sweep"),
    (["elicit", "EST", "--worlds", 16, "--policy", "targeted"], "polmodel.room.elicitation.elicit"),
], ids=lambda c: c[0] if isinstance(c, list) else "")
def test_an_existing_output_is_refused_before_computing(tmp_path, monkeypatch, command, computes):
    args = [str(_estimates(tmp_path, "A")) if a == "EST" else a for a in command]
    out = tmp_path / "out"
    assert cli(*args, "--out", out).exit_code == 0  # the set, with its manifest
    names = sorted(p.name for p in out.iterdir() if not p.name.endswith(".manifest"))
    for manifest in out.glob("*.manifest"):  # files of another run: no manifest lists them
        manifest.unlink()
    before = {n: (out / n).read_bytes() for n in names}

    def computing(*a, **k):
        raise AssertionError("computed before checking --out")

    monkeypatch.setattr(computes, computing)
    assert_refused(cli(*args, "--out", out), "--force")
    assert {n: (out / n).read_bytes() for n in names} == before


def test_elicit_has_force(tmp_path):
    args = ["elicit", _estimates(tmp_path, "A"), "--worlds", 16, "--policy", "targeted",
            "--out", tmp_path / "out"]
    assert cli(*args).exit_code == 0
    assert_refused(cli(*args), "--force")
    again = cli(*args, "--force")
    assert again.exit_code == 0 and "wrote 5 files" in again.stderr


@pytest.mark.parametrize("command", [
    ["elicit", "EST", "--worlds", 16, "--policy", "targeted"],
    ["sensitivity", "--worlds", 16, "--method", "tornado", "--policy", "targeted", "--policy",
     "status-quo"],
], ids=lambda c: c[0])
def test_a_full_disk_is_reported_and_never_called_written(tmp_path, monkeypatch, command):
    import polmodel.views.outputs

    real = polmodel.views.outputs.write_temporary

    def full(folder, name, data, mode):  # the folder's probe passes: the disk fills up later
        if name == "probe":
            return real(folder, name, data, mode)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(polmodel.views.outputs, "write_temporary", full)
    args = [str(_estimates(tmp_path, "A")) if a == "EST" else a for a in command]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [str(a) for a in [*args, "--out", out]])
    assert result.exit_code == 2, result.output
    assert "No space left" in result.stderr and "wrote" not in result.stderr
    assert "nothing from this run is listed as complete" in result.stderr
    assert result.stdout  # the results were computed and printed: the disk filled at the end
    assert not out.exists() or not [p for p in out.iterdir()]


# ---- 2, 3. report: the handout and its PDF ------------------------------------------------------


PAGE = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="generator" content="polmodel test">\n'
        f"<title>T: {TITLE_MARK}</title>\n</head><body><p>handout</p></body></html>\n")
PDF = (b"%PDF-1.4\n1 0 obj\n<</Title (T: " + TITLE_MARK.replace("(", "\\(").replace(")", "\\)")
       .encode() + b")>>\nendobj\ntrailer\n<</Info 1 0 R>>\n%%EOF\n")


@pytest.fixture
def fast_report(monkeypatch, tmp_path):
    """report with a small page instead of the handout, and a stand-in Chromium on PATH.

    Returns a list that records each computation, and a function to set what the stand-in
    browser writes.
    """
    import polmodel.room.handout

    computed = []

    def handout(*args, **kwargs):
        computed.append(True)
        return PAGE

    monkeypatch.setattr(polmodel.room.handout, "handout", handout)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "pdf-bytes").write_bytes(PDF)
    browser = bindir / "chromium"
    browser.write_text(f"#!{sys.executable}\nimport sys, pathlib\n"
                       "arg = next(a for a in sys.argv if a.startswith('--print-to-pdf='))\n"
                       "data = pathlib.Path(__file__).with_name('pdf-bytes').read_bytes()\n"
                       "pathlib.Path(arg.split('=', 1)[1]).write_bytes(data)\n")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "w"
    work.mkdir()

    def browser_writes(data: bytes) -> None:
        (bindir / "pdf-bytes").write_bytes(data)

    return work, computed, browser_writes


def test_report_twice_replaces_its_own_handout_and_pdf_without_force(fast_report):
    work, computed, _ = fast_report
    for _ in range(2):
        result = cli("report", "--out", work / "h.html", "--pdf")
        assert result.exit_code == 0, result.output
    assert sorted(os.listdir(work)) == ["h.html", "h.pdf"]  # no manifest beside named files
    assert (work / "h.pdf").read_bytes() == PDF and len(computed) == 2


@pytest.mark.parametrize("which", ["h.html", "h.pdf"])
def test_report_needs_force_over_a_file_polmodel_did_not_write(fast_report, which):
    work, computed, _ = fast_report
    (work / which).write_text("someone's own file")
    assert_refused(cli("report", "--out", work / "h.html", "--pdf"), which, "--force")
    assert (work / which).read_text() == "someone's own file" and not computed
    assert len(os.listdir(work)) == 1
    assert cli("report", "--out", work / "h.html", "--pdf", "--force").exit_code == 0
    assert (work / "h.pdf").read_bytes() == PDF


@pytest.mark.parametrize("which", ["h.html", "h.pdf"])
def test_report_never_replaces_a_fifo_even_with_force(fast_report, which):
    """A FIFO stands in for /dev/null (issue 14: as root, --force replaced /dev/null)."""
    work, computed, _ = fast_report
    os.mkfifo(work / which)
    assert_refused(cli("report", "--out", work / "h.html", "--pdf", "--force"), which,
                   "not a regular file")
    assert stat_is_fifo(work / which) and not computed and os.listdir(work) == [which]


def test_report_never_replaces_a_link_to_a_fifo(fast_report):
    work, computed, _ = fast_report
    os.mkfifo(work / "null")
    (work / "h.html").symlink_to(work / "null")
    assert_refused(cli("report", "--out", work / "h.html", "--force"), "not a regular file")
    assert (work / "h.html").is_symlink() and not computed


def stat_is_fifo(path: Path) -> bool:
    import stat

    return stat.S_ISFIFO(os.lstat(path).st_mode)


def test_report_pdf_with_an_out_ending_in_pdf_is_refused(fast_report):
    work, computed, _ = fast_report
    (work / "same.pdf").write_bytes(b"%PDF-1.4 the handout of yesterday")
    assert_refused(cli("report", "--pdf", "--out", work / "same.pdf", "--force"), "--out",
                   ".html")
    assert (work / "same.pdf").read_bytes() == b"%PDF-1.4 the handout of yesterday"
    assert not computed


def test_report_with_a_folder_named_like_the_pdf_is_refused_before_computing(fast_report):
    work, computed, _ = fast_report
    (work / "h.pdf").mkdir()
    assert_refused(cli("report", "--out", work / "h.html", "--pdf"), "h.pdf", "is a folder")
    assert os.listdir(work) == ["h.pdf"] and not computed


def test_report_refuses_a_truncated_pdf_and_writes_nothing(fast_report):
    work, _, browser_writes = fast_report
    browser_writes(PDF.removesuffix(b"%%EOF\n"))  # a full disk: no end marker
    assert_refused(cli("report", "--out", work / "h.html", "--pdf"), "incomplete PDF")
    assert os.listdir(work) == []


def test_report_on_a_full_disk_replaces_nothing(fast_report, monkeypatch):
    import polmodel.views.outputs

    work, _, _ = fast_report
    assert cli("report", "--out", work / "h.html", "--pdf").exit_code == 0
    before = {n: (work / n).read_bytes() for n in os.listdir(work)}
    real = polmodel.views.outputs.write_temporary

    def full_at_the_pdf(folder, name, data, mode):
        if name.endswith(".pdf"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(folder, name, data, mode)

    monkeypatch.setattr(polmodel.views.outputs, "write_temporary", full_at_the_pdf)
    monkeypatch.setattr("polmodel.room.handout.handout", lambda *a, **k: PAGE.replace("handout<", "new<"))
    assert_refused(cli("report", "--out", work / "h.html", "--pdf"), "No space left")
    assert {n: (work / n).read_bytes() for n in os.listdir(work)} == before  # no .part either


def test_report_interrupted_while_printing_leaves_nothing(fast_report, monkeypatch):
    import subprocess

    work, _, _ = fast_report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess, "run", interrupted)
    result = cli("report", "--out", work / "h.html", "--pdf")
    assert result.exit_code == 130, result.output
    assert os.listdir(work) == []


def test_report_out_ending_in_a_slash_is_refused(fast_report):
    work, computed, _ = fast_report
    assert_refused(cli("report", "--out", f"{work / 'newdir'}/"), "names a folder", ".html")
    assert os.listdir(work) == [] and not computed


def test_report_writes_the_real_handout_twice_without_force(tmp_path):
    """The real page carries the mark is_handout looks for (the generator meta tag)."""
    from polmodel.room.handout import is_handout

    out = tmp_path / "handout.html"
    for _ in range(2):
        result = cli("report", "--worlds", 16, "--horizon", 12, "--out", out)
        assert result.exit_code == 0, result.output
    assert os.listdir(tmp_path) == ["handout.html"] and is_handout(out)


# ---- 6. new ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a/b/c", "../../x", "..\\x", ".hidden", "two words",
                                  f"{DEFAULT_SCENARIO}", "template"])
def test_new_takes_a_plain_name_that_is_not_a_builtin(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path / "..")
    here = tmp_path.parent
    before = tree(here)
    assert_refused(cli("new", name), "NAME")
    assert tree(here) == before


def test_new_never_replaces_a_fifo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "mine.toml")
    assert_refused(cli("new", "mine", "--force"), "not a regular file")
    assert stat_is_fifo(tmp_path / "mine.toml")


def test_a_builtin_name_with_a_file_of_that_name_here_says_which_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"{DEFAULT_SCENARIO}.toml").write_text("not even TOML")
    result = cli("run", DEFAULT_SCENARIO)
    assert result.exit_code == 0, result.output
    assert "built-in" in result.stderr and f"{DEFAULT_SCENARIO}.toml" in result.stderr


# ---- Hostile-user trial: --out folders held to report's rule -------------------------------------

_FOLDER_COMMANDS = [["compare", "--worlds", 16], ["run"], ["levers"],
                    ["sweep", "--x", "rally", "--points", 3, "--worlds", 16]]


@pytest.mark.parametrize("args", _FOLDER_COMMANDS + [["elicit", "EST", "--worlds", 16]],
                         ids=lambda a: a[0])
@pytest.mark.parametrize("out, fragment", [
    ("a\x01b", "--out 'a\\x01b' holds the control character U+0001; allowed: a folder name"),
    ("figs/\x1b[31m", "holds the control character U+001B"),
    ("", "--out '' is empty; allowed: a folder name (created if needed), e.g. figs, or . for "
         "this folder"),
], ids=["control", "escape-in-a-part", "empty"])
def test_an_out_folder_with_control_characters_or_empty_is_refused(tmp_path, monkeypatch, args,
                                                                   out, fragment):
    # compare, run, levers, sweep and elicit made the folder 'a\x01b', and --out '' wrote into
    # the current folder, where report --out refused both.
    from polmodel.room.elicitation import template

    (tmp_path / "est.csv").write_text(template(), encoding="utf-8")
    args = [str(tmp_path / "est.csv") if a == "EST" else a for a in args]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert_refused(cli(*args, "--out", out), fragment)
    assert tree(work) == set()


def test_the_room_export_folder_has_the_same_rule(tmp_path):
    assert_refused(cli("room", "--folder", tmp_path / "room", "--export", ""), "--export '' is empty")


def test_out_dot_still_means_this_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("levers", "--out", ".")
    assert result.exit_code == 0, result.output
    assert any(p.suffix == ".png" for p in tmp_path.iterdir())


def test_the_library_holds_an_out_folder_to_the_rule_too(tmp_path):
    from polmodel.views.outputs import prepare

    with pytest.raises(PolmodelError, match="U\\+0007"):
        prepare(tmp_path / "a\x07b", "set", ["x.csv"])
    assert not (tmp_path / "a\x07b").exists()
