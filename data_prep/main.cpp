// sst-prep: command line front end of the data pipeline (options, exit codes, error printing).
// Exit status: 0 success, 1 a problem with the data or environment, 2 a usage error.
#include <boost/program_options.hpp>

#include <iostream>
#include <limits>

#include "common/error.h"
#include "prep.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  sst::prep::PrepOptions opts;
  int64_t seed = opts.tokenizer.seed;
  std::string format = "sst2";
  po::options_description desc(
      "Usage: sst-prep --data-dir DIR --output FILE.h5 [--format sst2|tsv|jsonl] [options]\n\n"
      "Tokenizes GLUE SST-2 (DIR/train.tsv and DIR/dev.tsv with 'sentence<TAB>label'; optional\n"
      "DIR/test.tsv with 'index<TAB>sentence') with a SentencePiece model trained on train.tsv,\n"
      "and writes the model and all splits to one HDF5 file (see docs/data_format.md).\n"
      "Your own single-sentence classification data (K >= 2 labels, names or integers): --format tsv\n"
      "(a 'sentence' or 'text' column and a 'label' column) or --format jsonl (DIR/train.jsonl, dev.jsonl,\n"
      "optional test.jsonl; one {\"text\": ..., \"label\": ...} per line). Labels map to class ids in\n"
      "numeric order when all are integers, else in byte order; the names are stored in the file.\n\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "print this help and exit")
      ("data-dir", po::value(&opts.data_dir)->required()->value_name("DIR"), "directory with the input files")
      ("format", po::value(&format)->default_value(format)->value_name("sst2|tsv|jsonl"),
       "sst2: GLUE SST-2 TSV, labels 0/1; tsv: TSV with any labels; jsonl: JSON lines with text and label")
      ("output", po::value(&opts.output)->required()->value_name("FILE.h5"),
       "HDF5 file to write (replaced atomically; its directory is created if needed)")
      ("vocab-size", po::value(&opts.tokenizer.vocab_size)->default_value(opts.tokenizer.vocab_size)->value_name("N"),
       "upper bound on the SentencePiece vocabulary (a small corpus may get fewer pieces)")
      ("seed", po::value(&seed)->default_value(seed)->value_name("S"),
       "SentencePiece random seed; the same data and seed give byte-identical tokenizers")
      ("model-type", po::value(&opts.tokenizer.model_type)->default_value(opts.tokenizer.model_type)
                         ->value_name("unigram|bpe|word"),
       "SentencePiece model type (word: whitespace-separated words, the rarest mapped to <unk>)");
  // clang-format on

  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
    if (seed < 0 || seed >= std::numeric_limits<uint32_t>::max()) throw po::error("--seed must be in 0 .. 4294967294");
    opts.tokenizer.seed = static_cast<uint32_t>(seed);
    if (format == "sst2")
      opts.format = sst::prep::InputFormat::kSst2;
    else if (format == "tsv")
      opts.format = sst::prep::InputFormat::kTsv;
    else if (format == "jsonl")
      opts.format = sst::prep::InputFormat::kJsonl;
    else
      throw po::error("--format '" + format + "' is not one of sst2, tsv, jsonl");
  } catch (const po::error& e) {
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
