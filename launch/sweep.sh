#!/usr/bin/env bash
# Runs a sweep (configs/sweeps/*.ini) on one workstation and aggregates it into SWEEP_DIR/sweep.csv.
#   launch/sweep.sh SWEEP.ini [--sweep-dir DIR] [--parallel K] [--data FILE.h5] [--force] [--no-check]
#     --sweep-dir DIR  where the runs go (default runs/sweeps/NAME): DIR/runs/RUN, DIR/logs/RUN.log,
#                      DIR/sweep_manifest.json, DIR/sweep.csv
#     --parallel K     run K points at once; threads per rank = cores / (K x ranks) (default 1)
#     --data FILE.h5   the tokenized data for every run (overrides [sweep] data)
#     --force          accept a sweep dir made from a different version of the sweep file
#     --no-check       skip checking every point's options with `sst-train --print-config` first
#     --points LIST    run only these point indices (comma-separated, e.g. a pilot); the others are left as
#                      they are, and a later launch without --points runs them (not for an adaptive design)
# A sweep file with [design] is an adaptive design: `sst-sweep wave` plans a wave from the finished runs, the
# wave runs, and so on until a rule ends the design (DIR/design.jsonl logs every decision; exit 0 then).
# Resumable: a point whose summary.json says completed / early_stopped is skipped; an interrupted one is
# continued from its newest checkpoint (every point runs with --resume auto). A cooldown branch
# ([budget] cooldown_branches) waits until the run it branches from has finished. Ctrl-C (or SIGTERM) asks the
# running points to checkpoint (SIGUSR1, exit 75) and stops; run the same command again to continue.
# Binaries: SST_BIN_DIR (default build/bin), or SST_SWEEP / SST_TRAIN. Exit status: 0 every point finished,
# 1 some point not finished (failed, stopped, or running under another launcher: each is named), 2 usage
# error, 130 interrupted. --force also rewrites a damaged (unreadable) sweep_manifest.json.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

PROG=sweep.sh
# shellcheck source=launch/sweep_common.sh
source "$ROOT/launch/sweep_common.sh"
# shellcheck source=launch/own_children.sh
source "$ROOT/launch/own_children.sh"
PARALLEL=1 CHECK=1 POINTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --parallel) PARALLEL=${2:?--parallel needs a number}; shift 2 ;;
    --parallel=*) PARALLEL=${1#*=}; shift ;;
    --no-check) CHECK=0; shift ;;
    --points) POINTS=${2:?--points needs a list of indices}; shift 2 ;;
    --points=*) POINTS=${1#*=}; shift ;;
    *) sweep_parse_arg "$@"
       [ "$SHIFT" -gt 0 ] || { echo "sweep.sh: unknown option '$1' (see --help)" >&2; exit 2; }
       shift "$SHIFT" ;;
  esac
done
case "$PARALLEL" in ''|*[!0-9]*|0) echo "sweep.sh: --parallel needs a positive number, got '$PARALLEL'" >&2; exit 2 ;; esac
case "$POINTS" in *[!0-9,]*) echo "sweep.sh: --points needs comma-separated indices, got '$POINTS'" >&2; exit 2 ;; esac
sweep_prepare
[ "$MODE" = grid ] || [ -z "$POINTS" ] || { echo "sweep.sh: --points: an adaptive design's points are planned in waves" >&2; exit 2; }
export SST_TRAIN=${SST_TRAIN:-$SST_BIN_DIR/sst-train}
[ -x "$SST_TRAIN" ] || { echo "sweep.sh: $SST_TRAIN not found; build first (launch/build.sh)" >&2; exit 2; }

point() {  # point INDEX FIELD
  "$SST_SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" --index "$1" --field "$2"
}
point_args() {  # fills the array ARGS with point INDEX's sst-train arguments
  mapfile -t ARGS < <(point "$1" args)
}
action() { "$SST_SWEEP" status "$SWEEP_DIR" --index "$1" --action; }  # skip | busy | run
status_line() { "$SST_SWEEP" status "$SWEEP_DIR" --parallel "$PARALLEL"; }

selected() {  # selected INDEX: true when --points is not given or lists INDEX
  [ -z "$POINTS" ] || [[ ",$POINTS," == *",$1,"* ]]
}

cores=$(nproc)
if [ "$MODE" = waves ]; then
  echo "sweep.sh: an adaptive design from $SWEEP_FILE -> $SWEEP_DIR, in waves ($PARALLEL at a time, $cores cores)"
else
  echo "sweep.sh: $COUNT points from $SWEEP_FILE -> $SWEEP_DIR ($PARALLEL at a time, $cores cores)"
fi

mkdir -p "$SWEEP_DIR/logs"
own_child_remove_stale "$SWEEP_DIR/logs"  # left by a launcher killed with its point (never trusted)

# The run's own error line from the last attempt in LOG (mpirun's report of the failure says less).
run_error() {
  awk '/^=== /{ last = "" } /sst-train: error/ && last == "" { last = $0 } END { print last }' "$1"
}

# One point: a live marker while it runs, its log in SWEEP_DIR/logs, the launcher in its own session so a
# terminal Ctrl-C reaches only this script (which turns it into SIGUSR1: checkpoint and exit 75).
run_point() {
  local i=$1 me=$BASHPID name ranks run_dir log threads rc=0
  name=$(point "$i" run); ranks=$(point "$i" ranks)
  run_dir="$SWEEP_DIR/runs/$name"; log="$SWEEP_DIR/logs/$name.log"
  threads=$(( cores / (PARALLEL * ranks) )); [ "$threads" -ge 1 ] || threads=1
  mkdir -p "$run_dir"
  # A marker left by a launcher that was killed (its process is gone) is stale.
  [ "$(action "$i")" = busy ] || rm -f "$run_dir/.sweep_running"
  # O_EXCL (safe_create): two launchers on one sweep dir never run the same point.
  local made=0 log_fd pid_file="$SWEEP_DIR/logs/.$name.pid"
  # HOST PID START: a PID reused after this launcher is gone never makes the point look busy.
  echo "$(hostname -s) $me $(proc_start_time "$me")" | safe_create "$run_dir/.sweep_running" || made=$?
  if [ "$made" = 3 ]; then
    echo "sweep.sh: [$name] is being run by another launcher ($(cat "$run_dir/.sweep_running" 2>/dev/null)); skipped"
    return 0
  fi
  [ "$made" = 0 ] || return 1
  # The files written later are checked now, before the point starts: a link at any of them refuses it.
  if ! safe_check "$pid_file" || ! safe_check "$run_dir/.sweep_failed" || ! safe_open_append "$log" log_fd; then
    rm -f "$run_dir/.sweep_running"
    return 1
  fi
  rm -f "$run_dir/.sweep_failed"
  point_args "$i"
  echo "=== $(date -Is) $(hostname -s): launch/train.sh -n $ranks ${ARGS[*]} --train.threads=$threads" >&"$log_fd"
  echo "sweep.sh: [$name] started ($ranks rank(s) x $threads thread(s)), log $log"
  setsid bash "$ROOT/launch/train.sh" -n "$ranks" "${ARGS[@]}" "--train.threads=$threads" >&"$log_fd" 2>&1 &
  local child=$!
  exec {log_fd}>&-
  # Who the child is and who started it (own_children.sh): only this launcher ever signals it.
  own_child_record "$child" | safe_write "$pid_file" || true  # refused only if a link appeared meanwhile
  wait "$child" || rc=$?
  rm -f "$SWEEP_DIR/logs/.$name.pid"
  case $rc in
    0)  local st; st=$("$SST_SWEEP" status "$SWEEP_DIR" --index "$i" 2>/dev/null || true)
        echo "sweep.sh: [$name] ${st:-done}" ;;
    75) echo "sweep.sh: [$name] checkpointed and stopped (exit 75); it resumes on the next launch" ;;
    *)  echo "$rc" | safe_write "$run_dir/.sweep_failed" || true
        local why; why=$(run_error "$log")
        echo "sweep.sh: [$name] FAILED (exit $rc): ${why:-no error line from sst-train}; log $log" >&2 ;;
  esac
  rm -f "$run_dir/.sweep_running"
  echo "sweep.sh: progress: $(status_line)"
}

STOPPING=0
on_signal() {
  STOPPING=1
  echo "sweep.sh: stopping: asking the running points to checkpoint (SIGUSR1)..." >&2
  local f
  for f in "$SWEEP_DIR"/logs/.*.pid; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then own_child_signal USR1 "$f"; fi
  done
}
trap on_signal INT TERM

launch_when_free() {  # launch_when_free INDEX: waits for a free slot, then runs the point in the background
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n || true; done
  [ "$STOPPING" = 0 ] || return 0
  run_point "$1" &
}

check_points() {  # every unfinished point's options, before hours of training
  [ "$CHECK" = 1 ] || return 0
  local i out
  for ((i = 0; i < COUNT; i++)); do
    selected "$i" || continue
    [ "$(action "$i")" != skip ] || continue
    point_args "$i"
    if ! out=$("$SST_TRAIN" "${ARGS[@]}" --print-config 2>&1 >/dev/null); then
      echo "sweep.sh: point $i ($(point "$i" run)): $out" >&2; exit 1
    fi
  done
}

# run_points: runs every selected point of the manifest that is not finished (cooldown branches once their parent
# has), then aggregates. Returns 0 when every one finished; exits 130 when interrupted, 1 when a point did not finish.
run_points() {
  local i still not_finished run st
  check_points
  echo "sweep.sh: progress: $(status_line)"
  WAITING=()  # cooldown branches whose parent had not finished when their turn came
  for ((i = 0; i < COUNT; i++)); do
    [ "$STOPPING" = 0 ] || break
    selected "$i" || continue
    case "$(action "$i")" in
      skip) echo "sweep.sh: [$(point "$i" run)] $("$SST_SWEEP" status "$SWEEP_DIR" --index "$i"), skipped"; continue ;;
      busy) echo "sweep.sh: [$(point "$i" run)] running elsewhere, skipped"; continue ;;
      wait) WAITING+=("$i"); continue ;;
    esac
    launch_when_free "$i"
  done
  # The branches, as their parents finish: a pass that starts none waits for a running point to end; with
  # none running, the rest have a parent that did not finish here (failed or stopped).
  while [ "$STOPPING" = 0 ] && [ ${#WAITING[@]} -gt 0 ]; do
    still=()
    for i in "${WAITING[@]}"; do
      [ "$STOPPING" = 0 ] || break
      case "$(action "$i")" in
        run) launch_when_free "$i" ;;
        wait) still+=("$i") ;;
      esac
    done
    [ ${#still[@]} -lt ${#WAITING[@]} ] || {
      if [ -n "$(jobs -rp)" ]; then wait -n || true; continue; fi
      for i in "${still[@]}"; do
        echo "sweep.sh: [$(point "$i" run)] not run: it branches from $(point "$i" parent), which has not finished" >&2
      done
      break
    }
    WAITING=("${still[@]}")
  done
  while [ -n "$(jobs -rp)" ]; do wait || true; done

  "$SST_SWEEP" aggregate "$SWEEP_DIR"
  if [ "$STOPPING" = 1 ]; then
    echo "sweep.sh: interrupted; run the same command again to continue" >&2
    exit 130
  fi
  # The last line is true: every point this launch covers is looked at again now that its own runs have
  # ended. One run by another launcher (still running elsewhere), failed, stopped or never started makes
  # the launch unfinished: exit 1, each named with its state, never "all N points finished".
  not_finished=()
  while IFS=$'\t' read -r i run st; do
    selected "$i" || continue
    case $st in
      completed | early_stopped) ;;
      running) not_finished+=("$i	$run	running elsewhere (another launcher holds it: $(cat "$SWEEP_DIR/runs/$run/.sweep_running" 2>/dev/null))") ;;
      *) not_finished+=("$i	$run	$st") ;;
    esac
  done < <("$SST_SWEEP" status "$SWEEP_DIR" -v | awk -F'\t' 'NF == 3')
  if [ ${#not_finished[@]} -gt 0 ]; then
    echo "sweep.sh: ${#not_finished[@]} point(s) not finished (index, run, status):" >&2
    printf '  %s\n' "${not_finished[@]}" >&2
    exit 1
  fi
}

if [ "$MODE" = waves ]; then
  # The adaptive design: plan a wave from the finished runs, run it, and again, until a rule ends the design.
  # Interrupted anywhere, the same command continues: the planner only reads what has finished.
  while :; do
    [ "$STOPPING" = 0 ] || { echo "sweep.sh: interrupted; run the same command again to continue" >&2; exit 130; }
    rc=0; sweep_plan_wave || rc=$?
    [ "$rc" = 0 ] || break
    run_points
  done
  "$SST_SWEEP" aggregate "$SWEEP_DIR"
  echo "sweep.sh: the design ended; every point of its waves finished: $SWEEP_DIR/sweep.csv, $SWEEP_DIR/design.jsonl"
  exit 0
fi
run_points
if [ -n "$POINTS" ]; then
  echo "sweep.sh: the selected points finished; the whole sweep: $(status_line)"
  exit 0
fi
echo "sweep.sh: all $COUNT points finished: $SWEEP_DIR/sweep.csv"
