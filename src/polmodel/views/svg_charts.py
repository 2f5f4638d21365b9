"""The handout's charts in SVG: a verdict's shares, each policy's range, conditions over time.

Each function receives numbers (a comparison's, duck-typed, or central runs) and returns an
``<svg>`` element (:mod:`polmodel.views.svg`); nothing here imports the analysis or matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from polmodel.views import svg
from polmodel.views.text import pct, verdict_parts

TIED = "#BBBBBB"

_DASH = {"-": "", "--": "9 5", "-.": "10 4 2 4", ":": "2 4"}


def verdict_bar(a: str, b: str, higher: float, tied: float, lower: float, *,
                width: float = 1000.0) -> str:
    """One bar of the worlds: where ``a`` gives the higher index, where they tie, where ``b`` does.

    Parameters
    ----------
    a, b : str
        The two policies.
    higher, tied, lower : float
        Shares of plausible worlds (``a`` higher, tied, ``b`` higher); they add up to 1.
    """
    f = 25.0
    top, bar = 4.0, 34.0
    body = []
    x = 0.0
    parts = ((higher, svg.BLUE, f"{a} higher", "start"), (tied, TIED, "tied", "middle"),
             (lower, svg.VERMILLION, f"{b} higher", "end"))
    for share, colour, _, _ in parts:
        w = width * share
        if w > 0:
            body.append(svg.rect(x, top, w, bar, fill=colour))
        x += w
    # Labels under the bar, at its two ends and its middle, so a thin share is still named.
    # The three shares are all the worlds: printed, they add up to 100%, and read as the
    # answer's sentence reads them (equal sides print the same).
    y = top + bar + f * 1.15
    h, lo, t = verdict_parts(higher, lower, tied)
    shown = (h, t, lo)  # in the bar's order: a higher, tied, b higher
    for (_, colour, words, anchor), text, at in zip(parts, shown, (2.0, width / 2, width - 4)):
        body.append(svg.text(at, y, f"{words}: {text}", size=f, anchor=anchor, bold=True,
                             colour=svg.BLACK if colour == TIED else colour))
    return svg.figure("".join(body), width, y + 7, cls="verdict",
                      title=f"Shares of plausible worlds: {a} higher {shown[0]}, tied "
                            f"{shown[1]}, {b} higher {shown[2]}")


def peak_ranges(per_policy: Mapping[str, Mapping], *, highlight: Sequence[str] = (),
                width: float = 1000.0) -> str:
    """Each policy's peak opening index across worlds: the middle 80% as a bar, the median a dot.

    Parameters
    ----------
    per_policy : mapping
        :attr:`Comparison.per_policy`: ``peak_index_p10``, ``_median``, ``_p90`` and
        ``window_share`` per policy.
    highlight : sequence of str
        Policies drawn in bold (the question's two).
    """
    f = 24.0
    names = list(per_policy)
    col = max(svg.text_width(n, f, bold=True) for n in names) + 24
    right = 250.0  # the window share, in words, at the right
    x0, x1 = col, width - right
    row = 50.0
    top = 56.0
    body = [svg.text(x0, 30, "peak opening index across worlds", size=f - 4, colour="#333333"),
            svg.text(width - 4, 30, "window opens in", size=f - 4, anchor="end", colour="#333333")]

    def xv(v: float) -> float:
        return x0 + (x1 - x0) * min(max(v, 0.0), 1.0)

    bottom = top + row * len(names)
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(svg.line(xv(v), top - 8, xv(v), bottom, colour="#999999" if v == 0.5 else "#dddddd",
                             width=2 if v == 0.5 else 1, dash="6 4" if v == 0.5 else ""))
        body.append(svg.text(xv(v), bottom + f, f"{v:g}", size=f - 4, anchor="middle",
                             colour="#333333"))
    for i, n in enumerate(names):
        s = per_policy[n]
        y = top + row * (i + 0.5)
        bold = n in highlight
        body.append(svg.text(col - 16, y + f * 0.35, n, size=f, anchor="end", bold=bold))
        body.append(svg.line(xv(s["peak_index_p10"]), y, xv(s["peak_index_p90"]), y,
                             colour=svg.BLUE if bold else "#555555", width=12))
        body.append(f'<circle cx="{svg.num(xv(s["peak_index_median"]))}" cy="{svg.num(y)}" '
                    f'r="11" fill="white" stroke="{svg.BLACK}" stroke-width="4"/>')
        body.append(svg.text(width - 4, y + f * 0.35, pct(s["window_share"]), size=f, anchor="end",
                             bold=bold))
    return svg.figure("".join(body), width, bottom + f + 14, cls="ranges",
                      title="Peak opening index per policy across plausible worlds")


def conditions_over_time(runs: Sequence, *, columns: int = 2, width: float = 1000.0) -> str:
    """Small multiples: the four conditions and the opening index over the months, per run.

    Each run (:class:`~polmodel.analysis.runs.RunResult`, duck-typed: ``policy``, ``months``,
    ``conditions``, ``index``, ``window``, ``bottleneck``) gets a panel. The condition that
    binds is drawn thick where it binds; the index is the dotted black line; a shaded band
    marks the months with a window.
    """
    from polmodel.model.states import CONDITIONS
    from polmodel.views.plots import style

    f = 22.0
    legend_h = 2 * f * 1.5 + 10
    gap_x, gap_y = 60.0, 70.0
    left, right = 52.0, 24.0  # room for the 0.5 on the left, the last month on the right
    pw = (width - left - right - gap_x * (columns - 1)) / columns
    ph = pw * (0.42 if columns == 2 else 0.5)
    rows = -(-len(runs) // columns)
    body = []
    # The legend, once, on top: the conditions in two lines.
    items = [(c, style(c).color, _DASH.get(style(c).linestyle, "")) for c in CONDITIONS]
    items.append(("opening index", svg.BLACK, "3 5"))
    x, y = 0.0, f
    for name, colour, dash in items:
        w = 56 + 10 + svg.text_width(name, f) + 36
        if x + w > width:
            x, y = 0.0, y + f * 1.5
        body.append(svg.line(x, y - f * 0.35, x + 56, y - f * 0.35, colour=colour, width=4, dash=dash))
        body.append(svg.text(x + 66, y, name, size=f))
        x += w
    for k, r in enumerate(runs):
        px = left + (k % columns) * (pw + gap_x)
        py = legend_h + (k // columns) * (ph + gap_y) + f * 1.4
        months = list(r.months)
        span = max(months[-1] - months[0], 1)

        def xm(m, px=px, months=months, span=span):
            return px + pw * (m - months[0]) / span

        def yv(v, py=py):
            return py + ph * (1 - v)

        body.append(svg.text(px + 4, py - 14, f"{r.policy}", size=f, bold=True))
        for m0, m1 in _runs_of(r.window):
            body.append(svg.rect(xm(months[m0]) - 0.5, py, xm(months[m1]) - xm(months[m0]) + 1, ph,
                                 fill="#009E73", opacity="0.15"))
        for v in (0.0, 0.5, 1.0):
            body.append(svg.line(px, yv(v), px + pw, yv(v), colour="#999999" if v == 0.5 else "#cccccc",
                                 width=1.5, dash="6 4" if v == 0.5 else ""))
            if k % columns == 0:
                body.append(svg.text(px - 8, yv(v) + f * 0.3, f"{v:g}", size=f - 4, anchor="end",
                                     colour="#333333"))
        for m in range(0, months[-1] + 1, 12):
            body.append(svg.text(xm(m), py + ph + f, f"{m}", size=f - 4, anchor="middle",
                                 colour="#333333"))
        for i, c in enumerate(CONDITIONS):
            st = style(c)
            ys = [float(v) for v in r.conditions[:, i]]
            binds = [b == c for b in r.bottleneck]
            for m0, m1 in _runs_of(binds):
                body.append(svg.polyline([(xm(months[j]), yv(ys[j])) for j in range(m0, m1 + 1)],
                                         colour=st.color, width=12, opacity="0.35"))
            body.append(svg.polyline([(xm(m), yv(v)) for m, v in zip(months, ys)], colour=st.color,
                                     width=3, dash=_DASH.get(st.linestyle, "")))
        body.append(svg.polyline([(xm(m), yv(float(v))) for m, v in zip(months, r.index)],
                                 colour=svg.BLACK, width=2.5, dash="3 5"))
    height = legend_h + rows * (ph + gap_y) + f
    body.append(svg.text(width / 2, height - 4, "month", size=f - 4, anchor="middle",
                         colour="#333333"))
    return svg.figure("".join(body), width, height + 6, cls="over-time",
                      title="The four conditions and the opening index over the months, per policy")


def _runs_of(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """First and last index of each run of consecutive true flags."""
    out, start = [], None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            out.append((start, i - 1))
            start = None
    return out
