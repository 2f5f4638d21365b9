"""The live room's figures (issue 17, DESIGN section 8), measured on a real ``polmodel room``.

    python benchmarks/room.py            # every figure, full rounds
    python benchmarks/room.py --quick    # fewer rounds
    python benchmarks/room.py --json     # the rows as JSON too (for benchmarks/run.py)

One ``polmodel room --port 0`` process on a fresh session folder (1,000 worlds, seed 0) is
measured from this process over HTTP on localhost, and, when the system's Chromium and
chromedriver and selenium are installed, from inside a headless Chromium:

- **slider to picture** (budget 100 ms): ``POST /api/settings`` moving one lever of the edited
  policy, timed to the JSON answer parsed. "new setting": every move a lever schedule the room
  has not computed (the policy's outcomes re-run, the picture redrawn); "back and forth": two
  settings alternated (the policy's outcomes kept, the picture redrawn). In the browser: from the
  slider's ``input`` event (``performance.now()`` in the page) to the projector's script
  swapping the new picture into the page (a MutationObserver on ``data-drawn``), new settings.
- **first load of the projector** (budget 1 s): ``GET /projector`` with the facilitator cookie
  on a new connection, the whole HTML read; the very first one after the room starts (the
  picture computed) is reported apart. In the browser: a navigation to ``/projector``,
  ``domContentLoadedEventEnd`` and ``loadEventEnd`` of the Navigation Timing API.
- **load** (budget p95 < 200 ms): 30 participants at once (threads, each its own keep-alive
  connection, released together), each sending 10 ``POST /api/estimates`` of one estimate with
  its own request id (300 requests): p50, p95 and max response time of each round; then every
  acknowledged request is looked up in the session's database
  (:meth:`polmodel.room.live.store.RoomStore.submissions`): there exactly once, with what was
  sent.

Every figure is the median over rounds, with the range [min-max]. The client runs on the same
machine as the server (on 2 cores, the 30 client threads compete with the server for CPU).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

LEVER = "targeted_sanctions"
PARTICIPANTS, REQUESTS_EACH = 30, 10
BUDGET_SLIDER, BUDGET_LOAD_PAGE, BUDGET_P95 = 0.100, 1.0, 0.200


# -- the room ---------------------------------------------------------------------------------


class Room:
    """A ``polmodel room`` process on a fresh folder, and an HTTP client of it."""

    def __init__(self, folder: Path, wait: float = 120.0, engine: str = "numpy",
                 worlds: int = 1000) -> None:
        import polmodel

        src = str(Path(polmodel.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [src, *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.folder = folder
        self.proc = subprocess.Popen([sys.executable, "-m", "polmodel", "room", "--port", "0",
                                      "--folder", str(folder), "--engine", engine,
                                      "--worlds", str(worlds)], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=env)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        urls: dict[str, str] = {}
        deadline = time.monotonic() + wait
        while len(urls) < 2:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise SystemExit(f"polmodel room printed no URLs in {wait:.0f} s") from None
            if line is None:
                self.stop()
                raise SystemExit("polmodel room stopped before printing its URLs")
            m = re.match(r"(projector|participants):\s+(http://\S+)", line)
            if m:
                urls[m.group(1)] = m.group(2)
        self.projector_url, self.join_url = urls["projector"], urls["participants"]
        m = re.match(r"http://([^/:]+):(\d+)/", self.projector_url)
        self.host, self.port = m.group(1), int(m.group(2))
        self.key = self.projector_url.split("key=", 1)[1]
        self.code = self.join_url.split("code=", 1)[1]
        self.cookie = f"polmodel_room={self.key}"
        self.token = ""

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, conn, method: str, path: str, body=None, headers=None):
        """(status, body bytes) of one request on ``conn`` (kept alive)."""
        h = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, r.read()

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self.proc.stdout:
            self.proc.stdout.close()


def settings_moves():
    """Lever settings never sent before: (intensity, start month), intensities on the 0.05 grid."""
    for start in range(1, 36):
        for step in range(21):
            yield round(step * 0.05, 2), start


# -- the figures ------------------------------------------------------------------------------


def stats(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def first_load(room: Room) -> tuple[float, str]:
    """The first GET /projector after the room started (the picture computed), and its HTML."""
    conn = room.connect()
    status, _ = room.request(conn, "GET", f"/?key={room.key}")
    assert status == 303, status
    conn.close()
    t = time.perf_counter()
    conn = room.connect()
    status, page = room.request(conn, "GET", "/projector", headers={"Cookie": room.cookie})
    elapsed = time.perf_counter() - t
    conn.close()
    assert status == 200, status
    text = page.decode()
    room.token = re.search(r"data-token='(\w+)'", text).group(1)
    return elapsed, text


def page_loads(room: Room, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        conn = room.connect()
        status, page = room.request(conn, "GET", "/projector", headers={"Cookie": room.cookie})
        times.append(time.perf_counter() - t)
        conn.close()
        assert status == 200 and page.endswith(b"</html>"), status
    return times


def slider_http(room: Room, moves, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """(new lever settings, back and forth, what-ifs): seconds from POST to the JSON parsed."""
    conn = room.connect()
    headers = {"Cookie": room.cookie, "X-Room-Token": room.token}

    def move(intensity: float, start: int) -> float:
        t = time.perf_counter()
        status, body = room.request(conn, "POST", "/api/settings", headers=headers, body={
            "lever": {"name": LEVER, "intensity": intensity, "start": start}})
        answer = json.loads(body)
        elapsed = time.perf_counter() - t
        assert status == 200 and "picture" in answer, (status, body[:200])
        return elapsed

    new = [move(*next(moves)) for _ in range(rounds)]
    what_if = []
    status, body = room.request(conn, "GET", f"/api/room?code={room.code}")
    first = json.loads(body)["assumptions"][0]
    for i in range(rounds):  # a what-if: new worlds drawn, every policy run again
        value = first["low"] + (first["high"] - first["low"]) * ((i * 7919) % 997 + 1) / 999
        t = time.perf_counter()
        status, body = room.request(conn, "POST", "/api/settings", headers=headers, body={
            "fixed": {"name": first["name"], "value": value}})
        assert status == 200 and "picture" in json.loads(body), (status, body[:200])
        what_if.append(time.perf_counter() - t)
    room.request(conn, "POST", "/api/settings", headers=headers,
                 body={"fixed": {"name": first["name"], "value": None}})
    a, b = next(moves), next(moves)
    move(*a), move(*b)  # both computed once; from here on the policy's outcomes are kept
    back_and_forth = [move(*(a if i % 2 == 0 else b)) for i in range(rounds)]
    conn.close()
    return new, back_and_forth, what_if


def load_round(room: Room, parameter: dict, tag: str) -> tuple[list[float], dict, int]:
    """30 participants at once, 10 estimates each: (latencies, acknowledged, refused)."""
    lo, hi = parameter["low"], parameter["high"]
    barrier = threading.Barrier(PARTICIPANTS)
    latencies: list[float] = []
    acked: dict[str, tuple] = {}
    refused = [0]
    lock = threading.Lock()

    def participant(i: int) -> None:
        conn = room.connect()
        name = f"load {tag} participant {i + 1}"
        barrier.wait()
        for j in range(REQUESTS_EACH):
            f = (j + 1) / (REQUESTS_EACH + 2)
            est = {"parameter": parameter["name"], "low": lo, "best": lo + f * (hi - lo),
                   "high": hi}
            request = secrets.token_hex(16)
            t = time.perf_counter()
            try:
                status, body = room.request(conn, "POST", "/api/estimates", body={
                    "code": room.code, "participant": name, "estimates": [est],
                    "request": request})
                ok = status == 200 and json.loads(body).get("stored") == 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = room.connect()
                ok = False
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                if ok:
                    acked[request] = (name, est["low"], est["best"], est["high"])
                else:
                    refused[0] += 1
        conn.close()

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(PARTICIPANTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return latencies, acked, refused[0]


def check_stored(folder: Path, acked: dict) -> tuple[int, int, int]:
    """(acknowledged missing, stored more than once, stored with other values)."""
    from polmodel.room.live.store import RoomStore

    store = RoomStore(folder)
    try:
        rows = store.submissions()
    finally:
        store.close()
    by_request: dict[str, list] = {}
    for r in rows:
        by_request.setdefault(r["request"], []).append(r)
    missing = sum(1 for q in acked if q not in by_request)
    twice = sum(1 for q in acked if len(by_request.get(q, [])) > 1)
    wrong = 0
    for q, (name, low, best, high) in acked.items():
        for r in by_request.get(q, []):
            e = r["estimates"]
            if (r["participant"] != name or len(e) != 1
                    or (e[0]["low"], e[0]["best"], e[0]["high"]) != (low, best, high)):
                wrong += 1
    return missing, twice, wrong


# -- in the browser ---------------------------------------------------------------------------


def browser():
    """A headless Chromium from the system's packages, or None (and why)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        return None, "no chromium/chromedriver"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "selenium not installed"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="room-bench-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    b = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    b.set_script_timeout(30)
    b._profile_dir = profile
    return b, ""


SLIDER_JS = """
const [lever, intensity, start, done] = arguments;
const row = document.querySelector(`.lever[data-lever='${lever}']`);
const [i, s] = row.querySelectorAll("input[type=range]");
const before = Number(document.body.dataset.drawn || 0);
const obs = new MutationObserver(() => {
  if (Number(document.body.dataset.drawn || 0) > before) {
    const t1 = performance.now();
    obs.disconnect();
    requestAnimationFrame(() => setTimeout(() => done([t1 - t0, performance.now() - t0,
      document.querySelector('#error').textContent]), 0));
  }
});
obs.observe(document.body, {attributes: true, attributeFilter: ["data-drawn"]});
s.value = String(start);
i.value = String(intensity);
const t0 = performance.now();
i.dispatchEvent(new Event("input", {bubbles: true}));
"""

NAVIGATION_JS = """
const n = performance.getEntriesByType("navigation")[0];
return [n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime];
"""


def in_browser(room: Room, moves, rounds: int) -> dict[str, list[float]]:
    b, why = browser()
    if b is None:
        return {"why": why}
    out: dict[str, list] = {"swap": [], "frame": [], "dcl": [], "load": []}
    try:
        b.get(room.projector_url)  # the key swapped for the cookie
        for _ in range(rounds):
            b.get(f"http://{room.host}:{room.port}/projector")
            while b.execute_script(NAVIGATION_JS)[1] <= 0:
                time.sleep(0.01)
            dcl, load = b.execute_script(NAVIGATION_JS)
            out["dcl"].append(dcl / 1000)
            out["load"].append(load / 1000)
        for _ in range(rounds):
            swap, frame, error = b.execute_async_script(SLIDER_JS, LEVER, *next(moves))
            assert not error, error
            out["swap"].append(swap / 1000)
            out["frame"].append(frame / 1000)
    finally:
        b.quit()
        shutil.rmtree(b._profile_dir, ignore_errors=True)
    return out


# -- the table --------------------------------------------------------------------------------


def ms(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def measure(quick: bool = False, say=None) -> list[dict]:
    """Every figure of the room: a list of rows (figure, median, low, high, budget, met, note).

    The budgets are for numpy at 1,000 worlds; the slider figures are then measured again with
    the compiled engine at 10,000 worlds (what ``polmodel room`` runs where a compiler builds it).
    """
    say = say or (lambda text: print(text, flush=True))
    n_slider, n_page, n_load = (8, 5, 1) if quick else (30, 20, 5)
    rows: list[dict] = []

    def add(figure, values, budget=None, note=""):
        med, lo, hi = stats(values)
        r = {"figure": figure, "median": med, "min": lo, "max": hi, "rounds": len(values),
             "budget": budget, "met": None if budget is None else med < budget, "note": note}
        rows.append(r)
        say(f"  {figure}: {ms(med)} [{ms(lo)}-{ms(hi)}] over {len(values)}")

    folder = Path(tempfile.mkdtemp(prefix="room-bench-")) / "session"
    t = time.perf_counter()
    room = Room(folder)
    started = time.perf_counter() - t
    try:
        say(f"polmodel room started in {started:.1f} s on {room.host}:{room.port}")
        moves = settings_moves()
        first, _ = first_load(room)
        add("first load: very first GET /projector after start (HTTP)", [first], BUDGET_LOAD_PAGE,
            "one sample: the picture computed")
        add("first load: GET /projector, whole HTML (HTTP)", page_loads(room, n_page),
            BUDGET_LOAD_PAGE)
        new, back, what_if = slider_http(room, moves, n_slider)
        add("slider -> picture, new lever setting (HTTP, JSON parsed)", new, BUDGET_SLIDER)
        add("slider -> picture, back and forth (HTTP, JSON parsed)", back, BUDGET_SLIDER)
        add("slider -> picture, an assumption fixed (new worlds, every policy; HTTP)", what_if,
            BUDGET_SLIDER)
        b = in_browser(room, moves, n_page if quick else max(n_page, 20))
        if "why" in b:
            rows.append({"figure": "in the browser", "median": None, "note": b["why"]})
            say(f"  in the browser: skipped ({b['why']})")
        else:
            add("first load: navigation to DOMContentLoaded (browser)", b["dcl"], BUDGET_LOAD_PAGE)
            add("first load: navigation to load (browser)", b["load"], BUDGET_LOAD_PAGE)
            add("slider -> picture, input event to DOM swap (browser)", b["swap"], BUDGET_SLIDER)
            add("slider -> picture, input event to next frame (browser)", b["frame"],
                BUDGET_SLIDER)

        status, body = room.request(room.connect(), "GET", f"/api/room?code={room.code}")
        parameter = json.loads(body)["assumptions"][0]
        p50, p95, top, walls, all_acked, refused = [], [], [], [], {}, 0
        for k in range(n_load):
            t = time.perf_counter()
            lat, acked, bad = load_round(room, parameter, str(k + 1))
            walls.append(time.perf_counter() - t)
            p50.append(percentile(lat, 0.5))
            p95.append(percentile(lat, 0.95))
            top.append(max(lat))
            all_acked.update(acked)
            refused += bad
            say(f"  load round {k + 1}: {len(lat)} requests, {len(acked)} acknowledged, p50 "
                f"{ms(p50[-1])}, p95 {ms(p95[-1])}, max {ms(top[-1])}, all 300 in {ms(walls[-1])}")
    finally:
        room.stop()
    from polmodel.model.compiled import unavailable

    why = unavailable()
    if why is None:
        big = Room(Path(tempfile.mkdtemp(prefix="room-bench-")) / "session", engine="compiled",
                   worlds=10_000)
        try:
            first_load(big)
            new, back, what_if = slider_http(big, settings_moves(), n_slider)
            add("compiled engine, 10,000 worlds: slider -> picture, new lever setting", new)
            add("compiled engine, 10,000 worlds: slider -> picture, an assumption fixed", what_if)
        finally:
            big.stop()
    else:
        rows.append({"figure": "compiled engine", "median": None, "note": why})
    missing, twice, wrong = check_stored(folder, all_acked)
    total = n_load * PARTICIPANTS * REQUESTS_EACH
    note = (f"{len(all_acked)} of {total} acknowledged; in the database: {missing} missing, "
            f"{twice} twice, {wrong} with other values; a round of 300 took "
            f"{ms(statistics.median(walls))} (median), {refused} refused or failed")
    add("load: 30 x 10 estimates, p50", p50)
    add("load: 30 x 10 estimates, p95", p95, BUDGET_P95, note)
    add("load: 30 x 10 estimates, max", top)
    rows[-2]["met"] = rows[-2]["met"] and missing == twice == wrong == refused == 0
    shutil.rmtree(folder.parent, ignore_errors=True)
    return rows


def table(rows: list[dict]) -> str:
    out = ["| figure | median | [min-max] | rounds | budget | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        if r["median"] is None:
            out.append(f"| {r['figure']} | skipped: {r['note']} | | | | |")
            continue
        budget = "" if r["budget"] is None else f"< {ms(r['budget'])}"
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        out.append(f"| {r['figure']} | {ms(r['median'])} | [{ms(r['min'])}-{ms(r['max'])}] | "
                   f"{r['rounds']} | {budget} | {met} |")
    notes = [f"- {r['figure']}: {r['note']}" for r in rows if r.get("note") and r["median"] is not None]
    return "\n".join(out + ([""] + notes if notes else []))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON as well")
    args = ap.parse_args()
    rows = measure(args.quick)
    print()
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=1))
    sys.exit(0 if all(r.get("met") is not False for r in rows) else 1)


if __name__ == "__main__":
    main()
