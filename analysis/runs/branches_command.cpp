#include "analysis/runs/branches_command.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/cli/cells.h"
#include "analysis/cli/options.h"
#include "analysis/runs/branches.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {

const char* const kBranchesSummary = "cooldown branches vs full runs of the same budgets: losses, compute saved";

namespace {

std::string g4(double v) { return cli::number_cell("%.4g", v); }
std::string percent(double v) { return cli::number_cell("%+.2f", 100 * v) + "%"; }

std::string markdown(const BranchComparison& c) {
  std::ostringstream s;
  s << "| run | budget (FLOPs) | branched at step | branch loss | full-run loss | branch vs full |\n"
       "|---|---|---|---|---|---|\n";
  for (const auto& p : c.pairs)
    s << "| " << cli::md_cell(p.name) << " | " << g4(p.budget_flops) << " | " << p.branch_step << " | "
      << g4(p.branch_loss) << " | " << g4(p.reference_loss) << " | " << percent(p.relative_difference) << " |\n";
  char line[512];
  std::snprintf(line, sizeof line,
                "\n%zu branches compared (%s schedule against %s): mean |difference| %.2f%%, max %.2f%% (%s), "
                "mean %+.2f%% (negative: branches lower).\n",
                c.pairs.size(), c.pairs.front().branch_schedule.c_str(), c.pairs.front().reference_schedule.c_str(),
                100 * c.mean_abs_relative, 100 * c.max_abs_relative, c.worst.c_str(), 100 * c.mean_relative);
  s << line;
  std::snprintf(line, sizeof line,
                "Compute: the %zu runs (%zu of them branches) trained %.4g FLOPs; training every point in full "
                "would take %.4g: the branches saved %.1f%%.\n",
                c.runs, c.branches, c.flops_spent, c.flops_full, 100 * c.saved_fraction());
  s << line;
  if (!c.unmatched.empty()) {
    std::string names;
    for (const auto& n : c.unmatched) names += (names.empty() ? "" : ", ") + n;
    s << "Branches without a full run in the reference (not compared): " << names << ".\n";
  }
  return s.str();
}

json to_json(const BranchComparison& c, const std::string& sweep, const std::string& reference) {
  json pairs = json::array();
  for (const auto& p : c.pairs)
    pairs.push_back({{"run", p.name},
                     {"budget_flops", p.budget_flops},
                     {"branch_step", p.branch_step},
                     {"branch_loss", p.branch_loss},
                     {"reference_loss", p.reference_loss},
                     {"relative_difference", p.relative_difference},
                     {"branch_schedule", p.branch_schedule},
                     {"reference_schedule", p.reference_schedule}});
  return {{"sweep", sweep},
          {"reference", reference},
          {"loss", "best dev loss (summary.json); relative_difference = branch / reference - 1"},
          {"pairs", pairs},
          {"unmatched", c.unmatched},
          {"mean_abs_relative_difference", c.mean_abs_relative},
          {"max_abs_relative_difference", c.max_abs_relative},
          {"worst", c.worst},
          {"mean_relative_difference", c.mean_relative},
          {"runs", c.runs},
          {"branches", c.branches},
          {"flops_full", c.flops_full},
          {"flops_spent", c.flops_spent},
          {"flops_saved_fraction", c.saved_fraction()}};
}

}  // namespace

int branches_main(int argc, char** argv) {
  std::vector<std::string> dirs;
  std::string reference, output = "branches_out";
  const std::string usage =
      "Usage: sst-analyze branches SWEEP_DIR --reference SWEEP_DIR [--output DIR]\n\n"
      "Compares a sweep trained with cooldown branches ([budget] cooldown_branches: warmup-stable-decay, each\n"
      "smaller budget a cooldown branched from a longer run) with a sweep that trained the same points in\n"
      "full: runs are matched by name, and each branch's best dev loss is set against the full run's. Also\n"
      "counts the compute: sum of flops_spent against sum of flops (every point trained in full). Every run of\n"
      "SWEEP_DIR must be finished. Writes OUTPUT/branches.json and branches.md and prints the table.\n\nOptions";
  OptionTable t("", "--");
  t.add_required("reference", reference, "SWEEP_DIR", "the sweep (or run directories' parent) with the full runs");
  cli::add_output_option(t, output);
  const auto check = [&](const po::variables_map&) {
    if (dirs.size() != 1) throw po::error("give exactly one SWEEP_DIR (the sweep with the branches)");
  };
  if (auto exit =
          cli::parse_subcommand_options("branches", argc, argv, usage, t, cli::Positional{"sweep", &dirs, 1}, check))
    return *exit;
  const BranchComparison c = compare_branches(load_runs(dirs), load_runs({reference}));
  const std::string md = markdown(c);
  ensure_output_dir(output);
  write_text_atomically((fs::path(output) / "branches.md").string(), "# Cooldown branches against full runs\n\n" + md);
  write_text_atomically((fs::path(output) / "branches.json").string(),
                        to_json(c, dirs.front(), reference).dump(2) + "\n");
  std::cout << md << "wrote " << (fs::path(output) / "branches.json").string() << " and branches.md\n";
  return 0;
}

}  // namespace sst::analysis::runs
