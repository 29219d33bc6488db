# shellcheck shell=bash
# Part 3 of tests/slurm/run_slurm_test.sh (`run_slurm_test.sh BIN_DIR adaptive`, ctest test_slurm_adaptive),
# sourced once the private cluster is up and DATA is tokenized: configs/sweeps/ci_adaptive.ini as an adaptive
# design through slurm/submit_sweep.sh. The first wave goes as job arrays (main runs, then their cooldown branches
# afterany) with a planner job (slurm/adaptive.sbatch) afterany on them, which plans and submits the second wave
# and its planner job, which ends the design (max_waves): checks the dependencies, the two planner jobs' logs, the
# manifest's waves and ending rule, design.jsonl, sweep.csv (6 complete rows) and a branch from its parent's snapshot.
# Uses run_slurm_test.sh's SRC, BIN, WORK, DATA, log, fail, job_field.
AD="$WORK/adaptive"
out=$("$SRC/slurm/submit_sweep.sh" "$SRC/configs/sweeps/ci_adaptive.ini" --sweep-dir "$AD" --data "$DATA" \
      --throttle 2 2>&1) || { echo "$out"; fail "submit_sweep.sh (adaptive) failed"; }
while IFS= read -r line; do echo "    $line"; done <<<"$out"
ARRAY=$(echo "$out" | sed -n 's/^ARRAY_JOB_ID=//p')
BRANCH=$(echo "$out" | sed -n 's/^BRANCH_ARRAY_JOB_ID=//p')
PLAN=$(echo "$out" | sed -n 's/^PLANNER_JOB_ID=//p')
{ [ -n "$ARRAY" ] && [ -n "$BRANCH" ] && [ -n "$PLAN" ]; } || fail "no array, branch array or planner job id"
dep=$(job_field "$PLAN" Dependency)
case "$dep" in afterany:*"$ARRAY"*"$BRANCH"*) ;; *) fail "planner job $PLAN depends on '$dep', not afterany on $ARRAY and $BRANCH" ;; esac
ended() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["design"]["ended"])' "$AD/sweep_manifest.json"; }
end=$(( $(date +%s) + 600 ))
while [ "$(date +%s)" -lt "$end" ]; do
  [ "$(ended)" = True ] && [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 3
done
[ "$(ended)" = True ] || fail "the adaptive design did not end within 600 s"
log "adaptive design ended: $("$BIN/sst-sweep" status "$AD")"
mapfile -t plans < <(ls "$AD"/slurm/plan_*.out 2>/dev/null)
[ "${#plans[@]}" = 2 ] || fail "expected 2 planner jobs' logs, found ${#plans[@]}"
for f in "${plans[@]}"; do sed 's/^/    /' "$f"; done
# grep on the files, not `cat | grep -q`: under pipefail, cat killed by SIGPIPE when grep -q stops at its first
# match would fail the check (it did once, with the line there).
grep -q "PLANNER_JOB_ID=" "${plans[@]}" || fail "no planner job submitted the second wave"
grep -q "^DESIGN_ENDED=1" "${plans[@]}" || fail "no planner job ended the design"
[ "$(grep -c ' wave array=' "$AD/slurm/jobs.txt")" = 2 ] || fail "jobs.txt should record 2 waves"
python3 - "$AD/sweep_manifest.json" "$AD/design.jsonl" <<'PY' || fail "the adaptive design's manifest or design.jsonl"
import json, sys
m = json.load(open(sys.argv[1]))
p = m["points"]
w = lambda k: sorted((x["model"], x["budget"]) for x in p if x["wave"] == k)
assert w(0) == [("s", 2e8), ("s", 4e8)], w(0)
assert w(1) == [("m", 2e8), ("m", 4e8), ("xs", 2e8), ("xs", 4e8)], w(1)
assert m["design"]["stop_reason"].startswith("max_waves"), m["design"]
d = [json.loads(l) for l in open(sys.argv[2])]
assert [x["wave"] for x in d if x["action"] == "stop"] == [2], d
PY
CSV="$AD/sweep.csv"
[ "$(tail -n +2 "$CSV" | wc -l)" = 6 ] || fail "adaptive sweep.csv should have 6 rows"
awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  $col["status"] != "completed" || $col["best_dev_loss"] == "" { print "row " NR ": " $0; bad = 1 }
  END { exit bad }' "$CSV" || fail "incomplete rows in the adaptive sweep.csv"
grep -q "cooldown branch from $AD/runs/m_c4e8_s1/snapshots/step_" "$AD/runs/m_c2e8_s1/train.log" ||
  fail "m_c2e8_s1 did not start from its parent's snapshot"
log "part 3 passed: 2 waves as job arrays, each planned by a job afterany on the previous one; ended by max_waves"
