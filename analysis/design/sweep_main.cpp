// sst-sweep with the adaptive-design commands: src/sweep's command line (sweep/cli.h) plus `simulate`, which
// needs the IsoFLOP fits of analysis/fit and so cannot live in src/.
#include "analysis/design/simulate_command.h"
#include "sweep/cli.h"

int main(int argc, char** argv) {
  const std::vector<sst::sweep::ExtraCommand> extra{
      {"simulate",
       "  simulate SWEEP.ini   run the sweep file's adaptive design against a hypothesized law, training nothing\n"
       "                       (--law E,A,alpha,B,beta --noise SIGMA): runs, FLOPs, bracketed budgets, a\n",
       sst::analysis::design::simulate_command}};
  return sst::sweep::cli_main(argc, argv, extra);
}
