// The control plane: the small host-side collectives the trainer needs besides the gradients (a vector
// of counters and flags summed over ranks, rank 0's decision broadcast, barriers), and agreement on
// errors so that a check failing on some ranks ends every rank together instead of leaving the others
// waiting in a collective. Gradients travel through a Communicator (communicator.h). Every collective
// here runs under the collective timeout (collective_watchdog.h): a peer gone silent ends the job.
#pragma once
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "comm/world.h"

namespace sst::comm {

class ControlPlane {
 public:
  explicit ControlPlane(const World& world) : world_(world) {}
  const World& world() const { return world_; }

  // Element-wise sum over all ranks of a small host vector.
  void sum(std::vector<double>& values) const;
  // The same for named values: each pointed-to field is replaced by its sum over ranks, in one
  // all-reduce (`sum({&c.loss, &c.count})`), so no caller reads results back by position.
  void sum(std::initializer_list<double*> fields) const;
  // Both at once: the named fields and a vector of values, in one all-reduce.
  void sum(std::initializer_list<double*> fields, std::vector<double>& values) const;
  // Rank `root`'s string, on every rank.
  std::string broadcast(const std::string& s, int root = 0) const;
  // Every rank's string, in rank order, on every rank.
  std::vector<std::string> all_gather(const std::string& s) const;
  void barrier() const;
  // Runs `fn` on every rank, then agrees: if it threw a UserError on any rank, every rank throws
  // CollectiveError (the lowest failing rank's one carries printable=true and its message). For steps
  // whose failure may differ between ranks.
  void run_on_all_ranks(const std::function<void()>& fn) const;
  // Runs `fn` on rank 0 only (rank 0 writes the run directory), then agrees as run_on_all_ranks does:
  // a failure there (a full disk) ends every rank with rank 0's message.
  void run_on_root(const std::function<void()>& fn) const;
  // Runs `decide` on rank 0 only and hands its result to every rank; if it threw a UserError, every
  // rank throws CollectiveError with its message instead (printable on rank 0). For decisions only rank
  // 0 can take (it owns the run directory) but every rank must act on.
  std::string decide_on_root(const std::function<std::string()>& decide) const;

 private:
  World world_;
};

}  // namespace sst::comm
