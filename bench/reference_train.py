#!/usr/bin/env python3
"""Plain-PyTorch reference for sst-train's training step, to benchmark the C++ trainer against.

It rebuilds the model of src/model/transformer.cpp, the optimizer and schedule of
src/train/step.cpp and schedule.cpp, and the padding of src/data/batch.cpp, and trains on the
global batches listed in a file (one optimizer step per line, example ids of the train split), so
both implementations do the same work. Written for Debian's python3-torch 1.13 (CPU); runs on 2.x,
on CPU or CUDA (--device), in fp32 or bf16 autocast (--precision, as train.precision).

Unlike sst-train, which reads each batch's tokens from the HDF5 file, this script loads the train
split into memory once (the usual PyTorch Dataset), so its "data" time is collation only.
"""
import argparse
import configparser
import json
import math
import os
import statistics
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PROG = "reference_train.py"
MASK64 = (1 << 64) - 1

# [section] -> key -> default, as in src/train/config.cpp. Only the keys that shape the model or
# the step are used; the others are accepted so that any project config file parses (train.ema_decay too,
# which is not mirrored: the benchmarked configs leave it off).
DEFAULTS = {
    "data": {"path": "data/sst2.h5", "fraction": 1.0, "subset_seed": 12345},
    "model": {"d_model": 128, "layers": 2, "heads": 4, "ff_dim": 512, "max_len": 64, "dropout": 0.1,
              "pooling": "cls", "position": "learned", "word_dropout": 0.0},
    "train": {"seed": 1, "global_batch": 32, "accum_steps": 1, "lr": 1e-3, "min_lr_ratio": 0.1,
              "warmup_steps": 100, "max_steps": 0, "epochs": 1.0, "weight_decay": 0.01, "grad_clip": 1.0,
              "label_smoothing": 0.0, "ema_decay": 0.0, "eval_every": 200, "log_every": 20, "checkpoint_every": 500,
              "keep_checkpoints": 2, "halt_at_step": 0, "patience": 0, "threads": 0, "device": "auto",
              "nan_policy": "stop", "precision": "fp32"},
    "output": {"dir": "runs/default", "run_name": ""},
}


class UserError(Exception):
    pass


def load_config(path):
    """Reads an INI config like sst-train does: defaults for absent keys, unknown keys rejected."""
    parser = configparser.ConfigParser(inline_comment_prefixes=("#",), interpolation=None)
    try:
        with open(path) as f:
            parser.read_file(f)
    except OSError as e:
        raise UserError(f"cannot open config file {path}: {e.strerror}")
    except configparser.Error as e:
        raise UserError(f"config file {path}: {e}".replace("\n", " "))
    cfg = {s: dict(keys) for s, keys in DEFAULTS.items()}
    for section in parser.sections():
        if section not in DEFAULTS:
            raise UserError(f"config file {path}: unknown section [{section}]")
        for key, text in parser.items(section):
            if key not in DEFAULTS[section]:
                raise UserError(f"config file {path}: unknown key {section}.{key}")
            kind = type(DEFAULTS[section][key])
            try:
                cfg[section][key] = kind(text)
            except ValueError:
                raise UserError(f"config file {path}: {section}.{key} = '{text}' is not a valid {kind.__name__}")
    m, t = cfg["model"], cfg["train"]
    if m["heads"] <= 0 or m["d_model"] % m["heads"]:
        raise UserError(f"config: model.heads = {m['heads']} must divide model.d_model = {m['d_model']}")
    if m["position"] not in ("learned", "none"):
        raise UserError(f"config: model.position must be 'learned' or 'none', got '{m['position']}'")
    if t["precision"] not in ("fp32", "bf16"):
        raise UserError(f"config: train.precision must be 'fp32' or 'bf16', got '{t['precision']}'")
    if m["pooling"] not in ("cls", "mean"):
        raise UserError(f"config: model.pooling must be 'cls' or 'mean', got '{m['pooling']}'")
    if t["global_batch"] <= 0 or t["accum_steps"] <= 0 or t["global_batch"] % t["accum_steps"]:
        raise UserError("config: train.global_batch must be a positive multiple of train.accum_steps")
    return cfg


def text_attr(v):
    return v.decode() if isinstance(v, bytes) else str(v)


class TrainSplit:
    """The train split and tokenizer ids of an sst-prep file (docs/data_format.md), held in memory."""

    def __init__(self, path):
        if not os.path.isfile(path):
            raise UserError(f"data file {path} not found (make it with build/bin/sst-prep)")
        try:
            with h5py.File(path, "r") as f:
                if text_attr(f.attrs.get("format", "")) != "sst2-tokenized":
                    raise UserError(f"{path} is not an sst2-tokenized file (no matching 'format' attribute)")
                if int(f.attrs.get("schema_version", -1)) not in (1, 2):
                    raise UserError(f"{path} has schema version {f.attrs.get('schema_version')}, expected 1 or 2")
                tok = f["tokenizer"].attrs
                self.vocab_size = int(tok["vocab_size"])
                self.pad_id, self.cls_id = int(tok["pad_id"]), int(tok["cls_id"])
                g = f["splits/train"]
                self.tokens = g["tokens"][:].astype(np.int64)
                self.offsets = g["offsets"][:].astype(np.int64)
                self.labels = g["labels"][:].astype(np.int64)
        except (OSError, KeyError) as e:
            raise UserError(f"cannot read {path}: {e}")
        if len(self.offsets) != len(self.labels) + 1:
            raise UserError(f"{path}: train has {len(self.labels)} labels but {len(self.offsets)} offsets")

    def __len__(self):
        return len(self.labels)

    def batch(self, ids, max_len):
        """[CLS] + tokens truncated to max_len, padded to the longest example (src/data/batch.cpp)."""
        starts, ends = self.offsets[ids], self.offsets[np.asarray(ids) + 1]
        n = np.minimum(ends - starts, max_len - 1)
        T = max(1, int(n.max()) + 1)
        out = np.full((len(ids), T), self.pad_id, dtype=np.int64)
        out[:, 0] = self.cls_id
        for i, (s, k) in enumerate(zip(starts, n)):
            out[i, 1:k + 1] = self.tokens[s:s + k]
        pad = np.arange(T)[None, :] > n[:, None]
        return (torch.from_numpy(out), torch.from_numpy(pad), torch.from_numpy(self.labels[ids]),
                int(n.sum()) + len(ids))


def read_batches(path, n_train, global_batch):
    try:
        with open(path) as f:
            lines = [ln.split() for ln in f]
    except OSError as e:
        raise UserError(f"cannot open batches file {path}: {e.strerror}")
    batches = []
    for no, words in enumerate(lines, 1):
        if not words:
            continue
        ids = []
        for w in words:
            try:
                ids.append(int(w))
            except ValueError:
                raise UserError(f"{path}:{no}: '{w}' is not an example id")
        bad = [i for i in ids if not 0 <= i < n_train]
        if bad:
            raise UserError(f"{path}:{no}: example id {bad[0]} out of range (train has {n_train} examples)")
        if len(ids) != global_batch:
            raise UserError(f"{path}:{no}: {len(ids)} ids, but train.global_batch is {global_batch}")
        batches.append(ids)
    if not batches:
        raise UserError(f"batches file {path} has no batches")
    return batches


class EncoderLayer(nn.Module):
    # Attribute order = registration order = the C++ one, so that seeded init draws the same numbers.
    def __init__(self, d_model, heads, ff_dim, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        # No key bias: it shifts all scores of a query equally, softmax cancels it (see transformer.h).
        self.q_bias = nn.Parameter(torch.zeros(d_model))
        self.v_bias = nn.Parameter(torch.zeros(d_model))
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, ff_dim)
        self.ff2 = nn.Linear(ff_dim, d_model)

    def attention(self, x, key_mask):
        B, T, D = x.shape
        H, Dh = self.heads, D // self.heads
        q, k, v = self.qkv(x).view(B, T, 3, H, Dh).permute(2, 0, 3, 1, 4)
        q = q + self.q_bias.view(1, H, 1, Dh)
        v = v + self.v_bias.view(1, H, 1, Dh)
        p = self.dropout if self.training else 0.0
        if hasattr(F, "scaled_dot_product_attention"):  # torch 2.x, as compat:: does for LibTorch 2.x
            # The additive mask in q's dtype: fused kernels take no fp32 mask with bf16 q under autocast.
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask.to(q.dtype), dropout_p=p)
        else:
            w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(Dh) + key_mask, -1)
            if p > 0:
                w = F.dropout(w, p, True)
            ctx = w @ v
        return self.proj(ctx.transpose(1, 2).reshape(B, T, D))

    def forward(self, x, key_mask):
        p, train = self.dropout, self.training
        h = x + F.dropout(self.attention(self.ln1(x), key_mask), p, train)
        f = self.ff2(F.dropout(F.gelu(self.ff1(self.ln2(h))), p, train))
        return h + F.dropout(f, p, train)


class TransformerClassifier(nn.Module):
    def __init__(self, m, vocab_size):
        super().__init__()
        self.dropout, self.pooling, self.word_dropout = m["dropout"], m["pooling"], m["word_dropout"]
        self.tok_emb = nn.Embedding(vocab_size, m["d_model"])
        self.pos_emb = nn.Embedding(m["max_len"], m["d_model"]) if m["position"] == "learned" else None
        self.layers = nn.ModuleList(EncoderLayer(m["d_model"], m["heads"], m["ff_dim"], m["dropout"])
                                    for _ in range(m["layers"]))
        self.final_ln = nn.LayerNorm(m["d_model"])
        self.head = nn.Linear(m["d_model"], 2)
        # GPT-2 init, same rule and parameter order as the C++ constructor.
        with torch.no_grad():
            for name, t in self.named_parameters():
                if "ln" in name:
                    continue
                if name.endswith("bias"):
                    t.zero_()
                else:
                    residual = "proj.weight" in name or "ff2.weight" in name
                    t.normal_(0.0, 0.02 / math.sqrt(2.0 * m["layers"]) if residual else 0.02)

    def forward(self, ids, pad_mask):
        B, T = ids.shape
        if self.training and self.word_dropout > 0:  # drop_words() in transformer.cpp
            drop = torch.rand(pad_mask.shape, device=ids.device) < self.word_dropout
            drop[:, 0] = False
            pad_mask = pad_mask | drop
        x = self.tok_emb(ids)
        if self.pos_emb is not None:
            x = x + self.pos_emb(torch.arange(T, device=ids.device)).unsqueeze(0)
        x = F.dropout(x, self.dropout, self.training)
        key_mask = torch.zeros(B, T, device=ids.device).masked_fill(pad_mask, float("-inf")).view(B, 1, 1, T)
        for layer in self.layers:
            x = layer(x, key_mask)
        x = self.final_ln(x)
        if self.pooling == "mean":
            keep = (~pad_mask).unsqueeze(-1).to(x.dtype)
            pooled = (x * keep).sum(1) / keep.sum(1)
        else:
            pooled = x[:, 0]
        return self.head(pooled)


def split_for_weight_decay(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() == 2 and "emb" not in name else no_decay).append(p)
    return decay, no_decay


def lr_at(step, peak, min_ratio, warmup, total):
    """src/train/schedule.cpp: linear warmup, then cosine to peak * min_ratio."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    floor = peak * min_ratio
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def step_seed(seed, rank, step):
    """The trainer's per-step dropout seed (src/train/step.cpp), in 64-bit unsigned arithmetic."""
    h = ((seed * 0x9E3779B97F4A7C15) & MASK64) ^ (((rank + 1) * 0xBF58476D1CE4E5B9) & MASK64)
    return h ^ (((step + 1) * 0x94D049BB133111EB) & MASK64)


def total_steps(t, d, n_train):
    if t["max_steps"] > 0:
        return t["max_steps"]
    pool = math.ceil(d["fraction"] * n_train)
    return max(1, round(t["epochs"] * (pool // t["global_batch"])))


def pick_device(name):
    """train.device semantics: auto = CUDA when torch sees a GPU, else CPU."""
    if name not in ("auto", "cpu", "cuda"):
        raise UserError(f"device must be auto, cpu or cuda, got '{name}'")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("device cuda: this torch sees no CUDA device")
    return torch.device(name)


def train(args):
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    cfg = load_config(args.config)
    m, t = cfg["model"], cfg["train"]
    device = pick_device(args.device or t["device"])
    precision = args.precision or t["precision"]
    # bf16: autocast around forward and loss (the loss itself in fp32); weights and AdamW stay fp32.
    autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    # Host timers measure queued GPU work only after a synchronize (as sst-train --benchmark does).
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    data = TrainSplit(args.data)
    batches = read_batches(args.batches, len(data), t["global_batch"])
    B = t["global_batch"]

    torch.manual_seed(t["seed"])
    model = TransformerClassifier(m, data.vocab_size).to(device)  # initialised on the CPU, then moved
    n_params = sum(p.numel() for p in model.parameters())
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"{PROG}: torch {torch.__version__}, {device_name}, {precision}, {args.threads} thread(s), "
          f"{n_params} params, {len(batches)} batches of {B}", file=sys.stderr)
    decay, no_decay = split_for_weight_decay(model)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": t["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=t["lr"])
    total = total_steps(t, cfg["data"], len(data))
    micro = B // t["accum_steps"]
    model.train()

    phases = {k: 0.0 for k in ("data", "forward", "backward", "optimizer")}
    step_s, tokens, loss_value = [], 0, float("nan")
    clock = time.perf_counter
    for step in range(args.warmup + args.steps):
        measured = step >= args.warmup
        if step == args.warmup:
            phases = dict.fromkeys(phases, 0.0)
        t0 = clock()
        lr = lr_at(step, t["lr"], t["min_lr_ratio"], t["warmup_steps"], total)
        for group in opt.param_groups:
            group["lr"] = lr
        torch.manual_seed(step_seed(t["seed"], 0, step))
        opt.zero_grad(set_to_none=True)
        phases["optimizer"] += clock() - t0  # lr, seed, zero_grad: per-step optimizer bookkeeping
        ids = batches[step % len(batches)]
        loss_sum, step_tokens = 0.0, 0
        for a in range(t["accum_steps"]):
            c0 = clock()
            x, pad, y, real = (v.to(device) if torch.is_tensor(v) else v
                               for v in data.batch(ids[a * micro:(a + 1) * micro], m["max_len"]))
            sync()
            c1 = clock()
            with autocast:
                logits = model(x, pad)
            loss = F.cross_entropy(logits.float(), y, reduction="sum", label_smoothing=t["label_smoothing"])
            sync()
            c2 = clock()
            # Sum / global batch: the gradient of the global mean, as in step.cpp.
            (loss / B).backward()
            loss_sum += loss.item()
            c3 = clock()
            phases["data"] += c1 - c0
            phases["forward"] += c2 - c1
            phases["backward"] += c3 - c2
            step_tokens += real
        c4 = clock()
        if t["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), t["grad_clip"])
        opt.step()
        sync()
        t1 = clock()
        phases["optimizer"] += t1 - c4
        if not math.isfinite(loss_sum):
            raise UserError(f"non-finite loss at step {step + 1}")
        loss_value = loss_sum / B
        if measured:
            step_s.append(t1 - t0)
            tokens += step_tokens
    wall = sum(step_s)  # as sst-train --benchmark: the steps' own time, not the loop's
    ms = [1e3 * s for s in step_s]
    return {
        "implementation": "pytorch", "torch_version": torch.__version__, "threads": args.threads,
        "device": str(device), "device_name": device_name, "precision": precision,
        "global_batch": B, "params": n_params, "steps": args.steps, "warmup": args.warmup,
        "examples_per_s": args.steps * B / wall, "tokens_per_s": tokens / wall,
        "step_ms": {"min": min(ms), "median": statistics.median(ms), "max": max(ms)},
        "breakdown_ms": {k: 1e3 * v / args.steps for k, v in phases.items()},
        "final_loss": loss_value,
    }


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Output JSON: implementation, torch_version, threads, global_batch, params, "
                                        "steps, warmup, device, device_name, precision, examples_per_s, "
                                        "tokens_per_s (non-pad, [CLS] included), "
                                        "step_ms {min,median,max}, breakdown_ms {data,forward,backward,optimizer} "
                                        "(mean per measured step), final_loss.")
    ap.add_argument("--data", required=True, help="HDF5 file written by sst-prep")
    ap.add_argument("--config", required=True, help="project INI config (configs/*.ini)")
    ap.add_argument("--batches", required=True,
                    help="one optimizer step per line: whitespace-separated train example ids (cycled if short)")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1)")
    ap.add_argument("--warmup", type=int, default=5, help="unmeasured steps first (default 5)")
    ap.add_argument("--steps", type=int, default=30, help="measured steps (default 30)")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"),
                    help="where the model trains (default: the config's train.device, auto = CUDA if available)")
    ap.add_argument("--precision", choices=("fp32", "bf16"),
                    help="fp32, or bf16 autocast with fp32 weights (default: the config's train.precision)")
    ap.add_argument("--out", help="write the result JSON here (default: stdout)")
    args = ap.parse_args()
    try:
        if args.threads < 1 or args.steps < 1 or args.warmup < 0:
            raise UserError("--threads and --steps must be >= 1, --warmup >= 0")
        result = train(args)
        text = json.dumps(result)
        if args.out:
            try:
                # Temporary file + rename: a failed write never leaves a partial result.
                with open(args.out + ".tmp", "w") as f:
                    f.write(text + "\n")
                os.replace(args.out + ".tmp", args.out)
            except OSError as e:
                raise UserError(f"cannot write {args.out}: {e.strerror}")
        else:
            print(text)
    except UserError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
