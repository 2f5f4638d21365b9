"""polmodel: the four conditions for a change of course, and policy levers under uncertainty.

polmodel reports sensitivity, not predictions: which assumptions decide whether a lever helps,
as shares of plausible worlds under a scenario's stated assumptions.

The public names are imported on first use, so ``import polmodel`` and ``polmodel --help``
stay fast.
"""

from importlib import import_module

__version__ = "0.3.0.dev0"

_PUBLIC = {
    "PolmodelError": "polmodel.errors",
    "Scenario": "polmodel.scenario.definition",
    "load_scenario": "polmodel.scenario.loading",
    "list_scenarios": "polmodel.scenario.loading",
    "Policy": "polmodel.model.levers",
    "LeverSetting": "polmodel.model.levers",
    "simulate": "polmodel.model.integrator",
    "run": "polmodel.analysis.runs",
    "RunResult": "polmodel.analysis.runs",
    "sample_worlds": "polmodel.analysis.worlds",
    "compare": "polmodel.analysis.comparison",
    "Comparison": "polmodel.analysis.comparison",
    "sensitivity": "polmodel.analysis.sensitivity_analysis",
    "Sensitivity": "polmodel.analysis.sensitivity_analysis",
    "discover": "polmodel.analysis.discovery",
    "Discovery": "polmodel.analysis.discovery",
    "sweep": "polmodel.analysis.sweeps",
    "Sweep": "polmodel.analysis.sweeps",
    "Question": "polmodel.analysis.questions",
    "explore": "polmodel.room.explorer",
    "elicit": "polmodel.room.elicitation",
    "handout": "polmodel.room.handout",
    # what a scenario is made of, for notebooks and scripts that read or write one
    "STATES": "polmodel.model.states",
    "CONDITIONS": "polmodel.model.states",
    "LEVERS": "polmodel.model.levers",
    "LEVERS_BY_NAME": "polmodel.model.levers",
    "PARAMETERS": "polmodel.model.parameters",
    "label": "polmodel.model.labels",
    "LABELS": "polmodel.model.labels",
    "MECHANISMS_BY_NAME": "polmodel.model.parameters",
    "CONTEXT_NAMES": "polmodel.scenario.schema",
    "apply_settings": "polmodel.scenario.whatif",
    "scenario_dir": "polmodel.scenario.loading",
    "scenario_toml": ("polmodel.scenario.toml_writer", "dumps"),
    "trusted_files": "polmodel.views.manifests",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        where = _PUBLIC[name]
        module, attribute = where if isinstance(where, tuple) else (where, name)
        value = getattr(import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'polmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
