#!/usr/bin/python3
"""The layering of the C code, checked from its #include lines.

  check_layers.py [ROOT]      (ROOT: the repository, default: this file's ..)

Layers, bottom to top (docs/internals.md):

  core/               the numerical library: includes only core/ headers and
                      the C library, opens no file and prints nothing
  harness/plumbing/   dump, HDF5, CSV, config syntax, gnuplot, markdown, pool:
                      knows no experiment kind
  harness/driver/     the run: cells, rows, the pair engine, the registry's
                      interface (experiment.h)
  harness/kinds/      one file per experiment kind, the registry, the claims
  harness/cli/        the commands

A file may include headers of its own layer and of the layers below it,
never above. Within harness/, modules (x.c with x.h) form no include cycle.
And the method and metric names of result tables are spelt only in
harness/plumbing/vocab.h: a .c file under harness/ that writes one of them
as a string literal outside a comment is reported (a line may opt out with a
comment containing "vocab:", for a string that only looks like one).

Prints one line per problem and exits 1, or prints a summary and exits 0."""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), ".."))
LAYERS = ["core", "plumbing", "driver", "kinds", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# words that vocab.h names but that also mean other things (HDF5 attributes,
# config keys, column names): not reported
AMBIGUOUS = {"anchors", "dim", "rank", "cond", "mean", "std", "cv", "norm", "space"}
problems = []


def layer_of(rel):
    """Layer index of a repository-relative path, or None outside the layers."""
    parts = rel.split("/")
    if parts[0] == "core":
        return 0
    if parts[0] == "harness" and len(parts) > 2 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return None


def sources():
    for top in ("core", "harness"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def resolve(rel, inc):
    """The repository path an include names (quoted: beside the file, then
    -Icore, -Iharness), or None for a generated or outside header."""
    for base in (os.path.dirname(rel), "core", "harness"):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: "\n" * m.group(0).count("\n"), text,
                  flags=re.S)


files = sorted(sources())
graph = {}
for rel in files:
    own = layer_of(rel)
    if own is None:
        problems.append(f"{rel}: outside the layers (core/, harness/{{{','.join(LAYERS[1:])}}}/)")
        continue
    text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
    for inc in INCLUDE.findall(text):
        target = resolve(rel, inc)
        if target is None:
            continue
        lt = layer_of(target)
        if lt is not None and lt > own:
            problems.append(f"{rel}: includes {target}: {LAYERS[lt]} is above {LAYERS[own]}")
        if rel.startswith("harness/") and target.startswith("harness/"):
            a, b = os.path.splitext(rel)[0], os.path.splitext(target)[0]
            if a != b:
                graph.setdefault(a, set()).add(b)
    if own == 0:
        code = strip_comments(text)
        for m in re.finditer(r"\b(fopen|fprintf|printf|puts|fputs|fwrite|open|perror)\s*\(",
                             code):
            line = code.count("\n", 0, m.start()) + 1
            problems.append(f"{rel}:{line}: core/ opens no file and prints nothing "
                            f"({m.group(1)})")

# module cycles (x.c/x.h as one module)
state = {}


def visit(node, path):
    state[node] = 1
    for nxt in sorted(graph.get(node, ())):
        if state.get(nxt) == 1:
            cyc = path[path.index(nxt):] + [nxt]
            problems.append("include cycle: " + " -> ".join(cyc))
        elif nxt not in state:
            visit(nxt, path + [nxt])
    state[node] = 2


for node in sorted(graph):
    if node not in state:
        visit(node, [node])

# the vocabulary
vocab_path = os.path.join(ROOT, "harness/plumbing/vocab.h")
vocab = {}
if os.path.isfile(vocab_path):
    for name, value in re.findall(r'#define\s+(MT?_\w+)\s+"([^"]*)"',
                                  open(vocab_path, encoding="utf-8").read()):
        if not value.startswith("_") and value not in AMBIGUOUS:
            vocab[value] = name
else:
    problems.append("harness/plumbing/vocab.h: missing (the names of methods and metrics)")
for rel in files:
    if not (rel.startswith("harness/") and rel.endswith(".c")):
        continue
    lines = strip_comments(open(os.path.join(ROOT, rel), encoding="utf-8").read()).split("\n")
    raw = open(os.path.join(ROOT, rel), encoding="utf-8").read().split("\n")
    for n, (code, orig) in enumerate(zip(lines, raw), 1):
        if "vocab:" in orig:
            continue
        for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', code):
            name = vocab.get(lit.lstrip("!"))
            if name:
                problems.append(f'{rel}:{n}: "{lit}" is spelt in harness/plumbing/vocab.h '
                                f"(use {name})")

for p in problems:
    print(p)
if problems:
    sys.exit(1)
edges = sum(len(v) for v in graph.values())
print(f"layers ok: {len(files)} files, {edges} module arrows, none going up, no cycle; "
      f"{len(vocab)} vocabulary names spelt once")
