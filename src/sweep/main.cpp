// sst-sweep without the adaptive-design commands (built when analysis/design is not: no Ceres). With Ceres,
// analysis/design/sweep_main.cpp builds sst-sweep and adds `simulate`.
#include "sweep/cli.h"

int main(int argc, char** argv) { return sst::sweep::cli_main(argc, argv); }
