"""Manifests: what each output set lists, and the files readers may therefore trust.

A set's manifest ``<label>.manifest`` (JSON, written last by :meth:`OutputSet.commit
<polmodel.views.outputs.OutputSet.commit>`) holds the version, command, scenario and its content
hash (:func:`scenario_digest`), seed, worlds, each file with its size and SHA-256, and the time.
Readers (:func:`trusted_files`, :func:`read_trusted`) trust only files that a complete manifest
lists with a matching hash.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.views.atomic import check_name_quietly, os_reason

MANIFEST_SUFFIX = ".manifest"
"""A set's manifest is ``<label>.manifest`` (JSON) in the same folder."""

MANIFEST_FORMAT = 1


def manifest_name(label: str) -> str:
    """File name of the manifest of the set ``label``."""
    return f"{label}{MANIFEST_SUFFIX}"


def manifest_text(label: str, info: Mapping[str, Any], data: Mapping[str, bytes],
                  names: Iterable[str]) -> str:
    """The JSON text of the manifest of the set ``label``, listing ``names`` with their hashes.

    ``info`` is the provenance (command, scenario, its hash, seed, worlds, ...); the time is now.
    """
    manifest = {
        "manifest": MANIFEST_FORMAT,
        **{k: v for k, v in info.items() if k not in ("files", "complete")},
        "label": label,
        "written": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "files": {n: {"sha256": hashlib.sha256(data[n]).hexdigest(), "bytes": len(data[n])}
                  for n in names},
        "complete": True,
    }
    return json.dumps(manifest, indent=2, allow_nan=False) + "\n"


def read_manifest(path: Path) -> dict | None:
    """A manifest's content if it is complete (parses, says complete, lists files); else None."""
    try:
        with open(path, "rb") as f:
            raw = f.read(10_000_000)
        data = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None
    if not (isinstance(data, dict) and data.get("complete") is True
            and isinstance(data.get("files"), dict)):
        return None
    return data


# ---------------------------------------------------------------------------------------------
# Reading outputs back


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifests(folder: Path | str) -> dict[str, dict]:
    """Every complete manifest in ``folder``, by set label."""
    out = {}
    for path in sorted(Path(folder).glob(f"*{MANIFEST_SUFFIX}")):
        data = read_manifest(path)
        if data is not None:
            out[path.name.removesuffix(MANIFEST_SUFFIX)] = data
    return out


def trusted_files(folder: Path | str) -> dict[str, Path]:
    """Files of ``folder`` that a complete manifest lists with a matching size and hash.

    Anything else in the folder (a file of a killed run, a file changed since, a temporary) is
    not trusted, and left out.
    """
    folder = Path(folder)
    out = {}
    for data in manifests(folder).values():
        for name, entry in data["files"].items():
            if not (isinstance(name, str) and check_name_quietly(name) and isinstance(entry, dict)):
                continue
            path = folder / name
            try:
                ok = (path.is_file() and path.stat().st_size == entry.get("bytes")
                      and sha256_file(path) == entry.get("sha256"))
            except OSError:
                ok = False
            if ok:
                out[name] = path
    return out


def read_trusted(folder: Path | str, name: str) -> bytes:
    """The bytes of an output file, only if a complete manifest lists it with this hash.

    Raises
    ------
    PolmodelError
        If no complete manifest lists the file, or it changed since.
    """
    folder = Path(folder)
    for data in manifests(folder).values():
        entry = data["files"].get(name)
        if isinstance(entry, dict):
            try:
                raw = (folder / name).read_bytes()
            except OSError as err:
                raise PolmodelError(f"{folder / name}: cannot read: {os_reason(err)}") from None
            if hashlib.sha256(raw).hexdigest() == entry.get("sha256"):
                return raw
            raise PolmodelError(f"{folder / name}: changed since its run wrote it (hash differs "
                                "from the manifest); run the command again")
    raise PolmodelError(f"{folder / name}: no complete manifest lists this file (a run was "
                        "interrupted, or it is not a polmodel output); run the command again")


# ---------------------------------------------------------------------------------------------
# Provenance


def scenario_digest(scenario: Any) -> str:
    """SHA-256 of a scenario's content (every value, range, source and policy), not its path.

    Two scenarios with the same digest give the same numbers under the same seed and options (on
    one machine; within 1e-12 on a CPU whose exp differs).
    """
    return hashlib.sha256(json.dumps(_plain(scenario), sort_keys=True, allow_nan=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.compare and f.name not in ("path", "name")}  # not caches (compare=False)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    return value
