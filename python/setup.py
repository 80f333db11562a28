"""Builds the C core with the checkout's Makefile and bundles it as
irp/libirp.so.0, so that an installed irp needs neither the checkout nor
IRP_LIB. Metadata: pyproject.toml."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class BuildWithCore(build_py):
    def run(self):
        super().run()
        makefile = os.path.join(ROOT, "Makefile")
        if not os.path.exists(makefile) or not os.path.isdir(os.path.join(ROOT, "core")):
            raise SystemExit(f"irp: {ROOT} is not an irp checkout (no Makefile and core/); "
                             "pip install irp from the checkout's python/ folder")
        # argument vector, no shell: the path may hold any character
        r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "build/libirp.so.0"])
        if r.returncode:
            raise SystemExit("irp: building libirp.so.0 failed (see above); 'make' in the "
                             "checkout says which Debian packages are missing")
        dest = os.path.join(self.build_lib, "irp")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, "build", "libirp.so.0"), os.path.join(dest, "libirp.so.0"))


class BinaryDistribution(Distribution):
    def has_ext_modules(self):  # the wheel carries a compiled library: platform-specific
        return True


setup(cmdclass={"build_py": BuildWithCore}, distclass=BinaryDistribution)
