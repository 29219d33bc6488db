// sst-sweep with the adaptive-design commands: src/sweep's command line (sweep/cli.h) plus `simulate` and
// `wave`, which need the IsoFLOP fits of analysis/fit and so cannot live in src/.
#include "analysis/design/simulate_command.h"
#include "analysis/design/wave_command.h"
#include "sweep/cli.h"

int main(int argc, char** argv) {
  const std::vector<sst::sweep::ExtraCommand> extra{
      {"simulate",
       "  simulate SWEEP.ini   run the sweep file's adaptive design against a hypothesized law, training nothing\n"
       "                       (--law E,A,alpha,B,beta --noise SIGMA): runs, FLOPs, bracketed budgets, a\n",
       sst::analysis::design::simulate_command},
      {"wave",
       "  wave SWEEP.ini       plan the next wave of the adaptive design from the finished runs of --sweep-dir:\n"
       "                       append it to the manifest (exit 0), or say which rule ended the design (exit 3)\n",
       sst::analysis::design::wave_command}};
  return sst::sweep::cli_main(argc, argv, extra);
}
