#!/usr/bin/env bash
# Configures and builds the project into build/ (binaries in build/bin). Extra arguments go to
# CMake, e.g. -DTorch_DIR=/path/to/libtorch/share/cmake/Torch for a CUDA LibTorch 2.x.
#   BUILD_DIR   the build folder (default build)
#   TARGETS     build only these targets (space-separated; default all)
#   CONFIGURE_ONLY=1  configure (and write compile_commands.json) without building
#   BUILD_LOG   write the compiler's full output to this file and print only a short progress line
#               (every 5 %, with the elapsed time); on failure the log's last 40 lines
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
# shellcheck source=launch/generator.sh
source launch/generator.sh
cmake -S . -B "$BUILD_DIR" -G "$(sst_generator "$BUILD_DIR")" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  "${launcher[@]}" "$@" >"${BUILD_DIR}.configure.log" 2>&1 \
  || { cat "${BUILD_DIR}.configure.log"; echo "build.sh: CMake configure failed" >&2; exit 1; }
[ "${CONFIGURE_ONLY:-0}" = 1 ] && exit 0
targets=()
for t in ${TARGETS:-}; do targets+=(--target "$t"); done
if [ -z "${BUILD_LOG:-}" ]; then
  cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
  exit 0
fi
# Brief progress: Ninja's "[12/130]" (Make's "[ 42%]") prefixes, one line per 5 %, so a long cold build is
# visibly moving.
# (A shell loop, not awk: mawk reads a pipe in blocks and would print nothing until the end.)
brief_progress() {
  local line p shown=-5 started=$SECONDS
  while IFS= read -r line; do
    if [[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]]; then
      p=$((100 * BASH_REMATCH[1] / BASH_REMATCH[2]))
    elif [[ $line =~ ^\[\ *([0-9]+)%\] ]]; then
      p=${BASH_REMATCH[1]}
    else
      continue
    fi
    if ((p >= shown + 5 || (p == 100 && shown < 100))); then
      shown=$p
      printf 'build: %3d%% after %dm%02ds\n' "$p" $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
    fi
  done
}
if ! cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}" 2>&1 | tee "$BUILD_LOG" | brief_progress; then
  tail -n 40 "$BUILD_LOG" >&2
  echo "build.sh: the build failed (full output: $BUILD_LOG)" >&2
  exit 1
fi
