"""Matplotlib figures. Each takes ``ax=None`` (a new figure when None) and returns the axes.

Figures are made to be read on a projector and on a grey photocopy alike: every series has its
own colour from the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies) *and* its own line style and marker, so nothing depends on colour alone. Titles
use the scenario's title, the 0.5 crossover is labelled, and labels never sit on each other.

matplotlib is imported inside the functions, so importing polmodel does not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from polmodel.model.states import CONDITIONS, CROSSOVER
from polmodel.views.text import counted, pct, verdict_parts

# Okabe & Ito (2008), "Color Universal Design": eight colours told apart by people with the
# common colour-vision deficiencies; black is kept for the opening index.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")
_DASHES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 3)))
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
INDEX_COLOUR = "#000000"


@dataclass(frozen=True)
class Style:
    """How one series is drawn: a colour, a line style, a marker and a hatch for bars."""

    color: str
    linestyle: object
    marker: str
    hatch: str


def style(name: str) -> Style:
    """The style of a state (conditions first, then the other states in model order)."""
    from polmodel.model.states import STATES

    order = list(CONDITIONS) + [s for s in STATES if s not in CONDITIONS]
    i = order.index(name) if name in order else len(order)
    return series_style(i)


def series_style(i: int) -> Style:
    """The ``i``-th style of the palette (policies in a figure take them in order)."""
    k = i % len(_COLOURS)
    return Style(_COLOURS[k], _DASHES[k], _MARKERS[k], _HATCHES[k])


# Kept for code that read the old mapping: the colour of each condition and of the index.
COLORS = {**{c: style(c).color for c in CONDITIONS}, "index": INDEX_COLOUR}


def _axes(ax, **subplots):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(**subplots)[1]


def _crossover(ax, axis: str = "y", label: str = "0.5 crossover") -> None:
    """The 0.5 line, labelled where it cannot sit on data labels (inside the axes' edge)."""
    if axis == "y":
        ax.axhline(CROSSOVER, color="0.35", ls=(0, (4, 3)), lw=1, zorder=1)
        ax.annotate(label, xy=(0, CROSSOVER), xycoords=("axes fraction", "data"),
                    xytext=(3, 2), textcoords="offset points", fontsize=8, color="0.25",
                    va="bottom", ha="left")
    else:
        ax.axvline(CROSSOVER, color="0.35", ls=(0, (4, 3)), lw=1, zorder=1)
        ax.annotate(label, xy=(CROSSOVER, 1), xycoords=("data", "axes fraction"),
                    xytext=(2, -3), textcoords="offset points", fontsize=8, color="0.25",
                    va="top", ha="left", rotation=90)


def plot_trajectory(result, ax=None):
    """Four conditions and the opening index over time, with the 0.5 crossover and windows.

    The condition that binds (sets the opening index) is drawn thick where it binds, and the
    index is a thin dashed black line on top, so the binding condition stays visible under it.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    ax = _axes(ax, figsize=(8, 4.5))
    months = result.months
    binding = np.asarray([CONDITIONS.index(b) for b in result.bottleneck])
    every = max(1, len(months) // 8)
    for i, name in enumerate(CONDITIONS):
        st = style(name)
        y = result.conditions[:, i]
        ax.plot(months, y, color=st.color, ls=st.linestyle, lw=1.4, marker=st.marker, ms=4,
                markevery=(i % every, every), label=name, zorder=3)
        # Thick where this condition binds: segments between consecutive binding months.
        seg = np.where(binding == i, y, np.nan)
        ax.plot(months, seg, color=st.color, lw=5, alpha=0.45, solid_capstyle="butt", zorder=2,
                label="_nolegend_")
    ax.plot(months, result.index, color=INDEX_COLOUR, ls=(0, (2, 2)), lw=1.1, zorder=4,
            label="opening index")
    ax.plot([], [], color="0.5", lw=5, alpha=0.45, label="binding condition (thick)")
    _crossover(ax)
    window = result.window
    if window.any():
        ax.fill_between(months, 0, 1, where=window, facecolor="#009E73", alpha=0.12, hatch="//",
                        edgecolor="#009E73", lw=0, step="mid", label="window (all four present)")
    ax.set(xlim=(months[0], months[-1]), ylim=(0, 1), xlabel="month",
           ylabel="membership (0 absent, 1 present)")
    title = result.title or result.scenario
    ax.set_title(f"{title}\npolicy {result.policy!r}: central values (not a forecast)", fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    return ax


def _caption(ax, comparison) -> None:
    """The caveat and provenance under a comparison figure."""
    # Under the x-axis label, whatever its height (a label of two or three lines too).
    ax.annotate(f"Shares of plausible worlds under the scenario's assumptions; not a forecast.\n"
                f"{comparison.provenance()}", xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
                xytext=(0, -6), textcoords="offset points", fontsize=7, color="0.35", va="top")


def _title(ax, comparison, what: str) -> None:
    ax.set_title(f"{comparison.title}\n{what}", fontsize=10)


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
    _boxes(ax, comparison, "peak", lambda: [comparison.outcomes[n].peak_index for n in names])
    ax.set_yticks(range(1, len(names) + 1), names)
    for i, n in enumerate(names, start=1):
        share = comparison.per_policy[n]["window_share"]
        ax.text(1.0, i, f" window in {pct(share)} of plausible worlds", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    _crossover(ax, "x", "0.5 crossover: window")
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="peak opening index (box: 25-75% of worlds, whiskers 5-95%)")
    _title(ax, comparison, f"peak opening index across {counted(comparison.n_worlds, 'plausible world')}")
    _caption(ax, comparison)
    return ax


def _boxes(ax, comparison, kind: str, data) -> None:
    """Horizontal boxes (25-75%, whiskers 5-95%) of each policy.

    From every world's values (``data()``), or, for a comparison that kept no worlds
    (streamed), from its ``box_stats(kind)``.
    """
    style = {"orientation": "horizontal", "showfliers": False, "widths": 0.6,
             "medianprops": {"color": INDEX_COLOUR, "lw": 2}}
    stats = getattr(comparison, "box_stats", None)
    if stats is not None:
        ax.bxp(stats(kind), **style)
    else:
        ax.boxplot(data(), whis=(5, 95), **style)


def plot_paired_differences(comparison, ax=None):
    """Per-world difference in peak opening index of each policy against the baseline."""
    ax = _axes(ax, figsize=(8, 4.5))
    names = [n for n in comparison.policies if n != comparison.baseline]
    if names:
        _boxes(ax, comparison, "differences",
               lambda: [comparison.difference(n, comparison.baseline) for n in names])
        ax.set_yticks(range(1, len(names) + 1), names)
        for i, n in enumerate(names, start=1):
            higher = comparison.pairwise(n, comparison.baseline)["share_higher"]
            ax.text(1.0, i, f" higher index in {pct(higher)} of worlds", va="center", fontsize=8,
                    transform=ax.get_yaxis_transform())
        ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=1)
    ax.set(xlabel=f"peak opening index minus '{comparison.baseline}', same world")
    _title(ax, comparison, "paired differences against the baseline")
    _caption(ax, comparison)
    return ax


def plot_bottleneck_shares(comparison, ax=None):
    """Share of plausible worlds in which each condition binds, per policy (stacked bars)."""
    ax = _axes(ax, figsize=(8, 4.5))
    names = comparison.policies
    left = [0.0] * len(names)
    for c in CONDITIONS:
        st = style(c)
        shares = [comparison.per_policy[n]["bottleneck_shares"][c] for n in names]
        ax.barh(names, shares, left=left, color=st.color, hatch=st.hatch, edgecolor="white",
                label=c)
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="share of plausible worlds in which the condition binds most months")
    _title(ax, comparison, "which condition binds")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    _caption(ax, comparison)
    return ax


def plot_tradeoff(comparison, ax=None):
    """Trade-off: median peak opening index against median humanitarian cost, per policy.

    The cost axis starts at zero, so a difference of a few tenths of a crisis-month looks as
    small as it is; the axis label gives the span of the medians. Policies with nearly the same
    cost are drawn side by side, centred on that cost (by at most a few percent of the axis),
    and each has its own marker, so none hides another; the legend names them and the axis
    label says they were spread.
    """
    ax = _axes(ax, figsize=(7, 5))
    names = comparison.policies
    xs = [comparison.per_policy[n]["crisis_months_median"] for n in names]
    right = max(max(xs), float(getattr(comparison, "horizon", 0) or 0), 1e-9) * 1.05
    span = right  # the axis runs from 0: nudges are a share of all of it
    offsets = _dodge(xs, [comparison.per_policy[n]["peak_index_median"] for n in names], span)
    # Centre each group of nudged points on its true cost, so no policy looks costlier than
    # another of the same cost; the axis note says so.
    groups: dict[int, list[int]] = {}
    for i in sorted(range(len(xs)), key=lambda k: xs[k]):
        key = next((g for g in groups if abs(xs[g] - xs[i]) < 0.025 * span), i)
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        mean = sum(offsets[k] for k in members) / len(members)
        for k in members:
            offsets[k] -= mean
    for i, n in enumerate(names):
        s = comparison.per_policy[n]
        st = series_style(i)
        x, y = s["crisis_months_median"] + offsets[i], s["peak_index_median"]
        lo, hi = s["peak_index_p10"], s["peak_index_p90"]
        ax.errorbar(x, y, yerr=[[y - lo], [hi - y]], fmt=st.marker, ms=7, color=st.color,
                    mec="black", mew=0.6, capsize=3, label=n)
    _crossover(ax)
    # A legend, not labels at the points: policies with similar costs would overlap.
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    nudged = any(abs(o) > 0 for o in offsets)
    spread = (f"\nthe medians run from {min(xs):.3g} to {max(xs):.3g} crisis-months"
              if len(xs) > 1 else "")
    ax.set(xlabel="humanitarian cost: crisis-months (median over worlds)" + spread
           + ("\npolicies of nearly equal cost are drawn side by side around it" if nudged else ""),
           ylabel="peak opening index (median; bars 10-90%)", ylim=(0, 1), xlim=(0, right))
    _title(ax, comparison, "opening index against humanitarian cost")
    _caption(ax, comparison)
    return ax


def _dodge(xs: list[float], ys: list[float], span: float) -> list[float]:
    """Small sideways offsets that keep points of nearly equal (x, y) from covering each other."""
    offsets = [0.0] * len(xs)
    step = 0.025 * span
    order = sorted(range(len(xs)), key=lambda i: (xs[i], ys[i]))
    placed: list[int] = []
    for i in order:
        # Error bars are long, so points close in x overlap whatever their y: take the first
        # free slot among the points placed near this one.
        taken = {round(offsets[j] / step) for j in placed if abs(xs[j] - xs[i]) < step}
        offsets[i] = step * next(k for k in range(len(xs) + 1) if k not in taken)
        placed.append(i)
    return offsets


def plot_pair(comparison, a: str, b: str, ax=None):
    """Two policies world by world: the peak opening index under ``b`` (x) and ``a`` (y).

    Points above the diagonal are worlds where ``a`` gives the higher index; the shares of
    each side are written in the corners. The 0.5 crossover is marked on both axes.

    Parameters
    ----------
    comparison : Comparison
    a, b : str
        Policy names.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    d = comparison.difference(a, b)  # checks the names
    ax = _axes(ax, figsize=(6, 5.5))
    x, y = comparison.outcomes[b].peak_index, comparison.outcomes[a].peak_index
    pw = comparison.pairwise(a, b)
    # The same split as pairwise(): differences within the tie margin are practical ties.
    m = getattr(comparison, "margin", 0.0) + 1e-9
    sa, sb = series_style(0), series_style(1)
    higher, lower, tied = verdict_parts(pw["share_higher"], pw["share_lower"], pw["share_tied"])
    groups = [(d > m, sa.marker, sa.color, 10, f"{a} higher ({higher} of plausible worlds)"),
              (d < -m, "x", sb.color, 14, f"{b} higher ({lower} of worlds)"),
              (np.abs(d) <= m, ".", "0.55", 8, f"tied within {m:.2g} ({tied} of worlds)")]
    for where, marker, colour, size, label in groups:
        if where.any():
            ax.scatter(x[where], y[where], s=size, marker=marker, color=colour, alpha=0.6,
                       lw=0.8 if marker == "x" else 0, label=label)
    hi = float(max(np.max(x), np.max(y), CROSSOVER)) * 1.05
    lo = float(min(np.min(x), np.min(y))) * 0.95
    ax.plot([lo, hi], [lo, hi], color="0.3", lw=1, label="same index")
    if lo < CROSSOVER < hi:
        _crossover(ax, "y", f"0.5 crossover ({a})")
        _crossover(ax, "x", f"0.5 crossover ({b})")
    ax.set(xlim=(lo, hi), ylim=(lo, hi), aspect="equal",
           xlabel=f"peak opening index under '{b}'", ylabel=f"peak opening index under '{a}'")
    # Beside the square, not on it: points fill any corner.
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    _title(ax, comparison, f"'{a}' against '{b}', world by world "
                           f"(median difference {pw['difference_median']:+.3f})")
    _caption(ax, comparison)
    return ax
