"""The workshop handout: one self-contained HTML file that prints cleanly on A4 and Letter.

Everything is inside the file: figures are PNG images embedded as ``data:`` URLs, the style
sheet is inline, nothing is fetched from a network. Sections: the scenario and its sources, the
model on one slide, the assumptions, the central run, the policy comparison, what decides the
comparison (Sobol' indices first, Morris screening and the tornado as checks, and the "what would
you have to believe" restrictions that recur across reruns of PRIM), and the caveat with the
provenance (version, scenario, seed). Every assumption is named by its plain-word label, with its
id in parentheses (:mod:`polmodel.model.labels`). A PDF is the browser's
"Print to PDF" (or ``polmodel report --pdf`` with a local Chromium, in
:mod:`polmodel.room.pdf`).
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.util import find_spec

from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario
from polmodel.views.comparison_text import comparison_sections
from polmodel.views.text import CAVEAT, html_table, pct, provenance

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


@dataclass(frozen=True)
class Part:
    """One section of the handout: an id for links, a heading and its HTML body."""

    id: str
    heading: str
    body: str


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
# The parts


def sources_part(sc: Scenario) -> Part:
    """The scenario's description and the documents its assumptions cite, with counts."""
    from polmodel.model.parameters import MECHANISMS, PARAMETERS

    # The documents' short names, as the model's tables and the scenario cite them:
    # "003 (CRIES memo)", "003_<hash>.txt (CRIES memo)", "003 (CRIES)"; the model's first.
    everything = list(sc.initial.values()) + list(sc.parameters.values())
    texts = ([m.source for m in MECHANISMS] + [p.source for p in PARAMETERS.values()]
             + [u.source for u in everything])
    labels: dict[str, str] = {}
    for text in texts:
        for code, label in re.findall(r"\b(\d{3})(?:_[0-9a-f]+\.txt)? \(([^)]*)\)", text):
            labels.setdefault(code, label)
    cited: dict[str, int] = {}
    assumptions = 0
    for u in everything:
        for code in dict.fromkeys(re.findall(r"\b(\d{3})(?:_[0-9a-f]+\.txt)?\b", u.source)):
            if code in labels:
                cited[code] = cited.get(code, 0) + 1
        if u.source.lower().startswith("assumption"):
            assumptions += 1
    rows = [[f"{code} ({labels[code]})", n]
            for code, n in sorted(cited.items())]
    body = (f"<p class='lead'>{html.escape(sc.description)}</p>"
            f"<p>Scenario <code>{html.escape(sc.name)}</code>, dated {html.escape(sc.date)}; "
            f"{sc.horizon} months; baseline policy <code>{html.escape(sc.baseline)}</code>; "
            f"opening index: <code>{html.escape(sc.aggregator)}</code> of the four conditions.</p>"
            + html_table(("source document (shared/sources/)", "assumptions citing it"), rows)
            + f"<p class='note'>{assumptions} of the {len(everything)} numbers below say "
            "\"assumption\" as their source: no document sizes them. Every number, its range and "
            "its source are in the assumptions table.</p>")
    return Part("scenario", "The scenario and its sources", body)


def model_part() -> Part:
    """The model on one slide: the causal diagram from the mechanism table."""
    from polmodel.views.diagram import causal_figsize, plot_causal_diagram

    width, height = causal_figsize()
    fig = figure_html(lambda ax: plot_causal_diagram(ax=ax), figsize=(width * 0.85, height * 0.85),
                      alt="Causal diagram: levers, mechanisms and states",
                      caption="Each lever feeds mechanisms; each mechanism raises (solid, +) or "
                              "lowers (dashed, \u2212) a state. The four conditions combine into "
                              "the opening index; a window is open while all four are above 0.5.")
    return Part("model", "The model on one page", fig)


def assumptions_part(sc: Scenario) -> Part:
    """Every number of the scenario: value, plausible range, meaning and source."""
    from polmodel.model.labels import label
    from polmodel.model.parameters import PARAMETERS
    from polmodel.scenario.schema import CONTEXT_NAMES

    def rng(u) -> str:
        return "fixed" if u.fixed else f"{u.low:g} to {u.high:g}"

    states = [[label(f"initial.{k}", with_id=True), f"{u.value:g}", rng(u), u.source]
              for k, u in sc.initial.items()]
    context = [[label(k, with_id=True), f"{sc.parameters[k].value:g}", rng(sc.parameters[k]),
                PARAMETERS[k].meaning if k in PARAMETERS else "", sc.parameters[k].source]
               for k in CONTEXT_NAMES]
    mech = [[label(k, with_id=True), f"{u.value:g}", rng(u),
             PARAMETERS[k].meaning if k in PARAMETERS else "", u.source]
            for k, u in sc.parameters.items() if k not in CONTEXT_NAMES]
    body = ("<p>The plausible worlds draw every number that has a range uniformly from it, "
            "independently of the others; a single (central) run uses the values.</p>"
            "<h3>Where each state stands at month 0</h3>"
            + html_table(("state (name)", "value", "range", "source"), states)
            + "<h3>Context</h3>"
            + html_table(("assumption (name)", "value", "range", "meaning", "source"), context)
            + "<h3>Mechanisms (rates per month and weights)</h3>"
            + html_table(("assumption (name)", "value", "range", "meaning", "source"), mech))
    return Part("assumptions", "The assumptions", f"<div class='assumptions'>{body}</div>")


def central_run_part(sc: Scenario, policies: Sequence[str], aggregator: str | None) -> Part:
    """Every policy once at the central values: small multiples of the trajectories and verdicts."""
    import math

    from matplotlib.figure import Figure

    from polmodel.analysis.runs import run
    from polmodel.views.plots import plot_trajectory

    results = [run(sc, p, aggregator=aggregator) for p in policies]
    cols = 2 if len(results) > 1 else 1
    rows_n = math.ceil(len(results) / cols)
    fig = Figure(figsize=(11, 3.3 * rows_n), layout="constrained")
    axes = fig.subplots(rows_n, cols, squeeze=False).ravel()
    for ax, r in zip(axes, results):
        plot_trajectory(r, ax=ax)
        ax.set_title(f"policy '{r.policy}'", fontsize=10)
        ax.get_legend().remove()
        ax.set_ylabel("membership")
    for ax in axes[len(results):]:
        ax.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False, fontsize=9)
    fig.suptitle(f"{sc.title}: central values, one run per policy (not a forecast)", fontsize=11)
    figure = embed_figure(fig, alt="The four conditions and the opening index over time, per policy",
                          caption="Thick: the condition that binds (sets the opening index). "
                                  "Dotted black: the opening index. Shaded: a window is open.")
    table = html_table(("policy", "first window", "months open", "peak index", "in words"),
                       [[r.policy, "none" if r.first_window is None else f"month {r.first_window}",
                         r.months_open, f"{r.peak_index:.2f}", r.verdict()] for r in results])
    body = ("<p>One run per policy with every assumption at its central value: a way to see the "
            "mechanisms at work, not a forecast. The ensemble below varies every assumption.</p>"
            + figure + table)
    return Part("central", "The central run", body)


def comparison_part(c, pair: tuple[str, str]) -> Part:
    """The comparison on the same plausible worlds: tables, the pair figure, the trade-off."""
    from polmodel.views import plots

    a, b = pair
    pw = c.pairwise(a, b)
    lead = (f"<p>Every policy ran on the same {c.n_worlds} plausible worlds, so each difference "
            f"is paired world by world. Under these assumptions, <b>{html.escape(a)}</b> gives a "
            f"higher peak opening index than <b>{html.escape(b)}</b> in {pct(pw['share_higher'])} "
            f"of the worlds and a lower one in {pct(pw['share_lower'])}.</p>")
    sections = comparison_sections(c)
    tables = "".join(
        f"<h3>{html.escape(h)}</h3>{html_table(hd, rows)}"
        + (f"<p class='note'>{html.escape(note)}</p>" if note else "")
        for h, hd, rows, note in sections if rows)
    figs = (figure_html(lambda ax: plots.plot_peak_distributions(c, ax=ax), figsize=(9, 4.6),
                        alt="Peak opening index per policy across plausible worlds")
            + figure_html(lambda ax: plots.plot_pair(c, a, b, ax=ax), figsize=(9, 5.2),
                          alt=f"{a} against {b}, world by world")
            + figure_html(lambda ax: plots.plot_tradeoff(c, ax=ax), figsize=(9, 5),
                          alt="Opening index against humanitarian cost")
            + figure_html(lambda ax: plots.plot_bottleneck_shares(c, ax=ax), figsize=(9, 4.6),
                          alt="Which condition binds, per policy"))
    return Part("comparison", "The policy comparison", lead + figs + tables)


def sensitivity_available() -> bool:
    """Whether the sensitivity and discovery modules are installed with this polmodel."""
    return all(find_spec(m) is not None
               for m in ("polmodel.analysis.sensitivity_analysis", "polmodel.analysis.discovery"))


def sensitivity_part(sc: Scenario, c, pair: tuple[str, str], *, seed) -> Part:
    """The tornado and the "what would you have to believe" sentences for the chosen pair.

    They come from :mod:`polmodel.analysis.sensitivity_analysis` and :mod:`polmodel.analysis.discovery` when
    those modules exist; until then the section says that it needs them.
    """
    if not sensitivity_available():
        body = ("<p class='missing'>This section needs polmodel's sensitivity analysis "
                "(<code>polmodel.analysis.sensitivity_analysis</code> and <code>polmodel.analysis.discovery</code>), "
                "which this installation does not have: the tornado and the \"what would you have "
                "to believe\" sentences are not shown.</p>")
        return Part("sensitivity", "What decides the comparison", body)
    return _sensitivity_from_modules(sc, c, pair, seed=seed)


def _sensitivity_from_modules(sc: Scenario, c, pair, *, seed) -> Part:
    """What decides the pair, and what you would have to believe (:mod:`.handout_findings`)."""
    from polmodel.room.handout_findings import findings_html

    return Part("sensitivity", "What decides the comparison",
                findings_html(sc, c, pair, seed=seed, figure=figure_html))


def what_ifs_html(sc: Scenario) -> str:
    """The what-ifs applied to this handout (``report --set``), as a paragraph; '' if none.

    It opens the handout's first section, so nobody reads the numbers as the scenario file's.
    """
    if not sc.what_ifs:
        return ""
    from polmodel.scenario.whatif import parse_setting

    items = []
    for text in sc.what_ifs:
        name, setting = parse_setting(text)
        what = (f"plausible range {setting[0]:g} to {setting[1]:g}" if isinstance(setting, tuple)
                else f"fixed at {setting:g} in every world")
        items.append(f"<li><code>{html.escape(name)}</code>: {what}</li>")
    return ("<div class='what-ifs'><p><b>What-ifs applied</b> (<code>--set</code>): these numbers "
            f"differ from the scenario file {html.escape(sc.name)}, and every result below uses "
            f"them.</p><ul>{''.join(items)}</ul></div>")


def closing_part(c) -> Part:
    """The caveat and the provenance: version, scenario, seed, worlds."""
    body = (f"<p class='caveat'>{html.escape(CAVEAT)}</p>"
            f"<p class='provenance'>{html.escape(c.provenance())}</p>"
            "<p class='note'>Same version, scenario file, seed and number of worlds: same numbers on "
            "one machine, and within 1e-12 on a machine whose CPU computes exp differently. "
            "Words are descriptive: a higher opening index is not a better outcome.</p>")
    return Part("provenance", "Caveat and provenance", body)


# ---------------------------------------------------------------------------------------------
# The page


def default_pair(sc: Scenario, c) -> tuple[str, str]:
    """The two policies the handout is about.

    The scenario's own contrast when it names one, else the policy whose median paired
    difference from the baseline is largest, against the baseline.
    """
    contrast = getattr(sc, "contrast", None)
    if contrast:
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
    policies: Sequence[str] | None = None,
    pair: tuple[str, str] | None = None,
    horizon: int | None = None,
) -> str:
    """The workshop handout of a scenario as one self-contained HTML page.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a path to a ``.toml`` file; what-ifs applied to it
        (:func:`polmodel.scenario.whatif.apply_settings`, ``report --set``) are listed at the
        top of the first section.
    worlds, seed, sampler, aggregator, horizon
        As for :func:`polmodel.compare`. The comparison and the "what would you have to
        believe" boxes share the worlds: 2,000 by default, as :func:`polmodel.discover`, so
        the handout states the restrictions ``polmodel discover`` finds at the same seed.
    policies : sequence of str, optional
        Policies to show; all of the scenario's by default (the baseline is always included).
    pair : (str, str), optional
        The two policies the pair figure and the sensitivity section are about; the scenario's
        contrast, else the policy furthest from the baseline against it.

    Returns
    -------
    str
        HTML5 with the figures embedded; no external resources.
    """
    from polmodel.analysis.comparison import compare

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    c = compare(sc, policies, worlds=worlds, seed=seed, sampler=sampler, aggregator=aggregator)
    if pair is None:
        pair = default_pair(sc, c)
    for name in pair:
        c.difference(name, name)  # one line naming an unknown policy
    parts = [sources_part(sc), model_part(), assumptions_part(sc),
             central_run_part(sc, c.policies, c.aggregator), comparison_part(c, pair),
             sensitivity_part(sc, c, pair, seed=seed), closing_part(c)]
    first = parts[0]
    parts[0] = Part(first.id, first.heading, what_ifs_html(sc) + first.body)
    return page(sc, c, parts)


def page(sc: Scenario, c, parts: Sequence[Part]) -> str:
    """Wrap the parts in one HTML page with the style sheet for screen and print."""
    toc = "".join(f"<li><a href='#{p.id}'>{html.escape(p.heading)}</a></li>" for p in parts)
    body = "".join(f"<section id='{p.id}'><h2>{html.escape(p.heading)}</h2>{p.body}</section>"
                   for p in parts)
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
<p class="subtitle">Workshop handout: {len(c.policies)} policies on {c.n_worlds} plausible worlds
({html.escape(sc.date)})</p>
<p class="caveat">{html.escape(CAVEAT)}</p>
<nav><ol>{toc}</ol></nav>
</header>
<main>{body}</main>
<footer><p class="provenance">{html.escape(c.provenance())}</p></footer>
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
