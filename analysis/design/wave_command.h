// sst-sweep's `wave` command (wave_command.cpp); argv[0] is "wave".
#pragma once

namespace sst::analysis::design {

// The exit status of `sst-sweep wave` when the design has ended (no wave written): 0 means a wave to run.
constexpr int kDesignEnded = 3;

int wave_command(int argc, char** argv);

}  // namespace sst::analysis::design
