"""Tables for bench/scaling.sh: reads every run's benchmark.json from its work folder, writes one JSON
line per run and a Markdown report of medians and paired ratios (ratios are taken within one
repetition, where the runs were made minutes apart, then summarised as min / median / max)."""
import argparse
import glob
import json
import os
import re
import statistics
import time

PHASES = ["data", "forward", "backward", "allreduce", "wait", "optimizer"]

parser = argparse.ArgumentParser()
parser.add_argument("--work", required=True)
parser.add_argument("--commit", default="unknown")
parser.add_argument("--global-batch", type=int, required=True)
parser.add_argument("--per-rank", type=int, required=True)
parser.add_argument("--gemm", required=True)
parser.add_argument("--jsonl", required=True)
parser.add_argument("--markdown", required=True)
args = parser.parse_args()

gemm = json.load(open(args.gemm))
gemm_rate = gemm["model_shapes_median_gflops_per_s"]
runs = {}  # (config, world, mode, global, rep) -> benchmark.json
for path in glob.glob(os.path.join(args.work, "*_r*/benchmark.json")):
    m = re.match(r"(\w+)_w(\d+)_(\w+)_g(\d+)_r(\d+)$", os.path.basename(os.path.dirname(path)))
    if m:
        c, w, mode, g, r = m.groups()
        runs[(c, int(w), mode, int(g), int(r))] = json.load(open(path))
if not runs:
    raise SystemExit("scaling_report.py: no runs in " + args.work)
reps = sorted({k[4] for k in runs})
configs = sorted({k[0] for k in runs}, key=["tiny", "issue", "small", "medium", "large"].index)
modes = [m for m in ["dense", "fused", "sharded"] if any(k[2] == m for k in runs)]
worlds = sorted({k[1] for k in runs})


def stats(xs):
    return (min(xs), statistics.median(xs), max(xs)) if xs else None


def fmt3(s, digits=2):
    return "–" if s is None else "/".join(f"{x:.{digits}f}" for x in s)


def median_of(c, w, mode, g, key):
    xs = [runs[(c, w, mode, g, r)][key] for r in reps if (c, w, mode, g, r) in runs]
    return statistics.median(xs) if xs else None


def paired(c, num, den):  # num, den: (world, mode, global); ratio of examples/s per repetition
    xs = []
    for r in reps:
        a, b = runs.get((c,) + num + (r,)), runs.get((c,) + den + (r,))
        if a and b:
            xs.append(a["examples_per_s"] / b["examples_per_s"])
    return stats(xs)


def breakdown(c, w, mode, g):
    got = [runs[(c, w, mode, g, r)]["breakdown_ms"] for r in reps if (c, w, mode, g, r) in runs]
    return {p: statistics.median(b[p] for b in got) for p in PHASES + ["total"]} if got else None


with open(args.jsonl + ".tmp", "w") as f:
    for (c, w, mode, g, r), b in sorted(runs.items()):
        f.write(json.dumps({"config": c, "world": w, "mode": mode, "global_batch": g, "rep": r,
                            "commit": args.commit, "examples_per_s": b["examples_per_s"],
                            "breakdown_ms": b["breakdown_ms"], "params": b["params"],
                            "optimizer": b.get("optimizer"),
                            "optimizer_state_bytes_per_rank": b.get("optimizer_state_bytes_per_rank"),
                            "sparse_embedding_steps": b.get("sparse_embedding_steps"),
                            "model_gflops_per_s": b.get("model_gflops_per_s")}) + "\n")
os.replace(args.jsonl + ".tmp", args.jsonl)

G, P = args.global_batch, args.per_rank
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load = open("/proc/loadavg").read().split()[:3]
out = [f"Measured {time.strftime('%Y-%m-%d %H:%M')} at commit {args.commit}: {os.cpu_count()} cores ({cpu}), "
       f"{len(reps)} repetition(s), 1 thread per rank; load average at the end {' '.join(load)}. "
       f"Single-core GEMM rate (bench/gemm_rate.py, median over the models' matmul shapes): "
       f"{gemm_rate:.1f} GFLOP/s.", ""]
out += [f"### Strong scaling (global batch {G})", "",
        "Speed-ups are paired within a repetition (min/median/max). *vs dense 1* compares with the trainer "
        "before issue 15 on one rank. Phases: rank 0's median ms per step. *comm+opt*: all-reduce wait + "
        "optimizer as a share of the step. GFLOP/s: model FLOPs (6 N + attention, non-pad tokens) per second "
        "per rank, and as a share of the GEMM rate.", "",
        "| config | mode | ranks | ex/s | speed-up vs same mode, 1 rank | vs dense 1 rank | data / fwd / bwd / allreduce / "
        "wait / opt ms | comm+opt | optimizer state / rank | GFLOP/s / rank (of GEMM) |",
        "|---|---|---|---|---|---|---|---|---|---|"]
for c in configs:
    for mode in modes:
        for w in worlds:
            ex = median_of(c, w, mode, G, "examples_per_s")
            if ex is None:
                continue
            base_mode = "fused" if mode == "sharded" else mode
            b = breakdown(c, w, mode, G)
            share = (b["allreduce"] + b["optimizer"]) / b["total"]
            gf = median_of(c, w, mode, G, "model_gflops_per_s") / w
            state = median_of(c, w, mode, G, "optimizer_state_bytes_per_rank")
            phases = " / ".join(f"{b[p]:.1f}" for p in PHASES)
            out.append(f"| {c} | {mode} | {w} | {ex:,.0f} | {fmt3(paired(c, (w, mode, G), (1, base_mode, G)))} | "
                       f"{fmt3(paired(c, (w, mode, G), (1, 'dense', G)))} | {phases} | {100 * share:.0f}% | "
                       f"{state / 2**20:.2f} MiB | {gf:.1f} ({100 * gf / gemm_rate:.0f}%) |")
out += ["", f"### Weak scaling ({P} examples per rank)", "",
        "Efficiency: examples/s on W ranks / (W x examples/s on 1 rank), paired within a repetition.", "",
        "| config | mode | ranks | global batch | ex/s | efficiency |", "|---|---|---|---|---|---|"]
for c in configs:
    for mode in modes:
        base_mode = "fused" if mode == "sharded" else mode
        for w in worlds:
            ex = median_of(c, w, mode, P * w, "examples_per_s")
            if ex is None:
                continue
            eff = paired(c, (w, mode, P * w), (1, base_mode, P))
            eff = tuple(x / w for x in eff) if eff else None
            out.append(f"| {c} | {mode} | {w} | {P * w} | {ex:,.0f} | {fmt3(eff)} |")
text = "\n".join(out) + "\n"
with open(args.markdown + ".tmp", "w") as f:
    f.write(text)
os.replace(args.markdown + ".tmp", args.markdown)
print(text)
print(f"wrote {args.jsonl} and {args.markdown}")
