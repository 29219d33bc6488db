# shellcheck shell=bash
# Sourced by every script that builds: the project's caches live outside the clone, so that a fresh clone
# (every CI run is one) reuses them and rebuilds only what changed.
#   SST_CACHE_DIR   default ${XDG_CACHE_HOME:-$HOME/.cache}/sst-scaling; point it at an empty folder for a
#                   cold run (how .ci/run's header figures were measured)
#     ccache/         the host builds' compiler cache (CCACHE_DIR, when set, wins)
#     ccache-trixie/  the compiler cache of the Debian 13 root's builds (launch/libtorch2_tests.sh)
#     wheels/         the pip wheels of launch/pip_libtorch.sh (torch and three CUDA libraries)
#     pip-libtorch/   their C++ parts unpacked, one folder per torch version (with its lock)
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
