"""irp — Inverse Relative Projection (Maiorca et al. 2024) from Python, over
the C core of the irp harness (libirp.so, through ctypes).

    import numpy as np, irp
    idx = irp.anchor_indices(len(train_x), 1280, seed=0)      # the runner's anchors
    t = irp.Translator.fit(train_x[idx], train_y[idx], omega=8, delta=0.65, center=True)
    y_hat = t.transform(test_x)                               # X -> Y, zero-shot
    t.save("x-to-y.h5"); t2 = irp.Translator.load("x-to-y.h5")
    irp.write_dump("mine.h5", {"x": (train_x, test_x), "y": (train_y, test_y)},
                   train_labels=ytr, test_labels=yte, heads={"y": {"linear": clf}})

Errors from the core are raised as irp.IrpError with its message; wrong
shapes as ValueError naming the argument.

The numbers equal the irp command's to the last bit when OpenBLAS runs the
kernel irp pins (Haswell on a CPU with AVX2 and FMA): importing irp before
NumPy pins it (OpenBLAS reads OPENBLAS_CORETYPE once, when it loads);
imported after NumPy, OpenBLAS keeps the kernel it chose and results agree
with the command's to about 1e-9 relative. BLAS_PINNED says which happened;
IRP_UNPINNED=1 leaves the kernel alone."""
import os as _os
import sys as _sys


def _pin_blas():
    if _os.environ.get("IRP_UNPINNED") == "1" or "numpy" in _sys.modules:
        return False
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = next((l for l in f if l.startswith("flags")), "")
    except OSError:
        pass
    want = "Haswell" if {"avx2", "fma"} <= set(flags.split()) else "Prescott"
    _os.environ["OPENBLAS_CORETYPE"] = want
    return True


BLAS_PINNED = _pin_blas()

from ._core import (TRANSLATOR_SCHEMA, IrpError, Translator, anchor_hash,  # noqa: F401
                    anchor_indices, fps, fps_subsets, library_path, relative_projection)
from .dump import head_layers, write_dump  # noqa: F401
from .read import Dump, ResultTable, read_dump, read_table  # noqa: F401

__version__ = "0.1.0"
