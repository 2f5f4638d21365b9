"""Output folders whose files cannot mislead: whole sets, a manifest written last, one writer.

One folder may hold the outputs of several commands (``levers``, ``run`` and ``compare`` sent to
one ``figs``), so each command's *set* of files is written as a unit:

1. :func:`prepare`, before any computation: the folder is made and probed for writing, the
   planned file names are checked (plain names, not taken by folders), a lock is taken so that
   no other run writes the same set at the same time, temporaries left by killed runs are
   removed, and replacing the files of another run needs ``force``.
2. :meth:`OutputSet.commit`, after the computation: every file goes to a temporary in the
   folder, the set's old manifest is removed, the temporaries are renamed into place, files
   of the old set that the new one lacks are removed, and the manifest is written *last*:
   version, command, scenario and its content hash, seed, worlds, each file with its SHA-256,
   and the time.

A killed run therefore leaves either a complete set under its manifest, or files that no
manifest lists. Readers (:func:`trusted_files`, :func:`read_trusted`) trust only files that a
manifest lists with a matching hash.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import glob
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polmodel.errors import PolmodelError

MANIFEST_SUFFIX = ".manifest"
"""A set's manifest is ``<label>.manifest`` (JSON) in the same folder."""

MANIFEST_FORMAT = 1

_MAX_NAME_BYTES = 200  # leaves room for the temporary's prefix and suffix under NAME_MAX (255)
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


def manifest_name(label: str) -> str:
    """File name of the manifest of the set ``label``."""
    return f"{label}{MANIFEST_SUFFIX}"


def _lock_name(label: str) -> str:
    return f".{label}.lock"


def _temporary_pattern(name: str) -> str:
    return f".{glob.escape(name)}.*.part"


def check_file_name(name: str, what: str = "output file name") -> str:
    """A plain file name: no folder separators, control characters, or leading dot; not too long."""
    if (not isinstance(name, str) or not name or name in (".", "..") or name.startswith(".")
            or _BAD_NAME.search(name) or len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES):
        raise PolmodelError(f"{what} {name!r:.120} cannot be written: allowed: a name without '/', "
                            f"'\\', control characters or a leading dot, at most {_MAX_NAME_BYTES} "
                            "bytes (rename the scenario or policy)")
    return name


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no other way to read it; put it straight back
    os.umask(mask)
    return mask


def _os_reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


@dataclass
class OutputSet:
    """The files one command writes into one folder, locked from :func:`prepare` to :meth:`close`.

    Use as a context manager: ``with prepare(...) as out: ...; out.commit(files, info)``.
    """

    folder: Path
    label: str
    names: tuple[str, ...] | None
    force: bool = False
    listed: bool = True
    """False for files the user names one by one (``report --out FILE``): no manifest; the
    files carry their provenance inside (see :func:`prepare_file`)."""
    _lock_fd: int | None = field(default=None, repr=False)
    _committed: bool = field(default=False, repr=False)
    _created: tuple[Path, ...] = field(default=(), repr=False)

    @property
    def manifest(self) -> Path:
        """Path of this set's manifest."""
        return self.folder / manifest_name(self.label)

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the lock (removing the lock file while still holding it).

        Folders :func:`prepare` made are removed again if nothing was committed and they are
        empty, so a run refused for bad input leaves nothing behind.
        """
        if self._lock_fd is None:
            return
        try:
            os.unlink(self.folder / _lock_name(self.label))
        except OSError:
            pass
        os.close(self._lock_fd)
        self._lock_fd = None
        if not self._committed:
            _remove_empty(self._created)

    def commit(self, files: Mapping[str, bytes | str], info: Mapping[str, Any]) -> Path:
        """Write the set: temporaries, renames, then the manifest; return the manifest's path.

        Parameters
        ----------
        files : mapping of str to bytes or str
            Exactly the names given to :func:`prepare` (any plain names if it was given None),
            with their contents (text as UTF-8).
        info : mapping
            Provenance for the manifest (command, scenario, its hash, seed, worlds, ...); plain
            JSON values.

        Raises
        ------
        PolmodelError
            If the folder cannot be written after all (one line; nothing is left half-written).
        """
        if self._lock_fd is None or self._committed:
            raise PolmodelError(f"{self.folder}: this output set is closed; prepare a new one")
        if self.names is None:  # names known only now: the checks prepare could not make
            self.names = tuple(check_file_name(n) for n in files)
            _check_targets(self.folder, self.label, self.names, self.force, _read_manifest(self.manifest))
        if not files or not set(files) <= set(self.names):
            raise PolmodelError(f"{self.folder}: files {sorted(files)} differ from those planned "
                                f"{sorted(self.names)}")
        # Planned names are checked before computing; a set may turn out to hold fewer (a figure
        # a result has nothing to draw for): it is the files written that the manifest lists.
        self.names = tuple(n for n in self.names if n in files)
        data = {n: (v.encode("utf-8") if isinstance(v, str) else bytes(v)) for n, v in files.items()}
        mode = 0o666 & ~_umask()
        temporaries: dict[str, str] = {}
        try:
            for name in self.names:
                temporaries[name] = _write_temporary(self.folder, name, data[name], mode)
            for name in self.names:  # again, just before replacing: a FIFO made since is kept
                _refuse_unreplaceable(self.folder / name)
            if not self.listed:
                for name in self.names:
                    _replace(temporaries.pop(name), self.folder / name)
                _remove_legacy_manifest(self.manifest, self.names)
                _fsync_dir(self.folder)
                self._committed = True
                return self.folder / self.names[0]
            old = _read_manifest(self.manifest)
            # No complete manifest may list files that are being replaced: remove it first.
            _unlink(self.manifest)
            _fsync_dir(self.folder)
            for name in self.names:
                _replace(temporaries.pop(name), self.folder / name)
            if old is not None:
                for name in set(old.get("files", {})) - set(self.names):
                    if isinstance(name, str) and not _BAD_NAME.search(name) and name not in (".", ".."):
                        _unlink(self.folder / name)
            manifest = {
                "manifest": MANIFEST_FORMAT,
                **{k: v for k, v in info.items() if k not in ("files", "complete")},
                "label": self.label,
                "written": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "files": {n: {"sha256": hashlib.sha256(data[n]).hexdigest(), "bytes": len(data[n])}
                          for n in self.names},
                "complete": True,
            }
            text = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
            _replace(_write_temporary(self.folder, self.manifest.name, text.encode("utf-8"), mode),
                     self.manifest)
            _fsync_dir(self.folder)
        except OSError as err:
            if not self.listed:
                raise PolmodelError(f"{self.folder / self.names[0]}: cannot write: "
                                    f"{_os_reason(err)}; no file was replaced") from None
            raise PolmodelError(f"{self.folder}: cannot write the output files: {_os_reason(err)}; "
                                "nothing from this run is listed as complete") from None
        finally:
            for tmp in temporaries.values():
                _unlink(Path(tmp))
        self._committed = True
        return self.manifest


def prepare(folder: Path | str, label: str, names: Iterable[str] | None, *,
            force: bool = False, listed: bool = True) -> OutputSet:
    """Check a destination before any computation and lock it for one set of files.

    Parameters
    ----------
    folder : Path or str
        Destination folder, created if needed.
    label : str
        Names the set and its manifest (``"venezuela-2018-compare"``).
    names : iterable of str, or None
        File names the set will hold; None when they are known only after the computation
        (their checks then happen in :meth:`OutputSet.commit`, before anything is written).
    force : bool
        Replace files of another run (without it, existing files of the set are an error).
    listed : bool
        Write a manifest listing the set (False: see :func:`prepare_file`).

    Returns
    -------
    OutputSet
        Holding the folder's lock for this set until closed.

    Raises
    ------
    PolmodelError
        If the folder cannot be made or written, a name is not a plain file name or is taken by
        a folder, another run is writing the same set now, or files would be replaced without
        ``force``.
    """
    folder = Path(folder)
    check_file_name(label, "output set")
    names = None if names is None else tuple(dict.fromkeys(check_file_name(n) for n in names))
    where = str(folder)
    created = []
    parent = folder
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        created.append(parent)
        parent = parent.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PolmodelError(f"{where}: exists and is not a folder; allowed: a folder (new or "
                            "existing) for the output files") from None
    except OSError as err:
        raise PolmodelError(f"{where}: cannot make this folder: {_os_reason(err)}; choose another "
                            "folder") from None
    if not folder.is_dir():
        raise PolmodelError(f"{where}: exists and is not a folder; allowed: a folder for the output files")
    try:
        _unlink(Path(_write_temporary(folder, "probe", b"", 0o600)))
    except OSError as err:
        raise PolmodelError(f"{where}: cannot write here: {_os_reason(err)}; choose another folder "
                            "(checked before computing, so nothing was lost)") from None
    if listed and (folder / manifest_name(label)).is_dir():
        raise PolmodelError(f"{folder / manifest_name(label)}: is a folder, so the output set's "
                            "manifest cannot be written; move that folder or choose another --out")
    out = OutputSet(folder, label, names, force, listed, _created=tuple(created))
    try:
        out._lock_fd = _lock(folder, label)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        for name in (*(names or ()), manifest_name(label), "probe"):
            for stale in folder.glob(_temporary_pattern(name)):
                _unlink(stale)
        old = _read_manifest(out.manifest)
        if old is not None:  # temporaries of the files of the last complete set
            for name in old["files"]:
                if isinstance(name, str) and check_name_quietly(name):
                    for stale in folder.glob(_temporary_pattern(name)):
                        _unlink(stale)
        if (folder / manifest_name(label)).exists() and not force:
            raise PolmodelError(f"{where}: {manifest_name(label)} already exists from another run; "
                                "pass --force to replace its files, or choose another --out folder")
        _check_targets(folder, label, names or (), force, old)
    except BaseException:
        out.close()
        raise
    return out


def prepare_file(path: Path | str, *, force: bool = False, also: Iterable[str] = (),
                 ours: Callable[[Path], bool] | None = None) -> OutputSet:
    """:func:`prepare` for files the user names (``report --out FILE`` and its ``--pdf``).

    No manifest is written beside them: each file carries polmodel's provenance inside, and
    ``ours(path)`` says whether an existing file does. The rule, checked before computing and
    again just before replacing:

    - a regular file that ``ours`` recognises is replaced without ``force`` (running the same
      command twice works);
    - any other existing file needs ``force``;
    - a file that is not a regular file (a folder, a device such as ``/dev/null``, a FIFO, a
      socket) is never replaced, even with ``force``.

    Parameters
    ----------
    path : Path or str
        The file named by the user.
    force : bool
        Replace an existing file that is not recognised as polmodel's.
    also : iterable of str
        Names of further files written beside it in the same set (the PDF).
    ours : callable, optional
        ``ours(path) -> bool`` for an existing regular file; None: no file is recognised.

    Returns
    -------
    OutputSet
        Commit it with ``out.commit({name: data, ...}, info)``; ``info`` is not written.
    """
    path = Path(path)
    folder, names = path.parent, [path.name, *also]
    for name in names:
        check_file_name(name, "--out file name")
    if len(set(names)) < len(names):
        raise PolmodelError(f"{path}: two outputs would have this one name; give --out a name "
                            "ending in .html")
    _check_named(folder, names, force, ours)  # before making the folder, probing or locking
    out = prepare(folder, path.name, names, force=True, listed=False)
    try:
        _check_named(folder, names, force, ours)
    except BaseException:
        out.close()
        raise
    return out


def _check_named(folder: Path, names: Iterable[str], force: bool,
                 ours: Callable[[Path], bool] | None) -> None:
    for name in names:
        path = folder / name
        kind = _refuse_unreplaceable(path)
        if kind == "regular" and ours is not None and ours(path):
            continue
        if kind != "missing" and not force:
            raise PolmodelError(f"{path}: exists and is not a file polmodel wrote (no polmodel "
                                "provenance inside); pass --force to replace it, or choose "
                                "another --out")


def _kind(path: Path) -> str:
    """'missing', 'regular', 'link' (to a regular file, or to nothing), 'folder' or 'special'."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as err:
        raise PolmodelError(f"{path}: cannot check this output file: {_os_reason(err)}") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError:
            return "link"
        if stat.S_ISREG(st.st_mode):
            return "link"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    return "regular" if stat.S_ISREG(st.st_mode) else "special"


def _refuse_unreplaceable(path: Path) -> str:
    """The kind of ``path`` (see :func:`_kind`); a folder or a special file is refused."""
    kind = _kind(path)
    if kind == "folder":
        raise PolmodelError(f"{path}: is a folder, so the output file cannot be written; move "
                            "that folder or choose another --out")
    if kind == "special":
        raise PolmodelError(f"{path}: is not a regular file (a device, a FIFO or a socket); "
                            "polmodel never replaces one, even with --force; choose another --out")
    return kind


def _remove_legacy_manifest(manifest: Path, names: Iterable[str]) -> None:
    """Remove ``<file>.manifest`` that earlier versions wrote beside a file the user named."""
    old = _read_manifest(manifest)
    if old is not None and set(old["files"]) <= set(names):
        _unlink(manifest)


def _check_targets(folder: Path, label: str, names: Iterable[str], force: bool,
                   old: dict | None) -> None:
    """No target is a folder; without ``force``, no file of this or the last set exists."""
    names = tuple(names)
    for name in names:
        _refuse_unreplaceable(folder / name)  # even with force
    if force:
        return
    existing = [n for n in names if _kind(folder / n) != "missing"]
    existing += [n for n in (old or {}).get("files", {}) if isinstance(n, str) and n not in existing
                 and check_name_quietly(n) and (folder / n).exists()]
    if existing:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        verb, them = ("exist", "them") if more else ("exists", "it")
        raise PolmodelError(f"{folder}: {existing[0]}{more} already {verb}; pass --force to "
                            f"replace {them}, or choose another --out")


def check_name_quietly(name: str) -> bool:
    """True if ``name`` is a plain file name (see :func:`check_file_name`)."""
    try:
        check_file_name(name)
    except PolmodelError:
        return False
    return True


def _lock(folder: Path, label: str) -> int:
    """Take the folder's lock for ``label`` without waiting; return its file descriptor."""
    path = folder / _lock_name(label)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        except OSError as err:
            raise PolmodelError(f"{folder}: cannot write here: {_os_reason(err)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise PolmodelError(f"{folder}: another polmodel run is writing {label} files here "
                                    "now; wait for it to finish, or choose another --out folder") from None
            raise PolmodelError(f"{folder}: cannot lock the output files: {_os_reason(err)}") from None
        # The holder before us removes the lock file before releasing it: if the file we
        # locked is no longer the one at the path, lock again.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _remove_empty(folders: Iterable[Path]) -> None:
    """Remove folders this run made (deepest first) while they are empty."""
    for made in folders:
        try:
            made.rmdir()
        except OSError:
            return


def _write_temporary(folder: Path, name: str, data: bytes, mode: int) -> str:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; outputs follow the umask like any other file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        _unlink(Path(tmp))
        raise
    return tmp


def _replace(tmp: str, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except IsADirectoryError:
        raise PolmodelError(f"{target}: is a folder, so the output file cannot be written; move "
                            "that folder or choose another --out") from None


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_manifest(path: Path) -> dict | None:
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
        data = _read_manifest(path)
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
                raise PolmodelError(f"{folder / name}: cannot read: {_os_reason(err)}") from None
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

    Two scenarios with the same digest give the same numbers under the same seed and options.
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
