"""The explorer's ipywidgets controls: a slider per setting, wired to :meth:`Explorer.update`.

Imported only when the controls are built, so ipywidgets (the ``explore`` extra) is needed for
the sliders and for nothing else.
"""

from __future__ import annotations

import html

from polmodel.errors import PolmodelError
from polmodel.model.labels import label
from polmodel.model.levers import LEVER_NAMES, LEVERS_BY_NAME
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import AGGREGATORS

START_SUFFIX = "_start"
"""``update(<lever>_start=6)`` moves a lever's start month; ``update(<lever>=0.6)`` its intensity."""

INITIAL_PREFIX = "initial."
"""``update(**{"initial.<state>": 0.6})`` sets an initial state (assumptions may be states)."""


class Controls:
    """Dropdowns for the starting policy and the fuzzy AND, sliders for levers and assumptions.

    ``controls[key]`` is the widget of one :meth:`polmodel.room.explorer.Explorer.update` key.
    Setting a widget's ``value`` (in a browser or from code) reruns the explorer and shows the
    new figure; a value the model refuses shows its one-line message instead.

    Parameters
    ----------
    explorer : polmodel.room.explorer.Explorer
    """

    def __init__(self, explorer) -> None:
        try:
            import ipywidgets as widgets
        except ImportError:  # depends on the environment; explore() says how to install it
            widgets = None
        if widgets is None:
            raise PolmodelError("the explorer's sliders need ipywidgets: "
                                "pip install 'polmodel[explore]'")
        w = widgets
        ex = self.explorer = explorer
        self._holding = False
        h = ex.scenario.horizon
        narrow = {"description_width": "initial"}
        c: dict = {
            "policy": w.Dropdown(options=list(ex.scenario.policies), value=ex.base_policy,
                                 description="start from policy", style=narrow),
            "aggregator": w.Dropdown(options=list(AGGREGATORS), value=ex.aggregator,
                                     description="fuzzy AND", style=narrow),
        }
        for lever in LEVER_NAMES:
            c[lever] = w.FloatSlider(min=0.0, max=1.0, step=0.05, style=narrow,
                                     description=LEVERS_BY_NAME[lever].label)
            c[lever + START_SUFFIX] = w.IntSlider(min=0, max=h - 1, step=1, style=narrow,
                                                  description="from month")
        captions = {}
        for name, (value, low, high) in ex.ranges.items():
            meaning = (PARAMETERS[name].meaning if name in PARAMETERS
                       else f"initial {name.removeprefix(INITIAL_PREFIX)}")
            # The label a room reads above the slider, the name --set takes beside it.
            captions[name] = w.HTML(f"{html.escape(label(name))} <code>({html.escape(name)})</code>")
            c[name] = w.FloatSlider(value=value, min=low, max=high, step=(high - low) / 50 or 0.01,
                                    readout_format=".2g", description="", style=narrow,
                                    tooltip=meaning)
        self.widgets = c
        self.image = w.Image(format="png", value=ex.png())
        self.verdict = w.HTML(self._verdict_html())
        self.message = w.HTML("")
        self.sync()
        for key, control in c.items():
            control.observe(lambda change, key=key: self.changed(key, change["new"]), names="value")
        reset = w.Button(description="reset to policy", tooltip="the policy's levers again")
        reset.on_click(lambda _: self.changed("policy", c["policy"].value))
        levers = w.VBox([w.HTML("<b>Levers</b> (intensity, start month)")]
                        + [w.HBox([c[lv], c[lv + START_SUFFIX]]) for lv in LEVER_NAMES])
        heading = f"<b>Assumptions</b> (those that move {html.escape(ex.base_policy)} most)"
        assumptions = w.VBox([w.HTML(heading)] + [w.VBox([captions[n], c[n]]) for n in ex.ranges])
        self.captions = captions
        self.layout = w.VBox([w.HBox([c["policy"], reset, c["aggregator"]]), self.image,
                              self.verdict, self.message, w.HBox([levers, assumptions])])

    def __getitem__(self, key: str):
        return self.widgets[key]

    def __contains__(self, key: str) -> bool:
        return key in self.widgets

    def sync(self) -> None:
        """Show the explorer's current settings on every control, without a rerun per control."""
        ex, c = self.explorer, self.widgets
        self._holding = True
        try:
            for lever, s in ex.settings.items():
                c[lever].value = s.intensity
                c[lever + START_SUFFIX].value = s.start
            for name, value in ex.values.items():
                c[name].value = value
            c["policy"].value = ex.base_policy
            c["aggregator"].value = ex.aggregator
        finally:
            self._holding = False

    def changed(self, key: str, value) -> None:
        """A control moved: rerun, then show the figure and the verdict (or the error)."""
        if self._holding:
            return
        try:
            self.explorer.update(**{key: value})
        except PolmodelError as err:
            self.message.value = f"<span style='color:#b2182b'>{html.escape(str(err))}</span>"
            return
        self.message.value = ""
        self.image.value = self.explorer.png()
        self.verdict.value = self._verdict_html()

    def _verdict_html(self) -> str:
        return f"<p>{html.escape(self.explorer.result.verdict())}</p>"
