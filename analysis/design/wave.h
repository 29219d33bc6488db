// An adaptive design run for real (`sst-sweep wave`, docs/sweeps.md "Running an adaptive design"): the sweep
// directory's manifest holds every wave planned so far, each point tagged with its wave; the finished runs'
// summary.json give the planner its results (best_dev_loss), and the planner's next wave is appended to the
// manifest in the form `expand` writes, so the launchers run it with their usual machinery (run locks, resume,
// cooldown branches). Pure functions over the manifest and the runs; the command (wave_command.cpp) writes.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "analysis/design/planner.h"
#include "sweep/sweep.h"

namespace sst::analysis::design {

// The results of the manifest's finished points (wave: the point's "wave"). Throws UserError naming the run when
// a finished run has no best_dev_loss, or a point has no budget / wave (not an adaptive manifest).
std::vector<Result> manifest_results(const std::string& sweep_dir, const nlohmann::json& manifest);

// The points of wave `w.wave` as grid points (expand's arguments), indexed after the manifest's `existing`
// points. With cooldown branches a point is a branch of the largest budget of its size and seed trained in an
// earlier wave or this one (the planner's accounting, planner.h: flops_spent) and names it as its parent; every
// other point is a main run that keeps a snapshot at each smaller budget of its size, for branches of later
// waves.
std::vector<sweep::Point> wave_points(const sweep::SweepSpec& spec, const std::string& sweep_dir,
                                      const nlohmann::json& existing, const Wave& w);

// The manifest with `points` appended (each tagged with `w.wave`) and its "design" record: waves planned,
// whether the design ended and why, the FLOPs spent by the results.
nlohmann::json next_manifest(const sweep::SweepSpec& spec, const std::string& sweep_dir, const nlohmann::json& old,
                             const std::vector<sweep::Point>& points, const Wave& w);

// design.jsonl after planning wave w: the old lines of earlier waves, then w's decisions (so planning the same
// wave again rewrites the same lines). Throws UserError naming the file and line of a malformed line.
std::string next_design_log(const std::string& old_text, const std::string& path, const Wave& w);

}  // namespace sst::analysis::design
