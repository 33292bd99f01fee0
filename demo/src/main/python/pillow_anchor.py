"""The Pillow anchor of the photo benchmark (bin/bayesvlm bench-photos): CPU seconds of this process to turn each
photo into model-ready pixels (RGB, shortest side resized to SIZE with bicubic, centre crop), with a full decode
("full") or with Pillow's draft mode ("draft": libjpeg's DCT-domain downscale to the smallest scale >= SIZE).

It runs rounds on request, so that the benchmark can interleave them with its own and both see the machine in the
same state: each line on stdin names a mode; the answer is one line `<mode> <photos> <cpu seconds>` for REPEATS
passes over the files. Usage: pillow_anchor.py SIZE REPEATS FILE... (modes on stdin, one per line)"""
import sys
import time

from PIL import Image


def model_ready(path, size, draft):
    with Image.open(path) as im:
        if draft:
            im.draft("RGB", (size, size))
        im = im.convert("RGB")
        w, h = im.size
        scale = size / min(w, h)
        im = im.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)
        left = (im.size[0] - size) // 2
        top = (im.size[1] - size) // 2
        return im.crop((left, top, left + size, top + size)).tobytes()


def main():
    size, repeats, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    for line in sys.stdin:
        mode = line.strip()
        if mode not in ("full", "draft"):
            print("unknown mode " + mode, flush=True)
            continue
        start = time.process_time()
        for _ in range(repeats):
            for f in files:
                model_ready(f, size, mode == "draft")
        print(mode, repeats * len(files), time.process_time() - start, flush=True)


if __name__ == "__main__":
    main()
