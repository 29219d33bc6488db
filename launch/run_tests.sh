#!/usr/bin/env bash
# The test suite: install packages, build, run every ctest test (unit + integration on real SST-2).
#   SST2_DIR  GLUE SST-2 folder used by the integration tests (they skip, visibly, without it)
#   CTEST_ARGS extra ctest arguments, e.g. "-L unit" or "-R Sampler"
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install_deps.sh
BUILD_LOG=build.log bash launch/build.sh || { echo "run_tests: the build failed (build.log)" >&2; exit 1; }
# Tests run from build/: make the data path absolute.
if [ -n "${SST2_DIR:-}" ]; then SST2_DIR="$(realpath "$SST2_DIR")"; export SST2_DIR; fi
echo "run_tests: SST2_DIR=${SST2_DIR:-<unset>}"
cd build
# The unit tests run as many at a time as there are cores; every other test alone (RUN_SERIAL,
# tests/CMakeLists.txt): the integration tests start several MPI ranks each on a 2-core machine.
# shellcheck disable=SC2086  # CTEST_ARGS is a list of arguments
ctest --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
