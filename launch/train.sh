#!/usr/bin/env bash
# A thin mpirun wrapper for sst-train on one workstation.
#   launch/train.sh [-n RANKS] SST_TRAIN_ARGS...      (RANKS also from $RANKS; default 2)
# Sets intra-op threads per rank = cores / ranks (unless --train.threads is given), adds the root
# flags OpenMPI needs only when run as root, and --oversubscribe only when ranks > cores.
# SIGTERM, SIGINT and SIGUSR1 to this script reach the ranks as SIGUSR1 (mpirun forwards it; a
# SIGTERM to mpirun itself would tear the job down): they checkpoint at the next step and the script
# exits 75 like sst-train ("checkpointed, please requeue"). A signal at any moment counts: one that
# comes before every rank can handle it (mpirun starting, a rank still loading its libraries) is held
# and forwarded once sst-train says it is ready (launch/stop_forward.sh).
set -euo pipefail
stop=0
trap 'stop=1' TERM INT USR1
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RANKS=${RANKS:-2}
if [ "${1:-}" = "-n" ]; then RANKS=$2; shift 2; fi
case "$RANKS" in ''|*[!0-9]*|0) echo "train.sh: -n needs a positive number of ranks, got '$RANKS'" >&2; exit 2 ;; esac
SST_TRAIN=${SST_TRAIN:-$ROOT/build/bin/sst-train}
[ -x "$SST_TRAIN" ] || { echo "train.sh: $SST_TRAIN not found; run launch/build.sh first" >&2; exit 2; }

cores=$(nproc)
threads=$(( cores / RANKS )); [ "$threads" -ge 1 ] || threads=1
extra=()
case " $* " in *" --train.threads"*) ;; *) extra+=(--train.threads="$threads") ;; esac

# PASSIVE: OpenMP threads sleep between parallel regions instead of spinning; spinning threads
# steal the cores OpenBLAS's own GEMM threads need (measured: 1 rank x 2 threads, small config,
# 490 -> 700 examples/s; see bench/RESULTS.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# OPENBLAS_NUM_THREADS: a pthread OpenBLAS (Debian 13's) ignores torch's thread count and would put its
# own GEMM threads on the other ranks' cores (15x slower on 2 cores, tiny, 2 ranks).
mpi_flags=(-np "$RANKS" --bind-to none -x OMP_NUM_THREADS="$threads" -x OPENBLAS_NUM_THREADS="$threads" -x OMP_WAIT_POLICY)
[ "$RANKS" -le "$cores" ] || mpi_flags+=(--oversubscribe)
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# shellcheck source=launch/stop_forward.sh
source "$ROOT/launch/stop_forward.sh"
stop_forward_prepare "${TMPDIR:-/tmp}" || exit 1
# mpirun in its own process group, so a terminal's Ctrl-C reaches only this script.
set -m
STOP_BANNER_FILTER=1
mpirun "${mpi_flags[@]}" -x SST_STOP_READY_FILE "$SST_TRAIN" "$@" "${extra[@]}" 2> >(stop_banner_filter >&2) &
child=$!
set +m
rc=0
stop_forward_wait "$child" || rc=$?
exit "$rc"
