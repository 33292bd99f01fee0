#!/usr/bin/env python3
"""Trains the built-in default model: a small CLIP on Fashion-MNIST, exported in format bayesvlm-model/1.

Offline and seeded. Needs Debian's python3-torch, python3-numpy, python3-pil and dataset-fashion-mnist:
    sudo apt-get install python3-torch python3-numpy python3-pil dataset-fashion-mnist
    /usr/bin/python3 models/scripts/train_fashion_clip.py            # writes models/fashion-clip/

Data: the train split only. Its last 5,000 images (IDX order) are held out for validation and never
trained on; the test split is not read here at all. Every training image is paired with a caption
drawn from templates x class synonyms, so the text encoder learns language, not just ten ids.

Architecture (pre-projection activations a and c are what the Laplace posterior is fitted on):
  image: 28x28 grey -> CNN -> Linear -> LayerNorm -> a (Dv=128) -> W_img (no bias) -> g (D=64)
  text : word ids (tokenizer.json) -> embeddings + positions -> masked mean -> MLP -> LayerNorm
         -> c (Dt=128) -> W_txt (no bias) -> h (D=64)
  logits = s * cos(g, h), s learned (CLIP's parameterisation, clamped at 100).
Loss: symmetric InfoNCE over the batch; captions of the same class are all positives (soft targets),
since a batch of 256 holds each class many times.

The exported head.npz holds the projections and the class prompts' text activations; its posterior
factors are zero (MAP) until `bin/bayesvlm fit` fills them. The runtime never needs Python.
"""
import argparse
import gzip
import json
import os
import re
import struct

import numpy as np
import torch
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fashion-clip")
VALIDATION = 5000
MEAN, STD = 0.2860, 0.3530
DV, DT, D, LMAX = 128, 128, 64, 12

# Label order 0-9 of the data set: id, the class prompt, and synonyms used in training captions.
CLASSES = [
    ("t-shirt", "a photo of a t-shirt", ["t-shirt", "tee", "top", "t-shirt top"]),
    ("trouser", "a photo of a pair of trousers", ["trousers", "pair of trousers", "pants", "pair of pants"]),
    ("pullover", "a photo of a pullover", ["pullover", "sweater", "jumper"]),
    ("dress", "a photo of a dress", ["dress", "gown", "frock"]),
    ("coat", "a photo of a coat", ["coat", "jacket", "overcoat"]),
    ("sandal", "a photo of a sandal", ["sandal", "sandals", "open shoe"]),
    ("shirt", "a photo of a shirt", ["shirt", "button-up shirt", "blouse"]),
    ("sneaker", "a photo of a sneaker", ["sneaker", "trainer", "running shoe"]),
    ("bag", "a photo of a bag", ["bag", "handbag", "purse"]),
    ("ankle-boot", "a photo of an ankle boot", ["ankle boot", "boot", "short boot"]),
]
TEMPLATES = ["a photo of a {}", "a picture of a {}", "an image of a {}", "a {}", "a black and white photo of a {}",
             "a low resolution photo of a {}", "a product photo of a {}", "a photo of the {}", "a cropped photo of a {}"]


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


class Tokenizer:
    """Word-level: lowercase, split on non-alphanumerics, ids from vocab, pad/truncate to max_length."""

    def __init__(self, texts):
        vocab = sorted({w for t in texts for w in words(t)})
        self.vocab = {"[pad]": 0, "[unk]": 1}
        for w in vocab:
            self.vocab[w] = len(self.vocab)

    def encode(self, text):
        ids = [self.vocab.get(w, 1) for w in words(text)][:LMAX]
        return ids + [0] * (LMAX - len(ids))

    def to_json(self):
        return {"type": "bayesvlm-word-tokenizer/1", "lowercase": True, "pattern": "[a-z0-9]+",
                "max_length": LMAX, "pad_id": 0, "unk_id": 1, "vocab": self.vocab}


class ImageEncoder(torch.nn.Module):
    def __init__(self):
        super().__init__()

        def block(i, o):
            return [torch.nn.Conv2d(i, o, 3, padding=1, bias=False), torch.nn.BatchNorm2d(o), torch.nn.ReLU()]

        self.features = torch.nn.Sequential(*block(1, 32), *block(32, 32), torch.nn.MaxPool2d(2),
                                            *block(32, 64), *block(64, 64), torch.nn.MaxPool2d(2),
                                            *block(64, 128), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
        self.fc = torch.nn.Linear(128, DV)
        self.norm = torch.nn.LayerNorm(DV)

    def forward(self, x):
        return self.norm(self.fc(self.features(x)))


class TextEncoder(torch.nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab_size, 64)
        self.pos = torch.nn.Parameter(torch.zeros(LMAX, 64))
        self.mlp = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, DT))
        self.norm = torch.nn.LayerNorm(DT)

    def forward(self, ids):
        mask = (ids != 0).unsqueeze(-1).float()
        x = self.tok(ids) + self.pos.unsqueeze(0)
        pooled = (x * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.norm(self.mlp(pooled))


class Clip(torch.nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.image = ImageEncoder()
        self.text = TextEncoder(vocab_size)
        self.image_projection = torch.nn.Linear(DV, D, bias=False)
        self.text_projection = torch.nn.Linear(DT, D, bias=False)
        self.log_scale = torch.nn.Parameter(torch.tensor(np.log(10.0), dtype=torch.float32))

    def scale(self):
        return self.log_scale.exp().clamp(max=100.0)

    def embed_images(self, x):
        return F.normalize(self.image_projection(self.image(x)), dim=-1)

    def embed_texts(self, ids):
        return F.normalize(self.text_projection(self.text(ids)), dim=-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    images = read_idx("train-images-idx3-ubyte.gz")
    labels = read_idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    train_x, train_y = images[:-VALIDATION], labels[:-VALIDATION]
    val_x, val_y = images[-VALIDATION:], labels[-VALIDATION:]

    captions = [[t.format(s) for t in TEMPLATES for s in syn] for _, _, syn in CLASSES]
    prompts = [p for _, p, _ in CLASSES]
    tokenizer = Tokenizer([c for cs in captions for c in cs] + prompts)
    caption_ids = [torch.tensor([tokenizer.encode(c) for c in cs]) for cs in captions]
    prompt_ids = torch.tensor([tokenizer.encode(p) for p in prompts])

    def tensor(x):
        return (torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1) - MEAN) / STD

    model = Clip(len(tokenizer.vocab))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * (len(train_x) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.1)

    def accuracy(x, y):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            t = model.embed_texts(prompt_ids)
            correct = 0
            for i in range(0, len(x), 1000):
                correct += (model.embed_images(tensor(x[i:i + 1000])) @ t.T).argmax(1).eq(
                    torch.from_numpy(y[i:i + 1000])).sum().item()
        model.train(was_training)
        return correct / len(x)

    for epoch in range(args.epochs):
        order = rng.permutation(len(train_x))
        total = 0.0
        for step in range(len(train_x) // args.batch_size):
            idx = order[step * args.batch_size:(step + 1) * args.batch_size]
            y = torch.from_numpy(train_y[idx])
            pick = rng.random(len(idx))
            ids = torch.stack([caption_ids[c][int(u * len(caption_ids[c]))] for c, u in zip(y.tolist(), pick)])
            g = model.embed_images(tensor(train_x[idx]))
            h = model.embed_texts(ids)
            logits = model.scale() * g @ h.T
            same = (y[:, None] == y[None, :]).float()
            targets = same / same.sum(1, keepdim=True)
            loss = 0.5 * (torch.sum(-targets * F.log_softmax(logits, 1), 1).mean()
                          + torch.sum(-targets * F.log_softmax(logits.T, 1), 1).mean())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / (step + 1):.4f} "
              f"scale {model.scale().item():.1f} val acc {accuracy(val_x, val_y):.4f}", flush=True)

    val_acc = accuracy(val_x, val_y)
    export(model.eval(), tokenizer, prompt_ids, args.out, val_acc)


def export(model, tokenizer, prompt_ids, out, val_acc):
    # BatchNorm must be in inference mode when traced, or the TorchScript would normalise with each batch's
    # own statistics and its outputs would depend on what else is in the batch.
    assert not model.training
    os.makedirs(out, exist_ok=True)
    with torch.no_grad():
        torch.jit.trace(model.image, torch.zeros(2, 1, 28, 28)).save(os.path.join(out, "image_encoder.pt"))
        torch.jit.trace(model.text, prompt_ids[:2]).save(os.path.join(out, "text_encoder.pt"))
        text_act = model.text(prompt_ids).numpy().astype(np.float32)
        w_img = model.image_projection.weight.numpy().astype(np.float32)
        w_txt = model.text_projection.weight.numpy().astype(np.float32)
        traced = torch.jit.load(os.path.join(out, "image_encoder.pt"))
        probe = (torch.rand(4, 1, 28, 28) - MEAN) / STD
        batched = traced(probe)
        single = torch.cat([traced(probe[i:i + 1]) for i in range(4)])
        assert torch.allclose(batched, single, atol=1e-5), "exported image encoder depends on the batch"
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer.to_json(), f, indent=1, sort_keys=True)
    np.savez(os.path.join(out, "head.npz"),
             image_projection=w_img, image_A_inv=np.zeros((DV, DV), np.float32), image_B_inv=np.zeros((D, D), np.float32),
             text_projection=w_txt, text_A_inv=np.zeros((DT, DT), np.float32), text_B_inv=np.zeros((D, D), np.float32),
             class_text_activations=text_act)
    spec = {
        "format": "bayesvlm-model/1",
        "name": "fashion-clip",
        "version": "1",
        "image": {"size": [28, 28], "channels": 1, "mean": [MEAN], "std": [STD]},
        "logit_scale": round(float(model.scale().item()), 4),
        "classes": [{"id": i, "prompt": p} for i, p, _ in CLASSES],
        "files": {"image_encoder": "image_encoder.pt", "head": "head.npz",
                  "text_encoder": "text_encoder.pt", "tokenizer": "tokenizer.json"},
        "training": {"data": "Fashion-MNIST train[:55000]", "validation": "Fashion-MNIST train[55000:]",
                     "validation_accuracy_map": round(val_acc, 4), "script": "models/scripts/train_fashion_clip.py"},
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)
    print(f"wrote {out} (validation accuracy {val_acc:.4f})")


if __name__ == "__main__":
    main()
