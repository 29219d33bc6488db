#pragma once
// Where the checkout and the built binaries are, for the tests. The two paths are compiled into one small
// file (test_paths.cpp), not into every test: an absolute path in a test's compile flags differs in every
// clone, so ccache missed every test object of a fresh clone (every CI run) and compiled them all anew.
#include <string>

namespace sst::test {

std::string source_dir();  // the checkout: configs/, launch/, tests/
std::string bin_dir();     // the build's bin/ folder: sst-train, sst-analyze, ...

}  // namespace sst::test
