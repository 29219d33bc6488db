#include "train/fault_injection.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/enum_names.h"
#include "common/error.h"

namespace sst {
namespace {

// The step `step_var` names when `rank_var` (default 0) is this rank; 0 (never) otherwise.
int64_t step_on_this_rank(const char* step_var, const char* rank_var, int rank) {
  const char* at = std::getenv(step_var);
  if (!at) return 0;
  const char* on = std::getenv(rank_var);
  return (on ? std::atoi(on) : 0) == rank ? std::atoll(at) : 0;
}

}  // namespace

// The names SST_BREAK_REDUCTION takes (kNone is the variable unset).
template <>
struct EnumNames<comm::ReductionFault> {
  static constexpr std::array<std::pair<comm::ReductionFault, const char*>, 3> kNames{
      {{comm::ReductionFault::kSkipBucket, "skip_bucket"},
       {comm::ReductionFault::kSumNotAverage, "sum"},
       {comm::ReductionFault::kDropRank, "drop_rank"}}};
};

comm::ReductionFault reduction_fault_from_env() {
  const char* v = std::getenv("SST_BREAK_REDUCTION");
  if (!v || !*v) return comm::ReductionFault::kNone;
  if (auto fault = parse_enum<comm::ReductionFault>(v)) return *fault;
  throw UserError(std::string("SST_BREAK_REDUCTION='") + v +
                  "' is not skip_bucket, sum or drop_rank (a test hook; unset it)");
}

void install_fault_injection(Run& r) {
  // Steps are 0-based inside the loop and 1-based in logs and in the variables.
  const int64_t nan_step = step_on_this_rank("SST_INJECT_NAN_AT_STEP", "SST_INJECT_NAN_RANK", r.world.rank);
  const int64_t error_step = step_on_this_rank("SST_INJECT_ERROR_AT_STEP", "SST_INJECT_ERROR_RANK", r.world.rank);
  if (nan_step == 0 && error_step == 0) return;
  r.loss_hook = [nan_step, error_step](const torch::Tensor& loss, int64_t s) {
    if (s + 1 == error_step)
      throw std::runtime_error("injected failure at step " + std::to_string(error_step) +
                               " (SST_INJECT_ERROR_AT_STEP), as a CUDA out-of-memory on this rank alone would be");
    return s + 1 == nan_step ? loss * NAN : loss;
  };
}

}  // namespace sst
