"""Matplotlib figures. Each takes ``ax=None`` (a new figure when None) and returns the axes.

matplotlib is imported inside the functions, so importing polmodel does not pay for it.
"""

from __future__ import annotations

from polmodel.conditions import CONDITIONS, CROSSOVER

COLORS = {
    "crisis": "#b2182b",
    "fracture": "#ef8a62",
    "challenger": "#2166ac",
    "pressure": "#67a9cf",
    "index": "#111111",
}


def _axes(ax, **subplots):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(**subplots)[1]


def plot_trajectory(result, ax=None):
    """Four conditions and the opening index over time, with the 0.5 crossover and windows.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(8, 4.5))
    months = result.months
    for i, name in enumerate(CONDITIONS):
        ax.plot(months, result.conditions[:, i], color=COLORS[name], lw=1.6, label=name)
    ax.plot(months, result.index, color=COLORS["index"], lw=2.6, label="opening index")
    ax.axhline(CROSSOVER, color="0.4", ls="--", lw=1)
    ax.text(months[-1], CROSSOVER, " 0.5 crossover", va="bottom", ha="right", fontsize=8, color="0.3")
    window = result.window
    if window.any():
        ax.fill_between(months, 0, 1, where=window, color="#1a9850", alpha=0.12, step="mid",
                        label="window (all four present)")
    ax.set(xlim=(months[0], months[-1]), ylim=(0, 1), xlabel="month",
           ylabel="membership (0 absent, 1 present)",
           title=f"{result.scenario}: {result.policy} (central values; not a forecast)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    return ax
