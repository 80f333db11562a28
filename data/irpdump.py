"""irpdump — the dump writer the producers import; it lives in the Python
module (python/irp/dump.py, installed as irp.dump), so researchers and the
producers write dumps with the same code. Importing it needs NumPy and h5py,
not the compiled library."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from irp.dump import (ACTIVATIONS, SCHEMA, create, head_accuracy,  # noqa: E402,F401
                      write_linear_head, write_mlp_head, write_samples, write_space)
