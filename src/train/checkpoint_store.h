// The checkpoints of one run directory, RUN_DIR/checkpoints/: step_XXXXXXXX.pt (the newest
// train.keep_checkpoints kept), best.pt, and manifest.json listing each file with its step, size and
// SHA-256. The files are the truth: each verifies itself (train/checkpoint.h), so a lost or unparsable
// manifest loses nothing; it is rebuilt from the files on the next save.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "rundir/run_dir.h"
#include "train/checkpoint.h"

namespace sst {

class CheckpointStore {
 public:
  CheckpointStore(const rundir::RunDir& run_dir, int64_t keep);
  const std::string& dir() const { return dir_; }
  // Saves step_<step>.pt, removes all but the newest `keep` step checkpoints up to this step, and
  // rewrites the manifest.
  std::string save_step(TransformerClassifier& model, Optimizer& opt, const CheckpointMeta& meta,
                        TransformerClassifier average = nullptr);
  std::string save_best(TransformerClassifier& model, Optimizer& opt, const CheckpointMeta& meta,
                        TransformerClassifier average = nullptr);
  // The newest step checkpoint that verifies, else best.pt if it verifies. Each file passed over
  // (damaged, or too old to carry a digest and not vouched for by the manifest) and a manifest that
  // cannot be parsed is described in `problems`.
  std::optional<std::string> newest_valid(std::vector<std::string>& problems) const;
  // Whether the folder holds any checkpoint file at all, valid or not.
  bool has_checkpoints() const;

 private:
  std::string save_named(const std::string& file, int64_t step, TransformerClassifier& model, Optimizer& opt,
                         const CheckpointMeta& meta, TransformerClassifier average, bool rotate);
  std::string dir_, manifest_, best_name_;
  int64_t keep_;
};

}  // namespace sst
