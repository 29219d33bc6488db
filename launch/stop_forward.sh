# shellcheck shell=bash
# Sourced by launch/train.sh and slurm/job_common.sh: a stop signal (SIGTERM/SIGUSR1/SIGINT) at any
# moment becomes one SIGUSR1 to the launcher (mpirun or srun), which passes it to every rank; each
# checkpoints at its next step and exits 75. Sent too early, it would kill mpirun before it forwards
# signals, or a rank still loading its libraries (before sst-train's main installs its handler): exit
# 138, the point marked failed. So the signal is held until sst-train creates $SST_STOP_READY_FILE
# (rank 0, once every rank handles stop signals; src/train/signals.h), or until the launcher ends, or
# for at most SST_STOP_HOLD_S seconds (default 120: a rank 0 that cannot reach the file still stops).
# The caller's trap sets stop=1 (and may log); these do the rest.
#   stop_forward_prepare [DIR]    exports SST_STOP_READY_FILE in a fresh private folder made in DIR
#                                 (default $TMPDIR or /tmp; rank 0 must see it: a shared folder on a cluster)
#   stop_forward_wait CHILD       waits for CHILD, forwarding stops; its status is CHILD's
#   stop_banner_filter            mpirun's stderr filter: a clean stop (exit 75) ends with sst-train's
#                                 one line, not mpirun's "the job has been aborted" banner (kept for
#                                 any other status)

stop_forward_prepare() {
  local parent=${1:-${TMPDIR:-/tmp}}
  STOP_FORWARD_DIR=$(mktemp -d "$parent/.sst-stop.XXXXXX") || {
    echo "${SAFE_WRITE_PROG:-sst}: cannot create a temporary folder in $parent" >&2
    return 1
  }
  export SST_STOP_READY_FILE="$STOP_FORWARD_DIR/ready"
}

stop_forward_wait() {
  local child=$1 rc=0 held_since=""
  while kill -0 "$child" 2>/dev/null; do
    if [ "${stop:-0}" = 1 ]; then
      [ -n "$held_since" ] || held_since=$SECONDS
      if [ -e "$SST_STOP_READY_FILE" ] || [ $((SECONDS - held_since)) -ge "${SST_STOP_HOLD_S:-120}" ]; then
        stop=0 held_since=""
        kill -USR1 "$child" 2>/dev/null || true
      else
        sleep 0.1  # not ready: look again (a trap runs when the sleep ends)
        continue
      fi
    fi
    wait "$child" && rc=0 || rc=$?
  done
  wait "$child" 2>/dev/null && rc=0 || rc=$?  # the real status, even if the last wait was cut by a signal
  if [ "${STOP_BANNER_FILTER:-0}" = 1 ]; then
    local n=0  # the filter ends when mpirun's stderr closes: let it finish
    while [ ! -e "$STOP_FORWARD_DIR/banner.done" ] && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    [ "$rc" = 75 ] || [ ! -f "$STOP_FORWARD_DIR/banner" ] || cat "$STOP_FORWARD_DIR/banner" >&2
  fi
  rm -rf -- "$STOP_FORWARD_DIR"
  return "$rc"
}

# Reads mpirun's stderr, passes it on line by line, except its blocks "Primary job terminated normally,
# but N process(es) returned a non-zero exit code. ... the job has been aborted." and "mpirun detected
# that one or more processes exited with non-zero status ... Exit code: N", and its line "mpirun:
# Forwarding signal N to job": kept in $STOP_FORWARD_DIR/banner for stop_forward_wait. Ignores the stop signals: a Ctrl-C that killed it
# would kill mpirun with SIGPIPE.
stop_banner_filter() {
  trap '' INT TERM USR1
  awk -v held="$STOP_FORWARD_DIR/banner" '
    /^----------------------------------------/ {
      block[++n] = $0
      if (n == 1) next
      text = ""
      for (i = 1; i <= n; i++) text = text block[i] "\n"
      if (text ~ /terminated normally, but [0-9]+ process(es)? returned|exited with non-zero status/) printf "%s", text >> held
      else printf "%s", text
      fflush(); n = 0; next
    }
    n > 0 { block[++n] = $0; next }
    # Its own line may come right after a rank'"'"'s unfinished one (a progress line): kept apart.
    match($0, /mpirun: Forwarding signal [0-9]+ to job$/) {
      print substr($0, RSTART) >> held
      if (RSTART > 1) { print substr($0, 1, RSTART - 1); fflush() }
      next
    }
    { print; fflush() }
    END { for (i = 1; i <= n; i++) print block[i]; close(held); printf "" > (held ".done") }'
}
