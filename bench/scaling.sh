#!/usr/bin/env bash
# Strong and weak scaling of sst-train's data parallelism, per optimizer/gradient mode, measured side by
# side in one run (every repetition runs every point once, in a rotating order).
#   bench/scaling.sh [REPS]                  (default 3)
# Points: for each config in CONFIGS, each world size W in WORLDS, each mode in MODES:
#   strong  global batch GLOBAL (64) on W ranks x 1 thread
#   weak    global batch PER_RANK (32) x W on W ranks x 1 thread (W = 1 of weak is its own point)
# Modes (the sst-train options they set):
#   dense    --train.fused_adamw=false --train.sparse_embedding=false   (the trainer before issue 15)
#   fused    the defaults: fused AdamW over the flat buffer, embedding rows sent sparsely when smaller
#   sharded  the defaults + --train.shard_optimizer=true (ZeRO-1); not run on 1 rank (same as fused)
# Also measures the single-core GEMM rate the achieved model GFLOP/s are compared with
# (bench/gemm_rate.py, the same OpenBLAS as the trainer).
# Writes bench/results/scaling.jsonl (one line per run) and prints, and writes, bench/results/scaling.md
# (medians per point: examples/s, speed-up, phase breakdown, optimizer bytes per rank, GFLOP/s).
# Environment (defaults): CONFIGS ("issue small medium": issue = configs/small.ini with 2 layers, the
#   configuration issue 15 measured), WORLDS ("1 2"; add 3 4 to exercise more ranks than cores, which
#   launch/train.sh oversubscribes), MODES ("dense fused sharded"), GLOBAL (64), PER_RANK (32),
#   STEPS (30), WARMUP (5), DATA (data/sst2.h5; made from SST2_DIR if missing), SST2_DIR
#   (../shared/data/sst2), PYTHON (a python3 with torch), KEEP (a folder to keep the runs in).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "scaling.sh: $*" >&2; exit 2; }

if [ $# -gt 1 ]; then die "usage: bench/scaling.sh [REPS]"; fi
REPS=${1:-3}
case "$REPS" in ''|*[!0-9]*|0) die "REPS must be a positive number, got '$REPS'" ;; esac
CONFIGS=${CONFIGS:-issue small medium}
WORLDS=${WORLDS:-1 2}
MODES=${MODES:-dense fused sharded}
GLOBAL=${GLOBAL:-64}
PER_RANK=${PER_RANK:-32}
STEPS=${STEPS:-30}
WARMUP=${WARMUP:-5}
[ -z "${DATA:-}" ] || DATA=$(realpath -m "$DATA")
[ -z "${KEEP:-}" ] || KEEP=$(realpath -m "$KEEP")
[ -z "${SST2_DIR:-}" ] || SST2_DIR=$(realpath -m "$SST2_DIR")
cd "$ROOT"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
DATA=${DATA:-data/sst2.h5}
SST2_DIR=${SST2_DIR:-../shared/data/sst2}
[ -x build/bin/sst-train ] || die "build/bin/sst-train not found; run launch/build.sh first"
# shellcheck source=bench/bench_env.sh
. bench/bench_env.sh
find_python torch
ensure_dataset "$DATA" "$SST2_DIR"
if [ -n "${KEEP:-}" ]; then WORK=$KEEP; mkdir -p "$WORK"
else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi

config_args() {  # NAME -> the config file and extra options
  case "$1" in
    issue) echo "--config configs/small.ini --model.layers=2" ;;
    tiny|small|medium|large) echo "--config configs/$1.ini" ;;
    *) die "unknown config '$1' (issue, tiny, small, medium, large)" ;;
  esac
}
mode_args() {
  case "$1" in
    dense) echo "--train.fused_adamw=false --train.sparse_embedding=false" ;;
    fused) echo "" ;;
    sharded) echo "--train.shard_optimizer=true" ;;
    *) die "unknown mode '$1' (dense, fused, sharded)" ;;
  esac
}

# The points, one per line: config world mode global_batch. Strong scaling reads the points with
# global batch GLOBAL, weak scaling those with PER_RANK x W (one point serves both where they agree).
points=()
for c in $CONFIGS; do
  config_args "$c" >/dev/null
  for m in $MODES; do
    mode_args "$m" >/dev/null
    for w in $WORLDS; do
      [ "$m" = sharded ] && [ "$w" = 1 ] && continue
      # (a global batch W does not divide has no strong-scaling point on W ranks)
      if [ $((GLOBAL % w)) -eq 0 ]; then points+=("$c $w $m $GLOBAL"); fi
      weak=$((PER_RANK * w))
      [ "$weak" = "$GLOBAL" ] || points+=("$c $w $m $weak")
    done
  done
done

echo "== single-core GEMM rate"
"$PYTHON" bench/gemm_rate.py >"$WORK/gemm.json"
cat "$WORK/gemm.json"
n=${#points[@]}
echo "== $n points x $REPS rep(s), $WARMUP + $STEPS steps each, 1 thread per rank"
for r in $(seq 1 "$REPS"); do
  for i in $(seq 0 $((n - 1))); do
    # Rotate the order every repetition, so no point always runs first or after the same neighbour.
    read -r c w m g <<<"${points[$(((i + r - 1) % n))]}"
    out="$WORK/${c}_w${w}_${m}_g${g}_r${r}"
    # shellcheck disable=SC2046  # the option lists are meant to split into words
    if ! RANKS=$w bash launch/train.sh $(config_args "$c") $(mode_args "$m") --data.path "$DATA" --output.dir "$out" \
        --benchmark --benchmark.steps "$STEPS" --benchmark.warmup "$WARMUP" --train.threads=1 \
        --train.global_batch="$g" >"$out.log" 2>&1; then
      tail -n 20 "$out.log" >&2; die "run failed: $c W=$w $m global batch $g (log $out.log)"
    fi
    "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % d["examples_per_s"])' \
      "$out/benchmark.json" | xargs printf "rep %d: %-7s W=%s %-7s batch %-4s %s ex/s\n" "$r" "$c" "$w" "$m" "$g"
  done
done

mkdir -p bench/results
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ "$COMMIT" = unknown ] || git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT+dirty"
"$PYTHON" bench/scaling_report.py --work "$WORK" --commit "$COMMIT" --global-batch "$GLOBAL" --per-rank "$PER_RANK" \
  --gemm "$WORK/gemm.json" --jsonl bench/results/scaling.jsonl --markdown bench/results/scaling.md
