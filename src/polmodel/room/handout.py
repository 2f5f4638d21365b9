"""The workshop handout: one self-contained HTML file that leads with the answer.

Page 1 holds the scenario's question, the answer in shares of plausible worlds (ties included)
with the readings under which it holds, what decides it and what you would have to believe
(:mod:`.handout_answer`); pages 2 to 4 the policies side by side, the conditions over time and
the model on one page (:mod:`.handout_pages`); then, after a page break, the appendix
(:mod:`.handout_appendix`), which ``brief=True`` leaves out. Each part ends with the caveat and
the provenance. Figures are inline SVG written directly (no matplotlib on this path, nothing
fetched from a network; Sobol' indices, with ``sobol=True``, add one embedded PNG). Every
assumption is named by its plain-word label, with its id in parentheses
(:mod:`polmodel.model.labels`). A PDF is the browser's "Print to PDF" (or ``polmodel report
--pdf`` with a local Chromium, in :mod:`polmodel.room.pdf`).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from importlib.util import find_spec

from polmodel.errors import PolmodelError
from polmodel.room.handout_pages import Part
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario
from polmodel.views.text import counted, provenance

PAGE_MARGIN_MM = 15
"""Margin of every printed page; the browser test checks widths against the box inside it."""

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
"""Paper the handout is made for: width and height in millimetres."""

_FIGURE_DPI = 130

TITLE_MARK = "workshop handout (polmodel)"
"""End of the page's <title>, and so of the PDF's Title (Chromium copies it): polmodel's mark."""

GENERATOR_MARK = '<meta name="generator" content="polmodel '
"""Near the top of every handout: how :func:`is_handout` recognises a file polmodel wrote."""

PROVENANCE_META = "polmodel-provenance"
"""The name of the ``<meta>`` tag in the head that holds the handout's full provenance (version,
scenario with its what-ifs, seed, sampler, worlds, horizon, AND): the file carries it inside, so
no manifest stands beside a handout."""


def figure_html(draw: Callable, *, figsize: tuple[float, float], alt: str, caption: str = "") -> str:
    """Draw a figure on a fresh matplotlib Figure and embed it as a PNG ``<img>``.

    Parameters
    ----------
    draw : callable
        Called with the axes; draws on them.
    figsize : (float, float)
        Inches; the image is scaled to the page width when printed.
    alt, caption : str
        Text for screen readers, and the caption under the figure.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    draw(fig.add_subplot())
    return embed_figure(fig, alt=alt, caption=caption)


def embed_figure(fig, *, alt: str, caption: str = "") -> str:
    """A matplotlib Figure as an embedded PNG inside a ``<figure>``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_FIGURE_DPI, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
            f"{cap}</figure>")


# ---------------------------------------------------------------------------------------------
# The page


def sensitivity_available() -> bool:
    """Whether the discovery and sensitivity modules are installed with this polmodel."""
    return all(find_spec(m) is not None
               for m in ("polmodel.analysis.sensitivity_analysis", "polmodel.analysis.discovery"))


def default_pair(sc: Scenario, c) -> tuple[str, str]:
    """The two policies the handout is about.

    The scenario's own contrast when it names one, else the policy whose median paired
    difference from the baseline is largest, against the baseline.
    """
    contrast = getattr(sc, "contrast", None)
    if contrast and all(n in c.policies for n in contrast):
        return tuple(contrast)[:2]  # type: ignore[return-value]
    others = [n for n in c.policies if n != c.baseline]
    if not others:
        return (c.baseline, c.baseline)
    best = max(others, key=lambda n: abs(c.pairwise(n, c.baseline)["difference_median"]))
    return (best, c.baseline)


def handout(
    scenario: Scenario | str = "venezuela-2018",
    *,
    worlds: int = 2000,
    seed: int = 0,
    sampler: str = "lhs",
    aggregator: str | None = None,
    structure: str | None = None,
    policies: Sequence[str] | None = None,
    pair: tuple[str, str] | None = None,
    horizon: int | None = None,
    brief: bool = False,
    sobol: bool = False,
) -> str:
    """The workshop handout of a scenario as one self-contained HTML page.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a path to a ``.toml`` file; what-ifs applied to it
        (:func:`polmodel.scenario.whatif.apply_settings`, ``report --set``) are listed on
        page 1.
    worlds, seed, sampler, aggregator, structure, horizon
        As for :func:`polmodel.compare`. The comparison and "what would you have to believe"
        share the worlds: 2,000 by default, as :func:`polmodel.discover`, so the handout
        states the restrictions ``polmodel discover`` finds at the same seed; the flip points
        are read on the worlds of discover's 40 reruns.
    policies : sequence of str, optional
        Policies to show; all of the scenario's by default (the baseline is always included).
    pair : (str, str), optional
        The two policies of the question: the scenario's contrast, else the policy furthest
        from the baseline against it.
    brief : bool
        The first four pages only, without the appendix.
    sobol : bool
        Add Sobol' indices (with Morris and the tornado as checks) to the appendix: about
        three times the handout's own time.

    Returns
    -------
    str
        HTML5 with the figures inline; no external resources.
    """
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.runs import run
    from polmodel.analysis.streaming import EXACT_WORLDS, streams
    from polmodel.room.handout_answer import answer_part
    from polmodel.room.handout_findings import Findings, find
    from polmodel.room.handout_pages import model_part, over_time_part, policies_part

    if streams(worlds):  # its findings (PRIM, flip points) read every world
        raise PolmodelError(f"worlds: {worlds:,}; allowed: at most {EXACT_WORLDS:,} for the handout, "
                            "whose findings read every world (compare and sweep take more)")
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    if structure is not None:  # the structure the answer, the runs and the findings read first
        from dataclasses import replace

        from polmodel.limits import check_choice
        from polmodel.model.structures import STRUCTURES

        sc = replace(sc, structure=check_choice(structure, "structure", STRUCTURES))
    c = compare(sc, policies, worlds=worlds, seed=seed, sampler=sampler, aggregator=aggregator)
    if pair is None:
        pair = default_pair(sc, c)
    elif len(set(pair)) != len(pair):
        raise PolmodelError(f"pair: {pair[0]!r} twice; allowed: two different policies")
    for name in pair:
        c.difference(name, name)  # one line naming an unknown policy
    available = sensitivity_available()
    f = find(sc, c, pair, seed=seed) if available else Findings(None, None, None)
    runs = [run(sc, p, aggregator=c.aggregator) for p in c.policies]
    parts = [answer_part(sc, c, pair, f, available=available), policies_part(sc, c, pair),
             over_time_part(sc, c, runs), model_part(c)]
    appendix: list[Part] = []
    if not brief:
        from polmodel.room import handout_appendix as ap

        appendix = [ap.mechanisms_part(), ap.readings_part(c, pair), ap.deciding_part(f)]
        if sobol and available and pair[0] != pair[1]:
            from polmodel.room.handout_findings import sobol_html

            appendix.append(Part("sobol", "Sobol' indices, with Morris and the tornado as checks",
                                 sobol_html(sc, c, pair, seed=seed, figure=figure_html)))
        appendix += [ap.comparison_part(c), ap.assumptions_part(sc), ap.sources_part(sc),
                     ap.closing_part(c, _reruns(f))]
    return page(sc, c, parts, [p for p in appendix if p is not None])


def _reruns(f) -> str:
    d = f.discovery
    r = None if d is None else d.recurrence
    return "" if r is None else f" | reruns {r.resamples} x {counted(r.worlds, 'world')}"


def page(sc: Scenario, c, parts: Sequence[Part], appendix: Sequence[Part] = ()) -> str:
    """Wrap the parts in one HTML page with the style sheet for screen and print.

    ``parts`` are the first pages (page 1, then one a page); ``appendix`` starts on a new page.
    """
    everything = [*parts, *appendix]
    toc = "".join(f"<li><a href='#{p.id}'>{html.escape(p.heading)}</a></li>" for p in everything)

    def section(p: Part) -> str:
        cls = f" class='{p.cls}'" if p.cls else ""
        return f"<section id='{p.id}'{cls}><h2>{html.escape(p.heading)}</h2>{p.body}</section>"

    body = "".join(section(p) for p in parts)
    if appendix:
        body += ("<div id='appendix'><p class='appendix-mark'>Appendix: the details behind the "
                 "first pages</p>" + "".join(section(p) for p in appendix) + "</div>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{html.escape(provenance())}">
<meta name="{PROVENANCE_META}" content="{html.escape(c.provenance())}">
<title>{html.escape(sc.title)}: {TITLE_MARK}</title>
<style>{style_sheet()}</style>
</head>
<body>
<header>
<h1>{html.escape(sc.title)}</h1>
<p class="subtitle">Workshop handout: {counted(len(c.policies), "policy", "policies")} on {counted(c.n_worlds, "plausible world")}
({html.escape(sc.date)}). Sensitivity, not prediction.</p>
<nav><ol>{toc}</ol></nav>
</header>
<main>{body}</main>
</body>
</html>
"""


def style_sheet() -> str:
    """The handout's CSS (``handout.css`` beside this module), with the page margin filled in."""
    from importlib import resources

    css = resources.files("polmodel.room").joinpath("handout.css").read_text(encoding="utf-8")
    return css.replace("PAGE_MARGIN", f"{PAGE_MARGIN_MM}mm")


def is_handout(path) -> bool:
    """True if ``path`` is a handout polmodel wrote: its head holds polmodel's generator tag.

    ``report`` replaces such a file without ``--force`` (running it twice works).
    """
    head = read_ends(path, 4096)[0]
    if head is None:
        return False
    top = head.split(b"</head>", 1)[0].decode("utf-8", "replace")
    return top.lstrip().lower().startswith("<!doctype html") and GENERATOR_MARK in top


def read_ends(path, size: int) -> tuple[bytes | None, bytes | None]:
    """The first and last ``size`` bytes of a file (None, None if it cannot be read)."""
    try:
        with open(path, "rb") as f:
            head = f.read(size)
            f.seek(0, 2)
            f.seek(max(f.tell() - size, 0))
            return head, f.read(size)
    except OSError:
        return None, None
