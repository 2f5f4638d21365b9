"""The model as diagrams in SVG, from the mechanism table: one a room reads, one in full.

- :func:`lever_diagram`: the model on one page, for a back row. Levers on the left, the four
  conditions (and the states levers act through) on the right; one arrow per lever and state
  stands for every mechanism linking them, marked by the way they push: raises (solid, ``+``),
  lowers (dashed, ``-``) or both ways (dash-dot, ``±``). Each state says how many mechanisms
  raise and lower it in all. Arcs on the right carry the states that act on the conditions.
- :func:`mechanism_diagram`: levers -> mechanisms -> states, every mechanism, for the appendix.

Arrows run only in the gaps between columns and words only inside them, so no line crosses
a label. Sizes are in each figure's own units; the handout scales it to the page width.
"""

from __future__ import annotations

from polmodel.views import svg

SIGN_STYLE = {1: (svg.BLUE, "", "+"), -1: (svg.VERMILLION, "9 5", "\u2212"),
              0: (svg.PURPLE, "12 4 3 4", "\u00b1")}
"""Colour, dash pattern and mark of a link that raises (1), lowers (-1) or does both (0)."""


def lever_links() -> dict[tuple[str, str], dict]:
    """Each (lever, state) pair a mechanism links: its mechanisms and the way they push.

    Returns
    -------
    dict
        ``{(lever, state): {"mechanisms": [names], "sign": 1, -1 or 0 (both ways)}}``.
    """
    from polmodel.model.parameters import MECHANISMS

    out: dict[tuple[str, str], dict] = {}
    for m in MECHANISMS:
        for lever in m.levers:
            for state, sign in m.moves:
                link = out.setdefault((lever, state), {"mechanisms": [], "signs": set()})
                link["mechanisms"].append(m.name)
                link["signs"].add(sign)
    return {k: {"mechanisms": v["mechanisms"],
                "sign": v["signs"].pop() if len(v["signs"]) == 1 else 0} for k, v in out.items()}


def _head(x: float, y: float, sign: int, colour: str) -> str:
    """An arrowhead (raises), a flat bar (lowers) or both, pointing right, its tip at (x, y)."""
    if sign > 0:
        return svg.path(f"M{svg.num(x - 14)},{svg.num(y - 7)} L{svg.num(x)},{svg.num(y)} "
                        f"L{svg.num(x - 14)},{svg.num(y + 7)} Z", colour=colour, fill=colour)
    bar = svg.line(x - 2, y - 8, x - 2, y + 8, colour=colour, width=4)
    if sign < 0:
        return bar
    return bar + svg.path(f"M{svg.num(x - 18)},{svg.num(y - 6)} L{svg.num(x - 6)},{svg.num(y)} "
                          f"L{svg.num(x - 18)},{svg.num(y + 6)} Z", colour=colour, fill=colour)


def _mark(x: float, y: float, sign: int, colour: str, size: float) -> str:
    """The sign of a link in a white disc, readable in grey."""
    r = size * 0.6
    return (f'<circle cx="{svg.num(x)}" cy="{svg.num(y)}" r="{svg.num(r)}" fill="white" '
            f'stroke="{colour}" stroke-width="2"/>'
            + svg.text(x, y + size * 0.36, SIGN_STYLE[sign][2], size=size, anchor="middle",
                       bold=True, colour=colour))


def acts_on(state: str) -> dict[str, int]:
    """The conditions a state acts on through the mechanisms that read it: sign, or 0 for both."""
    from polmodel.model.parameters import MECHANISMS
    from polmodel.model.states import CONDITIONS

    signs: dict[str, set] = {}
    for m in MECHANISMS:
        if state in m.reads:
            for s, g in m.moves:
                if s in CONDITIONS and s != state:
                    signs.setdefault(s, set()).add(g)
    return {s: (g.pop() if len(g) == 1 else 0) for s, g in signs.items()}


def lever_diagram(*, width: float = 1000.0) -> str:
    """The model on one page: levers -> the states they move, mechanisms grouped per link.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    from polmodel.model.labels import label
    from polmodel.model.levers import LEVERS
    from polmodel.model.parameters import MECHANISMS
    from polmodel.model.states import CONDITIONS, STATES
    from polmodel.views.plots import style

    links = lever_links()
    through = [s for s in STATES if s not in CONDITIONS and any(s == t for _, t in links)]
    states = list(CONDITIONS) + through
    f_lever, f_state, f_small, f_head = 28.0, 28.0, 21.0, 27.0
    col_l, gap, col_s = 300.0, 250.0, 440.0
    x_l = 5.0
    x_s = x_l + col_l + gap
    port = 22.0  # vertical distance between the arrows reaching one box
    body: list[str] = []
    incoming = {s: [lv for (lv, t) in links if t == s] for s in states}
    counts = {s: (sum(1 for m in MECHANISMS for t, g in m.moves if t == s and g > 0),
                  sum(1 for m in MECHANISMS for t, g in m.moves if t == s and g < 0))
              for s in states}
    mark = {1: "+", -1: "\u2212", 0: "\u00b1"}
    # The state's name, as the tables and the appendix name it, and how many mechanisms push it.
    notes = {s: [f"{s}: {counts[s][0]} raise it, {counts[s][1]} lower it"] for s in states}
    for s in through:
        notes[s].append("acts on " + ", ".join(f"{c} {mark[g]}" for c, g in acts_on(s).items()))
    state_lines = {s: svg.wrap(label(s), col_s - 28, f_state, bold=True) for s in states}
    note_lines = {s: [ln for note in notes[s] for ln in svg.wrap(note, col_s - 28, f_small)]
                  for s in states}
    y = 70.0
    box_s: dict[str, tuple[float, float]] = {}
    for i, s in enumerate(states):
        if i == len(CONDITIONS) and through:
            body.append(svg.text(x_s, y + 26, "states the levers act through", size=f_small,
                                 bold=True, colour="#555555"))
            y += 42
        words = len(state_lines[s]) * f_state * 1.2 + len(note_lines[s]) * f_small * 1.2 + 14
        h = max(words, port * (len(incoming[s]) + 0.6))
        box_s[s] = (y, h)
        y += h + 14
    height_s = y
    # Levers: ordered by the mean height of the states they reach (fewer crossings), spread
    # over the height of the states' column.
    centre = {s: top + h / 2 for s, (top, h) in box_s.items()}
    outgoing = {lv.name: [t for (a, t) in links if a == lv.name and t in box_s] for lv in LEVERS}
    levers = [lv for lv in LEVERS if outgoing[lv.name]]
    levers.sort(key=lambda lv: sum(centre[t] for t in outgoing[lv.name]) / len(outgoing[lv.name]))
    lever_lines = {lv.name: svg.wrap(lv.label, col_l - 24, f_lever) for lv in levers}
    size = {n: max(len(lines) * f_lever * 1.2 + 14, port * 0.9 * len(outgoing[n]) + 8)
            for n, lines in lever_lines.items()}
    spare = max(12.0, (height_s - 70 - sum(size.values())) / max(1, len(levers) - 1))
    y = 70.0
    box_l: dict[str, tuple[float, float]] = {}
    for lv in levers:
        box_l[lv.name] = (y, size[lv.name])
        y += size[lv.name] + spare
    height = max(height_s, y - spare + 14) + 50
    # Ports: arrows leave and arrive in the order of the other end, so they do not cross there.
    lever_mid = {n: top + h / 2 for n, (top, h) in box_l.items()}
    start, end = {}, {}
    for n, (top, h) in box_l.items():
        targets = sorted(outgoing[n], key=lambda t: centre[t])
        for k, t in enumerate(targets):
            start[(n, t)] = top + h / 2 + (k - (len(targets) - 1) / 2) * port * 0.9
    for s, (top, h) in box_s.items():
        sources = sorted(incoming[s], key=lambda n: lever_mid[n])
        for k, n in enumerate(sources):
            end[(n, s)] = top + h / 2 + (k - (len(sources) - 1) / 2) * port
    x0, x1 = x_l + col_l, x_s
    for (n, s), link in sorted(links.items(), key=lambda kv: kv[1]["sign"]):
        if s not in box_s:
            continue
        colour, dash, _ = SIGN_STYLE[link["sign"]]
        y0, y1 = start[(n, s)], end[(n, s)]
        bend = gap * 0.45
        body.append(svg.path(f"M{svg.num(x0 + 4)},{svg.num(y0)} C{svg.num(x0 + bend)},"
                             f"{svg.num(y0)} {svg.num(x1 - bend)},{svg.num(y1)} "
                             f"{svg.num(x1 - 44)},{svg.num(y1)} L{svg.num(x1 - 4)},{svg.num(y1)}",
                             colour=colour, width=3, dash=dash))
        body.append(_head(x1 - 3, y1, link["sign"], colour))
        body.append(_mark(x1 - 30, y1, link["sign"], colour, 15))
    for n, (top, h) in box_l.items():
        body.append(svg.rect(x_l, top, col_l, h, fill="#f4f4f4", stroke="#999999", width=1.5, rx=8))
        lines = lever_lines[n]
        first = top + h / 2 - (len(lines) - 1) * f_lever * 0.6 + f_lever * 0.35
        body.append(svg.lines_of_text(x_l + 12, first, lines, size=f_lever))
    for s, (top, h) in box_s.items():
        body.append(svg.rect(x_s, top, col_s, h, fill="white", stroke=style(s).color, width=4,
                             rx=8))
        lines, small = state_lines[s], note_lines[s]
        block = len(lines) * f_state * 1.2 + len(small) * f_small * 1.2
        first = top + (h - block) / 2 + f_state * 0.9
        body.append(svg.lines_of_text(x_s + 14, first, lines, size=f_state, bold=True))
        body.append(svg.lines_of_text(x_s + 14, first + len(lines) * f_state * 1.2 - 2, small,
                                      size=f_small, colour="#333333"))
    body.append(svg.text(x_l, 40, "levers", size=f_head, bold=True))
    body.append(svg.text(x_s, 40, "conditions", size=f_head, bold=True))
    y = height - 22
    for k, (sign, words) in enumerate(((1, "raises"), (-1, "lowers"), (0, "both ways"))):
        colour, dash, _ = SIGN_STYLE[sign]
        x = x_l + k * 330
        body.append(svg.line(x, y, x + 70, y, colour=colour, width=3, dash=dash))
        body.append(_head(x + 86, y, sign, colour))
        body.append(svg.text(x + 100, y + 8, words, size=f_lever))
    return svg.figure("".join(body), width, height, cls="diagram",
                      title="The model: which levers move which conditions, and which way")


def mechanism_diagram(*, width: float = 1000.0) -> str:
    """Levers -> mechanisms -> states, every mechanism of the table (for the appendix).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    from polmodel.model.levers import LEVERS_BY_NAME
    from polmodel.model.parameters import MECHANISMS_BY_NAME
    from polmodel.views.diagram import causal_layout
    from polmodel.views.plots import style

    lay = causal_layout()
    f_m, f_l, f_s = 12.0, 14.0, 17.0
    row = 16.5
    top = 50.0
    col_l, col_m, col_s = 200.0, 230.0, 190.0
    x_l, x_m = 5.0, 5.0 + col_l + 150
    x_s = x_m + col_m + 150
    mech_y = {n: top + (i + 0.5) * row for i, n in enumerate(lay["mechanisms"])}
    height = top + len(lay["mechanisms"]) * row + 60
    span = height - top - 60

    def spread(names, lines_of):
        sizes = [len(lines_of[n]) * 1.2 * f_l + 8 for n in names]
        gap_ = max(4.0, (span - sum(sizes)) / max(1, len(names)))
        out, y = {}, top + gap_ / 2
        for n, h in zip(names, sizes):
            out[n] = (y, h)
            y += h + gap_
        return out

    lever_lines = {n: svg.wrap(LEVERS_BY_NAME[n].label, col_l - 12, f_l) for n in lay["levers"]}
    state_lines = {n: [n] for n in lay["states"]}
    box_l = spread(lay["levers"], lever_lines)
    box_s = spread(lay["states"], state_lines)
    body = []
    for n in lay["mechanisms"]:
        m = MECHANISMS_BY_NAME[n]
        y = mech_y[n]
        for lv in m.levers:
            t, h = box_l[lv]
            body.append(svg.line(x_l + col_l, t + h / 2, x_m, y, colour="#9a9a9a", width=0.8))
        for s, sign in m.moves:
            t, h = box_s[s]
            colour, dash, _ = SIGN_STYLE[1 if sign > 0 else -1]
            body.append(svg.line(x_m + col_m, y, x_s - 6, t + h / 2, colour=colour, width=1.1,
                                 dash="6 3" if sign < 0 else ""))
    for n in lay["mechanisms"]:
        y = mech_y[n]
        body.append(svg.rect(x_m, y - row / 2 + 1.5, col_m, row - 3, fill="white",
                             stroke="#bbbbbb", width=0.7, rx=3))
        body.append(svg.text(x_m + 6, y + f_m * 0.35, n.replace("_", " "), size=f_m))
    for n, (t, h) in box_l.items():
        body.append(svg.rect(x_l, t, col_l, h, fill="#f4f4f4", stroke="#999999", rx=4))
        body.append(svg.lines_of_text(x_l + 6, t + 4 + f_l, lever_lines[n], size=f_l))
    for n, (t, h) in box_s.items():
        body.append(svg.rect(x_s, t, col_s, h, fill="white", stroke=style(n).color, width=2.5,
                             rx=4))
        body.append(svg.text(x_s + 8, t + h / 2 + f_s * 0.35, n, size=f_s, bold=True))
    for x, words in ((x_l, "levers"), (x_m, "mechanisms"), (x_s, "states")):
        body.append(svg.text(x, 30, words, size=f_s, bold=True))
    y = height - 25
    body.append(svg.line(x_l, y, x_l + 50, y, colour=svg.BLUE, width=1.5))
    body.append(svg.text(x_l + 58, y + 5, "the mechanism raises the state", size=f_l))
    body.append(svg.line(x_l + 330, y, x_l + 380, y, colour=svg.VERMILLION, width=1.5, dash="6 3"))
    body.append(svg.text(x_l + 388, y + 5, "it lowers the state", size=f_l))
    return svg.figure("".join(body), width, height, cls="diagram full",
                      title="Every mechanism: levers, mechanisms and the states they move")
