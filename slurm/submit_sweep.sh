#!/usr/bin/env bash
# Submits a sweep (configs/sweeps/*.ini) to Slurm: a job array with one grid point per task
# (slurm/sweep.sbatch), then the aggregation (slurm/aggregate.sbatch) as a job that depends on the whole
# array (afterany), which writes SWEEP_DIR/sweep.csv. Cooldown branches ([budget] cooldown_branches) go in
# a second array that starts after the first (afterany), since each needs its parent run's snapshots.
#   slurm/submit_sweep.sh SWEEP.ini [--sweep-dir DIR] [--data FILE.h5] [--throttle N] [--all] [--force]
#                         [-- EXTRA SBATCH OPTIONS...]
#     --sweep-dir DIR  default runs/sweeps/NAME; logs in DIR/slurm/
#     --data FILE.h5   tokenized data for every run (overrides [sweep] data)
#     --throttle N     at most N array tasks at once (default $SST_THROTTLE, else 4)
#     --all            submit every point (default: only those neither finished nor running, so
#                      resubmitting a sweep continues it)
#     --force          accept a sweep dir made from a different version of the sweep file
# Site settings: slurm/site.env (see slurm/site.env.example) or the environment: SBATCH_PARTITION,
# SBATCH_ACCOUNT, SBATCH_TIMELIMIT, ..., SST_NODES, SST_CPUS_PER_TASK, SST_MODULES, SST_LAUNCHER.
# Prints the array job id and the aggregation job id (also in DIR/slurm/jobs.txt).
# A sweep file with [design] is an adaptive design, run in waves: `sst-sweep wave` plans the first (or next)
# wave, its points are submitted as above, and instead of the aggregation a planner job
# (slurm/adaptive.sbatch, afterany on the wave's arrays) runs this script again inside the allocation: it plans
# the next wave from the finished runs and submits it, until a rule ends the design (DESIGN_ENDED=1, sweep.csv
# aggregated, the rule in DIR/design.jsonl and the planner's log DIR/slurm/plan_JOB.out). A wave that ends with
# an unfinished point (failed, cancelled) stops the chain with that point named; submitting again retries it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

export SST_ROOT=${SST_ROOT:-$ROOT}
SST_SITE_ENV=${SST_SITE_ENV:-$SST_ROOT/slurm/site.env}
# shellcheck disable=SC1090
[ ! -f "$SST_SITE_ENV" ] || source "$SST_SITE_ENV"
export SST_SITE_ENV

PROG=submit_sweep.sh
# shellcheck source=launch/sweep_common.sh
source "$ROOT/launch/sweep_common.sh"
THROTTLE=${SST_THROTTLE:-4} ALL=0 EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --throttle) THROTTLE=${2:?--throttle needs a number}; shift 2 ;;
    --throttle=*) THROTTLE=${1#*=}; shift ;;
    --all) ALL=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) sweep_parse_arg "$@"
       [ "$SHIFT" -gt 0 ] || { echo "submit_sweep.sh: unknown option '$1' (see --help)" >&2; exit 2; }
       shift "$SHIFT" ;;
  esac
done
case "$THROTTLE" in ''|*[!0-9]*|0) echo "submit_sweep.sh: --throttle needs a positive number, got '$THROTTLE'" >&2; exit 2 ;; esac
command -v sbatch >/dev/null || { echo "submit_sweep.sh: sbatch not found (not on a Slurm login node?)" >&2; exit 2; }

export SST_BIN_DIR=${SST_BIN_DIR:-$SST_ROOT/build/bin}
# Writes SWEEP_DIR/sweep_manifest.json (the array tasks run exactly these points); a bad sweep file stops here.
sweep_prepare
SWEEP=$SST_SWEEP
if [ "$MODE" = waves ]; then
  if [ -n "${SST_ADAPTIVE_CHAIN:-}" ]; then  # the planner job: the wave's arrays have ended
    left=$("$SWEEP" status "$SWEEP_DIR" --unfinished)
    if [ -n "$left" ]; then
      "$SWEEP" status "$SWEEP_DIR" -v | awk -F'\t' 'NF == 3 && $3 != "completed" && $3 != "early_stopped"' >&2
      echo "submit_sweep.sh: the wave ended with point(s) $left unfinished; the design stops here (submit the sweep again to retry them)" >&2
      exit 1
    fi
  fi
  rc=0; sweep_plan_wave || rc=$?
  if [ "$rc" = 3 ]; then
    "$SWEEP" aggregate "$SWEEP_DIR"
    echo "DESIGN_ENDED=1"
    exit 0
  fi
fi
RANKS=$("$SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" --index 0 --field ranks)
mkdir -p "$SWEEP_DIR/slurm"
safe_check "$SWEEP_DIR/slurm/jobs.txt" || exit 1  # before any job is submitted

if [ "$ALL" = 1 ]; then
  indices=$("$SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" --field parent | awk '$0 == "" { printf "%s%d", (n++ ? "," : ""), NR - 1 }')
  branches=$("$SWEEP" expand "$SWEEP_FILE" --sweep-dir "$SWEEP_DIR" --field parent | awk '$0 != "" { printf "%s%d", (n++ ? "," : ""), NR - 1 }')
elif [ "$MODE" = waves ]; then  # a branch whose parent finished in an earlier wave can start at once
  indices=$("$SWEEP" status "$SWEEP_DIR" --unfinished --stage ready)
  branches=$("$SWEEP" status "$SWEEP_DIR" --unfinished --stage waiting)
else
  indices=$("$SWEEP" status "$SWEEP_DIR" --unfinished --stage main)
  branches=$("$SWEEP" status "$SWEEP_DIR" --unfinished --stage branches)
fi
shape=()
if [ -n "${SST_NODES:-}" ]; then
  [ $((RANKS % SST_NODES)) -eq 0 ] || { echo "submit_sweep.sh: ranks $RANKS not divisible by SST_NODES=$SST_NODES" >&2; exit 2; }
  shape=(--nodes="$SST_NODES" --ntasks-per-node=$((RANKS / SST_NODES)))
else
  shape=(--ntasks="$RANKS")
fi
shape+=(--cpus-per-task="${SST_CPUS_PER_TASK:-1}")
export SST_SWEEP_FILE=$SWEEP_FILE SST_SWEEP_DIR=$SWEEP_DIR

array_id=""
if [ -n "$indices" ]; then
  array_id=$(sbatch --parsable --array="${indices}%${THROTTLE}" "${shape[@]}" \
    --job-name="sst-sweep-$(basename "$SWEEP_DIR")" --output="$SWEEP_DIR/slurm/%A_%a.out" \
    --chdir="$SST_ROOT" "${EXTRA[@]}" "$SST_ROOT/slurm/sweep.sbatch")
  array_id=${array_id%%;*}
  echo "submit_sweep.sh: array job $array_id: points ${indices} of $COUNT (at most $THROTTLE at once, $RANKS rank(s) each)"
else
  echo "submit_sweep.sh: every point of $SWEEP_DIR is finished or running; submitting the aggregation only"
fi
branch_id=""
if [ -n "$branches" ]; then
  after=(); [ -z "$array_id" ] || after=(--dependency="afterany:$array_id")
  branch_id=$(sbatch --parsable "${after[@]}" --array="${branches}%${THROTTLE}" "${shape[@]}" \
    --job-name="sst-sweep-$(basename "$SWEEP_DIR")-branches" --output="$SWEEP_DIR/slurm/%A_%a.out" \
    --chdir="$SST_ROOT" "${EXTRA[@]}" "$SST_ROOT/slurm/sweep.sbatch")
  branch_id=${branch_id%%;*}
  echo "submit_sweep.sh: array job $branch_id: cooldown branches ${branches} (after ${array_id:-nothing})"
fi
deps=""
for id in $array_id $branch_id; do deps+="${deps:+:}$id"; done
dep=(); [ -z "$deps" ] || dep=(--dependency="afterany:$deps")
if [ "$MODE" = waves ]; then
  if [ -z "$deps" ]; then  # every unfinished point runs in jobs submitted before, whose planner job continues
    echo "submit_sweep.sh: every unfinished point of the wave is running; the planner job submitted with it continues the design"
    exit 0
  fi
  plan_id=$(sbatch --parsable "${dep[@]}" --ntasks=1 --cpus-per-task=1 --job-name="sst-sweep-plan-$(basename "$SWEEP_DIR")" \
    --output="$SWEEP_DIR/slurm/plan_%j.out" --chdir="$SST_ROOT" --export=ALL,SST_ADAPTIVE_CHAIN=1 "${EXTRA[@]}" \
    "$SST_ROOT/slurm/adaptive.sbatch" --throttle "$THROTTLE" -- "${EXTRA[@]}")
  plan_id=${plan_id%%;*}
  echo "submit_sweep.sh: planner job $plan_id (after the wave) plans and submits the next wave"
  echo "$(date -Is) wave array=${array_id:-none} indices=${indices:-none} branches=${branch_id:-none}:${branches:-none} planner=$plan_id" |
    safe_append "$SWEEP_DIR/slurm/jobs.txt"
  echo "ARRAY_JOB_ID=${array_id}"
  echo "BRANCH_ARRAY_JOB_ID=${branch_id}"
  echo "PLANNER_JOB_ID=${plan_id}"
  exit 0
fi
agg_id=$(sbatch --parsable "${dep[@]}" --job-name="sst-sweep-aggregate-$(basename "$SWEEP_DIR")" \
  --output="$SWEEP_DIR/slurm/aggregate_%j.out" --chdir="$SST_ROOT" "${EXTRA[@]}" "$SST_ROOT/slurm/aggregate.sbatch")
agg_id=${agg_id%%;*}
echo "submit_sweep.sh: aggregation job $agg_id (after the array) -> $SWEEP_DIR/sweep.csv"
echo "$(date -Is) array=${array_id:-none} indices=${indices:-none} branches=${branch_id:-none}:${branches:-none} aggregate=$agg_id" |
  safe_append "$SWEEP_DIR/slurm/jobs.txt"
echo "submit_sweep.sh: progress: $SST_BIN_DIR/sst-sweep status $SWEEP_DIR    (squeue --me; logs in $SWEEP_DIR/slurm/)"
echo "ARRAY_JOB_ID=${array_id}"
echo "BRANCH_ARRAY_JOB_ID=${branch_id}"
echo "AGGREGATE_JOB_ID=${agg_id}"
