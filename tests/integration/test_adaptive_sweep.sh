#!/usr/bin/env bash
# An adaptive design run for real by launch/sweep.sh (sst-sweep wave -> the wave's runs -> wave ...):
# configs/sweeps/ci_adaptive.ini, three tiny sizes, two FLOP budgets with cooldown branches, two seeds, starting
# from the middle size and ended by max_waves = 2 after two waves (6 runs of a few seconds, 1 rank each, --parallel 2):
#   1. the first launch is interrupted (SIGTERM) once the second wave is planned: exit 130;
#   2. the same command continues: it plans nothing new while wave 1 is unfinished, runs it, and ends with
#      "max_waves"; design.jsonl holds the start, the extensions to both neighbours and the stop; the manifest
#      the two waves; sweep.csv 6 complete rows; the smaller budget's run is a cooldown branch of the larger;
#   3. a launch after the end starts nothing and leaves design.jsonl as it was.
# Usage: tests/integration/test_adaptive_sweep.sh [BIN_DIR]   (needs SST2_DIR; exit 77 = skipped)
set -uo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BIN=$(cd "${1:-${SST_BIN_DIR:-$SRC/build/bin}}" && pwd) || exit 1
[ -n "${SST2_DIR:-}" ] || { echo "SKIPPED: SST2_DIR is not set: no SST-2 data"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
for b in sst-train sst-sweep sst-prep; do [ -x "$BIN/$b" ] || fail "$BIN/$b not built"; done
"$BIN/sst-sweep" wave --help >/dev/null 2>&1 || { echo "SKIPPED: sst-sweep has no 'wave' (built without Ceres)"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sst-adaptive.XXXXXX")
SWEEP_PID=""
cleanup() {
  [ -z "$SWEEP_PID" ] || kill "$SWEEP_PID" 2>/dev/null
  if [ -n "${SST_KEEP_TMP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
export SST_BIN_DIR=$BIN
T0=$(date +%s)
"$BIN/sst-prep" --data-dir "$SST2_DIR" --output "$WORK/sst2.h5" --vocab-size 2000 >"$WORK/prep.log" 2>&1 ||
  { cat "$WORK/prep.log"; fail "sst-prep"; }

INI="$SRC/configs/sweeps/ci_adaptive.ini"
DIR="$WORK/sweep"
MANIFEST="$DIR/sweep_manifest.json"
LOG="$DIR/design.jsonl"
jq_py() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); $1" "$2"; }

# 1. Interrupted once the second wave is planned.
bash "$SRC/launch/sweep.sh" "$INI" --sweep-dir "$DIR" --data "$WORK/sst2.h5" --parallel 2 >"$WORK/run1.log" 2>&1 &
SWEEP_PID=$!
for _ in $(seq 1 900); do
  grep -q '"wave":1' "$LOG" 2>/dev/null && break
  kill -0 "$SWEEP_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q '"wave":1' "$LOG" 2>/dev/null || { cat "$WORK/run1.log"; fail "no second wave planned"; }
kill -TERM "$SWEEP_PID" 2>/dev/null
rc=0; wait "$SWEEP_PID" || rc=$?
SWEEP_PID=""
cat "$WORK/run1.log"
[ "$rc" = 130 ] || fail "interrupted sweep.sh should exit 130, got $rc"

# 2. The same command continues the design to its end.
bash "$SRC/launch/sweep.sh" "$INI" --sweep-dir "$DIR" --parallel 2 --no-check >"$WORK/run2.log" 2>&1 ||
  { cat "$WORK/run2.log"; fail "second launch"; }
cat "$WORK/run2.log"
grep -q "the design ended after 2 wave(s), 6 runs" "$WORK/run2.log" || fail "the design did not end after 2 waves, 6 runs"
! grep -Eq '\[s_c[24]e8_s1\] started' "$WORK/run2.log" || fail "a run of the first wave was started again"
cat "$LOG"
python3 - "$LOG" <<'PY' || fail "design.jsonl"
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
acts = lambda w: [(x["action"], x.get("model")) for x in d if x["wave"] == w]
assert acts(0) == [("start", None)], acts(0)
assert {m for a, m in acts(1) if a == "extend"} == {"xs", "m"}, acts(1)
stop = [x for x in d if x["action"] == "stop"]
assert len(stop) == 1 and stop[0]["wave"] == 2 and stop[0]["reason"].startswith("max_waves"), stop
assert all(x["reason"] for x in d)
PY
jq_py '
p = m["points"]; w = lambda k: sorted((x["model"], x["budget"]) for x in p if x["wave"] == k)
assert len(p) == 6, len(p)
assert w(0) == [("s", 2e8), ("s", 4e8)], w(0)
assert w(1) == [("m", 2e8), ("m", 4e8), ("xs", 2e8), ("xs", 4e8)], w(1)
assert m["design"]["ended"] and m["design"]["stop_reason"].startswith("max_waves"), m["design"]
assert {x["run"]: x.get("parent") for x in p}["xs_c2e8_s1"] == "xs_c4e8_s1"
' "$MANIFEST" || fail "the manifest's waves"
CSV="$DIR/sweep.csv"
[ "$(tail -n +2 "$CSV" | wc -l)" = 6 ] || fail "sweep.csv should have 6 rows"
awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  $col["status"] != "completed" || $col["best_dev_loss"] == "" { print "row " NR ": " $0; bad = 1 }
  END { exit bad }' "$CSV" || fail "incomplete rows in sweep.csv"
for s in xs s m; do
  grep -q "cooldown branch from $DIR/runs/${s}_c4e8_s1/snapshots/step_" "$DIR/runs/${s}_c2e8_s1/train.log" ||
    fail "${s}_c2e8_s1 did not start from its parent's snapshot"
done

# 3. After the end, a launch plans the same stop and starts nothing.
cp "$LOG" "$WORK/log.before"
bash "$SRC/launch/sweep.sh" "$INI" --sweep-dir "$DIR" --no-check >"$WORK/run3.log" 2>&1 || { cat "$WORK/run3.log"; fail "third launch"; }
! grep -q "started" "$WORK/run3.log" || { cat "$WORK/run3.log"; fail "a finished point was started again"; }
cmp -s "$LOG" "$WORK/log.before" || fail "design.jsonl changed after the design ended"
echo "PASSED in $(( $(date +%s) - T0 )) s"
