#!/usr/bin/python3
"""Hostile and unusual dumps for tests/test_hostile.c, each a copy of the
synthetic dump (make_synthetic.py) changed in one way, the way a careless or
malicious producer would write it with plain h5py.
  /usr/bin/python3 tests/make_hostile.py TINY.h5 OUTDIR
"""
import os
import shutil
import sys

import h5py
import numpy as np

tiny, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def variant(name, change):
    path = os.path.join(out, name + ".h5")
    shutil.copy(tiny, path)
    with h5py.File(path, "r+") as f:
        change(f)


def set_attr(obj, key, value):
    if key in obj.attrs:
        del obj.attrs[key]
    obj.attrs[key] = value


# the natural h5py forms of class_names: a list (variable-length strings), and
# fixed-length byte strings; both are accepted (joined with ',')
variant("classnames-list", lambda f: set_attr(f, "class_names", ["north", "east", "south", "west"]))
variant("classnames-fixed", lambda f: set_attr(f, "class_names",
                                               np.array([b"north", b"east", b"south", b"west"])))
# a string attribute that must be one string, given as an array
variant("model-list", lambda f: set_attr(f["spaces/rot-a"], "model", ["a", "b"]))
variant("schema-number", lambda f: set_attr(f, "schema", np.int32(7)))


def huge(f):  # a declared shape whose byte count overflows 64 bits
    g = f["spaces/wide"]
    del g["test"]
    g.create_dataset("test", shape=(200, 2**62), dtype="f4", chunks=(1, 1024))
variant("huge-shape", huge)


def big_declared(f):  # 200 x 2^26 floats (50 GiB) of fill values in a small file
    g = f["spaces/wide"]
    del g["test"]
    g.create_dataset("test", shape=(200, 2**26), dtype="f4", chunks=(1, 4096))
variant("big-declared", big_declared)


def train_labels_only(f):
    del f["samples/test/labels"]
variant("labels-train-only", train_labels_only)


def zero_test_row(f):
    d = f["spaces/narrow/test"]
    a = d[...]
    a[3] = 0
    d[...] = a
variant("zero-test-row", zero_test_row)


def nan_value(f):
    d = f["spaces/rot-b/train"]
    a = d[...]
    a[5, 2] = np.nan
    d[...] = a
variant("nan-value", nan_value)


def evil_names(f):  # space and head names that would run commands if quoted naively
    f.move("spaces/rot-a", 'spaces/x";system("touch pwned-gp")#')
    f.move("spaces/narrow", "spaces/n'`touch pwned-bq`")
variant("evil-names", evil_names)

# not HDF5 at all, and HDF5 cut short
with open(os.path.join(out, "text.h5"), "w") as fh:
    fh.write("this is not an HDF5 file\n")
with open(tiny, "rb") as fh:
    head = fh.read(4096)
with open(os.path.join(out, "truncated.h5"), "wb") as fh:
    fh.write(head)


def newline_name(f):  # a name that would forge CSV rows ("\n#...") and error lines
    f.move("spaces/rot-b", "spaces/b\n#c,irp: all good")
variant("newline-name", newline_name)


def long_names(f):  # two names that share their first 503 characters
    f.move("spaces/rot-a", "spaces/" + "a" * 503)
    f.move("spaces/rot-b", "spaces/" + "a" * 503 + "-rot-b")
variant("long-names", long_names)


def pipe_names(f):  # a name that would break a Markdown table
    f.move("spaces/narrow", "spaces/n|9|<b>x")
variant("pipe-names", pipe_names)


def escape_attrs(f):  # terminal escape codes in the dataset and model names
    set_attr(f, "dataset", "\x1b[31mred\x1b]0;owned\x07")
    set_attr(f["spaces/rot-a"], "model", "m\x1b[2J\rclear")
variant("escape-attrs", escape_attrs)


def external_link(f):  # a split read from another file, one the sharer may never have sent
    data = f["spaces/rot-a/test"][...]
    other = os.path.join(out, "elsewhere.h5")
    with h5py.File(other, "w") as g:
        g["rows"] = data
    del f["spaces/rot-a/test"]
    f["spaces/rot-a/test"] = h5py.ExternalLink("elsewhere.h5", "/rows")
variant("external-link", external_link)


def wide_label(f):  # a label beyond int32 (HDF5 would clamp it to 2147483647)
    labels = f["samples/test/labels"][...].astype(np.int64)
    labels[7] = 2 ** 33 + 1
    del f["samples/test/labels"]
    f["samples/test/labels"] = labels
variant("wide-label", wide_label)
