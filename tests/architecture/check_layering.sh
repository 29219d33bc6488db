#!/usr/bin/env bash
# Checks the dependency direction between the project's folders (docs/architecture.md): every
# `#include "FOLDER/..."` in a library's sources must name a folder that library may use, and the
# torch-free folders must not include LibTorch at all (directly, or through a torch library's header).
#   tests/architecture/check_layering.sh [SOURCE_DIR]      exit 0 clean, 1 with one line per violation
set -uo pipefail
ROOT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cd "$ROOT" || exit 1

# folder -> the folders its sources may include ("self" is implied). Keep in step with
# docs/architecture.md.
declare -A ALLOWED=(
  [src/common]=""
  [src/dataset]="common"
  [src/rundir]="common"
  [src/model]="common"
  [src/shard]="common dataset"
  [src/comm]="common"
  [src/train]="common dataset rundir model shard comm"
  [src/sweep]="common rundir"
  [data_prep]="common dataset"
  [analysis]="common dataset rundir sweep analysis"
  [analysis/model]="common dataset rundir sweep model shard train analysis"
  [analysis/design]="common sweep analysis"
)
# Folders that must build without LibTorch (their headers are used by torch-free binaries and tests).
TORCH_FREE="src/common src/dataset src/rundir src/sweep data_prep analysis"
TORCH_INCLUDE='#include[[:space:]]*<(torch|ATen|c10)/|#include[[:space:]]*"common/torch_compat\.h"'

# The rule that applies to a file: the longest folder of ALLOWED that contains it.
rule_of() {
  local f=$1 best="" k
  for k in "${!ALLOWED[@]}"; do
    case "$f" in "$k"/*) [ ${#k} -gt ${#best} ] && best=$k ;; esac
  done
  echo "$best"
}

violations=0
while IFS= read -r file; do
  rule=$(rule_of "$file")
  [ -n "$rule" ] || continue
  self=${rule#src/}
  self=${self%%/*}
  while IFS=: read -r line inc; do
    top=${inc%%/*}
    [ "$inc" != "$top" ] || continue  # a same-folder include without a folder ("x.h")
    [ "$top" = "$self" ] && continue
    case " ${ALLOWED[$rule]} " in *" $top "*) continue ;; esac
    echo "$file:$line: includes \"$inc\": $rule may not depend on $top (docs/architecture.md)"
    violations=$((violations + 1))
  done < <(grep -noE '^#include "[^"]+"' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)"/\1:\2/')
done < <(git ls-files 'src/*.cpp' 'src/*.h' 'data_prep/*.cpp' 'data_prep/*.h' 'analysis/*.cpp' 'analysis/*.h')

for dir in $TORCH_FREE; do
  while IFS= read -r hit; do
    file=${hit%%:*}
    case "$file" in src/common/torch_compat.h|analysis/model/*) continue ;; esac
    echo "$hit: LibTorch in the torch-free folder $dir"
    violations=$((violations + 1))
  done < <(git ls-files "$dir/*.cpp" "$dir/*.h" | xargs -r grep -nE "$TORCH_INCLUDE")
done

if [ "$violations" -gt 0 ]; then
  echo "check_layering: $violations violation(s)" >&2
  exit 1
fi
echo "check_layering: clean"
