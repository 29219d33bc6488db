#!/usr/bin/env python3
# Usage (from the repository root, after the build):
#   python3 docs/scaling/sst2_isoflop_adaptive/replay.py configs/sweeps/sst2_isoflop_adaptive.ini \
#       runs/sweeps/replay docs/scaling/sst2_isoflop/sweep.csv
# Exit status: sst-sweep wave's on an error; 4 when the planner asks for a run the hand study lacks.
# Replay the adaptive design on the hand study's measured losses: each point the planner asks for gets the
# summary.json of the same run (same name, config and seed) from docs/scaling/sst2_isoflop/sweep.csv.
import csv, json, os, subprocess, sys
ini, sweep_dir, hand_csv = sys.argv[1:4]
rows = {r["run"]: r for r in csv.DictReader(open(hand_csv))}
ints = {"steps", "params", "non_embedding_params", "train_tokens", "tokens_processed", "tokens_at_best",
        "branch_step", "world_size", "seed"}
strs = {"schedule", "status"}
used_wall = 0.0
while True:
    rc = subprocess.run(["build/bin/sst-sweep", "wave", ini, "--sweep-dir", sweep_dir]).returncode
    if rc == 3: break
    if rc != 0: sys.exit(rc)
    man = json.load(open(os.path.join(sweep_dir, "sweep_manifest.json")))
    for p in man["points"]:
        d = os.path.join(sweep_dir, p.get("run_dir", "runs/" + p["run"]))
        if os.path.exists(os.path.join(d, "summary.json")): continue
        r = rows.get(p["run"])
        if r is None:
            print("replay: the planner asked for", p["run"], "which the hand study did not train"); sys.exit(4)
        s = {"run_name": r["run"]}
        for k, v in r.items():
            if k in ("run", "model", "data_fraction", "budget", "parent") or v == "": continue
            s[k] = v if k in strs else (int(float(v)) if k in ints else float(v))
        os.makedirs(d, exist_ok=True)
        json.dump(s, open(os.path.join(d, "summary.json"), "w"))
        used_wall += float(r["wall_s"])
print("replay: hand-study wall time of the replayed runs: %.1f min" % (used_wall / 60))
