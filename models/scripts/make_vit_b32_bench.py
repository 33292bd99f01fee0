#!/usr/bin/env python3
"""Builds two ViT-B/32-shaped model directories for the CLIP-scale benchmark (bin/bayesvlm headbench).

Generated, never committed (about 350 MB each encoder; the K = 10 directory links to the K = 1000 one's):
  <out>/vit-b32-k1000/  image_encoder.pt, head.npz (K = 1000), model.json
  <out>/vit-b32-k10/    image_encoder.pt -> ../vit-b32-k1000/image_encoder.pt, head.npz (K = 10), model.json

- image encoder: torchvision's vit_b_32 with random weights and the classification head removed, traced with
  torch.jit at 1 x 3 x 224 x 224: it outputs the 768 pre-projection activations of the class token, as CLIP's
  visual tower does before its projection. (CLIP weights cannot be downloaded here; timing does not depend on them.)
- head.npz: random projections of CLIP's shapes (image 512 x 768, text 512 x 512, scaled like CLIP's), the BayesVLM
  authors' real KFAC factors turned into posterior factors as the reference does (inverse(sqrt(n) A + sqrt(lambda) I)),
  random class text activations.

Usage (Debian: apt-get install python3-torch python3-torchvision python3-numpy):
  /usr/bin/python3 models/scripts/make_vit_b32_bench.py --kfac ../shared/data/bayesvlm-clip-vit-b-32-kfac --out target/bench-models
"""
import argparse
import json
import os

import numpy as np
import torch
import torchvision


def posterior_factor(raw, n, lam):
    sym = 0.5 * (raw.astype(np.float64) + raw.astype(np.float64).T)
    values, vectors = np.linalg.eigh(sym)
    return ((vectors / (np.sqrt(n) * values + np.sqrt(lam))) @ vectors.T).astype(np.float32)


def model_json(k):
    return {
        "format": "bayesvlm-model/1",
        "name": f"vit-b32-random-k{k}",
        "version": "bench",
        "image": {"size": [224, 224], "channels": 3,
                  "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]},
        "logit_scale": 100.0,
        "classes": [{"id": f"c{i}", "prompt": f"class {i}"} for i in range(k)],
        "files": {"image_encoder": "image_encoder.pt", "head": "head.npz"},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kfac", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    big = os.path.join(args.out, "vit-b32-k1000")
    small = os.path.join(args.out, "vit-b32-k10")
    os.makedirs(big, exist_ok=True)
    os.makedirs(small, exist_ok=True)

    vit = torchvision.models.vit_b_32(weights=None)
    vit.heads = torch.nn.Identity()
    vit.eval()
    with torch.no_grad():
        traced = torch.jit.trace(vit, torch.randn(1, 3, 224, 224))
    traced.save(os.path.join(big, "image_encoder.pt"))
    link = os.path.join(small, "image_encoder.pt")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.join("..", "vit-b32-k1000", "image_encoder.pt"), link)

    raw = {n: np.load(os.path.join(args.kfac, n + ".npy")) for n in ("A_img", "B_img", "A_txt", "B_txt")}
    with open(os.path.join(args.kfac, "prior_precision.json")) as f:
        prior = json.load(f)
    factors = {
        "image_A_inv": posterior_factor(raw["A_img"], prior["n_img"], prior["lambda_img"]),
        "image_B_inv": posterior_factor(raw["B_img"], prior["n_img"], prior["lambda_img"]),
        "text_A_inv": posterior_factor(raw["A_txt"], prior["n_txt"], prior["lambda_txt"]),
        "text_B_inv": posterior_factor(raw["B_txt"], prior["n_txt"], prior["lambda_txt"]),
    }
    image_projection = (rng.standard_normal((512, 768)) / np.sqrt(768)).astype(np.float32)
    text_projection = (rng.standard_normal((512, 512)) / np.sqrt(512)).astype(np.float32)
    classes = rng.standard_normal((1000, 512)).astype(np.float32)
    for directory, k in ((big, 1000), (small, 10)):
        np.savez(os.path.join(directory, "head.npz"), image_projection=image_projection,
                 text_projection=text_projection, class_text_activations=classes[:k], **factors)
        with open(os.path.join(directory, "model.json"), "w") as f:
            json.dump(model_json(k), f, indent=2)
    print("wrote", big, "and", small)


if __name__ == "__main__":
    main()
