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


def _caption(ax, comparison) -> None:
    """The caveat and provenance under a comparison figure."""
    ax.annotate(f"Shares of plausible worlds under the scenario's assumptions; not a forecast.\n"
                f"{comparison.provenance()}", xy=(0, 0), xycoords="axes fraction",
                xytext=(0, -46), textcoords="offset points", fontsize=7, color="0.35", va="top")


def plot_peak_distributions(comparison, ax=None):
    """Peak opening index across plausible worlds, one box per policy, 0.5 crossover marked.

    Parameters
    ----------
    comparison : Comparison
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(8, 4.5))
    names = comparison.policies
    data = [comparison.outcomes[n].peak_index for n in names]
    ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.6)
    ax.set_yticks(range(1, len(names) + 1), names)
    for i, n in enumerate(names, start=1):
        share = comparison.per_policy[n]["window_share"]
        ax.text(1.0, i, f" window in {100 * share:.0f}% of worlds", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    ax.axvline(CROSSOVER, color="0.4", ls="--", lw=1)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="peak opening index (box: 25-75% of worlds, whiskers 5-95%)",
           title=f"{comparison.scenario}: peak opening index across {comparison.n_worlds} plausible worlds")
    _caption(ax, comparison)
    return ax


def plot_paired_differences(comparison, ax=None):
    """Per-world difference in peak opening index of each policy against the baseline."""
    ax = _axes(ax, figsize=(8, 4.5))
    names = [n for n in comparison.policies if n != comparison.baseline]
    data = [comparison.difference(n, comparison.baseline) for n in names]
    if data:
        ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.6)
        ax.set_yticks(range(1, len(names) + 1), names)
        for i, n in enumerate(names, start=1):
            higher = comparison.pairwise(n, comparison.baseline)["share_higher"]
            ax.text(1.0, i, f" higher in {100 * higher:.0f}%", va="center", fontsize=8,
                    transform=ax.get_yaxis_transform())
        ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=1)
    ax.set(xlabel=f"peak opening index minus '{comparison.baseline}', same world",
           title=f"{comparison.scenario}: paired differences against the baseline")
    _caption(ax, comparison)
    return ax


def plot_bottleneck_shares(comparison, ax=None):
    """Share of plausible worlds in which each condition binds, per policy (stacked bars)."""
    ax = _axes(ax, figsize=(8, 4.5))
    names = comparison.policies
    left = [0.0] * len(names)
    for c in CONDITIONS:
        shares = [comparison.per_policy[n]["bottleneck_shares"][c] for n in names]
        ax.barh(names, shares, left=left, color=COLORS[c], label=c)
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="share of plausible worlds in which the condition binds most months",
           title=f"{comparison.scenario}: which condition binds")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    _caption(ax, comparison)
    return ax


def plot_tradeoff(comparison, ax=None):
    """Trade-off: median peak opening index against median humanitarian cost, per policy."""
    ax = _axes(ax, figsize=(7, 5))
    for n in comparison.policies:
        s = comparison.per_policy[n]
        x, y = s["crisis_months_median"], s["peak_index_median"]
        lo, hi = s["peak_index_p10"], s["peak_index_p90"]
        ax.errorbar(x, y, yerr=[[y - lo], [hi - y]], fmt="o", capsize=3, label=n)
    ax.axhline(CROSSOVER, color="0.4", ls="--", lw=1)
    # A legend, not labels at the points: policies with similar costs would overlap.
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    ax.set(xlabel="humanitarian cost: crisis-months (median over worlds)",
           ylabel="peak opening index (median; bars 10-90%)",
           title=f"{comparison.scenario}: opening index against humanitarian cost")
    _caption(ax, comparison)
    return ax


def plot_causal_diagram(ax=None):
    """The model on one slide: levers -> mechanisms -> states, drawn from the mechanism table.

    Arrows into a state are green where the mechanism raises it and red where it lowers it.
    States that a mechanism reads (feedback) are listed under its name.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from polmodel.levers import LEVERS
    from polmodel.model import STATES
    from polmodel.parameters import MECHANISMS

    ax = _axes(ax, figsize=(11, 12))
    mechs = list(MECHANISMS)

    def ys(k: int) -> list[float]:
        return [1 - (i + 0.5) / k for i in range(k)]

    lever_y = dict(zip((lv.name for lv in LEVERS), ys(len(LEVERS))))
    mech_y = dict(zip((m.name for m in mechs), ys(len(mechs))))
    state_y = dict(zip(STATES, ys(len(STATES))))
    xl, xm, xs = 0.0, 0.5, 1.0
    for m in mechs:
        for lever in m.levers:
            ax.annotate("", xy=(xm - 0.11, mech_y[m.name]), xytext=(xl + 0.1, lever_y[lever]),
                        arrowprops=dict(arrowstyle="->", color="0.6", lw=0.7))
        for state, sign in m.moves:
            ax.annotate("", xy=(xs - 0.07, state_y[state]), xytext=(xm + 0.11, mech_y[m.name]),
                        arrowprops=dict(arrowstyle="->", lw=0.9,
                                        color="#1a9850" if sign > 0 else "#d73027"))
    box = dict(boxstyle="round,pad=0.3", fc="white", ec="0.5")
    for lv in LEVERS:
        ax.text(xl + 0.1, lever_y[lv.name], lv.label, ha="right", va="center", fontsize=9, bbox=box)
    for m in mechs:
        reads = [r for r in m.reads if r in STATES]
        label = m.name.replace("_", " ") + (f"\n(reads {', '.join(reads)})" if reads else "")
        ax.text(xm, mech_y[m.name], label, ha="center", va="center", fontsize=7, bbox=box)
    for s in STATES:
        ax.text(xs - 0.07, state_y[s], s, ha="left", va="center", fontsize=10, fontweight="bold",
                color=COLORS.get(s, "0.2"), bbox=box)
    ax.set(xlim=(-0.15, 1.12), ylim=(0, 1),
           title="polmodel: levers -> mechanisms -> states (green raises, red lowers)")
    ax.axis("off")
    return ax
