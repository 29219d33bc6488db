// The input pipeline's prefetcher: steps come back in order from one persistent thread, a restart
// produces the asked-for step, a producer's exception reaches the step that asked for it, and the
// prefetcher can be destroyed while a read is in flight.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "shard/prefetcher.h"

using sst::shard::BatchPrefetcher;
using sst::shard::StepInput;

namespace {

// A one-batch input that says which step it is (labels) and which rows it touched (token_rows).
StepInput input_of(int64_t step) {
  StepInput in;
  sst::shard::Batch b;
  b.ids = torch::full({1, 2}, step, torch::kLong);
  b.pad_mask = torch::zeros({1, 2}, torch::kBool);
  b.labels = torch::full({1}, step, torch::kLong);
  in.micro.push_back(b);
  in.token_rows = torch::arange(step + 1, torch::kLong);
  return in;
}

int64_t step_of(const StepInput& in) { return in.micro.at(0).labels.item<int64_t>(); }

// Records every step produced and the thread that produced it.
struct Recorder {
  std::mutex mu;
  std::vector<int64_t> steps;
  std::set<std::thread::id> threads;
  // The steps read, less the read ahead of `next` that a destroyed prefetcher may or may not have
  // started (call after the prefetcher is gone).
  std::vector<int64_t> read_besides(int64_t next) {
    std::lock_guard<std::mutex> lock(mu);
    auto v = steps;
    if (!v.empty() && v.back() == next) v.pop_back();
    return v;
  }
  BatchPrefetcher::Producer producer() {
    return [this](int64_t step) {
      std::lock_guard<std::mutex> lock(mu);
      steps.push_back(step);
      threads.insert(std::this_thread::get_id());
      return input_of(step);
    };
  }
};

}  // namespace

TEST(Prefetcher, ReturnsStepsInOrderFromOnePersistentThread) {
  for (bool background : {false, true}) {
    Recorder rec;
    {
      BatchPrefetcher p(rec.producer(), background);
      for (int64_t s = 0; s < 20; ++s) {
        const auto in = p.get(s);
        ASSERT_EQ(step_of(in), s);
        // On the CPU the "device" rows are the host rows.
        ASSERT_TRUE(in.token_rows_device.defined());
        EXPECT_TRUE(in.token_rows_device.equal(in.token_rows));
        EXPECT_EQ(in.token_rows.numel(), s + 1);
      }
    }
    std::vector<int64_t> expected;
    for (int64_t s = 0; s < 20; ++s) expected.push_back(s);
    EXPECT_EQ(rec.read_besides(20), expected) << "background " << background;
    // Step 0 on the caller's thread; every later one on the same background thread.
    EXPECT_EQ(rec.threads.size(), background ? 2u : 1u);
  }
}

TEST(Prefetcher, AnotherStepRestartsThePipelineThere) {
  Recorder rec;
  {
    BatchPrefetcher p(rec.producer(), true);
    EXPECT_EQ(step_of(p.get(0)), 0);
    EXPECT_EQ(step_of(p.get(7)), 7);  // step 1 was read ahead and is dropped
    EXPECT_EQ(step_of(p.get(8)), 8);
  }
  EXPECT_EQ(rec.read_besides(9), (std::vector<int64_t>{0, 1, 7, 8}));
}

TEST(Prefetcher, PeekReturnsTheNextStepWithoutReadingItTwice) {
  Recorder rec;
  {
    BatchPrefetcher p(rec.producer(), true);
    p.get(0);
    EXPECT_EQ(p.peek(1).token_rows.numel(), 2);
    EXPECT_EQ(step_of(p.peek(1)), 1);
    EXPECT_EQ(step_of(p.get(1)), 1);
    EXPECT_EQ(step_of(p.peek(5)), 5);  // not the one read ahead: produced now, kept for get(5)
    EXPECT_EQ(step_of(p.get(5)), 5);
  }
  EXPECT_EQ(rec.read_besides(6), (std::vector<int64_t>{0, 1, 2, 5}));
}

TEST(Prefetcher, AProducersExceptionReachesTheStepThatAskedForIt) {
  for (bool background : {false, true}) {
    BatchPrefetcher p(
        [](int64_t step) {
          if (step == 3) throw std::runtime_error("cannot read step 3");
          return input_of(step);
        },
        background);
    for (int64_t s = 0; s < 3; ++s) EXPECT_EQ(step_of(p.get(s)), s);
    try {
      p.get(3);
      ADD_FAILURE() << "no exception (background " << background << ")";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "cannot read step 3");
    }
    EXPECT_THROW(p.peek(3), std::runtime_error);
    EXPECT_EQ(step_of(p.get(4)), 4);  // the pipeline goes on from another step
  }
  // A failed read ahead of a step nobody asks for is dropped.
  BatchPrefetcher p(
      [](int64_t step) {
        if (step == 1) throw std::runtime_error("cannot read step 1");
        return input_of(step);
      },
      true);
  p.get(0);
  EXPECT_EQ(step_of(p.get(2)), 2);
}

TEST(Prefetcher, DestroyedWhileAReadIsInFlight) {
  std::atomic<bool> started{false}, finished{false};
  std::atomic<int> reads{0};
  {
    BatchPrefetcher p(
        [&](int64_t step) {
          ++reads;
          if (step == 1) {
            started = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            finished = true;
          }
          return input_of(step);
        },
        true);
    p.get(0);
    while (!started) std::this_thread::yield();
  }  // mid-epoch: step 1 is being read
  EXPECT_TRUE(finished) << "the destructor returned before the read in flight finished";
  EXPECT_EQ(reads.load(), 2);  // nothing read after the stop
  // Destroyed with nothing in flight, and without ever being used.
  {
    BatchPrefetcher idle([](int64_t s) { return input_of(s); }, true);
  }
}
