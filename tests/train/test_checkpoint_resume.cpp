// Resuming on any device: a checkpoint is read into host memory and copied into the live tensors, so
// parameters that are views into the gradient synchronizer's flat buffer stay views with their
// gradient accumulators (the overlap hooks keep firing), and metadata never reads device memory.
// On a GPU the same path runs with CUDA tensors (tests/gpu: Checkpoints.WrittenOnTheGpuResumeOnTheCpuAndBack).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checkpoint_fixture.h"
#include "comm/grad_sync.h"
#include "common/error.h"
#include "test_support.h"
#include "train/checkpoint.h"
#include "train/fused_adamw.h"

using ::testing::HasSubstr;

namespace {

// An asynchronous backend on one rank (the sum over one rank is the tensor itself) that counts the
// gradient buckets issued: issued from the backward hooks when overlap works, else only by finish().
class CountingComm final : public sst::comm::Communicator {
 public:
  std::string name() const override { return "counting"; }
  void allreduce_sum(torch::Tensor&) override { ++issued; }
  void broadcast(torch::Tensor&, int) override {}
  void reduce_scatter_sum(torch::Tensor&, const std::vector<int64_t>&) override { ++issued; }
  void all_gather(torch::Tensor&, const std::vector<int64_t>&) override {}
  bool asynchronous() const override { return true; }
  int issued = 0;
};

// What a rank holds for training, as setup.cpp builds it: the model, the synchronizer that makes its
// parameters views into the flat buffers (small buckets: several of them), the fused AdamW over those.
struct Trainee {
  explicit Trainee(const sst::ModelConfig& cfg, uint64_t seed)
      : model((torch::manual_seed(seed), sst::TransformerClassifier(cfg))),
        control(sst::comm::World{}),
        sync(model->parameters(), comm, control, options()) {
    sst::FlatParameters flat{sync.flat_params(), sync.flat_grads(), sync.params(), {}, sync.update_span(), nullptr};
    for (size_t i = 0; i < sync.layout().num_params(); ++i) flat.slots.push_back(sync.layout().slot(i));
    sst::AdamWSettings settings;
    settings.weight_decay = 0.1;
    optimizer = std::make_unique<sst::FusedAdamW>(std::move(flat), sst::split_for_weight_decay(model), settings);
  }
  static sst::comm::GradSyncOptions options() {
    sst::comm::GradSyncOptions o;
    o.bucket_bytes = 2048;
    o.overlap = true;
    return o;
  }
  // One step; returns how many buckets were issued while backward ran (before finish()).
  int step() {
    sync.zero_grad();
    sync.arm();
    comm.issued = 0;
    auto ids = torch::arange(4, 28, torch::kLong).view({4, 6});
    model->forward(ids, torch::zeros({4, 6}, torch::kBool)).pow(2).sum().backward();
    const int during_backward = comm.issued;
    sync.finish();
    optimizer->step(1e-2);
    return during_backward;
  }

  sst::TransformerClassifier model;
  CountingComm comm;
  sst::comm::ControlPlane control;
  sst::comm::GradientSynchronizer sync;
  std::unique_ptr<sst::Optimizer> optimizer;
};

struct Resume : ::testing::Test {
  sst::ModelConfig cfg = sst::checkpoint_test::tiny_config();
  sst::test::TempDir dir{"ckpt-resume"};
  sst::CheckpointMeta meta() const {
    sst::CheckpointMeta m;
    m.model = cfg;
    m.state.step = 1;
    m.tokenizer.model_proto = "proto";
    m.tokenizer.vocab_size = 30;
    return m;
  }
};

}  // namespace

TEST_F(Resume, CopiesIntoTheLiveParametersKeepingFlatBufferViewsAndAccumulators) {
  Trainee a(cfg, 1);
  a.step();
  sst::save_checkpoint(dir / "c.pt", a.model, a.optimizer.get(), meta());

  Trainee b(cfg, 2);
  std::vector<void*> storage;
  std::vector<torch::autograd::Node*> accumulators;
  for (auto& p : b.model->parameters()) {
    storage.push_back(p.data_ptr());
    accumulators.push_back(torch::autograd::impl::grad_accumulator(p).get());
  }
  sst::load_checkpoint(dir / "c.pt", b.model, b.optimizer.get());
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  const auto views = sst::comm::slot_views(b.sync.layout(), b.sync.flat_params(), pb);
  for (size_t i = 0; i < pb.size(); ++i) {
    EXPECT_TRUE(torch::equal(pb[i], pa[i])) << "parameter " << i << " restored";
    EXPECT_EQ(pb[i].data_ptr(), storage[i]) << "parameter " << i << " left its storage";
    EXPECT_EQ(pb[i].data_ptr(), views[i].data_ptr()) << "parameter " << i << " is no longer a flat-buffer view";
    EXPECT_EQ(torch::autograd::impl::grad_accumulator(pb[i]).get(), accumulators[i])
        << "parameter " << i << " got a new gradient accumulator (its overlap hook is gone)";
  }
}

TEST_F(Resume, OverlappedReductionStillRunsDuringBackward) {
  Trainee a(cfg, 1);
  const int buckets = a.sync.num_buckets();
  ASSERT_GE(buckets, 3) << "the test needs several buckets";
  EXPECT_EQ(a.step(), buckets) << "no resume: every bucket is reduced from the hooks";
  sst::save_checkpoint(dir / "c.pt", a.model, a.optimizer.get(), meta());

  Trainee b(cfg, 2);
  sst::load_checkpoint(dir / "c.pt", b.model, b.optimizer.get());
  EXPECT_EQ(b.step(), buckets) << "after the resume, every bucket is still reduced during backward";
  // And the resumed step is the step the original takes: weights, flat buffers and moments restored.
  a.step();
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
}

// The content archive mapped off the host (`meta`, which has no data, stands in for a GPU here): the
// metadata reader refuses it by name instead of building strings from device pointers.
TEST_F(Resume, MetadataIsReadFromHostMemoryOnly) {
  Trainee a(cfg, 1);
  sst::save_checkpoint(dir / "c.pt", a.model, a.optimizer.get(), meta());
  torch::serialize::InputArchive outer;
  outer.load_from(dir / "c.pt", torch::Device(torch::kCPU));
  torch::Tensor bytes;
  outer.read("sst/content", bytes, /*is_buffer=*/true);
  auto open = [&](torch::Device device) {
    torch::serialize::InputArchive content;
    content.load_from(static_cast<const char*>(bytes.data_ptr()), static_cast<size_t>(bytes.numel()), device);
    return content;
  };
  auto on_host = open(torch::kCPU);
  EXPECT_EQ(sst::read_archive_meta(on_host, "c.pt").tokenizer.model_proto, "proto");
  auto off_host = open(torch::Device(torch::kMeta));
  try {
    sst::read_archive_meta(off_host, "c.pt");
    FAIL() << "metadata read from an archive mapped to the meta device";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'tokenizer/model' is not in host memory (on meta)"));
  }
  // The loader itself always maps to the host.
  EXPECT_EQ(sst::read_checkpoint_meta(dir / "c.pt").tokenizer.model_proto, "proto");
}
