"""polmodel: the four conditions for a change of course, and policy levers under uncertainty.

polmodel reports sensitivity, not predictions: which assumptions decide whether a lever helps,
as shares of plausible worlds under a scenario's stated assumptions.

The public names are imported on first use, so ``import polmodel`` and ``polmodel --help``
stay fast.
"""

from importlib import import_module

__version__ = "0.2.0"

_PUBLIC = {
    "PolmodelError": "polmodel.errors",
    "Scenario": "polmodel.scenario",
    "load_scenario": "polmodel.scenario",
    "list_scenarios": "polmodel.scenario",
    "Policy": "polmodel.levers",
    "LeverSetting": "polmodel.levers",
    "simulate": "polmodel.model",
    "run": "polmodel.runs",
    "RunResult": "polmodel.runs",
    "sample_worlds": "polmodel.ensemble",
    "compare": "polmodel.comparison",
    "Comparison": "polmodel.comparison",
    "sensitivity": "polmodel.sensitivity_analysis",
    "Sensitivity": "polmodel.sensitivity_analysis",
    "discover": "polmodel.discovery",
    "Discovery": "polmodel.discovery",
    "sweep": "polmodel.sweeps",
    "Sweep": "polmodel.sweeps",
    "Question": "polmodel.questions",
    "explore": "polmodel.explorer",
    "elicit": "polmodel.elicitation",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'polmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
