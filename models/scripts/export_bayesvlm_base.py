#!/usr/bin/env python3
"""Exports BayesVLM-Base (CLIP ViT-B/32, laion2B-s34B-b79K, with the BayesVLM authors' KFAC factors) to
model format bayesvlm-model/1, for users who can reach the Hugging Face hub (or have a local snapshot).

    pip install torch transformers numpy        # on a machine with network access
    python3 models/scripts/export_bayesvlm_base.py \
        --kfac /path/to/bayesvlm-clip-vit-b-32-kfac \
        --classes models/scripts/example-classes.json \
        --out models/bayesvlm-base

--model takes a hub id or a local directory (default laion/CLIP-ViT-B-32-laion2B-s34B-b79K).
--random-init builds a randomly initialised CLIP with the same projection shapes instead (no download):
used by test_export_bayesvlm_base.py to check the export end to end.

What is exported:
  image_encoder.pt   TorchScript: [B, 3, 224, 224] CLIP-normalised pixels -> [B, 768] pooled, post-layernorm
                     vision activations (the input of visual_projection)
  text_encoder.pt    TorchScript: (input_ids [B, 77] int64, attention_mask [B, 77] int64) -> [B, 512] pooled text
                     activations (the input of text_projection)
  tokenizer files    the CLIP BPE tokenizer as saved by transformers
  head.npz           projections, class prompt activations, posterior factors A_inv/B_inv per side computed as
                     inverse(sqrt(n) A + sqrt(lambda) I) with n, lambda from prior_precision.json (symmetrised,
                     by eigendecomposition), and the raw factors so `bin/bayesvlm fit --refit` can re-tune n.
  model.json         224x224 RGB, CLIP mean/std, logit_scale = exp(learned log scale) (100 for this model).

Note the factor convention: the authors' A is over the projection's *input* (768 for images), B over its output
(512), both already divided by sqrt(N) of their data; N itself is not published, so fit_num_pairs is 0 and
`fit --refit` needs explicit --pseudo-counts.
"""
import argparse
import json
import os

import numpy as np
import torch

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
HUB_ID = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"


class VisionActivations(torch.nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.vision = clip.vision_model

    def forward(self, pixel_values):
        return self.vision(pixel_values=pixel_values).pooler_output


class TextActivations(torch.nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.text = clip.text_model

    def forward(self, input_ids, attention_mask):
        return self.text(input_ids=input_ids, attention_mask=attention_mask).pooler_output


def posterior_factor(raw, n, lam):
    """inverse(sqrt(n) raw + sqrt(lam) I) of the symmetrised factor, via its eigendecomposition."""
    sym = 0.5 * (raw.astype(np.float64) + raw.astype(np.float64).T)
    values, vectors = np.linalg.eigh(sym)
    return ((vectors / (np.sqrt(n) * values + np.sqrt(lam))) @ vectors.T).astype(np.float32)


def load_clip(args):
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizerFast
    if args.random_init:
        torch.manual_seed(0)
        config = CLIPConfig(
            text_config={"hidden_size": 512, "intermediate_size": 1024, "num_hidden_layers": 1,
                         "num_attention_heads": 8, "max_position_embeddings": 77, "vocab_size": 49408},
            vision_config={"hidden_size": 768, "intermediate_size": 1024, "num_hidden_layers": 1,
                           "num_attention_heads": 12, "image_size": 224, "patch_size": 32},
            projection_dim=512)
        model = CLIPModel(config).eval()
        tokenizer = CLIPTokenizerFast.from_pretrained(args.tokenizer) if args.tokenizer else None
        return model, tokenizer
    model = CLIPModel.from_pretrained(args.model).eval()
    return model, CLIPTokenizerFast.from_pretrained(args.model)


def tokenize(tokenizer, prompts):
    if tokenizer is None:  # random-init test without a tokenizer: fixed pseudo token ids
        ids = torch.zeros(len(prompts), 77, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, p in enumerate(prompts):
            toks = [49406] + [(hash(w) % 49000) + 1 for w in p.lower().split()] + [49407]
            ids[i, :len(toks)] = torch.tensor(toks)
            mask[i, :len(toks)] = 1
        return ids, mask
    enc = tokenizer(prompts, padding="max_length", max_length=77, truncation=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kfac", required=True, help="folder with A_img.npy, B_img.npy, A_txt.npy, B_txt.npy, prior_precision.json")
    ap.add_argument("--classes", required=True, help="JSON list of {id, prompt}")
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default=HUB_ID)
    ap.add_argument("--tokenizer", help="tokenizer to use with --random-init (optional)")
    ap.add_argument("--random-init", action="store_true")
    ap.add_argument("--name", default="bayesvlm-base-clip-vit-b-32")
    args = ap.parse_args()

    with open(args.classes) as f:
        classes = json.load(f)
    model, tokenizer = load_clip(args)
    os.makedirs(args.out, exist_ok=True)

    vision, text = VisionActivations(model).eval(), TextActivations(model).eval()
    ids, mask = tokenize(tokenizer, [c["prompt"] for c in classes])
    with torch.no_grad():
        torch.jit.trace(vision, torch.zeros(1, 3, 224, 224), strict=False).save(os.path.join(args.out, "image_encoder.pt"))
        torch.jit.trace(text, (ids[:1], mask[:1]), strict=False).save(os.path.join(args.out, "text_encoder.pt"))
        class_act = text(ids, mask).numpy().astype(np.float32)
    if tokenizer is not None:
        tokenizer.save_pretrained(args.out)

    raw = {k: np.load(os.path.join(args.kfac, f"{k}.npy")) for k in ["A_img", "B_img", "A_txt", "B_txt"]}
    with open(os.path.join(args.kfac, "prior_precision.json")) as f:
        prior = json.load(f)
    w_img = model.visual_projection.weight.detach().numpy().astype(np.float32)   # [512, 768]
    w_txt = model.text_projection.weight.detach().numpy().astype(np.float32)     # [512, 512]
    assert raw["A_img"].shape == (w_img.shape[1],) * 2 and raw["B_img"].shape == (w_img.shape[0],) * 2
    assert raw["A_txt"].shape == (w_txt.shape[1],) * 2 and raw["B_txt"].shape == (w_txt.shape[0],) * 2
    n_img, l_img, n_txt, l_txt = prior["n_img"], prior["lambda_img"], prior["n_txt"], prior["lambda_txt"]
    np.savez(os.path.join(args.out, "head.npz"),
             image_projection=w_img, text_projection=w_txt, class_text_activations=class_act,
             image_A_inv=posterior_factor(raw["A_img"], n_img, l_img),
             image_B_inv=posterior_factor(raw["B_img"], n_img, l_img),
             text_A_inv=posterior_factor(raw["A_txt"], n_txt, l_txt),
             text_B_inv=posterior_factor(raw["B_txt"], n_txt, l_txt),
             image_A=raw["A_img"].astype(np.float32), image_B=raw["B_img"].astype(np.float32),
             text_A=raw["A_txt"].astype(np.float32), text_B=raw["B_txt"].astype(np.float32),
             fit_num_pairs=np.float32(0), fit_pseudo_count=np.float32(n_img),
             image_prior_precision=np.float32(l_img), text_prior_precision=np.float32(l_txt))

    files = {"image_encoder": "image_encoder.pt", "head": "head.npz", "text_encoder": "text_encoder.pt"}
    if tokenizer is not None:
        files["tokenizer"] = "tokenizer.json"
    spec = {"format": "bayesvlm-model/1", "name": args.name, "version": "random-init" if args.random_init else HUB_ID,
            "image": {"size": [224, 224], "channels": 3, "mean": CLIP_MEAN, "std": CLIP_STD},
            "logit_scale": float(model.logit_scale.exp().item()),
            "classes": classes, "files": files,
            "laplace": {"source": "BayesVLM authors' KFAC factors (AaltoML/BayesVLM)", **prior}}
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
