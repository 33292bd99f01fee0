#!/usr/bin/env python3
"""Writes the committed Fashion-MNIST sample used by the demo and the tests: the first 200 test-split images of
each class (2,000 in all), as 28x28 grey PNGs in one folder per class id:

    models/fashion-mnist-sample/<class-id>/test-<index>.png      (index = position in the IDX test split)

Needs Debian's dataset-fashion-mnist and python3-pil. Deterministic: rerunning writes identical files.
"""
import gzip
import os
import struct

import numpy as np
from PIL import Image

DATA = "/usr/share/datasets/fashion-mnist"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fashion-mnist-sample")
IDS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
PER_CLASS = 200


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    images = read_idx("t10k-images-idx3-ubyte.gz")
    labels = read_idx("t10k-labels-idx1-ubyte.gz")
    taken = [0] * len(IDS)
    for index, (img, label) in enumerate(zip(images, labels)):
        if taken[label] >= PER_CLASS:
            continue
        folder = os.path.join(OUT, IDS[label])
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(img, "L").save(os.path.join(folder, f"test-{index:05d}.png"), optimize=True)
        taken[label] += 1
    print(f"wrote {sum(taken)} images to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
