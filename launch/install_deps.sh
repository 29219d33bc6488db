#!/usr/bin/env bash
# Installs every Debian package the project needs; idempotent (only missing packages are installed).
# Usage: bash launch/install_deps.sh        (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ccache
  ninja-build                     # launch/generator.sh: the builds' generator
  libtorch-dev                    # LibTorch 1.13 (CPU); a CUDA LibTorch 2.x can be used instead via Torch_DIR
  libopenblas0-pthread            # GEMM ~5x faster than the ATLAS BLAS libtorch otherwise picks up
  libopenmpi-dev openmpi-bin      # MPI launcher + CPU all-reduce
  libhdf5-dev hdf5-tools          # dataset file (C and C++ API) + h5dump
  libboost-program-options-dev    # options and INI configs
  libsentencepiece-dev            # tokenizer training and encoding
  nlohmann-json3-dev              # metrics / summary / manifests
  libprotobuf-dev protobuf-compiler  # TensorBoard event records (output.tensorboard)
  libboost-dev                    # header-only Boost (CRC-32C of the TensorBoard records)
  python3-pip                     # tests: pip installs the tensorboard package to read the event files back
  libssl-dev                      # SHA-256 of sources and checkpoints
  libgtest-dev googletest         # unit and integration tests
  libceres-dev                    # scaling-law fit (sst-analyze)
  gnuplot-nox                     # plots (sst-analyze)
  python3-torch python3-h5py      # bench/: the PyTorch reference the C++ trainer is measured against
  clang libclang-rt-14-dev        # libFuzzer target for the TSV reader
  clang-format shellcheck         # launch/lint.sh: format, shell scripts (its clang-tidy: launch/pip_clang_tidy.sh)
  iproute2 util-linux             # tests/multinode: the simulated cluster (ip netns, unshare, nsenter)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
