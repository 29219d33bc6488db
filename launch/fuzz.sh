#!/usr/bin/env bash
# Builds the libFuzzer target for the TSV reader with clang (build-fuzz/) and runs it.
#   launch/fuzz.sh [SECONDS]     default 60; for a long run: launch/fuzz.sh 3600
# The corpus grows in build-fuzz/corpus/; a crashing input is saved as build-fuzz/crash-* and the
# script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
bash launch/install_deps.sh
BUILD_DIR=build-fuzz
BUILD_DIR=$BUILD_DIR TARGETS=fuzz_tsv_reader CMAKE_BUILD_TYPE=RelWithDebInfo bash launch/build.sh -DSST_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
mkdir -p "$BUILD_DIR/corpus"
# Seed with well-formed headers so the fuzzer starts from the interesting paths.
# shellcheck source=launch/safe_write.sh
source launch/safe_write.sh
printf 'sentence\tlabel\na fine film \t1\n' | safe_write "$BUILD_DIR/corpus/seed_labeled.tsv"
printf 'index\tsentence\n0\tuneasy mishmash .\n' | safe_write "$BUILD_DIR/corpus/seed_test.tsv"
cd "$BUILD_DIR"
./bin/fuzz_tsv_reader -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 corpus
