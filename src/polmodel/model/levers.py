"""Levers (what a user chooses) and policies (named sets of lever settings).

A lever is one instrument with an intensity in [0, 1] that acts from a start month until an
optional end month. Levers are kept apart from the uncertain parameters on purpose: levers are
chosen, parameters are not known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.limits import MAX_HORIZON, check_number, check_text, check_whole
from polmodel.mappings import ReadOnlyMapping
from polmodel.model.parameters import MECHANISMS
from polmodel.names import check_free_text, check_name


@dataclass(frozen=True)
class Lever:
    """One policy instrument and a neutral, plain-language description of it."""

    name: str
    label: str
    description: str

    @property
    def mechanisms(self) -> tuple[str, ...]:
        """Names of the mechanisms this lever feeds (from the mechanism table)."""
        return tuple(m.name for m in MECHANISMS if self.name in m.levers)


LEVERS: tuple[Lever, ...] = (
    Lever("targeted_sanctions", "targeted sanctions",
          "Asset freezes, travel bans and indictments aimed at named officials and their associates."),
    Lever("broad_sanctions", "broad sanctions",
          "Sanctions on the state oil company, government finance and trade, which reach the whole economy."),
    Lever("illicit_enforcement", "illicit-revenue enforcement",
          "Action against the purchase and laundering of illegally mined gold and drug proceeds."),
    Lever("multilateral_coordination", "multilateral coordination",
          "A shared strategy among regional and global actors (Lima Group, OAS, EU, UN agencies)."),
    Lever("opposition_support", "support for civil society and the opposition",
          "Political, technical and financial support for civil society, independent press and the opposition."),
    Lever("negotiation", "negotiation with off-ramps",
          "Dialogue with the government that offers guarantees (amnesty, exit, a political future) to its pragmatic sectors."),
    Lever("sanctions_relief", "sanctions relief",
          "Easing sanctions or licensing oil operations, as a concession or in exchange for talks."),
    Lever("humanitarian_aid", "humanitarian aid",
          "Food, medicine and health support delivered inside the country."),
    Lever("force_threat", "threat of force",
          "Public statements that military options are being considered."),
)

LEVER_NAMES: tuple[str, ...] = tuple(lever.name for lever in LEVERS)
LEVERS_BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}


@dataclass(frozen=True)
class LeverSetting:
    """How hard a lever is pulled, and when.

    Parameters
    ----------
    intensity : float
        In [0, 1].
    start : int
        First month (0-based) in which the lever acts.
    end : int or None
        Month in which it stops acting (exclusive); None for the whole horizon.
    """

    intensity: float
    start: int = 0
    end: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "intensity", check_number(self.intensity, "intensity", 0.0, 1.0))
        object.__setattr__(self, "start", check_whole(self.start, "start", 0, what="months"))
        if self.end is not None:
            object.__setattr__(self, "end", check_whole(self.end, "end", 1, what="months"))
        if self.end is not None and self.end <= self.start:
            raise PolmodelError(f"end: {self.end} is not after start ({self.start})")


@dataclass(frozen=True)
class Policy:
    """A named set of lever settings; levers not named are off.

    Examples
    --------
    >>> p = Policy("targeted", {"targeted_sanctions": LeverSetting(0.7)})
    >>> p.schedule(3)[:, LEVER_NAMES.index("targeted_sanctions")]
    array([0.7, 0.7, 0.7])
    """

    name: str
    levers: Mapping[str, LeverSetting] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "policy name")
        check_text(self.description, f"policy {self.name!r}: description")
        check_free_text(self.description, f"policy {self.name!r}: description", multiline=True)
        if not isinstance(self.levers, Mapping):
            raise PolmodelError(f"policy {self.name!r}: levers {self.levers!r:.80} are "
                                f"{type(self.levers).__name__} values; allowed: a mapping of lever names "
                                "to LeverSetting")
        for lever, setting in self.levers.items():
            if not isinstance(setting, LeverSetting):
                raise PolmodelError(f"policy {self.name!r}: levers.{lever} is of type "
                                    f"{type(setting).__name__}; allowed: a LeverSetting")
        unknown = sorted(repr(k) for k in self.levers if k not in LEVER_NAMES)
        if unknown:
            raise PolmodelError(
                f"policy {self.name!r}: unknown lever {unknown[0]}; allowed: {', '.join(LEVER_NAMES)}"
            )
        object.__setattr__(self, "levers", ReadOnlyMapping(self.levers))

    def schedule(self, horizon: int) -> np.ndarray:
        """Lever intensities month by month.

        Parameters
        ----------
        horizon : int
            Number of monthly steps.

        Returns
        -------
        ndarray[horizon, n_levers]
            Intensity of each lever (columns in :data:`LEVER_NAMES` order) during each month.
        """
        horizon = check_whole(horizon, "horizon", 1, MAX_HORIZON, what="months")
        out = np.zeros((horizon, len(LEVER_NAMES)))
        for name, setting in self.levers.items():
            if setting.start >= horizon:
                raise PolmodelError(
                    f"policy {self.name!r}: levers.{name}.start = {setting.start} is past the "
                    f"horizon of {horizon} months; allowed: 0 to {horizon - 1}"
                )
            out[setting.start : setting.end, LEVER_NAMES.index(name)] = setting.intensity
        return out
