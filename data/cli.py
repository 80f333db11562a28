"""cli — what the data producers share for bad input (docs/untrusted-input.md):
ONE line on stderr naming the file or argument and what was expected, a
non-zero exit (2 for a bad command line, 1 otherwise), nothing half-written
(outputs checked before any work, written to <path>.tmp and renamed).
Standard library only: build_corpus.py runs without NumPy."""
import argparse
import os
import stat
import sys

PROG = os.path.splitext(os.path.basename(sys.argv[0] or "irp-data"))[0]


def die(msg, code=1):
    """One line, `prog: msg`, and exit."""
    sys.stderr.write(f"{PROG}: {' '.join(str(msg).split())}\n")
    sys.stderr.flush()
    raise SystemExit(code)


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line (argparse prints the
    usage too), naming the argument: `prog: argument --seed: ...`."""

    def error(self, message):
        die(message, code=2)


def int_in(lo, hi):
    """An argparse type: a decimal integer from lo to hi, else one line naming it."""
    def parse(text):
        try:
            v = int(text, 10)
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{text!r}: expected an integer from {lo} to {hi}")
        return v
    parse.__name__ = "integer"
    return parse


SEED = int_in(0, 2 ** 32 - 1)


def input_file(path, what, empty_ok=False):
    """A regular, readable, non-empty file (a FIFO would block, a device never end)."""
    try:
        st = os.stat(path)
    except OSError as e:
        die(f"{path}: cannot read ({e.strerror}); expected {what}")
    if not stat.S_ISREG(st.st_mode):
        die(f"{path}: not a regular file; expected {what}")
    if not os.access(path, os.R_OK):
        die(f"{path}: not readable; expected {what}")
    if st.st_size == 0 and not empty_ok:
        die(f"{path}: empty; expected {what}")
    return path


def input_dir(path, what):
    if not os.path.isdir(path):
        die(f"{path}: {'not a directory' if os.path.exists(path) else 'no such directory'}; "
            f"expected {what}")
    return path


def output(path, flag="--out", tmp=".tmp", make_parent=False):
    """Before any work: the output can be written. Its directory exists (or,
    with make_parent, can be made: the nearest existing ancestor is a
    directory); neither it nor its temporary file is a symlink, directory,
    FIFO or device (irp replaces only regular files)."""
    if not path:
        die(f"{flag}: expected a file name")
    parent = os.path.dirname(os.path.abspath(path))
    if make_parent:
        up = parent
        while not os.path.lexists(up):
            up = os.path.dirname(up)
        if not os.path.isdir(up):
            die(f"{path}: {up} is not a directory; {flag} expects a file in a directory")
    elif not os.path.isdir(parent):
        die(f"{path}: the directory {parent} does not exist ({flag})")
    for p in (path, path + tmp):
        if os.path.lexists(p) and (os.path.islink(p) or not os.path.isfile(p)):
            die(f"{p}: exists and is not a regular file; irp replaces only regular files")
    return path


def distinct(*flags_paths):
    """No two outputs (flag, path) are the same file."""
    seen = {}
    for flag, p in flags_paths:
        if not p:
            continue
        k = os.path.realpath(p)
        if k in seen:
            die(f"{p}: given as both {seen[k]} and {flag}; expected different files")
        seen[k] = flag


def write_atomic(path, data, tmp=".tmp"):
    """data (str or bytes) to path via path+tmp, renamed on success; a failure
    (full disk, permissions) is one line and leaves neither file."""
    t = path + tmp
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if os.path.isfile(t) and not os.path.islink(t):  # stale, from a killed run
            os.remove(t)
        fd = os.open(t, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(t, path)
    except OSError as e:
        if os.path.lexists(t) and not os.path.isdir(t):
            os.remove(t)
        die(f"{path}: cannot write ({e.strerror or e}); nothing written")


def run(main, *args):
    """main(*args); an OSError nobody anticipated (full disk, a file vanished)
    is still one line naming its file."""
    try:
        return main(*args)
    except OSError as e:
        die(f"{e.filename or PROG}: {e.strerror or e}")
