# shellcheck shell=bash
# shellcheck disable=SC2034  # SHIFT, COUNT, MODE, SST_SWEEP and DATA_ARGS are for the sourcing script
# Sourced by launch/sweep.sh (workstation) and slurm/submit_sweep.sh (cluster): the arguments both take,
# and the sweep directory both prepare. The caller sets PROG (its name, for messages) and ROOT (the
# repository), and may preset SST_BIN_DIR.

SWEEP_FILE="" SWEEP_DIR="" DATA="" FORCE=()
# Every file the sourcing script writes goes through these (no write through a planted link).
# shellcheck source=launch/safe_write.sh
source "$ROOT/launch/safe_write.sh"

# sweep_parse_arg ARGS...: if "$1" is a shared argument, stores it and sets SHIFT to the number of words
# it used; otherwise SHIFT=0 (the caller's own option, or an unknown one).
#   SWEEP.ini | --sweep-dir DIR | --data FILE.h5 | --force
sweep_parse_arg() {
  SHIFT=1
  case "$1" in
    --sweep-dir) SWEEP_DIR=${2:?--sweep-dir needs a directory}; SHIFT=2 ;;
    --sweep-dir=*) SWEEP_DIR=${1#*=} ;;
    --data) DATA=${2:?--data needs a file}; SHIFT=2 ;;
    --data=*) DATA=${1#*=} ;;
    --force) FORCE=(--force) ;;
    -*) SHIFT=0 ;;
    *)
      if [ -n "$SWEEP_FILE" ]; then
        echo "$PROG: one sweep file only (got '$SWEEP_FILE' and '$1')" >&2
        exit 2
      fi
      SWEEP_FILE=$1 ;;
  esac
}

# sweep_prepare: checks the sweep file (one error line and exit 1 when it is bad), writes or checks
# SWEEP_DIR/sweep_manifest.json, and sets SST_SWEEP (the binary), SWEEP_DIR and SWEEP_FILE (absolute),
# MODE (grid, or waves: an adaptive design, whose manifest sweep_plan_wave writes), COUNT (points) and DATA_ARGS.
sweep_prepare() {
  [ -n "$SWEEP_FILE" ] || { echo "$PROG: usage: $PROG SWEEP.ini [options] (see --help)" >&2; exit 2; }
  SST_BIN_DIR=${SST_BIN_DIR:-$ROOT/build/bin}
  SST_SWEEP=${SST_SWEEP:-$SST_BIN_DIR/sst-sweep}
  [ -x "$SST_SWEEP" ] || { echo "$PROG: $SST_SWEEP not found; build first (launch/build.sh)" >&2; exit 2; }
  DATA_ARGS=()
  [ -z "$DATA" ] || DATA_ARGS=(--data "$DATA")
  MODE=$("$SST_SWEEP" expand "$SWEEP_FILE" "${DATA_ARGS[@]}" --print-mode) || exit 1
  [ -n "$SWEEP_DIR" ] || SWEEP_DIR=$("$SST_SWEEP" expand "$SWEEP_FILE" "${DATA_ARGS[@]}" --print-dir) || exit 1
  if [ "$MODE" = waves ]; then
    mkdir -p "$SWEEP_DIR" || exit 1
  else
    "$SST_SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" "${DATA_ARGS[@]}" "${FORCE[@]}" >/dev/null || exit 1
  fi
  SWEEP_DIR=$(cd "$SWEEP_DIR" && pwd)
  SWEEP_FILE=$(cd "$(dirname "$SWEEP_FILE")" && pwd)/$(basename "$SWEEP_FILE")
  COUNT=0
  [ "$MODE" = waves ] || COUNT=$("$SST_SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" --count) || exit 1
}

# sweep_plan_wave: an adaptive design's next step (`sst-sweep wave`): returns 0 when the manifest holds a wave to
# run (COUNT set: the points of every wave so far), 3 when the design ended, and exits 1 on an error.
# --data and --force count for the first call only (the manifest keeps the data).
sweep_plan_wave() {
  local rc=0
  "$SST_SWEEP" wave "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" "${DATA_ARGS[@]}" "${FORCE[@]}" || rc=$?
  DATA_ARGS=() FORCE=()
  [ "$rc" = 0 ] || [ "$rc" = 3 ] || exit 1
  [ "$rc" = 3 ] && return 3
  COUNT=$("$SST_SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" --count) || exit 1
}
