"""Participants' estimates of one number in SVG: each range a line, the pooled distribution a band.

Receives numbers only (names, lows, bests, highs, pooled quantiles); the live room draws one
per open assumption. Names are text, escaped by :mod:`polmodel.views.svg`.
"""

from __future__ import annotations

from collections.abc import Sequence

from polmodel.views import svg


def estimate_ranges(title: str, people: Sequence[tuple[str, float, float, float]], *,
                    scale: tuple[float, float], pooled: tuple[float, float, float] | None = None,
                    width: float = 1000.0) -> str:
    """One row per participant: a line from low to high, a dot at the best guess.

    Parameters
    ----------
    title : str
        The number in plain words.
    people : sequence of (name, low, best, high)
    scale : (float, float)
        The axis: from, to.
    pooled : (float, float, float), optional
        The pooled distribution's 5%, 50% and 95% points: a shaded band with its median,
        drawn under the participants.
    """
    f = 22.0
    people = [(_short(n, f, width * 0.45 - 20), lo, best, hi) for n, lo, best, hi in people]
    names = [p[0] for p in people] + (["pooled"] if pooled else []) or [""]
    col = min(max(svg.text_width(n, f, bold=n == "pooled") for n in names) + 20, width * 0.45)
    x0, x1 = col, width - 20
    lo, hi = scale
    span = (hi - lo) or 1.0

    def xv(v: float) -> float:
        return x0 + (x1 - x0) * (min(max(v, lo), hi) - lo) / span

    row = 34.0
    top = 2 * f + 8
    body = [svg.text(0, f, title, size=f, bold=True)]
    bottom = top + row * max(len(people), 1) + (row if pooled else 0)
    if pooled:
        p5, p50, p95 = pooled
        body.append(svg.rect(xv(p5), top - 8, xv(p95) - xv(p5), bottom - top, fill="#0072B2",
                             opacity="0.12"))
        body.append(svg.line(xv(p50), top - 8, xv(p50), bottom, colour="#0072B2", width=3))
        y = top + row * len(people) + row * 0.6
        body.append(svg.text(col - 10, y + f * 0.35, "pooled", size=f, anchor="end", bold=True,
                             colour="#0072B2"))
        body.append(svg.text(xv(p50) + 8, y + f * 0.35, f"middle 90%: {p5:.3g} to {p95:.3g}, "
                             f"median {p50:.3g}", size=f - 4, colour="#0072B2"))
    for i, (name, low, best, high) in enumerate(people):
        y = top + row * (i + 0.5)
        body.append(svg.text(col - 10, y + f * 0.35, name, size=f, anchor="end"))
        body.append(svg.line(xv(low), y, xv(high), y, colour=svg.BLACK, width=5))
        body.append(f'<circle cx="{svg.num(xv(best))}" cy="{svg.num(y)}" r="8" fill="white" '
                    f'stroke="{svg.BLACK}" stroke-width="3"/>')
    for v in (lo, (lo + hi) / 2, hi):
        body.append(svg.text(xv(v), bottom + f + 4, f"{v:.3g}", size=f - 4, anchor="middle",
                             colour="#333333"))
    return svg.figure("".join(body), width, bottom + f + 10, cls="estimates",
                      title=f"{title}: each participant's range (line) and best guess (dot)")


def _short(name: str, size: float, room: float) -> str:
    """A name cut to fit ``room`` units of the name column, with an ellipsis where it was cut."""
    if svg.text_width(name, size) <= room:
        return name
    while name and svg.text_width(name + "\u2026", size) > room:
        name = name[:-1]
    return name.rstrip() + "\u2026"
