"""The live room over real HTTP: who may do what, what the projector shows, what is stored.

One room is served in a thread for the module (uvicorn on a free port); each hostile request
is sent with exactly the headers an attacker would send, and after each refusal the test checks
that nothing was stored.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from urllib.parse import urlsplit

import numpy as np
import pytest
from room_helpers import estimate_for, serve_in_thread

from polmodel.analysis.comparison import compare
from polmodel.mappings import ReadOnlyMapping
from polmodel.model.levers import LeverSetting, Policy
from polmodel.room.live.picture import RoomSettings, edited_scenario


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    live = serve_in_thread(tmp_path_factory.mktemp("room") / "session")
    yield live
    live.stop()


def stored(live) -> int:
    return len(live.room.store.submissions())


# -- the key, the code, the pages -------------------------------------------------------------


def test_the_key_becomes_an_httponly_cookie_and_leaves_the_address(live):
    r = live.call("GET", f"/?key={live.room.key}")
    assert r.status == 303
    assert r.headers["location"] == "/projector"  # the projected address bar shows no key
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"polmodel_room={live.room.key}")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()


def test_the_projector_needs_the_key(live):
    assert live.call("GET", "/?key=wrong").status == 403
    for path in ("/projector", "/api/projector", "/export/estimates.csv"):
        r = live.call("GET", path)
        assert r.status == 403, path
        assert live.room.key not in r.text


def test_the_projector_page_loads_only_its_own_files(live):
    r = live.call("GET", "/projector", facilitator=True)
    assert r.status == 200
    csp = r.headers["content-security-policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'"
    assert "unsafe" not in csp  # no inline script or eval: a name that got through stays inert
    assert r.headers["x-content-type-options"] == "nosniff"
    refs = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", r.text)
    assert refs, "the page links its script and style sheet"
    for ref in refs:
        assert not urlsplit(ref).netloc, f"{ref} is loaded from another host"
        if ref.startswith("/static/"):
            got = live.call("GET", ref)
            assert got.status == 200
            # with nosniff, a browser runs a script (applies a style sheet) only of its own type
            kind = {".js": "text/javascript", ".css": "text/css"}[ref[ref.rindex("."):]]
            assert got.headers["content-type"].split(";")[0] == kind, ref
    assert live.room.code in r.text and "<svg" in r.text  # the join code and the QR code


def test_the_participants_page_needs_the_code(live):
    assert live.call("GET", f"/join?code={live.room.code}").status == 200
    assert live.call("GET", f"/join?code={live.room.code.lower()}").status == 200  # typed small
    for bad in ("/join", "/join?code=WRONG1", f"/api/room?code={live.room.code}x"):
        r = live.call("GET", bad)
        assert r.status == 403, bad
        assert "join code" in r.text


def test_participants_see_the_open_assumptions_in_plain_words(live):
    view = live.call("GET", f"/api/room?code={live.room.code}").json()
    assert [a["name"] for a in view["assumptions"]] == live.room.open
    for a in view["assumptions"]:
        assert a["label"] != a["name"] and a["meaning"]
        assert a["low"] <= a["value"] <= a["high"]


# -- hostile requests: refused with one clear line, nothing stored ----------------------------


def _refused(live, reply, status, words):
    assert reply.status == status, reply.text
    message = reply.json()["error"]
    assert "\n" not in message and words in message, message


def test_wrong_or_missing_code_is_refused(live):
    name = live.room.open[0]
    before = stored(live)
    for code in (None, "", "AAAAAA", 123, ["x"]):
        body = {"participant": "Ana", "estimates": [estimate_for(live, name)]}
        if code is not None:
            body["code"] = code
        _refused(live, live.call("POST", "/api/estimates", body), 403, "join code")
    assert stored(live) == before


def test_a_participant_cannot_act_as_facilitator(live):
    before = live.room.settings
    change = {"lever": {"name": "targeted_sanctions", "intensity": 0.0, "start": 0}}
    _refused(live, live.call("POST", "/api/settings", change), 403, "facilitator")
    _refused(live, live.call("POST", "/api/settings", {**change, "code": live.room.code}), 403,
             "facilitator")
    _refused(live, live.call("POST", "/api/round", {"action": "close"}), 403, "facilitator")
    _refused(live, live.call("POST", "/api/show", {"reveal": True}), 403, "facilitator")
    # the cookie without the page's token (what a forged form would carry) is not enough
    r = live.call("POST", "/api/round", {"action": "close"}, facilitator=True,
                  headers={"X-Room-Token": "0" * 32})
    _refused(live, r, 403, "token")
    assert live.room.settings == before and live.room.round_open


def test_cross_site_posts_are_refused(live):
    body = {"code": live.room.code, "participant": "Eve",
            "estimates": [estimate_for(live, live.room.open[0])]}
    before = stored(live)
    _refused(live, live.call("POST", "/api/estimates", body, headers={"Origin": "http://evil.example"}),
             403, "another origin")
    _refused(live, live.call("POST", "/api/estimates", body, headers={"Sec-Fetch-Site": "cross-site"}),
             403, "cross-site")
    # a plain HTML form can post text/plain or form data across sites: never accepted
    import json

    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = live.call("POST", "/api/estimates", raw=json.dumps(body).encode(),
                      headers={"Content-Type": kind})
        _refused(live, r, 415, "application/json")
    # and the facilitator's cookie does not make a cross-site action pass
    r = live.call("POST", "/api/round", {"action": "close"}, facilitator=True,
                  headers={"Origin": "http://evil.example"})
    _refused(live, r, 403, "another origin")
    assert stored(live) == before and live.room.round_open


def test_another_host_name_is_refused(live):
    """A page on another site cannot reach the room through a name that points here."""
    for host in ("attacker.example", "localhost.attacker.example",
                 f"127.0.0.1.attacker.example:{live.port}"):
        r = live.call("GET", "/projector", facilitator=True, host=host)
        assert r.status == 400 and "host" in r.text, host


@pytest.mark.parametrize("path", [
    "/static/../room.sqlite3", "/static/..%2Froom.sqlite3", "/static/%2e%2e/%2e%2e/etc/passwd",
    "/export/..%2F..%2Fetc%2Fpasswd", "/static/room.css/../../room.sqlite3",
    "/../../etc/passwd", "/static/venezuela-2018.toml", "/export/room.sqlite3",
])
def test_no_path_reads_a_file_outside_the_app(live, path):
    r = live.call("GET", path, facilitator=True)
    assert r.status in (403, 404), (path, r.status)
    assert b"SQLite" not in r.body and b"root:" not in r.body and b"[mechanisms]" not in r.body


def test_a_ten_megabyte_body_is_refused_before_it_is_read(live):
    before = stored(live)
    big = b'{"code": "' + b"A" * (10 * 1024 * 1024) + b'"}'
    _refused(live, live.call("POST", "/api/estimates", raw=big,
                             headers={"Content-Type": "application/json"}), 413, "bytes")
    assert stored(live) == before


@pytest.mark.parametrize("values, words", [
    ('NaN', "not a number"), ('Infinity', "not a number"), ('-Infinity', "not a number"),
    ('"0.2"', "not a number"), ('true', "not a number"), ('null', "not a number"),
    ('1e999', "not a number"),  # valid JSON that every reader turns into infinity
])
def test_numbers_that_are_not_numbers_are_refused(live, values, words):
    name = live.room.open[0]
    before = stored(live)
    raw = (f'{{"code": "{live.room.code}", "participant": "Ana", "estimates": '
           f'[{{"parameter": "{name}", "low": 0.1, "best": {values}, "high": 0.3}}]}}').encode()
    _refused(live, live.call("POST", "/api/estimates", raw=raw,
                             headers={"Content-Type": "application/json"}), 400, words)
    assert stored(live) == before


@pytest.mark.parametrize("low, best, high, words", [
    (0.3, 0.2, 0.1, "out of order"), (0.2, 0.2, 0.2, "a single number"), (0.1, 0.4, 0.3, "out of order"),
    (-0.5, 0.2, 0.3, "not allowed"), (0.1, 0.2, 1e9, "not allowed"),
])
def test_reversed_and_impossible_ranges_are_refused(live, low, best, high, words):
    assert "initial.fracture" in live.room.open  # the default scenario opens it first
    before = stored(live)
    r = live.submit("Ana", [{"parameter": "initial.fracture", "low": low, "best": best,
                             "high": high}])
    _refused(live, r, 400, words)
    assert stored(live) == before


def test_unopened_unknown_and_repeated_assumptions_are_refused(live):
    before = stored(live)
    closed = next(n for n in ("rally", "drift", "squeeze") if n not in live.room.open)
    e = estimate_for(live, live.room.open[0])
    _refused(live, live.submit("Ana", [{**e, "parameter": closed}]), 400, "not open")
    _refused(live, live.submit("Ana", [{**e, "parameter": "../../etc"}]), 400, "not open")
    _refused(live, live.submit("Ana", [{**e, "parameter": ["unhashable"]}]), 400, "not open")
    _refused(live, live.submit("Ana", [{**e, "high": 10**4000}]), 400, "too large")
    _refused(live, live.submit("Ana", [e, e]), 400, "twice")
    _refused(live, live.submit("Ana", []), 400, "estimates")
    _refused(live, live.submit("Ana", [{**e, "extra": 1}]), 400, "unknown field")
    _refused(live, live.submit("Ana", [e], request="../x"), 400, "request")
    _refused(live, live.submit("Ana", [e], request="abcdefgh/../x"), 400, "request")  # all of it
    assert stored(live) == before


@pytest.mark.parametrize("name, words", [
    ("", "empty"), ("   ", "empty"), ("a" * 101, "characters"), ("bad\u202ename", "U+202E"),
    ("line\nbreak", "U+000A"), (7, "not text"), ("\u3164", "U+3164"), ("A\u2061na", "U+2061"),
    ("\U000e0041na", "U+E0041"), ("\u0301Ana", "combining"), ("=HYPERLINK(1)", "formula"),
    ("+1+1", "formula"), ("@SUM(1)", "formula"), ("-1+1", "formula"),
])
def test_bad_participant_names_are_refused(live, name, words):
    before = stored(live)
    _refused(live, live.submit(name, [estimate_for(live, live.room.open[0])]), 400, words)
    assert stored(live) == before


def test_a_name_holding_markup_is_stored_as_given_and_shown_as_text(live):
    name = '<script>alert(1)</script><img src=x onerror="x()">'
    r = live.submit(name, [estimate_for(live, live.room.open[0])])
    assert r.status == 200, r.text
    assert name in {s["participant"] for s in live.room.store.submissions()}
    panel = live.call("GET", "/api/projector", facilitator=True).json()
    assert "<script>" not in panel["answered"] and "<img" not in panel["answered"]
    assert "&lt;script&gt;" in panel["answered"]
    page = live.call("GET", "/projector", facilitator=True).text
    assert "<script>alert" not in page and "onerror=\"x()\"" not in page


# -- what the projector shows is the model's answer under the room's settings ------------------


def test_a_lever_move_shows_the_comparison_of_the_moved_policy(live):
    sc = live.room.scenario
    a, b = live.room.settings.pair
    before = live.call("POST", "/api/settings", {"policy": a, "reset": True},
                       facilitator=True).json()["shares"]
    r = live.call("POST", "/api/settings", {"lever": {"name": "targeted_sanctions",
                                                      "intensity": 0.0, "start": 0}},
                  facilitator=True)
    assert r.status == 200, r.text
    after = r.json()["shares"]
    # The same numbers as compare() on a scenario whose policy has that lever off.
    levers = {k: v for k, v in sc.policy(a).levers.items() if k != "targeted_sanctions"}
    expected_sc = replace(sc, policies=ReadOnlyMapping({**sc.policies, a: Policy(a, levers)}))
    c = compare(expected_sc, None, worlds=live.room.worlds, seed=live.room.seed)
    pw = c.pairwise(a, b)
    np.testing.assert_allclose(after, [pw["share_higher"], pw["share_tied"], pw["share_lower"]])
    assert after != before, "turning a lever off changed nothing"
    assert "targeted sanctions at 0 from month 0" in r.json()["picture"]
    live.call("POST", "/api/settings", {"policy": a, "reset": True}, facilitator=True)


def test_a_later_start_is_what_the_model_runs(live):
    a = live.room.settings.pair[0]
    live.call("POST", "/api/settings", {"policy": a, "reset": True}, facilitator=True)
    s = live.room.settings
    lever, setting = next(iter(live.room.scenario.policy(a).levers.items()))
    r = live.call("POST", "/api/settings", {"lever": {"name": lever, "intensity": setting.intensity,
                                                      "start": 12}}, facilitator=True)
    assert r.status == 200
    edited = edited_scenario(live.room.scenario, live.room.settings)
    assert edited.policy(a).levers[lever] == LeverSetting(setting.intensity, 12, setting.end)
    assert live.room.settings != s
    # another policy's sliders keep this one's move; reset takes it back
    b = live.room.settings.pair[1]
    live.call("POST", "/api/settings", {"policy": b}, facilitator=True)
    assert edited_scenario(live.room.scenario, live.room.settings).policy(a).levers[lever].start == 12
    live.call("POST", "/api/settings", {"policy": a, "reset": True}, facilitator=True)
    assert edited_scenario(live.room.scenario, live.room.settings).policy(a) == live.room.scenario.policy(a)


def test_an_assumption_slider_is_a_what_if_with_a_way_back(live):
    name = live.room.settings.sliders[0]
    r = live.call("POST", "/api/settings", {"fixed": {"name": name, "value": 0.3}}, facilitator=True)
    assert r.status == 200, r.text
    assert f"{name}=0.3" in r.json()["picture"]  # the provenance names the what-if
    assert "What-if" in r.json()["picture"]
    back = live.call("POST", "/api/settings", {"fixed": {"name": name, "value": None}},
                     facilitator=True)
    assert "What-if" not in back.json()["picture"] and f"{name}=" not in back.json()["picture"]


def test_the_question_can_be_changed_and_changed_back(live):
    old = list(live.room.settings.pair)
    r = live.call("POST", "/api/settings", {"pair": ["coordinated-offramps", "status-quo"]},
                  facilitator=True)
    assert r.status == 200, r.text
    c = compare(live.room.scenario, None, worlds=live.room.worlds, seed=live.room.seed)
    pw = c.pairwise("coordinated-offramps", "status-quo")
    np.testing.assert_allclose(r.json()["shares"],
                               [pw["share_higher"], pw["share_tied"], pw["share_lower"]])
    assert "<b>coordinated-offramps</b>" in r.json()["picture"].split("The answer")[0]
    hi, _, lo = r.json()["shares"]
    assert hi != lo
    more, fewer = ("coordinated-offramps", "status-quo") if hi > lo else ("status-quo",
                                                                         "coordinated-offramps")
    answer = r.json()["picture"].split("The answer")[1]
    assert answer.index(f"<b>{more}</b> gives the higher") < answer.index(f"<b>{fewer}</b>")
    live.call("POST", "/api/settings", {"pair": old}, facilitator=True)
    assert list(live.room.settings.pair) == old


@pytest.mark.parametrize("change, words", [
    ({"lever": {"name": "bombs", "intensity": 1, "start": 0}}, "unknown"),
    ({"lever": {"name": "targeted_sanctions", "intensity": 2, "start": 0}}, "0 to 1"),
    ({"lever": {"name": "targeted_sanctions", "intensity": 0.5, "start": 999}}, "start month"),
    ({"fixed": {"name": "initial.crisis", "value": 7}}, "allowed"),
    ({"policy": "nonsense"}, "nonsense"),
    ({"open": ["rally", "../etc"]}, "open"),
    ({"pair": ["targeted", "targeted"]}, "pair"),
    ({"teleport": 1}, "unknown setting"),
])
def test_bad_settings_are_refused_and_change_nothing(live, change, words):
    if "fixed" in change:
        change = {"fixed": {"name": live.room.settings.sliders[0], "value": 7}}
    before = live.room.settings
    r = live.call("POST", "/api/settings", change, facilitator=True)
    _refused(live, r, 400, words)
    assert live.room.settings == before


# -- rounds, reveal, export --------------------------------------------------------------------


def test_two_rounds_the_reveal_and_the_export(live, tmp_path):
    from polmodel.room.elicitation import elicit
    from polmodel.room.estimates_file import read_estimates

    name = live.room.open[0]
    assert live.submit("Bo", [estimate_for(live, name, 0.0)]).status == 200
    assert live.submit("Bo", [estimate_for(live, name, 0.2)]).status == 200  # a revision
    assert live.submit("Cy", [estimate_for(live, name, 0.3)]).status == 200
    live.call("POST", "/api/round", {"action": "close"}, facilitator=True)
    _refused(live, live.submit("Cy", [estimate_for(live, name, 0.1)]), 409, "closed")
    r = live.call("POST", "/api/round", {"action": "next"}, facilitator=True)
    assert r.json()["round"] == 2 and r.json()["round_open"]
    assert r.json()["count"] == 0 and "nobody has answered" in r.json()["answered"]
    assert live.submit("Cy", [estimate_for(live, name, 0.4)]).status == 200
    _refused(live, live.call("POST", "/api/round", {"action": "next"}, facilitator=True), 409,
             "close it first")
    live.call("POST", "/api/round", {"action": "close"}, facilitator=True)
    _refused(live, live.call("POST", "/api/round", {"action": "next"}, facilitator=True), 409,
             "last")
    _refused(live, live.call("POST", "/api/round", {"action": "next", "x": 1}, facilitator=True),
             400, "action")
    live.call("POST", "/api/round", {"action": "reopen"}, facilitator=True)
    first = live.call("POST", "/api/show", {"reveal": True, "hide_names": True},
                      facilitator=True).json()
    assert first["reveal"] and not first.get("pooled", {}).get("current")  # computing, not blocking
    live.room.wait_for_pooled()
    shown = live.call("GET", "/api/projector", facilitator=True).json()
    assert shown["pooled"]["current"]
    assert shown["reveal"] and "Cy" not in shown["answered"]
    figures = "".join(shown["pooled"]["figures"])
    assert re.search(r"participant \d", figures) and "Cy" not in figures + shown["pooled"]["answer"]
    assert "pooled" in shown["pooled"]["answer"]

    text = live.call("GET", "/export/estimates.csv", facilitator=True).text
    rows = list(csv.DictReader(io.StringIO(text)))
    bo = [r for r in rows if r["participant"] == "Bo"]
    assert len(bo) == 1 and bo[0]["round"] == "1"  # the revision replaced the first answer
    assert float(bo[0]["low"]) == pytest.approx(estimate_for(live, name, 0.2)["low"])
    assert {(r["participant"], r["round"]) for r in rows} >= {("Cy", "1"), ("Cy", "2")}
    path = tmp_path / "estimates.csv"
    path.write_text(text, encoding="utf-8")
    latest = [r for r in read_estimates(path) if r.round == 2]
    assert {r.participant for r in latest} == {"Cy"}
    e = elicit(path, live.room.scenario, worlds=64, policies=list(live.room.settings.pair))
    assert e.participants == ["Cy"]  # elicit pools the latest round, as the room did

    toml = live.call("GET", "/export/scenario.toml", facilitator=True)
    assert toml.status == 200 and "quantiles" in toml.text
    assert "attachment" in toml.headers["content-disposition"]


def test_a_settings_object_survives_its_json():
    s = RoomSettings(pair=("a", "b"), policy="a", levers={"a": {"x": (0.5, 3)}}, fixed={"rally": 0.1},
                     sliders=("rally",))
    assert RoomSettings.from_dict(s.to_dict()) == s


def test_the_pooled_answer_is_read_on_the_projectors_settings(tmp_path):
    """Move targeted's levers onto broad's: both the picture and the pooled result must tie."""
    live = serve_in_thread(tmp_path / "s")
    try:
        a, b = live.room.settings.pair
        assert (a, b) == ("targeted", "broad")
        for lever, s in live.room.scenario.policy(b).levers.items():
            r = live.call("POST", "/api/settings", {"lever": {"name": lever, "intensity": s.intensity,
                                                              "start": s.start}}, facilitator=True)
        assert r.json()["shares"] == [0.0, 1.0, 0.0]  # the same policy: tied in every world
        name = live.room.open[0]
        for who, shift in (("Ana", 0.0), ("Bo", 0.3)):
            assert live.submit(who, [estimate_for(live, name, shift)]).status == 200
        live.call("POST", "/api/show", {"reveal": True}, facilitator=True)
        live.room.wait_for_pooled()
        pooled = live.call("GET", "/api/projector", facilitator=True).json()["pooled"]
        assert "<b>0%</b> of plausible worlds" in pooled["answer"], pooled["answer"]
        assert "neither for Ana, Bo" in pooled["answer"]
    finally:
        live.stop()


def test_one_name_from_two_phones_is_told_and_composed_accents_are_one_name(live):
    e = estimate_for(live, live.room.open[0])
    assert live.submit("José Dos", [e], device="phone-aaaa1").status == 200
    again = live.submit("Jose\u0301 Dos", [e], device="phone-aaaa1")  # the same name, decomposed
    assert again.status == 200
    names = {s["participant"] for s in live.room.store.submissions()}
    assert "Jose\u0301 Dos" not in names and "José Dos" in names
    _refused(live, live.submit("José Dos", [e], device="phone-bbbb2"), 409, "someone else")
    assert live.submit("José Dos", [e]).status == 200  # a script that sends no device id


def test_a_request_id_is_a_retry_only_for_its_own_sender(live):
    e = estimate_for(live, live.room.open[0])
    assert live.submit("Rae", [e], request="shared-id-0001").status == 200
    _refused(live, live.submit("Sol", [e], request="shared-id-0001"), 409, "another participant")
    assert "Sol" not in {s["participant"] for s in live.room.store.submissions()}


@pytest.mark.parametrize("change", [{"add": [1]}, {"add": {"x": 1}},
                                    {"lever": {"name": "targeted_sanctions", "intensity": 10**400,
                                               "start": 0}}])
def test_facilitator_settings_of_the_wrong_type_are_one_line(live, change):
    r = live.call("POST", "/api/settings", change, facilitator=True)
    assert r.status == 400 and "error" in r.json(), r.text


def test_wrong_methods_and_unknown_api_paths_answer_in_json(live):
    r = live.call("PUT", "/api/estimates", {"x": 1})
    assert r.status == 405 and "not allowed" in r.json()["error"]
    r = live.call("GET", "/api/nothing-here")
    assert r.status == 404 and r.json()["error"]


def test_a_body_that_never_ends_is_cut_off(live, monkeypatch):
    import socket
    import time

    from polmodel.room.live import app as room_app

    monkeypatch.setattr(room_app, "BODY_SECONDS", 1)  # read when each body is read
    before = stored(live)
    s = socket.create_connection(("127.0.0.1", live.port), timeout=30)
    head = (f"POST /api/estimates HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{").encode()
    s.sendall(head)
    t0 = time.monotonic()
    answer = s.recv(4096).decode()
    s.close()
    assert answer.startswith("HTTP/1.1 408"), answer[:80]
    assert time.monotonic() - t0 < room_app.BODY_SECONDS + 5
    assert stored(live) == before


# -- from the mutation trial: behaviour no test above held -------------------------------------


def test_a_declared_ten_megabytes_is_refused_before_any_of_it_is_sent(live):
    """The declared length alone is refused: the server does not wait for the body."""
    import socket

    s = socket.create_connection(("127.0.0.1", live.port), timeout=5)
    s.sendall((f"POST /api/estimates HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n"
               ).encode())
    answer = s.recv(4096).decode()
    s.close()
    assert answer.startswith("HTTP/1.1 413"), answer[:80]


def test_a_resent_request_is_answered_with_its_first_receipt(live):
    e = estimate_for(live, live.room.open[0])
    before = stored(live)
    first = live.submit("Uma", [e], request="resent-id-0001")
    again = live.submit("Uma", [e], request="resent-id-0001")
    assert first.status == again.status == 200, again.text
    assert not first.json()["repeated"] and again.json()["repeated"]
    assert again.json()["submission"] == first.json()["submission"]
    assert stored(live) == before + 1


def test_reset_takes_back_one_policys_moves_only(live):
    a, b = live.room.settings.pair
    for p in (a, b):
        live.call("POST", "/api/settings", {"policy": p, "reset": True}, facilitator=True)
    for p in (a, b):
        r = live.call("POST", "/api/settings", {"policy": p, "lever": {
            "name": "targeted_sanctions", "intensity": 0.25, "start": 3}}, facilitator=True)
        assert r.status == 200, r.text
    live.call("POST", "/api/settings", {"policy": b, "reset": True}, facilitator=True)
    edited = edited_scenario(live.room.scenario, live.room.settings)
    assert edited.policy(a).levers["targeted_sanctions"] == LeverSetting(0.25, 3)
    assert edited.policy(b) == live.room.scenario.policy(b)
    live.call("POST", "/api/settings", {"policy": a, "reset": True}, facilitator=True)


def test_open_refuses_a_list_with_one_name_that_is_no_slider(live):
    before = live.room.open
    r = live.call("POST", "/api/settings", {"open": [live.room.settings.sliders[0], "../etc"]},
                  facilitator=True)
    _refused(live, r, 400, "open")
    assert live.room.open == before


def test_a_what_if_on_a_parameter_is_what_compare_runs(live):
    from polmodel.scenario.whatif import apply_settings

    a, b = live.room.settings.pair
    live.call("POST", "/api/settings", {"policy": a, "reset": True}, facilitator=True)
    name = "drift"  # a parameter of the model, not a starting state
    assert live.call("POST", "/api/settings", {"add": name}, facilitator=True).status == 200
    u = live.room.scenario.parameters[name]
    value = u.low + 0.9 * (u.high - u.low)
    r = live.call("POST", "/api/settings", {"fixed": {"name": name, "value": value}},
                  facilitator=True)
    assert r.status == 200, r.text
    c = compare(apply_settings(live.room.scenario, {name: value}), None,
                worlds=live.room.worlds, seed=live.room.seed)
    pw = c.pairwise(a, b)
    np.testing.assert_allclose(r.json()["shares"],
                               [pw["share_higher"], pw["share_tied"], pw["share_lower"]])
    live.call("POST", "/api/settings", {"fixed": {"name": name, "value": None}}, facilitator=True)


def test_names_that_need_a_zero_width_joiner_are_accepted(live):
    for name in ("\u0645\u0647\u0631\u200c\u0646\u0627\u0632",  # Mehrnaz, with a ZWNJ
                 "\u0915\u094d\u200d\u0937"):  # a Devanagari conjunct with a ZWJ
        r = live.submit(name, [estimate_for(live, live.room.open[0])])
        assert r.status == 200, r.text
        assert name in {s["participant"] for s in live.room.store.submissions()}


def test_wrong_join_codes_are_slowed_down(tmp_path):
    from polmodel.room.live.app import WRONG_CODES_PER_MINUTE

    live = serve_in_thread(tmp_path / "s")
    try:
        for _ in range(WRONG_CODES_PER_MINUTE):
            assert live.call("GET", "/api/room?code=WRONG9").status == 403
        r = live.call("GET", f"/api/room?code={live.room.code}")  # even the right one, for now
        assert r.status == 429 and "wait a minute" in r.json()["error"]
    finally:
        live.stop()


def test_the_pooled_result_follows_the_projector_after_the_reveal(tmp_path):
    """Revealed, the pooled answer is re-read when a lever moves; a what-if on the number the
    room estimated does not replace the estimates; each share is the named policy's own."""
    import re

    from polmodel.room.elicitation import elicit
    from polmodel.views.text import pct

    live = serve_in_thread(tmp_path / "s")
    try:
        pair = ["coordinated-offramps", "status-quo"]  # the baseline second
        assert live.call("POST", "/api/settings", {"pair": pair}, facilitator=True).status == 200
        name = live.room.open[0]
        for who, shift in (("Ana", 0.0), ("Bo", 0.3)):
            assert live.submit(who, [estimate_for(live, name, shift)]).status == 200

        def pooled() -> str:
            live.call("GET", "/api/projector", facilitator=True)
            live.room.wait_for_pooled()
            p = live.call("GET", "/api/projector", facilitator=True).json()["pooled"]
            assert p["current"]
            return p["answer"]

        live.call("POST", "/api/show", {"reveal": True}, facilitator=True)
        first = pooled()
        e = elicit(live.room.estimates(), live.room.scenario, worlds=live.room.worlds,
                   seed=live.room.seed, policies=pair, per_number=False)
        sentence = (r"<b>(.+?)</b> gives the higher opening index in <b>(.+?)</b> of plausible "
                    r"worlds and <b>(.+?)</b> in <b>(.+?)</b>")
        p1, s1, p2, s2 = re.search(sentence, first).groups()
        pw = e.comparisons["pooled"].pairwise(p1, p2)
        assert {p1, p2} == set(pair) and (s1, s2) == (pct(pw["share_higher"]),
                                                      pct(pw["share_lower"]))
        assert pw["share_higher"] != pw["share_lower"]

        low = estimate_for(live, name)["low"]
        live.call("POST", "/api/settings", {"fixed": {"name": name, "value": low}},
                  facilitator=True)
        assert pooled() == first  # the estimates are pooled, not the what-if on them
        live.call("POST", "/api/settings", {"fixed": {"name": name, "value": None}},
                  facilitator=True)

        a, b = pair  # a's levers onto b's: the same policy, tied in every world
        for lever in live.room.scenario.policy(a).levers:
            live.call("POST", "/api/settings", {"policy": a, "lever": {
                "name": lever, "intensity": 0.0, "start": 0}}, facilitator=True)
        for lever, s in live.room.scenario.policy(b).levers.items():
            live.call("POST", "/api/settings", {"policy": a, "lever": {
                "name": lever, "intensity": s.intensity, "start": s.start}}, facilitator=True)
        tied = re.search(sentence, pooled()).groups()
        assert (tied[1], tied[3]) == ("0%", "0%"), tied
    finally:
        live.stop()


def test_a_failing_pooled_result_is_one_line_on_the_projector_and_the_room_goes_on(
        tmp_path, monkeypatch):
    """An unexpected error while pooling (not a PolmodelError) reaches the projector's poll as
    one line, the waiting ends, and the room keeps taking estimates."""
    from polmodel.room.live import pooled

    def broken(*args, **kwargs):
        raise RuntimeError("index 7 is out of bounds for axis 0 with size 3")

    monkeypatch.setattr(pooled, "pooled_view", broken)
    live = serve_in_thread(tmp_path / "s")
    try:
        name = live.room.open[0]
        for who, shift in (("Ana", 0.0), ("Bo", 0.3)):
            assert live.submit(who, [estimate_for(live, name, shift)]).status == 200
        r = live.call("POST", "/api/show", {"reveal": True}, facilitator=True)
        assert r.status == 200, r.text
        live.room.wait_for_pooled(timeout=20)
        assert not live.room._pooling.is_alive()
        r = live.call("GET", "/api/projector", facilitator=True)
        assert r.status == 200, r.text
        shown = r.json()["pooled"]
        assert shown["current"] and "RuntimeError" in shown["error"]
        assert "could not be computed" in shown["error"] and "\n" not in shown["error"]
        assert "Traceback" not in r.text and "out of bounds" not in r.text  # no internals shown
        assert live.submit("Cy", [estimate_for(live, name, 0.1)]).status == 200  # still working
        assert live.call("GET", "/projector", facilitator=True).status == 200
    finally:
        live.room.wait_for_pooled()
        live.stop()


# -- rate limits: wrong codes and submissions, one sliding window class ------------------------


class _Clock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_window_allows_n_in_any_minute_and_forgets_old_keys():
    from polmodel.room.live.guard import Window

    clock = _Clock()
    w = Window(3, 60, clock=clock)
    for _ in range(3):
        assert w.wait("a") == 0.0
        w.add("a")
        clock.now += 10
    assert w.wait("a") == pytest.approx(30)  # the first leaves the window at 1060; now 1030
    assert w.wait("b") == 0.0  # another key is its own
    clock.now += 29.9
    assert w.wait("a") > 0
    clock.now += 0.1
    assert w.wait("a") == 0.0  # exactly a minute after the first: one slot free
    w.add("a")
    assert w.wait("a") == pytest.approx(10)
    clock.now += 3600
    for k in range(2000):  # made-up keys, each used once: the old ones are swept
        w.add(f"device-{k}")
        clock.now += 1
    assert len(w._events) <= 1024 + 60


def _other_loopback_addresses() -> bool:
    """Whether this machine can send from 127.0.0.2 (Linux can; macOS has only 127.0.0.1)."""
    import socket

    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
        return True
    except OSError:
        return False


needs_other_addresses = pytest.mark.skipif(not _other_loopback_addresses(),
                                           reason="needs 127.0.0.2 and .3 as client addresses")


@pytest.fixture()
def limited(tmp_path, monkeypatch):
    from polmodel.room.live import app as room_app

    monkeypatch.setattr(room_app, "SUBMISSIONS_PER_MINUTE_PER_ADDRESS", 5)  # read by create_app
    clock = _Clock()
    live = serve_in_thread(tmp_path / "s", clock=clock)
    live.extra["clock"] = clock
    yield live
    live.stop()


def test_a_device_may_send_thirty_a_minute_then_is_told_to_wait(limited):
    from polmodel.room.live.app import SUBMISSIONS_PER_MINUTE

    live, clock = limited, limited.extra["clock"]
    assert SUBMISSIONS_PER_MINUTE == 30
    e = [estimate_for(live, live.room.open[0])]
    for k in range(SUBMISSIONS_PER_MINUTE):
        r = live.submit("Ana", e, device="phone-ana-1")
        assert r.status == 200, (k, r.text)
        clock.now += 1
    before = stored(live)
    r = live.submit("Ana", e, device="phone-ana-1")
    _refused(live, r, 429, "too many submissions from this device (30 a minute)")
    assert "already sent are kept" in r.json()["error"]
    assert r.headers["retry-after"] == "30"  # the first left the window at 1060; now 1030
    assert r.json()["error"].endswith("wait 30 s and try again")
    assert stored(live) == before  # refused, not stored
    # another device from the same address (the laptop: no per-address limit) is not held up
    assert live.submit("Bo", e, device="phone-bo-1").status == 200
    # the window slides: once the first submission is a minute old, one more is allowed
    clock.now += 30
    assert live.submit("Ana", e, device="phone-ana-1").status == 200
    _refused(live, live.submit("Ana", e, device="phone-ana-1"), 429, "this device")


@needs_other_addresses
def test_an_address_is_limited_whatever_device_ids_it_makes_up(limited):
    live, clock = limited, limited.extra["clock"]
    e = [estimate_for(live, live.room.open[0])]
    for k in range(5):
        r = live.submit(f"Eve {k}", e, device=f"made-up-{k:04d}", source="127.0.0.2")
        assert r.status == 200, (k, r.text)
    r = live.submit("Eve 9", e, device="made-up-9999", source="127.0.0.2")
    _refused(live, r, 429, "from this network address (5 a minute)")
    assert r.headers["retry-after"] == "60"
    r = live.submit("Eve 8", e, source="127.0.0.2")  # no device id: the address still counts
    _refused(live, r, 429, "network address")
    assert live.submit("Fay", e, device="phone-fay-1", source="127.0.0.3").status == 200
    for k in range(8):  # the laptop itself is not limited by address
        assert live.submit(f"Gil {k}", e).status == 200
    clock.now += 60
    assert live.submit("Eve 9", e, device="made-up-9999", source="127.0.0.2").status == 200


@needs_other_addresses
def test_wrong_codes_answer_429_with_retry_after_and_the_window_slides(tmp_path):
    from polmodel.room.live.app import WRONG_CODES_PER_MINUTE

    clock = _Clock()
    live = serve_in_thread(tmp_path / "s", clock=clock)
    try:
        for _ in range(WRONG_CODES_PER_MINUTE):
            assert live.call("GET", "/api/room?code=WRONG9").status == 403
        r = live.call("GET", f"/api/room?code={live.room.code}")
        assert r.status == 429 and r.headers["retry-after"] == "60"
        assert live.call("GET", f"/api/room?code={live.room.code}",
                         source="127.0.0.2").status == 200  # another address is not held up
        clock.now += 60
        assert live.call("GET", f"/api/room?code={live.room.code}").status == 200
    finally:
        live.stop()
