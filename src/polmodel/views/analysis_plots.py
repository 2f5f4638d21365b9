"""Figures for sensitivity, discovery and sweeps. Each takes ``ax=None`` and returns the axes."""

from __future__ import annotations

import numpy as np

from polmodel.views.text import approx

SHOWN = 15  # bars per figure


def _words(key: str, width: int = 56) -> str:
    """An assumption or sweep axis as its plain-word label, the id in parentheses, wrapped."""
    import textwrap

    from polmodel.errors import PolmodelError
    from polmodel.model.labels import label

    try:
        words = label(key, with_id=True)
    except PolmodelError:  # a Morris group, or an axis the model does not label
        return key
    return textwrap.fill(words, width, break_long_words=False, break_on_hyphens=False)


def _axes(ax, **kw):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(**kw)
    return ax


def plot_sobol(s, ax=None):
    """Total and first-order Sobol' indices with their intervals, largest total first."""
    ax = _axes(ax, figsize=(8, 6))
    if not s.sobol or s.constant:
        ax.text(0.5, 0.5, "the answer does not vary: nothing to apportion", ha="center",
                transform=ax.transAxes)
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
    ax.set_yticks(y, [_words(sob.names[i]) for i in order], fontsize=8)
    ax.set_xlabel(f"Sobol' index (fuzzy AND '{sob.aggregator}')")
    ax.set_title(f"What decides: {s.question.label()}", fontsize=10)
    ax.legend(loc="lower right")
    return ax


def plot_tornado(s, ax=None):
    """One-at-a-time swings around the central run, largest first."""
    ax = _axes(ax, figsize=(8, 6))
    t = s.tornado
    if t is None:
        return ax
    order = t.order()[:SHOWN][::-1]
    y = np.arange(len(order))
    ax.barh(y, t.at_low[order] - t.central, left=t.central, label="at the low end", color="tab:blue")
    ax.barh(y, t.at_high[order] - t.central, left=t.central, label="at the high end", color="tab:orange")
    ax.axvline(t.central, color="black", lw=0.8)
    ax.set_yticks(y, [_words(t.names[i]) for i in order], fontsize=8)
    what = "months with a window" if t.outcome == "months_open" else s.question.label()
    ax.set_xlabel(f"{what} (central run {approx(t.central)})")
    ax.set_title("One assumption at a time", fontsize=10)
    ax.legend(loc="lower right")
    return ax


def plot_morris(s, ax=None):
    """Morris mu* against sigma: far right matters, high up interacts."""
    ax = _axes(ax, figsize=(7, 5))
    if not s.morris:
        return ax
    m = s.morris[0]
    sigma = np.nan_to_num(m.sigma)
    ax.scatter(m.mu_star, sigma)
    # The first eight numbered on the plot, their labels in a key (labels would overlap).
    from matplotlib.lines import Line2D

    key = []
    for rank, i in enumerate(m.order()[:8], start=1):
        ax.annotate(str(rank), (m.mu_star[i], sigma[i]), xytext=(3, 3),
                    textcoords="offset points", fontsize=8, fontweight="bold")
        key.append(Line2D([], [], linestyle="none", marker=f"${rank}$", color="black",
                          label=_words(m.names[i], 40)))
    ax.legend(handles=key, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (interaction, non-linearity)")
    ax.set_title(f"Morris screening: {s.question.label()}", fontsize=10)
    return ax


def plot_tradeoff_curve(d, ax=None):
    """Coverage against density along the peeling trajectory; the chosen box marked."""
    ax = _axes(ax, figsize=(6, 5))
    p = d.prim
    sc = ax.scatter(p.coverage, p.density, c=p.restricted, cmap="viridis", s=14)
    ax.scatter([p.coverage[p.chosen]], [p.density[p.chosen]], s=120, facecolors="none",
               edgecolors="red", label="chosen (before pasting and pruning)")
    ax.scatter([d.box.coverage], [d.box.density], marker="*", s=160, color="red", label="final box")
    ax.figure.colorbar(sc, ax=ax, label="assumptions restricted")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Where {d.question.text()}", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_sweep(sw, ax=None):
    """A line (one axis, with the 10-90% band where there is one) or a heatmap (two axes)."""
    ax = _axes(ax, figsize=(7, 5))
    if len(sw.axes) == 1:
        x = sw.grids[0]
        ax.plot(x, sw.values, marker="o")
        if sw.band is not None:
            ax.fill_between(x, sw.band[:, 0], sw.band[:, 1], alpha=0.2, label="10-90% of plausible worlds")
            ax.legend()
        ax.set_xlabel(_words(sw.axes[0], 60))
        ax.set_ylabel(sw.statistic_label())
    else:
        im = ax.pcolormesh(sw.grids[0], sw.grids[1], sw.values.T, shading="nearest")
        ax.figure.colorbar(im, ax=ax, label=sw.statistic_label())
        ax.set_xlabel(_words(sw.axes[0], 60))
        ax.set_ylabel(_words(sw.axes[1], 40))
    ax.set_title(sw.question.label(), fontsize=10)
    return ax
