// The participants' page: the open assumptions as low / best / high fields, checked here and
// again by the room; revisable until the facilitator closes the round. What was sent is kept
// in this browser, so a reloaded page shows it again.
"use strict";
(() => {
  const code = document.body.dataset.code;
  const $ = (s, root = document) => root.querySelector(s);
  const status = $("#status");
  const nameBox = $("#name");
  const typed = {};           // what was typed, kept when the form is redrawn
  let shownKey = "";
  let view = null;
  let saved = false;          // the form as shown is what the room stored
  let firstBad = null;        // the first field a check found wrong

  function remember(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: not kept */ }
  }
  function recall(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  function randomId() {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return [...a].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  // This browser's id: the room tells a second phone using a name already taken.
  const device = recall("polmodel-device") || randomId();
  remember("polmodel-device", device);
  nameBox.value = recall("polmodel-name") || "";

  function say(text, good) {
    status.textContent = text;
    status.className = "status " + (good ? "good" : "bad");
  }
  // A number as people type it: "0.3", "0,3" (a decimal comma), ".3"; anything else is NaN.
  function parse(raw) {
    const text = raw.trim().replace(/\s/g, "");
    if (!/^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/.test(text)) return NaN;
    return Number(text.replace(",", "."));
  }
  function field(a, which) {
    const label = document.createElement("label");
    label.textContent = which + " ";
    const input = document.createElement("input");
    input.type = "text";        // a number field would silently drop a decimal comma
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.name = a.name + ":" + which;
    input.value = typed[input.name] !== undefined ? typed[input.name] : "";
    input.addEventListener("input", () => {
      typed[input.name] = input.value;
      input.removeAttribute("aria-invalid");
      if (saved) { say("Changed, not sent yet: press \u201cSend my estimates\u201d to save.", false); saved = false; }
    });
    label.appendChild(input);
    return label;
  }
  function render(v) {
    const box = $("#fields");
    box.textContent = "";
    if (!v.assumptions.length) {
      const p = document.createElement("p");
      p.textContent = "The facilitator has not opened any number to the room yet; this page updates by itself.";
      box.appendChild(p);
    }
    for (const a of v.assumptions) {
      const fs = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = a.label;
      const meaning = document.createElement("p");
      meaning.className = "meaning";
      meaning.textContent = a.meaning.charAt(0).toUpperCase() + a.meaning.slice(1) + ".";
      const note = document.createElement("p");
      note.className = "range-note";
      const share = a.limit[1] !== null && a.limit[1] <= 1;
      note.textContent = `The scenario's plausible range: ${+a.low.toPrecision(3)} to ${+a.high.toPrecision(3)}` +
        ` (central value ${+a.value.toPrecision(3)}). Yours may differ` +
        (share ? "; a share from 0 to 1 (30% is 0.3)." : ".");
      const triple = document.createElement("div");
      triple.className = "triple";
      for (const which of ["low", "best", "high"]) triple.appendChild(field(a, which));
      fs.append(legend, meaning, note, triple);
      box.appendChild(fs);
    }
  }
  function restore(v) {
    const sent = JSON.parse(recall(`polmodel-sent:${code}:${v.round}`) || "{}");
    for (const [k, value] of Object.entries(sent)) if (typed[k] === undefined) typed[k] = value;
  }
  async function load() {
    try {
      const r = await fetch("/api/room?code=" + encodeURIComponent(code));
      const v = await r.json();
      if (!r.ok) { say(v.error || "the room did not answer", false); return; }
      const before = view;
      view = v;
      const key = JSON.stringify([v.round, v.assumptions.map((a) => a.name)]);
      if (key !== shownKey) {
        const added = before && before.round === v.round &&
          v.assumptions.some((a) => !before.assumptions.some((b) => b.name === a.name));
        const next = before && before.round !== v.round;
        shownKey = key;
        restore(v);
        render(v);
        if (added && saved) { saved = false; say("The facilitator opened another number: add your estimates and send again.", false); }
        if (next) { saved = false; say(`Round ${v.round} is open: look again at your estimates after the discussion, change any, and send them.`, true); }
      }
      const state = v.round_open ? "open: you can send and change your estimates."
        : "closed: what you sent before it closed is kept; wait for the facilitator.";
      $("#round").textContent = `Round ${v.round} of ${v.rounds} is ${state}`;
      $("#send").disabled = !v.round_open || !v.assumptions.length;
      $("#closed").textContent = v.round_open ? "" : `Round ${v.round} is closed.`;
    } catch (e) {
      say("The room cannot be reached; check the Wi-Fi and that the facilitator's laptop is on.", false);
    }
  }
  function collect() {
    const problems = [];
    firstBad = null;
    const name = nameBox.value.trim();
    if (!name) problems.push("Your name: please give a name or a nickname.");
    const estimates = [];
    for (const a of view.assumptions) {
      const n = {};
      for (const which of ["low", "best", "high"]) n[which] = parse(typed[a.name + ":" + which] || "");
      const bad = (which) => {
        const input = document.querySelector(`input[name="${CSS.escape(a.name + ":" + which)}"]`);
        if (input) { input.setAttribute("aria-invalid", "true"); if (!firstBad) firstBad = input; }
      };
      const top = a.limit[1];
      for (const which of ["low", "best", "high"]) if (!Number.isFinite(n[which])) bad(which);
      if (![n.low, n.best, n.high].every(Number.isFinite)) {
        problems.push(`${a.label}: give a number in each of low, best and high (such as 0.25).`);
      } else if (!(n.low <= n.best && n.best <= n.high && n.low < n.high)) {
        bad("best");
        problems.push(`${a.label}: low must be at most best, best at most high, and low below high.`);
      } else if (n.low < a.limit[0] || (top !== null && n.high > top)) {
        bad(n.low < a.limit[0] ? "low" : "high");
        const percent = top !== null && top <= 1 && n.high <= 100;
        problems.push(`${a.label}: allowed from ${a.limit[0]} to ${top}` +
          (percent ? " (a share: for 30%, type 0.3)." : "."));
      } else {
        estimates.push({parameter: a.name, low: n.low, best: n.best, high: n.high});
      }
    }
    if (!name) firstBad = nameBox;
    return {name, estimates, problems};
  }
  $("#estimates").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!view) return;
    const {name, estimates, problems} = collect();
    if (problems.length) {
      say(problems[0] + (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""), false);
      if (firstBad) firstBad.focus();
      return;
    }
    remember("polmodel-name", name);
    const body = {code, participant: name, estimates, request: randomId(), device};
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const r = await fetch("/api/estimates", {method: "POST", body: JSON.stringify(body),
          headers: {"Content-Type": "application/json"}});
        const j = await r.json();
        if (!r.ok) {
          say(j.error, false);
          if (r.status === 400 || r.status === 409) load();  // a number closed, a round ended
          return;
        }
        const sent = {};
        for (const e of estimates) for (const which of ["low", "best", "high"]) sent[`${e.parameter}:${which}`] = String(e[which]);
        remember(`polmodel-sent:${code}:${j.round}`, JSON.stringify(sent));
        saved = true;
        say(`Saved for round ${j.round} at ${new Date().toLocaleTimeString()}. You can change them until the round closes.`, true);
        return;
      } catch (e) { /* retried with the same request id: stored once */ }
    }
    say("Not saved: the room cannot be reached. Try again in a moment.", false);
  });
  load();
  setInterval(load, 3000);
})();
