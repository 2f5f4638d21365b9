// The participants' page: the open assumptions as low / best / high fields, checked here and
// again by the room; revisable until the facilitator closes the round.
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
  try { nameBox.value = localStorage.getItem("polmodel-name") || ""; } catch (e) { /* private mode */ }

  function say(text, good) {
    status.textContent = text;
    status.className = "status " + (good ? "good" : "bad");
  }
  function requestId() {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return [...a].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  function field(a, which) {
    const label = document.createElement("label");
    label.textContent = which + " ";
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.inputMode = "decimal";
    input.name = a.name + ":" + which;
    input.min = a.limit[0];
    if (a.limit[1] !== null && isFinite(a.limit[1])) input.max = a.limit[1];
    input.value = typed[input.name] !== undefined ? typed[input.name] : "";
    input.addEventListener("input", () => {
      typed[input.name] = input.value;
      input.removeAttribute("aria-invalid");
      if (saved) { say("Changed, not sent yet: press “Send my estimates” to save.", false); saved = false; }
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
      note.textContent = `The scenario's plausible range: ${+a.low.toPrecision(3)} to ${+a.high.toPrecision(3)}` +
        ` (central value ${+a.value.toPrecision(3)}). Yours may differ.`;
      const triple = document.createElement("div");
      triple.className = "triple";
      for (const which of ["low", "best", "high"]) triple.appendChild(field(a, which));
      fs.append(legend, meaning, note, triple);
      box.appendChild(fs);
    }
  }
  async function load() {
    try {
      const r = await fetch("/api/room?code=" + encodeURIComponent(code));
      const v = await r.json();
      if (!r.ok) { say(v.error || "the room did not answer", false); return; }
      view = v;
      const key = JSON.stringify([v.round, v.assumptions.map((a) => a.name)]);
      if (key !== shownKey) { shownKey = key; render(v); }
      $("#round").textContent = `Round ${v.round} of ${v.rounds}: ` +
        (v.round_open ? "open, you can send and change your estimates." : "closed; wait for the facilitator.");
      $("#send").disabled = !v.round_open || !v.assumptions.length;
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
      for (const which of ["low", "best", "high"]) {
        const raw = (typed[a.name + ":" + which] || "").trim();
        n[which] = raw === "" ? NaN : Number(raw);
      }
      const bad = (which) => {
        const input = document.querySelector(`input[name="${CSS.escape(a.name + ":" + which)}"]`);
        if (input) { input.setAttribute("aria-invalid", "true"); if (!firstBad) firstBad = input; }
      };
      for (const which of ["low", "best", "high"]) if (!Number.isFinite(n[which])) bad(which);
      if (![n.low, n.best, n.high].every(Number.isFinite)) {
        problems.push(`${a.label}: give a number in each of low, best and high.`);
      } else if (!(n.low <= n.best && n.best <= n.high && n.low < n.high)) {
        bad("best");
        problems.push(`${a.label}: low must be at most best, best at most high, and low below high.`);
      } else if (n.low < a.limit[0] || (a.limit[1] !== null && n.high > a.limit[1])) {
        bad(n.low < a.limit[0] ? "low" : "high");
        problems.push(`${a.label}: allowed from ${a.limit[0]} to ${a.limit[1]}.`);
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
    try { localStorage.setItem("polmodel-name", name); } catch (e) { /* private mode */ }
    const body = {code, participant: name, estimates, request: requestId()};
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const r = await fetch("/api/estimates", {method: "POST", body: JSON.stringify(body),
          headers: {"Content-Type": "application/json"}});
        const j = await r.json();
        if (!r.ok) { say(j.error, false); return; }
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
