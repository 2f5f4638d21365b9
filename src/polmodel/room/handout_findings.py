"""What the handout finds about its question: what you would have to believe, and what decides it.

Computed once for the handout and read by its first page and its appendix:

- **what you would have to believe**: the restrictions that recur across reruns of PRIM on
  fresh plausible worlds (:func:`polmodel.analysis.discovery.discover` with its defaults, on the
  comparison's own worlds and seed, so ``polmodel discover`` at the same seed states the same);
- **how far each assumption must move to flip the verdict**: flip points read off the reruns'
  worlds (:mod:`polmodel.analysis.verdict_flips`, no further simulation);
- **the tornado** around the central values (:func:`polmodel.analysis.one_at_a_time.tornado`),
  a check that needs a few dozen runs.

The deciding assumptions a room reads first are those the methods agree on
(:meth:`Findings.deciding`). Sobol' indices (:func:`polmodel.sensitivity`) cost more than the
whole handout and are in it only when asked for (:func:`sobol_html`, ``report --sobol``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

BOX_TOP = 5
"""The tornado's first this-many assumptions count as naming an assumption."""


@dataclass(frozen=True)
class Findings:
    """The handout's findings about the pair of policies it is about.

    Attributes
    ----------
    discovery : Discovery or None
        "What would you have to believe" for the first policy giving the higher index (None
        when the pair is one policy twice).
    flips : VerdictFlips or None
        Flip points of the verdict, from the reruns' worlds.
    tornado : Tornado or None
    varied : int
        How many assumptions of the scenario vary (0: every world is the same world).
    """

    discovery: object
    flips: object
    tornado: object
    varied: int = 0

    def tornado_rank(self, name: str) -> int | None:
        """1-based rank of an assumption by the tornado's swing (None if absent or no swing)."""
        t = self.tornado
        if t is None:
            return None
        order = [t.names[i] for i in t.order() if t.swing[i] > 0]
        return order.index(name) + 1 if name in order else None

    def box_count(self, name: str) -> int:
        """Reruns whose box restricts an assumption."""
        r = None if self.discovery is None else self.discovery.recurrence
        if r is None or name not in r.names:
            return 0
        return int(r.counts[r.names.index(name)])

    def methods(self, name: str) -> list[str]:
        """Which methods name an assumption: "flip", "box" (stable), "tornado" (top five)."""
        out = []
        if self.flips is not None and self.flips.point(name) is not None:
            out.append("flip")
        stable = [] if self.discovery is None else self.discovery.stable()
        if name in stable:
            out.append("box")
        rank = self.tornado_rank(name)
        if rank is not None and rank <= BOX_TOP:
            out.append("tornado")
        return out

    def deciding(self, k: int = 5) -> list[str]:
        """The assumptions that flip the verdict and that another method names too, at most ``k``.

        Those named by the most methods first, then in the order of the flip points (least
        narrowing first). When no other method names any assumption that flips the verdict,
        the first flip points alone.
        """
        if self.flips is None:
            return []
        names = [p.name for p in self.flips.points]  # least narrowing first
        agreed = sorted((n for n in names if len(self.methods(n)) > 1),
                        key=lambda n: -len(self.methods(n)))  # stable: flip order within
        return (agreed or names)[:k]


def find(sc, c, pair: tuple[str, str], *, seed) -> Findings:
    """The findings for ``pair`` on the comparison's worlds and seed.

    Parameters
    ----------
    sc : Scenario
    c : Comparison
        The handout's comparison: its worlds are discovery's own sample.
    pair : (str, str)
    seed : int

    Returns
    -------
    Findings
    """
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.one_at_a_time import tornado
    from polmodel.analysis.verdict_flips import verdict_flips
    from polmodel.analysis.verdicts import TIE
    from polmodel.analysis.worlds import (
        STRUCTURE_FACTOR,
        uncertain_dimensions,
        with_structure_column,
    )

    a, b = pair
    if a == b:
        return Findings(None, None, None)
    # The comparison's worlds plus the structure as one more assumption, drawn as `polmodel
    # discover` draws it at the same seed: both state the same restrictions.
    worlds = with_structure_column(c.worlds, c.worlds.seed) if c.worlds.names else c.worlds
    d = discover(sc, a, b, worlds=worlds, aggregator=c.aggregator, keep_reruns=True)
    dims = uncertain_dimensions(sc)
    bounds = {k: (lo, hi) for k, (_, lo, hi) in dims.items()}
    pooled = d.recurrence.pooled if d.recurrence is not None else None
    flips = None
    if pooled is not None and len(pooled.answers):
        # The kept answers are read under the scenario's structure, as page 1's verdict: the
        # structure's column decides nothing there, and is no assumption with units.
        keep = [j for j, k in enumerate(d.worlds.names) if k != STRUCTURE_FACTOR]
        flips = verdict_flips(pooled.values[:, keep], pooled.answers,
                              [d.worlds.names[j] for j in keep], bounds, policy=a, versus=b,
                              margin=c.margin + TIE, resamples=d.recurrence.resamples)
    varied = [k for k, (_, lo, hi) in dims.items() if hi > lo]
    torn = tornado(sc, d.question, varied, aggregator=c.aggregator) if varied else None
    return Findings(d, flips, torn, len(varied))


def sobol_html(sc, c, pair: tuple[str, str], *, seed, figure: Callable[..., str]) -> str:
    """Sobol' indices of the pair with Morris and the tornado as checks (``report --sobol``).

    Parameters
    ----------
    sc : Scenario
    c : Comparison
    pair : (str, str)
    seed : int
    figure : callable
        ``figure(draw, figsize=..., alt=..., caption=...)`` returns an embedded figure
        (:func:`polmodel.room.handout.figure_html`).

    Returns
    -------
    str
    """
    from polmodel.analysis.sensitivity_analysis import sensitivity

    a, b = pair
    if a == b:
        return ""
    s = sensitivity(sc, a, b, aggregators=(c.aggregator,), seed=seed)
    parts = [f"<p class='lead'>{html.escape(s.headline())}</p>"]
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
    return "".join(parts)
