#!/usr/bin/env bash
# The GPU path checked in ONE call on a CUDA machine (docs/gpu.md): configures against the pip torch's
# LibTorch and the nvidia-nccl wheel, builds only what it runs (test_gpu, sst-train, sst-prep,
# mpi_allreduce_check; build-device/), makes the data file, then with 2+ GPUs first the cross-rank NCCL
# checks on all of them, then `ctest -L gpu`, then the GPU benchmark (bench/gpu_bench.sh: xl -> tiny,
# fp32 and bf16, against the eager-PyTorch reference) planned from the time left, and writes every log
# and result under $OUT. Libraries that machine lacks come from .device/debs (Debian 12 packages made by
# tests/gpu/prepare_device_deps.sh), unpacked with dpkg -x into a prefix the build is pointed at; their
# LD_LIBRARY_PATH is given to the commands that need it (CMake, the build, the tests, mpirun, the
# project's binaries), never exported to the rest (Python, the report).
# Usage: bash tests/gpu/device_check.sh [--dry-run]
#   --dry-run  no GPU needed: the same steps on CPU (the gpu tests skip with their reasons, the cross-rank
#              checks run on CPU ranks through MPI when SST_CHECK_GPUS >= 2, the benchmark runs tiny on CPU,
#              fp32 + bf16 when the option exists); how CI tests this script (tests/gpu/dry_run_plan_test.sh).
# Environment (defaults):
#   OUT             results (build-device/check/out). At most 8 files come back from a GPU call, so: summary.txt,
#                   environment.txt, ctest_gpu.log, bench.json, bench.md, logs.tar.gz (everything else)
#   SST_DEVICE_DIR  what prepare_device_deps.sh made (.device): debs/ (without it: the system's packages)
#                   and sst2/ (else SST2_DIR)
#   SST_CHECK_BUDGET_S  the whole check's wall-clock budget (540; one device call may last 600); the
#                   benchmark gets what the build and tests leave, less 35 s for packing the results
#   SST_DEVICE_BUILD  the build folder in the repository (build-device)
#   JOBS (nproc)    TORCH_CMAKE_PREFIX (the python torch's torch.utils.cmake_prefix_path)
#   BENCH_CONFIGS   configs to benchmark, most important first (on a GPU xl, xl@1024 (batch 1024), large,
#                   medium, small, tiny; configs/tiny.ini in a dry run)
# For testing the plan without a GPU (a fake machine and a fake clock; both work in a real run too):
#   SST_CHECK_GPUS  the GPU count the plan assumes (on a GPU: torch's device count; in a dry run 0). With
#                   2+ the cross-rank checks run first, one rank per GPU (in a dry run: CPU ranks, MPI)
#   SST_CHECK_BENCH_LEFT_S  the seconds the benchmark is told it has left (at most what is really left)
# Exit status: 0 when every step that ran passed (benchmark rows the time did not reach are "not run",
# listed, and no failure), 1 otherwise (summary.txt says which).
# shellcheck disable=SC2317  # functions that run through step() and the EXIT trap
set -uo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO" || exit 1
DRY_RUN=0
case "${1:-}" in
  --dry-run) DRY_RUN=1 ;;
  "") ;;
  *) echo "usage: tests/gpu/device_check.sh [--dry-run]" >&2; exit 2 ;;
esac
T0=$(date +%s)
BUDGET=${SST_CHECK_BUDGET_S:-540}
# The tree at the depth of build/: with ccache's relative paths a dry run after launch/build.sh hits.
BUILD=$REPO/${SST_DEVICE_BUILD:-build-device}
WORK=$BUILD/check              # logs, the unpacked packages, the data file, the benchmark runs
OUT=$(realpath -m "${OUT:-$WORK/out}")
LOGS=$WORK/logs
DEV=$(realpath -m "${SST_DEVICE_DIR:-$REPO/.device}")
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT" "$LOGS"
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
FAILED=0
elapsed() { echo $(($(date +%s) - T0)); }
say() { echo "device_check [+$(elapsed)s] $*" | tee -a "$SUMMARY"; }
# step NAME LOG COMMAND...: runs one step with its output in LOG; records ok / FAILED and its time. No
# step runs past the budget (less 30 s for packing the results): the call must return them.
step() {
  local name=$1 logf=$2 t rc=0
  shift 2
  t=$(date +%s)
  local left=$((T0 + BUDGET - 30 - t))
  [ "$left" -gt 0 ] || left=1
  if declare -F "$1" >/dev/null; then "$@" >"$logf" 2>&1 || rc=$?  # a function here (no timeout for it)
  else timeout "$left" "$@" >"$logf" 2>&1 || rc=$?; fi
  [ "$rc" -ne 124 ] || echo "device_check: stopped at the end of the time budget" >>"$logf"
  if [ "$rc" -eq 0 ]; then say "$name: ok ($(($(date +%s) - t)) s)"
  else FAILED=1; say "$name: FAILED (exit $rc, $(($(date +%s) - t)) s; last lines of $(basename "$logf"):)"
       tail -n 15 "$logf" | sed 's/^/    /' | tee -a "$SUMMARY"; fi
  return "$rc"
}
finish() {
  cp "$LOGS/ctest_gpu.log" "$OUT/ctest_gpu.log" 2>/dev/null
  for f in bench.json bench.md; do cp "$WORK/bench/$f" "$OUT/$f" 2>/dev/null; done
  local parts=(logs)
  [ -d "$WORK/bench" ] && parts+=(bench)
  tar -czf "$OUT/logs.tar.gz" -C "$WORK" "${parts[@]}" 2>/dev/null
  local not_run
  not_run=$(awk -F'\t' '$4 ~ /^not run/' "$WORK/bench/runs.tsv" 2>/dev/null | wc -l)
  say "done: $([ "$FAILED" -eq 0 ] && echo "every step that ran passed" || echo "some step FAILED")$(
    [ "$not_run" -eq 0 ] || echo " ($not_run benchmark runs not run: the time budget)"); results in $OUT"
  exit "$FAILED"
}
trap finish EXIT
say "mode: $([ "$DRY_RUN" -eq 1 ] && echo "dry run (CPU)" || echo GPU), budget ${BUDGET} s, $JOBS jobs"

# ---- 1. the machine ---------------------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import torch' 2>/dev/null || { [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3; }
PYTHON=$(command -v "$PYTHON") || PYTHON=python3  # a path: the carried packages go first on PATH below
{
  echo "== $(uname -srm), $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/{print $2 " GiB"}')"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1 || echo "no nvidia-smi"
  nvcc --version 2>&1 | tail -n 2 || echo "no nvcc"
  for tool in g++ cmake ninja ccache; do echo "$tool: $($tool --version 2>&1 | head -n 1)"; done
  "$PYTHON" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__,
    "cuda", torch.version.cuda, "gpu", torch.cuda.is_available() and torch.cuda.get_device_name(0))' 2>&1
  "$PYTHON" -c 'import nvidia.nccl as n; print("nvidia-nccl wheel:", list(n.__path__)[0])' 2>&1
  for d in $("$PYTHON" -c 'import nvidia; print(*nvidia.__path__)' 2>/dev/null); do
    find "$d" -maxdepth 4 \( -name nccl.h -o -name 'libnccl.so*' \) 2>/dev/null
  done
  echo "glibc: $(ldd --version 2>&1 | head -n 1); os: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  for tool in gcc dpkg ar mpirun pkg-config h5cc; do echo "$tool: $(command -v "$tool" || echo none)"; done
} >"$OUT/environment.txt" 2>&1
say "$(head -n 1 "$OUT/environment.txt" | cut -c4-); $(grep -m1 '^python' "$OUT/environment.txt")"
if [ "$DRY_RUN" -eq 0 ] && ! "$PYTHON" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' 2>/dev/null; then
  say "no CUDA GPU visible to $PYTHON's torch: run with --dry-run on a machine without one"
  FAILED=1; exit
fi
# The GPUs the plan is for: 2+ run the cross-rank NCCL checks first, one rank per GPU.
if [ -n "${SST_CHECK_GPUS:-}" ]; then
  case "$SST_CHECK_GPUS" in ''|*[!0-9]*) say "SST_CHECK_GPUS='$SST_CHECK_GPUS' must be a number >= 0"; FAILED=1; exit ;; esac
  GPUS=$SST_CHECK_GPUS GPUS_FROM="SST_CHECK_GPUS"
elif [ "$DRY_RUN" -eq 1 ]; then GPUS=0 GPUS_FROM="dry run"
else GPUS=$("$PYTHON" -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 1) GPUS_FROM="torch"; fi

# ---- 2. the libraries: Debian 12 packages unpacked into a prefix, pointed at by the environment -------
CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Release)
prefix_paths=()
RUN_LIBS=""  # folders for LD_LIBRARY_PATH, given only to the commands that need them (LIBENV, below)
TORCH_CMAKE_PREFIX=${TORCH_CMAKE_PREFIX:-$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)}
if [ -f "$TORCH_CMAKE_PREFIX/Torch/TorchConfig.cmake" ]; then
  # Its install prefix too (TORCH_CMAKE_PREFIX is PREFIX/share/cmake): TorchConfig finds its libraries
  # through the prefix path, and a system LibTorch (Debian's, in /usr/lib) would otherwise come first.
  prefix_paths+=("$TORCH_CMAKE_PREFIX" "$(realpath -m "$TORCH_CMAKE_PREFIX/../..")")
else say "LibTorch: no TorchConfig.cmake under '$TORCH_CMAKE_PREFIX'; CMake searches the system (e.g. Debian's libtorch-dev)"; fi
if compgen -G "$DEV/debs/*.deb" >/dev/null; then
  P=$WORK/deps
  unpack() {
    # Unpacked already from the same packages (a rerun of the dry run): nothing to do.
    if cmp -s "$DEV/debs/PACKAGES.txt" "$P/.packages" 2>/dev/null; then echo "already unpacked in $P"; return 0; fi
    rm -rf "$P" && mkdir -p "$P" || return 1
    local d member z
    for d in "$DEV"/debs/*.deb; do
      if command -v dpkg >/dev/null; then dpkg -x "$d" "$P" || return 1; continue; fi
      member=$(ar t "$d" | grep '^data\.tar') || return 1  # no dpkg: a .deb is an ar archive
      case "$member" in *.xz) z=-J ;; *.zst) z=--zstd ;; *.gz) z=-z ;; *) z=--auto-compress ;; esac
      ar p "$d" "$member" | tar -x "$z" -C "$P" -f - || return 1
    done
    # Absolute links (e.g. lib*.so -> /lib/x86_64-linux-gnu/...) would point out of the prefix.
    find "$P" -type l -lname '/*' | while read -r link; do
      [ ! -e "$P$(readlink "$link")" ] || ln -sfn "$P$(readlink "$link")" "$link"
    done
    # mpicc, mpirun, ... are update-alternatives links, made by a postinst that dpkg -x does not run.
    for d in "$P"/usr/bin/*.openmpi; do
      [ -e "${d%.openmpi}" ] || ln -s "$(basename "$d")" "${d%.openmpi}"
    done
    cp "$DEV/debs/PACKAGES.txt" "$P/.packages" 2>/dev/null
    echo "unpacked $(find "$DEV/debs" -name '*.deb' | wc -l) packages into $P"
  }
  step "unpack .device/debs (dpkg -x)" "$LOGS/unpack.log" unpack || exit
  A=$P/usr/lib/x86_64-linux-gnu
  export PATH=$P/usr/bin:$PATH
  RUN_LIBS=$A:$A/openmpi/lib:$P/lib/x86_64-linux-gnu
  export OPAL_PREFIX=$P/usr              # OpenMPI: its components, help files and wrapper data under P
  export PKG_CONFIG_LIBDIR=$A/pkgconfig:$P/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$P
  # The compiler searches /usr/include/x86_64-linux-gnu by itself, not its twin in P (OpenSSL's headers).
  export CPATH=$P/usr/include/x86_64-linux-gnu${CPATH:+:$CPATH}
  prefix_paths+=("$P/usr")
  CMAKE_ARGS+=(-DPKG_CONFIG_EXECUTABLE="$P/usr/bin/pkgconf" -DMPI_C_COMPILER="$P/usr/bin/mpicc"
               -DHDF5_ROOT="$A/hdf5/serial" -DHDF5_C_COMPILER_EXECUTABLE=HDF5_C_COMPILER_EXECUTABLE-NOTFOUND
               -DHDF5_CXX_COMPILER_EXECUTABLE=HDF5_CXX_COMPILER_EXECUTABLE-NOTFOUND)
else
  say "no $DEV/debs: the system's packages (tests/gpu/prepare_device_deps.sh makes them)"
fi
# NCCL: NCCL_ROOT, else nccl.h and libnccl.so* wherever the nvidia-nccl wheel put them (its layout
# differs between CUDA versions), passed to CMake as the results of its searches.
if [ -z "${NCCL_ROOT:-}" ]; then
  wheel_dirs=$("$PYTHON" -c 'import nvidia; print(*nvidia.__path__)' 2>/dev/null)
  if [ -n "$wheel_dirs" ]; then
    # shellcheck disable=SC2086  # a list of folders
    nccl_h=$(find $wheel_dirs -name nccl.h -path '*nccl*' 2>/dev/null | head -n 1)
    # shellcheck disable=SC2086
    nccl_so=$(find $wheel_dirs -name 'libnccl.so*' 2>/dev/null | sort | head -n 1)
    if [ -n "$nccl_h" ] && [ -n "$nccl_so" ]; then
      CMAKE_ARGS+=(-DNCCL_INCLUDE_DIR="$(dirname "$nccl_h")" -DNCCL_LIBRARY="$nccl_so")
      RUN_LIBS=$(dirname "$nccl_so")${RUN_LIBS:+:$RUN_LIBS}
      say "NCCL from the wheel: $nccl_h, $nccl_so"
    fi
  fi
fi
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=$PATH:/usr/local/cuda/bin; fi
# CMake 4 refuses packages written for CMake < 3.5; Debian 12's are older than CMake 4.
case "$(cmake --version 2>/dev/null | head -n 1)" in *" "[4-9].*) CMAKE_ARGS+=(-DCMAKE_POLICY_VERSION_MINIMUM=3.5) ;; esac
[ ${#prefix_paths[@]} -eq 0 ] || CMAKE_ARGS+=("-DCMAKE_PREFIX_PATH=$(IFS=';'; echo "${prefix_paths[*]}")")
# launch/build.sh's generator (Ninja where installed, or the folder's own), and with ccache (here) its launcher
# and cache, so that its cache hits.
# shellcheck source=launch/generator.sh
source "$REPO/launch/generator.sh"
CMAKE_ARGS+=(-G "$(sst_generator "$BUILD")")
if command -v ccache >/dev/null; then
  # shellcheck source=launch/cache_dir.sh
  source "$REPO/launch/cache_dir.sh"
  export CCACHE_BASEDIR=$REPO
  CMAKE_ARGS+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$(sst_ccache_launcher)" -DCMAKE_C_COMPILER_LAUNCHER="$(sst_ccache_launcher)")
fi
# Hopper (sm_90) only: the H200's. Given, TorchConfig does not probe for a GPU with a CUDA test program
# (which fails without one, in a dry run, and under C++20).
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
CMAKE_ARGS+=(-DCMAKE_CUDA_ARCHITECTURES="${CMAKE_CUDA_ARCHITECTURES:-90}")
# C++20: LibTorch's newest headers require it (issue 24); launch/cuda_libtorch_tests.sh builds the same way.
CMAKE_ARGS+=(-DCMAKE_CXX_STANDARD="${SST_CXX_STANDARD:-20}")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -z "${SST2_DIR:-}" ] && [ -f "$DEV/sst2/train.tsv" ] && export SST2_DIR=$DEV/sst2
# `"${LIBENV[@]}" COMMAND`: COMMAND with the carried libraries first on its LD_LIBRARY_PATH. Only CMake
# (mpicc), the build (it runs the test binaries to list their tests), ctest, mpirun and the project's
# binaries get it; Python (the reference, the report) and the rest run with the caller's environment.
LIBENV=(env)
[ -z "$RUN_LIBS" ] || LIBENV+=("LD_LIBRARY_PATH=$RUN_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
[ -z "$RUN_LIBS" ] || say "libraries for the project's commands only: LD_LIBRARY_PATH=$RUN_LIBS:..."

# ---- 3. configure and build --------------------------------------------------------------------------
step configure "$LOGS/configure.log" "${LIBENV[@]}" cmake -S "$REPO" -B "$BUILD" "${CMAKE_ARGS[@]}" || exit
say "$(grep -m1 'sst: Torch' "$LOGS/configure.log" | sed 's/^-- //')"
if [ "$DRY_RUN" -eq 0 ] && ! grep -q 'NCCL communicator: ON' "$LOGS/configure.log"; then
  say "the NCCL communicator is not compiled (no CUDA toolkit, or no nccl.h / libnccl: set NCCL_ROOT)"
  FAILED=1
fi
# Only what this check runs: the gpu tests (test_gpu) and the programs they and the steps below start.
step "build ($JOBS jobs)" "$LOGS/build.log" "${LIBENV[@]}" cmake --build "$BUILD" -j"$JOBS" \
  --target test_gpu sst-train sst-prep mpi_allreduce_check || exit
warnings=$(grep -c 'warning:' "$LOGS/build.log")
[ "$warnings" -eq 0 ] || say "the build printed $warnings warning line(s) (logs/build.log)"

# ---- 4. the data ----------------------------------------------------------------------------------------
BIN=$BUILD/bin
DATA=$WORK/sst2.h5
if [ ! -f "$DATA" ]; then
  if [ -f "${SST2_DIR:-}/train.tsv" ]; then
    step "sst-prep" "$LOGS/sst-prep.log" "${LIBENV[@]}" "$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$DATA" || exit
  else
    say "no SST-2 (neither $DEV/sst2 nor SST2_DIR): no benchmark"; FAILED=1; exit
  fi
fi
MPIRUN=("${LIBENV[@]}" mpirun --bind-to none --oversubscribe -x OPENBLAS_NUM_THREADS=1)
# mpirun_train NAME LOG RANKS RUN_DIR [ARGS...]: 3 timed steps of tiny on RANKS ranks (benchmark mode).
mpirun_train() {
  local name=$1 logf=$2 ranks=$3 dir=$4
  shift 4
  step "$name" "$logf" "${MPIRUN[@]}" -np "$ranks" "$BIN/sst-train" --config "$REPO/configs/tiny.ini" \
    --data.path "$DATA" --output.dir "$dir" --benchmark --benchmark.steps 3 --benchmark.warmup 1 \
    --train.threads 1 "$@" || return 1
  grep -E '^sst-train --benchmark|examples/s|^  rank' "$logf" | sed 's/^/    /' | tee -a "$SUMMARY"
}
# json_field FILE KEY: one field of a JSON file ("" when missing).
json_field() { "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }

# ---- 5. with 2+ GPUs, first: the cross-rank NCCL checks on all of them -------------------------------------
# tests/comm/mpi_allreduce_check (the ranks' communicator: all-reduce, broadcast, overlapped buckets,
# reduce-scatter and all-gather with unequal shards, ZeRO-1 shards, sparse embedding rows, the control
# plane) on one rank per GPU, then one overlapped training step of tiny on them, which must use NCCL.
say "plan: $GPUS GPU(s) ($GPUS_FROM): $([ "$GPUS" -ge 2 ] && echo "the cross-rank NCCL checks on $GPUS ranks first, then" || echo "no cross-rank NCCL check (it needs 2+ GPUs);") ctest -L gpu, then the benchmark"
if [ "$GPUS" -ge 2 ]; then
  # On GPUs: NCCL, and its buckets reduced during backward. CPU ranks (a dry run): the same checks
  # through MPI, whose overlap depends on the MPI library's thread support, so it is shown, not required.
  want=nccl check_arg=(cuda) dev=cuda want_overlap=True
  [ "$DRY_RUN" -eq 0 ] || { want=mpi check_arg=() dev=cpu want_overlap=; }
  step "NCCL across $GPUS ranks: mpi_allreduce_check" "$LOGS/nccl_check.log" \
    "${MPIRUN[@]}" -np "$GPUS" "$BIN/mpi_allreduce_check" "${check_arg[@]}"
  if ! grep -q "OK world=$GPUS backend=$want" "$LOGS/nccl_check.log"; then
    FAILED=1; say "    expected 'OK world=$GPUS backend=$want' (logs/nccl_check.log)"
  fi
  run=$WORK/nccl_step
  rm -rf "$run"
  if mpirun_train "NCCL across $GPUS ranks: one overlapped step (tiny)" "$LOGS/nccl_step.log" "$GPUS" "$run" \
       --train.device "$dev"; then
    overlap=$(json_field "$run/benchmark.json" overlap_allreduce)
    got="backend $(json_field "$run/benchmark.json" backend), world $(json_field "$run/benchmark.json" world_size)"
    say "    $got, overlap_allreduce $overlap"
    if [ "$got" != "backend $want, world $GPUS" ] || [ "${want_overlap:-$overlap}" != "$overlap" ]; then
      FAILED=1; say "    expected backend $want, world $GPUS${want_overlap:+, overlap_allreduce $want_overlap}"
    fi
  fi
fi

# ---- 6. the gpu tests ----------------------------------------------------------------------------------
# --stop-time: the gpu tests leave the benchmark at least 2 minutes of the budget.
ctest_args=(-L gpu --output-on-failure -V --timeout 240 --stop-time "$(date -d "@$((T0 + BUDGET - 150))" +%H:%M:%S)")
[ "$DRY_RUN" -eq 1 ] || ctest_args+=(--no-tests=error)
(cd "$BUILD" && step "ctest -L gpu" "$LOGS/ctest_gpu.log" "${LIBENV[@]}" ctest "${ctest_args[@]}") || FAILED=1
say "$(grep -E 'tests passed|No tests were found' "$LOGS/ctest_gpu.log" | tail -n 1)"
# Each skipped GoogleTest test with its reason (the line after "file:line: Skipped"), and ctest's own skips.
# GoogleTest prints "[  SKIPPED ] name" twice (after the test, in its summary): the reason is kept.
awk '/: Skipped$/ { want = 1; reason = ""; next }
     want == 1 { sub(/^[0-9]+: /, ""); reason = $0; want = 0; next }
     /\[  SKIPPED \] [A-Za-z_]/ { name = $0; sub(/.*\[  SKIPPED \] /, "", name); sub(/ \(.*/, "", name)
                                  if (reason != "" || !(name in why)) why[name] = reason == "" ? "(no reason given)" : reason
                                  reason = "" }
     /\*\*\*Skipped/ { print }
     END { for (name in why) print name ": " why[name] }' "$LOGS/ctest_gpu.log" | sort -u | head -n 30 |
  sed 's/^/    skipped: /' | tee -a "$SUMMARY"

# ---- 7. two ranks on one GPU (below 2 GPUs: the host-staging fallback), the benchmark ---------------------
if [ "$GPUS" -lt 2 ]; then
  rm -rf "$WORK/mpirun_run"
  mpirun_train "mpirun -np 2 sst-train --benchmark (tiny)" "$LOGS/mpirun.log" 2 "$WORK/mpirun_run"
fi
if [ "$DRY_RUN" -eq 1 ]; then
  read -r -a configs <<<"${BENCH_CONFIGS:-configs/tiny.ini}"
  bench_env=(DEVICE=cpu WARMUP=2 STEPS=5 THREADS="$JOBS")
else
  # The >= 50M config first: the plan leaves out what the time does not reach, the small ones last.
  read -r -a configs <<<"${BENCH_CONFIGS:-configs/xl.ini configs/xl.ini@1024 configs/large.ini configs/medium.ini configs/small.ini configs/tiny.ini}"
  bench_env=(DEVICE=cuda)
fi
deadline=$((T0 + BUDGET - 35))
if [ -n "${SST_CHECK_BENCH_LEFT_S:-}" ]; then
  case "$SST_CHECK_BENCH_LEFT_S" in ''|*[!0-9]*) say "SST_CHECK_BENCH_LEFT_S='$SST_CHECK_BENCH_LEFT_S' must be a number"; FAILED=1; exit ;; esac
  fake=$(($(date +%s) + SST_CHECK_BENCH_LEFT_S))
  [ "$fake" -ge "$deadline" ] || deadline=$fake
fi
say "benchmark: $((deadline - $(date +%s))) s left for ${configs[*]} (runs that do not fit are not run)"
step "benchmark (${configs[*]})" "$LOGS/bench.log" env "${bench_env[@]}" BIN="$BIN" DATA="$DATA" PYTHON="$PYTHON" \
  BIN_LIBRARY_PATH="$RUN_LIBS" DEADLINE="$deadline" bash "$REPO/bench/gpu_bench.sh" "$WORK/bench" "${configs[@]}"
[ -f "$WORK/bench/bench.md" ] && sed 's/^/    /' "$WORK/bench/bench.md" >>"$SUMMARY"
# runs.tsv: config, precision, implementation, status, ... A failed run fails the check; one the time
# did not reach ("not run ...") does not.
if awk -F'\t' '$4 ~ /^failed/ { bad = 1 } END { exit !bad }' "$WORK/bench/runs.tsv" 2>/dev/null; then
  FAILED=1
  say "benchmark runs that failed:"
  awk -F'\t' '$4 ~ /^failed/' "$WORK/bench/runs.tsv" | cut -f1-4 | sed 's/^/    /' | tee -a "$SUMMARY"
fi
if awk -F'\t' '$4 ~ /^not run/ { n = 1 } END { exit !n }' "$WORK/bench/runs.tsv" 2>/dev/null; then
  say "benchmark runs not run (the time budget did not reach them; not a failure):"
  awk -F'\t' '$4 ~ /^not run/' "$WORK/bench/runs.tsv" | cut -f1-4 | sed 's/^/    /' | tee -a "$SUMMARY"
fi
exit
