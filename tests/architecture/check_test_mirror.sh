#!/usr/bin/env bash
# Checks that the tests mirror the tree (docs/architecture.md): every production module, a `.cpp` under
# src/, data_prep/ or analysis/, has a test file of its own, compiled by its folder's CMakeLists.txt:
#   src/FOLDER/MODULE.cpp        -> tests/FOLDER/test_MODULE.cpp
#   data_prep/MODULE.cpp         -> tests/data_prep/test_MODULE.cpp
#   analysis/FOLDER/MODULE.cpp   -> tests/analysis/FOLDER/test_MODULE.cpp
# The only way around it is a line of tests/architecture/untested_modules.txt: `exempt` (a module with
# nothing of its own to test, e.g. a main() that only calls a tested function) or `debt` (not tested
# yet). Each line gives its reason. A `debt` line whose module now has its test fails, and so does a line
# naming no production module: the list can only shrink.
#   tests/architecture/check_test_mirror.sh [SOURCE_DIR]   exit 0 clean, 1 with one line per problem
set -uo pipefail
ROOT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cd "$ROOT" || exit 1
LIST=tests/architecture/untested_modules.txt

# The test file of a module (see the header).
test_of() {
  local dir base
  dir=$(dirname "$1")
  base=$(basename "$1")
  base=${base%.*}
  echo "tests/${dir#src/}/test_$base.cpp"
}

# Whether a test file exists and its folder's CMakeLists.txt builds it: by name, or as `test_${module}.cpp`
# in a `foreach(module ...)` that lists the module.
has_test() {
  local t=$1 cmake module
  cmake="$(dirname "$t")/CMakeLists.txt"
  module=$(basename "$t" .cpp)
  module=${module#test_}
  [ -f "$t" ] && [ -f "$cmake" ] || return 1
  grep -qwF "$(basename "$t")" "$cmake" && return 0
  # shellcheck disable=SC2016  # the literal CMake variable
  grep -qF 'test_${module}.cpp' "$cmake" && grep -qE "^[[:space:]]*foreach\(module( [a-z0-9_]+)* $module( |\))" "$cmake"
}

problems=0
problem() {
  echo "$1"
  problems=$((problems + 1))
}

declare -A listed=()
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  line=${line%%#*}
  read -r module kind reason <<<"$line"
  [ -n "${module:-}" ] || continue
  where="$LIST:$line_no"
  if [ -n "${listed[$module]:-}" ]; then
    problem "$where: $module is listed twice"
    continue
  fi
  listed[$module]=$kind
  case "$module" in src/*.cpp | src/*.cu | data_prep/*.cpp | analysis/*.cpp) tracked=$module ;; *) tracked="" ;; esac
  if [ -z "$tracked" ] || ! git ls-files --error-unmatch "$tracked" >/dev/null 2>&1; then
    problem "$where: $module is not a production module (moved or deleted? remove the line)"
  elif [ "$kind" != exempt ] && [ "$kind" != debt ]; then
    problem "$where: '$kind' is neither 'exempt' nor 'debt'"
  elif [ -z "${reason:-}" ]; then
    problem "$where: $module needs a reason after '$kind'"
  elif [ "$kind" = debt ] && has_test "$(test_of "$module")"; then
    problem "$where: $module now has $(test_of "$module"): remove it from the list"
  fi
done <"$LIST"

while IFS= read -r module; do
  [ -n "${listed[$module]:-}" ] && continue
  t=$(test_of "$module")
  if [ ! -f "$t" ]; then
    problem "$module: no test file of its own ($t; docs/architecture.md, Tests)"
  elif ! has_test "$t"; then
    problem "$module: $t is not named in $(dirname "$t")/CMakeLists.txt (it is never built)"
  fi
done < <(git ls-files 'src/*.cpp' 'src/*.cu' 'data_prep/*.cpp' 'analysis/*.cpp')

if [ "$problems" -gt 0 ]; then
  echo "check_test_mirror: $problems problem(s)" >&2
  exit 1
fi
echo "check_test_mirror: clean (${#listed[@]} module(s) listed in $LIST)"
