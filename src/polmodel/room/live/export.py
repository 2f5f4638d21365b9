"""The session as the files the rest of polmodel reads.

- ``estimates.csv``: every participant's latest estimates, per round, in the estimates file's
  columns plus ``round`` (``polmodel elicit FILE --round N`` reads it; the latest round by
  default);
- ``<scenario>-room.toml``: the scenario with the latest round's estimates pooled into it
  (``polmodel compare`` runs it);
- ``<scenario>-room-handout.html``: the handout of that pooled scenario.

Each is a pure function of the session; the projector serves them as downloads, and
``polmodel room --export DIR`` writes them as one output set.
"""

from __future__ import annotations

import csv
import io

from polmodel.errors import PolmodelError
from polmodel.names import slug
from polmodel.room.estimates_file import COLUMNS

ROUND = "round"


def estimates_csv(room) -> str:
    """Every round's latest estimates as CSV (``participant,...,high,round``)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*COLUMNS, ROUND])
    for r in room.estimates():
        w.writerow([r.participant, r.parameter, repr(r.low), repr(r.best), repr(r.high), r.round])
    return out.getvalue()


def latest_rows(room):
    """The latest round's estimates (round 2 once anyone answered it, else round 1)."""
    rows = room.estimates()
    if not rows:
        raise PolmodelError(f"{room.folder}: no estimates yet; allowed: export once participants "
                            "have answered")
    last = max(r.round for r in rows)
    return [r for r in rows if r.round == last], last


def pooled_toml(room) -> str:
    """The scenario file with the latest round's estimates pooled in."""
    from polmodel.room.elicitation import elicit

    _, last = latest_rows(room)
    a, b = room.settings.pair
    toml = elicit(room.estimates(), room.scenario, worlds=64, seed=room.seed, policies=[a, b],
                  round=last, per_number=False).pooled_toml
    # elicit names a file it read; these rows came from the room's session folder
    from polmodel.errors import escape_controls

    return toml.replace("Estimates: given in code",
                        f"Estimates: polmodel room, session folder "
                        f"{escape_controls(room.folder.name)}", 1)


def handout_html(room, toml_text: str | None = None) -> str:
    """The handout of the pooled scenario (the room's question, the room's estimates)."""
    import tomllib

    from polmodel.room.handout import handout
    from polmodel.scenario.definition import scenario_from_dict

    text = toml_text if toml_text is not None else pooled_toml(room)
    sc = scenario_from_dict(tomllib.loads(text), name=f"{room.scenario.name}-room")
    return handout(sc, pair=tuple(room.settings.pair), seed=room.seed, brief=True)


def file_names(room) -> dict[str, str]:
    """The export's file names: estimates CSV, pooled scenario, handout."""
    stem = f"{slug(room.scenario.name)}-room"
    return {"estimates": "estimates.csv", "scenario": f"{stem}.toml",
            "handout": f"{stem}-handout.html"}


def export_texts(room) -> dict[str, str]:
    """File name -> text, for the whole export."""
    names = file_names(room)
    toml = pooled_toml(room)
    return {names["estimates"]: estimates_csv(room), names["scenario"]: toml,
            names["handout"]: handout_html(room, toml)}
