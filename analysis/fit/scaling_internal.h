// Helpers shared by scaling_fit.cpp and scaling_analysis.cpp; not part of the public API.
#pragma once
#include <cstddef>
#include <functional>

namespace sst::analysis::fit {

// Runs body(0..n-1) on `threads` workers (0 = hardware concurrency). Each index is handled exactly once and
// results are written by index, so the outcome does not depend on the thread count. The first exception
// thrown by a body is rethrown after all workers stop.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& body);

}  // namespace sst::analysis::fit
