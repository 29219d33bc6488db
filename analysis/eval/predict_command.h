// `sst-analyze predict`: label and probability for sentences given as arguments, or one per line on stdin.
#pragma once

namespace sst::analysis::eval {

int predict_main(int argc, char** argv);
extern const char* const kPredictSummary;

}  // namespace sst::analysis::eval
