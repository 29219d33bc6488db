#!/usr/bin/env bash
# The model-quality study behind configs/sst2_best.ini (docs/results.md): tokenizes SST-2 three ways,
# trains the recommended config and every one-lever ablation with 3 seeds each (the sweeps in
# configs/ablations/, 2 ranks per run), then writes the ablation table and evaluates the recommended
# config's best checkpoints (accuracy, calibration, slices) on the dev split.
#   launch/ablations.sh [--best-only] [--out DIR]
#     --best-only  only configs/sst2_best.ini with seeds 1, 2, 3 (DIR/sst2_best/seedS), and its table
#     --out DIR    where everything goes (default runs/ablations)
# Resumable: finished runs are skipped, interrupted ones continue from their checkpoints.
# Needs the binaries (bash launch/quickstart.sh or launch/build.sh). SST2_DIR: the GLUE SST-2 folder
# (default ../shared/data/sst2). Exit status: 0 done, 1 a run failed, 2 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

OUT=runs/ablations BEST_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --best-only) BEST_ONLY=1; shift ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    *) echo "ablations.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
SST2_DIR=${SST2_DIR:-../shared/data/sst2}
BIN=${SST_BIN_DIR:-build/bin}
[ -f "$SST2_DIR/train.tsv" ] || { echo "ablations.sh: no SST-2 at '$SST2_DIR' (set SST2_DIR)" >&2; exit 2; }
[ -x "$BIN/sst-train" ] || { echo "ablations.sh: no binaries in $BIN (run bash launch/build.sh)" >&2; exit 2; }

# The three tokenizations the configs name (sst-prep writes each atomically; existing files are kept).
prep() {
  local file=$1; shift
  [ -f "$file" ] || "$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$file" "$@"
}
prep data/sst2_word16k.h5 --model-type word --vocab-size 16000
mkdir -p "$OUT"

if [ "$BEST_ONLY" = 1 ]; then
  for seed in 1 2 3; do
    bash launch/train.sh -n 2 --config configs/sst2_best.ini --train.seed=$seed \
      --out-dir "$OUT/sst2_best/seed$seed" --resume auto
  done
  "$BIN/sst-analyze" ablations "$OUT/sst2_best" --baseline "$OUT/sst2_best/seed1" --output "$OUT/sst2_best/table"
  exit 0
fi

prep data/sst2_word8k.h5 --model-type word --vocab-size 8000
prep data/sst2.h5 --model-type unigram --vocab-size 8000
for sweep in sst2_best vocab_word8k tokenizer_unigram8k; do
  bash launch/sweep.sh "configs/ablations/$sweep.ini" --sweep-dir "$OUT/$sweep"
done
"$BIN/sst-analyze" ablations "$OUT/sst2_best" "$OUT/vocab_word8k" "$OUT/tokenizer_unigram8k" \
  --baseline "$OUT/sst2_best/runs/best_f1_s1" --output "$OUT/table"
for seed in 1 2 3; do
  "$BIN/sst-analyze" evaluate --checkpoint "$OUT/sst2_best/runs/best_f1_s$seed/checkpoints/best.pt" \
    --data data/sst2_word16k.h5 --split dev --output "$OUT/evaluation_s$seed"
done
echo "ablations.sh: table $OUT/table/ablations.md, evaluations $OUT/evaluation_s{1,2,3}/evaluation.md"
