#include "train/config.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/options.h"
#include "common/text.h"
#include "train/budget.h"
#include "train/threading_env.h"

namespace po = boost::program_options;

namespace sst {
namespace {

// The environment knobs sst-train reads, for --help.
constexpr const char* kEnvironmentHelp =
    "Environment (timeouts: a plain number of seconds >= 0, 0 = no deadline; anything else is refused):\n"
    "  SST_NCCL_TIMEOUT_S      seconds an NCCL collective may take before the communicator is aborted\n"
    "                          and the job ends, naming it (default 300; 0: never)\n"
    "  SST_COLLECTIVE_TIMEOUT_S\n"
    "                          seconds an MPI collective may make no progress (a peer or its network is\n"
    "                          gone) before the job is aborted, naming it (default 600; 0: never)\n"
    "  SST_INJECT_NAN_AT_STEP  tests only: make one rank's loss NaN at this step (exercises train.nan_policy)\n"
    "  SST_INJECT_NAN_RANK     tests only: the rank of SST_INJECT_NAN_AT_STEP (default 0)\n"
    "  SST_INJECT_ERROR_AT_STEP, SST_INJECT_ERROR_RANK\n"
    "                          tests only: that rank alone throws at that step (exercises the failure path)\n"
    "  OMP_WAIT_POLICY         default PASSIVE: sst-train sets it when unset (and restarts itself once)\n"
    "  OPENBLAS_NUM_THREADS    default the threads per rank (--train.threads, else cores / ranks on the node);\n"
    "                          set by sst-train when unset, as OMP_WAIT_POLICY; your own values win\n";

constexpr Resume kMustMatch = Resume::kMustMatch;

// The options table: every key of the run's configuration, "section.key" as in the INI file. The
// options marked kMustMatch shape the run's trajectory: resuming continues the same run, so they are
// refused if they differ from the checkpoint's (the model's architecture is checked apart, by
// model_signature; the seed by the checkpoint). An option table: longer than 80 lines on purpose, one
// declaration per option in the INI file's order.
void add_config_options(OptionTable& o, Config& c) {
  auto& d = c.data;
  o.add("data.path", d.path, "HDF5 file written by sst-prep");
  o.add("data.fraction", d.fraction, "fraction of train examples used (nested subsets of one fixed order)",
        left_open(0, 1), kMustMatch);
  o.add("data.subset_seed", d.subset_seed, "seed of the fixed train order the subsets are cut from", {}, kMustMatch);
  o.add("data.preload", d.preload,
        "read the train and dev token ids into memory once (false: read every batch from the file)");
  for_each_model_field(c.model, [&](const ModelField& f, auto& field) {
    if (f.option) o.add(std::string("model.") + f.name, field, f.help, f.range);
  });
  auto& t = c.train;
  o.add("train.seed", t.seed, "seed for init, data order and dropout");
  o.add("train.global_batch", t.global_batch, "examples per optimizer step over all ranks", closed(1, 1 << 24),
        kMustMatch);
  o.add("train.accum_steps", t.accum_steps, "micro-batches accumulated per step on each rank", closed(1, 1 << 20));
  o.add("train.lr", t.lr, "peak learning rate (AdamW)", above(0), kMustMatch);
  o.add("train.min_lr_ratio", t.min_lr_ratio, "final lr as a fraction of the peak (cosine, wsd)", closed(0, 1),
        kMustMatch);
  // Every length, budget and count has an upper bound (train/budget.h: kMaxRunSteps), checked here
  // before setup: an absurd value is refused with the limit, never turned into a loop or an overflow.
  const Range steps = closed(0, static_cast<double>(kMaxRunSteps));
  o.add("train.warmup_steps", t.warmup_steps, "linear warmup steps", steps, kMustMatch);
  o.add("train.max_steps", t.max_steps, "optimizer steps; 0 = from the budget (max_tokens, max_flops), else epochs",
        steps);
  o.add("train.epochs", t.epochs,
        "epochs over the (subset of the) train split, used when max_steps = 0 and there is no budget", closed(0, 1e6));
  o.add("train.max_tokens", t.max_tokens,
        "token budget: train ceil(max_tokens / expected non-pad tokens per step) steps, cycling the data as "
        "needed; the LR schedule spans exactly this run; 0 = none",
        closed(0, 1e15));
  o.add("train.max_flops", t.max_flops,
        "compute budget C in FLOPs: train C / (6 N) tokens, N = the model's non-embedding parameters (as "
        "summary.json's flops); 0 = none",
        closed(0, 1e27));
  o.add("train.schedule", t.schedule,
        "LR after warmup: cosine decay over the run, or wsd (warmup-stable-decay: the peak, then a cooldown "
        "of decay_fraction of the run)",
        {}, kMustMatch);
  o.add("train.decay_fraction", t.decay_fraction, "wsd: the cooldown's share of the run's steps", left_open(0, 1));
  o.add("train.cooldown", t.cooldown, "wsd: the cooldown's shape, from the peak to lr x min_lr_ratio", {}, kMustMatch);
  o.add("train.snapshot_budgets", t.snapshot_budgets,
        "wsd with a budget: comma-separated smaller budgets (same unit as max_tokens / max_flops); the checkpoint "
        "where each one's cooldown starts is kept in RUN_DIR/snapshots/ for cooldown branches");
  o.add("train.branch_from", t.branch_from,
        "wsd with a budget: a run directory trained with this run's budget in its snapshot_budgets; a fresh start "
        "continues from its snapshot at this run's cooldown start (the same run, its shared prefix not retrained)");
  o.add("train.weight_decay", t.weight_decay, "AdamW weight decay (not on biases, LayerNorm, embeddings)", at_least(0),
        kMustMatch);
  o.add("train.grad_clip", t.grad_clip, "clip the global gradient L2 norm; 0 = off", at_least(0), kMustMatch);
  o.add("train.label_smoothing", t.label_smoothing, "label smoothing of the cross-entropy", half_open(0, 1),
        kMustMatch);
  o.add("train.ema_decay", t.ema_decay,
        "evaluate an exponential moving average of the weights with this decay per step (from the end of "
        "warmup; stored in checkpoints, used by sst-analyze); 0 = off",
        half_open(0, 1), kMustMatch);
  o.add("train.eval_every", t.eval_every, "evaluate on dev every N steps (and at the end)", at_least(1));
  o.add("train.log_every", t.log_every, "write a metrics line every N steps", at_least(1));
  o.add("train.checkpoint_every", t.checkpoint_every, "checkpoint every N steps (and at the end)", at_least(1));
  o.add("train.keep_checkpoints", t.keep_checkpoints, "keep the last K step checkpoints (best is kept apart)",
        at_least(1));
  o.add("train.halt_at_step", t.halt_at_step,
        "checkpoint and exit with code 75 after this step, as on SIGUSR1 (train in chunks); 0 = off", steps);
  o.add("train.patience", t.patience, "early stopping: evaluations without a better dev loss; 0 = off", at_least(0));
  o.add("train.threads", t.threads, "intra-op threads per rank; 0 = cores on this node / ranks on this node",
        closed(0, 4096));
  o.add("train.bucket_window", t.bucket_window,
        "length bucketing: sort each window of this many global batches by length, then shuffle the batches "
        "(less padding); 0 = off",
        at_least(0), kMustMatch);
  o.add("train.allreduce_bucket_mb", t.allreduce_bucket_mb,
        "gradients are all-reduced in buckets of about this many MB", left_open(0, 4096));
  o.add("train.overlap_allreduce", t.overlap_allreduce,
        "all-reduce each gradient bucket as soon as backward has produced it (MPI: on a helper thread, CPU "
        "tensors; NCCL: on its own CUDA stream); auto = when a core is free for it or on GPU");
  o.add("train.prefetch", t.prefetch,
        "read and pad the next batch on a background thread; auto = when a core is free for it or on GPU");
  o.add("train.fused_adamw", t.fused_adamw,
        "AdamW as a few vector operations over the flat parameter/gradient buffers (false: torch::optim::AdamW, a "
        "loop over parameters; same math and checkpoints)");
  o.add("train.shard_optimizer", t.shard_optimizer,
        "ZeRO-1: gradients reduce-scattered, each rank keeps AdamW state for and updates only its 1/world shard of "
        "the parameters, which are then all-gathered (needs train.fused_adamw; checkpoints hold the full state)");
  o.add("train.sparse_embedding", t.sparse_embedding,
        "send only the token-embedding gradient rows a step touched (all-gathered ids + rows) instead of "
        "all-reducing the whole table; auto = per step, when smaller than the table (never on one rank)");
  o.add("train.device", t.device, "where the model lives (auto: CUDA when available)");
  o.add("train.precision", t.precision,
        "bf16: the forward pass under autocast (matmuls in bf16; weights, gradients, optimizer state, softmax and "
        "loss stay fp32; checkpoints are the same in either precision)");
  o.add("train.deterministic", t.deterministic,
        "deterministic kernels only (LibTorch's deterministic algorithms, cuDNN deterministic and not benchmarked, "
        "cuBLAS's fixed workspace CUBLAS_WORKSPACE_CONFIG=:4096:8): a GPU run repeats bit for bit, at some speed; an "
        "op without a deterministic kernel is an error");
  o.add("train.nan_policy", t.nan_policy, "a non-finite loss or gradient: stop (an error) or skip (drop the step)");
  o.add("train.memory_limit_gb", t.memory_limit_gb,
        "refuse a run whose estimated memory (model, optimizer state, activations of a full-length micro-batch) "
        "for the ranks on a node exceeds this many GB; 0 = the memory available when the run starts",
        at_least(0));
  o.add("train.gpu_memory_gb", t.gpu_memory_gb,
        "on a GPU: refuse a run whose estimated GPU memory per rank (weights, gradients, optimizer state, average, "
        "bf16 copies, a micro-batch's activations) times the ranks sharing the GPU exceeds this many GB; 0 = the "
        "device's free memory when the run starts",
        at_least(0));
  o.add("output.dir", c.out_dir, "run directory: checkpoints, metrics.jsonl, summary.json");
  o.add("output.run_name", c.run_name, "name recorded in summary.json (default: the run directory's name)");
  o.add("output.tensorboard", c.tensorboard,
        "also write metrics.jsonl's numbers as TensorBoard scalars (train/loss, eval/dev_acc, ...) into "
        "RUN_DIR/tensorboard/ (tensorboard --logdir RUN_DIR)");
}

// The --config file: a readable regular file (a directory opens as an empty stream and would silently
// leave every option at its default).
void store_config_file(const std::string& file, const po::options_description& conf, po::variables_map& vm) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw UserError("config file " + file + " does not exist");
  if (!std::filesystem::is_regular_file(file, ec)) throw UserError("config file " + file + " is not a regular file");
  const std::string text = text::read_file(file, "config file");
  // Boost's message would be cut at a NUL byte (what() is a C string): named here instead.
  if (const auto nul = text.find('\0'); nul != std::string::npos)
    throw UserError("config file " + file + ": line " +
                    std::to_string(1 + std::count(text.begin(), text.begin() + nul, '\n')) +
                    " holds a NUL byte (not a text file?)");
  std::istringstream in(text);
  try {
    po::store(po::parse_config_file(in, conf, /*allow_unregistered=*/false), vm);
  } catch (const po::error& e) {
    throw UserError("config file " + file + ": " + e.what());
  }
}

// The command line's own options (not part of the run's configuration).
struct GeneralOptions {
  std::optional<std::string> config_file, data, out_dir;
  bool print_config = false;
};

void add_general_options(OptionTable& o, GeneralOptions& g, Config& c) {
  o.add_optional("config", g.config_file, "FILE", "INI config file (see configs/)");
  o.add_optional("data", g.data, "FILE.h5", "shorthand for --data.path");
  o.add_optional("out-dir", g.out_dir, "DIR", "shorthand for --output.dir");
  o.add("resume", c.resume, "none | auto (newest valid checkpoint in the run directory) | PATH");
  o.add_flag("print-config", g.print_config, "check and print the resolved configuration as INI, and exit");
  o.add_flag("benchmark", c.benchmark.enabled,
             "time training steps instead of training: per-phase breakdown per rank, examples/s and tokens/s in "
             "OUT_DIR/benchmark.json (no evaluation, no checkpoints)");
}

}  // namespace

ParseOutcome parse_config(int argc, const char* const* argv, Config& c) {
  po::options_description general(
      "sst-train: data-parallel transformer training on tokenized SST-2.\n"
      "Usage: [mpirun -np K] sst-train [--config FILE] [--data FILE.h5] [--out-dir DIR] "
      "[--section.key=value ...]\n"
      "Without --config every option starts from the default shown below.\n\nGeneral");
  general.add_options()("help,h", "print this help and exit");
  GeneralOptions g;
  OptionTable gen("", "--");
  add_general_options(gen, g, c);
  general.add(gen.description());
  OptionTable bench("Benchmark (with --benchmark)");
  bench.add("benchmark.steps", c.benchmark.steps, "measured steps", at_least(1));
  bench.add("benchmark.warmup", c.benchmark.warmup, "unmeasured steps before them", at_least(0));
  OptionTable conf("Configuration (INI sections [data] [model] [train] [output]; override as --section.key=value)");
  add_config_options(conf, c);
  po::options_description all;
  all.add(general).add(bench.description()).add(conf.description());

  po::variables_map vm;
  try {
    // Command line first: po::store keeps the first value it sees, so the CLI wins over the file.
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("help")) {
      std::cout << all << "\n"
                << kEnvironmentHelp
                << "\nExit codes: 0 done, 1 error, 75 checkpointed after SIGTERM/SIGUSR1 (requeue and "
                   "--resume auto).\n";
      return ParseOutcome::kHelpPrinted;
    }
    if (vm.count("config")) store_config_file(vm["config"].as<std::string>(), conf.description(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError(std::string("command line: ") + e.what());
  }
  if (g.config_file) c.source_file = *g.config_file;
  if (g.data && !g.data->empty()) c.data.path = *g.data;
  if (g.out_dir && !g.out_dir->empty()) c.out_dir = *g.out_dir;
  if (c.run_name.empty()) c.run_name = std::filesystem::path(c.out_dir).lexically_normal().filename().string();
  c.resolved_ini = conf.to_ini();
  c.must_match_on_resume = conf.must_match_on_resume();
  validate_config(c);
  if (g.print_config) {
    std::cout << c.resolved_ini << "\n# environment: " << threading_environment_summary() << "\n";
    return ParseOutcome::kConfigPrinted;
  }
  return ParseOutcome::kRun;
}

void validate_config(const Config& c) {
  auto fail = [](const std::string& key, const std::string& why) { throw UserError("config: " + key + " " + why); };
  const auto& m = c.model;
  const auto& t = c.train;
  if (m.d_model % m.heads != 0)
    fail("model.heads", "= " + std::to_string(m.heads) + " must divide model.d_model = " + std::to_string(m.d_model));
  const bool budget = t.max_tokens > 0 || t.max_flops > 0;
  if (t.max_steps == 0 && !budget && !(t.epochs > 0))
    fail("train.epochs", "must be > 0 when train.max_steps = 0 and there is no budget");
  if (t.max_tokens > 0 && t.max_flops > 0) fail("train.max_flops", "and train.max_tokens are two budgets: give one");
  if (budget && t.max_steps > 0)
    fail("train.max_steps", "and a budget (train.max_tokens / train.max_flops) both set the run length: give one");
  // Branching relies on the LR before the cooldown being independent of the run's length: wsd only.
  auto check_branching = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (t.schedule != ScheduleKind::kWsd) fail(key, "needs train.schedule = wsd");
    if (!budget) fail(key, "needs a budget (train.max_tokens or train.max_flops)");
  };
  check_branching("train.snapshot_budgets", t.snapshot_budgets);
  check_branching("train.branch_from", t.branch_from);
  if (!t.snapshot_budgets.empty()) {
    const double own = t.max_flops > 0 ? t.max_flops : static_cast<double>(t.max_tokens);
    for (double b : parse_budget_list(t.snapshot_budgets, "train.snapshot_budgets"))
      if (b > own) {
        char text[64];
        std::snprintf(text, sizeof text, "%g", b);
        fail("train.snapshot_budgets", std::string("lists ") + text + ", more than this run's own budget");
      }
  }
  if (c.data.path.empty()) fail("data.path", "must name the HDF5 file written by sst-prep");
  if (c.out_dir.empty()) fail("output.dir", "must name the run directory");
  if (t.shard_optimizer && !t.fused_adamw)
    fail("train.shard_optimizer", "= true needs train.fused_adamw = true (the sharded update is the fused one)");
}

std::vector<std::string> changed_on_resume(const Config& cfg, const std::string& checkpoint_ini) {
  const auto before = text::parse_ini(checkpoint_ini, "checkpoint config");
  const auto now = text::parse_ini(cfg.resolved_ini, "resolved config");
  // Values are compared as numbers where both are numbers: "0.001" and "1e-3" are the same setting.
  auto same = [](const std::string& a, const std::string& b) {
    try {
      size_t ia = 0, ib = 0;
      const double x = std::stod(a, &ia), y = std::stod(b, &ib);
      if (ia == a.size() && ib == b.size()) return x == y;
    } catch (const std::exception&) {
    }
    return a == b;
  };
  std::vector<std::string> changed;
  for (const auto& key : cfg.must_match_on_resume) {
    const std::string old_value = text::ini_value(before, key), new_value = text::ini_value(now, key);
    if (old_value.empty()) continue;  // a checkpoint from before the option existed
    if (!same(old_value, new_value)) changed.push_back(key + " = " + new_value + " (checkpoint: " + old_value + ")");
  }
  return changed;
}

}  // namespace sst
