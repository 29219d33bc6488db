# shellcheck shell=bash
# Sourced by bench/compare.sh and bench/scaling.sh (which define die()): the python3 the PyTorch side
# runs with, and the tokenized SST-2 the runs read.

# find_python MODULE...: PYTHON (unless set) becomes the first of python3, /usr/bin/python3 that imports
# the modules (a pyenv or virtualenv python3 may shadow Debian's, which has python3-torch and
# python3-h5py); dies if none does.
find_python() {
  local imports p
  imports="import $(IFS=,; echo "$*")"
  if [ -z "${PYTHON:-}" ]; then
    for p in python3 /usr/bin/python3; do
      if "$p" -c "$imports" 2>/dev/null; then PYTHON=$p; break; fi
    done
  fi
  if [ -z "${PYTHON:-}" ] || ! "$PYTHON" -c "$imports" 2>/dev/null; then
    die "no python3 that can '$imports' (apt-get install python3-torch python3-h5py, or set PYTHON)"
  fi
}

# ensure_dataset DATA SST2_DIR: DATA, made with build/bin/sst-prep from SST2_DIR if it is missing.
ensure_dataset() {
  [ -f "$1" ] && return 0
  [ -f "$2/train.tsv" ] || die "no $1 and no SST-2 at '$2' (set SST2_DIR or DATA)"
  mkdir -p "$(dirname "$1")"
  build/bin/sst-prep --data-dir "$2" --output "$1"
}
