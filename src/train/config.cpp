#include "train/config.h"

#include <boost/program_options.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "common/error.h"

namespace po = boost::program_options;

namespace sst {
namespace {

// The options table. Keys are "section.key", as in the INI file.
po::options_description config_options(Config& c) {
  po::options_description d(
      "Configuration (INI sections [data] [model] [train] [output]; override as --section.key=value)");
  auto& m = c.model;
  auto& t = c.train;
  // clang-format off
  d.add_options()
    ("data.path", po::value(&c.data.path)->default_value(c.data.path), "HDF5 file written by sst-prep")
    ("data.fraction", po::value(&c.data.fraction)->default_value(c.data.fraction), "fraction of train examples used (nested subsets of one fixed order)")
    ("data.subset_seed", po::value(&c.data.subset_seed)->default_value(c.data.subset_seed), "seed of the fixed train order the subsets are cut from")
    ("data.preload", po::value(&c.data.preload)->default_value(c.data.preload), "read the train and dev token ids into memory once (false: read every batch from the file)")
    ("model.d_model", po::value(&m.d_model)->default_value(m.d_model), "embedding / residual width")
    ("model.layers", po::value(&m.layers)->default_value(m.layers), "number of encoder layers")
    ("model.heads", po::value(&m.heads)->default_value(m.heads), "attention heads per layer (must divide d_model)")
    ("model.ff_dim", po::value(&m.ff_dim)->default_value(m.ff_dim), "feed-forward hidden width")
    ("model.max_len", po::value(&m.max_len)->default_value(m.max_len), "max positions incl. [CLS]; longer sentences are truncated and counted")
    ("model.dropout", po::value(&m.dropout)->default_value(m.dropout), "dropout on embeddings, attention output and feed-forward")
    ("model.pooling", po::value(&m.pooling)->default_value(m.pooling), "cls | mean")
    ("model.position", po::value(&m.position)->default_value(m.position), "learned (position embedding) | none (no order information)")
    ("model.word_dropout", po::value(&m.word_dropout)->default_value(m.word_dropout), "training only: hide each token (not [CLS]) from attention and pooling with this probability")
    ("train.seed", po::value(&t.seed)->default_value(t.seed), "seed for init, data order and dropout")
    ("train.global_batch", po::value(&t.global_batch)->default_value(t.global_batch), "examples per optimizer step over all ranks")
    ("train.accum_steps", po::value(&t.accum_steps)->default_value(t.accum_steps), "micro-batches accumulated per step on each rank")
    ("train.lr", po::value(&t.lr)->default_value(t.lr), "peak learning rate (AdamW)")
    ("train.min_lr_ratio", po::value(&t.min_lr_ratio)->default_value(t.min_lr_ratio), "final lr as a fraction of the peak (cosine)")
    ("train.warmup_steps", po::value(&t.warmup_steps)->default_value(t.warmup_steps), "linear warmup steps")
    ("train.max_steps", po::value(&t.max_steps)->default_value(t.max_steps), "optimizer steps; 0 = epochs x batches per epoch")
    ("train.epochs", po::value(&t.epochs)->default_value(t.epochs), "epochs over the (subset of the) train split, used when max_steps = 0")
    ("train.weight_decay", po::value(&t.weight_decay)->default_value(t.weight_decay), "AdamW weight decay (not on biases, LayerNorm, embeddings)")
    ("train.grad_clip", po::value(&t.grad_clip)->default_value(t.grad_clip), "clip the global gradient L2 norm; 0 = off")
    ("train.label_smoothing", po::value(&t.label_smoothing)->default_value(t.label_smoothing), "label smoothing of the cross-entropy")
    ("train.ema_decay", po::value(&t.ema_decay)->default_value(t.ema_decay), "evaluate an exponential moving average of the weights with this decay per step (from the end of warmup; stored in checkpoints, used by sst-analyze); 0 = off")
    ("train.eval_every", po::value(&t.eval_every)->default_value(t.eval_every), "evaluate on dev every N steps (and at the end)")
    ("train.log_every", po::value(&t.log_every)->default_value(t.log_every), "write a metrics line every N steps")
    ("train.checkpoint_every", po::value(&t.checkpoint_every)->default_value(t.checkpoint_every), "checkpoint every N steps (and at the end)")
    ("train.keep_checkpoints", po::value(&t.keep_checkpoints)->default_value(t.keep_checkpoints), "keep the last K step checkpoints (best is kept apart)")
    ("train.halt_at_step", po::value(&t.halt_at_step)->default_value(t.halt_at_step), "checkpoint and exit with code 75 after this step, as on SIGUSR1 (train in chunks); 0 = off")
    ("train.patience", po::value(&t.patience)->default_value(t.patience), "early stopping: evaluations without a better dev loss; 0 = off")
    ("train.threads", po::value(&t.threads)->default_value(t.threads), "intra-op threads per rank; 0 = cores on this node / ranks on this node")
    ("train.bucket_window", po::value(&t.bucket_window)->default_value(t.bucket_window), "length bucketing: sort each window of this many global batches by length, then shuffle the batches (less padding); 0 = off")
    ("train.allreduce_bucket_mb", po::value(&t.allreduce_bucket_mb)->default_value(t.allreduce_bucket_mb), "gradients are all-reduced in buckets of about this many MB")
    ("train.overlap_allreduce", po::value(&t.overlap_allreduce)->default_value(t.overlap_allreduce), "auto | true | false: all-reduce each gradient bucket as soon as backward has produced it (MPI backend, CPU); auto = when a core is free for it or on GPU")
    ("train.prefetch", po::value(&t.prefetch)->default_value(t.prefetch), "auto | true | false: read and pad the next batch on a background thread; auto = when a core is free for it or on GPU")
    ("train.device", po::value(&t.device)->default_value(t.device), "auto | cpu | cuda")
    ("train.nan_policy", po::value(&t.nan_policy)->default_value(t.nan_policy), "non-finite loss or gradient: stop (error) | skip (drop the step)")
    ("output.dir", po::value(&c.out_dir)->default_value(c.out_dir), "run directory: checkpoints, metrics.jsonl, summary.json")
    ("output.run_name", po::value(&c.run_name)->default_value(c.run_name), "name recorded in summary.json (default: the run directory's name)");
  // clang-format on
  return d;
}

// Renders one stored value as text for --print-config and the run's config.ini.
std::string value_text(const po::variable_value& v) {
  const boost::any& a = v.value();
  std::ostringstream os;
  os.precision(10);
  if (auto p = boost::any_cast<int64_t>(&a))
    os << *p;
  else if (auto p = boost::any_cast<uint64_t>(&a))
    os << *p;
  else if (auto p = boost::any_cast<double>(&a))
    os << *p;
  else if (auto p = boost::any_cast<std::string>(&a))
    os << *p;
  else if (auto p = boost::any_cast<bool>(&a))
    os << (*p ? "true" : "false");
  return os.str();
}

std::string to_ini(const po::options_description& d, const po::variables_map& vm) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> sections;
  std::vector<std::string> order;
  for (const auto& opt : d.options()) {
    const std::string& key = opt->long_name();
    auto dot = key.find('.');
    std::string section = key.substr(0, dot);
    if (!sections.count(section)) order.push_back(section);
    sections[section].emplace_back(key.substr(dot + 1), value_text(vm[key]));
  }
  std::ostringstream os;
  for (const auto& s : order) {
    os << "[" << s << "]\n";
    for (const auto& [k, v] : sections[s]) os << k << " = " << v << "\n";
    os << "\n";
  }
  return os.str();
}

}  // namespace

ParseOutcome parse_config(int argc, const char* const* argv, Config& c) {
  po::options_description general(
      "sst-train: data-parallel transformer training on tokenized SST-2.\n"
      "Usage: [mpirun -np K] sst-train --config FILE [--data FILE.h5] [--out-dir DIR] "
      "[--section.key=value ...]\n\nGeneral");
  std::string data_override, out_override;
  // clang-format off
  general.add_options()
    ("help,h", "print this help and exit")
    ("config", po::value(&c.source_file), "INI config file (see configs/)")
    ("data", po::value(&data_override), "shorthand for --data.path")
    ("out-dir", po::value(&out_override), "shorthand for --output.dir")
    ("resume", po::value(&c.resume)->default_value(c.resume), "none | auto (newest valid checkpoint in the run directory) | PATH")
    ("print-config", "print the resolved configuration as INI and exit")
    ("benchmark", po::bool_switch(&c.benchmark.enabled), "time training steps instead of training: per-phase breakdown per rank, "
                  "examples/s and tokens/s in OUT_DIR/benchmark.json (no evaluation, no checkpoints)")
    ("benchmark.steps", po::value(&c.benchmark.steps)->default_value(c.benchmark.steps), "measured steps")
    ("benchmark.warmup", po::value(&c.benchmark.warmup)->default_value(c.benchmark.warmup), "unmeasured steps before them");
  // clang-format on
  po::options_description conf = config_options(c);
  po::options_description all;
  all.add(general).add(conf);

  po::variables_map vm;
  try {
    // Command line first: po::store keeps the first value it sees, so the CLI wins over the file.
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("help")) {
      std::cout << all
                << "\nExit codes: 0 done, 1 error, 75 checkpointed after SIGTERM/SIGUSR1 (requeue and "
                   "--resume auto).\n";
      return ParseOutcome::kHelpPrinted;
    }
    if (vm.count("config")) {
      const std::string file = vm["config"].as<std::string>();
      std::ifstream in(file);
      if (!in) throw UserError("cannot open config file " + file);
      try {
        po::store(po::parse_config_file(in, conf, /*allow_unregistered=*/false), vm);
      } catch (const po::error& e) {
        throw UserError("config file " + file + ": " + e.what());
      }
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError(std::string("command line: ") + e.what());
  }
  if (!data_override.empty()) c.data.path = data_override;
  if (!out_override.empty()) c.out_dir = out_override;
  if (c.run_name.empty()) c.run_name = std::filesystem::path(c.out_dir).lexically_normal().filename().string();
  // Re-store the shorthands so the printed config shows what will really be used.
  vm.at("data.path").value() = c.data.path;
  vm.at("output.dir").value() = c.out_dir;
  vm.at("output.run_name").value() = c.run_name;
  c.resolved_ini = to_ini(conf, vm);
  if (vm.count("print-config")) {
    std::cout << c.resolved_ini;
    return ParseOutcome::kConfigPrinted;
  }
  return ParseOutcome::kRun;
}

void validate_config(const Config& c) {
  auto fail = [](const std::string& key, const std::string& why) { throw UserError("config: " + key + " " + why); };
  const auto& m = c.model;
  const auto& t = c.train;
  if (m.d_model <= 0) fail("model.d_model", "must be > 0");
  if (m.layers <= 0) fail("model.layers", "must be > 0");
  if (m.heads <= 0 || m.d_model % m.heads != 0)
    fail("model.heads", "= " + std::to_string(m.heads) + " must divide model.d_model = " + std::to_string(m.d_model));
  if (m.ff_dim <= 0) fail("model.ff_dim", "must be > 0");
  if (m.max_len < 2) fail("model.max_len", "must be >= 2 ([CLS] plus one token)");
  if (m.dropout < 0 || m.dropout >= 1) fail("model.dropout", "must be in [0, 1)");
  if (m.pooling != "cls" && m.pooling != "mean")
    fail("model.pooling", "must be 'cls' or 'mean', got '" + m.pooling + "'");
  if (m.position != "learned" && m.position != "none")
    fail("model.position", "must be 'learned' or 'none', got '" + m.position + "'");
  if (m.word_dropout < 0 || m.word_dropout >= 1) fail("model.word_dropout", "must be in [0, 1)");
  if (!(t.lr > 0)) fail("train.lr", "must be > 0");
  if (t.min_lr_ratio < 0 || t.min_lr_ratio > 1) fail("train.min_lr_ratio", "must be in [0, 1]");
  if (t.global_batch <= 0) fail("train.global_batch", "must be > 0");
  if (t.accum_steps <= 0) fail("train.accum_steps", "must be > 0");
  if (t.warmup_steps < 0) fail("train.warmup_steps", "must be >= 0");
  if (t.max_steps < 0) fail("train.max_steps", "must be >= 0");
  if (t.max_steps == 0 && !(t.epochs > 0)) fail("train.epochs", "must be > 0 when train.max_steps = 0");
  if (t.weight_decay < 0) fail("train.weight_decay", "must be >= 0");
  if (t.grad_clip < 0) fail("train.grad_clip", "must be >= 0");
  if (t.label_smoothing < 0 || t.label_smoothing >= 1) fail("train.label_smoothing", "must be in [0, 1)");
  if (t.ema_decay < 0 || t.ema_decay >= 1) fail("train.ema_decay", "must be in [0, 1)");
  if (t.eval_every <= 0) fail("train.eval_every", "must be > 0");
  if (t.log_every <= 0) fail("train.log_every", "must be > 0");
  if (t.checkpoint_every <= 0) fail("train.checkpoint_every", "must be > 0");
  if (t.keep_checkpoints < 1) fail("train.keep_checkpoints", "must be >= 1");
  if (t.halt_at_step < 0) fail("train.halt_at_step", "must be >= 0");
  if (t.patience < 0) fail("train.patience", "must be >= 0");
  if (t.threads < 0) fail("train.threads", "must be >= 0");
  for (const auto& [key, v] : {std::pair<const char*, std::string>{"train.overlap_allreduce", t.overlap_allreduce},
                               {"train.prefetch", t.prefetch}})
    if (v != "auto" && v != "true" && v != "false") fail(key, "must be auto, true or false, got '" + v + "'");
  if (t.bucket_window < 0) fail("train.bucket_window", "must be >= 0");
  if (!(t.allreduce_bucket_mb > 0)) fail("train.allreduce_bucket_mb", "must be > 0");
  if (c.benchmark.steps <= 0) fail("benchmark.steps", "must be > 0");
  if (c.benchmark.warmup < 0) fail("benchmark.warmup", "must be >= 0");
  if (t.device != "auto" && t.device != "cpu" && t.device != "cuda") fail("train.device", "must be auto, cpu or cuda");
  if (t.nan_policy != "stop" && t.nan_policy != "skip") fail("train.nan_policy", "must be stop or skip");
  if (!(c.data.fraction > 0 && c.data.fraction <= 1)) fail("data.fraction", "must be in (0, 1]");
}

std::string model_signature(const ModelConfig& m) {
  std::ostringstream os;
  os << "vocab_size=" << m.vocab_size << " d_model=" << m.d_model << " layers=" << m.layers << " heads=" << m.heads
     << " ff_dim=" << m.ff_dim << " max_len=" << m.max_len << " pooling=" << m.pooling << " position=" << m.position;
  return os.str();
}

}  // namespace sst
