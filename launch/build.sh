#!/usr/bin/env bash
# Configures and builds the project into build/ (binaries in build/bin). Extra arguments go to
# CMake, e.g. -DTorch_DIR=/path/to/libtorch/share/cmake/Torch for a CUDA LibTorch 2.x.
# BUILD_DIR overrides the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} "$@" >"${BUILD_DIR}.configure.log" 2>&1 \
  || { cat "${BUILD_DIR}.configure.log"; echo "build.sh: CMake configure failed" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)"
