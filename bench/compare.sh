#!/usr/bin/env bash
# C++ trainer vs the plain-PyTorch reference, on identical batches, and the cost of data parallelism.
#   bench/compare.sh CONFIG [REPS]        e.g. bench/compare.sh configs/small.ini 3
# 1. REPS x (sst-train 1 rank x THREADS, reference_train.py THREADS), alternated: examples/s and the
#    paired ratio C++/Python. The reference trains on the batches.txt the first C++ run wrote.
# 2. REPS x (sst-train 2 ranks x 1 thread, 1 rank x 2 threads), alternated: the data-parallel
#    overhead at equal cores (ratio 2x1 / 1x2; 1.0 = free).
# 3. With BASELINE=PATH (another build's sst-train, e.g. of the commit before a change): REPS x
#    (that binary, this one), alternated, 1 rank x THREADS: the change's speed ratio on one rank.
# Prints every rep and min/median/max; writes one JSON line to bench/results/compare_<config>.json.
# Environment (defaults): THREADS (nproc), WARMUP (5), STEPS (30 for tiny/small, 10 otherwise),
#   DP (1; 0 skips part 2), DATA (data/sst2.h5, made with sst-prep from SST2_DIR if missing),
#   SST2_DIR (../shared/data/sst2), PYTHON (the first python3 that imports torch and h5py),
#   KEEP (unset; a folder to keep the runs' outputs in instead of a temporary one), BASELINE (unset).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "compare.sh: $*" >&2; exit 2; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then die "usage: bench/compare.sh CONFIG [REPS]"; fi
CONFIG=$(realpath -e "$1" 2>/dev/null) || die "config file '$1' not found"
REPS=${2:-3}
case "$REPS" in ''|*[!0-9]*|0) die "REPS must be a positive number, got '$REPS'" ;; esac
NAME=$(basename "$CONFIG" .ini)
THREADS=${THREADS:-$(nproc)}
WARMUP=${WARMUP:-5}
case "$NAME" in tiny|small) STEPS=${STEPS:-30} ;; *) STEPS=${STEPS:-10} ;; esac
DP=${DP:-1}
# Paths given by the caller are relative to their directory, defaults to the repository's.
[ -z "${DATA:-}" ] || DATA=$(realpath -m "$DATA")
[ -z "${KEEP:-}" ] || KEEP=$(realpath -m "$KEEP")
[ -z "${SST2_DIR:-}" ] || SST2_DIR=$(realpath -m "$SST2_DIR")
if [ -n "${BASELINE:-}" ]; then
  BASELINE=$(realpath -e "$BASELINE" 2>/dev/null) || die "BASELINE binary '${BASELINE}' not found"
fi
cd "$ROOT"
# Both sides run with the wait policy launch/train.sh sets (idle OpenMP threads sleep, leaving the
# cores to OpenBLAS); spinning threads cost both implementations alike (see bench/RESULTS.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
DATA=${DATA:-data/sst2.h5}
SST2_DIR=${SST2_DIR:-../shared/data/sst2}
SST_TRAIN=build/bin/sst-train

[ -x "$SST_TRAIN" ] || die "$SST_TRAIN not found; run launch/build.sh first"
# Not a pipe into grep -q: under pipefail its early exit would fail the pipeline on SIGPIPE.
case "$("$SST_TRAIN" --help)" in *--benchmark*) ;; *) die "$SST_TRAIN has no --benchmark mode (rebuild?)" ;; esac
# shellcheck source=bench/bench_env.sh
. bench/bench_env.sh
find_python torch h5py
ensure_dataset "$DATA" "$SST2_DIR"

if [ -n "${KEEP:-}" ]; then WORK=$KEEP; mkdir -p "$WORK"
else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi

# cpp RANKS THREADS RUN_DIR: one benchmark run of sst-train (or of $SST_TRAIN) through the project's
# mpirun wrapper, so that 1-rank and 2-rank runs are launched the same way.
cpp() {
  if ! RANKS=$1 SST_TRAIN=${SST_TRAIN_UNDER_TEST:-$ROOT/$SST_TRAIN} bash launch/train.sh --config "$CONFIG" --data.path "$DATA" --output.dir "$3" --benchmark \
      --benchmark.steps "$STEPS" --benchmark.warmup "$WARMUP" --train.threads "$2" >"$3.log" 2>&1; then
    tail -n 20 "$3.log" >&2; die "sst-train failed ($1 rank(s) x $2 thread(s)); log: $3.log"
  fi
  [ -f "$3/benchmark.json" ] || die "sst-train wrote no $3/benchmark.json"
}
py() {
  if ! "$PYTHON" bench/reference_train.py --data "$DATA" --config "$CONFIG" --batches "$WORK/batches.txt" \
      --threads "$THREADS" --warmup "$WARMUP" --steps "$STEPS" --out "$1.json" >"$1.log" 2>&1; then
    cat "$1.log" >&2; die "reference_train.py failed"
  fi
}
rate() { "$PYTHON" -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["examples_per_s"])' "$1"; }

echo "== $NAME: C++ vs PyTorch, 1 rank x $THREADS thread(s), warmup $WARMUP + $STEPS steps, $REPS rep(s)"
for r in $(seq 1 "$REPS"); do
  # The first C++ run writes the batches both sides train on; later reps swap the order.
  if [ $((r % 2)) -eq 1 ]; then
    cpp 1 "$THREADS" "$WORK/cpp_$r"
    [ -f "$WORK/batches.txt" ] || cp "$WORK/cpp_$r/batches.txt" "$WORK/batches.txt"
    py "$WORK/py_$r"
  else
    py "$WORK/py_$r"
    cpp 1 "$THREADS" "$WORK/cpp_$r"
  fi
  cmp -s "$WORK/batches.txt" "$WORK/cpp_$r/batches.txt" || echo "warning: rep $r's C++ batches differ from rep 1's" >&2
  echo "rep $r: C++ $(rate "$WORK/cpp_$r/benchmark.json") ex/s, PyTorch $(rate "$WORK/py_$r.json") ex/s"
done

if [ "$DP" != 0 ]; then
  echo "== $NAME: data-parallel overhead, 2 ranks x 1 thread vs 1 rank x 2 threads, $REPS rep(s)"
  for r in $(seq 1 "$REPS"); do
    if [ $((r % 2)) -eq 1 ]; then cpp 2 1 "$WORK/dp2_$r"; cpp 1 2 "$WORK/dp1_$r"
    else cpp 1 2 "$WORK/dp1_$r"; cpp 2 1 "$WORK/dp2_$r"; fi
    echo "rep $r: 2x1 $(rate "$WORK/dp2_$r/benchmark.json") ex/s, 1x2 $(rate "$WORK/dp1_$r/benchmark.json") ex/s"
  done
fi

if [ -n "${BASELINE:-}" ]; then
  echo "== $NAME: this build vs BASELINE=$BASELINE, 1 rank x $THREADS thread(s), $REPS rep(s)"
  for r in $(seq 1 "$REPS"); do
    if [ $((r % 2)) -eq 1 ]; then SST_TRAIN_UNDER_TEST=$BASELINE cpp 1 "$THREADS" "$WORK/base_$r"; cpp 1 "$THREADS" "$WORK/new_$r"
    else cpp 1 "$THREADS" "$WORK/new_$r"; SST_TRAIN_UNDER_TEST=$BASELINE cpp 1 "$THREADS" "$WORK/base_$r"; fi
    echo "rep $r: baseline $(rate "$WORK/base_$r/benchmark.json") ex/s, this build $(rate "$WORK/new_$r/benchmark.json") ex/s"
  done
fi

mkdir -p bench/results
# Read-only git queries (describe --dirty would rewrite the index): the commit, "+dirty" if edited.
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ "$COMMIT" = unknown ] || git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT+dirty"
OUT=bench/results/compare_$NAME.json
"$PYTHON" - "$WORK" "$REPS" "$DP" "$OUT" "$NAME" "$THREADS" "$WARMUP" "$STEPS" \
  "$COMMIT" "${BASELINE:-}" <<'EOF'
import json, os, statistics, sys, time
work, reps, dp, out, name, threads, warmup, steps, commit, baseline = sys.argv[1:]
reps = int(reps)
load = lambda p: json.load(open(os.path.join(work, p)))
def stats(xs):
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}
def fmt(s, unit=""):
    return "min %.3g%s  median %.3g%s  max %.3g%s" % (s["min"], unit, s["median"], unit, s["max"], unit)
cpp = [load(f"cpp_{r}/benchmark.json") for r in range(1, reps + 1)]
py = [load(f"py_{r}.json") for r in range(1, reps + 1)]
ce = [c["examples_per_s"] for c in cpp]
pe = [p["examples_per_s"] for p in py]
ratio = stats([c / p for c, p in zip(ce, pe)])
def median_of(runs, key):
    keys = [k for k, v in runs[0].get(key, {}).items() if isinstance(v, (int, float))]
    return {k: round(statistics.median(r[key][k] for r in runs), 3) for k in keys}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
res = {"config": name, "date": time.strftime("%Y-%m-%d"), "commit": commit, "cpu": cpu, "cores": os.cpu_count(),
       "threads": int(threads), "warmup": int(warmup), "steps": int(steps), "reps": reps,
       "torch_cpp": cpp[0].get("torch_version"), "torch_python": py[0]["torch_version"],
       "params_cpp": cpp[0].get("params"), "params_python": py[0]["params"],
       "final_loss_cpp": cpp[0].get("final_loss"), "final_loss_python": py[0]["final_loss"],
       "cpp_examples_per_s": [round(x, 1) for x in ce], "python_examples_per_s": [round(x, 1) for x in pe],
       "ratio_cpp_over_python": {k: round(v, 3) for k, v in ratio.items()},
       "cpp_breakdown_ms": median_of(cpp, "breakdown_ms"), "python_breakdown_ms": median_of(py, "breakdown_ms")}
if cpp[0].get("params") != py[0]["params"]:
    print(f"warning: the models differ: C++ {cpp[0].get('params')} params, PyTorch {py[0]['params']}", file=sys.stderr)
print(f"== {name}: C++ / PyTorch examples/s: {fmt(ratio, 'x')}")
print(f"   C++ {fmt(stats(ce))} ex/s;  PyTorch {fmt(stats(pe))} ex/s")
line = lambda b: "  ".join(f"{k} {v:.1f}" for k, v in b.items())
print(f"   ms/step (median) C++:     {line(res['cpp_breakdown_ms'])}")
print(f"   ms/step (median) PyTorch: {line(res['python_breakdown_ms'])}")
# Same batches, seeds and init: with the same torch build the losses agree to float rounding.
print(f"   final loss: C++ {cpp[0].get('final_loss', float('nan')):.6f}  PyTorch {py[0]['final_loss']:.6f}")
if dp != "0":
    d2 = [load(f"dp2_{r}/benchmark.json")["examples_per_s"] for r in range(1, reps + 1)]
    d1 = [load(f"dp1_{r}/benchmark.json")["examples_per_s"] for r in range(1, reps + 1)]
    dr = stats([a / b for a, b in zip(d2, d1)])
    res.update({"dp_2x1_examples_per_s": [round(x, 1) for x in d2], "dp_1x2_examples_per_s": [round(x, 1) for x in d1],
                "dp_ratio_2x1_over_1x2": {k: round(v, 3) for k, v in dr.items()}})
    print(f"== {name}: 2 ranks x 1 thread / 1 rank x 2 threads: {fmt(dr, 'x')}")
if baseline:
    base = [load(f"base_{r}/benchmark.json") for r in range(1, reps + 1)]
    new = [load(f"new_{r}/benchmark.json") for r in range(1, reps + 1)]
    br = stats([n["examples_per_s"] / b["examples_per_s"] for n, b in zip(new, base)])
    res.update({"baseline": baseline, "baseline_examples_per_s": [round(b["examples_per_s"], 1) for b in base],
                "this_build_examples_per_s": [round(n["examples_per_s"], 1) for n in new],
                "ratio_this_build_over_baseline": {k: round(v, 3) for k, v in br.items()},
                "baseline_breakdown_ms": median_of(base, "breakdown_ms"),
                "this_build_breakdown_ms": median_of(new, "breakdown_ms")})
    print(f"== {name}: this build / baseline examples/s (1 rank x {threads}): {fmt(br, 'x')}")
    print(f"   ms/step (median) baseline:   {line(res['baseline_breakdown_ms'])}")
    print(f"   ms/step (median) this build: {line(res['this_build_breakdown_ms'])}")
# Temporary file + rename: an interrupted run never leaves a half-written result.
with open(out + ".tmp", "w") as f:
    f.write(json.dumps(res) + "\n")
os.replace(out + ".tmp", out)
print(f"wrote {out}")
EOF
