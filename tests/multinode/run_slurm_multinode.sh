#!/usr/bin/env bash
# Slurm across the simulated nodes: run under `cluster.sh run 2 --` (ctest does). Starts munged and
# slurmctld on node 1 and one slurmd per node (each in its node's namespaces, so each sees its own
# hostname; spool, pid and log files per node in a temp dir), then
#   1. sbatch -N 2 --ntasks-per-node=1 slurm/train.sbatch (srun --mpi=pmix): the run completes, and its
#      train.log places rank 0 on sstnode1 and rank 1 on sstnode2;
#   2. the same with SST_LAUNCHER=mpirun inside the allocation;
#   3. a two-node job preempted (scancel --signal=USR1 --batch) after its first checkpoint: exit 75,
#      requeued, resumed, and the same summary as the uninterrupted run of 1;
#   4. the ci_tiny sweep (slurm/submit_sweep.sh: a job array of 4 points of 2 ranks, at most 2 at once, and
#      the aggregation): every point finishes, and the points ran on both nodes.
# Every daemon lives in a node's namespaces, so cluster.sh's teardown ends them all (it kills every
# process left in them). Installs slurm-wlm and munge when missing (tests/slurm/prepare_slurm.sh); fails
# (exit 1), never skips, when they cannot be had.
# Usage: tests/multinode/run_slurm_multinode.sh BIN_DIR     (needs SST2_DIR)
set -uo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BIN=$(cd "${1:?usage: run_slurm_multinode.sh BIN_DIR}" && pwd) || exit 1
T0=$(date +%s)
log() { echo "[slurm-multinode +$(($(date +%s) - T0))s] $*"; }
fail() {
  echo "FAILED: $*" >&2
  for f in "$WORK"/log/*.log "$WORK"/munge/munged.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}
[ -n "${SST_CLUSTER:-}" ] || { echo "FAILED: not on a simulated cluster (cluster.sh run 2 -- $0)" >&2; exit 1; }
[ -n "${SST2_DIR:-}" ] || { echo "FAILED: SST2_DIR is not set" >&2; exit 1; }
reason=$(bash "$SRC/tests/slurm/prepare_slurm.sh" 2>&1 >/dev/null) || { echo "FAILED: ${reason##*$'\n'}" >&2; exit 1; }
# shellcheck source=tests/slurm/slurm_conf.sh
. "$SRC/tests/slurm/slurm_conf.sh"
on1() { "$SST_CLUSTER" exec 1 -- "$@"; }

WORK=$(mktemp -d /tmp/sstmn-slurm.XXXXXX)
chmod 755 "$WORK"
# On exit: cancel the jobs and stop the daemons (by their pid files) before their directories go; cluster.sh's
# teardown then kills anything left in the nodes.
cleanup() {
  local rc=$? pid pids=()
  trap - EXIT
  on1 scancel --quiet --full --user=root 2>/dev/null
  for f in "$WORK"/slurmd.sstnode*.pid "$WORK/slurmctld.pid" "$WORK/munge/munged.pid"; do
    pid=$(cat "$f" 2>/dev/null) && kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
mkdir -p "$WORK"/{munge,state,log} "$WORK"/spool/sstnode{1,2}

# ---- munge and the daemons ------------------------------------------------------------------------------
chown munge:munge "$WORK/munge"
SOCKET="$WORK/munge/munge.socket"
on1 runuser -u munge -- munged --socket="$SOCKET" --pid-file="$WORK/munge/munged.pid" \
  --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" --key-file=/etc/munge/munge.key ||
  fail "munged did not start"
for _ in $(seq 1 40); do [ -S "$SOCKET" ] && break; sleep 0.25; done
export SLURM_CONF="$WORK/slurm.conf"
{
  cat <<EOF
ClusterName=sstmn
SlurmctldHost=sstnode1
SlurmctldPort=6817
SlurmdPort=6818
SlurmdSpoolDir=$WORK/spool/%n
# Node-local scratch (PMIx puts its client directories there): per node, as /tmp would be on real nodes.
TmpFS=$WORK/spool/%n
SlurmdPidFile=$WORK/slurmd.%n.pid
SlurmdLogFile=$WORK/log/slurmd.%n.log
SlurmdParameters=config_overrides
PlugStackConfig=$WORK/plugstack.conf
NodeName=sstnode1 NodeAddr=10.77.0.1 CPUs=$(nproc) State=UNKNOWN
NodeName=sstnode2 NodeAddr=10.77.0.2 CPUs=$(nproc) State=UNKNOWN
PartitionName=sstmn Nodes=sstnode[1-2] Default=YES MaxTime=INFINITE State=UP
EOF
  slurm_conf_common "$SOCKET" "$WORK"
} >"$SLURM_CONF"
: >"$WORK/plugstack.conf"
on1 slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
for n in 1 2; do "$SST_CLUSTER" exec "$n" -- slurmd -f "$SLURM_CONF" -N "sstnode$n" || fail "slurmd on node $n"; done
for _ in $(seq 1 60); do
  [ "$(on1 sinfo -h -o %T 2>/dev/null | sort -u | xargs)" = idle ] && [ "$(on1 sinfo -h -N -o %N | wc -l)" = 2 ] && break
  sleep 1
done
[ "$(on1 sinfo -h -o %T 2>/dev/null | sort -u | xargs)" = idle ] || fail "nodes not idle: $(on1 sinfo -N 2>&1)"
log "Slurm up on 2 nodes: $(on1 sinfo -h -N -o '%N %T' | xargs)"

# ---- helpers --------------------------------------------------------------------------------------------
export SST_BIN_DIR=$BIN SST_SITE_ENV=/dev/null
# Every launcher's MPI traffic stays on the cluster's interface (mpirun inside the allocation, and the
# PMIx-started ranks' TCP transport).
export OMPI_MCA_btl_tcp_if_include=sstmn0 OMPI_MCA_oob_tcp_if_include=sstmn0
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
job_field() { on1 scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
wait_state() { # wait_state JOB SECONDS: until COMPLETED or a final failure state; prints it
  local end=$(($(date +%s) + $2)) s=""
  while [ "$(date +%s)" -lt "$end" ]; do
    s=$(job_field "$1" JobState)
    case "$s" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
    sleep 1
  done
  echo "$s"
}
summary_field() { python3 -c 'import json,sys; print(repr(json.load(open(sys.argv[1])).get(sys.argv[2])))' "$1" "$2"; }
DATA="$WORK/sst2.h5"
"$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$DATA" --vocab-size 2000 >"$WORK/prep.log" 2>&1 ||
  { cat "$WORK/prep.log"; fail "sst-prep failed"; }
ARGS=(--data "$DATA" --model.d_model=32 --model.layers=1 --model.heads=2 --model.ff_dim=64 --model.max_len=32
  --train.global_batch=16 --train.max_steps=400 --train.eval_every=100 --train.checkpoint_every=10
  --model.dropout=0)  # 390 steps after the first checkpoint: the window in which part 3's USR1 must land
submit() { # submit NAME [sbatch options...]: a two-node train.sbatch job of ARGS into $WORK/NAME
  local name=$1
  shift
  (cd "$SRC" && on1 sbatch --parsable -N 2 --ntasks-per-node=1 --output="$WORK/$name.out" "$@" \
    slurm/train.sbatch "${ARGS[@]}" --out-dir "$WORK/$name") | cut -d';' -f1
}
expect_two_nodes() { # the run's train.log places rank 0 on sstnode1 and rank 1 on sstnode2
  if ! grep -q "rank 0 of 2: host sstnode1, local rank 0 of 1" "$WORK/$1/train.log" ||
    ! grep -q "rank 1 of 2: host sstnode2, local rank 0 of 1" "$WORK/$1/train.log"; then
    cat "$WORK/$1.out"
    fail "$1: ranks not one per node: $(grep '^rank ' "$WORK/$1/train.log")"
  fi
}

# ---- 1 and 2: srun --mpi=pmix, then mpirun inside the allocation ------------------------------------------
for launcher in srun mpirun; do
  job=$(SST_LAUNCHER=$launcher submit "$launcher") || fail "sbatch failed"
  state=$(wait_state "$job" 300)
  [ "$state" = COMPLETED ] || { cat "$WORK/$launcher.out"; fail "$launcher job $job: $state"; }
  grep -q "$launcher: 2 rank(s)" "$WORK/$launcher.out" || { cat "$WORK/$launcher.out"; fail "not launched by $launcher"; }
  expect_two_nodes "$launcher"
  log "part $([ $launcher = srun ] && echo 1 || echo 2) passed: sbatch -N 2 --ntasks-per-node=1 with $launcher," \
    "one rank per node, $(summary_field "$WORK/$launcher/summary.json" status)"
done

# ---- 3: preempted on two nodes, requeued, resumed ----------------------------------------------------------
job=$(submit preempt) || fail "sbatch failed"
signalled=0
for _ in $(seq 1 600); do
  if ls "$WORK"/preempt/checkpoints/step_*.pt >/dev/null 2>&1 && [ "$(job_field "$job" JobState)" = RUNNING ]; then
    on1 scancel --signal=USR1 --batch "$job" && signalled=1
    break
  fi
  [ -f "$WORK/preempt/summary.json" ] && break
  sleep 0.1
done
[ "$signalled" = 1 ] || fail "job $job finished or never checkpointed before it could be preempted"
state=$(wait_state "$job" 300)
[ "$state" = COMPLETED ] || { cat "$WORK/preempt.out"; fail "preempted job $job: $state"; }
grep -q "checkpointed (exit 75): scontrol requeue $job" "$WORK/preempt.out" ||
  { cat "$WORK/preempt.out"; fail "no exit-75 requeue in the job log"; }
[ "$(job_field "$job" Restarts)" -ge 1 ] || fail "job $job was not requeued"
grep -q "resumed from" "$WORK/preempt/train.log" || fail "the requeued job did not resume"
expect_two_nodes preempt
for key in status steps best_dev_loss best_dev_acc final_dev_loss final_dev_acc final_train_loss tokens_processed; do
  a=$(summary_field "$WORK/srun/summary.json" "$key") b=$(summary_field "$WORK/preempt/summary.json" "$key")
  [ "$a" = "$b" ] || fail "preempted run differs from the uninterrupted one: $key $b vs $a"
done
log "part 3 passed: preempted at step $(sed -n 's/.*checkpointed at step \([0-9]*\).*/\1/p' "$WORK/preempt/train.log" | head -1)," \
  "requeued, resumed on two nodes, identical summary"

# ---- 4: a sweep job array spread over both nodes ------------------------------------------------------------
out=$(on1 "$SRC/slurm/submit_sweep.sh" "$SRC/configs/sweeps/ci_tiny.ini" --sweep-dir "$WORK/sweep" --data "$DATA" \
  --throttle 2 2>&1) || { echo "$out"; fail "submit_sweep.sh failed"; }
agg=$(echo "$out" | sed -n 's/^AGGREGATE_JOB_ID=//p')
[ -n "$agg" ] || { echo "$out"; fail "no aggregation job id"; }
state=$(wait_state "$agg" 600)
[ "$state" = COMPLETED ] || fail "sweep aggregation job $agg: $state"
[ "$(tail -n +2 "$WORK/sweep/sweep.csv" | wc -l)" = 4 ] || fail "sweep.csv should have 4 rows"
tail -n +2 "$WORK/sweep/sweep.csv" | awk -F, '$14 != "completed" && $14 != "early_stopped" { bad = 1 } END { exit bad }' ||
  fail "sweep.csv: not every point finished: $(cat "$WORK/sweep/sweep.csv")"
hosts=$(sed -n 's/^rank 0 of 2: host \(sstnode[0-9]*\),.*/\1/p' "$WORK"/sweep/runs/*/train.log | sort | uniq -c | xargs)
case "$hosts" in *sstnode1*sstnode2*) ;; *) fail "the sweep's points did not spread over both nodes: $hosts" ;; esac
log "part 4 passed: the ci_tiny sweep as a job array, 4 points completed, rank 0 hosts: $hosts"
log PASSED
