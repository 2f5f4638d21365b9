"""The compiled engine: C generated from the equations, built at first use, loaded by ctypes.

``simulate(..., engine="compiled")`` (and ``engine="compiled"`` on every analysis, ``--engine
compiled`` on the commands) runs the kernel of :mod:`polmodel.model.c_source` instead of numpy.
It is optional: nothing needs it, and without a C compiler the runs fall back to numpy with a
warning (:func:`unavailable`). Why C from the equations rather than numba or JAX: the kernel
needs a vector ``exp`` across worlds, which glibc's libmvec gives any C compiler with
``#pragma omp simd``; a C compiler is on most machines that run Python (and in CI), where numba
pins numpy and Python versions release by release and JAX is a large dependency with its own
``exp``; and generating C from the one equations file keeps a single place to edit.

The build: the source for a structure and aggregator (about 600 lines) is compiled with the
system's compiler (``$CC``, else ``cc``, ``gcc`` or ``clang``) in about a second, once per
machine and polmodel version, into a cache folder (``$POLMODEL_CACHE``, else
``$XDG_CACHE_HOME/polmodel`` or ``~/.cache/polmodel``), named by a hash of the source, the
flags, the compiler and the CPU (``-march=native``). Flags never change the numerics:
``-O3 -march=native -fno-math-errno -fopenmp-simd -ffp-contract=off``, no ``-ffast-math``.
"""

from __future__ import annotations

# ctypes, hashlib, subprocess and tempfile are imported where a kernel is built or loaded:
# the analyses import this module for check_engine, and start-up stays as it was.
import os
import warnings
from pathlib import Path

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.model.c_source import OUTPUT_KINDS, outputs, slot_names
from polmodel.model.readings import plan_for
from polmodel.model.structures import STRUCTURES, Structure

ENGINES = ("numpy", "compiled")
"""The engines a run may ask for; numpy is the default and needs nothing more."""

# -fno-thread-jumps: jump threading duplicates the readings' many selects on one condition
# into branches that the vectoriser cannot turn back into blends (GCC 12); it changes no value.
_FLAGS = ["-O3", "-fno-math-errno", "-fopenmp-simd", "-ffp-contract=off", "-fno-thread-jumps",
          "-fPIC", "-shared"]
# Tried in order: the C library's vector math on this CPU's widest vectors, then scalar exp,
# then no -march=native (a compiler that does not know it).
_VARIANTS = ((True, ["-march=native"], ["-lmvec", "-lm"]), (False, ["-march=native"], ["-lm"]),
             (False, [], ["-lm"]))
_LIBRARIES: dict = {}


class Unavailable(PolmodelError):
    """The compiled engine cannot be built here (no compiler, or the compiler failed)."""


_FAILED: dict = {}


def compiler() -> str | None:
    """The C compiler the engine would use: ``$CC``, else the first of cc, gcc, clang found."""
    import shutil

    cc = os.environ.get("CC")
    if cc:
        return shutil.which(cc.split()[0]) and cc
    return next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)


def unavailable() -> str | None:
    """Why the compiled engine cannot run here (None when it can: a compiler builds it)."""
    if compiler() is None:
        return "no C compiler found (set CC, or install gcc or clang)"
    try:
        _library(STRUCTURES["memo"], "min")
    except Unavailable as err:
        return str(err)
    return None


def cache_dir() -> Path:
    """Where built kernels are kept, one subfolder per polmodel version."""
    from polmodel import __version__

    root = os.environ.get("POLMODEL_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "polmodel"
    return Path(root) / f"kernels-{__version__}"


def _cpu() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        return next((line for line in text.splitlines() if line.startswith("flags")), text[:200])
    except OSError:
        import platform

        return platform.processor() or platform.machine()


def _library(structure: Structure, aggregator: str):
    """The kernel for a structure and a named aggregator: loaded, built if needed."""
    import ctypes
    import hashlib
    import subprocess

    from polmodel.model.c_source import kernel_source

    plan, own = plan_for(structure)
    key = (id(plan), own, aggregator)
    if key in _LIBRARIES:
        return _LIBRARIES[key]
    if key in _FAILED:
        raise Unavailable(_FAILED[key])
    cc = compiler()
    if cc is None:
        raise Unavailable("no C compiler found; set CC or install gcc or clang")
    version = subprocess.run([*cc.split(), "--version"], capture_output=True, text=True).stdout
    errors = []
    for vector_math, arch, libs in _VARIANTS:
        source = kernel_source(plan, own, aggregator, vector_math=vector_math)
        flags = [*_FLAGS, *arch]
        digest = hashlib.sha256("\0".join([source, cc, version, *flags, *libs, _cpu()])
                                .encode()).hexdigest()[:20]
        path = cache_dir() / f"kernel-{digest}.so"
        if not path.exists():
            error = _build(cc, source, flags, libs, path)
            if error:
                errors.append(error)
                continue
        if vector_math and _scalar_math(path):
            errors.append("the compiler left some lanes on the scalar exp")
            continue
        lib = ctypes.CDLL(str(path))
        lib.polmodel_run.restype = ctypes.c_int
        lib.polmodel_run.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
                                     ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                     ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                     ctypes.c_double, ctypes.c_double, ctypes.c_void_p,
                                     ctypes.c_void_p, ctypes.c_void_p]
        lib.vector_math = vector_math
        _LIBRARIES[key] = (lib, plan, own)
        return _LIBRARIES[key]
    _FAILED[key] = ("the C compiler failed to build the kernel: "
                    + (errors[-1][-300:] if errors else "no output"))
    raise Unavailable(_FAILED[key])


def _scalar_math(path: Path) -> bool:
    """True when a vector build also calls the scalar ``exp``, ``pow`` or ``sqrt`` (by ``nm``).

    A loop the compiler did not vectorise would give some worlds the scalar ``exp`` and others
    the vector one, so a world's numbers would depend on its place in a chunk: such a build is
    refused for the scalar-only one. Without ``nm`` nothing is checked (the tests check).
    """
    import shutil
    import subprocess

    nm = shutil.which("nm")
    if nm is None:
        return False
    listed = subprocess.run([nm, "-D", "--undefined-only", str(path)], capture_output=True,
                            text=True).stdout.split()
    return any(name.split("@")[0] in ("exp", "pow", "sqrt") for name in listed)


def _build(cc: str, source: str, flags: list, libs: list, path: Path) -> str | None:
    """Compile ``source`` into ``path`` (atomically: workers may build at once); an error or None."""
    import subprocess
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = path.parent
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix="polmodel-kernel-"))
        path = folder / path.name
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        c_file = Path(tmp) / "kernel.c"
        c_file.write_text(source)
        so_file = Path(tmp) / "kernel.so"
        done = subprocess.run([*cc.split(), *flags, str(c_file), "-o", str(so_file), *libs],
                              capture_output=True, text=True)
        if done.returncode != 0 or not so_file.exists():
            return done.stderr.strip() or f"exit {done.returncode}"
        os.replace(so_file, path)
    return None


def fallback_warning(reason: str) -> None:
    """Say once per process that runs asked to be compiled go through numpy, and why."""
    if not _FAILED.get("warned"):
        _FAILED["warned"] = True
        warnings.warn(f"engine 'compiled' is not available ({reason}); running on numpy "
                      "(same numbers within 1e-12, slower)", RuntimeWarning, stacklevel=3)


def run_kernel(p: dict, x: list, levers: np.ndarray, n: int, aggregator: str,
               structure: Structure, dt: float, eps: float) -> dict:
    """The outcomes of :func:`polmodel.model.integrator.simulate`, computed by the kernel.

    Parameters
    ----------
    p : dict of str to ndarray[n_worlds] (contiguous) or float
        Every parameter, checked.
    x : list of 8 ndarray[n_worlds] or 0-d arrays
        Initial states, in STATES order.
    levers : ndarray[n_months, n_levers]
        Shared by every world.
    n : int
        Number of worlds.
    eps : float
        What keeps ``gain / (gain + loss)`` defined: the integrator's, passed down.

    Returns
    -------
    dict
        The fields of :class:`polmodel.model.integrator.Outcomes`.
    """
    return run_kernels(p, x, [levers], n, aggregator, structure, dt, eps)[0]


def run_kernels(p: dict, x: list, schedules: list, n: int, aggregator: str,
                structure: Structure, dt: float, eps: float, targets=None) -> list[dict | None]:
    """:func:`run_kernel` for several lever schedules on the same worlds, packed once.

    ``targets``, when given, is per schedule a mapping of output names
    (:func:`polmodel.model.c_source.slot_names`) to arrays of ``n`` worlds (views at any
    stride; float64, float32, int32, int16 or int8) that the kernel writes into, in their
    type, instead of the fields of ``Outcomes``; None is returned for those schedules.
    """
    from polmodel.model.parameters import PARAMETERS

    lib, plan, own = _library(structure, aggregator)
    keep = []  # the arrays the pointers point into, alive until the calls return

    def pointers(values):
        arrays, strides = [], []
        for v in values:
            a = np.ascontiguousarray(v, dtype=float).reshape(-1)
            arrays.append(a)
            strides.append(1 if a.size == n and n > 1 else 0)
        keep.extend(arrays)
        return (np.array([a.ctypes.data for a in arrays], dtype=np.uintp),
                np.array(strides, dtype=np.int64))

    par, pstride = pointers(p[k] for k in PARAMETERS)
    init, istride = pointers(x)
    names = slot_names(plan, own)
    results = []
    for i, levers in enumerate(schedules):
        settings, month_set = lever_settings(levers)
        if targets is None:
            out = {name: np.empty((n, *shape), dtype=dtype)
                   for name, dtype, shape in outputs(plan, own)}
            views = slot_views(out)
        else:
            out, views = None, targets[i]
        dst, dstride, dkind = _destinations(names, views, n)
        status = lib.polmodel_run(n, par.ctypes.data, pstride.ctypes.data, init.ctypes.data,
                                  istride.ctypes.data, len(settings), settings.ctypes.data,
                                  len(levers), month_set.ctypes.data, float(dt), float(eps),
                                  dst.ctypes.data, dstride.ctypes.data, dkind.ctypes.data)
        if status != 0:
            raise MemoryError("engine 'compiled': the kernel could not allocate its coefficients")
        results.append(out)
    return results


def slot_views(arrays: dict) -> dict:
    """Each array of worlds as its columns, named as the kernel's outputs (``at_peak[2]``)."""
    views = {}
    for name, a in arrays.items():
        if a.ndim == 1:
            views[name] = a
        elif a.ndim == 2:
            views.update({f"{name}[{c}]": a[:, c] for c in range(a.shape[1])})
        else:
            views.update({f"{name}[{j}][{r}]": a[:, j, r] for j in range(a.shape[1])
                          for r in range(a.shape[2])})
    return views


def _destinations(names: list, views: dict, n: int):
    """Pointers, strides (bytes) and types of the wanted outputs, NULL for the others."""
    unknown = set(views) - set(names)
    if unknown:
        raise PolmodelError(f"targets: unknown output {sorted(unknown)[0]!r}; allowed: "
                            + ", ".join(names))
    dst = np.zeros(len(names), np.uintp)
    dstride = np.zeros(len(names), np.int64)
    dkind = np.zeros(len(names), np.int32)
    for k, name in enumerate(names):
        a = views.get(name)
        if a is None:
            continue
        kind = OUTPUT_KINDS.get(a.dtype.str[1:])
        if (kind is None or not a.dtype.isnative or a.ndim != 1 or len(a) != n
                or not a.flags.writeable):
            raise PolmodelError(f"targets: {name} is a {a.dtype} array of shape {a.shape}; "
                                f"allowed: a writeable array of {n} float64, float32, int32, "
                                "int16 or int8")
        dst[k], dstride[k], dkind[k] = a.ctypes.data, a.strides[0], kind
    return dst, dstride, dkind


def lever_settings(levers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a schedule, in order of first use, and each month's row among them.

    Returns
    -------
    settings : ndarray[n_settings, n_levers]
    month_set : ndarray[n_months] of int32
    """
    index: dict = {}
    month_set = np.array([index.setdefault(tuple(row), len(index)) for row in levers.tolist()],
                         dtype=np.int32)
    return np.array(list(index), dtype=float).reshape(len(index), levers.shape[1]), month_set


def check_engine(engine, aggregator=None) -> str:
    """``engine`` when it names one of :data:`ENGINES` (and, compiled, runs ``aggregator``).

    A one-line error otherwise: the compiled engine reads the named aggregators only.
    """
    if not isinstance(engine, str) or engine not in ENGINES:
        raise PolmodelError(f"engine: unknown {engine!r:.40}; allowed: {', '.join(ENGINES)}")
    if engine == "compiled" and callable(aggregator):
        raise PolmodelError("engine 'compiled' reads the named aggregators (min, product, "
                            "geometric); use engine='numpy' for a callable aggregator")
    return engine


__all__ = ["ENGINES", "cache_dir", "check_engine", "compiler", "run_kernel", "run_kernels",
           "unavailable"]
