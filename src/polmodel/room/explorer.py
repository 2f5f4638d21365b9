"""A live explorer: sliders for the levers and the most influential assumptions, one central run.

Moving a slider reruns the scenario's central values with the new setting (:func:`polmodel.run`)
and updates the figure in place: the four conditions, the opening index, the window (shaded)
and the bottleneck (a strip under the plot, coloured by the condition that binds each month).
Artists are updated with ``set_data``, never re-plotted, and the figure is drawn with Agg, so a
redraw costs a model run plus one Agg draw (``benchmarks/run.py`` measures it).

The state lives in :class:`Explorer`, a plain class whose :meth:`Explorer.update` runs without a
browser or widgets; :func:`explore` adds ipywidgets controls (the ``explore`` extra) whose
callbacks call :meth:`Explorer.update`.
"""

from __future__ import annotations

import io
import numbers
from dataclasses import replace

import numpy as np

from polmodel.analysis.runs import RunResult, run
from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy
from polmodel.model.states import AGGREGATORS, CONDITIONS, CROSSOVER, STATES
from polmodel.room.explorer_assumptions import influential_assumptions
from polmodel.room.explorer_controls import INITIAL_PREFIX, START_SUFFIX
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario


class Explorer:
    """One central run of a scenario whose levers and assumptions can be moved.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a path to a ``.toml`` file.
    policy : str, optional
        Policy whose lever settings the explorer starts from; the baseline by default.
    aggregator : {"min", "product", "geometric"}, optional
        Fuzzy AND; the scenario's by default.
    assumptions : sequence of str, optional
        Parameter names (or ``"initial.<state>"``) to offer as sliders; by default the
        :data:`~polmodel.room.explorer_assumptions.N_ASSUMPTIONS` that swing the starting
        policy's peak opening index most (:func:`influential_assumptions`).

    Attributes
    ----------
    result : RunResult
        The run for the current settings.
    figure : matplotlib.figure.Figure
        Drawn with Agg; its artists are updated in place by :meth:`update`.

    Examples
    --------
    >>> ex = Explorer("venezuela-2018", "status-quo")
    >>> r = ex.update(targeted_sanctions=0.9, targeted_sanctions_start=6)
    >>> r.states.shape[0] == ex.scenario.horizon + 1
    True
    """

    def __init__(self, scenario: Scenario | str = "venezuela-2018", policy: str | None = None, *,
                 aggregator: str | None = None, assumptions=None) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.base_policy = self.scenario.policy(policy or self.scenario.baseline).name
        self.aggregator = aggregator or self.scenario.aggregator
        if self.aggregator not in AGGREGATORS:
            raise PolmodelError(f"aggregator: unknown {self.aggregator!r}; "
                                f"allowed: {', '.join(AGGREGATORS)}")
        names = (list(assumptions) if assumptions is not None
                 else influential_assumptions(self.scenario, self.base_policy,
                                              aggregator=self.aggregator))
        self.ranges: dict[str, tuple[float, float, float]] = {}
        for name in names:
            self.ranges[name] = self._range(name)
        clash = sorted(set(self.ranges) & set(self.lever_keys()))
        if clash:  # a parameter named like a lever key would make update() ambiguous
            raise PolmodelError(f"assumption {clash[0]!r} has the name of a lever setting")
        self.values = {k: v for k, (v, _, _) in self.ranges.items()}
        self.settings = self._settings_of(self.base_policy)
        self.controls: dict | None = None
        self.figure = None
        self.result: RunResult = self._run()
        self._build_figure()
        self._redraw()

    # -- state --------------------------------------------------------------------------------

    def _range(self, name: str) -> tuple[float, float, float]:
        sc = self.scenario
        if name.startswith(INITIAL_PREFIX) and name.removeprefix(INITIAL_PREFIX) in sc.initial:
            u = sc.initial[name.removeprefix(INITIAL_PREFIX)]
        elif name in sc.parameters:
            u = sc.parameters[name]
        else:
            allowed = list(sc.parameters) + [INITIAL_PREFIX + s for s in STATES]
            raise PolmodelError(f"assumption {name!r} is not a parameter or initial state; "
                                f"allowed: {', '.join(allowed)}")
        return (u.value, u.low, u.high)

    def _settings_of(self, policy: str) -> dict[str, LeverSetting]:
        given = self.scenario.policy(policy).levers
        return {lever: given.get(lever, LeverSetting(0.0)) for lever in LEVER_NAMES}

    @staticmethod
    def lever_keys() -> list[str]:
        """Keys :meth:`update` accepts for levers: ``<lever>`` and ``<lever>_start``."""
        return [k for lever in LEVER_NAMES for k in (lever, lever + START_SUFFIX)]

    def policy(self) -> Policy:
        """The current lever settings as a policy (named after the starting policy when unchanged)."""
        levers = {k: s for k, s in self.settings.items() if s.intensity > 0}
        start = self.scenario.policy(self.base_policy)
        same = {k: s for k, s in start.levers.items() if s.intensity > 0} == levers
        return Policy(self.base_policy if same else f"{self.base_policy} (edited)", levers,
                      start.description if same else "edited in the explorer")

    def parameters(self) -> dict[str, float]:
        """Assumption values that differ from the central ones, as ``run(parameters=...)``."""
        return {k: v for k, v in self.values.items() if not k.startswith(INITIAL_PREFIX)}

    def initial(self) -> dict[str, float]:
        """Initial states set by sliders, as ``run(initial=...)``."""
        return {k.removeprefix(INITIAL_PREFIX): v for k, v in self.values.items()
                if k.startswith(INITIAL_PREFIX)}

    def update(self, **values) -> RunResult:
        """Change settings, rerun and update the figure's artists.

        Parameters
        ----------
        **values
            ``policy=<name>`` (reset every lever to that policy's settings; applied first),
            ``aggregator=<name>``, ``<lever>=<intensity>``, ``<lever>_start=<month>`` and any
            assumption offered as a slider (``<parameter>=<value>``,
            ``**{"initial.<state>": value}``).

        Returns
        -------
        RunResult
            The run for the new settings (also kept as :attr:`result`).

        Raises
        ------
        PolmodelError
            On an unknown key or a value outside what is allowed; nothing changes then.
        """
        settings, assumptions = dict(self.settings), dict(self.values)
        aggregator, base = self.aggregator, self.base_policy
        if "policy" in values:
            base = self.scenario.policy(values["policy"]).name
            settings = self._settings_of(base)
        for key, value in values.items():
            if key == "policy":
                continue
            if key == "aggregator":
                if value not in AGGREGATORS:
                    raise PolmodelError(f"aggregator: unknown {value!r}; allowed: {', '.join(AGGREGATORS)}")
                aggregator = value
            elif key in LEVER_NAMES:
                from polmodel.limits import check_number

                s = settings[key]
                settings[key] = LeverSetting(check_number(value, key, 0.0, 1.0), s.start, s.end)
            elif key.endswith(START_SUFFIX) and key.removesuffix(START_SUFFIX) in LEVER_NAMES:
                lever = key.removesuffix(START_SUFFIX)
                settings[lever] = self._moved(lever, settings[lever], value)
            elif key in assumptions:
                from polmodel.limits import check_number

                _, low, high = self.ranges[key]
                if not _is_number(value):
                    check_number(value, key, low, high)  # says what it is and what is allowed
                if not low <= value <= high:
                    raise PolmodelError(f"{key} = {value} is outside its plausible range; "
                                        f"allowed: {low:g} to {high:g}")
                assumptions[key] = float(value)
            else:
                allowed = ["policy", "aggregator", *self.lever_keys(), *assumptions]
                raise PolmodelError(f"unknown setting {key!r}; allowed: {', '.join(allowed)}")
        old = (self.settings, self.values, self.aggregator, self.base_policy)
        self.settings, self.values, self.aggregator, self.base_policy = settings, assumptions, aggregator, base
        try:
            self.result = self._run()
        except PolmodelError:
            self.settings, self.values, self.aggregator, self.base_policy = old
            raise
        self._redraw()
        if self.controls is not None:
            self.controls.sync()
        return self.result

    def _moved(self, lever: str, s: LeverSetting, start) -> LeverSetting:
        """The setting started at another month; an end month keeps the lever's duration."""
        from polmodel.limits import check_whole

        h = self.scenario.horizon
        if isinstance(start, bool) or not isinstance(start, numbers.Integral):
            check_whole(start, f"{lever}{START_SUFFIX}", 0, h - 1, what="months")
        start = int(start)
        if not 0 <= start < h:
            raise PolmodelError(f"{lever}{START_SUFFIX} = {start}; allowed: 0 to {h - 1}")
        end = None if s.end is None else start + (s.end - s.start)
        return LeverSetting(s.intensity, start, None if end is None or end >= h else end)

    def _run(self) -> RunResult:
        pol = self.policy()
        sc = replace(self.scenario, policies={**self.scenario.policies, pol.name: pol})
        return run(sc, pol.name, aggregator=self.aggregator, parameters=self.parameters(),
                   initial=self.initial())

    # -- figure ---------------------------------------------------------------------------------

    def _build_figure(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import PolyCollection
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure

        from polmodel.views.plots import INDEX_COLOUR, style

        r = self.result
        months = r.months
        fig = Figure(figsize=(8.5, 4.6), dpi=80, layout=None)
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(2, 1, height_ratios=(14, 1), hspace=0.06, left=0.08, right=0.76,
                                top=0.88, bottom=0.11)
        ax = fig.add_subplot(grid[0])
        strip = fig.add_subplot(grid[1], sharex=ax)
        # The figure's palette and line styles (plots.style): told apart in grey and by the
        # common colour-vision deficiencies, not by colour alone.
        self._window = PolyCollection([], facecolor="#009E73", alpha=0.12, hatch="//",
                                      edgecolor="#009E73", lw=0, label="window open\n(all four > 0.5)")
        ax.add_collection(self._window)
        every = max(1, len(months) // 8)
        self._lines, self._binding = {}, {}
        for i, c in enumerate(CONDITIONS):
            st = style(c)
            self._lines[c] = ax.plot(months, r.conditions[:, i], color=st.color, ls=st.linestyle,
                                     lw=1.6, marker=st.marker, ms=4, markevery=(i % every, every),
                                     label=c, zorder=3)[0]
            # Thick and pale where the condition binds, as in the trajectory figure.
            self._binding[c] = ax.plot(months, r.conditions[:, i], color=st.color, lw=5, alpha=0.45,
                                       solid_capstyle="butt", zorder=2, label="_nolegend_")[0]
        ax.plot([], [], color="0.5", lw=5, alpha=0.45, label="binding condition")
        # Dashed and thin, on top: the binding condition stays visible under the index it sets.
        self._index = ax.plot(months, r.index, color=INDEX_COLOUR, lw=1.2, ls=(0, (2, 2)),
                              zorder=4, label="opening index")[0]
        ax.axhline(CROSSOVER, color="0.4", ls=":", lw=1)
        ax.text(months[-1], CROSSOVER, "0.5 crossover ", va="bottom", ha="right", fontsize=8, color="0.3")
        ax.set(xlim=(months[0], months[-1]), ylim=(0, 1), ylabel="membership (0 absent, 1 present)")
        ax.tick_params(labelbottom=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        cmap = ListedColormap([style(c).color for c in CONDITIONS])
        self._strip = strip.imshow(np.zeros((1, len(months))), cmap=cmap, vmin=-0.5,
                                   vmax=len(CONDITIONS) - 0.5, aspect="auto", interpolation="nearest",
                                   extent=(months[0] - 0.5, months[-1] + 0.5, 0, 1))
        strip.set(yticks=[], xlabel="month", xlim=(months[0], months[-1]))
        strip.set_ylabel("binds", rotation=0, ha="right", va="center", fontsize=8)
        ax.set_title(self.scenario.title, fontsize=10, loc="left", pad=18)
        self._label = ax.text(0.0, 1.01, "", transform=ax.transAxes, fontsize=9, va="bottom")
        fig.text(0.78, 0.11, "Central values; a what-if\nunder these assumptions,\nnot a forecast.",
                 fontsize=7, color="0.35", va="bottom")
        self.figure, self.axes = fig, (ax, strip)
        # The verdict sentence goes beside the figure (an HTML line under it in the widget):
        # drawing text is most of the cost of a redraw.
        self._dynamic = [self._window, *self._binding.values(), *self._lines.values(), self._index,
                         self._strip, self._label]
        self._background = None

    def _capture_background(self) -> None:
        """Draw everything that never moves (axes, ticks, legend) once and keep the pixels."""
        canvas = self.figure.canvas
        for a in self._dynamic:
            a.set_visible(False)
        canvas.draw()
        for a in self._dynamic:
            a.set_visible(True)
        self._background = (canvas.get_renderer(), canvas.copy_from_bbox(self.figure.bbox))

    def _redraw(self) -> None:
        """Move the artists to the current result and draw only them over the static background.

        Blitting, as matplotlib's animations do: the axes, ticks and legend (most of the cost
        of an Agg draw is their text) are drawn once; a redraw restores those pixels and draws
        the lines, the window, the bottleneck strip and the policy's name.
        """
        if self.figure is None:
            return
        r = self.result
        months, conds = r.months, r.conditions
        binding = np.asarray([CONDITIONS.index(b) for b in r.bottleneck])
        for i, c in enumerate(CONDITIONS):
            self._lines[c].set_data(months, conds[:, i])
            self._binding[c].set_data(months, np.where(binding == i, conds[:, i], np.nan))
        self._index.set_data(months, r.index)
        self._window.set_verts(_spans(months, r.window))
        self._strip.set_data(binding[None, :].astype(float))
        self._label.set_text(f"policy: {r.policy}  |  fuzzy AND: {r.aggregator}")
        canvas = self.figure.canvas
        # A savefig at another size or dpi replaces the renderer: capture the background again.
        if self._background is None or canvas.get_renderer() is not self._background[0]:
            self._capture_background()
        canvas.restore_region(self._background[1])
        for a in self._dynamic:
            self.figure.draw_artist(a)

    def png(self) -> bytes:
        """The figure as drawn last, as PNG bytes (fast: no second draw)."""
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(np.asarray(self.figure.canvas.buffer_rgba())).save(
            buf, format="png", compress_level=1)
        return buf.getvalue()

    # -- widgets --------------------------------------------------------------------------------

    def build_controls(self):
        """Make the ipywidgets controls (needs the ``explore`` extra) and return their layout.

        The controls are kept as :attr:`controls` (a
        :class:`polmodel.room.explorer_controls.Controls`; ``controls[key]`` is the widget of an
        :meth:`update` key).
        """
        if self.controls is None:
            from polmodel.room.explorer_controls import Controls

            self.controls = Controls(self)
        return self.controls.layout

    def _repr_mimebundle_(self, **kwargs):
        try:
            layout = self.build_controls()
        except PolmodelError:  # no ipywidgets: the figure, and how to get the sliders
            import base64

            return {"image/png": base64.b64encode(self.png()).decode("ascii"),
                    "text/plain": f"{self!r} (sliders need ipywidgets: pip install 'polmodel[explore]')"}
        return layout._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (f"Explorer({self.scenario.name!r}, policy {self.result.policy!r}, "
                f"aggregator {self.aggregator!r}, {len(self.ranges)} assumption sliders)")


def _spans(months: np.ndarray, window: np.ndarray) -> list[np.ndarray]:
    """Rectangles (in data coordinates) over the runs of open months, each month +-0.5."""
    if not window.any():
        return []
    edges = np.diff(np.concatenate([[0], window.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    lo, hi = float(months[0]), float(months[-1])
    return [np.array([[a, 0], [b, 0], [b, 1], [a, 1]], dtype=float)
            for a, b in ((max(months[s] - 0.5, lo), min(months[e] + 0.5, hi))
                         for s, e in zip(starts, ends))]


def explore(scenario: Scenario | str = "venezuela-2018", policy: str | None = None, *,
            aggregator: str | None = None, assumptions=None) -> Explorer:
    """Open the live explorer in Jupyter: sliders for levers and assumptions, one central run.

    Needs ipywidgets (``pip install 'polmodel[explore]'``). The result displays itself as the
    controls and the figure; its :meth:`Explorer.update` changes settings from code too.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a path to a ``.toml`` file.
    policy : str, optional
        Policy to start from; the baseline by default.
    aggregator : {"min", "product", "geometric"}, optional
        Fuzzy AND; the scenario's by default.
    assumptions : sequence of str, optional
        Assumptions to offer as sliders; see :func:`influential_assumptions`.

    Returns
    -------
    Explorer
    """
    ex = Explorer(scenario, policy, aggregator=aggregator, assumptions=assumptions)
    ex.build_controls()
    return ex


__all__ = ["Explorer", "explore", "influential_assumptions"]


def _is_number(value) -> bool:
    """A real number, not a bool or a string (sliders give floats; code may give anything)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
