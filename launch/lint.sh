#!/usr/bin/env bash
# The project's format and lint checks (CI runs them; run them before you commit):
#   1. clang-format (.clang-format, 120 columns): every C++ file formatted;
#   2. shellcheck: every script in launch/ slurm/ tests/ .ci/;
#   3. clang-tidy 23 (.clang-tidy; launch/pip_clang_tidy.sh fetches it once; CLANG_TIDY=PATH runs another):
#      the production sources (src/ data_prep/ analysis/), from the compile commands of BUILD_DIR (default
#      build; configured here if missing). A source whose inputs have not changed since it was last found
#      clean is not checked again (launch/tidy_cache.py: the key is every file the build says it reads and
#      the clang-tidy version; the verdicts live in $SST_CACHE_DIR/clang-tidy).
#   launch/lint.sh [--fix]     --fix reformats the C++ files in place instead of checking them
# Exit status: 0 clean, 1 findings (each printed), 2 a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
for tool in clang-format shellcheck; do
  command -v "$tool" >/dev/null || { echo "lint.sh: $tool not found (bash launch/install_deps.sh)" >&2; exit 2; }
done
status=0

mapfile -t cxx < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${cxx[@]}"
  echo "lint.sh: formatted ${#cxx[@]} files"
  exit 0
fi
if ! clang-format --dry-run -Werror "${cxx[@]}" 2>"$BUILD_DIR.format.log"; then
  grep -E "^[^ ].*(warning|error):" "$BUILD_DIR.format.log" | sed 's/ \[-Wclang-format-violations\]//' | sort -u
  echo "lint.sh: clang-format: files not formatted (bash launch/lint.sh --fix)" >&2
  status=1
fi
echo "lint.sh: clang-format: ${#cxx[@]} files checked"

mapfile -t scripts < <(git ls-files 'launch/*.sh' 'slurm/*.sh' 'slurm/*.sbatch' 'tests/*.sh' .ci/run)
if ! shellcheck -x "${scripts[@]}"; then
  echo "lint.sh: shellcheck found problems" >&2
  status=1
fi
echo "lint.sh: shellcheck: ${#scripts[@]} scripts checked"

CLANG_TIDY=${CLANG_TIDY:-$(bash launch/pip_clang_tidy.sh)} ||
  { echo "lint.sh: no clang-tidy (launch/pip_clang_tidy.sh above; or set CLANG_TIDY)" >&2; exit 2; }
export CLANG_TIDY
[ -f "$BUILD_DIR/compile_commands.json" ] || BUILD_DIR=$BUILD_DIR CONFIGURE_ONLY=1 bash launch/build.sh >/dev/null 2>&1 ||
  { echo "lint.sh: cannot configure $BUILD_DIR for clang-tidy" >&2; exit 2; }
# shellcheck source=launch/cache_dir.sh
source launch/cache_dir.sh
verdicts=$SST_CACHE_DIR/clang-tidy
tidy=$BUILD_DIR/tidy
mkdir -p "$verdicts" "$tidy/logs"
mapfile -t sources < <(git ls-files 'src/*.cpp' 'data_prep/*.cpp' 'analysis/*.cpp')
mapfile -t keyed < <(python3 launch/tidy_cache.py "$BUILD_DIR" "$tidy" "${sources[@]}")
[ ${#keyed[@]} -eq ${#sources[@]} ] || { echo "lint.sh: launch/tidy_cache.py failed" >&2; exit 2; }
todo=()
for line in "${keyed[@]}"; do
  [ -f "$verdicts/${line%%$'\t'*}" ] || todo+=("$line")
done
# One clang-tidy per source; a clean one records its key (a link planted there is replaced, not followed).
# shellcheck disable=SC2317  # run by xargs
check_one() {
  local key=${1%%$'\t'*} src=${1#*$'\t'} log
  log=$2/logs/$(echo "$src" | tr / _).log
  "$CLANG_TIDY" -p "$2" --quiet "$src" >"$log" 2>&1 || return 1
  [ "$key" = - ] || { touch "$3/.$key.tmp" && mv -f "$3/.$key.tmp" "$3/$key"; }
}
export -f check_one
rm -f "$tidy"/logs/*.log
# shellcheck disable=SC2016  # the arguments expand in the inner bash
if [ ${#todo[@]} -gt 0 ] && ! printf '%s\n' "${todo[@]}" |
    xargs -d '\n' -P "$(nproc)" -I{} bash -c 'check_one "$1" "$2" "$3"' _ {} "$tidy" "$verdicts"; then
  cat "$tidy"/logs/*.log >"$BUILD_DIR.tidy.log"
  grep -E "(warning|error):" "$BUILD_DIR.tidy.log" | sort -u
  echo "lint.sh: clang-tidy found problems (full log: $BUILD_DIR.tidy.log)" >&2
  status=1
fi
echo "lint.sh: clang-tidy: ${#sources[@]} files, ${#todo[@]} checked, $((${#sources[@]} - ${#todo[@]})) unchanged since found clean"
exit "$status"
