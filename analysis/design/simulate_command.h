// sst-sweep's `simulate` command (simulate_command.cpp); argv[0] is "simulate".
#pragma once

namespace sst::analysis::design {

int simulate_command(int argc, char** argv);

}  // namespace sst::analysis::design
