// sst-sweep's option tables (common/options.h), one per command: `expand` and `status` (cli.cpp runs them).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <utility>

#include "common/enum_names.h"
#include "common/options.h"

namespace sst::sweep {
// What `expand --field` prints of a point, and which points `status --unfinished --stage` lists.
enum class PointField { kArgs, kRun, kRunDir, kModel, kRanks, kSeed, kDataFraction, kBudget, kParent, kIndex };
enum class Stage { kAll, kMain, kBranches, kReady, kWaiting };
}  // namespace sst::sweep

namespace sst {
template <>
struct EnumNames<sweep::PointField> {
  using F = sweep::PointField;
  static constexpr std::array<std::pair<F, const char*>, 10> kNames{{{F::kArgs, "args"},
                                                                     {F::kRun, "run"},
                                                                     {F::kRunDir, "run_dir"},
                                                                     {F::kModel, "model"},
                                                                     {F::kRanks, "ranks"},
                                                                     {F::kSeed, "seed"},
                                                                     {F::kDataFraction, "data_fraction"},
                                                                     {F::kBudget, "budget"},
                                                                     {F::kParent, "parent"},
                                                                     {F::kIndex, "index"}}};
};
template <>
struct EnumNames<sweep::Stage> {
  using S = sweep::Stage;
  static constexpr std::array<std::pair<S, const char*>, 5> kNames{{{S::kAll, "all"},
                                                                    {S::kMain, "main"},
                                                                    {S::kBranches, "branches"},
                                                                    {S::kReady, "ready"},
                                                                    {S::kWaiting, "waiting"}}};
};
}  // namespace sst

namespace sst::sweep {

struct ExpandArgs {
  std::string sweep_dir, data;  // "": not given
  std::optional<long long> index;
  PointField field = PointField::kArgs;
  bool field_given = false, count = false, print_dir = false, print_mode = false, force = false;
};

void add_expand_options(OptionTable& t, ExpandArgs& a);

struct StatusArgs {
  int parallel = 0;
  std::optional<long long> index;
  Stage stage = Stage::kAll;
  bool action = false, unfinished = false, verbose = false;
};

void add_status_options(OptionTable& t, StatusArgs& a);

}  // namespace sst::sweep
