#include "train/fault_injection.h"

#include <cmath>
#include <cstdlib>

namespace sst {

void install_fault_injection(Run& r) {
  const char* at = std::getenv("SST_INJECT_NAN_AT_STEP");
  if (!at) return;
  const int64_t step = std::atoll(at);
  const char* on = std::getenv("SST_INJECT_NAN_RANK");
  if ((on ? std::atoi(on) : 0) != r.world.rank) return;
  // Steps are 0-based inside the loop and 1-based in logs and in the variable.
  r.loss_hook = [step](const torch::Tensor& loss, int64_t s) { return s + 1 == step ? loss * NAN : loss; };
}

}  // namespace sst
