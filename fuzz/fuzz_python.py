#!/usr/bin/python3
"""Fuzzing the Python module's readers (irp.read_dump, irp.read_table,
irp.Translator.load): seeded mutations of valid inputs — byte-level (flips,
interesting bytes, cut, deleted or repeated blocks) for every reader, and
structure-level for HDF5 (an attribute or dataset replaced with another type,
shape or value, as h5py would write it) — each read in a forked child with a
time limit. Every reader must return or raise ValueError (IrpError for the
core's refusals); any other exception, a crash or a hang is a finding, kept
under OUT/findings with what happened.

  /usr/bin/python3 fuzz/fuzz_python.py SECONDS OUT [--seed S]

Prints executions and findings per reader. libhdf5 1.10.8 itself crashes on
some corrupted files (the C harness contains that in a child process); such
crashes are counted apart ('library crashes'), with the file kept."""
import os
import random
import signal
import shutil
import sys
import time
import traceback

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
import irp  # noqa: E402  (before NumPy: pins BLAS as the command does)
import numpy as np  # noqa: E402
import h5py  # noqa: E402

secs, out = float(sys.argv[1]), sys.argv[2]
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
rng = random.Random(seed)
os.makedirs(os.path.join(out, "findings"), exist_ok=True)
work = os.path.join(out, "work")
os.makedirs(work, exist_ok=True)


def seeds():
    d = os.path.join(out, "seeds")
    if not os.path.isdir(d):
        os.makedirs(d)
        import subprocess
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "fuzz/make_seeds.py"), d],
                       check=True)
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "fuzz/make_seeds.py"),
                        "--translators", d], check=True)
        for name in ("stitch.csv", "invert.csv", "scale-invariance.csv"):
            src = os.path.join(ROOT, "results", name)
            if os.path.exists(src):
                with open(src, "rb") as f, open(os.path.join(d, name), "wb") as g:
                    text = f.read(30000)  # whole lines only: the seed must be valid
                    g.write(text[:text.rfind(b"\n") + 1])
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    return {"dump": [f for f in files if f.endswith(".h5") and "dump" not in f and
                     os.path.basename(f) not in ("plain.h5", "named.h5")],
            "translator": [f for f in files if os.path.basename(f) in
                           ("plain.h5", "named.h5", "in-dump.h5")],
            "table": [f for f in files if f.endswith(".csv")]}


def read(kind, path):
    if kind == "dump":
        irp.read_dump(path)
    elif kind == "translator":
        irp.Translator.load(path)
    else:
        irp.read_table(path)


INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x2C, 0x0A, 0x22]


def mutate_bytes(data):
    b = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 8])):
        if not b:
            break
        op = rng.randrange(6)
        i = rng.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i] = rng.choice(INTERESTING)
        elif op == 2:
            del b[i:i + rng.randrange(1, 64)]
        elif op == 3:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randrange(1, 64)]
        elif op == 4:
            del b[rng.randrange(len(b)):]
        else:
            b[i:i + 4] = rng.randrange(1 << 32).to_bytes(4, "little")
    return bytes(b)


def weird_value():
    return rng.choice([
        np.float64(np.nan), np.float32(np.inf), -1, 0, 2**40, 2**63 - 1, -2**63, "", "x" * 300,
        "a\nb", b"\xff\xfe", np.array([1, 2, 3]), np.array([[1.5]]), np.array(["a", "b"], dtype="S"),
        np.zeros((0,)), np.zeros((2, 0), dtype=np.float32), np.ones((3, 3), dtype=np.float16),
        np.array([1e39], dtype=np.float64), np.arange(5, dtype=np.uint64),
        np.full((4, 2), np.nan, dtype=np.float32), np.array(7, dtype=np.int8)])


def mutate_h5(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        objs = []
        f.visititems(lambda n, o: objs.append(n))
        targets = ["/"] + objs
        for _ in range(rng.choice([1, 1, 2, 3])):
            name = rng.choice(targets)
            try:
                obj = f[name]
            except KeyError:
                continue
            if rng.random() < 0.5 and len(obj.attrs):
                key = rng.choice(list(obj.attrs))
                del obj.attrs[key]
                if rng.random() < 0.8:
                    obj.attrs[key] = weird_value()
            elif isinstance(obj, h5py.Dataset):
                del f[name]
                if rng.random() < 0.85:
                    f[name] = weird_value()
            elif name != "/" and rng.random() < 0.3:
                del f[name]


def run_one(kind, path, timeout=20):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.alarm(timeout)
        try:
            read(kind, path)
            msg = b"ok"
        except (ValueError, irp.IrpError):
            msg = b"refused"
        except BaseException:
            msg = ("EXCEPTION " + traceback.format_exc()[-1500:]).encode()
        os.write(w, msg)
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        c = os.read(r, 65536)
        if not c:
            break
        chunks.append(c)
    os.close(r)
    _, st = os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    if os.WIFSIGNALED(st):
        sig = os.WTERMSIG(st)
        return ("hang" if sig == signal.SIGALRM else f"crash (signal {sig})"), text
    return text.split(" ", 1)[0], text


def main():
    pools = seeds()
    stats = {k: {"execs": 0, "ok": 0, "refused": 0, "findings": 0, "library crashes": 0,
                 "hangs": 0} for k in pools}
    t0 = time.time()
    n = 0
    while time.time() - t0 < secs:
        kind = rng.choice([k for k in pools if pools[k]])
        src = rng.choice(pools[kind])
        path = os.path.join(work, f"in-{kind}{os.path.splitext(src)[1]}")
        try:
            if kind != "table" and rng.random() < 0.5:
                mutate_h5(src, path)
            else:
                with open(src, "rb") as f:
                    data = mutate_bytes(f.read())
                with open(path, "wb") as f:
                    f.write(data)
        except Exception:  # h5py could not write that mutation: try another
            continue
        verdict, text = run_one(kind, path)
        s = stats[kind]
        s["execs"] += 1
        n += 1
        if verdict in ("ok", "refused"):
            s[verdict] += 1
            continue
        if verdict.startswith("crash") and kind != "table":
            s["library crashes"] += 1  # inside libhdf5, as for the C reader (kept)
            what = "library-crash"
        elif verdict == "hang":
            s["hangs"] += 1
            what = "hang"
        else:
            s["findings"] += 1
            what = "finding"
        keep = os.path.join(out, "findings", f"{what}-{kind}-{n}{os.path.splitext(src)[1]}")
        shutil.copy(path, keep)
        with open(keep + ".txt", "w") as f:
            f.write(f"{verdict}\n{text}\n")
    total = sum(s["execs"] for s in stats.values())
    for k, s in stats.items():
        print(f"{k:10} {s['execs']:6} executions: {s['ok']} read, {s['refused']} refused with "
              f"ValueError; {s['findings']} findings, {s['hangs']} hangs, "
              f"{s['library crashes']} libhdf5 crashes")
    print(f"{total} executions in {time.time() - t0:.0f} s (seed {seed}); findings in "
          f"{os.path.join(out, 'findings')}")
    return 1 if any(s["findings"] or s["hangs"] for s in stats.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
