"""make install into a temporary DESTDIR: every file where it belongs, a C
program compiled against the installed headers with pkg-config, the installed
Python module, the man pages."""
import os
import subprocess
import sys

import pytest

PREFIX = "/usr/local"

PROGRAM = r"""
#include <stdio.h>
#include <irp.h>
int main(void)
{
    double anchors[6] = {1, 0, 0, 1, 1, 1}, x[2] = {2, 0}, out[3];
    if (irp_flat_relative(out, x, 1, 2, anchors, 3, 0))
        return fprintf(stderr, "%s\n", irp_last_error()), 1;
    printf("%.6f %.6f %.6f\n", out[0], out[1], out[2]);
    return 0;
}
"""


PYVER = "python%d.%d" % sys.version_info[:2]
PYDIR = f"lib/{PYVER}/dist-packages"


@pytest.fixture(scope="module")
def dest(tmp_path_factory, root):
    d = tmp_path_factory.mktemp("destdir")
    r = subprocess.run(["make", "-C", root, "--no-print-directory", "install", f"DESTDIR={d}",
                        f"PREFIX={PREFIX}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return str(d) + PREFIX


def test_files_in_place(dest):
    for f in ("bin/irp", "lib/libirp.a", "lib/libirp.so.0", "lib/libirp.so",
              "include/irp/irp.h", "include/irp/irp_flat.h", "lib/pkgconfig/irp.pc",
              f"{PYDIR}/irp/__init__.py", f"{PYDIR}/irp/_libpath.py", "share/man/man1/irp.1",
              "share/man/man1/irp-run.1", "share/man/man1/irp-compare.1"):
        assert os.path.exists(os.path.join(dest, f)), f
    assert os.access(os.path.join(dest, "bin/irp"), os.X_OK)
    libpath = open(os.path.join(dest, PYDIR, "irp/_libpath.py")).read()
    assert f'"{PREFIX}/lib/libirp.so.0"' in libpath  # the final place, not the staging one


def test_c_program_with_pkg_config(dest, tmp_path):
    (tmp_path / "prog.c").write_text(PROGRAM)
    pc = ["pkg-config", f"--define-variable=prefix={dest}"]
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(dest, "lib/pkgconfig"))
    flags = subprocess.run(pc + ["--cflags", "--libs", "irp"], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert f"-I{dest}/include/irp" in flags and "-lirp" in flags
    subprocess.run(["cc", str(tmp_path / "prog.c"), "-o", str(tmp_path / "prog"), *flags],
                   check=True)
    run = subprocess.run([str(tmp_path / "prog")], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(dest, "lib")))
    assert run.returncode == 0, run.stderr
    # cosines of (2, 0) to (1, 0), (0, 1), (1, 1)
    assert run.stdout.split() == ["1.000000", "0.000000", "0.707107"]
    # and statically, with the private dependencies
    static = subprocess.run(pc + ["--static", "--libs", "irp"], env=env, capture_output=True,
                            text=True, check=True).stdout.split()
    subprocess.run(["cc", str(tmp_path / "prog.c"), "-o", str(tmp_path / "prog-static"),
                    f"-I{dest}/include/irp", f"{dest}/lib/libirp.a",
                    *[f for f in static if f not in ("-lirp",) and not f.startswith("-L" + dest)]],
                   check=True)
    out = subprocess.run([str(tmp_path / "prog-static")], capture_output=True, text=True)
    assert out.stdout.split() == ["1.000000", "0.000000", "0.707107"]


def test_installed_python_module(dest, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(dest, PYDIR),
               IRP_LIB=os.path.join(dest, "lib/libirp.so.0"))
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import irp, numpy as np; print(irp.__file__); print(irp.library_path());"
                        "print(irp.relative_projection(np.array([[2., 0]]), "
                        "np.array([[1., 0], [0, 1]])))"],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(dest) and lines[1] == os.path.join(dest, "lib/libirp.so.0")
    assert lines[2].replace(" ", "") == "[[1.0.]]"


def test_man_pages(dest):
    page = open(os.path.join(dest, "share/man/man1/irp-run.1")).read()
    assert page.startswith(".\\\" DO NOT MODIFY") and ".TH IRP-RUN" in page
    assert "\\-\\-force" in page and "resumes" in page  # from 'irp run --help'


def test_report_finds_installed_paper_numbers(dest, root, tmp_path):
    """The installed irp, run away from any checkout without --paper, reads the
    paper's numbers installed beside it in share/irp/."""
    assert os.path.exists(os.path.join(dest, "share/irp/paper-numbers.csv"))
    (tmp_path / "results").mkdir()
    for src, dst in (("configs/invert.ini", "invert.ini"), ("results/invert.csv", "results/invert.csv")):
        (tmp_path / dst).write_bytes(open(os.path.join(root, src), "rb").read())
    r = subprocess.run([os.path.join(dest, "bin/irp"), "report", "--out", "R.md", "invert.ini"],
                       cwd=str(tmp_path), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    report = (tmp_path / "R.md").read_text()
    assert f"The paper's numbers are read from `{dest}/share/irp/paper-numbers.csv`" in report


@pytest.mark.parametrize("setting, said", [
    ("PREFIX=/opt/x; touch {tmp}/ran", "PREFIX="),
    ("PREFIX=/opt/r&touch {tmp}/ran", "PREFIX="),
    ("PREFIX=/opt/`touch {tmp}/ran`", "PREFIX="),
    ("PREFIX=opt", "PREFIX=opt is not an absolute path"),
    ("DESTDIR={tmp}/with space", "DESTDIR="),
    ("DESTDIR=relative", "DESTDIR=relative is not an absolute path"),
    ("PYDIR=/x/$$(touch {tmp}/ran)", "PYDIR="),
])
def test_unsafe_install_paths_refused(root, tmp_path, setting, said):
    """A PREFIX, DESTDIR or PYDIR that a shell would split or run is refused
    with one line naming it, before anything is copied; nothing runs, and no
    tree appears in the source folder or the working directory."""
    before = set(os.listdir(root))
    r = subprocess.run(["make", "-s", "-C", root, "--no-print-directory", "install",
                        setting.format(tmp=tmp_path)],
                       cwd=str(tmp_path), capture_output=True, text=True)
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.startswith("make install: ")]
    assert len(lines) == 1 and said in lines[0], r.stderr[-2000:]
    assert not os.path.exists(tmp_path / "ran")
    assert os.listdir(tmp_path) == []
    assert set(os.listdir(root)) == before


def test_pip_install_offline(root, tmp_path):
    """pip install ./python into a venv that sees Debian's NumPy: offline
    (--no-index, --no-build-isolation), the C core built and bundled, so the
    installed module works from anywhere with no IRP_LIB and no checkout on
    its path."""
    venv = tmp_path / "env"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("IRP_LIB", "PYTHONPATH")}
    r = subprocess.run([str(venv / "bin/pip"), "install", "--no-index", "--no-build-isolation",
                        "--quiet", os.path.join(root, "python")],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    r = subprocess.run([str(venv / "bin/python"), "-c",
                        "import irp, numpy as np\n"
                        "print(irp.__file__); print(irp.library_path())\n"
                        "rng = np.random.default_rng(0)\n"
                        "a = rng.normal(size=(60, 8)); q, _ = np.linalg.qr(rng.normal(size=(8, 8)))\n"
                        "t = irp.Translator.fit(a, a @ q, omega=1, delta=0)\n"
                        "y, z = t.transform(a), a @ q\n"
                        "cos = (y * z).sum(1) / np.linalg.norm(y, axis=1) / np.linalg.norm(z, axis=1)\n"
                        "print(float(1 - cos.min()))\n"],
                       cwd=str(work), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    path, lib, err = r.stdout.split()
    site = str(venv / "lib")
    assert path.startswith(site) and lib.startswith(site) and lib.endswith("irp/libirp.so.0")
    assert float(err) < 1e-9  # an exact rotation: every row's direction recovered
