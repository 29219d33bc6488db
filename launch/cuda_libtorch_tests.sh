#!/usr/bin/env bash
# The test suite against the LibTorch a GPU user has: the CUDA build of PyPI's torch wheel
# (launch/pip_libtorch.sh; torch 2.11, CUDA 13), compiled as C++20 with the machine's CUDA toolkit and NCCL
# (/usr/local/cuda), so the NCCL communicator is compiled and linked against the real LibTorch CUDA
# libraries. No GPU is needed: everything runs on the CPU (CUDA reports no device; the `gpu` tests skip
# with their reasons). Then the one-call GPU check's dry run on the same build (tests/gpu/device_check.sh),
# so its configure-and-build step is exercised before a GPU is ever lent, on a fake 2-GPU machine with a
# short benchmark budget, so that its plan is tested too (tests/gpu/dry_run_plan_test.sh).
# Usage: bash launch/cuda_libtorch_tests.sh [build|test]   (build in build-cuda/; the first run needs network)
#   build: only the build; test: only the tests, of an earlier `build` (.ci/run builds in the background
#   while other tests run); default both
#   SST2_DIR    GLUE SST-2 folder for the integration tests (unset: they skip)
#   CTEST_ARGS  default: the unit, gpu and docs tests and the integration tests labelled libtorch
#               (training, resume, world-size invariance, bf16: tests/integration/CMakeLists.txt); the
#               other integration, Slurm and multi-node tests run once, on the main build (.ci/run). With
#               the default, only those tests' programs are built (SST_TEST_LABELS, tests/CMakeLists.txt);
#               with CTEST_ARGS given, every test program is built
#   SST_CUDA_HOME (/usr/local/cuda)  SST_PIP_TORCH (2.11.0)
# The build fails on any compiler warning, as the LibTorch 2.6 build does (launch/libtorch2_tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=launch/phase.sh
source launch/phase.sh
phase=$(sst_phase cuda_libtorch_tests "${1:-}")
CUDA_HOME=${SST_CUDA_HOME:-/usr/local/cuda}
labels=""
[ -n "${CTEST_ARGS:-}" ] || { labels="unit;gpu;docs;libtorch"; CTEST_ARGS="-L ^(${labels//;/|})$"; }
[ -x "$CUDA_HOME/bin/nvcc" ] || { echo "cuda_libtorch_tests: error: no CUDA toolkit at $CUDA_HOME (SST_CUDA_HOME)" >&2; exit 1; }
torch=$(bash launch/pip_libtorch.sh)
export PATH=$PATH:$CUDA_HOME/bin
# The arch list: the H200's (sm_90). Given, TorchConfig does not probe for a GPU with a CUDA test program.
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
# CMAKE_PREFIX_PATH, not Torch_DIR: TorchConfig searches its libraries through the prefix, and a system
# LibTorch (Debian's libtorch-dev, /usr/lib) would otherwise be found before the wheel's.
# -rpath-link: where the linker finds the libraries libtorch_cuda.so itself needs (a pip install finds them
# through the wheels' relative RUNPATHs, which this unpacked layout does not have).
# -O1, not Release's -O3: this build checks that the code compiles, links and passes its tests against this
# LibTorch, which the optimizer does not change, and a LibTorch translation unit compiles about twice as fast
# (src/train/trainer.cpp against Debian's LibTorch: 11.1 s at -O3, 5.8 s at -O1). On a GPU,
# tests/gpu/device_check.sh makes its own -O3 build; its dry run below reuses this one.
# Unity batches (CMakeLists.txt, sst_unity_target): each source's share of LibTorch's template instantiations
# is paid once per 8 sources.
args=(-DCMAKE_PREFIX_PATH="$torch/torch" -DCMAKE_CXX_STANDARD=20 -DCMAKE_CUDA_ARCHITECTURES=90
      -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DSST_TEST_LABELS="$labels" -DSST_UNITY_BUILD=ON
      -DCUDAToolkit_ROOT="$CUDA_HOME" -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$torch/lib:$CUDA_HOME/lib64")
# The wheel's libraries on LD_LIBRARY_PATH from here on: the build runs each test binary to list its tests.
# shellcheck source=/dev/null  # written by launch/pip_libtorch.sh
source "$torch/env.sh"
if [ "$phase" != test ]; then
  set +e
  BUILD_DIR=build-cuda bash launch/build.sh "${args[@]}" >build-cuda.log 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || { tail -n 40 build-cuda.log; echo "cuda_libtorch_tests: the build failed (build-cuda.log)" >&2; exit 1; }
  grep "sst: Torch" build-cuda.configure.log
  grep -q "sst: Torch 2\..*NCCL communicator: ON" build-cuda.configure.log \
    || { echo "cuda_libtorch_tests: error: not a LibTorch 2.x build with the NCCL communicator" >&2; exit 1; }
  if grep -n "warning:" build-cuda.log; then echo "cuda_libtorch_tests: the build has warnings (above)" >&2; exit 1; fi
fi
[ "$phase" != build ] || exit 0
[ -f build-cuda/CMakeCache.txt ] ||
  { echo "cuda_libtorch_tests: no build-cuda to test (run: launch/cuda_libtorch_tests.sh build)" >&2; exit 1; }
sst2=${SST2_DIR:+$(realpath -e "$SST2_DIR")}
# shellcheck disable=SC2086  # CTEST_ARGS is a list of arguments
(cd build-cuda && SST2_DIR=$sst2 ctest --output-on-failure -j"$(nproc)" $CTEST_ARGS)
SST_DEVICE_BUILD=build-cuda TORCH_CMAKE_PREFIX="$torch/torch/share/cmake" SST2_DIR=$sst2 \
  bash tests/gpu/dry_run_plan_test.sh
