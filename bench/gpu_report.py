#!/usr/bin/env python3
"""The table of bench/gpu_bench.sh: throughput and MFU of sst-train and the eager-PyTorch reference.

Reads the runs listed by gpu_bench.sh (runs.tsv: config, precision, implementation, status, result
JSON, log, config file) and writes one JSON document and one Markdown table.

MFU = model FLOPs per second / the device's dense bf16 peak, for fp32 runs too (the issue's yardstick).
Model FLOPs per real token (the formula of TransformerClassifierImpl::train_flops_per_token):
  6 N + 12 L d T_eff
N: non-embedding parameters (every matmul weight: 2 FLOPs forward, 4 backward per weight and token);
12 L d T_eff: QK^T and AV (2 T d each per token and layer forward, x3 with backward), where T_eff is
the token-weighted mean sequence length E[t^2] / E[t] over the train split ([CLS] + tokens cut to
max_len), so that tokens/s x 12 L d T_eff = the attention FLOPs summed over sequences, 12 L d t^2 each.
Padding is not counted: FLOPs spent on pad positions are not model FLOPs.
"""
import argparse
import configparser
import json
import os
import sys
import time

import h5py
import numpy as np

# Dense (no sparsity) bf16 tensor-core peaks from the vendor datasheets, in TFLOP/s, keyed by the
# substring of torch.cuda.get_device_name(). NVIDIA H200 datasheet (nvidia.com/en-us/data-center/h200):
# BF16 Tensor Core 1,979 TFLOPS (SXM) and 1,671 (NVL), both "with sparsity", so half that dense.
# H100 datasheet: 1,979 (SXM), 1,513 (PCIe), with sparsity. A100 datasheet: 312 dense.
PEAKS = [
    ("H200 NVL", 835.5, "NVIDIA H200 datasheet: 1,671 TFLOPS bf16 with sparsity (NVL) / 2"),
    ("H200", 989.5, "NVIDIA H200 datasheet: 1,979 TFLOPS bf16 with sparsity (SXM) / 2"),
    ("H100 PCIe", 756.5, "NVIDIA H100 datasheet: 1,513 TFLOPS bf16 with sparsity (PCIe) / 2"),
    ("H100", 989.5, "NVIDIA H100 datasheet: 1,979 TFLOPS bf16 with sparsity (SXM) / 2"),
    ("A100", 312.0, "NVIDIA A100 datasheet: 312 TFLOPS bf16 dense"),
]


def peak_for(device_name):
    env = os.environ.get("PEAK_TFLOPS")
    if env:
        return float(env), "PEAK_TFLOPS set by the caller"
    for key, tflops, source in PEAKS:
        if key in device_name:
            return tflops, source
    return None, f"no known dense bf16 peak for '{device_name}': MFU not computed (set PEAK_TFLOPS)"


def effective_length(data, max_len):
    """E[t^2] / E[t] over the train split, t = min(len, max_len - 1) + 1 (the [CLS] token)."""
    with h5py.File(data, "r") as f:
        offsets = f["splits/train/offsets"][:].astype(np.float64)
    t = np.minimum(np.diff(offsets), max_len - 1) + 1
    return float((t * t).sum() / t.sum())


def read_config(path):
    p = configparser.ConfigParser(inline_comment_prefixes=("#",), interpolation=None)
    p.read(path)
    m = p["model"] if p.has_section("model") else {}
    get = lambda k, d: int(m.get(k, d))
    return {"d_model": get("d_model", 128), "layers": get("layers", 2), "heads": get("heads", 4),
            "ff_dim": get("ff_dim", 512), "max_len": get("max_len", 64),
            "position": m.get("position", "learned") if m else "learned"}


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", required=True, help="runs.tsv written by gpu_bench.sh")
    ap.add_argument("--data", required=True, help="the HDF5 file the runs trained on")
    ap.add_argument("--notes", help="a text file of notes to carry into the report (one per line)")
    ap.add_argument("--json", required=True)
    ap.add_argument("--markdown", required=True)
    args = ap.parse_args()

    with h5py.File(args.data, "r") as f:
        vocab = int(f["tokenizer"].attrs["vocab_size"])
    rows, order = {}, []
    with open(args.runs) as f:
        for line in f:
            config, prec, impl, status, result, log, path = (line.rstrip("\n").split("\t") + [""] * 7)[:7]
            key = (config, prec)
            if key not in rows:
                rows[key] = {"config": config, "precision": prec, "path": path}
                order.append(key)
            rows[key][impl] = {"status": status, "result": result, "log": os.path.basename(log)}

    device_name, torch_cpp, torch_py = "cpu", None, None
    for r in rows.values():
        py = r.get("pytorch", {})
        if py.get("status") == "ok":
            device_name = load(py["result"]).get("device_name", device_name)
            break
    peak, peak_source = peak_for(device_name)
    results = []
    for key in order:
        r = rows[key]
        cfg = read_config(r["path"])
        t_eff = effective_length(args.data, cfg["max_len"])
        out = {"config": r["config"], "precision": r["precision"], **cfg, "t_eff": round(t_eff, 2)}
        embedding = vocab * cfg["d_model"] + (cfg["max_len"] * cfg["d_model"] if cfg["position"] == "learned" else 0)
        for impl in ("cpp", "pytorch"):
            run = r.get(impl, {"status": "not run", "result": "", "log": ""})
            entry = {"status": run["status"], "log": run["log"]}
            if run["status"] == "ok":
                res = load(run["result"])
                n = res["params"] - embedding
                flops_per_token = 6.0 * n + 12.0 * cfg["layers"] * cfg["d_model"] * t_eff
                out.setdefault("params", res["params"])
                out.setdefault("non_embedding_params", n)
                out.setdefault("flops_per_token", flops_per_token)
                out.setdefault("global_batch", res.get("global_batch"))
                model_tflops = flops_per_token * res["tokens_per_s"] / 1e12
                entry.update({
                    "examples_per_s": round(res["examples_per_s"], 1), "tokens_per_s": round(res["tokens_per_s"]),
                    "step_ms_median": round(res["step_ms"]["median"], 3), "model_tflops": round(model_tflops, 3),
                    "mfu": round(model_tflops / peak, 4) if peak else None, "final_loss": res.get("final_loss"),
                    "breakdown_ms": res.get("breakdown_ms"), "device": res.get("device"),
                    "pad_fraction": res.get("pad_fraction"), "params": res["params"]})
                if impl == "cpp":
                    torch_cpp = res.get("torch_version")
                else:
                    torch_py = res.get("torch_version")
            out[impl] = entry
        c, p = out["cpp"], out["pytorch"]
        if c.get("params") and p.get("params") and c["params"] != p["params"]:
            out["warning"] = f"the models differ: C++ {c['params']} params, PyTorch {p['params']}"
        if c.get("examples_per_s") and p.get("examples_per_s"):
            out["speedup_cpp_over_pytorch"] = round(c["examples_per_s"] / p["examples_per_s"], 3)
        results.append(out)

    notes = []
    if args.notes and os.path.exists(args.notes):
        notes = [ln.strip() for ln in open(args.notes) if ln.strip()]
    doc = {"date": time.strftime("%Y-%m-%d %H:%M"), "device_name": device_name, "peak_bf16_tflops": peak,
           "peak_source": peak_source, "torch_cpp": torch_cpp, "torch_python": torch_py, "notes": notes,
           "mfu_formula": "(6 N_non_embedding + 12 L d T_eff) x non-pad tokens/s / dense bf16 peak",
           "results": results}
    write_atomically(args.json, json.dumps(doc, indent=2) + "\n")
    write_atomically(args.markdown, markdown(doc))
    print(markdown(doc))


def markdown(doc):
    def pct(x):
        return f"{100 * x:.1f}%" if x is not None else "n/a"

    def cell(e, k, fmt):
        return fmt.format(e[k]) if e.get("status") == "ok" else e.get("status", "not run")

    lines = [f"# sst-train vs eager PyTorch on {doc['device_name']} ({doc['date']})", "",
             f"LibTorch (C++) {doc['torch_cpp']}, PyTorch {doc['torch_python']}. "
             f"MFU = {doc['mfu_formula']}; peak: "
             + (f"{doc['peak_bf16_tflops']} TFLOP/s ({doc['peak_source']})." if doc["peak_bf16_tflops"]
                else doc["peak_source"] + "."), ""]
    lines += [f"- {n}" for n in doc["notes"]] + ([""] if doc["notes"] else [])
    lines += ["| config | non-emb params | batch | precision | C++ ex/s | C++ tokens/s | C++ MFU | "
              "PyTorch ex/s | PyTorch MFU | C++ / PyTorch | final loss C++ / PyTorch |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["results"]:
        c, p = r["cpp"], r["pytorch"]
        n = r.get("non_embedding_params")
        losses = " / ".join(f"{e['final_loss']:.5f}" if e.get("final_loss") is not None else "-" for e in (c, p))
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            r["config"], f"{n / 1e6:.2f} M" if n else "?", r.get("global_batch") or "?", r["precision"],
            cell(c, "examples_per_s", "{:.1f}"), cell(c, "tokens_per_s", "{:.0f}"),
            pct(c.get("mfu")) if c.get("status") == "ok" else "-", cell(p, "examples_per_s", "{:.1f}"),
            pct(p.get("mfu")) if p.get("status") == "ok" else "-",
            f"{r['speedup_cpp_over_pytorch']:.2f}x" if "speedup_cpp_over_pytorch" in r else "-", losses))
    warnings = [f"- {r['config']} {r['precision']}: {r['warning']}" for r in doc["results"] if "warning" in r]
    return "\n".join(lines + ([""] + warnings if warnings else [])) + "\n"


def write_atomically(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError, ValueError) as e:
        print(f"gpu_report.py: error: {e}", file=sys.stderr)
        sys.exit(1)
