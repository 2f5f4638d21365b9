"""The handout's "what decides it" section: Sobol' first, the checks, and what recurs.

What decides the pair of policies, by Sobol' total indices with their intervals (Morris
screening and the tornado stated as checks on them, :mod:`polmodel.views.sensitivity_text`),
and what you would have to believe: the restrictions that recur across reruns of PRIM on fresh
plausible worlds (:mod:`polmodel.analysis.recurrence`), found on the comparison's own worlds and
seed so that ``polmodel discover`` at the same seed states the same.
"""

from __future__ import annotations

import html
from collections.abc import Callable


def findings_html(sc, c, pair: tuple[str, str], *, seed, figure: Callable[..., str]) -> str:
    """The section's HTML body.

    Parameters
    ----------
    sc : Scenario
    c : Comparison
        The handout's comparison; its worlds are the boxes' worlds.
    pair : (str, str)
    seed : int
    figure : callable
        ``figure(draw, figsize=..., alt=..., caption=...)`` returns an embedded figure
        (:func:`polmodel.room.handout.figure_html`).

    Returns
    -------
    str
    """
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.sensitivity_analysis import sensitivity
    from polmodel.analysis.worlds import with_structure_column

    a, b = pair
    parts = []
    if a != b:
        s = sensitivity(sc, a, b, aggregators=(c.aggregator,), seed=seed)
        parts.append(f"<p class='lead'>{html.escape(s.headline())}</p>")
        n = s.sobol[0].n if s.sobol else 0
        parts.append(f"<p class='note'>Sobol' indices on {n:,} x ({len(s.bounds) - len(s.inert)} "
                     f"+ 2) runs of each policy, with {s.n_resamples} bootstrap resamples for "
                     "the intervals; Morris screening and the tornado are checks on them. "
                     f"<code>polmodel sensitivity {html.escape(sc.name)}</code> gives the same "
                     "at the same seed, with the tables.</p>")
        if s.sobol and not s.constant:
            parts.append(figure(lambda ax: s.plot(ax=ax, kind="sobol"), figsize=(9, 6),
                                alt=f"Sobol' indices of '{a}' minus '{b}'",
                                caption="Total index (with its interval): the share of the "
                                        "answer's variance an assumption accounts for with its "
                                        "interactions; first-order: alone."))
    # The comparison's worlds plus the structure as one more assumption, drawn as `polmodel
    # discover` draws it at the same seed: both state the same restrictions.
    worlds = (with_structure_column(c.worlds, c.worlds.seed) if c.worlds.names else c.worlds)
    sentences, resamples = [], 0
    if a != b:
        d = discover(sc, a, b, worlds=worlds, aggregator=c.aggregator)
        sentences.append(d.sentence())
        resamples = d.recurrence.resamples if d.recurrence else 0
    most = max(c.policies, key=lambda n: c.per_policy[n]["window_share"])
    sentences.append(discover(sc, most, outcome="window", worlds=worlds,
                                   aggregator=c.aggregator).sentence())
    items = "".join(f"<li>{html.escape(t)}</li>" for t in sentences)
    parts.append("<h3>What would you have to believe?</h3>"
                 f"<ul class='believe'>{items}</ul>"
                 "<p class='note'>Each sentence boxes the plausible worlds where the answer holds "
                 "(PRIM scenario discovery) and states only the assumption ranges the search "
                 f"finds again in more than half of {resamples or 'its'} reruns on fresh samples "
                 f"of {c.n_worlds:,} worlds, with how often. <code>polmodel discover</code> gives "
                 "the same at the same seed and number of worlds.</p>")
    return "".join(parts)
