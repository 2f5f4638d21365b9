"""Figures as inline SVG, written directly: text that prints sharp, that a browser can measure.

The handout's figures are simple (lines over months, boxes and arrows, bars of shares), so they
are written here as SVG elements rather than drawn by matplotlib: no import of matplotlib on
the handout's path, no raster, text that stays text (a PDF of the handout can be searched, and
the browser test reads every label's box). Lengths are in the figure's own units (its
``viewBox``); the page scales the figure to its width.

Text has no layout engine here, so its width is estimated from the advance widths of DejaVu
Sans (the handout's first font; the others it falls back to are narrower), and long labels are
wrapped by :func:`wrap` before they are placed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

# Advance widths (em) of DejaVu Sans and DejaVu Sans Bold, characters 32 to 126.
_REGULAR = (
    0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361,
    0.318, 0.337, *(0.636,) * 10, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0, 0.684, 0.686,
    0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787,
    0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337,
    0.39, 0.838, 0.5, 0.5, 0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278,
    0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818,
    0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838)
_BOLD = (
    0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.38,
    0.415, 0.38, 0.365, *(0.696,) * 10, 0.4, 0.4, 0.838, 0.838, 0.838, 0.58, 1.0, 0.774, 0.762,
    0.734, 0.83, 0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.85,
    0.733, 0.85, 0.77, 0.72, 0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365,
    0.457, 0.838, 0.5, 0.5, 0.675, 0.716, 0.593, 0.716, 0.678, 0.435, 0.716, 0.712, 0.343,
    0.343, 0.665, 0.343, 1.042, 0.712, 0.687, 0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652,
    0.924, 0.645, 0.652, 0.582, 0.712, 0.365, 0.712, 0.838)

BLUE, VERMILLION, PURPLE, GREY, BLACK = "#0072B2", "#D55E00", "#8E44AD", "#777777", "#111111"
"""Okabe-Ito colours (with a purple for "both ways"): they survive colour blindness."""


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width of ``text`` at font size ``size`` (same units), in DejaVu Sans."""
    table = _BOLD if bold else _REGULAR
    return size * sum(table[ord(c) - 32] if 32 <= ord(c) < 127 else 0.7 for c in text)


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """Words of ``text`` in lines no wider than ``width`` (a longer word has a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold=bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def num(v: float) -> str:
    """A coordinate, short."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _attrs(**attrs) -> str:
    """XML attributes, underscores in names as hyphens; None and "" left out."""
    return "".join(f' {k.replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items()
                   if v is not None and v != "")


def text(x: float, y: float, s: str, *, size: float, anchor: str = "start", bold: bool = False,
         colour: str = BLACK, cls: str = "", **attrs) -> str:
    """One line of text with its baseline at ``y``."""
    return (f"<text{_attrs(x=num(x), y=num(y), font_size=num(size))}"
            f"{_attrs(font_weight='bold' if bold else None, text_anchor=anchor, fill=colour)}"
            f"{_attrs(**{'class': cls}, **attrs)}>{html.escape(s)}</text>")


def lines_of_text(x: float, y: float, lines: Sequence[str], *, size: float, leading: float = 1.2,
                  **kw) -> str:
    """Several lines, the first baseline at ``y``."""
    return "".join(text(x, y + i * size * leading, s, size=size, **kw) for i, s in enumerate(lines))


def line(x1: float, y1: float, x2: float, y2: float, *, colour: str = BLACK, width: float = 1,
         dash: str = "", **attrs) -> str:
    """A straight line."""
    return (f"<line{_attrs(x1=num(x1), y1=num(y1), x2=num(x2), y2=num(y2), stroke=colour)}"
            f"{_attrs(stroke_width=num(width), stroke_dasharray=dash, **attrs)}/>")


def polyline(points: Iterable[tuple[float, float]], *, colour: str = BLACK, width: float = 1,
             dash: str = "", **attrs) -> str:
    """A line through points."""
    pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return (f"<polyline{_attrs(points=pts, fill='none', stroke=colour, stroke_width=num(width))}"
            f"{_attrs(stroke_linejoin='round', stroke_dasharray=dash, **attrs)}/>")


def path(d: str, *, colour: str = BLACK, width: float = 1, dash: str = "", fill: str = "none",
         **attrs) -> str:
    """An SVG path."""
    return (f"<path{_attrs(d=d, fill=fill, stroke=colour, stroke_width=num(width))}"
            f"{_attrs(stroke_dasharray=dash, **attrs)}/>")


def rect(x: float, y: float, w: float, h: float, *, fill: str = "none", stroke: str = "none",
         width: float = 1, rx: float = 0, **attrs) -> str:
    """A rectangle."""
    return (f"<rect{_attrs(x=num(x), y=num(y), width=num(w), height=num(h), fill=fill)}"
            f"{_attrs(stroke=stroke, stroke_width=num(width), rx=num(rx) if rx else None, **attrs)}/>")


def figure(body: str, width: float, height: float, *, title: str, cls: str = "") -> str:
    """The ``<svg>`` element: scales to the page's width, keeps its proportions.

    ``title`` is read by screen readers (``role="img"`` with an ``aria-label``).
    """
    return (f'<svg class="chart {cls}" viewBox="0 0 {num(width)} {num(height)}" role="img" '
            f'aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
            f"<title>{html.escape(title)}</title>{body}</svg>")
