"""The C core (libirp.so) through ctypes: NumPy arrays in, NumPy arrays out.

Shapes and dtypes are checked here (ValueError naming the argument); what
the core refuses (non-finite values, a zero row, an option out of range)
comes back as IrpError with the core's own message. The library is found,
in order: $IRP_LIB; the path `make install` recorded (_libpath.py); the
build tree this file sits in (build/libirp.so.0); the system's libirp.so.0."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import stat
import sys

import numpy as np

__all__ = ["IrpError", "relative_projection", "anchor_indices", "fps", "fps_subsets",
           "Translator", "anchor_hash", "library_path", "TRANSLATOR_SCHEMA"]

_lib = None
_path = None


class IrpError(RuntimeError):
    """An error reported by the C core; the message is the core's."""


def _candidates():
    env = os.environ.get("IRP_LIB")
    if env:
        yield env
        return
    try:
        from ._libpath import LIBRARY  # written by make install
        yield LIBRARY
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libirp.so.0")  # bundled by pip install ./python
    yield os.path.normpath(os.path.join(here, "..", "..", "build", "libirp.so.0"))
    found = ctypes.util.find_library("irp")
    if found:
        yield found


def _load():
    global _lib, _path
    if _lib is not None:
        return _lib
    tried = []
    for cand in _candidates():
        tried.append(cand)
        if os.path.sep in cand and not os.path.exists(cand):
            continue
        try:
            lib = ctypes.CDLL(cand)
        except OSError:
            continue
        _declare(lib)
        _lib, _path = lib, cand
        return lib
    raise IrpError("libirp.so.0 not found (tried: " + ", ".join(tried) +
                   "); build it with 'make' in the irp checkout, or set IRP_LIB to its path")


def library_path() -> str:
    """The path of the C library in use (loads it)."""
    _load()
    return _path


def _declare(lib):
    d, sz, i, u64, pd, pi64 = (ctypes.c_double, ctypes.c_size_t, ctypes.c_int, ctypes.c_uint64,
                               ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_int64))
    sigs = {
        "irp_flat_relative": [pd, pd, sz, sz, pd, sz, i],
        "irp_flat_anchor_indices": [pi64, sz, sz, u64],
        "irp_flat_fps": [pi64, ctypes.POINTER(sz), pd, sz, sz, i, i, d, sz],
        "irp_flat_fit": [pd, pd, pd, pd, pd, pd, pd, sz, sz, sz, sz, i, d, u64, d, i, i],
        "irp_flat_apply": [pd, pd, sz, sz, sz, pd, pd, pd, d, i],
        "irp_flat_anchor_hash": [ctypes.POINTER(u64), pd, sz, sz],
    }
    for name, args in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, ctypes.c_int
    lib.irp_last_error.argtypes, lib.irp_last_error.restype = [], ctypes.c_char_p
    lib.irp_subspace_first.argtypes, lib.irp_subspace_first.restype = [u64, sz, sz], sz


def _check(rc):
    if rc != 0:
        msg = _lib.irp_last_error()
        raise IrpError(msg.decode("utf-8", "replace") if msg else f"irp: error {rc}")


def _matrix(name, a, cols=None):
    """A C-contiguous float64 copy-if-needed of a 2-D array of real numbers
    (integers or floats; not booleans, complex numbers, strings or objects),
    or ValueError."""
    try:
        raw = np.asarray(a)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: expected a 2-D array of numbers ({e})") from None
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"{name}: expected a 2-D array of real numbers, got dtype {raw.dtype}")
    if raw.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (rows x dimensions), got shape "
                         f"{raw.shape}")
    m = np.ascontiguousarray(raw, dtype=np.float64)
    if m.shape[0] == 0 or m.shape[1] == 0:
        raise ValueError(f"{name}: empty array of shape {m.shape}")
    if cols is not None and m.shape[1] != cols:
        raise ValueError(f"{name}: expected {cols} columns, got shape {m.shape}")
    return m


def _ptr(a, ctype=ctypes.c_double):
    return a.ctypes.data_as(ctypes.POINTER(ctype))


def _count(name, v, low=0, high=sys.maxsize):
    """An integer in [low, high] (a count fits a size_t, a seed a uint64), or ValueError:
    nothing is wrapped around."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
        raise ValueError(f"{name}: expected an integer from {low} to {high}, got {v!r}")
    return int(v)


# The irp command's limit on omega (harness/plumbing/keys.h): more subsets only
# repeat the work, and a huge count would run for ever or exhaust memory.
OMEGA_MAX = 1024


def _omega(v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= OMEGA_MAX:
        raise ValueError(f"omega: expected an integer from 1 to {OMEGA_MAX} (irp's limit on "
                         f"the number of subsets), got {v!r}")
    return int(v)


# What a file may declare (harness/plumbing/h5io.c, h5_plausible): up to 64 MiB
# always, beyond that at most 1024 times the file's size, checked before
# anything is allocated (a small file can declare terabytes of fill values).
_ALWAYS_PLAUSIBLE = 64 << 20
_MAX_RATIO = 1024


def _plausible(ds, file_size, elem=8, name=None):
    """The bytes dataset `ds` needs in memory as `elem`-byte values, or
    ValueError ("/<name>: declared shape AxB is too large for the file", the
    C reader's words) when that is beyond what a file of file_size bytes can
    hold. `name`: the dataset's path as the message gives it (default: its own)."""
    n = 1
    for d in ds.shape:
        n *= int(d)
    need = n * elem
    # a compact dataset holds its values in its header: fewer stored bytes than
    # its shape needs make libhdf5 1.10.8 read past its own buffer (found by
    # fuzzing the translator reader); the C reader refuses the same
    import h5py
    stored = n * ds.dtype.itemsize
    if ds.id.get_create_plist().get_layout() == h5py.h5d.COMPACT and \
            ds.id.get_storage_size() < stored:
        raise ValueError(f"/{(name or ds.name).lstrip('/')}: stores "
                         f"{ds.id.get_storage_size()} bytes, fewer than its shape "
                         f"{'x'.join(map(str, ds.shape))} needs; corrupted HDF5 file")
    if need > _ALWAYS_PLAUSIBLE and need > _MAX_RATIO * file_size:
        raise ValueError(f"/{(name or ds.name).lstrip('/')}: declared shape "
                         f"{'x'.join(map(str, ds.shape))} is too large for the file ({need:,} "
                         f"bytes in memory; a file of {file_size:,} bytes may declare at most "
                         f"{_MAX_RATIO}x its size beyond 64 MiB)")
    return need


def _regular(path, what):
    """os.stat of an input that must be a regular file (a FIFO or device would
    hang or mislead the reader), or ValueError naming it and what was expected."""
    try:
        st = os.stat(path)
    except (OSError, TypeError, ValueError) as e:
        raise ValueError(f"{path!r}: cannot open ({e}); expected {what}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path}: not a regular file; expected {what}")
    return st


def _load_limit(size):
    """Seconds a guarded read of a file of SIZE bytes may take: IRP_LOAD_TIMEOUT,
    else 10 s + 1 s per whole 10 MiB, as the command computes it (dump.c)."""
    env = os.environ.get("IRP_LOAD_TIMEOUT", "")
    if env and not (re.fullmatch(r"\+?[0-9]+", env) and 1 <= int(env) <= 86400):
        # as the command reads it (util.c, env_long): whole or refused, never ignored
        shown = "".join("?" if ord(c) < 32 or ord(c) == 127 else c for c in env[:40])
        raise ValueError(f"IRP_LOAD_TIMEOUT='{shown}' is not a whole number from 1 to 86400; "
                         "unset it or give one")
    return int(env) if env else 10 + size // (10 << 20)


def _guarded(read, path, *args):
    """read(path, *args) first in a forked child with a time limit, as the irp
    command reads an untrusted HDF5 file: libhdf5 1.10.8 crashes or loops on
    some corrupted files (found by fuzzing), which would take the interpreter
    with it. ValueError naming the file when the library crashes or hangs
    there, or with the child's own ValueError; else read in this process.
    The limit is IRP_LOAD_TIMEOUT seconds, else 10 s + 1 s per 10 MB."""
    import signal
    try:
        size = os.stat(path).st_size
    except (OSError, TypeError, ValueError):
        return read(path, *args)  # the reader names the problem
    limit = _load_limit(size)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, report, leave without running any cleanup
        os.close(r)
        # a crash here is the library's, reported by the parent in one line: no
        # Python traceback dump (faulthandler) and no libhdf5 error stack on stderr
        import faulthandler
        faulthandler.disable()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(limit)
        code = 0
        try:
            read(path, *args)
        except ValueError as e:
            os.write(w, str(e).encode("utf-8", "replace")[:4000])
            code = 1
        except BaseException:
            code = 2
        os._exit(code)
    os.close(w)
    chunks = []
    while True:
        c = os.read(r, 65536)
        if not c:
            break
        chunks.append(c)
    os.close(r)
    while True:
        try:
            _, st = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(st):
        sig = os.WTERMSIG(st)
        if sig == signal.SIGALRM:
            raise ValueError(f"{path}: corrupted HDF5 file: the HDF5 library did not finish "
                             f"reading it in {limit} s (IRP_LOAD_TIMEOUT)")
        raise ValueError(f"{path}: corrupted HDF5 file: the HDF5 library crashed reading it "
                         f"(signal {sig})")
    if os.WEXITSTATUS(st) == 1:
        raise ValueError(b"".join(chunks).decode("utf-8", "replace"))
    return read(path, *args)  # sound, or another error this process raises itself


def _seed(v):
    return _count("seed", v, 0, 2**64 - 1)


def relative_projection(x: np.ndarray, anchors: np.ndarray, center: bool = False) -> np.ndarray:
    """Cosines of each row of x (n x d) to each anchor (k x d): an n x k array.
    center=True subtracts the anchors' mean from both first."""
    lib = _load()
    a = _matrix("anchors", anchors)
    xm = _matrix("x", x, a.shape[1])
    out = np.empty((xm.shape[0], a.shape[0]))
    _check(lib.irp_flat_relative(_ptr(out), _ptr(xm), xm.shape[0], xm.shape[1], _ptr(a),
                                 a.shape[0], int(bool(center))))
    return out


def anchor_indices(n: int, k: int, seed: int = 0) -> np.ndarray:
    """The k anchor rows irp draws from n training rows with this seed (the
    'anchors' and 'anchor_seed' of a config): positions in the training split,
    not sample ids."""
    lib = _load()
    n, k, seed = _count("n", n), _count("k", k, 1), _seed(seed)
    out = np.empty(k, dtype=np.int64)
    _check(lib.irp_flat_anchor_indices(_ptr(out, ctypes.c_int64), n, k, seed))
    return out


def fps(anchors: np.ndarray, delta: float | None = None, fraction: float | None = None,
        first: int = 0, center: bool = False) -> np.ndarray:
    """Farthest point sampling on 1 - |cos| from row `first`: stop below a
    threshold delta in [0, 1], or keep a fraction in (0, 1] of the anchors
    (give one of the two). Returns the kept rows' indices in FPS order."""
    lib = _load()
    if (delta is None) == (fraction is None):
        raise ValueError("fps: give delta (a threshold) or fraction, not both or neither")
    a = _matrix("anchors", anchors)
    out = np.empty(a.shape[0], dtype=np.int64)
    count = ctypes.c_size_t()
    param = float(delta if fraction is None else fraction)
    _check(lib.irp_flat_fps(_ptr(out, ctypes.c_int64), ctypes.byref(count), _ptr(a), a.shape[0],
                            a.shape[1], int(bool(center)), int(fraction is not None), param,
                            _count("first", first)))
    return out[:count.value].copy()


def fps_subsets(anchors: np.ndarray, omega: int, delta: float | None = None,
                fraction: float | None = None, seed: int = 0,
                center: bool = False) -> list[np.ndarray]:
    """The omega pruned subsets IRP averages over (subset s starts FPS where the
    runner starts it for this seed); with delta = 0 every subset is all rows."""
    lib = _load()
    a = _matrix("anchors", anchors)
    omega = _omega(omega)
    if fraction is None and delta == 0:
        return [np.arange(a.shape[0], dtype=np.int64) for _ in range(omega)]
    return [fps(a, delta=delta, fraction=fraction, center=center,
                first=lib.irp_subspace_first(_seed(seed), s, a.shape[0]))
            for s in range(omega)]


TRANSLATOR_SCHEMA = "irp-translator/1"

# A translator's settings as 'irp translate' writes them (its options, spelt as
# config keys, in this order) and what each value must be. One grammar, shared
# with the C reader (harness/cli/translate.c, check_settings).
_SETTINGS = (("anchors", "count"), ("anchor_seed", "seed"), ("omega", "count"),
             ("delta", "number"), ("prune", "prune"), ("rcond", "number"), ("lambda", "number"),
             ("rescale", "rescale"), ("center", "bool"), ("completion", "bool"), ("seed", "seed"))
_SETTING_KIND = dict(_SETTINGS)
_INT = re.compile(r"\+?[0-9]+")
_NUMBER = re.compile(r"[0-9+\-.eE]+")


def _setting_value(kind, v):
    """The typed value of one setting's text, or ValueError saying what was expected."""
    if kind in ("count", "seed"):
        n = int(v) if _INT.fullmatch(v) else -1
        if kind == "count" and not 1 <= n:
            raise ValueError("expected an integer >= 1")
        if kind == "seed" and not 0 <= n < 2**64:
            raise ValueError("expected an integer from 0 to 2^64-1")
        return n
    if kind == "number":
        try:
            x = float(v) if _NUMBER.fullmatch(v) else float("nan")
        except ValueError:
            x = float("nan")
        if not np.isfinite(x):
            raise ValueError("expected a finite number")
        return x
    if kind == "bool":
        if v.lower() not in ("true", "false"):
            raise ValueError("expected true or false")
        return v.lower() == "true"
    if kind == "prune":
        if v not in ("threshold", "fraction"):
            raise ValueError("expected threshold or fraction")
        return v
    if v not in ("mean-norm", "none"):  # rescale
        raise ValueError("expected mean-norm or none")
    return v == "mean-norm"


def _parse_settings(text, rescale):
    """The options dict of a settings string ('key=value', one space apart)."""
    options = {}
    for tok in text.split(" ") if text else ():
        key, eq, val = tok.partition("=")
        if not tok or not eq or len(tok) > 250:
            why = "expected key=value"
        elif key not in _SETTING_KIND:
            why = "not a translator setting"
        elif key in options:
            why = "given twice"
        else:
            try:
                options[key] = _setting_value(_SETTING_KIND[key], val)
                why = None
            except ValueError as e:
                why = str(e)
        if why is None and key == "rescale" and options[key] != bool(rescale):
            why = "disagrees with the attribute rescale"
        if why:
            raise ValueError(f"/translator attribute 'settings': '{tok[:60]}': {why} (expected "
                             "translate's options as key=value, one space apart)")
    return options


def _format_settings(options):
    """The settings string of an options dict, as 'irp translate' spells it;
    ValueError for a key or value it cannot hold."""
    parts = []
    for key in options:
        if key not in _SETTING_KIND:
            raise ValueError(f"options: '{key}' is not a translator setting (expected some of "
                             f"{', '.join(k for k, _ in _SETTINGS)})")
    for key, kind in _SETTINGS:
        if key not in options:
            continue
        v = options[key]
        if kind in ("count", "seed"):
            low = 1 if kind == "count" else 0
            text = str(_count(f"options['{key}']", v, low, 2**64 - 1))
        elif kind == "number":
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(v):
                raise ValueError(f"options['{key}']: expected a finite number, got {v!r}")
            text = repr(float(v))
        elif kind in ("bool", "rescale"):
            if not isinstance(v, (bool, np.bool_)):
                raise ValueError(f"options['{key}']: expected True or False, got {v!r}")
            text = ("mean-norm" if v else "none") if kind == "rescale" else \
                ("true" if v else "false")
        else:
            if v not in ("threshold", "fraction"):
                raise ValueError(f"options['{key}']: expected 'threshold' or 'fraction', got "
                                 f"{v!r}")
            text = v
        parts.append(f"{key}={text}")
    return " ".join(parts)


def _space_name_problem(name):
    """None if name can name a space (1 to 200 bytes, printable, no '/'), else why not."""
    if not isinstance(name, str):
        return "expected a string"
    b = name.encode("utf-8", "surrogateescape")
    if not b:
        return "an empty name"
    if len(b) > 200:
        return "a name longer than 200 characters"
    if any(c < 32 or c == 127 for c in b):
        return "a name with a control character"
    if b"/" in b:
        return "a name with '/'"
    return None


def anchor_hash(anchors_x: np.ndarray) -> str:
    """The hash 'irp translate --apply' checks a translator's source anchors
    by (16 hex digits): of their values as a dump stores them (float32), in
    anchor order. None for values beyond float32's range (no dump holds them)."""
    lib = _load()
    ax = _matrix("anchors_x", anchors_x)
    with np.errstate(over="ignore"):
        ax = np.ascontiguousarray(ax.astype(np.float32).astype(np.float64))
    if not np.isfinite(ax).all():
        return None
    h = ctypes.c_uint64()
    _check(lib.irp_flat_anchor_hash(ctypes.byref(h), _ptr(ax), ax.shape[0], ax.shape[1]))
    return f"{h.value:016x}"


class Translator:
    """IRP from a space X to a space Y, fitted on paired anchors (k x dx and
    k x dy, row i of both the same input). Attributes: T (dx x dy), mean_x,
    mean_y (zero unless centred), scale_y (Y's mean anchor norm), rescale,
    options (dict: the settings, named as irp translate's options),
    mean_subset_size, anchors (training rows, or None), anchor_hash (of the
    source anchors' values, or None), source_space and target_space (names,
    or None)."""

    def __init__(self, T, mean_x, mean_y, scale_y, rescale=True, options=None, anchors=None,
                 mean_subset_size=None, anchor_hash=None, source_space=None, target_space=None):
        self.T = np.ascontiguousarray(T, dtype=np.float64)
        self.mean_x = np.ascontiguousarray(mean_x, dtype=np.float64)
        self.mean_y = np.ascontiguousarray(mean_y, dtype=np.float64)
        if self.T.ndim != 2 or self.mean_x.shape != (self.T.shape[0],) or \
                self.mean_y.shape != (self.T.shape[1],):
            raise ValueError(f"Translator: T {self.T.shape}, mean_x {self.mean_x.shape} and "
                             f"mean_y {self.mean_y.shape} do not fit together")
        if self.T.size and not np.any(self.T):
            raise ValueError(f"Translator: T ({self.T.shape[0]} x {self.T.shape[1]}) is all "
                             "zero; it would translate every row to nothing")
        if np.ndim(scale_y) != 0 or not np.isreal(scale_y) or isinstance(scale_y, (str, bytes)):
            raise ValueError(f"Translator: scale_y must be one real number, got {scale_y!r}")
        self.scale_y = float(scale_y)
        if rescale not in (True, False, 0, 1):
            raise ValueError(f"Translator: rescale must be True or False, got {rescale!r}")
        self.rescale = bool(rescale)
        self.options = dict(options or {})
        if anchors is not None:
            anchors = np.asarray(anchors)
            if anchors.ndim != 1 or anchors.dtype.kind not in "iu":
                raise ValueError("Translator: anchors must be a 1-D array of integer row "
                                 f"indices, got {anchors.dtype} of shape {anchors.shape}")
            anchors = anchors.astype(np.int64)
        self.anchors = anchors
        self.mean_subset_size = mean_subset_size
        self.anchor_hash = anchor_hash
        self.source_space = source_space
        self.target_space = target_space

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in self.options.items())
        spaces = f"{self.source_space or '?'} -> {self.target_space or '?'}, "
        return (f"Translator({spaces}{self.T.shape[0]} -> {self.T.shape[1]} dims, "
                f"scale_y {self.scale_y:.4g}"
                + (f", anchor rows known ({len(self.anchors)})" if self.anchors is not None else "")
                + (f"; {opts}" if opts else f", rescale={self.rescale}") + ")")

    @classmethod
    def fit(cls, anchors_x: np.ndarray, anchors_y: np.ndarray, omega: int = 8,
            delta: float = 0.65, prune: str = "threshold", center: bool = False,
            completion: bool = False, rescale: bool = True, rcond: float = -1.0, seed: int = 0,
            anchors: np.ndarray | None = None, source_space: str | None = None,
            target_space: str | None = None) -> "Translator":
        """Fit on paired anchors. omega subsets pruned by FPS at delta
        (defaults: the paper's stitching setting, omega=8, delta=0.65, as
        'irp translate'; omega=1, delta=0 is plain IRP, unstable across
        encoders) (prune='threshold') or keeping a fraction delta of the anchors
        (prune='fraction'); rcond < 0 is LAPACK's default pinv cutoff;
        center subtracts each side's anchor mean; completion aligns the
        decoded anchors to Y's by a rotation. anchors: which training rows
        these are, and source_space / target_space: the spaces' names (all
        recorded by save; with anchors, 'irp translate --apply' checks a
        dump's rows at those indices against these anchors' values)."""
        lib = _load()
        ax = _matrix("anchors_x", anchors_x)
        ay = _matrix("anchors_y", anchors_y)
        if ax.shape[0] != ay.shape[0]:
            raise ValueError(f"anchors_x has {ax.shape[0]} rows but anchors_y has "
                             f"{ay.shape[0]}; anchors must be paired row by row")
        if prune not in ("threshold", "fraction"):
            raise ValueError(f"prune: expected 'threshold' or 'fraction', got {prune!r}")
        k, dx, dy = ax.shape[0], ax.shape[1], ay.shape[1]
        if anchors is not None and np.shape(anchors) != (k,):
            raise ValueError(f"anchors: expected the {k} training rows of these anchors, got "
                             f"shape {np.shape(anchors)}")
        T, mx, my = np.empty((dx, dy)), np.empty(dx), np.empty(dy)
        scale, size = ctypes.c_double(), ctypes.c_double()
        _check(lib.irp_flat_fit(_ptr(T), _ptr(mx), _ptr(my), ctypes.byref(scale),
                                ctypes.byref(size), _ptr(ax), _ptr(ay), k, dx, dy,
                                _omega(omega), int(prune == "fraction"),
                                float(delta), _seed(seed), float(rcond),
                                int(bool(center)), int(bool(completion))))
        opts = dict(anchors=k, omega=omega, delta=float(delta), prune=prune, center=bool(center),
                    completion=bool(completion), rescale=bool(rescale), rcond=float(rcond),
                    seed=seed)
        return cls(T, mx, my, scale.value, rescale, opts, anchors, size.value,
                   anchor_hash(ax) if anchors is not None else None, source_space, target_space)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Translate rows of X (n x dx) into Y (n x dy). IrpError when a row
        comes out non-finite, as the target mean (nothing: a zero or vanishing
        translator, or a row T maps to zero) or, with rescaling, off the target
        scale (values that overflow), as 'irp translate --apply' checks."""
        lib = _load()
        xm = _matrix("x", x, self.T.shape[0])
        y = np.empty((xm.shape[0], self.T.shape[1]))
        _check(lib.irp_flat_apply(_ptr(y), _ptr(xm), xm.shape[0], self.T.shape[0],
                                  self.T.shape[1], _ptr(self.T), _ptr(self.mean_x),
                                  _ptr(self.mean_y), self.scale_y, int(self.rescale)))
        self._check_applied(y, xm)
        return y

    def _check_applied(self, y, x):
        bad = ~np.all(np.isfinite(y), axis=1)
        if bad.any():
            raise IrpError(f"transform: row {int(np.argmax(bad))} comes out non-finite; the "
                           "translator's values or means are out of range")
        moved = np.any(x != self.mean_x, axis=1)  # a row at the source mean stays at the target's
        d = y - self.mean_y
        zero = moved & ~np.any(d != 0, axis=1)
        if zero.any():
            raise IrpError(f"transform: row {int(np.argmax(zero))} translates to the target mean "
                           "(a zero vector): the translator maps it to nothing"
                           + (" (T is all zero)" if not np.any(self.T) else ""))
        if self.rescale:
            norms = np.sqrt(np.einsum("ij,ij->i", d, d))
            off = moved & ~(np.abs(norms / self.scale_y - 1) < 1e-6)
            if off.any():
                i = int(np.argmax(off))
                raise IrpError(f"transform: row {i} has a norm of {norms[i]:g} instead of the "
                               f"target scale {self.scale_y:g}: the translator's values overflow "
                               "or vanish")

    def save(self, path: str) -> None:
        """Write the translator file (irp-translator/1) that 'irp translate
        --apply' applies and load() reads: root attribute translator_schema;
        /translator (float64 dx x dy) with attributes scale_y, rescale,
        settings (the options as irp translate writes them) and, when known,
        source_space, target_space, anchor_split and anchor_hash;
        /translator_mean_x, /translator_mean_y (float64) and, when known,
        /anchor_indices. The layout of 'irp translate --translator' without its
        dump (no samples, spaces or heads). To <path>.tmp, then renamed;
        ValueError for anything the file cannot hold."""
        import h5py
        from .dump import prepare_output
        settings = _format_settings(self.options)
        for what, v in (("T", self.T), ("mean_x", self.mean_x), ("mean_y", self.mean_y)):
            if v.size == 0 or not np.isfinite(v).all():
                raise ValueError(f"Translator.save: {what} is empty or holds a NaN or infinity")
        if not (np.isfinite(self.scale_y) and self.scale_y > 0):
            raise ValueError(f"Translator.save: scale_y must be a finite number > 0, got "
                             f"{self.scale_y!r}")
        for what in ("source_space", "target_space"):
            v = getattr(self, what)
            if v is not None and _space_name_problem(v):
                raise ValueError(f"Translator.save: {what} {v!r}: {_space_name_problem(v)}")
        h = self.anchor_hash
        if self.anchors is not None and (self.anchors.size == 0 or (self.anchors < 0).any()):
            raise ValueError("Translator.save: anchors must be training rows (>= 0), at least one")
        if h is not None and (self.anchors is None or not isinstance(h, str) or
                              not re.fullmatch("[0-9a-f]{16}", h)):
            raise ValueError(f"Translator.save: anchor_hash {h!r}: expected 16 hex digits "
                             "beside the anchors' rows")
        tmp = prepare_output(path)
        try:
            with h5py.File(tmp, "w") as f:
                f.attrs["translator_schema"] = TRANSLATOR_SCHEMA
                f.attrs["producer"] = "irp Python module (Translator.save)"
                t = f.create_dataset("translator", data=self.T, dtype="<f8")
                t.attrs["scale_y"] = np.float64(self.scale_y)
                t.attrs["rescale"] = np.int32(self.rescale)
                t.attrs["settings"] = settings
                for what in ("source_space", "target_space"):
                    if getattr(self, what) is not None:
                        t.attrs[what] = getattr(self, what)
                f.create_dataset("translator_mean_x", data=self.mean_x, dtype="<f8")
                f.create_dataset("translator_mean_y", data=self.mean_y, dtype="<f8")
                if self.anchors is not None:
                    f.create_dataset("anchor_indices", data=self.anchors, dtype="<i8")
                    t.attrs["anchor_split"] = "train"
                    if h is not None:
                        t.attrs["anchor_hash"] = h
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    @classmethod
    def load(cls, path: str, guarded: bool = True) -> "Translator":
        """Read a translator file: one written by save(), or by 'irp translate
        --translator' (a dump with the translator inside; its heads are not
        read here), or by save() before the format had a version. The file is
        untrusted: ValueError naming the file and the object for anything that
        is not a sound translator (shapes are checked against the file's size
        before anything is read). guarded: read it first in a child process, as
        irp does (libhdf5 can crash on a corrupted file); False for a file you
        trust."""
        if guarded:
            return _guarded(cls.load, path, False)
        import h5py
        st = _regular(path, "a translator (HDF5)")
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise ValueError(f"{path}: cannot open as HDF5 ({e})") from None
        with f:
            try:
                return cls._read(f, st.st_size)
            except (ValueError, TypeError, KeyError, OSError, RuntimeError) as e:
                if isinstance(e, RuntimeError):  # h5py's word for corrupted metadata
                    raise ValueError(f"{path}: corrupted HDF5 file: {e}") from None
                raise ValueError(f"{path}: {e}") from None

    @classmethod
    def _read(cls, f, file_size):
        import h5py
        _refuse_foreign_links(f)

        def text_attr(obj, where, name):
            if name not in obj.attrs:
                return None
            v = obj.attrs[name]
            if isinstance(v, bytes):
                v = v.decode("utf-8", "surrogateescape")
            if not isinstance(v, str):
                raise ValueError(f"{where} attribute '{name}': expected a string")
            return v

        def number_attr(obj, name):
            v = obj.attrs.get(name)
            if v is None or np.ndim(v) != 0 or np.asarray(v).dtype.kind not in "iuf":
                return None
            return float(v)

        version, schema = text_attr(f, "/", "translator_schema"), text_attr(f, "/", "schema")
        is_dump = schema is not None
        if version is not None and version != TRANSLATOR_SCHEMA:
            raise ValueError(f"/ attribute 'translator_schema' is {version[:60]!r}; expected "
                             f"\"{TRANSLATOR_SCHEMA}\" (written by another version of irp?)")
        legacy = version is None and not is_dump  # save() before the format had a version

        def array(name, rank, kind, required=True):
            link = f.get(name, getlink=True)
            if link is None:
                if required:
                    raise ValueError(f"/{name}: missing (expected a translator: a file written "
                                     "by 'irp translate --translator' or Translator.save)")
                return None
            ds = f[name]
            if not isinstance(ds, h5py.Dataset):
                raise ValueError(f"/{name}: not a dataset")
            ok = ds.dtype.kind == "f" and ds.dtype.itemsize == 8 if kind == "f8" else \
                ds.dtype.kind in "iu"
            if not ok:
                raise ValueError(f"/{name}: expected float64 values, got {ds.dtype}"
                                 if kind == "f8" else
                                 f"/{name}: expected an integer dataset, got {ds.dtype}")
            if ds.ndim != rank:
                raise ValueError(f"/{name}: expected rank {rank}, got rank {ds.ndim}")
            _plausible(ds, file_size, 8, name)
            return ds[()]

        T = array("translator", 2, "f8")
        mx = array("translator_mean_x", 1, "f8")
        my = array("translator_mean_y", 1, "f8")
        idx = array("anchor_indices", 1, "int", required=is_dump)
        if T.shape[0] == 0 or T.shape[1] == 0 or mx.shape != (T.shape[0],) or \
                my.shape != (T.shape[1],):
            raise ValueError(f"/translator is {T.shape[0]}x{T.shape[1]} but the means have "
                             f"{mx.shape[0]} and {my.shape[0]} values (expected dx and dy)")
        if not (np.isfinite(T).all() and np.isfinite(mx).all() and np.isfinite(my).all()):
            raise ValueError("/translator or its means hold a NaN or infinity")
        if idx is not None:
            if idx.size == 0:
                raise ValueError("/anchor_indices: empty (expected the anchors' rows)")
            neg = np.flatnonzero(idx < 0)
            if neg.size:
                raise ValueError(f"/anchor_indices: {idx[neg[0]]} at position {neg[0]} (expected "
                                 "rows of the training split, >= 0)")
            idx = idx.astype(np.int64)
        t = f["translator"]
        scale_y = number_attr(t, "scale_y")
        if scale_y is None or not np.isfinite(scale_y) or scale_y <= 0:
            raise ValueError("/translator attribute 'scale_y': expected a finite number > 0")
        rescale = number_attr(t, "rescale")
        if rescale not in (0.0, 1.0):
            raise ValueError("/translator attribute 'rescale': expected 0 or 1")
        names = ("source_space", "target_space", "settings", "anchor_hash")
        text = {n: text_attr(t, "/translator", n) for n in names}
        for n in names:
            if text[n] is None and is_dump:
                raise ValueError(f"/translator attribute '{n}': missing (a translator written "
                                 "before 'irp translate --apply' existed: write it again with "
                                 "--translator)")
        split = text_attr(t, "/translator", "anchor_split")
        if split is not None and split != "train":
            raise ValueError("/translator attribute 'anchor_split': expected 'train' (the "
                             "anchors are rows of the training split)")
        h = text["anchor_hash"]
        if h is not None and not re.fullmatch("[0-9a-f]{16}", h):
            raise ValueError(f"/translator attribute 'anchor_hash': expected 16 hex digits, got "
                             f"{h[:40]!r}")
        if h is not None and idx is None:
            raise ValueError("/translator attribute 'anchor_hash' without /anchor_indices "
                             "(expected the anchors' rows beside their hash)")
        for n in ("source_space", "target_space"):
            why = text[n] is not None and _space_name_problem(text[n])
            if why:
                raise ValueError(f"/translator attribute '{n}': {why} (expected a printable "
                                 "name of at most 200 characters without '/')")
        options = _parse_settings(text["settings"], rescale)
        if legacy and text["settings"] is None:
            options = _legacy_settings(text_attr(f, "/", "irp_settings"))
        return cls(T, mx, my, scale_y, bool(rescale), options, idx, None, h,
                   text["source_space"], text["target_space"])


def _legacy_settings(text):
    """The options of a file save() wrote before the format had a version
    (root attribute irp_settings, Python's spelling: True, False)."""
    options = {}
    for tok in (text or "").split():
        key, _, val = tok.partition("=")
        kind = _SETTING_KIND.get(key)
        if kind in ("bool", "rescale") and val in ("True", "False"):
            options[key] = val == "True"
        elif kind:
            try:
                options[key] = _setting_value(kind, val)
            except ValueError:
                pass
    return options


def _refuse_foreign_links(f):
    """ValueError naming the first link to another file (external) or of a
    user-defined kind: a translator reads only itself, as the C reader does."""
    import h5py
    found = []

    def visit(name, info):
        if info.type not in (h5py.h5l.TYPE_HARD, h5py.h5l.TYPE_SOFT):
            found.append(name.decode("utf-8", "replace") if isinstance(name, bytes) else name)
            return 1
        return None

    f.id.links.visit(visit, info=True)
    if found:
        raise ValueError(f"/{found[0]} is a link to another file (or of a kind irp does not "
                         "follow); expected one self-contained file")
