#!/usr/bin/env bash
# sst-train started directly vs through launch/train.sh -n 1, and directly with its own threading
# environment turned off (SST_TRAIN_SET_ENV set: how every sst-train ran before it set OMP_WAIT_POLICY and
# OPENBLAS_NUM_THREADS itself), alternated, examples/s of `--benchmark` on one rank.
# Usage: bash bench/direct_vs_wrapper.sh DATA.h5 [CONFIG (configs/tiny.ini)] [REPS (3)]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?usage: bench/direct_vs_wrapper.sh DATA.h5 [CONFIG] [REPS]}
CONFIG=${2:-configs/tiny.ini}
REPS=${3:-3}
BIN=build/bin/sst-train
args=(--config "$CONFIG" --data "$DATA" --benchmark --benchmark.steps 20 --benchmark.warmup 3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
eps() { grep -o '[0-9.]* examples/s' | head -n 1 || echo "failed"; }
for rep in $(seq "$REPS"); do
  echo "rep $rep direct:           $(env -u OMP_WAIT_POLICY -u OPENBLAS_NUM_THREADS "$BIN" "${args[@]}" \
    --out-dir "$work/a$rep" 2>&1 | eps)"
  echo "rep $rep direct, env off:  $(env -u OMP_WAIT_POLICY -u OPENBLAS_NUM_THREADS SST_TRAIN_SET_ENV=off "$BIN" \
    "${args[@]}" --out-dir "$work/b$rep" 2>&1 | eps)"
  echo "rep $rep launch/train.sh:  $(env -u OMP_WAIT_POLICY -u OPENBLAS_NUM_THREADS bash launch/train.sh -n 1 \
    "${args[@]}" --out-dir "$work/c$rep" 2>&1 | eps)"
done
