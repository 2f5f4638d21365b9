"""``polmodel room``: the live room, a local web app for the workshop (the ``room`` extra)."""

from __future__ import annotations

from pathlib import Path

import click

from polmodel.cli.app import main
from polmodel.cli.common import BadInput, _library_errors
from polmodel.cli.writing import OutFolder


@main.command("room")
@click.argument("scenario", required=False, metavar="[SCENARIO]")
@click.option("--folder", type=click.Path(path_type=Path), metavar="DIR",
              help="The session folder: every submission is kept there (SQLite); the same "
                   "folder resumes the session [default: SCENARIO-room here].")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--lan", is_flag=True,
              help="Listen on the local network too, so phones on the same Wi-Fi can join "
                   "(default: this laptop only).")
@click.option("--worlds", type=click.IntRange(16, 20000),
              help="Plausible worlds behind the projector's answer [default: 10000 with the "
                   "compiled engine, 1000 with numpy].")
@click.option("--engine", type=click.Choice(["auto", "numpy", "compiled"]), default="auto",
              show_default=True,
              help="How the worlds are run: the compiled engine where a C compiler builds it "
                   "(auto), or numpy.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: same seed, same worlds.")
@click.option("--export", "export_to", type=OutFolder(), metavar="DIR",
              help="Write the session's files (estimates CSV with rounds, the pooled scenario, "
                   "its handout) to DIR and stop, without starting the room.")
@click.option("--force", is_flag=True, help="With --export: replace files another command wrote.")
@_library_errors
def room_command(scenario, folder, port, lan, worlds, seed, export_to, force, engine="auto"):
    """Start the live room for a workshop: a projector page and a page for participants' phones.

    Prints two addresses: the projector's (open it on the laptop that is projected; it carries
    the facilitator key once, then forgets it from the address bar) and the participants' (with
    the join code, also shown on the projector with a QR code). Ctrl-C stops the room; running
    the same command again resumes it.
    """
    from polmodel.names import slug

    if folder is None:
        folder = Path(f"{slug(Path(scenario).stem if scenario else 'venezuela-2018')}-room")
    resuming = (folder / "room.sqlite3").is_file()
    if export_to is None:
        try:
            import starlette  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            raise BadInput("polmodel room needs the room extra: pip install \"polmodel[room]\"") from None
    elif not resuming:
        raise BadInput(f"--export: {folder} holds no room session; allowed: the --folder of a "
                       "session `polmodel room` ran")
    from polmodel.room.live.picture import COMPILED_WORLDS, DEFAULT_WORLDS, default_engine
    from polmodel.room.live.session import Room

    if engine == "auto":
        engine = default_engine() if export_to is None else "numpy"
    if worlds is None:
        worlds = COMPILED_WORLDS if engine == "compiled" else DEFAULT_WORLDS
    room = Room(folder, scenario, worlds=worlds, seed=seed, engine=engine)
    if export_to is not None:
        _export(room, export_to, force)
        return
    from polmodel.room.live.server import serve

    click.echo(f"{'resuming' if resuming else 'new'} session in {folder} "
               f"(scenario {room.scenario.name}, {worlds:,} plausible worlds, {engine} engine); "
               "Ctrl-C stops the room", err=True)
    from polmodel.cli.options import _note_placeholders

    _note_placeholders(room.scenario)  # the room would show the template's numbers as a case's
    serve(room, port=port, lan=lan, say=click.echo)


def _export(room, out: Path, force: bool) -> None:
    from polmodel.cli.writing import commit_out, prepare_out
    from polmodel.errors import PolmodelError
    from polmodel.room.live.export import export_texts, file_names

    names = list(file_names(room).values())
    try:
        with prepare_out(out, "room", names, force) as outset:
            commit_out(outset, export_texts(room), scenario=room.scenario, seed=room.seed)
    except PolmodelError as err:  # the output set's words name --out; here it is --export
        raise PolmodelError(str(err).replace("--out", "--export")) from None
