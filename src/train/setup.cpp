// Building a Run, one function per job, in the order of the data flow.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "comm/gpu_placement.h"
#include "common/error.h"
#include "common/files.h"
#include "common/torch_compat.h"
#include "train/budget.h"
#include "train/fault_injection.h"
#include "train/fused_adamw.h"
#include "train/memory_estimate.h"
#include "train/run.h"
#include "train/run_identity.h"
#include "train/weight_average.h"

namespace sst {
namespace {

// Rank 0 takes the run directory: its lock (a second sst-train on it is refused at once), a refusal
// if a name the run writes is a symbolic link, then the temporaries that a writer killed mid-write
// left behind (nobody else can be writing here now).
void take_run_directory(Run& r) {
  r.lock = std::make_unique<rundir::RunLock>(r.dir);
  rundir::refuse_links(r.dir);
  if (const auto& stale = r.lock->stale_holder())
    std::fprintf(stderr, "note: %s was left by a process that is gone (%s); taken over\n", r.dir.lock_file().c_str(),
                 stale->c_str());
  remove_stale_temporaries(r.dir.root(), "", /*any_host=*/true);
  remove_stale_temporaries(r.dir.checkpoints(), "", /*any_host=*/true);
}

// The rank's input: the dataset file, the train subset and the global batch sequence.
void setup_input(Run& r) {
  auto& cfg = r.cfg;
  const auto& t = cfg.train;
  if (t.global_batch % (r.world.size * t.accum_steps) != 0)
    throw UserError("config: train.global_batch = " + std::to_string(t.global_batch) +
                    " is not divisible by world size x train.accum_steps = " + std::to_string(r.world.size) + " x " +
                    std::to_string(t.accum_steps));
  r.file = std::make_unique<dataset::DatasetFile>(cfg.data.path);
  r.train = std::make_unique<shard::SplitReader>(*r.file, "train", cfg.data.preload);
  r.dev = std::make_unique<shard::SplitReader>(*r.file, "dev", cfg.data.preload);
  cfg.model.vocab_size = r.file->tokenizer().vocab_size;
  cfg.model.num_classes = r.file->num_classes();

  // Lengths as the model sees them ([CLS] + tokens, truncated): D for the summary, and the sort
  // key of length bucketing.
  std::vector<int32_t> lengths(r.train->size());
  for (int64_t id = 0; id < r.train->size(); ++id)
    lengths[id] = static_cast<int32_t>(std::min<int64_t>(r.train->num_tokens(id), cfg.model.max_len - 1) + 1);
  auto pool = shard::nested_subset(r.train->size(), cfg.data.fraction, cfg.data.subset_seed);
  for (int64_t id : pool) r.train_tokens += lengths[id];
  r.train_lengths = lengths;
  r.sampler =
      std::make_unique<shard::GlobalBatchSampler>(pool, t.global_batch, t.seed, t.bucket_window, std::move(lengths));
}

// The run length (steps, or a token / FLOP budget, which needs the model's size), the LR schedule that
// spans it, and the steps to keep for cooldown branches (train/budget.h).
void setup_run_length(Run& r) {
  const auto& t = r.cfg.train;
  const int64_t n = r.model->num_non_embedding_params();
  const StepTokens step_tokens = [&r](int64_t step) {
    int64_t sum = 0;
    for (int64_t id : r.sampler->global_batch(step)) sum += r.train_lengths[static_cast<size_t>(id)];
    return sum;
  };
  const RunLength length = run_length(t, r.sampler->batches_per_epoch(), step_tokens, n);
  r.total_steps = length.steps;
  r.budget_tokens = length.budget_tokens;
  r.schedule = make_schedule(t, r.total_steps);
  r.snapshot_steps = snapshot_steps(t, step_tokens, n);
}

// Every rank must train the same model on the same data with the same settings (train/run_identity.h).
// Compared with rank 0's before the first collective whose sizes depend on them (the weights'
// broadcast): a mismatched rank ends every rank with the first differing key, instead of a crash in
// MPI or a model trained on inconsistent ranks. rank 0's text travels in the control plane's guarded
// broadcast (a few KB, once).
void agree_on_run(Run& r) {
  const std::string mine = run_identity(r.cfg, *r.file);
  const std::string root = r.control.broadcast(mine);
  r.control.run_on_all_ranks([&] {
    if (const auto diff = first_difference(mine, root))
      throw UserError("rank " + std::to_string(r.world.rank) + " (host " + r.world.host +
                      ") was started with another configuration or data than rank 0: " + *diff +
                      "; every rank of a run must run the same options on the same data");
  });
}

// One rank per GPU: the node's visible GPUs shared out by local rank (comm/gpu_placement.h).
torch::Device pick_device(Device want, const comm::World& world) {
  if (want == Device::kCpu || (want == Device::kAuto && !compat::cuda_available())) return torch::kCPU;
  if (!compat::cuda_available()) throw UserError("train.device = cuda, but no CUDA device is available to this build");
  const int visible = static_cast<int>(torch::cuda::device_count());
  return torch::Device(torch::kCUDA,
                       static_cast<c10::DeviceIndex>(comm::gpu_for_local_rank(world.local_rank, visible)));
}

// Threads, device, the model (same initial weights on every rank) and the weight average.
void setup_model(Run& r) {
  const auto& t = r.cfg.train;
  if (t.deterministic) compat::use_deterministic_algorithms();  // before the first CUDA call (pick_device's)
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  torch::set_num_threads(t.threads > 0 ? static_cast<int>(t.threads) : std::max(1, cores / r.world.local_size));
  r.device = pick_device(t.device, r.world);

  // Before anything is allocated: a config that cannot fit is refused with the estimate.
  check_memory_fits(estimate_training_memory(r.cfg, r.world.size), r.cfg, r.world.local_size, !r.device.is_cpu());
  if (r.device.is_cuda()) {
    const int gpus = static_cast<int>(torch::cuda::device_count());
    const int ranks_on_gpu = (r.world.local_size + gpus - 1) / gpus;  // round-robin (comm/gpu_placement.h)
    const GpuMemoryEstimate e = estimate_gpu_memory(r.cfg, r.world.size, compat::kHasFusedAttention);
    check_gpu_memory_fits(e, r.cfg, ranks_on_gpu, comm::gpu_free_memory_bytes(r.device.index()), r.device.str());
    r.gpu_memory_estimate = e.total();  // compared with the allocator's peak by --benchmark
  }
  torch::manual_seed(t.seed);
  r.model = TransformerClassifier(r.cfg.model);
  r.model->to(r.device);
  if (t.ema_decay > 0) r.average = make_average(r.model);
}

// A helper thread pays off when it does not take a core from the compute threads (measured on 2 cores,
// 2 ranks x 1 thread: overlap and prefetch each cost ~4%; see bench/RESULTS.md).
bool helper_thread_wanted(Toggle want, const Run& r) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const bool spare_core = cores > r.world.local_size * torch::get_num_threads() || !r.device.is_cpu();
  return want == Toggle::kOn || (want == Toggle::kAuto && spare_core);
}

// How the token embedding's gradient travels (comm/sparse_rows.h): one rank alone sends nothing.
comm::SparseMode sparse_mode(Toggle want, int world) {
  if (want == Toggle::kOn) return comm::SparseMode::kAlways;
  return want == Toggle::kAuto && world > 1 ? comm::SparseMode::kAuto : comm::SparseMode::kNever;
}

// The gradient communicator and synchronizer (which makes the parameters views into its flat buffer).
// Rank 0's initial weights are broadcast, so every rank starts from the same model even where seeded
// initialization could differ (another LibTorch build).
void setup_communication(Run& r) {
  const auto& t = r.cfg.train;
  auto choice = comm::make_communicator(r.control, r.device);
  r.comm = std::move(choice.comm);
  r.comm_note = choice.note;
  const auto params = r.model->parameters();
  comm::GradSyncOptions sync;
  sync.bucket_bytes = static_cast<int64_t>(t.allreduce_bucket_mb * (1 << 20));
  sync.overlap = helper_thread_wanted(t.overlap_allreduce, r) && r.world.size > 1;  // alone: nothing to overlap
  sync.shard = t.shard_optimizer;
  sync.sparse = sparse_mode(t.sparse_embedding, r.world.size);
  sync.fault = reduction_fault_from_env();
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].is_same(r.model->token_embedding())) sync.sparse_param = static_cast<int>(i);
  r.token_rows_needed = sync.sparse != comm::SparseMode::kNever;
  r.grads = std::make_unique<comm::GradientSynchronizer>(params, *r.comm, r.control, sync);
  torch::NoGradGuard no_grad;
  auto flat = r.grads->flat_params();
  r.comm->broadcast(flat, 0);
  r.comm->join();
  if (r.average) update_average(r.average, r.model, 0.0);
}

// AdamW with its two groups: fused over the flat buffers (this rank's shard of them, with sharding),
// or torch::optim::AdamW.
void setup_optimizer(Run& r) {
  const auto& t = r.cfg.train;
  AdamWSettings settings;
  settings.lr = t.lr;
  settings.weight_decay = t.weight_decay;
  auto groups = split_for_weight_decay(r.model);
  if (!t.fused_adamw) {
    r.optimizer = make_torch_adamw(groups, settings);
    return;
  }
  auto& g = *r.grads;
  FlatParameters flat{g.flat_params(), g.flat_grads(), g.params(), {}, g.update_span(), nullptr};
  for (size_t i = 0; i < g.layout().num_params(); ++i) flat.slots.push_back(g.layout().slot(i));
  if (g.sharded()) flat.gather_shards = [&g](torch::Tensor& state) { g.all_gather_shards(state); };
  r.optimizer = std::make_unique<FusedAdamW>(std::move(flat), std::move(groups), settings);
}

// This rank's B/W examples of global batch `step`, as accum_steps padded micro-batches on the host
// (the prefetcher stages them on the training device). Runs on the prefetch thread.
shard::StepInput read_step_batches(const Run& r, int64_t step) {
  const auto& t = r.cfg.train;
  auto local = r.sampler->local_slice(step, r.world.rank, r.world.size);
  const int64_t micro = static_cast<int64_t>(local.size()) / t.accum_steps;
  shard::StepInput out;
  for (int64_t m = 0; m < t.accum_steps; ++m) {
    std::vector<int64_t> ids(local.begin() + m * micro, local.begin() + (m + 1) * micro);
    out.micro.push_back(r.train->batch(ids, r.cfg.model.max_len));
  }
  if (r.token_rows_needed) out.token_rows = shard::unique_tokens(out.micro);
  return out;
}

// The input pipeline: this rank's micro-batches of each step, read ahead on a background thread.
void setup_pipeline(Run& r) {
  r.batches = std::make_unique<shard::BatchPrefetcher>([&r](int64_t step) { return read_step_batches(r, step); },
                                                       helper_thread_wanted(r.cfg.train.prefetch, r), r.device);
}

}  // namespace

int run_or_abort(Run& r, const std::function<int()>& body) {
  try {
    return body();
  } catch (const CollectiveError&) {
    throw;
  } catch (const std::exception& e) {
    if (r.comm) r.comm->abort();
    if (r.world.size > 1) {
      std::fprintf(stderr, "sst-train: error (rank %d): %s\n", r.world.rank, printable_message(e.what()).c_str());
      std::fflush(stderr);
      comm::abort_world(1);
    }
    throw;
  }
}

void setup(Run& r) {
  r.control.run_on_root([&] { take_run_directory(r); });
  // Local work first, agreed on: a failure on any rank (a bad file, a bad config) ends every rank with
  // it, before any rank enters a collective the failed one would never join.
  r.control.run_on_all_ranks([&] {
    setup_input(r);
    setup_model(r);
    setup_run_length(r);
  });
  agree_on_run(r);
  setup_communication(r);
  setup_optimizer(r);
  setup_pipeline(r);
  install_fault_injection(r);
}

}  // namespace sst
