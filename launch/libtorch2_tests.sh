#!/usr/bin/env bash
# The CPU test suite against LibTorch 2.x: a Debian 13 ("trixie") root made with debootstrap, whose
# libtorch-dev is LibTorch 2.6 (CPU) with g++ 14; this source tree is built there (build-libtorch2/)
# and every ctest test except the `slurm` label runs inside it (chroot).
# Usage: bash launch/libtorch2_tests.sh [COMMAND...]   (as root; the first run needs network)
#   With a COMMAND, it runs in the root (in the source tree, /src, after the build) instead of ctest, e.g.
#   bash launch/libtorch2_tests.sh build-libtorch2/bin/sst-train --config configs/tiny.ini --print-config
#   SST2_DIR         GLUE SST-2 folder for the integration tests (bind-mounted read-only; unset: they skip)
#   SST_TRIXIE_ROOT  the root (default .trixie/root, git-ignored). Kept between runs with its ccache
#                    (/var/cache/sst-ccache inside it); point several checkouts at one root to share both.
#                    One run at a time per root (a lock file beside it); later runs wait.
#   SST_DEBIAN_MIRROR (default http://deb.debian.org/debian)   CTEST_ARGS (default -LE slurm)
# Mounts (proc, sysfs, a tmpfs /dev/shm for OpenMPI, the source tree, SST-2) are made here and removed
# on every exit, failure and interrupt included; a root with mounts this run did not make is refused.
# The slurm label stays out: it starts munged/slurmctld/slurmd as system daemons and tests Slurm's
# scripts, not LibTorch; the 1.13 suite runs it.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "libtorch2_tests: error: $*" >&2; exit 1; }
log() { echo "libtorch2_tests: [+$(($(date +%s) - T0))s] $*"; }
T0=$(date +%s)

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"
ROOT=$(realpath -m "${SST_TRIXIE_ROOT:-$REPO/.trixie/root}")
MIRROR=${SST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CTEST_ARGS=${CTEST_ARGS:--LE slurm}
if [ -n "${SST2_DIR:-}" ]; then
  SST2_DIR=$(realpath -e "$SST2_DIR" 2>/dev/null) || die "SST2_DIR '$SST2_DIR' does not exist"
fi
case "$ROOT" in "$REPO"/*) ;; *) [ "$ROOT" != / ] || die "SST_TRIXIE_ROOT must not be /" ;; esac

# Debian 13's packages for everything the tests use (launch/install_deps.sh lists the Debian 12 ones).
PACKAGES=(
  g++ make cmake pkg-config ccache hostname procps
  libtorch-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev
  libboost-program-options-dev
  libsentencepiece-dev
  nlohmann-json3-dev
  libssl-dev
  libgtest-dev libgmock-dev
  libceres-dev
  gnuplot-nox
)

if ! command -v debootstrap >/dev/null && [ ! -x /usr/sbin/debootstrap ]; then
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
    die "cannot install debootstrap"
fi
export PATH=$PATH:/usr/sbin:/sbin

mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
if ! flock -n 9; then
  log "another run uses $ROOT; waiting for it"
  flock 9
fi

# Mounts at or below a path (findmnt escapes blanks as \x20; the paths here have none).
mounts_under() { findmnt -rn -o TARGET | awk -v p="$1" '$0 == p || index($0, p "/") == 1'; }
leftovers=$( { mounts_under "$ROOT"; mounts_under "$ROOT.partial"; } )
[ -z "$leftovers" ] || die "mounted in the root, not by this run (a killed run, or another tool):
$leftovers
unmount them (umount -R PATH) once nothing runs there, then run again"

MOUNTED=()
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  # Processes still running inside the root (e.g. MPI daemons of an interrupted test) keep the mounts
  # busy; they were all started by this run, which holds the root's lock.
  local pids=() p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && pids+=("${p#/proc/}")
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" ||
      echo "libtorch2_tests: warning: could not unmount ${MOUNTED[i]}" >&2
  done
  MOUNTED=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
mount_in_root() {  # mount_in_root TARGET MOUNT-ARGS...: mounts, and remembers it for cleanup
  local target=$ROOT$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTED+=("$target")
}

# ---- the root: debootstrap once, into a temporary name, so that an interrupted one starts over ----
if [ ! -f "$ROOT/etc/sst-debootstrap-done" ]; then
  [ ! -e "$ROOT" ] || die "$ROOT exists but is no finished root; remove it (rm -rf) and run again"
  rm -rf "$ROOT.partial"
  log "debootstrap --variant=minbase trixie $ROOT ($MIRROR)"
  debootstrap --variant=minbase trixie "$ROOT.partial" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
    { tail -n 30 "$ROOT.debootstrap.log" >&2; die "debootstrap failed (log: $ROOT.debootstrap.log)"; }
  touch "$ROOT.partial/etc/sst-debootstrap-done"
  mv "$ROOT.partial" "$ROOT"
  log "root made"
fi

mount_in_root /proc -t proc proc
mount_in_root /sys -t sysfs -o ro sysfs  # hwloc (OpenMPI) reads the CPU topology there
mount_in_root /dev/shm -t tmpfs -o size=2g,mode=1777 tmpfs

# ---- packages: installed again only when the list above changes ----------------------------------
wanted=$(printf '%s\n' "${PACKAGES[@]}" | sort)
if [ "$(cat "$ROOT/etc/sst-packages" 2>/dev/null)" != "$wanted" ]; then
  log "apt-get install (${#PACKAGES[@]} packages) in the root"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # No daemon may start inside the root during installation.
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod +x "$ROOT/usr/sbin/policy-rc.d"
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${PACKAGES[*]} && apt-get clean" \
    >"$ROOT.apt.log" 2>&1 || { tail -n 30 "$ROOT.apt.log" >&2; die "apt-get install failed (log: $ROOT.apt.log)"; }
  echo "$wanted" >"$ROOT/etc/sst-packages"
  log "packages installed"
fi

# ---- build and test inside the root --------------------------------------------------------------
mount_in_root /src --bind "$REPO"
if [ -n "${SST2_DIR:-}" ]; then
  mount_in_root /sst2 --bind "$SST2_DIR"
  mount -o remount,bind,ro "$ROOT/sst2"
fi
log "build (build-libtorch2/) and $([ $# -gt 0 ] && echo "$*" || echo "ctest $CTEST_ARGS") inside the root"
status=0
# OPENBLAS_NUM_THREADS: Debian 13's OpenBLAS (pthread build) starts its own GEMM threads beside torch's
# and ignores torch::set_num_threads; two unbound ranks on two cores then run ~15x slower (measured: tiny,
# mpirun -np 2 --bind-to none, 80 vs 1,480 examples/s). The tests' ranks use one thread each.
chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 OPENBLAS_NUM_THREADS=1 \
  CCACHE_DIR=/var/cache/sst-ccache CCACHE_MAXSIZE=2G SST2_DIR="${SST2_DIR:+/sst2}" CTEST_ARGS="$CTEST_ARGS" \
  bash -s -- "$@" <<'EOF' || status=$?
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
ctest --output-on-failure $CTEST_ARGS
EOF
log "done (exit $status)"
exit "$status"
