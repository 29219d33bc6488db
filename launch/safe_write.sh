# shellcheck shell=bash
# Sourced by every launch/ and slurm/ script that writes a file: the one way a script creates, replaces
# or appends to one, so that no write follows a symbolic link planted at its name (in a shared run or
# sweep directory a link would turn `>` into a write, as root perhaps, to the link's target). The C++
# side is common/files.h.
#   safe_write FILE            stdin -> FILE, through a temporary in FILE's folder renamed over it (a
#                              reader never sees a partial FILE; a full disk leaves FILE as it was)
#   safe_create FILE           stdin -> FILE only if nothing is at that name (link(2): atomic, like
#                              O_EXCL); status 3, and nothing printed, when something is
#   safe_append FILE           stdin appended to FILE (created if missing)
#   safe_open_append FILE VAR  opens FILE for appending as a new file descriptor, stored in VAR (for a
#                              long-running command's output: `cmd >&"$fd"`)
#   safe_check FILE            the refusal below, alone: for a file written later (check it up front)
# Each refuses a symbolic link, or anything but a regular file, at FILE with one line on stderr
#   "PROG: error: cannot write FILE: it is a symbolic link (to TARGET); refusing to write through it"
# and status 1. PROG is $SAFE_WRITE_PROG, else $PROG, else the script's name.

safe_check() { _safe_refuse "$1"; }

# _safe_refuse FILE: the refusal line and status 1 if FILE is a link or exists and is not a regular file.
_safe_refuse() {
  local prog=${SAFE_WRITE_PROG:-${PROG:-${0##*/}}}
  if [ -L "$1" ]; then
    echo "$prog: error: cannot write $1: it is a symbolic link (to $(readlink -- "$1")); refusing to write through it" >&2
    return 1
  fi
  if [ -e "$1" ] && [ ! -f "$1" ]; then
    echo "$prog: error: cannot write $1: it is not a regular file" >&2
    return 1
  fi
}

# _safe_temporary FILE: prints a new temporary (mktemp: O_EXCL, never a link) next to FILE.
_safe_temporary() {
  local dir base tmp
  dir=$(dirname -- "$1") base=$(basename -- "$1")
  tmp=$(mktemp -- "$dir/.$base.tmp.XXXXXX") || {
    echo "${SAFE_WRITE_PROG:-${PROG:-${0##*/}}}: error: cannot write $1: cannot create a temporary in $dir" >&2
    return 1
  }
  chmod 644 -- "$tmp"
  printf '%s\n' "$tmp"
}

safe_write() {
  local file=$1 tmp
  _safe_refuse "$file" || return 1
  tmp=$(_safe_temporary "$file") || return 1
  # mv -T: FILE is the name to replace, never a folder to move into.
  if cat >"$tmp" && _safe_refuse "$file" && mv -fT -- "$tmp" "$file"; then return 0; fi
  rm -f -- "$tmp"
  echo "${SAFE_WRITE_PROG:-${PROG:-${0##*/}}}: error: cannot write $file" >&2
  return 1
}

safe_create() {
  local file=$1 tmp rc=0
  if [ -L "$file" ] || [ -e "$file" ]; then _safe_refuse "$file" || return 1; return 3; fi
  tmp=$(_safe_temporary "$file") || return 1
  cat >"$tmp" || rc=1
  # ln -T: a hard link fails when anything (a link included) took the name meanwhile, and is never
  # made inside a folder of that name.
  if [ "$rc" = 0 ] && ! ln -T -- "$tmp" "$file" 2>/dev/null; then rc=3; fi
  rm -f -- "$tmp"
  [ "$rc" != 3 ] || _safe_refuse "$file" || return 1
  return "$rc"
}

# The descriptor is checked after opening: the file it reaches must be the regular file at FILE's
# name itself (not a link's target swapped in between the check and the open).
# (Locals are prefixed: VAR is set by name, and must not name one of them.)
safe_open_append() {
  local _sw_file=$1 _sw_fd
  _safe_refuse "$_sw_file" || return 1
  exec {_sw_fd}>>"$_sw_file" || return 1
  if [ "$(stat -L -c %d:%i "/proc/self/fd/$_sw_fd")" != "$(stat -c %d:%i -- "$_sw_file")" ] ||
    ! _safe_refuse "$_sw_file"; then
    exec {_sw_fd}>&-
    _safe_refuse "$_sw_file" || return 1
    echo "${SAFE_WRITE_PROG:-${PROG:-${0##*/}}}: error: cannot write $_sw_file: it was replaced while being opened" >&2
    return 1
  fi
  printf -v "$2" '%s' "$_sw_fd"
}

safe_append() {
  local fd
  safe_open_append "$1" fd || return 1
  cat >&"$fd"
  local rc=$?
  exec {fd}>&-
  return "$rc"
}
