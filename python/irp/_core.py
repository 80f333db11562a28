"""The C core (libirp.so) through ctypes: NumPy arrays in, NumPy arrays out.

Shapes and dtypes are checked here (ValueError naming the argument); what
the core refuses (non-finite values, a zero row, an option out of range)
comes back as IrpError with the core's own message. The library is found,
in order: $IRP_LIB; the path `make install` recorded (_libpath.py); the
build tree this file sits in (build/libirp.so.0); the system's libirp.so.0."""
import ctypes
import ctypes.util
import os
import stat
import sys

import numpy as np

__all__ = ["IrpError", "relative_projection", "anchor_indices", "fps", "fps_subsets",
           "Translator", "library_path"]

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


def library_path():
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


def _plausible(ds, file_size, elem=8):
    """The bytes dataset `ds` needs in memory as `elem`-byte values, or
    ValueError when that is beyond what a file of file_size bytes can hold."""
    n = 1
    for d in ds.shape:
        n *= int(d)
    need = n * elem
    if need > _ALWAYS_PLAUSIBLE and need > _MAX_RATIO * file_size:
        raise ValueError(f"/{ds.name.lstrip('/')} declares shape {ds.shape} ({need:,} bytes "
                         f"in memory), more than a file of {file_size:,} bytes can hold "
                         f"(at most {_MAX_RATIO}x its size beyond 64 MiB)")
    return need


def _seed(v):
    return _count("seed", v, 0, 2**64 - 1)


def relative_projection(x, anchors, center=False):
    """Cosines of each row of x (n x d) to each anchor (k x d): an n x k array.
    center=True subtracts the anchors' mean from both first."""
    lib = _load()
    a = _matrix("anchors", anchors)
    xm = _matrix("x", x, a.shape[1])
    out = np.empty((xm.shape[0], a.shape[0]))
    _check(lib.irp_flat_relative(_ptr(out), _ptr(xm), xm.shape[0], xm.shape[1], _ptr(a),
                                 a.shape[0], int(bool(center))))
    return out


def anchor_indices(n, k, seed=0):
    """The k anchor rows irp draws from n training rows with this seed (the
    'anchors' and 'anchor_seed' of a config): positions in the training split,
    not sample ids."""
    lib = _load()
    n, k, seed = _count("n", n), _count("k", k, 1), _seed(seed)
    out = np.empty(k, dtype=np.int64)
    _check(lib.irp_flat_anchor_indices(_ptr(out, ctypes.c_int64), n, k, seed))
    return out


def fps(anchors, delta=None, fraction=None, first=0, center=False):
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


def fps_subsets(anchors, omega, delta=None, fraction=None, seed=0, center=False):
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


class Translator:
    """IRP from a space X to a space Y, fitted on paired anchors (k x dx and
    k x dy, row i of both the same input). Attributes: T (dx x dy), mean_x,
    mean_y (zero unless centred), scale_y (Y's mean anchor norm), rescale,
    options (dict), mean_subset_size, anchors (training rows, or None)."""

    def __init__(self, T, mean_x, mean_y, scale_y, rescale=True, options=None, anchors=None,
                 mean_subset_size=None):
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

    @classmethod
    def fit(cls, anchors_x, anchors_y, omega=1, delta=0.0, prune="threshold", center=False,
            completion=False, rescale=True, rcond=-1.0, seed=0, anchors=None):
        """Fit on paired anchors. omega subsets pruned by FPS at delta
        (prune='threshold') or keeping a fraction delta of the anchors
        (prune='fraction'); rcond < 0 is LAPACK's default pinv cutoff;
        center subtracts each side's anchor mean; completion aligns the
        decoded anchors to Y's by a rotation. anchors: which training rows
        these are (recorded by save)."""
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
        opts = dict(omega=omega, delta=float(delta), prune=prune, center=bool(center),
                    completion=bool(completion), rescale=bool(rescale), rcond=float(rcond),
                    seed=seed)
        return cls(T, mx, my, scale.value, rescale, opts, anchors, size.value)

    def transform(self, x):
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

    def save(self, path):
        """Write the translator as 'irp translate --translator' does: /translator
        (float64 dx x dy, attributes scale_y and rescale), /translator_mean_x,
        /translator_mean_y and, when known, /anchor_indices. To <path>.tmp, then
        renamed."""
        import h5py
        from .dump import prepare_output
        tmp = prepare_output(path)
        try:
            with h5py.File(tmp, "w") as f:
                t = f.create_dataset("translator", data=self.T)
                t.attrs["scale_y"] = self.scale_y
                t.attrs["rescale"] = np.int32(self.rescale)
                f.create_dataset("translator_mean_x", data=self.mean_x)
                f.create_dataset("translator_mean_y", data=self.mean_y)
                if self.anchors is not None:
                    f.create_dataset("anchor_indices", data=self.anchors)
                f.attrs["irp_settings"] = " ".join(f"{k}={v}" for k, v in self.options.items())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    @classmethod
    def load(cls, path):
        """Read a translator written by save() or by 'irp translate --translator';
        ValueError naming the file when it is not one."""
        import h5py
        try:
            st = os.stat(path)
        except (OSError, TypeError, ValueError) as e:
            raise ValueError(f"{path!r}: cannot open ({e})") from None
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path}: not a regular file; expected a translator (HDF5)")
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise ValueError(f"{path}: cannot open as HDF5 ({e})") from None
        with f:
            for need in ("translator", "translator_mean_x", "translator_mean_y"):
                if need not in f or not isinstance(f[need], h5py.Dataset):
                    raise ValueError(f"{path}: /{need} missing; expected a file written by "
                                     "Translator.save or 'irp translate --translator'")
            t = f["translator"]
            for a in ("scale_y", "rescale"):
                if a not in t.attrs:
                    raise ValueError(f"{path}: /translator has no attribute '{a}'")
            try:
                # every shape checked (rank, type, size, agreement) before any is read
                names = (("translator", 2), ("translator_mean_x", 1), ("translator_mean_y", 1))
                for name, ndim in names:
                    ds = f[name]
                    if ds.ndim != ndim or ds.dtype.kind not in "iuf":
                        raise ValueError(f"/{name} is {ds.dtype} of rank {ds.ndim}; expected "
                                         f"real numbers of rank {ndim}")
                    _plausible(ds, st.st_size)
                dx, dy = f["translator"].shape
                for name, want in (("translator_mean_x", dx), ("translator_mean_y", dy)):
                    if f[name].shape != (want,):
                        raise ValueError(f"/{name} has shape {f[name].shape}; /translator is "
                                         f"{dx} x {dy}, so expected ({want},)")
                if "anchor_indices" in f:
                    ds = f["anchor_indices"]
                    if not isinstance(ds, h5py.Dataset) or ds.ndim != 1 or \
                            ds.dtype.kind not in "iu":
                        raise ValueError("/anchor_indices must be a 1-D integer dataset")
                    _plausible(ds, st.st_size)
                arrays = {name: f[name][()] for name, _ in names}
                anchors = f["anchor_indices"][()] if "anchor_indices" in f else None
                rescale = t.attrs["rescale"]
                if np.ndim(rescale) != 0 or rescale not in (0, 1):
                    raise ValueError(f"/translator attribute rescale is {rescale!r}; expected "
                                     "0 or 1")
                return cls(arrays["translator"], arrays["translator_mean_x"],
                           arrays["translator_mean_y"], t.attrs["scale_y"], bool(rescale),
                           None, anchors)
            except (ValueError, TypeError, KeyError) as e:
                raise ValueError(f"{path}: {e}") from None
