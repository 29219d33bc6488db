#!/usr/bin/env bash
# A real Slurm test on this machine: starts a private single-node Slurm cluster (its own munged,
# slurmctld and slurmd, with every state / spool / log file in a temp dir), then
#   1. submits configs/sweeps/ci_tiny.ini with slurm/submit_sweep.sh (a job array of 4 points, srun
#      --mpi=pmix, 2 ranks each, then the dependent aggregation job), waits, and checks that every point
#      finished and sweep.csv has 4 complete rows;
#   2. runs point 0 again with slurm/train.sbatch, preempts it mid-run (scancel --signal=USR1 --batch, what
#      --signal=B:USR1@120 delivers before a time limit), and checks that it checkpointed (exit 75),
#      requeued itself, resumed, and finished with exactly the result of the uninterrupted run;
#   3. with PARTS = adaptive, instead of 1 and 2: configs/sweeps/ci_adaptive.ini as an adaptive design, each wave
#      a job array and a planner job afterany on it that submits the next (tests/slurm/slurm_adaptive.sh);
#   on exit (success, failure or interrupt) it cancels its jobs and stops only the daemons it started, by PID,
#   and removes the temp dir.
# Usage: tests/slurm/run_slurm_test.sh [BIN_DIR [PARTS]]   (BIN_DIR: sst-train, sst-sweep, sst-prep; default
#        $SST_BIN_DIR or build/bin; PARTS: grid (default) or adaptive).  Needs SST2_DIR and root (to run munged as user munge and install
#        packages). Installs slurm-wlm and munge with apt-get when missing.
# Exit status: 0 pass, 1 fail, 77 skipped (no SST2_DIR, not root, or Slurm cannot be installed / started).
# Variables: SST_SLURM_TEST_LAUNCHER=srun|mpirun (default srun), SST_SLURM_TEST_KEEP=1 keeps the temp dir.
set -uo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BIN=${1:-${SST_BIN_DIR:-$SRC/build/bin}}
PARTS=${2:-grid}  # grid: parts 1 and 2; adaptive: part 3 only (tests/slurm/slurm_adaptive.sh)
case "$PARTS" in grid | adaptive) ;; *) echo "run_slurm_test: the parts are grid or adaptive, not '$PARTS'" >&2; exit 1 ;; esac
BIN=$(cd "$BIN" 2>/dev/null && pwd) || { echo "run_slurm_test: no binary dir $1" >&2; exit 1; }
T0=$(date +%s)
log() { echo "[slurm-test +$(( $(date +%s) - T0 ))s] $*"; }
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

[ -n "${SST2_DIR:-}" ] || skip "SST2_DIR is not set: no SST-2 data"
[ "$(id -u)" -eq 0 ] || skip "needs root (munged as user munge, a private slurmd)"
for b in sst-train sst-sweep sst-prep; do [ -x "$BIN/$b" ] || fail "$BIN/$b not built"; done

# ---- packages and the munge key ---------------------------------------------------------------------
reason=$(bash "$SRC/tests/slurm/prepare_slurm.sh" 2>&1 >/dev/null) || skip "${reason##*$'\n'}"
# shellcheck source=tests/slurm/slurm_conf.sh
. "$SRC/tests/slurm/slurm_conf.sh"

# ---- the private cluster ------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/sst-slurm-test.XXXXXX)
chmod 755 "$WORK"
MUNGE_PID="" CTLD_PID="" SLURMD_PID=""
STARTED_DAEMONS=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ "$STARTED_DAEMONS" = 1 ] && [ -n "$CTLD_PID" ]; then
    # Our cluster runs only our jobs: cancel them and wait for their processes to end before slurmd goes.
    local jobs
    mapfile -t jobs < <(squeue -h -o %A 2>/dev/null)
    [ "${#jobs[@]}" -eq 0 ] || scancel --full --quiet "${jobs[@]}" 2>/dev/null
    for _ in $(seq 1 60); do
      [ -z "$(squeue -h 2>/dev/null)" ] && [ -z "$(scontrol listpids 2>/dev/null | tail -n +2)" ] && break
      sleep 1
    done
  fi
  [ "$rc" = 0 ] || [ -z "${WORK:-}" ] || {
    echo "---- diagnostics (rc $rc) ----" >&2
    squeue 2>/dev/null >&2
    for f in "$WORK"/log/slurmctld.log "$WORK"/log/slurmd.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 25 "$f" >&2; }; done
    for f in "$WORK"/sweep/slurm/*.out "$WORK"/preempt/*.out "$WORK"/adaptive/slurm/*.out; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  }
  local pid
  for pid in "$SLURMD_PID" "$CTLD_PID" "$MUNGE_PID"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  done
  if [ "${SST_SLURM_TEST_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  log "cleaned up (daemons stopped: ${SLURMD_PID:-} ${CTLD_PID:-} ${MUNGE_PID:-})"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"/{munge,state,spool,log}
# munged: its own socket, pid, log and seed files; the key from /etc/munge (created if absent).
chown munge:munge "$WORK/munge"
MUNGE_SOCKET="$WORK/munge/munge.socket"
runuser -u munge -- munged --socket="$MUNGE_SOCKET" --pid-file="$WORK/munge/munged.pid" \
  --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" --key-file=/etc/munge/munge.key \
  || skip "munged does not start here: $(tail -n 3 "$WORK/munge/munged.log" 2>/dev/null)"
for _ in $(seq 1 40); do [ -s "$WORK/munge/munged.pid" ] && break; sleep 0.25; done
MUNGE_PID=$(cat "$WORK/munge/munged.pid" 2>/dev/null)
STARTED_DAEMONS=1
munge --socket="$MUNGE_SOCKET" -n | unmunge --socket="$MUNGE_SOCKET" >/dev/null || fail "munge round trip failed"

HOST=$(hostname -s)
PORT=$(( 20000 + ($$ % 20000) ))  # private ports: never a site's 6817/6818
export SLURM_CONF="$WORK/slurm.conf"
{
  cat <<EOF
ClusterName=ssttest
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmdSpoolDir=$WORK/spool
SlurmdPidFile=$WORK/slurmd.pid
SlurmdLogFile=$WORK/log/slurmd.log
SlurmdParameters=config_overrides
PlugStackConfig=$WORK/plugstack.conf
NodeName=$HOST CPUs=$(nproc) State=UNKNOWN
PartitionName=ssttest Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  slurm_conf_common "$MUNGE_SOCKET" "$WORK"
} >"$SLURM_CONF"
: > "$WORK/plugstack.conf"
slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
for _ in $(seq 1 40); do [ -s "$WORK/slurmctld.pid" ] && break; sleep 0.25; done
CTLD_PID=$(cat "$WORK/slurmctld.pid" 2>/dev/null)
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 1 40); do [ -s "$WORK/slurmd.pid" ] && break; sleep 0.25; done
SLURMD_PID=$(cat "$WORK/slurmd.pid" 2>/dev/null)
{ [ -n "$CTLD_PID" ] && [ -n "$SLURMD_PID" ]; } || fail "no daemon pid files"
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "node $HOST is '$state', not idle"
log "cluster up: munged $MUNGE_PID, slurmctld $CTLD_PID, slurmd $SLURMD_PID, node $HOST ($(nproc) CPUs), $WORK"

# ---- helpers --------------------------------------------------------------------------------------
export SST_BIN_DIR=$BIN SST_SITE_ENV=/dev/null SST_LAUNCHER=${SST_SLURM_TEST_LAUNCHER:-srun}
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
# wait_done JOBID SECONDS: until the job (every task of an array) has left the queue.
wait_done() {
  local end=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 2
  done
  return 1
}
summary_field() {  # summary_field FILE KEY (top-level JSON scalar)
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(repr(v))' "$1" "$2"
}

DATA="$WORK/sst2.h5"
"$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$DATA" --vocab-size 2000 >"$WORK/prep.log" 2>&1 \
  || { cat "$WORK/prep.log"; fail "sst-prep failed"; }
log "data ready"

if [ "$PARTS" = adaptive ]; then
  # shellcheck source=tests/slurm/slurm_adaptive.sh
  . "$SRC/tests/slurm/slurm_adaptive.sh"
  log "PASSED"
  exit 0
fi

# ---- 1. the ci_tiny sweep as a job array + dependent aggregation ----------------------------------------
SWEEP_DIR="$WORK/sweep"
out=$("$SRC/slurm/submit_sweep.sh" "$SRC/configs/sweeps/ci_tiny.ini" --sweep-dir "$SWEEP_DIR" --data "$DATA" \
      --throttle 2 2>&1) || { echo "$out"; fail "submit_sweep.sh failed"; }
while IFS= read -r line; do echo "    $line"; done <<<"$out"
ARRAY=$(echo "$out" | sed -n 's/^ARRAY_JOB_ID=//p')
AGG=$(echo "$out" | sed -n 's/^AGGREGATE_JOB_ID=//p')
{ [ -n "$ARRAY" ] && [ -n "$AGG" ]; } || fail "no job ids from submit_sweep.sh"
[ "$(job_field "$AGG" Dependency)" = "afterany:${ARRAY}_*(unfulfilled)" ] ||
  log "note: aggregation dependency reads '$(job_field "$AGG" Dependency)'"
wait_done "$AGG" 600 || fail "the sweep did not finish within 600 s"
log "sweep finished: $("$BIN/sst-sweep" status "$SWEEP_DIR")"
[ "$(job_field "$AGG" JobState)" = COMPLETED ] || fail "aggregation job $AGG: $(job_field "$AGG" JobState)"
CSV="$SWEEP_DIR/sweep.csv"
[ -f "$CSV" ] || fail "no $CSV"
sed 's/^/    /' "$CSV"
HEADER="run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,best_dev_loss,best_dev_acc,epochs,wall_s,world_size,status,seed,steps,tokens_at_best,flops_at_best,lr_at_best,schedule,budget,budget_tokens,budget_flops,parent,branch_step,flops_spent,d_model,layers,heads,ff_dim,max_len,dropout,global_batch,lr,warmup_steps,weight_decay"
[ "$(head -1 "$CSV")" = "$HEADER" ] || fail "sweep.csv header: $(head -1 "$CSV")"
[ "$(tail -n +2 "$CSV" | wc -l)" = 4 ] || fail "sweep.csv should have 4 rows"
tail -n +2 "$CSV" | awk -F, '
  { if ($14 != "completed" && $14 != "early_stopped") { print "row " NR ": status " $14; bad = 1 }
    for (i = 1; i <= 20; ++i) if ($i == "") { print "row " NR ": empty column " i; bad = 1 }
    if ($13 != 2) { print "row " NR ": world_size " $13; bad = 1 } }
  END { exit bad }' || fail "sweep.csv rows are not all complete"
for f in "$SWEEP_DIR"/slurm/[0-9]*_[0-9]*.out; do
  grep -q "$SST_LAUNCHER: 2 rank(s)" "$f" || fail "$f: not launched with $SST_LAUNCHER over 2 ranks"
done
log "part 1 passed: 4 points completed through sbatch --array ($SST_LAUNCHER), sweep.csv complete"

# ---- 2. preemption: checkpoint on SIGUSR1, requeue, resume, same result -------------------------------
mapfile -t ARGS < <("$BIN/sst-sweep" expand "$SRC/configs/sweeps/ci_tiny.ini" --sweep-dir "$SWEEP_DIR" --index 0)
REF_RUN="$SWEEP_DIR/runs/$("$BIN/sst-sweep" expand "$SRC/configs/sweeps/ci_tiny.ini" --sweep-dir "$SWEEP_DIR" --index 0 --field run)"
P_RUN="$WORK/preempt/run"
mkdir -p "$WORK/preempt"
for ((k = 0; k < ${#ARGS[@]}; k++)); do [ "${ARGS[k]}" = --out-dir ] && ARGS[k+1]=$P_RUN; done
JOB=$(cd "$SRC" && sbatch --parsable --ntasks=2 --output="$WORK/preempt/train_%j.out" slurm/train.sbatch "${ARGS[@]}") \
  || fail "sbatch slurm/train.sbatch failed"
JOB=${JOB%%;*}
log "train.sbatch job $JOB submitted; waiting for a step checkpoint before preempting"
signalled=0
for _ in $(seq 1 300); do
  if ls "$P_RUN"/checkpoints/step_*.pt >/dev/null 2>&1 && [ "$(job_field "$JOB" JobState)" = RUNNING ]; then
    scancel --signal=USR1 --batch "$JOB" && signalled=1
    break
  fi
  [ -f "$P_RUN/summary.json" ] && break
  sleep 0.2
done
[ "$signalled" = 1 ] || fail "job $JOB finished or never checkpointed before it could be preempted"
log "sent SIGUSR1 to job $JOB's batch shell"
end=$(( $(date +%s) + 300 ))
while [ "$(date +%s)" -lt "$end" ]; do
  [ "$(job_field "$JOB" JobState)" = COMPLETED ] && break
  case "$(job_field "$JOB" JobState)" in FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 2
done
OUT=$(cat "$WORK"/preempt/train_"$JOB".out 2>/dev/null)
[ "$(job_field "$JOB" JobState)" = COMPLETED ] || { echo "$OUT"; fail "job $JOB: $(job_field "$JOB" JobState)"; }
restarts=$(job_field "$JOB" Restarts)
[[ $OUT == *"checkpointed (exit 75): scontrol requeue $JOB"* ]] || { echo "$OUT"; fail "no exit-75 requeue in the job log"; }
[ "${restarts:-0}" -ge 1 ] || { echo "$OUT"; fail "job $JOB was not requeued (Restarts=$restarts)"; }
grep -q "stop signal received: checkpointed at step" "$P_RUN/train.log" || fail "train.log: no checkpoint on the stop signal"
grep -q "resumed from" "$P_RUN/train.log" || fail "train.log: the requeued job did not resume"
stopped_at=$(sed -n 's/.*checkpointed at step \([0-9]*\).*/\1/p' "$P_RUN/train.log" | head -1)
for key in status steps best_dev_loss best_dev_acc best_step final_dev_loss final_dev_acc final_train_loss tokens_processed; do
  a=$(summary_field "$REF_RUN/summary.json" "$key"); b=$(summary_field "$P_RUN/summary.json" "$key")
  [ "$a" = "$b" ] || fail "preempted run differs from the uninterrupted one: $key $b vs $a"
done
log "part 2 passed: stopped at step $stopped_at, requeued ($restarts restart), resumed, identical summary" \
    "(best_dev_loss $(summary_field "$P_RUN/summary.json" best_dev_loss))"
log "PASSED"
