# shellcheck shell=bash
# Sourced by launch/libtorch2_tests.sh and tests/gpu/bare_root_check.sh: a cached Debian root made with
# debootstrap, packages installed in it, mounts made for one run and removed again, commands run inside.
#   root_open ROOT SUITE NAME   debootstrap --variant=minbase SUITE ROOT once (into ROOT.partial, then
#                               renamed); takes the root's lock (ROOT.lock; a second run waits); refuses a
#                               root with mounts this run did not make; sets the cleanup trap
#   root_packages PKG...        apt-get install them in the root when the list differs from the last one
#   root_mount TARGET ARGS...   mount ARGS... at ROOT/TARGET, remembered for the cleanup
#   root_run VAR=VALUE... -- COMMAND...   COMMAND in the root with only these variables (env -i); it
#                               runs in the background and is waited for, so that a TERM to this script
#                               runs the cleanup at once (bash defers traps until a foreground child ends)
# The cleanup (exit, failure, INT, TERM, HUP) ends the processes still running inside the root (all
# started by this run, which holds the lock) and unmounts in reverse order.
# Needs root; SST_DEBIAN_MIRROR (default http://deb.debian.org/debian).

ROOT_MOUNTED=()
root_log() { echo "$ROOT_NAME: [+$(($(date +%s) - ROOT_T0))s] $*"; }
root_die() { echo "$ROOT_NAME: error: $*" >&2; exit 1; }

# Mounts at or below a path (findmnt escapes blanks as \x20; the paths here have none).
root_mounts_under() { findmnt -rn -o TARGET | awk -v p="$1" '$0 == p || index($0, p "/") == 1'; }

# shellcheck disable=SC2317  # called by the trap
root_cleanup() {
  # Processes still running inside the root (e.g. MPI daemons of an interrupted test) keep the mounts busy.
  local pids=() p i
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && pids+=("${p#/proc/}")
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  for ((i = ${#ROOT_MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${ROOT_MOUNTED[i]}" 2>/dev/null || umount -l "${ROOT_MOUNTED[i]}" ||
      echo "$ROOT_NAME: warning: could not unmount ${ROOT_MOUNTED[i]}" >&2
  done
  ROOT_MOUNTED=()
}

root_open() {
  ROOT=$(realpath -m "$1")
  local suite=$2
  ROOT_NAME=$3
  ROOT_T0=$(date +%s)
  [ "$(id -u)" -eq 0 ] || root_die "needs root (debootstrap, mount, chroot)"
  [ "$ROOT" != / ] || root_die "the root must not be /"
  if ! command -v debootstrap >/dev/null && [ ! -x /usr/sbin/debootstrap ]; then
    root_log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
      root_die "cannot install debootstrap"
  fi
  export PATH=$PATH:/usr/sbin:/sbin
  mkdir -p "$(dirname "$ROOT")"
  exec 9>>"$ROOT.lock"  # >>: a link planted at the lock is never truncated
  if ! flock -n 9; then
    root_log "another run uses $ROOT; waiting for it"
    flock 9
  fi
  local leftovers
  leftovers=$( { root_mounts_under "$ROOT"; root_mounts_under "$ROOT.partial"; } )
  [ -z "$leftovers" ] || root_die "mounted in the root, not by this run (a killed run, or another tool):
$leftovers
unmount them (umount -R PATH) once nothing runs there, then run again"
  trap root_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  if [ ! -f "$ROOT/etc/sst-debootstrap-done" ]; then
    [ ! -e "$ROOT" ] || root_die "$ROOT exists but is no finished root; remove it (rm -rf) and run again"
    rm -rf "$ROOT.partial"
    local mirror=${SST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    root_log "debootstrap --variant=minbase $suite $ROOT ($mirror)"
    debootstrap --variant=minbase "$suite" "$ROOT.partial" "$mirror" >"$ROOT.debootstrap.log" 2>&1 ||
      { tail -n 30 "$ROOT.debootstrap.log" >&2; root_die "debootstrap failed (log: $ROOT.debootstrap.log)"; }
    touch "$ROOT.partial/etc/sst-debootstrap-done"
    mv "$ROOT.partial" "$ROOT"
    root_log "root made"
  fi
  root_mount /proc -t proc proc
  root_mount /sys -t sysfs -o ro sysfs  # hwloc (OpenMPI) reads the CPU topology there
  root_mount /dev/shm -t tmpfs -o size=2g,mode=1777 tmpfs
}

root_mount() {
  local target=$ROOT$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  ROOT_MOUNTED+=("$target")
}

root_run() {
  local vars=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LANG=C.UTF-8 \
    "${vars[@]}" "$@" <&0 &  # <&0: a background command would read /dev/null
  wait $!
}

root_packages() {
  local wanted
  wanted=$(printf '%s\n' "$@" | sort)
  [ "$(cat "$ROOT/etc/sst-packages" 2>/dev/null)" != "$wanted" ] || return 0
  root_log "apt-get install ($# packages) in the root"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # No daemon may start inside the root during installation.
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod +x "$ROOT/usr/sbin/policy-rc.d"
  root_run DEBIAN_FRONTEND=noninteractive -- sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* && apt-get clean" \
    >"$ROOT.apt.log" 2>&1 || { tail -n 30 "$ROOT.apt.log" >&2; root_die "apt-get install failed (log: $ROOT.apt.log)"; }
  echo "$wanted" >"$ROOT/etc/sst-packages"
  root_log "packages installed"
}
