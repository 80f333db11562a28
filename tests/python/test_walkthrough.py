"""The walk-through of docs/own-encoders.md, run as written: the shell block
between <!-- walkthrough --> and <!-- /walkthrough --> in an empty directory
with IRP set to the checkout. Its numbers are then checked: the Python
translation's accuracy is the runner's for the same pair, and the report holds
a zero-shot row that beats the absolute baseline; the table read back in Python
says what the CSV says; the translator applied to new rows by --apply gives what
Translator.transform gives."""
import csv
import os
import re
import subprocess


def test_walkthrough(tmp_path, root, irp_bin):
    text = open(os.path.join(root, "docs", "own-encoders.md"), encoding="utf-8").read()
    block = re.search(r"<!-- walkthrough -->\n```sh\n(.*?)```\n<!-- /walkthrough -->", text, re.S)
    assert block, "docs/own-encoders.md: no walk-through block"
    script = block.group(1)
    if irp_bin != os.path.join(root, "build/irp"):  # e.g. the sanitizer build
        script = script.replace('"$IRP/build/irp"', f'"{irp_bin}"')
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=str(tmp_path),
                       env=dict(os.environ, IRP=root), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    study = tmp_path / "study"
    assert "ok" in r.stdout and "Zero-shot" in r.stdout
    py_acc = float(re.search(r"pca -> mlp head, zero-shot: ([0-9.]+)", r.stdout).group(1))
    rows = list(csv.DictReader(l for l in open(study / "results/digits.csv") if l[0] != "#"))
    run_acc = [float(x["value"]) for x in rows if x["encoder"] == "pca" and
               x["decoder"] == "mlp" and x["method"] == "irp" and x["metric"] == "accuracy"]
    # scikit-learn predicts from float64 inputs and weights, the runner from the dump's
    # float32 ones: a row or two of 500 may differ
    assert len(run_acc) == 1 and abs(run_acc[0] - py_acc) <= 0.01
    row = re.search(r"\| 8 \| 0.5 \| ([0-9.]+) ± [0-9.]+ \| ([0-9.]+) ± ", r.stdout)
    zero_shot, absolute = float(row.group(1)), float(row.group(2))
    assert zero_shot > absolute + 0.2
    assert (study / "plots/digits.png").exists() and (study / "pca-to-mlp.h5").exists()
    # the loop's Python end: the table read back says what the CSV says, and the
    # translator applied by --apply to new rows gives what Translator.transform gives
    table = float(re.search(r"table: pca -> mlp ([0-9.]+)", r.stdout).group(1))
    assert abs(table - run_acc[0]) <= 0.0005
    applied = re.search(r"applied to 200 new rows \((\S+)\): mlp head accuracy ([0-9.]+)",
                        r.stdout)
    assert applied and abs(float(applied.group(2)) - py_acc) < 0.1
    assert "anchors could not be checked" in r.stderr  # new rows: said, applied on trust
    import irp
    import numpy as np
    t = irp.Translator.load(str(study / "pca-to-mlp.h5"))
    new = irp.read_dump(str(study / "new.h5")).spaces["pca"].test
    out = irp.read_dump(str(study / "new-in-mlp.h5")).spaces[applied.group(1)].test
    assert np.allclose(out, t.transform(new).astype(np.float32), rtol=1e-5, atol=1e-6)
