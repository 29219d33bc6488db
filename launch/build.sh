#!/usr/bin/env bash
# Configures and builds the project into build/ (binaries in build/bin). Extra arguments go to
# CMake, e.g. -DTorch_DIR=/path/to/libtorch/share/cmake/Torch for a CUDA LibTorch 2.x.
#   BUILD_DIR   the build folder (default build)
#   TARGETS     build only these targets (space-separated; default all)
#   CONFIGURE_ONLY=1  configure (and write compile_commands.json) without building
# ccache is used when installed (launch/cache_dir.sh: outside the clone; clones and worktrees share hits).
# The build prints its progress; a quiet caller redirects it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
launcher=()
if command -v ccache >/dev/null 2>&1; then
  # shellcheck source=launch/cache_dir.sh
  source launch/cache_dir.sh
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="$(sst_ccache_launcher)" -DCMAKE_C_COMPILER_LAUNCHER="$(sst_ccache_launcher)")
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  "${launcher[@]}" "$@" >"${BUILD_DIR}.configure.log" 2>&1 \
  || { cat "${BUILD_DIR}.configure.log"; echo "build.sh: CMake configure failed" >&2; exit 1; }
[ "${CONFIGURE_ONLY:-0}" = 1 ] && exit 0
targets=()
for t in ${TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
