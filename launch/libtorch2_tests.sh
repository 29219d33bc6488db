#!/usr/bin/env bash
# The CPU test suite against LibTorch 2.x: a Debian 13 ("trixie") root made with debootstrap, whose
# libtorch-dev is LibTorch 2.6 (CPU) with g++ 14; this source tree is built there (build-libtorch2/)
# and every ctest test except the `slurm` and `multinode` labels (they need the host's daemons and
# namespaces; .ci/run runs them on the host) runs inside it (chroot).
# Usage: bash launch/libtorch2_tests.sh [COMMAND...]   (as root; the first run needs network)
#   With a COMMAND, it runs in the root (in the source tree, /src, after the build) instead of ctest, e.g.
#   bash launch/libtorch2_tests.sh build-libtorch2/bin/sst-train --config configs/tiny.ini --print-config
#   SST2_DIR         GLUE SST-2 folder for the integration tests (bind-mounted read-only; unset: they skip)
#   SST_TRIXIE_ROOT  the root (default $SST_CACHE_DIR/roots/trixie, outside the clone: launch/cache_dir.sh),
#                    kept between runs and shared by every clone; one run at a time per root (a lock file
#                    beside it); later runs wait. Its compiler cache is $SST_CACHE_DIR/ccache-trixie,
#                    mounted at /var/cache/sst-ccache in the root.
#   SST_DEBIAN_MIRROR (default http://deb.debian.org/debian)   CTEST_ARGS (default -LE slurm|multinode)
# Mounts (proc, sysfs, a tmpfs /dev/shm for OpenMPI, the source tree, SST-2) are made here and removed
# on every exit, failure and interrupt included; a root with mounts this run did not make is refused
# (launch/debian_root.sh). The build fails on any compiler warning.
# The slurm label stays out: it starts munged/slurmctld/slurmd as system daemons and tests Slurm's
# scripts, not LibTorch; the 1.13 suite runs it.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=launch/debian_root.sh
source "$REPO/launch/debian_root.sh"
# shellcheck source=launch/cache_dir.sh
source "$REPO/launch/cache_dir.sh"
CTEST_ARGS=${CTEST_ARGS:-"-LE slurm|multinode"}
if [ -n "${SST2_DIR:-}" ]; then
  SST2_DIR=$(realpath -e "$SST2_DIR" 2>/dev/null) || { echo "libtorch2_tests: error: no SST2_DIR '$SST2_DIR'" >&2; exit 1; }
fi

# Debian 13's packages for everything the tests use (launch/install_deps.sh lists the Debian 12 ones).
PACKAGES=(
  g++ make cmake pkg-config ccache hostname procps
  libtorch-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev
  libboost-program-options-dev
  libsentencepiece-dev
  nlohmann-json3-dev
  libprotobuf-dev protobuf-compiler libboost-dev
  python3 python3-pip
  libssl-dev
  libgtest-dev libgmock-dev
  libceres-dev
  gnuplot-nox
)

root_open "${SST_TRIXIE_ROOT:-$SST_CACHE_DIR/roots/trixie}" trixie libtorch2_tests
root_packages "${PACKAGES[@]}"
mkdir -p "$SST_CACHE_DIR/ccache-trixie"
root_mount /var/cache/sst-ccache --bind "$SST_CACHE_DIR/ccache-trixie"
root_mount /src --bind "$REPO"
if [ -n "${SST2_DIR:-}" ]; then
  root_mount /sst2 --bind "$SST2_DIR"
  mount -o remount,bind,ro "$ROOT/sst2"
fi

root_log "build (build-libtorch2/) and $([ $# -gt 0 ] && echo "$*" || echo "ctest $CTEST_ARGS") inside the root"
status=0
# OPENBLAS_NUM_THREADS: Debian 13's OpenBLAS (pthread build) starts its own GEMM threads beside torch's
# and ignores torch::set_num_threads; two unbound ranks on two cores then run ~15x slower (measured: tiny,
# mpirun -np 2 --bind-to none, 80 vs 1,480 examples/s). The tests' ranks use one thread each.
root_run OPENBLAS_NUM_THREADS=1 CCACHE_DIR=/var/cache/sst-ccache CCACHE_MAXSIZE=4G SST2_DIR="${SST2_DIR:+/sst2}" \
  CTEST_ARGS="$CTEST_ARGS" -- bash -s -- "$@" <<'EOF' || status=$?
set -euo pipefail
cd /src
echo "root: Debian $(cat /etc/debian_version), $(g++ --version | head -n 1), $(cmake --version | head -n 1)"
set +e
BUILD_DIR=build-libtorch2 bash launch/build.sh 2>&1 | tee build-libtorch2.log
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { echo "libtorch2_tests: the build failed"; exit 1; }
grep -q "sst: Torch 2\." build-libtorch2.configure.log || { echo "libtorch2_tests: not LibTorch 2.x:"; grep "sst: Torch" build-libtorch2.configure.log; exit 1; }
grep "sst: Torch" build-libtorch2.configure.log
if grep -n "warning:" build-libtorch2.log; then echo "libtorch2_tests: the build has warnings (above)"; exit 1; fi
ccache --show-stats 2>/dev/null | grep -Ei "^ *(hits|misses|cacheable)|hit rate" || true
if [ $# -gt 0 ]; then "$@"; exit; fi
cd build-libtorch2
ctest --output-on-failure -j"$(nproc)" $CTEST_ARGS
EOF
root_log "done (exit $status)"
exit "$status"
