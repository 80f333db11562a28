"""Shared fixtures: the repository, the irp binary, the test data, and the
module imported from python/ (before NumPy, so that it pins OpenBLAS's kernel
as the irp command does)."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import irp  # noqa: E402,F401  (first: pins the BLAS kernel before NumPy loads)

import pytest  # noqa: E402


def _path(env, default):
    p = os.environ.get(env, default)
    return p if os.path.isabs(p) else os.path.join(ROOT, p)


@pytest.fixture(scope="session")
def irp_bin():
    return _path("IRP_BIN", "build/irp")


@pytest.fixture(scope="session")
def tiny():
    return os.path.join(_path("IRP_TEST_DATA", "build/testdata"), "tiny.h5")


@pytest.fixture(scope="session")
def root():
    return ROOT
