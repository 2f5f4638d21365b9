"""The file-system steps output sets are made of: plain names, temporaries, atomic replaces.

A file is written to a temporary beside its target (``.<name>.<random>.part``), flushed and
fsynced, then renamed over the target and the folder fsynced, so a reader sees the old file or
the new one, never a part. Only regular files are replaced (never a folder, device or FIFO), and
one run at a time holds a folder's lock for a set (:func:`take_lock`). Output names are plain
file names short enough to leave room for the temporary's prefix and suffix.
:mod:`polmodel.views.outputs` puts these steps together into whole output sets.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from polmodel.errors import PolmodelError

_MAX_NAME_BYTES = 200  # leaves room for the temporary's prefix and suffix under NAME_MAX (255)
BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
"""Characters no output name may hold: folder separators and control characters."""


def check_file_name(name: str, what: str = "output file name") -> str:
    """A plain file name: no folder separators, control characters, or leading dot; not too long."""
    if (not isinstance(name, str) or not name or name in (".", "..") or name.startswith(".")
            or BAD_NAME.search(name) or len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES):
        raise PolmodelError(f"{what} {name!r:.120} cannot be written: allowed: a name without '/', "
                            f"'\\', control characters or a leading dot, at most {_MAX_NAME_BYTES} "
                            "bytes (rename the scenario or policy)")
    return name


def check_name_quietly(name: str) -> bool:
    """True if ``name`` is a plain file name (see :func:`check_file_name`)."""
    try:
        check_file_name(name)
    except PolmodelError:
        return False
    return True


def path_kind(path: Path) -> str:
    """'missing', 'regular', 'link' (to a regular file, or to nothing), 'folder' or 'special'."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as err:
        raise PolmodelError(f"{path}: cannot check this output file: {os_reason(err)}") from None
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


def refuse_unreplaceable(path: Path) -> str:
    """The kind of ``path`` (see :func:`path_kind`); a folder or a special file is refused."""
    kind = path_kind(path)
    if kind == "folder":
        raise PolmodelError(f"{path}: is a folder, so the output file cannot be written; move "
                            "that folder or choose another --out")
    if kind == "special":
        raise PolmodelError(f"{path}: is not a regular file (a device, a FIFO or a socket); "
                            "polmodel never replaces one, even with --force; choose another --out")
    return kind


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
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


def os_reason(err: OSError) -> str:
    """The system's words for an OSError (``No space left on device``)."""
    return err.strerror or type(err).__name__


def write_temporary(folder: Path, name: str, data: bytes, mode: int) -> str:
    """Write ``data`` to a new fsynced temporary beside ``name`` in ``folder``; return its path."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; outputs follow the umask like any other file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        remove_file(Path(tmp))
        raise
    return tmp


def replace(tmp: str, target: Path) -> None:
    """Rename a temporary over ``target`` atomically; a folder there is refused."""
    try:
        os.replace(tmp, target)
    except IsADirectoryError:
        raise PolmodelError(f"{target}: is a folder, so the output file cannot be written; move "
                            "that folder or choose another --out") from None


def remove_file(path: Path) -> None:
    """Remove a file if it is there (a missing file or a folder is left alone)."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        pass


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, removals) to disk, where the system allows."""
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


def lock_name(label: str) -> str:
    """File name of the lock of the set ``label``."""
    return f".{label}.lock"


def temporary_pattern(name: str) -> str:
    """Glob pattern of the temporaries of the file ``name``."""
    return f".{glob.escape(name)}.*.part"


def take_lock(folder: Path, label: str) -> int:
    """Take the folder's lock for ``label`` without waiting; return its file descriptor."""
    path = folder / lock_name(label)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~current_umask())
        except OSError as err:
            raise PolmodelError(f"{folder}: cannot write here: {os_reason(err)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise PolmodelError(f"{folder}: another polmodel run is writing {label} files here "
                                    "now; wait for it to finish, or choose another --out folder") from None
            raise PolmodelError(f"{folder}: cannot lock the output files: {os_reason(err)}") from None
        # The holder before us removes the lock file before releasing it: if the file we
        # locked is no longer the one at the path, lock again.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove folders this run made (deepest first) while they are empty."""
    for made in folders:
        try:
            made.rmdir()
        except OSError:
            return
