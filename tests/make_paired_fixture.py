#!/usr/bin/python3
"""Test fixture for the cross-domain path: N Fashion-MNIST images (Debian's copy) saved
as PNG beside a JSONL pairing each with a caption naming its class. Usage: DIR N"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
from PIL import Image  # noqa: E402
from train_encoders import CLASS_NAMES, FMNIST_DIR, read_idx  # noqa: E402

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
x = read_idx(os.path.join(FMNIST_DIR, "train-images-idx3-ubyte.gz"), (28, 28))[:n]
y = read_idx(os.path.join(FMNIST_DIR, "train-labels-idx1-ubyte.gz"), ())[:n]
with open(os.path.join(out, "pairs.jsonl"), "w") as fh:
    for i, (img, label) in enumerate(zip(x, y)):
        Image.fromarray(img).save(os.path.join(out, f"{i}.png"))
        fh.write(json.dumps({"image": f"{i}.png", "text": f"a photo of a {CLASS_NAMES[label]}",
                             "label": int(label), "split": "test" if i % 4 == 0 else "train"})
                 + "\n")
