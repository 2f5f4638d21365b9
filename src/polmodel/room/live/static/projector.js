// The projector: sliders post the room's settings and swap in the redrawn picture; the room's
// estimates are polled every second. Everything it shows was escaped by the server.
"use strict";
(() => {
  const token = document.body.dataset.token;
  const $ = (s, root = document) => root.querySelector(s);
  const errorLine = $("#error");

  async function call(url, data) {
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(data),
      headers: {"Content-Type": "application/json", "X-Room-Token": token},
    });
    const j = await r.json().catch(() => ({error: "the room did not answer (is polmodel room still running?)"}));
    if (!r.ok) throw new Error(j.error || r.statusText);
    errorLine.textContent = "";
    return j;
  }

  // Changes go one at a time; a newer move of the same slider replaces one still waiting.
  const queue = [];
  let busy = false;
  function send(change, redraw) {
    const key = JSON.stringify(Object.keys(change).concat(
      Object.values(change).map((v) => (v && v.name) || "")));
    const last = queue[queue.length - 1];
    if (last && last.key === key) last.change = change; else queue.push({key, change, redraw});
    pump();
  }
  async function pump() {
    if (busy || !queue.length) return;
    busy = true;
    const {change, redraw} = queue.shift();
    try {
      const j = await call("/api/settings", change);
      $("#picture").innerHTML = j.picture;
      document.body.dataset.drawn = String(Number(document.body.dataset.drawn || 0) + 1);
      if (redraw) { $("#levers").innerHTML = j.levers; $("#assumptions").innerHTML = j.assumptions; $("#add").innerHTML = j.addable; }
    } catch (e) {
      errorLine.textContent = e.message;
    } finally {
      busy = false;
      pump();
    }
  }

  $("#levers").addEventListener("input", (ev) => {
    const row = ev.target.closest(".lever");
    if (!row) return;
    const [intensity, start] = row.querySelectorAll("input[type=range]");
    ev.target.nextElementSibling.textContent = ev.target.value;
    send({lever: {name: row.dataset.lever, intensity: Number(intensity.value), start: Number(start.value)}});
  });
  $("#assumptions").addEventListener("input", (ev) => {
    const row = ev.target.closest(".assumption");
    if (!row || ev.target.type !== "range") return;
    row.classList.add("fixed");
    $(".state", row).firstChild.textContent = "fixed at " + Number(ev.target.value).toPrecision(3) + " in every world ";
    $(".back", row).hidden = false;
    send({fixed: {name: row.dataset.name, value: Number(ev.target.value)}});
  });
  $("#assumptions").addEventListener("click", (ev) => {
    const row = ev.target.closest(".assumption");
    if (row && ev.target.classList.contains("back")) send({fixed: {name: row.dataset.name, value: null}}, true);
  });
  $("#assumptions").addEventListener("change", (ev) => {
    if (!ev.target.classList.contains("open-box")) return;
    const names = [...document.querySelectorAll(".assumption")]
      .filter((row) => $(".open-box", row).checked).map((row) => row.dataset.name);
    send({open: names});
  });
  $("#policy").addEventListener("change", (ev) => send({policy: ev.target.value}, true));
  $("#reset").addEventListener("click", () => send({policy: $("#policy").value, reset: true}, true));
  for (const id of ["#pair-a", "#pair-b"]) {
    $(id).addEventListener("change", () => send({pair: [$("#pair-a").value, $("#pair-b").value]}));
  }
  $("#add").addEventListener("change", (ev) => { if (ev.target.value) send({add: ev.target.value}, true); });

  async function act(url, data) {
    try { show(await call(url, data)); } catch (e) { errorLine.textContent = e.message; }
  }
  document.querySelectorAll("[data-round]").forEach((b) =>
    b.addEventListener("click", () => act("/api/round", {action: b.dataset.round})));
  $("#reveal").addEventListener("change", (ev) => act("/api/show", {reveal: ev.target.checked}));
  $("#hide-names").addEventListener("change", (ev) => act("/api/show", {hide_names: ev.target.checked}));

  let shown = "";
  function show(s) {
    $("#round-state").textContent = `Round ${s.round} of ${s.rounds}: ${s.round_open ? "open" : "closed"}.` +
      (s.open.length ? "" : " No assumption is open to the room yet.");
    $("[data-round=close]").disabled = !s.round_open;
    $("[data-round=reopen]").disabled = s.round_open;
    $("[data-round=next]").disabled = s.round >= s.rounds || s.round_open;
    $("#reveal").checked = s.reveal;
    $("#hide-names").checked = s.hide_names;
    const pooled = s.pooled ? (s.pooled.current ? "" : "<p class='note'>Updating with the latest answers...</p>") +
      (s.pooled.error ? `<p class="error">${s.pooled.error.replace(/[&<>]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]))}</p>` : "") +
      s.pooled.answer + s.pooled.figures.join("") +
      `<p class="provenance">${s.pooled.provenance.replace(/[&<>]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]))}</p>` : "";
    const waiting = s.reveal && !s.pooled && s.count ? "<p class='note'>Pooling the answers...</p>" : "";
    const html = s.answered + "\u0000" + waiting + pooled;
    if (html !== shown) {
      shown = html;
      $("#answered").innerHTML = s.answered;
      $("#pooled").innerHTML = waiting + pooled;
    }
  }
  async function poll() {
    try {
      const r = await fetch("/api/projector", {credentials: "same-origin"});
      if (r.ok) show(await r.json());
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
