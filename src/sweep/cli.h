// sst-sweep's command line as a function, so that a main above src/ (analysis/design/sweep_main.cpp) can add
// the commands of its own libraries (simulate) without src/ including them.
#pragma once
#include <boost/program_options.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sst::sweep {

// A bad command line: printed as "sst-sweep: usage error: ...", exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ExtraCommand {
  std::string name;
  std::string help;                               // its lines in the top-level help ("  simulate SWEEP.ini   ...\n")
  std::function<int(int argc, char** argv)> run;  // argv[0] is the command's name
};

// Parses one command's line: `opts`, --help (prints `usage` and the options, exits 0) and exactly one
// positional argument named `positional_name`; a bad line throws UsageError. Every command uses it.
boost::program_options::variables_map parse_command(int argc, char** argv,
                                                    const boost::program_options::options_description& opts,
                                                    const std::string& positional_name, const std::string& usage);
// That positional argument.
std::string positional(const boost::program_options::variables_map& vm, const std::string& name);

// Runs `sst-sweep COMMAND ...`: 0 success, 1 bad input (one line "sst-sweep: error: ..."), 2 usage error.
int cli_main(int argc, char** argv, const std::vector<ExtraCommand>& extra = {});

}  // namespace sst::sweep
