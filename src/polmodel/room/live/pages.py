"""The room's pages as HTML: the projector, the participants' page, and one-line error pages.

Every text that comes from outside (the scenario's title and descriptions, policy names,
participant names) is escaped here or in the SVG writer; the figures are SVG made on the server
(:mod:`polmodel.views.svg_charts`). Pages load only the app's own script and style sheet
(``/static/...``), so the room works on a laptop with no internet; the Content-Security-Policy
the app sends forbids anything else.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from polmodel.views.text import CAVEAT

e = html.escape


def _page(title: str, body: str, *, script: str = "", data: str = "") -> str:
    js = f'<script src="/static/{script}" defer></script>' if script else ""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{e(title)}</title><link rel='stylesheet' href='/static/room.css'>{js}"
            f"</head><body{data}>{body}</body></html>")


def message_page(title: str, message: str) -> str:
    """A page that says one thing (a wrong code, a missing key)."""
    return _page(title, f"<main class='message'><h1>{e(title)}</h1><p>{e(message)}</p></main>")


def landing_page() -> str:
    """What the bare address shows: how to join."""
    return _page("polmodel room", (
        "<main class='message'><h1>A polmodel room</h1><p>To join, open the link the "
        "facilitator shows, or type the join code:</p><form method='get' action='/join'>"
        "<label>Join code <input name='code' maxlength='12' autocomplete='off' "
        "autocapitalize='characters' required></label> <button>Join</button></form></main>"))


def _picture_html(p: dict[str, Any]) -> str:
    what_ifs = "".join(f"<li>{e(w)}</li>" for w in p["what_ifs"])
    changes = (f"<div class='what-ifs'><b>Changed in the room</b> (what-ifs, not the "
               f"scenario's):<ul>{what_ifs}</ul></div>") if what_ifs else ""
    return (f"<div id='question'>{p['question']}</div><div id='answer'>{p['answer']}</div>"
            f"<div id='binds'>{p['binds']}</div><div id='changes'>{changes}</div>"
            f"<h2>Each policy across plausible worlds</h2><div id='ranges'>{p['ranges']}</div>"
            f"<h2>The four conditions over time (central values)</h2>"
            f"<div id='over-time'>{p['over_time']}</div>"
            f"<p class='provenance' id='provenance'>{e(p['provenance'])}</p>")


def picture_parts(p: dict[str, Any]) -> dict[str, str]:
    """The pieces the projector's script swaps in after a slider moves."""
    parts = _picture_html(p)
    return {"picture": parts, "shares": p["shares"]}


def lever_rows(c: dict[str, Any]) -> str:
    """A row per lever: its intensity and start month as sliders (the descriptions as tips)."""
    rows = []
    for lv in c["levers"]:
        n = e(lv["name"])
        rows.append(
            f"<div class='control lever' data-lever='{n}'><div class='label' title='"
            f"{e(lv['description'])}'>{e(lv['label'])}</div>"
            f"<label>intensity <input type='range' min='0' max='1' step='0.05' "
            f"value='{lv['intensity']:g}' data-kind='intensity' aria-label='intensity of "
            f"{e(lv['label'])}'><output>{lv['intensity']:g}</output></label>"
            f"<label>from month <input type='range' min='0' max='{c['horizon'] - 1}' step='1' "
            f"value='{lv['start']}' data-kind='start' aria-label='start month of "
            f"{e(lv['label'])}'><output>{lv['start']}</output></label></div>")
    return "".join(rows)


def assumption_rows(c: dict[str, Any]) -> str:
    """A row per assumption slider: fixed or at its range, and whether it is open to the room."""
    rows = []
    for a in c["assumptions"]:
        n = e(a["name"])
        value = a["fixed"] if a["fixed"] is not None else a["value"]
        step = (a["high"] - a["low"]) / 100 or 0.01
        fixed = a["fixed"] is not None
        state = (f"fixed at <output>{value:.3g}</output> in every world" if fixed
                 else f"its range, {a['low']:.3g} to {a['high']:.3g}")
        checked = " checked" if a["name"] in c["open"] else ""
        rows.append(
            f"<div class='control assumption{' fixed' if fixed else ''}' data-name='{n}'>"
            f"<div class='label' title='{e(a['meaning'])}'>{e(a['label'])}</div>"
            f"<input type='range' min='{a['low']:.6g}' max='{a['high']:.6g}' step='{step:.4g}' "
            f"value='{value:.6g}' aria-label='fix {e(a['label'])}'>"
            f"<div class='state'>{state} <button type='button' class='back'"
            f"{'' if fixed else ' hidden'}>back to its range</button></div>"
            f"<label class='open'><input type='checkbox' class='open-box'{checked}> open to the "
            "room</label></div>")
    return "".join(rows)


def addable_options(c: dict[str, Any]) -> str:
    """The options of "add an assumption": those not yet offered, by their labels."""
    return "<option value=''>choose...</option>" + "".join(
        f"<option value='{e(a['name'])}'>{e(a['label'])}</option>" for a in c["addable"])


def _options(c: dict[str, Any], which: int) -> str:
    return "".join(f"<option{' selected' if n == c['pair'][which] else ''}>{e(n)}</option>"
                   for n in c["policies"])


def projector_page(room, *, token: str, join_url: str, qr_svg: str) -> str:
    """The facilitator's page: the picture, the sliders, the room's estimates."""
    c = room.controls()
    p = room.picture()
    panel = room.panel()
    policies = "".join(f"<option{' selected' if n == c['policy'] else ''}>{e(n)}</option>"
                       for n in c["policies"])
    addable = addable_options(c)
    sc = room.scenario
    local = urlsplit(join_url).hostname in ("127.0.0.1", "localhost")
    lan_note = ("<p class='note'>Phones cannot open this address: it is this laptop's own. Restart "
                "with <code>polmodel room --lan</code> so phones on the same Wi-Fi can join.</p>"
                if local else "")
    body = (
        f"<header><h1>{e(sc.title)}</h1><div class='join'><div>Join: <b class='url'>"
        f"{e(join_url)}</b><br>code <b class='code' id='join-code'>{e(room.code)}</b>{lan_note}"
        f"</div><div class='qr'>{qr_svg}</div></div></header>"
        f"<p class='caveat'>{e(CAVEAT)}</p>"
        "<div class='layout'><main id='picture' aria-live='polite'>"
        f"{_picture_html(p)}</main><aside class='controls'>"
        "<section id='room'><h2>The room's estimates</h2><p id='round-state'></p>"
        "<div class='round-bar'>"
        "<button type='button' data-round='close'>close the round</button>"
        "<button type='button' data-round='reopen'>reopen it</button>"
        "<button type='button' data-round='next'>start round 2</button></div><div class='round-bar'>"
        "<label><input type='checkbox' id='reveal'> show the pooled result</label>"
        "<label><input type='checkbox' id='hide-names'> hide names</label></div>"
        f"<div id='answered'>{panel['answered']}</div><div id='pooled'></div>"
        "<p class='exports'>Export: <a href='/export/estimates.csv' download>estimates (CSV)</a> "
        "&middot; <a href='/export/scenario.toml' download>pooled scenario (TOML)</a> &middot; "
        "<a href='/export/handout.html' download>handout (HTML)</a></p>"
        "<p class='error' id='error' role='alert'></p></section>"
        "<h2>The question</h2>"
        f"<label>Which gives the higher opening index: <select id='pair-a'>{_options(c, 0)}</select>"
        f" or <select id='pair-b'>{_options(c, 1)}</select>?</label><h2>Levers</h2>"
        f"<label>The sliders move the levers of <select id='policy'>{policies}</select></label>"
        "<button type='button' id='reset'>back to the scenario's levers</button>"
        "<p class='note'>Intensity runs from 0 (the lever not used) to 1 (used as hard as the "
        "model allows); the start is the month it begins.</p>"
        f"<div id='levers'>{lever_rows(c)}</div>"
        "<h2>Assumptions</h2><p class='note'>A slider fixes the assumption at one value in "
        "every world (a what-if); 'back to its range' undoes it. Tick 'open to the room' for "
        "the participants to estimate it.</p>"
        f"<div id='assumptions'>{assumption_rows(c)}</div>"
        f"<label>Add an assumption <select id='add'>{addable}</select></label></aside></div>")
    return _page(f"{sc.title}: polmodel room", body, script="projector.js",
                 data=f" data-token='{e(token)}'")


def participant_page(room, code: str) -> str:
    """The participants' page; the script fills in the open assumptions and keeps them current."""
    body = (f"<main class='participant'><h1>{e(room.scenario.title)}</h1>"
            "<p>Give your own low, best and high value for each number below: what you find "
            "plausible, not what you hope. You can change them until the facilitator closes "
            "the round.</p>"
            "<form id='estimates' novalidate><label class='name'>Your name "
            "<input id='name' maxlength='100' autocomplete='name' required></label>"
            "<p id='round' class='round'></p><div id='fields'></div>"
            "<p id='closed' class='status bad' role='status'></p>"
            "<button id='send'>Send my estimates</button>"
            "<p id='status' role='status' class='status'></p></form>"
            f"<p class='caveat small'>{e(CAVEAT)}</p></main>")
    return _page(f"{room.scenario.title}: your estimates", body, script="participant.js",
                 data=f" data-code='{e(code)}'")
