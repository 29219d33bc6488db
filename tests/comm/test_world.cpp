// The world (comm/world.h), on 1-3 ranks of mpi_allreduce_check (mpi_checks.h): every rank knows its
// place, exactly one is the root, and the node-local ranks number each node's ranks from 0.
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "mpi_checks.h"

namespace sst::comm::test {

void check_world(MpiCheck& c) {
  const World& w = c.world;
  c.check(w.size >= 1 && w.rank >= 0 && w.rank < w.size, "0 <= rank < size");
  c.check(w.local_size >= 1 && w.local_size <= w.size, "1 <= local_size <= size");
  c.check(w.local_rank >= 0 && w.local_rank < w.local_size, "0 <= local_rank < local_size");
  c.check(!w.host.empty(), "the host has a name");
  c.check(!mpi_library_version().empty(), "the MPI library names its version");

  // Every rank's (rank, host, local rank, local size), gathered: ranks 0..W-1 once each, one root, and
  // on each host the local ranks 0..local_size-1 once each.
  const auto all = c.control.all_gather(std::to_string(w.rank) + " " + std::to_string(w.local_rank) + " " +
                                        std::to_string(w.local_size) + " " + w.host);
  std::map<std::string, std::set<int>> local_ranks;
  std::map<std::string, int> local_size;
  bool ranks_in_order = all.size() == static_cast<size_t>(w.size);
  for (size_t r = 0; ranks_in_order && r < all.size(); ++r) {
    int rank = -1, local = -1, size = -1, used = 0;
    ranks_in_order =
        std::sscanf(all[r].c_str(), "%d %d %d %n", &rank, &local, &size, &used) == 3 && rank == static_cast<int>(r);
    const std::string host = all[r].substr(static_cast<size_t>(used));
    local_ranks[host].insert(local);
    local_size[host] = size;
  }
  c.check(ranks_in_order, "every rank's place, gathered in rank order");
  bool numbered = true;
  for (const auto& [host, ranks] : local_ranks)
    numbered = numbered && static_cast<int>(ranks.size()) == local_size[host] && *ranks.begin() == 0 &&
               *ranks.rbegin() == local_size[host] - 1;
  c.check(numbered, "each node's local ranks are 0..local_size-1, once each");

  std::vector<double> roots = {w.is_root() ? 1.0 : 0.0};
  c.control.sum(roots);
  c.check(roots[0] == 1.0 && w.is_root() == (w.rank == 0), "exactly one root: rank 0");
}

}  // namespace sst::comm::test
