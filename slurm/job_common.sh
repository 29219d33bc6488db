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
# GPU jobs (SLURM_GPUS_ON_NODE > 0): one rank per GPU; see sst_gpu_args.

# Slurm's warning signal (#SBATCH --signal=B:USR1@120, or scancel --signal=USR1 --batch) and SIGTERM may
# come at any moment, even while this file is still being read: only noted here; sst_run forwards them
# (launch/stop_forward.sh) once sst-train can checkpoint.
SST_STOP_WARNED=0 SST_STOP_TERMINATED=0 stop=0
trap 'SST_STOP_WARNED=1 stop=1' USR1
trap 'SST_STOP_TERMINATED=1 stop=1' TERM
SST_ROOT=${SST_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
# The markers are written through safe_write (no write through a link planted in a run directory).
# shellcheck source=launch/safe_write.sh
source "$SST_ROOT/launch/safe_write.sh"
# shellcheck source=launch/stop_forward.sh
source "$SST_ROOT/launch/stop_forward.sh"
# shellcheck source=launch/own_children.sh
source "$SST_ROOT/launch/own_children.sh"
SAFE_WRITE_PROG=sst
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

# sst_gpu_args SST_TRAIN_ARGS...: in a job with GPUs, logs GPUs and ranks per node (a warning when they
# differ: more ranks than GPUs share one through the MPI host-staging fallback, fewer leave GPUs idle) and
# prints --train.device=cuda unless the arguments choose a device, so that a CPU-only LibTorch build fails
# instead of silently training on the CPU. Prints nothing in a CPU job.
sst_gpu_args() {
  local gpus=${SLURM_GPUS_ON_NODE:-0}
  case "$gpus" in ''|*[!0-9]*|0) return 0 ;; esac
  # SLURM_TASKS_PER_NODE is e.g. "4(x2)" or "4,3": the batch node's count comes first.
  local tasks=${SLURM_NTASKS_PER_NODE:-${SLURM_TASKS_PER_NODE:-1}}
  tasks=${tasks%%[(,]*}
  sst_log "GPU job: $gpus GPU(s), $tasks rank(s), $SST_THREADS thread(s) per rank on this node (CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset})" >&2
  [ "$tasks" = "$gpus" ] || sst_log "warning: $tasks rank(s) per node but $gpus GPU(s): use --ntasks-per-node=$gpus for one rank per GPU" >&2
  case " $* " in *" --train.device"*) ;; *) echo "--train.device=cuda" ;; esac
}

# sst_run RUN_DIR SST_TRAIN_ARGS...   (the args should contain --resume auto)
# Exit status: sst-train's; 75 after a stop signal, in which case the job has been requeued (unless the job
# itself is being cancelled: SIGTERM without the warning signal first).
sst_run() {
  local run_dir=$1; shift
  local cmd=()
  case "$SST_LAUNCHER" in
    srun)
      # Slurm >= 22.05: srun no longer inherits sbatch's --cpus-per-task; this keeps one count per rank.
      [ -z "${SLURM_CPUS_PER_TASK:-}" ] || export SRUN_CPUS_PER_TASK=${SRUN_CPUS_PER_TASK:-$SLURM_CPUS_PER_TASK}
      cmd=(srun --mpi="$SST_SRUN_MPI" --kill-on-bad-exit=1 "$SST_BIN_DIR/sst-train") ;;
    mpirun)
      [ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
      # shellcheck disable=SC2206
      cmd=(mpirun -np "${SLURM_NTASKS:-1}" --bind-to none -x OMP_NUM_THREADS="$SST_THREADS" -x OPENBLAS_NUM_THREADS="$SST_THREADS"
           -x OMP_WAIT_POLICY -x SST_STOP_READY_FILE ${SST_MPIRUN_ARGS:-}
           "$SST_BIN_DIR/sst-train") ;;
    *) echo "sst: SST_LAUNCHER must be srun or mpirun, got '$SST_LAUNCHER'" >&2; return 1 ;;
  esac
  # A pthread OpenBLAS ignores torch's thread count; without this its threads take other ranks' cores.
  export OMP_NUM_THREADS=$SST_THREADS OPENBLAS_NUM_THREADS=$SST_THREADS
  # Idle OpenMP threads sleep rather than spin against OpenBLAS's threads (see launch/train.sh).
  export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
  mkdir -p "$run_dir"
  rm -f "$run_dir/.sweep_failed"
  # HOST PID START JOBID (START: /proc/PID/stat's start time, so a reused PID is never taken for this job)
  echo "$(hostname -s) $$ $(proc_start_time $$) ${SLURM_JOB_ID:-}" | safe_write "$run_dir/.sweep_running" || return 1
  safe_check "$run_dir/.sweep_failed" || { rm -f "$run_dir/.sweep_running"; return 1; }

  # The warning signal reaches this shell only: forwarded to the launcher, which passes it to every rank;
  # they checkpoint and exit 75. The ready file is in the run directory, which rank 0 sees on any node.
  trap 'SST_STOP_WARNED=1 stop=1; sst_log "SIGUSR1: asking sst-train to checkpoint"' USR1
  trap 'SST_STOP_TERMINATED=1 stop=1; sst_log "SIGTERM"' TERM
  stop_forward_prepare "$run_dir" || { rm -f "$run_dir/.sweep_running"; return 1; }
  sst_log "$SST_LAUNCHER: ${SLURM_NTASKS:-1} rank(s) on ${SLURM_JOB_NUM_NODES:-1} node(s), $SST_THREADS thread(s)/rank: sst-train $*"
  local gpu_args
  mapfile -t gpu_args < <(sst_gpu_args "$@")
  if [ "$SST_LAUNCHER" = mpirun ]; then  # a clean stop ends with one line, not mpirun's banner
    STOP_BANNER_FILTER=1
    "${cmd[@]}" "$@" "${gpu_args[@]+"${gpu_args[@]}"}" "--train.threads=$SST_THREADS" 2> >(stop_banner_filter >&2) &
  else
    "${cmd[@]}" "$@" "${gpu_args[@]+"${gpu_args[@]}"}" "--train.threads=$SST_THREADS" &
  fi
  local rc=0
  stop_forward_wait "$!" || rc=$?
  trap - USR1 TERM
  rm -f "$run_dir/.sweep_running"
  case $rc in
    0) sst_log "sst-train finished" ;;
    75)
      if [ "$SST_STOP_TERMINATED" = 1 ] && [ "$SST_STOP_WARNED" = 0 ]; then
        sst_log "sst-train checkpointed after SIGTERM (job cancelled or preempted by Slurm); not requeueing myself"
      else
        sst_log "sst-train checkpointed (exit 75): scontrol requeue $SLURM_JOB_ID"
        scontrol requeue "$SLURM_JOB_ID" || sst_log "scontrol requeue failed; resubmit to continue (--resume auto)"
      fi ;;
    *) echo "$rc" | safe_write "$run_dir/.sweep_failed" || true; sst_log "sst-train failed (exit $rc)" ;;
  esac
  return "$rc"
}
