// sst-prep: command line front end of the data pipeline (options, exit codes, error printing).
// Exit status: 0 success, 1 a problem with the data or environment, 2 a usage error.
#include <boost/program_options.hpp>

#include <iostream>
#include <limits>

#include "common/error.h"
#include "common/options.h"
#include "prep.h"

namespace po = boost::program_options;

// Boost finds the enum parser by argument-dependent lookup, in the enum's own namespace; clang-tidy
// does not follow that lookup and calls it unused.
namespace sst::prep {
using sst::validate;  // NOLINT(misc-unused-using-decls)
}  // namespace sst::prep
namespace sst::dataset {
using sst::validate;  // NOLINT(misc-unused-using-decls)
}  // namespace sst::dataset

namespace {

// Every option once: its field, help, the values it accepts (the table rejects the rest at parse time).
void add_options(sst::OptionTable& o, sst::prep::PrepOptions& opts, int64_t& seed) {
  o.add_required("data-dir", opts.data_dir, "DIR", "directory with the input files");
  o.add("format", opts.format,
        "sst2: GLUE SST-2 TSV, labels 0/1; tsv: TSV with any labels; jsonl: JSON lines with text and label", {},
        sst::Resume::kMayChange, sst::enum_choices<sst::prep::InputFormat>("|"));
  o.add_required("output", opts.output, "FILE.h5",
                 "HDF5 file to write (replaced atomically; its directory is created if needed)");
  o.add("vocab-size", opts.tokenizer.vocab_size,
        "upper bound on the SentencePiece vocabulary (a small corpus may get fewer pieces)", sst::closed(8, 1000000),
        sst::Resume::kMayChange, "N");
  // SentencePiece reserves 2^32 - 1 (its "no seed").
  o.add("seed", seed, "SentencePiece random seed; the same data and seed give byte-identical tokenizers",
        sst::closed(0, std::numeric_limits<uint32_t>::max() - 1.0), sst::Resume::kMayChange, "S");
  o.add("model-type", opts.tokenizer.model_type,
        "SentencePiece model type (word: whitespace-separated words, the rarest mapped to <unk>)", {},
        sst::Resume::kMayChange, sst::enum_choices<sst::dataset::TokenizerModel>("|"));
}

}  // namespace

int main(int argc, char** argv) {
  sst::prep::PrepOptions opts;
  int64_t seed = opts.tokenizer.seed;
  po::options_description desc(
      "Usage: sst-prep --data-dir DIR --output FILE.h5 [--format sst2|tsv|jsonl] [options]\n\n"
      "Tokenizes GLUE SST-2 (DIR/train.tsv and DIR/dev.tsv with 'sentence<TAB>label'; optional\n"
      "DIR/test.tsv with 'index<TAB>sentence') with a SentencePiece model trained on train.tsv,\n"
      "and writes the model and all splits to one HDF5 file (see docs/data_format.md).\n"
      "Your own single-sentence classification data (K >= 2 labels, names or integers): --format tsv\n"
      "(a 'sentence' or 'text' column and a 'label' column) or --format jsonl (DIR/train.jsonl, dev.jsonl,\n"
      "optional test.jsonl; one {\"text\": ..., \"label\": ...} per line). Labels map to class ids in\n"
      "numeric order when all are integers, else in byte order; the names are stored in the file.\n\nOptions");
  desc.add_options()("help,h", "print this help and exit");
  sst::OptionTable table("", "--");
  add_options(table, opts, seed);
  desc.add(table.description());

  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
    opts.tokenizer.seed = static_cast<uint32_t>(seed);
  } catch (const std::exception& e) {  // po::error, or the table's UserError for a value out of range
    std::cerr << "sst-prep: error: " << sst::printable_message(e.what()) << " (see sst-prep --help)\n";
    return 2;
  }

  try {
    sst::prep::run_prep(opts, std::cout);
  } catch (const sst::UserError& e) {
    std::cerr << "sst-prep: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    // Not expected: a bug or a library failure. Still one line, still no partial output.
    std::cerr << "sst-prep: error: unexpected failure: " << sst::printable_message(e.what()) << "\n";
    return 1;
  }
  return 0;
}
