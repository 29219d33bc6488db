#!/usr/bin/env bash
# The device check's dry run (tests/gpu/device_check.sh --dry-run), as CI runs it, on a fake machine
# that tests its plan: 2 GPUs (SST_CHECK_GPUS=2: the cross-rank checks must run first, on 2 CPU ranks)
# and a benchmark with 60 s left (SST_CHECK_BENCH_LEFT_S) for tiny and xl at batch 4096, a row no CPU
# finishes in that time: it must be planned out as "not run" and the check must still pass.
# Usage: bash tests/gpu/dry_run_plan_test.sh   (the environment of device_check.sh passes through, e.g.
#        SST_DEVICE_BUILD=build-cuda TORCH_CMAKE_PREFIX=... SST2_DIR=...). Exit 0 when every check holds.
set -uo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
OUT=$(realpath -m "${OUT:-$REPO/${SST_DEVICE_BUILD:-build-device}/check/plan_test}")
rm -rf "$OUT"
rc=0
OUT=$OUT SST_CHECK_GPUS=2 SST_CHECK_BENCH_LEFT_S=60 BENCH_CONFIGS="configs/tiny.ini configs/xl.ini@4096" \
  bash "$REPO/tests/gpu/device_check.sh" --dry-run || rc=$?
S=$OUT/summary.txt
failures=0
fail() { echo "dry_run_plan_test: FAILED: $*" >&2; failures=$((failures + 1)); }
[ "$rc" -eq 0 ] || fail "the dry run exited $rc (summary: $S)"
# line NUMBER of the first summary line matching PATTERN (0: none)
line() { grep -n -m1 -E "$1" "$S" | cut -d: -f1 | grep . || echo 0; }
nccl=$(line 'NCCL across 2 ranks: mpi_allreduce_check: ok')
step=$(line 'NCCL across 2 ranks: one overlapped step \(tiny\): ok')
tests=$(line 'ctest -L gpu: ok')
bench=$(line '\] benchmark \(.*\): ok')
{ [ "$nccl" -gt 0 ] && [ "$step" -gt 0 ]; } || fail "the cross-rank checks on 2 ranks did not both pass"
{ [ "$tests" -gt 0 ] && [ "$bench" -gt 0 ]; } || fail "ctest -L gpu or the benchmark step missing or failed"
{ [ "$nccl" -lt "$tests" ] && [ "$step" -lt "$tests" ]; } || fail "the cross-rank checks did not run before ctest -L gpu"
grep -q 'mpirun -np 2 sst-train' "$S" && fail "with 2 GPUs the shared-GPU 2-rank run should be left to the cross-rank checks"
grep -qE '^ +xl_b4096[[:space:]]+fp32[[:space:]]+cpp[[:space:]]+not run \(needs' "$S" || fail "xl_b4096 fp32 not listed as not run (planned out)"
grep -q 'not run (the time budget did not reach them; not a failure)' "$S" || fail "no 'not run' section"
grep -qE '^ +\| tiny \| [^|]+\| [^|]+\| fp32 \| [0-9]' "$S" || fail "tiny fp32 did not run"
if [ "$failures" -eq 0 ]; then echo "dry_run_plan_test: ok (summary: $S)"; else exit 1; fi
