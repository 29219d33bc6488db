#!/usr/bin/env bash
# launch/sweep.sh end to end on configs/sweeps/ci_tiny.ini (4 tiny runs, 2 ranks each):
#   1. a first launch is interrupted (SIGTERM) while a point trains: the point checkpoints (SIGUSR1, exit 75)
#      and sweep.sh exits 130 leaving it "interrupted";
#   2. a second launch (--parallel 2) resumes that point from its checkpoint and runs the rest: sweep.csv has
#      4 complete rows with the columns the Slurm path writes (tests/slurm/run_slurm_test.sh);
#   3. a third launch skips every finished point and rewrites the same sweep.csv;
#   4. a budget sweep with cooldown branches (--parallel 2): the branch waits for its parent, starts from the
#      parent's snapshot, and sweep.csv names the parent and the branch step.
# Usage: tests/integration/test_sweep_workstation.sh [BIN_DIR]   (needs SST2_DIR; exit 77 = skipped)
set -uo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BIN=$(cd "${1:-${SST_BIN_DIR:-$SRC/build/bin}}" && pwd) || exit 1
[ -n "${SST2_DIR:-}" ] || { echo "SKIPPED: SST2_DIR is not set: no SST-2 data"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
for b in sst-train sst-sweep sst-prep; do [ -x "$BIN/$b" ] || fail "$BIN/$b not built"; done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sst-sweep-ws.XXXXXX")
SWEEP_PID=""
cleanup() {
  [ -z "$SWEEP_PID" ] || kill "$SWEEP_PID" 2>/dev/null
  if [ -n "${SST_KEEP_TMP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
export SST_BIN_DIR=$BIN
SWEEP="$SRC/configs/sweeps/ci_tiny.ini"
DIR="$WORK/sweep"
HEADER="run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,best_dev_loss,best_dev_acc,epochs,wall_s,world_size,status,seed,steps,tokens_at_best,flops_at_best,lr_at_best,schedule,budget,budget_tokens,budget_flops,parent,branch_step,flops_spent,d_model,layers,heads,ff_dim,max_len,dropout,global_batch,lr,warmup_steps,weight_decay"

"$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$WORK/sst2.h5" --vocab-size 2000 >"$WORK/prep.log" 2>&1 ||
  { cat "$WORK/prep.log"; fail "sst-prep"; }

# 1. Interrupt the first launch once point 0 has a step checkpoint.
bash "$SRC/launch/sweep.sh" "$SWEEP" --sweep-dir "$DIR" --data "$WORK/sst2.h5" >"$WORK/run1.log" 2>&1 &
SWEEP_PID=$!
for _ in $(seq 1 600); do
  ls "$DIR"/runs/xs_f0.125_s1/checkpoints/step_*.pt >/dev/null 2>&1 && break
  kill -0 "$SWEEP_PID" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$SWEEP_PID" 2>/dev/null
rc=0; wait "$SWEEP_PID" || rc=$?
SWEEP_PID=""
cat "$WORK/run1.log"
[ "$rc" = 130 ] || fail "interrupted sweep.sh should exit 130, got $rc"
grep -q "checkpointed and stopped (exit 75)" "$WORK/run1.log" || fail "the running point did not checkpoint"
[ "$("$BIN/sst-sweep" status "$DIR" --index 0)" = interrupted ] || fail "point 0 should be interrupted"
[ ! -e "$DIR/runs/xs_f0.125_s1/.sweep_running" ] || fail "stale running marker"

# 2. Resume and finish, two points at a time.
t0=$(date +%s)
bash "$SRC/launch/sweep.sh" "$SWEEP" --sweep-dir "$DIR" --parallel 2 >"$WORK/run2.log" 2>&1 || { cat "$WORK/run2.log"; fail "second launch"; }
cat "$WORK/run2.log"
echo "second launch: $(( $(date +%s) - t0 )) s"
grep -q "resumed from" "$DIR/runs/xs_f0.125_s1/train.log" || fail "point 0 did not resume from its checkpoint"
CSV="$DIR/sweep.csv"
[ "$(head -1 "$CSV")" = "$HEADER" ] || fail "header: $(head -1 "$CSV")"
[ "$(tail -n +2 "$CSV" | wc -l)" = 4 ] || fail "sweep.csv should have 4 rows"
tail -n +2 "$CSV" | awk -F, '
  { if ($14 != "completed" && $14 != "early_stopped") { print "row " NR ": status " $14; bad = 1 }
    for (i = 1; i <= 20; ++i) if ($i == "") { print "row " NR ": empty column " i; bad = 1 }
    for (i = 27; i <= 36; ++i) if ($i == "") { print "row " NR ": no hyperparameter in column " i; bad = 1 } }
  END { exit bad }' || fail "incomplete rows in sweep.csv"
cp "$CSV" "$WORK/first.csv"

# 3. Everything finished: a relaunch skips every point and writes the same CSV.
bash "$SRC/launch/sweep.sh" "$SWEEP" --sweep-dir "$DIR" >"$WORK/run3.log" 2>&1 || { cat "$WORK/run3.log"; fail "third launch"; }
[ "$(grep -c ", skipped" "$WORK/run3.log")" = 4 ] || { cat "$WORK/run3.log"; fail "finished points were not skipped"; }
! grep -q "started" "$WORK/run3.log" || fail "a finished point was started again"
cmp -s "$CSV" "$WORK/first.csv" || fail "sweep.csv changed on a relaunch"

# 4. Cooldown branches: one size, two token budgets; the smaller branches from the larger's snapshot.
cat > "$WORK/branches.ini" <<EOF
[sweep]
name = branches
base_config = $SRC/configs/tiny.ini
ranks = 1
seeds = 1
[models]
names = xs
[model.xs]
d_model = 16
layers = 1
heads = 2
ff_dim = 32
max_len = 48
[budget]
tokens = 20000, 40000
eval_every = 10
checkpoint_every = 1000
cooldown_branches = true
[overrides]
train.warmup_steps = 5
EOF
BR="$WORK/branch_sweep"
bash "$SRC/launch/sweep.sh" "$WORK/branches.ini" --sweep-dir "$BR" --data "$WORK/sst2.h5" --parallel 2 >"$WORK/run4.log" 2>&1 ||
  { cat "$WORK/run4.log"; fail "branch sweep"; }
cat "$WORK/run4.log"
grep -q "cooldown branch from $BR/runs/xs_t4e4_s1/snapshots/step_" "$BR/runs/xs_t2e4_s1/train.log" ||
  fail "the branch did not start from its parent's snapshot"
# The branch started only after its parent had finished.
parent_end=$(grep -n "\[xs_t4e4_s1\] completed" "$WORK/run4.log" | cut -d: -f1)
branch_start=$(grep -n "\[xs_t2e4_s1\] started" "$WORK/run4.log" | cut -d: -f1)
if [ -z "$parent_end" ] || [ -z "$branch_start" ] || [ "$branch_start" -le "$parent_end" ]; then fail "branch order"; fi
awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  $col["run"] == "xs_t2e4_s1" { if ($col["parent"] != "xs_t4e4_s1" || $col["branch_step"] <= 0) bad = 1; seen = 1 }
  END { exit bad || !seen }' "$BR/sweep.csv" || { cat "$BR/sweep.csv"; fail "sweep.csv lacks the branch's parent"; }
echo "PASSED"
