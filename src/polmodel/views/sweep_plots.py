"""The figure of a sweep: lines along one axis, a heatmap over two.

A share is drawn on a fixed scale from 0% to 100% of plausible worlds, never on a scale
stretched to the data, so a handful of worlds cannot look like a jump; a median is drawn from 0
to the largest value its outcome can take. The x axis is the swept range (an uncertain number's
plausible range by default). For two policies the figure shows both shares (where each gives
the higher outcome) and the ties, and marks where the verdict crosses over. Every figure says
how many worlds each point rests on, the scenario's title, the caveat and the provenance.
"""

from __future__ import annotations

import numpy as np

from polmodel.views.figure_parts import footer, new_axes, wrapped
from polmodel.views.figure_parts import name as _name
from polmodel.views.plots import series_style
from polmodel.views.sweep_text import pair_cell
from polmodel.views.text import counted, pct

CELL_LABELS = 144
"""Heatmaps with at most this many cells carry their numbers in each cell."""


def _top(sw) -> float:
    """The largest value the swept number can take: 1 for shares and memberships, else months."""
    if sw.statistic == "share" or sw.question.outcome in ("peak_index", "window", "exodus"):
        return 1.0
    return float(sw.horizon)


def plot_sweep(sw, ax=None):
    """Lines (one axis) or a heatmap (two axes) of a sweep. Returns the axes.

    Parameters
    ----------
    sw : Sweep
    ax : matplotlib.axes.Axes, optional
        A new figure (constrained layout, so no label runs off it) when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (8, 5.5))
    if len(sw.axes) == 1:
        _lines(sw, ax)
    else:
        _heatmap(sw, ax)
    title = sw.title or sw.scenario
    ax.set_title(f"{title}\n{wrapped('Sweep of ' + ' and '.join(map(_name, sw.axes)) + ': ' + sw.question.label(), 90)}",
                 fontsize=10)
    note = (f"Each point rests on the same {counted(sw.n_worlds, 'plausible world')}"
            + (f" (one world is {100 / sw.n_worlds:.2g}% of them)." if sw.n_worlds > 1 else "."))
    if sw.is_contrast and len(sw.axes) == 2:
        q = sw.question
        note += (f" In each cell: % of worlds where {q.policy} gives the higher outcome / where "
                 f"{q.versus} does. Black line: where the verdict crosses over.")
    footer(ax, sw.provenance(), note=note)
    return ax


def _percent_axis(axis) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _lines(sw, ax) -> None:
    x = np.asarray(sw.grids[0], dtype=float)
    q = sw.question
    if sw.is_contrast:
        a, b = series_style(0), series_style(1)
        ax.plot(x, sw.values, color=a.color, ls=a.linestyle, marker=a.marker, lw=1.8,
                label=wrapped(f"{q.policy} gives the higher outcome", 30))
        ax.plot(x, sw.lower, color=b.color, ls=b.linestyle, marker=b.marker, lw=1.8,
                label=wrapped(f"{q.versus} gives the higher outcome", 30))
        ax.plot(x, sw.tied, color="0.5", ls=":", marker=".", lw=1.2,
                label=wrapped(f"tied ({sw.tie_words()})", 30))
        middle = (x[0] + x[-1]) / 2
        for c in sw.crossovers():
            right = c["near"] <= middle  # the words on the side with room
            ax.axvline(c["near"], color="0.2", lw=1, ls=(0, (4, 2)))
            ax.annotate(f"verdict crosses over\nnear {c['near']:.3g}: from {c['from']}\nto {c['to']}",
                        xy=(c["near"], 1), xycoords=("data", "axes fraction"),
                        xytext=(3 if right else -3, -3), textcoords="offset points", fontsize=7.5,
                        va="top", ha="left" if right else "right")
        ylabel = "share of plausible worlds"
    elif sw.statistic == "share":
        st = series_style(0)
        ax.plot(x, sw.values, color=st.color, marker=st.marker, lw=1.8, label=wrapped(q.text(), 30))
        ylabel = sw.statistic_label()
    else:
        st = series_style(0)
        ax.plot(x, sw.values, color=st.color, marker=st.marker, lw=1.8, label="median")
        if sw.band is not None:
            ax.fill_between(x, sw.band[:, 0], sw.band[:, 1], color=st.color, alpha=0.2,
                            label="10-90% of plausible worlds")
        ylabel = sw.statistic_label()
    if sw.statistic == "share":
        _percent_axis(ax.yaxis)
    ax.set_ylim(0, _top(sw) * 1.02)
    pad = 0.02 * (x[-1] - x[0]) if x[-1] > x[0] else 0.5
    ax.set_xlim(x[0] - pad, x[-1] + pad)
    ax.set_xlabel(_name(sw.axes[0]))
    ax.set_ylabel(wrapped(ylabel))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)


def _heatmap(sw, ax) -> None:
    x, y = (np.asarray(g, dtype=float) for g in sw.grids)
    q = sw.question
    if sw.is_contrast:
        shown = sw.values - sw.lower
        im = ax.pcolormesh(x, y, shown.T, shading="nearest", cmap="PuOr", vmin=-1, vmax=1)
        label = (f"share of worlds where {q.policy} gives the higher outcome, minus the share "
                 f"where {q.versus} does")
        if shown.min() < 0 < shown.max():
            ax.contour(x, y, shown.T, levels=[0], colors="black", linewidths=1.6)
        cells = [[pair_cell(sw.values[i, j], sw.lower[i, j], sw.tied[i, j])
                  for j in range(len(y))] for i in range(len(x))]
    else:
        im = ax.pcolormesh(x, y, sw.values.T, shading="nearest", cmap="viridis", vmin=0,
                           vmax=_top(sw))
        label = sw.statistic_label()
        fmt = pct if sw.statistic == "share" else (lambda v: f"{v:.2g}")
        cells = [[fmt(sw.values[i, j]) for j in range(len(y))] for i in range(len(x))]
    bar = ax.figure.colorbar(im, ax=ax, label=wrapped(label))
    if sw.statistic == "share":
        _percent_axis(bar.ax.yaxis)
    if len(x) * len(y) <= CELL_LABELS:
        for i, xv in enumerate(x):
            for j, yv in enumerate(y):
                ax.text(xv, yv, cells[i][j], ha="center", va="center", fontsize=6.5,
                        color="black", bbox={"boxstyle": "round,pad=0.1", "fc": "white",
                                             "ec": "none", "alpha": 0.6})
    ax.set_xlabel(_name(sw.axes[0]))
    ax.set_ylabel(wrapped(_name(sw.axes[1])))
