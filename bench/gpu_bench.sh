#!/usr/bin/env bash
# sst-train --benchmark against bench/reference_train.py (eager PyTorch) on one device, config by config,
# in fp32 and bf16: examples/s, tokens/s and MFU, as RESULT_DIR/bench.json and RESULT_DIR/bench.md
# (bench/gpu_report.py). Made for one GPU (tests/gpu/device_check.sh runs it); DEVICE=cpu runs it on CPU.
#   bench/gpu_bench.sh RESULT_DIR [CONFIG[@BATCH]...]
#   (default: configs/{tiny,small,medium,large,xl}.ini and configs/xl.ini@1024). CONFIG@BATCH runs a copy
#   of CONFIG with train.global_batch = BATCH (RESULT_DIR/configs/NAME_bBATCH.ini), both sides alike.
# Each (config, precision) is one sst-train run (1 rank) and one reference run on the batches.txt it
# wrote, so both train on the same examples. A run that fails is recorded with its log and the others go on.
# Environment (defaults):
#   DATA (data/sst2.h5; made with sst-prep from SST2_DIR when missing)   BIN (build/bin)
#   DEVICE (auto: the GPU when there is one)   PRECISIONS ("fp32 bf16"; bf16 is dropped, with a note,
#   when this sst-train has no train.precision option)   WARMUP (10)   STEPS (30)   THREADS (4)
#   PYTHON (the first python3 that imports torch and h5py)   RUN_TIMEOUT (180 s per run)
#   DEADLINE (a `date +%s` time by which every run has ended: a run starts only with 30 s left, and is
#   stopped at it; the runs not started are recorded as skipped)
#   PEAK_TFLOPS (dense bf16 peak for MFU; default from the GPU's name, see gpu_report.py)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "gpu_bench: error: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: bench/gpu_bench.sh RESULT_DIR [CONFIG...]"
RESULT_DIR=$(realpath -m "$1")
shift
[ $# -gt 0 ] || set -- "$ROOT"/configs/{tiny,small,medium,large,xl}.ini "$ROOT/configs/xl.ini@1024"
CONFIGS=()
mkdir -p "$RESULT_DIR/configs"
for spec in "$@"; do
  f=${spec%@*}
  path=$(realpath -e "$f" 2>/dev/null) || die "config $f not found"
  if [ "$spec" != "$f" ]; then
    batch=${spec##*@}
    case "$batch" in ''|*[!0-9]*|0) die "$spec: the batch after @ must be a positive number" ;; esac
    derived=$RESULT_DIR/configs/$(basename "$path" .ini)_b$batch.ini
    sed '/^\[train\]/a global_batch = '"$batch" "$path" | awk '
      /^\[/ { section = $0 } section == "[train]" && /^global_batch *=/ && seen++ { next } { print }' >"$derived"
    grep -q '^\[train\]' "$derived" || printf '[train]\nglobal_batch = %s\n' "$batch" >>"$derived"
    path=$derived
  fi
  CONFIGS+=("$path")
done
BIN=$(realpath -m "${BIN:-$ROOT/build/bin}")
DATA=$(realpath -m "${DATA:-$ROOT/data/sst2.h5}")
DEVICE=${DEVICE:-auto}
PRECISIONS=${PRECISIONS:-fp32 bf16}
WARMUP=${WARMUP:-10}
STEPS=${STEPS:-30}
THREADS=${THREADS:-4}
RUN_TIMEOUT=${RUN_TIMEOUT:-180}
DEADLINE=${DEADLINE:-0}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

[ -x "$BIN/sst-train" ] || die "$BIN/sst-train not found; build first"
if [ -z "${PYTHON:-}" ]; then
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import torch, h5py' 2>/dev/null; then PYTHON=$p; break; fi
  done
fi
[ -n "${PYTHON:-}" ] || die "no python3 with torch and h5py (set PYTHON)"
if [ ! -f "$DATA" ]; then
  [ -f "${SST2_DIR:-}/train.tsv" ] || die "no $DATA and no SST-2 at SST2_DIR='${SST2_DIR:-}'"
  mkdir -p "$(dirname "$DATA")"
  "$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$DATA" >"$RESULT_DIR.sst-prep.log" 2>&1 ||
    { cat "$RESULT_DIR.sst-prep.log" >&2; die "sst-prep failed"; }
fi
help=$("$BIN/sst-train" --help)
case "$help" in *--benchmark*) ;; *) die "$BIN/sst-train has no --benchmark mode" ;; esac
NOTES=()
case "$help" in
  *train.precision*) ;;
  *) if [[ " $PRECISIONS " == *" bf16 "* ]]; then
       NOTES+=("this sst-train has no train.precision option: bf16 not run, fp32 only")
       PRECISIONS=fp32
     fi ;;
esac

mkdir -p "$RESULT_DIR/runs"
: >"$RESULT_DIR/runs.tsv"  # config, precision, implementation, status, result JSON, log, config file
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$config" >>"$RESULT_DIR/runs.tsv"; }
# run NAME PRECISION IMPL JSON LOG COMMAND...: one timed run, unless the deadline has passed.
run() {
  local name=$1 prec=$2 impl=$3 json=$4 logf=$5
  shift 5
  local t0 rc=0 limit=$RUN_TIMEOUT
  t0=$(date +%s)
  if [ "$DEADLINE" -gt 0 ]; then
    [ $((DEADLINE - t0)) -lt "$limit" ] && limit=$((DEADLINE - t0))
    if [ "$limit" -lt 30 ]; then
      record "$name" "$prec" "$impl" "skipped: time budget" "" ""
      return 1
    fi
  fi
  timeout "$limit" "$@" >"$logf" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ] && [ -f "$json" ]; then
    record "$name" "$prec" "$impl" ok "$json" "$logf"
  else
    [ "$rc" -ne 124 ] || echo "timed out after ${limit} s" >>"$logf"
    record "$name" "$prec" "$impl" "failed (exit $rc)" "" "$logf"
    echo "gpu_bench: $name $prec $impl failed (exit $rc); last lines of $logf:" >&2
    tail -n 5 "$logf" >&2
    return 1
  fi
  echo "gpu_bench: $name $prec $impl: $("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("%.1f examples/s, %.0f tokens/s" % (r["examples_per_s"], r["tokens_per_s"]))' "$json") ($(($(date +%s) - t0)) s)"
}

echo "gpu_bench: ${#CONFIGS[@]} config(s) x {$PRECISIONS}, device $DEVICE, warmup $WARMUP + $STEPS steps"
for config in "${CONFIGS[@]}"; do
  name=$(basename "$config" .ini)
  for prec in $PRECISIONS; do
    dir=$RESULT_DIR/runs/${name}_$prec
    rm -rf "$dir"
    prec_arg=()
    if [[ "$help" == *train.precision* ]]; then prec_arg=("--train.precision=$prec"); fi
    run "$name" "$prec" cpp "$dir/benchmark.json" "$dir.cpp.log" \
      "$BIN/sst-train" --config "$config" --data.path "$DATA" --output.dir "$dir" --benchmark \
      --benchmark.steps "$STEPS" --benchmark.warmup "$WARMUP" --train.threads "$THREADS" \
      --train.device "$DEVICE" "${prec_arg[@]}" || continue
    # The reference gets no LD_LIBRARY_PATH: that one points sst-train at carried libraries only.
    run "$name" "$prec" pytorch "$dir.pytorch.json" "$dir.pytorch.log" \
      env -u LD_LIBRARY_PATH "$PYTHON" "$ROOT/bench/reference_train.py" --data "$DATA" --config "$config" \
      --batches "$dir/batches.txt" --threads "$THREADS" --warmup "$WARMUP" --steps "$STEPS" \
      --device "$DEVICE" --precision "$prec" --out "$dir.pytorch.json" || true
  done
done

notes_file=$RESULT_DIR/notes.txt
printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}" >"$notes_file"
env -u LD_LIBRARY_PATH "$PYTHON" "$ROOT/bench/gpu_report.py" --runs "$RESULT_DIR/runs.tsv" --data "$DATA" \
  --notes "$notes_file" --json "$RESULT_DIR/bench.json" --markdown "$RESULT_DIR/bench.md"
