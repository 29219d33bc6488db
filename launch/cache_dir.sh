# shellcheck shell=bash
# Sourced by every script that builds: the project's caches live outside the clone, so that a fresh clone
# (every CI run is one) reuses them and rebuilds only what changed.
#   SST_CACHE_DIR   default ${XDG_CACHE_HOME:-$HOME/.cache}/sst-scaling; point it at an empty folder for a
#                   cold run (how .ci/run's header figures were measured)
#     ccache/         the host builds' compiler cache (CCACHE_DIR, when set, wins)
#     ccache-trixie/  the compiler cache of the Debian 13 root's builds (launch/libtorch2_tests.sh)
#     wheels/         the pip wheels (sst_fetch_wheel): torch and three CUDA libraries (launch/pip_libtorch.sh),
#                     clang-tidy (launch/pip_clang_tidy.sh)
#     pip-libtorch/   their C++ parts unpacked, one folder per torch version (with its lock)
#     clang-tidy-bin/ the clang-tidy binary unpacked, one folder per version (with its lock)
#     clang-tidy/     launch/lint.sh's verdicts: the keys of the sources found clean
#     roots/          the Debian roots of launch/libtorch2_tests.sh and tests/gpu/bare_root_check.sh, each
#                     with its lock (ROOT.lock: one run at a time per root; later runs wait)
# ccache keys are made from relative paths (CCACHE_BASEDIR, the clone), so two clones share hits. The
# sloppiness lets ccache cache compilations that use the precompiled LibTorch headers (CMakeLists.txt):
# the PCH itself comes from the cache byte for byte, so a fresh clone's objects hit too. Objects with debug
# info (-g: the sanitizer and fuzz builds) hit across clones because CMakeLists.txt maps the checkout's path
# out of the debug info (-fdebug-prefix-map) and CCACHE_NOHASHDIR leaves the working folder out of the key.
SST_CACHE_DIR=${SST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sst-scaling}
export SST_CACHE_DIR
export CCACHE_DIR=${CCACHE_DIR:-$SST_CACHE_DIR/ccache}
# The PCH alone is ~100 MB compressed per build flavour (main, ASan, fuzz, device, LibTorch 2.x).
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
mkdir -p "$SST_CACHE_DIR"
# The compiler launcher for CMake: ccache with these settings (and CCACHE_BASEDIR, set by the caller
# before it uses this) carried in the launcher itself, so that a later plain `cmake --build DIR`, without
# this environment, still shares the cache: without the base folder another clone's objects miss, and
# without the sloppiness nothing that uses the precompiled headers is cached.
sst_ccache_launcher() {
  echo "env;CCACHE_DIR=$CCACHE_DIR;CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD};CCACHE_SLOPPINESS=$CCACHE_SLOPPINESS;CCACHE_MAXSIZE=$CCACHE_MAXSIZE;CCACHE_NOHASHDIR=$CCACHE_NOHASHDIR;ccache"
}
# sst_fetch_wheel NAME==VERSION WHO: that wheel into $SST_CACHE_DIR/wheels, unless it is there already (pip
# would still ask the index), so that a later run needs no network. WHO names the caller in its messages.
sst_fetch_wheel() {
  local name=${1%%==*} version=${1#*==} dir=$SST_CACHE_DIR/wheels
  mkdir -p "$dir"
  compgen -G "$dir/${name//-/_}-$version-*.whl" >/dev/null && return 0
  echo "$2: downloading $1" >&2
  python3 -m pip download --no-deps --progress-bar off -d "$dir" "$1" >&2 ||
    { echo "$2: error: pip could not download $1 (no network? the wheels are cached in $dir)" >&2; return 1; }
}
