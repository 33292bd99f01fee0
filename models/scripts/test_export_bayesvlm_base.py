#!/usr/bin/env python3
"""End-to-end check of export_bayesvlm_base.py on a randomly initialised CLIP (no download), with the real KFAC
factors. Needs torch and transformers; exits 0 with a SKIP line where transformers is not installed (as on the
project's CI machines, which have no PyPI).

    python3 models/scripts/test_export_bayesvlm_base.py --kfac ../shared/data/bayesvlm-clip-vit-b-32-kfac
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kfac", required=True)
    args = ap.parse_args()
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        print(f"SKIP: {e}")
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(here, "export_bayesvlm_base.py"), "--random-init", "--kfac", args.kfac,
                        "--classes", os.path.join(here, "example-classes.json"), "--out", out], check=True)
        spec = json.load(open(os.path.join(out, "model.json")))
        assert spec["format"] == "bayesvlm-model/1" and spec["image"]["size"] == [224, 224]
        head = np.load(os.path.join(out, "head.npz"))
        assert head["image_projection"].shape == (512, 768) and head["image_A_inv"].shape == (768, 768)
        assert head["class_text_activations"].shape == (len(spec["classes"]), 512)
        a = 0.5 * (head["image_A"] + head["image_A"].T).astype(np.float64)
        damped = np.sqrt(spec["laplace"]["n_img"]) * a + np.sqrt(spec["laplace"]["lambda_img"]) * np.eye(768)
        assert np.allclose(head["image_A_inv"].astype(np.float64) @ damped, np.eye(768), atol=1e-3)
        import torch
        enc = torch.jit.load(os.path.join(out, "image_encoder.pt"))
        assert tuple(enc(torch.zeros(2, 3, 224, 224)).shape) == (2, 768)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
