#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs
# them. Leaks inside OpenMPI / LibTorch's own allocations are suppressed (.ci/lsan.supp); leaks and
# memory errors in our code fail the run.
#   launch/sanitize_tests.sh [build|test]   only build, or only run what an earlier `build` built (.ci/run
#                                           builds in the background while other tests run); default both
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=launch/phase.sh
source launch/phase.sh
phase=$(sst_phase sanitize_tests "${1:-}")
BUILD_DIR=build-asan
if [ "$phase" != test ]; then
  bash launch/install_deps.sh
  # Only these test targets and the libraries they link (launch/build.sh: ccache, the precompiled headers).
  TARGETS="test_sampler test_transformer test_schedule test_config test_checkpoint test_communicator mpi_allreduce_check
           test_tsv_reader test_tokenizer test_dataset_file test_sweep test_files test_run_lock test_memory_estimate"
  # -O1 -g1 (line tables, which the sanitizers' reports need), not RelWithDebInfo's -O2 -g: each translation
  # unit compiles 2.3x faster (25.6 s -> 10.4 s for src/train/trainer.cpp) into an object a quarter the size;
  # -O1 is what the sanitizers' documentation recommends.
  # Unity batches (CMakeLists.txt, sst_unity_target): LibTorch's instantiations once per 8 sources. Without
  # Ceres: sst-sweep is then built from src/sweep/main.cpp, without `simulate` and `wave`, which none of these
  # tests runs; with it, test_sweep's sst-sweep pulled in the fit and design libraries (37 of 130 objects).
  BUILD_DIR=$BUILD_DIR TARGETS=$TARGETS CMAKE_BUILD_TYPE=RelWithDebInfo bash launch/build.sh -DSST_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DSST_UNITY_BUILD=ON -DSST_WITH_CERES=OFF
fi
[ "$phase" != build ] || exit 0
[ -d "$BUILD_DIR" ] ||
  { echo "sanitize_tests: no $BUILD_DIR to test (run: launch/sanitize_tests.sh build)" >&2; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:strict_init_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/.ci/lsan.supp:print_suppressions=0
cd "$BUILD_DIR"
# Not TrainRunOnTwoRanks: an mpirun of test_train_run, which is not among the targets above.
ctest --output-on-failure -j"$(nproc)" -L 'unit|data_prep' -E '_NOT_BUILT|MpiAllreduce|TrainRunOnTwoRanks'
# The MPI programs: OpenMPI is built without frame pointers and unloads its plugins at exit, so its
# one-time allocations only get attributed (and suppressed) with full unwinding and plugins kept
# loaded. Slow, so only for these tests.
export ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0
export LSAN_OPTIONS=$LSAN_OPTIONS:fast_unwind_on_malloc=0
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
ctest --output-on-failure -R MpiAllreduce
