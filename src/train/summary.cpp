#include "train/summary.h"

#include <cmath>

#include "common/torch_compat.h"

namespace sst {

rundir::RunSummary make_summary(const Run& r, const RunOutcome& o) {
  auto measured = [](double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; };
  const auto& st = r.state;
  const auto& t = r.cfg.train;
  const int64_t batches_per_epoch = r.sampler->batches_per_epoch();
  rundir::RunSummary s;
  s.run_name = r.cfg.run_name;
  s.status = o.status;
  s.steps = st.step;
  s.epochs = static_cast<double>(st.step) / static_cast<double>(batches_per_epoch);
  s.params = r.model->num_params();
  s.non_embedding_params = r.model->num_non_embedding_params();
  s.embedding_params = r.model->num_embedding_params();
  s.data_fraction = r.cfg.data.fraction;
  s.train_examples = batches_per_epoch * t.global_batch;
  s.train_tokens = r.train_tokens;
  s.tokens_processed = st.tokens_processed;
  s.examples_processed = st.examples_processed;
  // C = 6 N D with N the non-embedding parameters (Kaplan et al. 2020) and D the tokens processed.
  const double n = static_cast<double>(s.non_embedding_params);
  s.flops = 6.0 * n * static_cast<double>(st.tokens_processed);
  s.tokens_at_best = st.best_tokens_processed;
  s.flops_at_best = 6.0 * n * static_cast<double>(st.best_tokens_processed);
  if (st.best_step > 0) s.lr_at_best = r.schedule.at(st.best_step - 1);  // step k is optimizer step k - 1
  s.schedule = enum_name(t.schedule);
  s.budget_tokens = r.budget_tokens;
  s.budget_flops = 6.0 * n * r.budget_tokens;
  s.branch_step = st.branch_step;
  s.flops_spent = 6.0 * n * static_cast<double>(st.tokens_processed - st.branch_tokens);
  s.best_dev_loss = measured(st.best_dev_loss);
  s.best_dev_acc = st.best_step >= 0 ? std::optional<double>(st.best_dev_acc) : std::nullopt;
  s.best_step = st.best_step;
  s.final_dev_loss = measured(o.final_dev_loss);
  s.final_dev_acc = measured(o.final_dev_acc);
  s.final_train_loss = measured(o.final_train_loss);
  s.skipped_steps = st.skipped_steps;
  s.wall_s = st.wall_s;
  s.world_size = r.world.size;
  s.threads_per_rank = torch::get_num_threads();
  s.device = r.device.str();
  s.backend = r.comm->name();
  s.optimizer = r.optimizer->name();
  s.optimizer_state_bytes_per_rank = r.optimizer->state_bytes();
  s.sparse_embedding_steps = r.grads->sparse_steps();
  s.sparse_counts_apart = r.grads->row_count_allreduces();
  s.seed = t.seed;
  s.global_batch = t.global_batch;
  s.model = model_json(r.cfg.model);
  s.data = r.cfg.data.path;
  s.versions = {{"torch", compat::torch_version()}, {"mpi", comm::mpi_library_version()}};
  return s;
}

}  // namespace sst
