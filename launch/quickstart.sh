#!/usr/bin/env bash
# The main job, end to end: install packages, build, SST-2 TSV -> HDF5, train the tiny model with
# 2 MPI ranks, print the dev accuracy and where the outputs are.
#   SST2_DIR   GLUE SST-2 folder (train.tsv, dev.tsv, test.tsv); default ../shared/data/sst2
#   RUN_DIR    run directory; default runs/quickstart (re-running resumes / re-reports it)
#   CONFIG     default configs/tiny.ini
set -euo pipefail
cd "$(dirname "$0")/.."
SST2_DIR=${SST2_DIR:-../shared/data/sst2}
RUN_DIR=${RUN_DIR:-runs/quickstart}
CONFIG=${CONFIG:-configs/tiny.ini}
if [ ! -f "$SST2_DIR/train.tsv" ]; then
  echo "quickstart: no SST-2 at '$SST2_DIR' (set SST2_DIR). Download the GLUE SST-2 zip from" >&2
  echo "  https://dl.fbaipublicfiles.com/glue/data/SST-2.zip and unzip it." >&2
  exit 2
fi

echo "== 1/4 install dependencies"; bash launch/install_deps.sh
# Only the two binaries the main job runs; `bash launch/build.sh` (or the test command) builds the rest.
echo "== 2/4 build sst-prep and sst-train (full output: build.log)"
TARGETS=main-job BUILD_LOG=build.log bash launch/build.sh
echo "== 3/4 SST-2 -> data/sst2.h5"
mkdir -p data
build/bin/sst-prep --data-dir "$SST2_DIR" --output data/sst2.h5
echo "== 4/4 train ($CONFIG, mpirun -np 2)"
bash launch/train.sh -n 2 --config "$CONFIG" --data data/sst2.h5 --out-dir "$RUN_DIR" --resume auto
