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
#   BIN_LIBRARY_PATH (folders put first on LD_LIBRARY_PATH for sst-train and sst-prep only; the Python
#   reference and report always run without LD_LIBRARY_PATH)
#   DEADLINE (a `date +%s` time by which every run has ended; 0: none). With one, the runs are planned:
#   before each (config, precision) row its C++ and PyTorch runs' time is estimated, and a row that does
#   not fit in the time left is recorded as "not run (needs ~E s, L s left)" and the next one is tried. A
#   run the deadline stops is "not run (stopped at the deadline ...)". Neither is "failed".
#   The estimate of a run: its start-up (EST_START_S: 30 on a GPU, 8 on CPU, until a run of the same
#   implementation has measured it as wall time - steps x median step) + (WARMUP + STEPS) x the step
#   time (the last measured run's median step scaled by the configs' work ratio, at least EST_MIN_STEP_S
#   (0.01); before any, work / EST_WORK_PER_S). Work = 6 x layers x d (4 d + 2 ff) x global_batch x 16
#   (non-embedding weights x tokens per step at 16 tokens per example): a size for planning, not MFU.
#   EST_WORK_PER_S: 2e13 on a GPU, 2e10 on CPU.
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
BIN_ENV=(env)
[ -z "${BIN_LIBRARY_PATH:-}" ] || BIN_ENV+=("LD_LIBRARY_PATH=$BIN_LIBRARY_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
if [ "$DEVICE" = cpu ]; then est_start=${EST_START_S:-8} est_rate=${EST_WORK_PER_S:-2e10}
else est_start=${EST_START_S:-30} est_rate=${EST_WORK_PER_S:-2e13}; fi
EST_MIN_STEP_S=${EST_MIN_STEP_S:-0.01}
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
  "${BIN_ENV[@]}" "$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$DATA" >"$RESULT_DIR.sst-prep.log" 2>&1 ||
    { cat "$RESULT_DIR.sst-prep.log" >&2; die "sst-prep failed"; }
fi
help=$("${BIN_ENV[@]}" "$BIN/sst-train" --help)
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
calc() { awk "BEGIN { printf \"%.3f\", ($1) }"; }  # parenthesized: a > in printf's arguments redirects
# work CONFIG: the planning size of one step (see the header), from the config's [model] and [train].
work() {
  awk -F'[ =]+' '/^\[/ { sec = $0 } sec == "[model]" && $1 ~ /^(d_model|layers|ff_dim)$/ { v[$1] = $2 }
    sec == "[train]" && $1 == "global_batch" { v["b"] = $2 }
    END { d = v["d_model"] ? v["d_model"] : 128; l = v["layers"] ? v["layers"] : 2
          f = v["ff_dim"] ? v["ff_dim"] : 512; b = v["b"] ? v["b"] : 32
          printf "%.6g", 6 * l * d * (4 * d + 2 * f) * b * 16 }' "$1"
}
# What the runs so far measured: the start-up per implementation, the last median step and its work.
declare -A start_s=([cpp]=$est_start [pytorch]=$est_start)
measured_step=0 measured_work=0
# estimate IMPL WORK: seconds one run is expected to take.
estimate() {
  local step
  if [ "$measured_work" != 0 ]; then step=$(calc "$measured_step * $2 / $measured_work")
  else step=$(calc "$2 / $est_rate"); fi
  step=$(calc "($step > $EST_MIN_STEP_S) ? $step : $EST_MIN_STEP_S")
  calc "${start_s[$1]} + ($WARMUP + $STEPS) * $step"
}
# learn IMPL WORK JSON SECONDS: the measured start-up and step of a finished run.
learn() {
  local median
  median=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["step_ms"]["median"] / 1e3)' "$3") || return 0
  measured_step=$median measured_work=$2
  start_s[$1]=$(calc "$4 - ($WARMUP + $STEPS) * $median")
  [ "$(calc "${start_s[$1]} < 0")" = 0.000 ] || start_s[$1]=0
}
# run NAME PRECISION IMPL WORK JSON LOG COMMAND...: one timed run, stopped at the deadline.
run() {
  local name=$1 prec=$2 impl=$3 w=$4 json=$5 logf=$6
  shift 6
  local t0 rc=0 limit=$RUN_TIMEOUT by_deadline=0
  t0=$(date +%s)
  if [ "$DEADLINE" -gt 0 ] && [ $((DEADLINE - t0)) -lt "$limit" ]; then limit=$((DEADLINE - t0)) by_deadline=1; fi
  if [ "$limit" -lt 5 ]; then
    record "$name" "$prec" "$impl" "not run (${limit} s left)" "" ""
    return 1
  fi
  timeout "$limit" "$@" >"$logf" 2>&1 || rc=$?
  local took=$(($(date +%s) - t0))
  if [ "$rc" -eq 0 ] && [ -f "$json" ]; then
    record "$name" "$prec" "$impl" ok "$json" "$logf"
    learn "$impl" "$w" "$json" "$took"
  elif [ "$rc" -eq 124 ] && [ "$by_deadline" -eq 1 ]; then
    echo "stopped at the deadline after ${limit} s" >>"$logf"
    record "$name" "$prec" "$impl" "not run (stopped at the deadline after ${limit} s)" "" "$logf"
    return 1
  else
    [ "$rc" -ne 124 ] || echo "timed out after ${limit} s" >>"$logf"
    record "$name" "$prec" "$impl" "failed (exit $rc)" "" "$logf"
    echo "gpu_bench: $name $prec $impl failed (exit $rc); last lines of $logf:" >&2
    tail -n 5 "$logf" >&2
    return 1
  fi
  echo "gpu_bench: $name $prec $impl: $("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("%.1f examples/s, %.0f tokens/s" % (r["examples_per_s"], r["tokens_per_s"]))' "$json") (${took} s)"
}

echo "gpu_bench: ${#CONFIGS[@]} config(s) x {$PRECISIONS}, device $DEVICE, warmup $WARMUP + $STEPS steps"
for config in "${CONFIGS[@]}"; do
  name=$(basename "$config" .ini)
  w=$(work "$config")
  for prec in $PRECISIONS; do
    dir=$RESULT_DIR/runs/${name}_$prec
    rm -rf "$dir"
    if [ "$DEADLINE" -gt 0 ]; then
      need=$(calc "$(estimate cpp "$w") + $(estimate pytorch "$w")")
      left=$((DEADLINE - $(date +%s)))
      echo "gpu_bench: plan: $name $prec needs ~${need%.*} s, ${left} s left"
      if [ "$(calc "$need > $left")" != 0.000 ]; then
        for impl in cpp pytorch; do record "$name" "$prec" "$impl" "not run (needs ~${need%.*} s, ${left} s left)" "" ""; done
        continue
      fi
    fi
    prec_arg=()
    if [[ "$help" == *train.precision* ]]; then prec_arg=("--train.precision=$prec"); fi
    run "$name" "$prec" cpp "$w" "$dir/benchmark.json" "$dir.cpp.log" \
      "${BIN_ENV[@]}" "$BIN/sst-train" --config "$config" --data.path "$DATA" --output.dir "$dir" --benchmark \
      --benchmark.steps "$STEPS" --benchmark.warmup "$WARMUP" --train.threads "$THREADS" \
      --train.device "$DEVICE" "${prec_arg[@]}" || continue
    # The reference gets no LD_LIBRARY_PATH: that one points sst-train at carried libraries only.
    run "$name" "$prec" pytorch "$w" "$dir.pytorch.json" "$dir.pytorch.log" \
      env -u LD_LIBRARY_PATH "$PYTHON" "$ROOT/bench/reference_train.py" --data "$DATA" --config "$config" \
      --batches "$dir/batches.txt" --threads "$THREADS" --warmup "$WARMUP" --steps "$STEPS" \
      --device "$DEVICE" --precision "$prec" --out "$dir.pytorch.json" || true
  done
done

notes_file=$RESULT_DIR/notes.txt
printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}" >"$notes_file"
env -u LD_LIBRARY_PATH "$PYTHON" "$ROOT/bench/gpu_report.py" --runs "$RESULT_DIR/runs.tsv" \
  --notes "$notes_file" --json "$RESULT_DIR/bench.json" --markdown "$RESULT_DIR/bench.md"
