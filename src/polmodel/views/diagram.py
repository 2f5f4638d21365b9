"""The causal diagram: levers -> mechanisms -> states, drawn from the mechanism table.

Landscape, one column per layer. Links that raise a state are solid with an arrowhead and a
``+``; links that lower it are dashed with a flat head and a ``-``, so the signs survive a grey
photocopy. Arcs beside the states are the feedback between states: a state that a mechanism
reads, to the state that mechanism moves.
"""

from __future__ import annotations

from polmodel.views.plots import _axes, style


def causal_layout() -> dict:
    """Columns and vertical order of the causal diagram, from the mechanism table.

    Mechanisms are ordered by the mean position of the levers and states they link to, and
    levers by the mean position of their mechanisms (a few barycentre sweeps, as in Sugiyama's
    layered drawing), which removes most crossings.

    Returns
    -------
    dict
        ``levers``, ``mechanisms``, ``states``: names in top-to-bottom order; ``feedback``: the
        state-to-state links ``(read, moved, sign)`` from each mechanism's ``reads`` to its
        ``moves``.
    """
    from polmodel.model.levers import LEVERS
    from polmodel.model.parameters import MECHANISMS
    from polmodel.model.states import STATES

    states = list(STATES)
    levers = [lv.name for lv in LEVERS]
    mechs = [m for m in MECHANISMS if m.levers or m.moves]

    def pos(names: list[str]) -> dict[str, float]:
        return {n: i / max(1, len(names) - 1) for i, n in enumerate(names)}

    order = [m.name for m in mechs]
    for _ in range(4):
        ps, pl = pos(states), pos(levers)

        def centre(m, ps=ps, pl=pl) -> float:
            points = [ps[s] for s, _ in m.moves if s in ps] + [pl[lv] for lv in m.levers if lv in pl]
            return sum(points) / len(points) if points else 0.5

        mechs.sort(key=centre)
        order = [m.name for m in mechs]
        pm = pos(order)
        mean = {lv: [pm[m.name] for m in mechs if lv in m.levers] for lv in levers}
        levers.sort(key=lambda lv: sum(mean[lv]) / len(mean[lv]) if mean[lv] else 0.5)
    feedback = sorted({(r, s, sign) for m in MECHANISMS for r in m.reads if r in STATES
                       for s, sign in m.moves if s != r})
    return {"levers": levers, "mechanisms": order, "states": states, "feedback": feedback}


def causal_figsize() -> tuple[float, float]:
    """Inches for the causal diagram: landscape, taller when there are many mechanisms."""
    from polmodel.model.parameters import MECHANISMS

    n = sum(1 for m in MECHANISMS if m.levers or m.moves)
    return (16.0, max(9.0, min(15.0, 0.21 * n + 2.0)))


def plot_causal_diagram(ax=None):
    """The model on one slide: levers -> mechanisms -> states, drawn from the mechanism table.

    Landscape. A link that raises a state is a solid line marked ``+``; one that lowers it is
    dashed and marked ``-`` (readable in grey). Arcs on the right are feedback between states:
    a state that a mechanism reads, to a state that mechanism moves.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from polmodel.model.levers import LEVERS_BY_NAME
    from polmodel.model.parameters import MECHANISMS_BY_NAME

    lay = causal_layout()
    ax = _axes(ax, figsize=causal_figsize())

    def ys(names: list[str], top: float = 0.95, bottom: float = 0.04) -> dict[str, float]:
        k = len(names)
        return {n: top - (top - bottom) * (i + 0.5) / k for i, n in enumerate(names)}

    lever_y, mech_y = ys(lay["levers"]), ys(lay["mechanisms"])
    state_y = ys(lay["states"], 0.88, 0.12)
    xl, xm, xs = 0.17, 0.47, 0.76
    # Many mechanisms: alternate them between two staggered columns so labels never touch.
    stagger = 0.06 if len(lay["mechanisms"]) > 28 else 0.0
    mech_x = {n: xm + (stagger if i % 2 else -stagger) for i, n in enumerate(lay["mechanisms"])}
    raise_c, lower_c = "#0072B2", "#D55E00"
    box = dict(boxstyle="round,pad=0.25", fc="white", ec="0.6", lw=0.6)
    lever_t = {n: ax.text(xl, lever_y[n], LEVERS_BY_NAME[n].label, ha="right", va="center",
                          fontsize=9, bbox=box, zorder=3) for n in lay["levers"]}
    mech_t = {n: ax.text(mech_x[n], mech_y[n], n.replace("_", " "), ha="center", va="center",
                         fontsize=8, bbox=box, zorder=3) for n in lay["mechanisms"]}
    state_t = {s: ax.text(xs, state_y[s], s, ha="left", va="center", fontsize=11,
                          fontweight="bold", zorder=3,
                          bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=style(s).color, lw=2))
               for s in lay["states"]}
    # Links are attached to the label boxes (artist coordinates), so they touch the words.
    for name in lay["mechanisms"]:
        m = MECHANISMS_BY_NAME[name]
        for lever in m.levers:
            ax.annotate("", xy=(0, 0.5), xycoords=mech_t[name], xytext=(1, 0.5),
                        textcoords=lever_t[lever], zorder=1,
                        arrowprops=dict(arrowstyle="-|>", color="0.55", lw=0.7, shrinkA=3,
                                        shrinkB=4, mutation_scale=8))
        for state, sign in m.moves:
            y0, y1 = mech_y[name], state_y[state]
            # Raising: solid line, arrowhead. Lowering: dashed line, flat bar head (the
            # inhibition mark of biology's pathway diagrams). Both read in grey.
            head = "-|>" if sign > 0 else "-[, widthB=0.5, lengthB=0.15"
            ax.annotate("", xy=(0, 0.5), xycoords=state_t[state], xytext=(1, 0.5),
                        textcoords=mech_t[name], zorder=1,
                        arrowprops=dict(arrowstyle=head, lw=1.0, shrinkA=3, shrinkB=5,
                                        mutation_scale=9, color=raise_c if sign > 0 else lower_c,
                                        linestyle="-" if sign > 0 else (0, (4, 2))))
            # The sign just past the mechanism's box (its right edge estimated from the label's
            # length), where its links have not yet merged with the others at the same state.
            x0 = mech_x[name] + 0.0023 * len(name) + 0.012
            tx, ty = x0 + (xs - x0) * 0.1, y0 + (y1 - y0) * 0.1
            ax.text(tx, ty, "+" if sign > 0 else "\u2212", fontsize=9, fontweight="bold",
                    ha="center", va="center", color=raise_c if sign > 0 else lower_c, zorder=4,
                    bbox=dict(boxstyle="circle,pad=0.02", fc="white", ec="none", alpha=0.8))
    # Feedback: arcs to the right of the state column, from the state read to the state moved.
    xf = xs + 0.11
    for k, (src, dst, sign) in enumerate(lay["feedback"]):
        y0, y1 = state_y[src], state_y[dst]
        rad = -0.35 - 0.08 * (k % 4)
        ax.annotate("", xy=(xf, y1), xytext=(xf, y0),
                    arrowprops=dict(arrowstyle="-|>", lw=0.8, color="0.35", mutation_scale=8,
                                    connectionstyle=f"arc3,rad={rad if y1 < y0 else -rad}",
                                    linestyle="-" if sign > 0 else (0, (4, 2)), shrinkA=3, shrinkB=3))
    ax.text(0.0, 0.99, "levers", fontsize=10, fontweight="bold", va="top")
    ax.text(xm, 0.99, "mechanisms", fontsize=10, fontweight="bold", va="top", ha="center")
    ax.text(xs, 0.99, "states", fontsize=10, fontweight="bold", va="top")
    ax.text(xf, 0.99, "feedback", fontsize=10, fontweight="bold", va="top")
    ax.text(0.0, -0.02, "Solid line, arrowhead, +: the mechanism raises the state.   Dashed line, "
            "flat head, \u2212: it lowers the state.\nGrey arcs: feedback, a state that a mechanism reads feeding the "
            "state it moves (solid raises, dashed lowers, as the mechanism does).",
            fontsize=8.5, va="top", color="0.2")
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.05, 1))
    ax.set_title("polmodel: levers \u2192 mechanisms \u2192 states, from the mechanism table",
                 fontsize=12)
    ax.axis("off")
    return ax
