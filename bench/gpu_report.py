#!/usr/bin/env python3
"""The table of bench/gpu_bench.sh: throughput and MFU of sst-train and the eager-PyTorch reference.

Reads the runs listed by gpu_bench.sh (runs.tsv: config, precision, implementation, status, result
JSON, log, config file) and writes one JSON document and one Markdown table.

MFU = model FLOPs per second / the device's dense bf16 peak, for fp32 runs too (the issue's yardstick).
Model FLOPs per real token are not computed here: sst-train's benchmark.json gives them
(flops_per_token = 6 N + 12 L d T_eff, src/model/flops.h, with T_eff = sum t^2 / sum t over the timed
batches), and the reference trains and times the same batches (batches.txt), so one count serves both
rows. Padding is not counted: FLOPs spent on pad positions are not model FLOPs.
"""
import argparse
import configparser
import json
import os
import sys
import time


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
    ap.add_argument("--notes", help="a text file of notes to carry into the report (one per line)")
    ap.add_argument("--json", required=True)
    ap.add_argument("--markdown", required=True)
    args = ap.parse_args()

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
        out = {"config": r["config"], "precision": r["precision"], **cfg}
        # The C++ run's count of the timed batches (a reference run exists only after a C++ one).
        cpp = r.get("cpp", {})
        flops_per_token = load(cpp["result"])["flops_per_token"] if cpp.get("status") == "ok" else None
        if flops_per_token:
            cpp_res = load(cpp["result"])
            out.update({"t_eff": round(cpp_res["effective_length"], 2), "flops_per_token": flops_per_token,
                        "non_embedding_params": cpp_res["non_embedding_params"]})
        for impl in ("cpp", "pytorch"):
            run = r.get(impl, {"status": "not run", "result": "", "log": ""})
            entry = {"status": run["status"], "log": run["log"]}
            if run["status"] == "ok":
                res = load(run["result"])
                out.setdefault("params", res["params"])
                out.setdefault("global_batch", res.get("global_batch"))
                model_tflops = flops_per_token * res["tokens_per_s"] / 1e12 if flops_per_token else None
                entry.update({
                    "examples_per_s": round(res["examples_per_s"], 1), "tokens_per_s": round(res["tokens_per_s"]),
                    "step_ms_median": round(res["step_ms"]["median"], 3),
                    "model_tflops": round(model_tflops, 3) if model_tflops else None,
                    "mfu": round(model_tflops / peak, 4) if peak and model_tflops else None,
                    "final_loss": res.get("final_loss"), "gpu_memory": res.get("gpu_memory"),
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
           "mfu_formula": "(6 N_non_embedding + 12 L d T_eff) x non-pad tokens/s / dense bf16 peak, "
                          "T_eff = sum t^2 / sum t over the timed batches (sst-train's flops_per_token)",
           "results": results}
    write_atomically(args.json, json.dumps(doc, indent=2) + "\n")
    write_atomically(args.markdown, markdown(doc))
    print(markdown(doc))


def markdown(doc):
    def pct(x):
        return f"{100 * x:.1f}%" if x is not None else "n/a"

    def cell(e, k, fmt):
        # "not run (needs ~E s, L s left)": the reason is in runs.tsv and the device check's summary.
        return fmt.format(e[k]) if e.get("status") == "ok" else e.get("status", "not run").split(" (")[0]

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
    return "\n".join(lines + ([""] + warnings if warnings else []) + memory_lines(doc)) + "\n"


def memory_lines(doc):
    """sst-train's GPU memory estimate against the CUDA caching allocator's peaks, per C++ run on a GPU."""
    gb = 1e9
    out = []
    for r in doc["results"]:
        m = r["cpp"].get("gpu_memory")
        if not m or m.get("peak_reserved_bytes", -1) <= 0:
            continue
        out.append(f"- {r['config']} {r['precision']}: estimate {m['estimate_bytes'] / gb:.3f} GB, allocator peak "
                   f"{m['peak_reserved_bytes'] / gb:.3f} GB reserved ({m['peak_allocated_bytes'] / gb:.3f} GB "
                   f"allocated): estimate / peak reserved = {m['estimate_bytes'] / m['peak_reserved_bytes']:.2f}")
    return ["", "GPU memory per rank, the estimate checked before the first step vs the caching allocator:"] + out \
        if out else []


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
