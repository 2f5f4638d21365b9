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
manifest lists. Readers (:func:`~polmodel.views.manifests.trusted_files`,
:func:`~polmodel.views.manifests.read_trusted`) trust only files that a manifest lists with a
matching hash. The manifests are in :mod:`polmodel.views.manifests`; the file-system steps
(temporaries, atomic replaces, the lock) in :mod:`polmodel.views.atomic`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.views.atomic import (
    BAD_NAME,
    check_file_name,
    check_name_quietly,
    current_umask,
    fsync_dir,
    lock_name,
    os_reason,
    path_kind,
    refuse_unreplaceable,
    remove_empty,
    remove_file,
    replace,
    take_lock,
    temporary_pattern,
    write_temporary,
)
from polmodel.views.manifests import manifest_name, manifest_text, read_manifest


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
            os.unlink(self.folder / lock_name(self.label))
        except OSError:
            pass
        os.close(self._lock_fd)
        self._lock_fd = None
        if not self._committed:
            remove_empty(self._created)

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
            _check_targets(self.folder, self.label, self.names, self.force, read_manifest(self.manifest))
        if not files or not set(files) <= set(self.names):
            raise PolmodelError(f"{self.folder}: files {sorted(files)} differ from those planned "
                                f"{sorted(self.names)}")
        # Planned names are checked before computing; a set may turn out to hold fewer (a figure
        # a result has nothing to draw for): it is the files written that the manifest lists.
        self.names = tuple(n for n in self.names if n in files)
        data = {n: (v.encode("utf-8") if isinstance(v, str) else bytes(v)) for n, v in files.items()}
        mode = 0o666 & ~current_umask()
        temporaries: dict[str, str] = {}
        try:
            for name in self.names:
                temporaries[name] = write_temporary(self.folder, name, data[name], mode)
            for name in self.names:  # again, just before replacing: a FIFO made since is kept
                refuse_unreplaceable(self.folder / name)
            if not self.listed:
                for name in self.names:
                    replace(temporaries.pop(name), self.folder / name)
                _remove_legacy_manifest(self.manifest, self.names)
                fsync_dir(self.folder)
                self._committed = True
                return self.folder / self.names[0]
            old = read_manifest(self.manifest)
            # No complete manifest may list files that are being replaced: remove it first.
            remove_file(self.manifest)
            fsync_dir(self.folder)
            for name in self.names:
                replace(temporaries.pop(name), self.folder / name)
            if old is not None:
                for name in set(old.get("files", {})) - set(self.names):
                    if isinstance(name, str) and not BAD_NAME.search(name) and name not in (".", ".."):
                        remove_file(self.folder / name)
            text = manifest_text(self.label, info, data, self.names)
            replace(write_temporary(self.folder, self.manifest.name, text.encode("utf-8"), mode),
                    self.manifest)
            fsync_dir(self.folder)
        except OSError as err:
            if not self.listed:
                raise PolmodelError(f"{self.folder / self.names[0]}: cannot write: "
                                    f"{os_reason(err)}; no file was replaced") from None
            raise PolmodelError(f"{self.folder}: cannot write the output files: {os_reason(err)}; "
                                "nothing from this run is listed as complete") from None
        finally:
            for tmp in temporaries.values():
                remove_file(Path(tmp))
        self._committed = True
        return self.manifest


def check_folder(folder: object, what: str = "--out") -> Path:
    """An output folder's path as given: not empty, no control characters in any part.

    The rule ``report --out FILE`` holds a file name to (:func:`~polmodel.views.atomic.check_file_name`),
    for a folder: "" would quietly mean the current folder, and a control character would make
    a folder whose name breaks every line that shows it. ``/`` and ``..`` are fine: a folder may
    be anywhere the user can write.

    Raises
    ------
    PolmodelError
        One line naming ``what`` and the path, and what is allowed.

    Examples
    --------
    >>> check_folder("")
    Traceback (most recent call last):
    ...
    polmodel.errors.PolmodelError: --out '' is empty; allowed: a folder name (created if needed), e.g. figs, or . for this folder
    """
    text = os.fsdecode(folder) if isinstance(folder, (str, bytes, os.PathLike)) else None
    allowed = "a folder name (created if needed), e.g. figs, or . for this folder"
    if text is None:
        raise PolmodelError(f"{what} {folder!r:.80} is not a path; allowed: {allowed}")
    if not text:
        raise PolmodelError(f"{what} '' is empty; allowed: {allowed}")
    bad = next((ch for ch in text if ch != "/" and BAD_NAME.match(ch)), None)
    if bad is not None:
        raise PolmodelError(f"{what} {text!r:.120} holds the control character U+{ord(bad):04X}; "
                            "allowed: a folder name without control characters, e.g. figs")
    return Path(text)


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
    folder = check_folder(folder)
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
        raise PolmodelError(f"{where}: cannot make this folder: {os_reason(err)}; choose another "
                            "folder") from None
    if not folder.is_dir():
        raise PolmodelError(f"{where}: exists and is not a folder; allowed: a folder for the output files")
    try:
        remove_file(Path(write_temporary(folder, "probe", b"", 0o600)))
    except OSError as err:
        raise PolmodelError(f"{where}: cannot write here: {os_reason(err)}; choose another folder "
                            "(checked before computing, so nothing was lost)") from None
    if listed and (folder / manifest_name(label)).is_dir():
        raise PolmodelError(f"{folder / manifest_name(label)}: is a folder, so the output set's "
                            "manifest cannot be written; move that folder or choose another --out")
    out = OutputSet(folder, label, names, force, listed, _created=tuple(created))
    try:
        out._lock_fd = take_lock(folder, label)
    except BaseException:
        remove_empty(created)
        raise
    try:
        for name in (*(names or ()), manifest_name(label), "probe"):
            for stale in folder.glob(temporary_pattern(name)):
                remove_file(stale)
        old = read_manifest(out.manifest)
        if old is not None:  # temporaries of the files of the last complete set
            for name in old["files"]:
                if isinstance(name, str) and check_name_quietly(name):
                    for stale in folder.glob(temporary_pattern(name)):
                        remove_file(stale)
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
        kind = refuse_unreplaceable(path)
        if kind == "regular" and ours is not None and ours(path):
            continue
        if kind != "missing" and not force:
            raise PolmodelError(f"{path}: exists and is not a file polmodel wrote (no polmodel "
                                "provenance inside); pass --force to replace it, or choose "
                                "another --out")



def _remove_legacy_manifest(manifest: Path, names: Iterable[str]) -> None:
    """Remove ``<file>.manifest`` that earlier versions wrote beside a file the user named."""
    old = read_manifest(manifest)
    if old is not None and set(old["files"]) <= set(names):
        remove_file(manifest)


def _check_targets(folder: Path, label: str, names: Iterable[str], force: bool,
                   old: dict | None) -> None:
    """No target is a folder; without ``force``, no file of this or the last set exists."""
    names = tuple(names)
    for name in names:
        refuse_unreplaceable(folder / name)  # even with force
    if force:
        return
    existing = [n for n in names if path_kind(folder / n) != "missing"]
    existing += [n for n in (old or {}).get("files", {}) if isinstance(n, str) and n not in existing
                 and check_name_quietly(n) and (folder / n).exists()]
    if existing:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        verb, them = ("exist", "them") if more else ("exists", "it")
        raise PolmodelError(f"{folder}: {existing[0]}{more} already {verb}; pass --force to "
                            f"replace {them}, or choose another --out")
