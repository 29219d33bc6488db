#!/usr/bin/env bash
# tests/gpu/device_check.sh --dry-run inside a bare Debian 12 root that, like the GPU machine's image,
# has a compiler, CMake, ninja, Python with torch and h5py, but no MPI, HDF5 headers, Boost, SentencePiece,
# nlohmann-json, GoogleTest, OpenSSL headers or pkg-config: so the build can only succeed with the
# Debian 12 packages of .device/debs unpacked by dpkg -x, as on that machine. Torch is Debian's 1.13 here
# (the device has a pip torch 2.x). Not part of CI (a full build without ccache); run it after changing
# prepare_device_deps.sh or the unpacking, before a GPU call.
# Usage: bash tests/gpu/bare_root_check.sh [COMMAND...]   (root; run tests/gpu/prepare_device_deps.sh first)
#   With a COMMAND, it runs in the root (in the source tree, /src) instead of the check.
#   SST_BARE_ROOT  the root (default $SST_CACHE_DIR/roots/bookworm-bare: launch/cache_dir.sh; kept between runs)
#   SST_CHECK_BUDGET_S  the check's budget (default 1800 s here: a full build without ccache on 2 cores)
# The check's results land in build-device-bare/check/out (summary.txt first).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=launch/debian_root.sh
source "$REPO/launch/debian_root.sh"
# shellcheck source=launch/cache_dir.sh
source "$REPO/launch/cache_dir.sh"
compgen -G "$REPO/.device/debs/*.deb" >/dev/null ||
  { echo "bare_root_check: error: no .device/debs; run tests/gpu/prepare_device_deps.sh first" >&2; exit 1; }

root_open "${SST_BARE_ROOT:-$SST_CACHE_DIR/roots/bookworm-bare}" bookworm bare_root_check
root_packages g++ cmake ninja-build python3-torch python3-h5py libtorch-dev binutils xz-utils
root_mount /src --bind "$REPO"
status=0
root_run SST_DEVICE_BUILD=build-device-bare JOBS="$(nproc)" SST_CHECK_BUDGET_S="${SST_CHECK_BUDGET_S:-1800}" -- bash -s -- "$@" <<'EOF' || status=$?
cd /src
if [ $# -gt 0 ]; then "$@"; exit; fi
for h in mpi.h hdf5.h boost/program_options.hpp sentencepiece_processor.h nlohmann/json.hpp gtest/gtest.h openssl/evp.h; do
  ! find /usr/include -path "*/$h" | grep -q . || { echo "bare_root_check: $h is installed in the root: not bare"; exit 1; }
done
! command -v pkg-config || { echo "bare_root_check: pkg-config is installed in the root: not bare"; exit 1; }
bash tests/gpu/device_check.sh --dry-run
EOF
root_log "done (exit $status); results in build-device-bare/check/out"
exit "$status"
