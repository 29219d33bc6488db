# shellcheck shell=bash
# Sourced by slurm/train.sbatch and slurm/sweep.sbatch (inside the allocation): site setup, and
# sst_run, which launches sst-train over the allocation's tasks, forwards Slurm's warning signal, and
# requeues the job when sst-train checkpointed after it (exit 75).
#
# Variables (from the submitting environment, slurm/site.env, or the job's --export):
#   SST_ROOT       the repository (default: $SLURM_SUBMIT_DIR)
#   SST_BIN_DIR    the binaries (default: $SST_ROOT/build/bin)
#   SST_SITE_ENV   an env file sourced first (default: $SST_ROOT/slurm/site.env if it exists)
#   SST_MODULES    environment modules to load, e.g. "gcc/12 openmpi/4.1 cuda/12.2" (needs `module`)
#   SST_LAUNCHER   srun (default: srun --mpi=$SST_SRUN_MPI) | mpirun (OpenMPI's mpirun inside the allocation)
#   SST_SRUN_MPI   the srun MPI plugin (default pmix; `srun --mpi=list` shows the site's)
#   SST_MPIRUN_ARGS extra mpirun arguments (SST_LAUNCHER=mpirun)
#   SST_THREADS    intra-op threads per rank (default: $SLURM_CPUS_PER_TASK, else 1)

SST_ROOT=${SST_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
SST_SITE_ENV=${SST_SITE_ENV:-$SST_ROOT/slurm/site.env}
# shellcheck disable=SC1090
[ ! -f "$SST_SITE_ENV" ] || source "$SST_SITE_ENV"
if [ -n "${SST_MODULES:-}" ]; then
  # shellcheck disable=SC1091  # the site's environment-modules init, if it has one
  if ! command -v module >/dev/null 2>&1 && [ -f /etc/profile.d/modules.sh ]; then source /etc/profile.d/modules.sh; fi
  # shellcheck disable=SC2086
  module load $SST_MODULES || { echo "sst: 'module load $SST_MODULES' failed" >&2; exit 1; }
fi
SST_BIN_DIR=${SST_BIN_DIR:-$SST_ROOT/build/bin}
SST_LAUNCHER=${SST_LAUNCHER:-srun}
SST_SRUN_MPI=${SST_SRUN_MPI:-pmix}
SST_THREADS=${SST_THREADS:-${SLURM_CPUS_PER_TASK:-1}}
[ -x "$SST_BIN_DIR/sst-train" ] || { echo "sst: $SST_BIN_DIR/sst-train not found (set SST_BIN_DIR or SST_ROOT)" >&2; exit 1; }

sst_log() { echo "[$(date -Is) job ${SLURM_JOB_ID:-?}${SLURM_ARRAY_TASK_ID:+ task $SLURM_ARRAY_TASK_ID} restart ${SLURM_RESTART_COUNT:-0}] $*"; }

# sst_run RUN_DIR SST_TRAIN_ARGS...   (the args should contain --resume auto)
# Exit status: sst-train's; 75 after a stop signal, in which case the job has been requeued (unless the job
# itself is being cancelled: SIGTERM without the warning signal first).
sst_run() {
  local run_dir=$1; shift
  local cmd=()
  case "$SST_LAUNCHER" in
    srun) cmd=(srun --mpi="$SST_SRUN_MPI" --kill-on-bad-exit=1 "$SST_BIN_DIR/sst-train") ;;
    mpirun)
      [ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
      # shellcheck disable=SC2206
      cmd=(mpirun -np "${SLURM_NTASKS:-1}" --bind-to none -x OMP_NUM_THREADS="$SST_THREADS" -x OMP_WAIT_POLICY ${SST_MPIRUN_ARGS:-}
           "$SST_BIN_DIR/sst-train") ;;
    *) echo "sst: SST_LAUNCHER must be srun or mpirun, got '$SST_LAUNCHER'" >&2; return 1 ;;
  esac
  export OMP_NUM_THREADS=$SST_THREADS
  # Idle OpenMP threads sleep rather than spin against OpenBLAS's threads (see launch/train.sh).
  export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
  mkdir -p "$run_dir"
  rm -f "$run_dir/.sweep_failed"
  echo "$(hostname -s) $$ ${SLURM_JOB_ID:-}" > "$run_dir/.sweep_running"

  # The warning signal (#SBATCH --signal=B:USR1@120, or scancel --signal=USR1 --batch) reaches this shell
  # only: forward it to the launcher, which forwards it to every rank; they checkpoint and exit 75.
  local child="" warned=0 terminated=0
  trap 'warned=1; sst_log "SIGUSR1: asking sst-train to checkpoint"; [ -z "$child" ] || kill -USR1 "$child" 2>/dev/null' USR1
  trap 'terminated=1; sst_log "SIGTERM"; [ -z "$child" ] || kill -USR1 "$child" 2>/dev/null' TERM
  sst_log "$SST_LAUNCHER: ${SLURM_NTASKS:-1} rank(s) on ${SLURM_JOB_NUM_NODES:-1} node(s), $SST_THREADS thread(s)/rank: sst-train $*"
  "${cmd[@]}" "$@" "--train.threads=$SST_THREADS" &
  child=$!
  local rc=0
  while :; do
    rc=0; wait "$child" || rc=$?
    kill -0 "$child" 2>/dev/null || break  # gone: rc is its status (or the trap's 128+n, fixed below)
  done
  if [ "$rc" -gt 128 ]; then wait "$child" 2>/dev/null; local r2=$?; [ "$r2" = 127 ] || rc=$r2; fi
  trap - USR1 TERM
  rm -f "$run_dir/.sweep_running"
  case $rc in
    0) sst_log "sst-train finished" ;;
    75)
      if [ "$terminated" = 1 ] && [ "$warned" = 0 ]; then
        sst_log "sst-train checkpointed after SIGTERM (job cancelled or preempted by Slurm); not requeueing myself"
      else
        sst_log "sst-train checkpointed (exit 75): scontrol requeue $SLURM_JOB_ID"
        scontrol requeue "$SLURM_JOB_ID" || sst_log "scontrol requeue failed; resubmit to continue (--resume auto)"
      fi ;;
    *) echo "$rc" > "$run_dir/.sweep_failed"; sst_log "sst-train failed (exit $rc)" ;;
  esac
  return "$rc"
}
