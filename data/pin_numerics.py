"""Pins everything that selects numerics in the data producers, so a dump's
embeddings and heads are the same bytes on every x86-64 machine with AVX2
(and FMA): PyTorch's CPU kernels, oneDNN's (MKL-DNN, used for convolutions),
OpenBLAS's kernel and thread count (NumPy, scikit-learn and torch's BLAS),
OpenMP's threads, and torch's deterministic-algorithm switch.

Import it first, before numpy, sklearn or torch: the libraries read these
variables when they load. The producer sets them itself; a value already in
the user's shell is overridden (and said on stderr), since a dump must not
depend on the shell it was made from. IRP_UNPINNED=1 turns the pin off (only
to show what it changes: data/README.md's check).

On a CPU without AVX2/FMA the pinned kernels cannot run: the producer then
pins the portable baseline instead and warns that its numbers will not match
the committed ones."""
import os
import sys

AVX2 = {
    "ATEN_CPU_CAPABILITY": "avx2",   # PyTorch's vectorised CPU kernels
    "ONEDNN_MAX_CPU_ISA": "AVX2",    # oneDNN (MKL-DNN) convolutions
    "DNNL_MAX_CPU_ISA": "AVX2",      # the same, oneDNN's older name
    "OPENBLAS_CORETYPE": "Haswell",  # OpenBLAS's kernels (AVX2 + FMA)
}
BASELINE = {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41",
            "DNNL_MAX_CPU_ISA": "SSE41", "OPENBLAS_CORETYPE": "Prescott"}
THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _cpu_flags():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _pin():
    if os.environ.get("IRP_UNPINNED") == "1":
        print("pin_numerics: IRP_UNPINNED=1: numerics NOT pinned; this dump depends on the "
              "CPU and the shell", file=sys.stderr)
        return "unpinned"
    if any(m in sys.modules for m in ("numpy", "torch", "sklearn")):
        raise SystemExit("pin_numerics: imported after numpy/torch/sklearn; the pin cannot "
                         "take effect (import it first)")
    flags = _cpu_flags()
    pins = AVX2 if {"avx2", "fma"} <= flags else BASELINE
    if pins is BASELINE:
        print("pin_numerics: this CPU lacks AVX2/FMA: pinning the portable baseline; the "
              "dumps (and tables) will differ from the committed ones", file=sys.stderr)
    for k, v in {**pins, **THREADS}.items():
        old = os.environ.get(k)
        if old is not None and old != v:
            print(f"pin_numerics: {k}={old} from the environment overridden by {v}",
                  file=sys.stderr)
        os.environ[k] = v
    return " ".join(f"{k}={v}" for k, v in pins.items()) + " threads=1"


NUMERICS = _pin()


def torch_deterministic(torch):
    """One thread and deterministic algorithms; call right after importing torch."""
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
