"""Figures for sensitivity and discovery. Each takes ``ax=None`` and returns the axes.

Every figure carries the scenario's title, the caveat and the provenance
(:mod:`polmodel.views.figure_parts`); sweeps are drawn in :mod:`polmodel.views.sweep_plots`.
"""

from __future__ import annotations

import numpy as np

from polmodel.views.figure_parts import footer, frame, new_axes, wrapped
from polmodel.views.figure_parts import name as _name
from polmodel.views.text import approx, counted, pct

SHOWN = 15  # bars per figure


def plot_sobol(s, ax=None):
    """Total and first-order Sobol' indices with their intervals, largest total first."""
    ax = new_axes(ax, (8, 6.5))
    if not s.sobol or s.constant:
        ax.text(0.5, 0.5, "the answer does not vary: nothing to apportion", ha="center",
                transform=ax.transAxes)
        ax.set_xlabel("Sobol' index")
        frame(ax, s, f"What decides: {s.question.label()}")
        return ax
    sob = s.sobol[0]
    order = sob.order()[:SHOWN][::-1]
    y = np.arange(len(order))
    for values, interval, label, dy in ((sob.total, sob.total_interval, "total", 0.2),
                                        (sob.first, sob.first_interval, "first-order", -0.2)):
        err = None
        if interval is not None:
            err = np.abs(np.array([values[order] - interval[order, 0], interval[order, 1] - values[order]]))
        ax.barh(y + dy, values[order], height=0.4, xerr=err, label=label, capsize=2)
    ax.set_yticks(y, [_name(sob.names[i]) for i in order])
    ax.set_xlabel(f"Sobol' index (fuzzy AND '{sob.aggregator}')")
    ax.legend(loc="lower right")
    frame(ax, s, f"What decides: {s.question.label()}")
    return ax


def plot_tornado(s, ax=None):
    """One-at-a-time swings around the central run, largest first."""
    ax = new_axes(ax, (8, 6.5))
    t = s.tornado
    if t is None:
        return ax
    order = t.order()[:SHOWN][::-1]
    y = np.arange(len(order))
    ax.barh(y, t.at_low[order] - t.central, left=t.central, label="at the low end", color="tab:blue")
    ax.barh(y, t.at_high[order] - t.central, left=t.central, label="at the high end", color="tab:orange")
    ax.axvline(t.central, color="black", lw=0.8)
    ax.set_yticks(y, [_name(t.names[i]) for i in order])
    what = "months with a window" if t.outcome == "months_open" else s.question.label()
    ax.set_xlabel(wrapped(f"{what} (central run {approx(t.central)})", 70))
    ax.legend(loc="lower right")
    frame(ax, s, f"One assumption at a time: {s.question.label()}")
    return ax


def plot_morris(s, ax=None):
    """Morris mu* against sigma: far right matters, high up interacts."""
    ax = new_axes(ax, (7.5, 5.5))
    if not s.morris:
        return ax
    m = s.morris[0]
    sigma = np.nan_to_num(m.sigma)
    ax.scatter(m.mu_star, sigma)
    # The first eight numbered on the plot, their labels in a key beside it (labels written on
    # the points overlap where the points crowd).
    from matplotlib.lines import Line2D

    key = []
    for rank, i in enumerate(m.order()[:8], start=1):
        ax.annotate(str(rank), (m.mu_star[i], sigma[i]), xytext=(3, 3),
                    textcoords="offset points", fontsize=8, fontweight="bold")
        key.append(Line2D([], [], linestyle="none", marker=f"${rank}$", color="black",
                          label=_name(m.names[i], 40)))
    ax.legend(handles=key, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (interaction, non-linearity)")
    frame(ax, s, f"Morris screening: {s.question.label()}")
    return ax


def plot_tradeoff_curve(d, ax=None):
    """The box (what you would have to believe) and, beside it, the peeling trajectory.

    The main axes draw each restricted assumption's plausible range as a grey bar and the
    box's range on it, with the numbers at its ends; the trajectory (coverage against density,
    the chosen box marked) sits in a panel to the right, made by splitting the cell of the
    grid ``ax`` occupies (so a figure's layout makes room for both). Returns the box's axes.
    """
    ax = new_axes(ax, (10, 5.5))
    spec = ax.get_subplotspec()
    if spec is not None:
        left, right = spec.subgridspec(1, 2, width_ratios=[1.7, 1], wspace=0.08)
        ax.set_subplotspec(left)
        side = ax.figure.add_subplot(right)
    else:  # axes placed by hand: the panel goes beside them
        side = ax.inset_axes([1.13, 0.0, 0.42, 1.0])
    plot_box(d, ax=ax)
    _trajectory(d, side)
    return ax


def plot_box(d, ax=None):
    """The box: each restricted assumption's range in the box, on its plausible range."""
    ax = new_axes(ax, (8, 5))
    r = getattr(d, "recurrence", None)  # reruns: draw the restrictions that recur, as the text
    b = d.box if r is None else r.box
    full = dict(zip(d.prim.names, map(tuple, d.prim.bounds)))
    names = list(b.names) if b is not None else []

    def reruns(n):
        return "" if r is None else f"in {int(r.counts[r.names.index(n)])} of {r.resamples} reruns,\n"

    if names:
        y = np.arange(len(names))[::-1]
        for row, n, lo, hi in zip(y, names, b.low, b.high):
            f0, f1 = full[n]
            width = (f1 - f0) or 1.0
            a, z = (lo - f0) / width, (hi - f0) / width
            ax.barh(row, 1.0, left=0.0, height=0.5, color="0.88", edgecolor="0.6", lw=0.6)
            ax.barh(row, z - a, left=a, height=0.5, color="#0072B2", edgecolor="black", lw=0.8)
            ax.annotate(approx(lo), (a, row), xytext=(-3, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=8)
            ax.annotate(approx(hi), (z, row), xytext=(3, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=8)
        ax.set_yticks(y, [f"{_name(n, 30)}\n({reruns(n)}plausible {approx(full[n][0])} to "
                          f"{approx(full[n][1])})" for n in names], fontsize=8.5)
        ax.set_ylim(-0.7, len(names) - 0.3)
        note = ("" if r is None else f"The ranges found again in more than half of {r.resamples} "
                f"reruns on fresh samples of {counted(r.worlds, 'world')}, measured on this sample. ")
        note += (f"Blue: the box. {pct(b.density)} of the worlds in it hold the answer (density); "
                f"it holds {pct(b.coverage)} of the worlds where the answer holds (coverage); "
                f"{pct(b.mass)} of all plausible worlds are in it (mass). The answer holds in "
                f"{pct(d.share)} of all worlds.")
    else:
        none = ("no small set of assumption ranges singles these worlds out" if r is None else
                f"no assumption range recurs in more than half of {r.resamples} reruns on "
                "fresh samples: no stable box")
        ax.text(0.5, 0.5, wrapped(none, 40), ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        note = f"The answer holds in {pct(d.share)} of all plausible worlds."
    ax.set_xlim(-0.12, 1.12)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("where the box lies within each assumption's plausible range")
    title = getattr(d, "title", "") or d.scenario
    ax.set_title(f"{title}\n{wrapped('What you would have to believe: where ' + d.question.text(), 70)}",
                 fontsize=10)
    footer(ax, d.provenance(), note=note)
    return ax


def _trajectory(d, ax) -> None:
    """Coverage against density along the peeling trajectory; the chosen and final box marked."""
    p = d.prim
    ax.plot(p.coverage, p.density, color="0.45", lw=1, marker=".", ms=4, label="peeling steps")
    ax.scatter([p.coverage[p.chosen]], [p.density[p.chosen]], s=110, facecolors="none",
               edgecolors="#D55E00", lw=1.5, label="chosen step")
    ax.scatter([d.box.coverage], [d.box.density], marker="*", s=150, color="#D55E00",
               label="the box (pasted, pruned)")
    ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="coverage", ylabel="density")
    ax.set_title("the coverage-density trade-off", fontsize=9)
    ax.legend(loc="upper right", fontsize=7)
