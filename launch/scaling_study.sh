#!/usr/bin/env bash
# The SST-2 scaling study of docs/scaling.md, end to end: its three sweeps (configs/sweeps/sst2_scaling.ini,
# sst2_isoflop.ini and sst2_isoflop_full.ini, one thread per run), the fits (every approach; part 1 also with
# the largest size held out), the cooldown branches against the full runs, and with --publish the small
# outputs copied into docs/scaling/ (sweep.csv, fit.json, branches.*, figures; never a checkpoint).
#   launch/scaling_study.sh [--parallel K] [--bootstrap B] [--publish]
#     --parallel K   runs at a time (default 2; about 95 min on 2 cores)
#     --bootstrap B  bootstrap resamples of every fit (default 200)
#     --publish      copy the results into docs/scaling/ and the part-1 figure into docs/images/
# Resumable: the sweeps skip finished runs and continue interrupted ones; the fits are redone each time.
# Needs the binaries (bash launch/build.sh); data/sst2.h5 is made with sst-prep's defaults (SentencePiece
# unigram, vocab 8000, seed 1) when missing. SST2_DIR: the GLUE SST-2 folder (default ../shared/data/sst2).
# Exit status: 0 done, 1 a run or a fit failed, 2 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
PROG=scaling_study.sh
# shellcheck source=launch/safe_write.sh
source launch/safe_write.sh
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

PARALLEL=2 BOOT=200 PUBLISH=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --parallel) PARALLEL=${2:?--parallel needs a number}; shift 2 ;;
    --bootstrap) BOOT=${2:?--bootstrap needs a number}; shift 2 ;;
    --publish) PUBLISH=1; shift ;;
    *) echo "scaling_study.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
SST2_DIR=${SST2_DIR:-../shared/data/sst2}
BIN=${SST_BIN_DIR:-build/bin}
[ -x "$BIN/sst-analyze" ] || { echo "scaling_study.sh: no binaries in $BIN (run bash launch/build.sh)" >&2; exit 2; }
if [ ! -f data/sst2.h5 ]; then
  [ -f "$SST2_DIR/train.tsv" ] || { echo "scaling_study.sh: no SST-2 at '$SST2_DIR' (set SST2_DIR)" >&2; exit 2; }
  mkdir -p data
  "$BIN/sst-prep" --data-dir "$SST2_DIR" --output data/sst2.h5
fi

S=runs/sweeps
for sweep in sst2_scaling sst2_isoflop sst2_isoflop_full; do
  bash launch/sweep.sh "configs/sweeps/$sweep.ini" --parallel "$PARALLEL"
done
A="$BIN/sst-analyze"
$A fit --input $S/sst2_scaling/sweep.csv --output $S/sst2_scaling/fit_all --bootstrap "$BOOT"
$A fit --input $S/sst2_scaling/sweep.csv --output $S/sst2_scaling/fit_holdout --bootstrap "$BOOT" \
  --holdout 'non_embedding_params==max'
$A fit --input $S/sst2_isoflop/sweep.csv --output $S/sst2_isoflop/fit --bootstrap "$BOOT"
$A branches $S/sst2_isoflop --reference $S/sst2_isoflop_full --output $S/sst2_isoflop/branches

[ "$PUBLISH" = 1 ] || { echo "scaling_study.sh: results in $S/sst2_{scaling,isoflop,isoflop_full}"; exit 0; }
# The small outputs only: CSVs, fit summaries and the PNG figures docs/scaling.md shows.
publish() {  # publish SRC_DIR DEST_DIR FILE...
  local src=$1 dest=$2; shift 2
  mkdir -p "$dest"
  for f in "$@"; do safe_write "$dest/$f" <"$src/$f"; done
}
D=docs/scaling
publish $S/sst2_scaling $D/sst2_scaling sweep.csv
publish $S/sst2_scaling/fit_all $D/sst2_scaling/fit_all fit.json loss_vs_tokens.png loss_vs_params.png \
  envelope.png residuals.png
publish $S/sst2_scaling/fit_holdout $D/sst2_scaling/fit_holdout fit.json
publish $S/sst2_isoflop $D/sst2_isoflop sweep.csv
publish $S/sst2_isoflop/fit $D/sst2_isoflop/fit fit.json isoflop.png isoflop_law.png compute_optimal.png envelope.png
publish $S/sst2_isoflop/branches $D/sst2_isoflop/branches branches.json branches.md
publish $S/sst2_isoflop_full $D/sst2_isoflop_full sweep.csv
safe_write docs/images/scaling_loss_vs_tokens.png <$S/sst2_scaling/fit_all/loss_vs_tokens.png  # the README's figure
echo "scaling_study.sh: published to $D/ and docs/images/scaling_loss_vs_tokens.png"
