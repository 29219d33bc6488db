#include "analysis/runs/branches.h"

#include <cmath>
#include <map>

#include "common/error.h"

namespace sst::analysis::runs {
namespace {

// A run with a summary.json that says it finished and holds a best dev loss.
bool finished(const Run& r) { return r.summary && rundir::is_finished(r.summary->status) && r.summary->best_dev_loss; }

// The run's summary, or a UserError saying the sweep is not finished.
const rundir::RunSummary& finished_summary(const Run& r) {
  if (!finished(r))
    throw UserError(r.dir + ": not a finished run (no summary.json with a best dev loss): finish the sweep first");
  return *r.summary;
}

}  // namespace

BranchComparison compare_branches(const std::vector<Run>& sweep, const std::vector<Run>& reference) {
  std::map<std::string, const Run*> full;
  for (const auto& r : reference)
    if (finished(r)) full[r.name] = &r;

  BranchComparison c;
  for (const auto& r : sweep) {
    const rundir::RunSummary& s = finished_summary(r);
    ++c.runs;
    c.flops_full += s.flops;
    c.flops_spent += s.flops_spent;
    if (s.branch_step < 0) continue;
    ++c.branches;
    const auto it = full.find(r.name);
    if (it == full.end()) {
      c.unmatched.push_back(r.name);
      continue;
    }
    const rundir::RunSummary& f = *it->second->summary;
    BranchPair p{r.name, s.branch_step, s.budget_flops, *s.best_dev_loss, *f.best_dev_loss, 0, s.schedule, f.schedule};
    p.relative_difference = p.branch_loss / p.reference_loss - 1;
    c.pairs.push_back(p);
  }
  if (c.branches == 0)
    throw UserError("no cooldown branch among the " + std::to_string(c.runs) +
                    " runs (no summary.json with branch_step >= 0): is this a [budget] cooldown_branches sweep?");
  if (c.pairs.empty())
    throw UserError("none of the " + std::to_string(c.branches) +
                    " branches has a finished run of the same name in the reference sweep");
  for (const auto& p : c.pairs) {
    const double a = std::abs(p.relative_difference);
    c.mean_abs_relative += a / static_cast<double>(c.pairs.size());
    c.mean_relative += p.relative_difference / static_cast<double>(c.pairs.size());
    if (a >= c.max_abs_relative) c.max_abs_relative = a, c.worst = p.name;
  }
  return c;
}

}  // namespace sst::analysis::runs
