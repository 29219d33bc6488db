// The control plane (comm/control.h), on 1-3 ranks of mpi_allreduce_check (mpi_checks.h): sums of
// vectors and of named fields, broadcasts and gathers of strings, and agreement on errors: a UserError on
// some ranks ends every rank with a CollectiveError, printable on the lowest failing rank only.
#include <string>
#include <vector>

#include "common/error.h"
#include "mpi_checks.h"

namespace sst::comm::test {

namespace {

// Whether `fn` threw a CollectiveError on this rank, with its message and whether this rank prints it.
struct Caught {
  bool thrown = false, printable = false;
  std::string message;
};

template <class Fn>
Caught catch_collective(const Fn& fn) {
  Caught c;
  try {
    fn();
  } catch (const CollectiveError& e) {
    c = {true, e.printable, e.what()};
  }
  return c;
}

void check_sums_and_strings(MpiCheck& c) {
  const double W = c.W();
  const int rank = c.world.rank;
  std::vector<double> sums = {1.0, static_cast<double>(rank)};
  c.control.sum(sums);
  c.check(sums[0] == W && sums[1] == W * (W - 1) / 2, "sum of a vector");
  struct {
    double one = 1.0, rank = 0, untouched = -7.0;
  } named;
  named.rank = rank;
  c.control.sum({&named.rank, &named.one});  // any order: each field gets its own sum
  c.check(named.one == W && named.rank == W * (W - 1) / 2 && named.untouched == -7.0, "sum of named fields");
  double field = 2.0;
  std::vector<double> values = {static_cast<double>(rank + 1)};
  c.control.sum({&field}, values);
  c.check(field == 2 * W && values[0] == W * (W + 1) / 2, "sum of named fields and a vector at once");

  c.check(c.control.broadcast(rank == 0 ? "from rank 0" : "") == "from rank 0", "broadcast from rank 0");
  const int last = c.world.size - 1;
  c.check(c.control.broadcast(rank == last ? "from the last" : "x", last) == "from the last",
          "broadcast from the last rank");
  auto names = c.control.all_gather(std::string(static_cast<size_t>(rank), 'x'));  // "", "x", "xx", ...
  bool gathered = names.size() == static_cast<size_t>(c.world.size);
  for (int k = 0; gathered && k < c.world.size; ++k) gathered = names[k] == std::string(static_cast<size_t>(k), 'x');
  c.check(gathered, "all_gather of strings, empty ones included");
  c.control.barrier();
}

void check_error_agreement(MpiCheck& c) {
  const int rank = c.world.rank, last = c.world.size - 1;
  // Nothing thrown anywhere: nothing thrown.
  c.check(!catch_collective([&] { c.control.run_on_all_ranks([] {}); }).thrown, "no error, no throw");
  // The last rank fails (rank 0 alone in a world of one): every rank throws; that rank prints its own message.
  auto caught = catch_collective([&] {
    c.control.run_on_all_ranks([&] {
      if (rank == last) throw UserError("disk full on rank " + std::to_string(rank));
    });
  });
  c.check(caught.thrown, "a failure on one rank throws on every rank");
  c.check(caught.printable == (rank == last), "only the failing rank prints");
  const std::string expected =
      rank == last ? "disk full on rank " + std::to_string(last) : "failed on rank " + std::to_string(last);
  c.check(caught.message == expected, "the failing rank's own message, the others name it");
  // Every rank fails: rank 0, the lowest, prints.
  caught = catch_collective([&] { c.control.run_on_all_ranks([] { throw UserError("bad"); }); });
  c.check(caught.thrown && caught.printable == (rank == 0) && caught.message == "bad",
          "the lowest failing rank prints");
  // run_on_root: only rank 0 runs it; its failure ends every rank.
  int ran = 0;
  c.control.run_on_root([&] { ++ran; });
  c.check(ran == (rank == 0 ? 1 : 0), "run_on_root runs on rank 0 only");
  caught = catch_collective([&] { c.control.run_on_root([] { throw UserError("no space"); }); });
  c.check(caught.thrown && caught.printable == (rank == 0), "run_on_root's failure ends every rank");
  // decide_on_root: rank 0's decision, or its error, on every rank.
  c.check(c.control.decide_on_root([&] { return "resume at " + std::to_string(rank + 40); }) == "resume at 40",
          "decide_on_root hands rank 0's result to every rank");
  caught = catch_collective([&] { c.control.decide_on_root([]() -> std::string { throw UserError("locked"); }); });
  c.check(caught.thrown && caught.message == "locked" && caught.printable == (rank == 0),
          "decide_on_root's error reaches every rank with rank 0's message");
}

}  // namespace

void check_control(MpiCheck& c) {
  check_sums_and_strings(c);
  check_error_agreement(c);
}

}  // namespace sst::comm::test
