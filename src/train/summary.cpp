#include "train/summary.h"

#include <mpi.h>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/torch_compat.h"

namespace sst {

nlohmann::json model_json(const ModelConfig& m) {
  return {{"d_model", m.d_model},   {"layers", m.layers},
          {"heads", m.heads},       {"ff_dim", m.ff_dim},
          {"max_len", m.max_len},   {"vocab_size", m.vocab_size},
          {"dropout", m.dropout},   {"pooling", m.pooling},
          {"position", m.position}, {"word_dropout", m.word_dropout}};
}

void write_summary(const std::string& path, const SummaryInputs& s) {
  using nlohmann::json;
  const auto& m = s.cfg.model;
  const auto& st = s.state;
  const int64_t n_non_emb = s.model->num_non_embedding_params();
  // JSON has no NaN/Inf: a missing value is null.
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpi_version, &len);
  std::string mpi(mpi_version, static_cast<size_t>(len));
  mpi = mpi.substr(0, mpi.find_first_of(",\n"));

  json j = {
      {"run_name", s.cfg.run_name},
      {"status", s.status},
      {"steps", st.step},
      {"epochs", static_cast<double>(st.step) / static_cast<double>(s.batches_per_epoch)},
      {"params", s.model->num_params()},
      {"non_embedding_params", n_non_emb},
      {"embedding_params", s.model->num_embedding_params()},
      {"data_fraction", s.cfg.data.fraction},
      {"train_examples", static_cast<int64_t>(s.batches_per_epoch * s.cfg.train.global_batch)},
      {"train_tokens", s.train_tokens},
      {"tokens_processed", st.tokens_processed},
      {"examples_processed", st.examples_processed},
      // C = 6 N D with N the non-embedding parameters (Kaplan et al. 2020) and D the tokens processed.
      {"flops", 6.0 * static_cast<double>(n_non_emb) * static_cast<double>(st.tokens_processed)},
      {"best_dev_loss", num(st.best_dev_loss)},
      {"best_dev_acc", num(st.best_dev_acc)},
      {"best_step", st.best_step},
      {"final_dev_loss", num(s.final_dev_loss)},
      {"final_dev_acc", num(s.final_dev_acc)},
      {"final_train_loss", num(s.final_train_loss)},
      {"skipped_steps", st.skipped_steps},
      {"wall_s", st.wall_s},
      {"world_size", s.world_size},
      {"threads_per_rank", s.threads_per_rank},
      {"device", s.device},
      {"backend", s.backend},
      {"seed", s.cfg.train.seed},
      {"global_batch", s.cfg.train.global_batch},
      {"model", model_json(m)},
      {"data", s.cfg.data.path},
      {"versions", {{"torch", compat::torch_version()}, {"mpi", mpi}}},
  };
  write_text_atomically(path, j.dump(2) + "\n");
}

}  // namespace sst
