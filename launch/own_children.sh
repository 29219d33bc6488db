# shellcheck shell=bash
# Sourced by launch/sweep.sh: how a launcher records the children it starts and signals only those. A
# PID alone identifies nobody: once a run ends (or its launcher was killed and left the file behind),
# the kernel hands the number to another process, and a Ctrl-C would then signal a stranger. So a PID
# file holds who the child is and who started it:
#   HOST PID START LAUNCHER_PID LAUNCHER_START
# (START: the process's start time, field 22 of /proc/PID/stat, in clock ticks since boot; a reused
# PID has another). A launcher signals a child only if it is on this host, was started by this very
# launcher, and still has the recorded start time; a file that fails this is never trusted, and is
# removed when it is provably stale (on this host, its process gone or another one now).
#   own_child_record PID        prints the line for child PID of this launcher ($$)
#   own_child_signal SIG FILE   signals FILE's child if it is ours; removes FILE if it is stale
#   own_child_remove_stale DIR  removes DIR/.*.pid files whose process is gone or reused (at start)

# proc_start_time PID: the start time of PID, or status 1 if there is no such process. The command
# name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
proc_start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a fields <<<"${stat##*) }"
  [ -n "${fields[19]:-}" ] || return 1
  printf '%s\n' "${fields[19]}"
}

_own_host() { hostname -s 2>/dev/null || hostname; }

own_child_record() {
  local start mine
  start=$(proc_start_time "$1") || return 1
  mine=$(proc_start_time "$$") || return 1
  printf '%s %s %s %s %s\n' "$(_own_host)" "$1" "$start" "$$" "$mine"
}

# _own_child_check FILE: status 0 if FILE's child is ours and alive (its PID in OWN_PID), 1 if it is
# not ours but may be alive (another host or launcher: left alone), 2 if FILE is stale or malformed.
_own_child_check() {
  local host pid start launcher launcher_start extra now
  read -r host pid start launcher launcher_start extra <"$1" 2>/dev/null || true
  case "$pid$start$launcher$launcher_start" in '' | *[!0-9]*) return 2 ;; esac
  [ -z "$extra" ] || return 2
  [ "$host" = "$(_own_host)" ] || return 1
  now=$(proc_start_time "$pid") || return 2
  [ "$now" = "$start" ] || return 2
  OWN_PID=$pid
  if [ "$launcher" != "$$" ] || [ "$launcher_start" != "$(proc_start_time "$$")" ]; then return 1; fi
}

own_child_signal() {
  local rc=0
  _own_child_check "$2" || rc=$?
  case $rc in
    0) kill "-$1" "$OWN_PID" 2>/dev/null || true ;;
    2) rm -f -- "$2" ;;
  esac
}

own_child_remove_stale() {
  local f rc
  for f in "$1"/.*.pid; do
    if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
    rc=0
    _own_child_check "$f" || rc=$?
    [ "$rc" != 2 ] || rm -f -- "$f"
  done
}
