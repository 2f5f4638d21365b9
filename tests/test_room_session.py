"""The room's session folder: what is stored, what a restart resumes, what the CLI does with it."""

from __future__ import annotations

import socket
import sqlite3

import pytest
from click.testing import CliRunner

from polmodel.cli import main
from polmodel.errors import PolmodelError
from polmodel.room.estimates_file import read_estimates
from polmodel.room.live.store import CODE_ALPHABET, CODE_LENGTH, RoomStore

pytest.importorskip("starlette")

from polmodel.room.live.session import Room  # noqa: E402


def test_a_new_store_has_a_key_and_a_code_that_read_well(tmp_path):
    s = RoomStore(tmp_path / "s")
    assert len(s.get("key")) >= 32
    code = s.get("code")
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    other = RoomStore(tmp_path / "t")
    assert other.get("key") != s.get("key")


def test_the_database_is_in_wal_mode_with_full_sync(tmp_path):
    s = RoomStore(tmp_path)
    assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_request_is_stored_once_and_a_revision_is_a_new_row(tmp_path):
    s = RoomStore(tmp_path)
    first = s.submit("req-000001", 1, "Ana", [("rally", 0.1, 0.2, 0.3)])
    again = s.submit("req-000001", 1, "Ana", [("rally", 0.5, 0.6, 0.7)])
    assert not first.repeated and again.repeated and again.submission == first.submission
    s.submit("req-000002", 1, "Ana", [("rally", 0.2, 0.3, 0.4)])
    s.submit("req-000003", 2, "Ana", [("rally", 0.0, 0.1, 0.2)])
    assert len(s.submissions()) == 3  # every submission kept, the retry not
    now = s.current(1)
    assert [(r.participant, r.low, r.round) for r in now] == [("Ana", 0.2, 1)]  # the latest
    assert [r.round for r in s.current()] == [1, 2]


def test_a_store_resumes_with_its_key_code_and_settings(tmp_path):
    s = RoomStore(tmp_path)
    s.update(round=2, open=["rally"])
    s.submit("req-000001", 2, "Ana", [("rally", 0.1, 0.2, 0.3)])
    key, code = s.get("key"), s.get("code")
    s.close()
    t = RoomStore(tmp_path)
    assert (t.get("key"), t.get("code"), t.get("round"), t.get("open")) == (key, code, 2, ["rally"])
    assert len(t.current(2)) == 1


def test_a_file_that_is_not_a_room_database_is_one_line(tmp_path):
    (tmp_path / "room.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(PolmodelError, match="not a room database"):
        RoomStore(tmp_path)


def test_a_session_keeps_its_scenario(tmp_path):
    room = Room(tmp_path / "s", "venezuela-2018", worlds=64)
    assert (tmp_path / "s" / "venezuela-2018.toml").is_file()  # a copy, read on resume
    key = room.key
    room.store.close()
    with pytest.raises(PolmodelError, match="holds a session on venezuela-2018"):
        Room(tmp_path / "s", "cases/cuba-1994")
    again = Room(tmp_path / "s")
    assert again.scenario.name == "venezuela-2018" and again.key == key


def test_a_case_can_be_a_room(tmp_path):
    room = Room(tmp_path / "c", "cases/cuba-1994", worlds=64)
    assert room.scenario.name == "cuba-1994"
    assert room.picture()["answer"]


# -- the command ------------------------------------------------------------------------------


def _session_with_estimates(folder):
    room = Room(folder, "venezuela-2018", worlds=64)
    name = room.open[0]
    view = {a["name"]: a for a in room.participant_view()["assumptions"]}[name]
    for i, who in enumerate(["Ana", "Bo"]):
        room.store.submit(f"request-{i:04d}", 1, who, [(name, view["low"], view["value"],
                                                        view["high"])])
    room.store.submit("request-9999", 2, "Ana", [(name, view["low"], view["value"], view["high"])])
    room.store.close()
    return name


def test_room_export_writes_the_files_elicit_and_compare_read(tmp_path):
    name = _session_with_estimates(tmp_path / "s")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["room", "--folder", str(tmp_path / "s"), "--export", str(out)])
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in out.iterdir())
    assert {"estimates.csv", "venezuela-2018-room.toml", "venezuela-2018-room-handout.html"} <= set(files)
    rows = read_estimates(out / "estimates.csv")
    assert {(r.participant, r.round) for r in rows} == {("Ana", 1), ("Bo", 1), ("Ana", 2)}
    assert all(r.parameter == name for r in rows)
    r = CliRunner().invoke(main, ["compare", str(out / "venezuela-2018-room.toml"), "--worlds", "64"])
    assert r.exit_code == 0, r.output
    assert "round 2" in (out / "venezuela-2018-room.toml").read_text()
    assert "<svg" in (out / "venezuela-2018-room-handout.html").read_text()


@pytest.mark.parametrize("args, words", [
    (["--export", "OUT", "--folder", "EMPTY"], "holds no room session"),
    (["--port", "70000"], "70000"),
    (["nonsense-scenario", "--folder", "NEW"], "no such scenario"),
])
def test_room_bad_input_is_one_line_and_status_2(tmp_path, args, words):
    args = [str(tmp_path / a) if a in ("OUT", "EMPTY", "NEW") else a for a in args]
    r = CliRunner().invoke(main, ["room", *args])
    assert r.exit_code == 2, r.output
    assert words in r.output and "Traceback" not in r.output
    assert not (tmp_path / "NEW").exists()  # nothing half-made


def test_room_on_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = CliRunner().invoke(main, ["room", "--folder", str(tmp_path / "s"), "--port", str(port)])
    assert r.exit_code == 2, r.output
    assert f"--port {port}: cannot listen there" in r.output and "Traceback" not in r.output


def test_export_refuses_an_empty_session(tmp_path):
    Room(tmp_path / "s", worlds=64).store.close()
    r = CliRunner().invoke(main, ["room", "--folder", str(tmp_path / "s"), "--export",
                                  str(tmp_path / "out")])
    assert r.exit_code == 2 and "no estimates yet" in r.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_database_survives_being_read_while_open(tmp_path):
    """Another process may read the session while the room runs (WAL readers do not block)."""
    s = RoomStore(tmp_path)
    s.submit("request-0001", 1, "Ana", [("rally", 0.1, 0.2, 0.3)])
    other = sqlite3.connect(tmp_path / "room.sqlite3")
    assert other.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 1
    other.close()


def test_elicit_without_per_number_reruns_gives_the_same_verdicts():
    from polmodel.room.elicitation import elicit
    from polmodel.room.estimates_file import EstimateRow

    rows = [EstimateRow("A", "initial.fracture", 0.1, 0.15, 0.2),
            EstimateRow("B", "initial.fracture", 0.25, 0.3, 0.35)]
    full = elicit(rows, worlds=64, policies=["targeted", "broad"])
    quick = elicit(rows, worlds=64, policies=["targeted", "broad"], per_number=False)
    assert full.by_number and not quick.by_number
    assert quick.verdicts == full.verdicts and quick.pooled_toml == full.pooled_toml


def test_the_session_is_readable_by_its_owner_only(tmp_path):
    s = RoomStore(tmp_path / "new")
    s.submit("request-0001", 1, "Ana", [("rally", 0.1, 0.2, 0.3)])
    assert (tmp_path / "new").stat().st_mode & 0o077 == 0
    for name in ("room.sqlite3", "room.sqlite3-wal"):
        assert (tmp_path / "new" / name).stat().st_mode & 0o077 == 0, name


def test_the_estimates_figure_fits_its_names():
    import re

    from polmodel.views import svg
    from polmodel.views.svg_estimates import estimate_ranges

    out = estimate_ranges("how split", [("Bo", 0.1, 0.2, 0.3), ("X" * 100, 0.2, 0.25, 0.3),
                                        ("W" * 60, 0.1, 0.3, 0.4)],
                          scale=(0.0, 0.5), pooled=(0.12, 0.22, 0.29))
    assert "X" * 28 not in out and "\u2026" in out  # a long name is cut, visibly
    # every right-aligned name (and 'pooled') starts inside the figure
    for x, size, text in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="([\d.]+)"'
                                    r'(?: font-weight="bold")? text-anchor="end"[^>]*>([^<]+)<', out):
        bold = text == "pooled"
        assert float(x) - svg.text_width(text, float(size), bold=bold) >= 0, text


def test_the_next_round_hides_the_reveal_and_a_name_may_change_phones_between_rounds(tmp_path):
    """A name is one phone's within a round; round 2 starts with round 1's pool hidden."""
    from polmodel.room.live.guard import Refused, Submission

    room = Room(tmp_path / "s", worlds=64)
    try:
        name = room.open[0]
        view = next(a for a in room.participant_view()["assumptions"] if a["name"] == name)
        e = ((name, view["low"], view["value"], view["high"]),)
        room.submit(Submission("Kim", None, e, device="phone-aaaa1"))
        with pytest.raises(Refused, match="someone else"):
            room.submit(Submission("Kim", None, e, device="phone-bbbb2"))
        room.show(reveal=True)
        room.set_round("close")
        room.set_round("next")
        panel = room.panel()
        assert panel["round"] == 2 and not panel["reveal"] and "pooled" not in panel
        # round 2, from another phone: the same person, re-estimating
        assert room.submit(Submission("Kim", None, e, device="phone-bbbb2"))["round"] == 2
    finally:
        room.wait_for_pooled()
        room.store.close()


def _revealed_room(folder):
    """A room with two participants' estimates and the pooled result revealed."""
    room = Room(folder, worlds=64)
    name = room.open[0]
    view = next(a for a in room.participant_view()["assumptions"] if a["name"] == name)
    for who in ("Ana", "Bo"):
        room.store.submit(f"request-{who}-01", 1, who, [(name, view["low"], view["value"],
                                                         view["high"])])
    room.show(reveal=True)
    return room


@pytest.mark.parametrize("error", [RuntimeError("a bug"), ValueError("bad array"), MemoryError()])
def test_any_failure_of_the_pooled_result_is_shown_in_one_line_and_retried(tmp_path, monkeypatch,
                                                                          caplog, error):
    """Not only a PolmodelError: whatever the pooling raises ends in a visible error state (the
    traceback in the log, not on the projector), the wait ends, and a later poll tries again."""
    import logging
    import time

    from polmodel.room.live import pooled, session

    real = pooled.pooled_view

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(pooled, "pooled_view", broken)
    room = _revealed_room(tmp_path / "s")
    now = [1000.0]
    room.clock = lambda: now[0]
    try:
        with caplog.at_level(logging.ERROR, logger="polmodel.room"):
            assert "pooled" not in room.panel()  # computing
            t = time.monotonic()
            room.wait_for_pooled(timeout=20)
            assert time.monotonic() - t < 20 and not room._pooling.is_alive()
            shown = room.panel()["pooled"]
        assert shown["current"] and shown["answer"] == "" and shown["figures"] == []
        message = shown["error"]
        assert type(error).__name__ in message and "could not be computed" in message
        assert "\n" not in message and "Traceback" not in message and "File " not in message
        assert "tries again" in message and "terminal" in message
        logged = [r for r in caplog.records if r.name == "polmodel.room"]
        assert logged and logged[0].exc_info and logged[0].exc_info[0] is type(error)

        # Not before the pause: the same error, no new computation (no hot loop of tracebacks).
        room.panel()
        assert not room._pooling.is_alive()
        # After it, with the fault gone: a poll starts again and the result comes.
        monkeypatch.setattr(pooled, "pooled_view", real)
        now[0] += session.POOLED_RETRY_SECONDS + 1
        retried = room.panel()["pooled"]
        assert not retried["current"]  # the error still shown while it recomputes
        room.wait_for_pooled(timeout=60)
        good = room.panel()["pooled"]
        assert good["current"] and "error" not in good and "pooled" in good["answer"]
    finally:
        room.wait_for_pooled()
        room.store.close()


def test_a_polmodel_error_in_the_pooled_result_is_shown_in_its_own_words(tmp_path, monkeypatch):
    from polmodel.room.live import pooled

    def refused(*args, **kwargs):
        raise PolmodelError("estimates: too few participants; allowed: two or more")

    monkeypatch.setattr(pooled, "pooled_view", refused)
    room = _revealed_room(tmp_path / "s")
    try:
        room.panel()
        room.wait_for_pooled(timeout=20)
        shown = room.panel()["pooled"]
        assert shown["current"] and shown["error"] == ("estimates: too few participants; "
                                                       "allowed: two or more")
    finally:
        room.wait_for_pooled()
        room.store.close()
