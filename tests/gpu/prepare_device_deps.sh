#!/usr/bin/env bash
# Runs HERE (Debian 12), before a GPU call: gathers what tests/gpu/device_check.sh needs on a CUDA machine
# that has a pip torch but maybe no MPI, HDF5, Boost, SentencePiece, nlohmann-json, GoogleTest, OpenSSL,
# protobuf headers or pkg-config. Into SST_DEVICE_DIR (default .device/, git-ignored; the device call
# carries it):
#   debs/   those Debian 12 packages and the library packages they need (apt-get download), for dpkg -x
#   sst2/   a copy of the SST-2 TSVs (the GPU machine cannot reach ../shared); never committed
# Left out of debs/: what any machine with a C++ compiler has (libc, libstdc++, gcc, binutils, zlib) and
# what only Debian's own tools need (perl, dpkg, debconf, PAM, X11 for hwloc's optional plugins).
# Usage: bash tests/gpu/prepare_device_deps.sh     SST2_DIR (default ../shared/data/sst2)
# Then: carry .device in the device call, which runs `bash tests/gpu/device_check.sh` (docs/gpu.md).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
die() { echo "prepare_device_deps: error: $*" >&2; exit 1; }
DEV=$(realpath -m "${SST_DEVICE_DIR:-$REPO/.device}")
SST2_DIR=${SST2_DIR:-$REPO/../shared/data/sst2}

PACKAGES=(
  libopenmpi-dev openmpi-bin      # mpi.h, libmpi, mpirun (the trainer's control plane and launcher)
  libhdf5-dev                     # the dataset file
  libboost-program-options-dev
  libsentencepiece-dev
  nlohmann-json3-dev
  libssl-dev                      # SHA-256
  libprotobuf-dev protobuf-compiler  # TensorBoard event records (sst-train's output.tensorboard)
  libgtest-dev libgmock-dev
  pkgconf                         # CMake finds SentencePiece through pkg-config
)
EXCLUDE='^(libc6|libc6-dev|libc-dev-bin|linux-libc-dev|libcrypt1|libcrypt-dev|libnsl2|libnsl-dev|libtirpc.*|rpcsvc-proto'
EXCLUDE+='|libgcc-s1|libgcc-12-dev|gcc-12.*|cpp-12|g\+\+-12|libstdc\+\+6|libstdc\+\+-12-dev|binutils.*|libbinutils'
EXCLUDE+='|libctf.*|libgprofng0|libasan8|libtsan2|liblsan0|libubsan1|libitm1|libatomic1|libquadmath0|libgomp1|libcc1-0'
EXCLUDE+='|libisl23|libmpc3|libmpfr6|libgmp10|gfortran-12|libgfortran-12-dev|perl|perl-base|perl-modules-.*|libperl.*'
EXCLUDE+='|libgdbm.*|libdb5\.3|debconf|debianutils|dpkg|tar|adduser|passwd|libpam.*|libaudit.*|libselinux1|libsemanage.*'
EXCLUDE+='|libsepol2|libacl1|libcap-ng0|libbz2-1\.0|liblzma5|libzstd1|zlib1g|libmd0|libbsd0|autoconf|automake'
EXCLUDE+='|autotools-dev|m4|libjs-jquery.*|libx11.*|libxau6|libxcb1|libxdmcp6|libxext6|libxnvctrl0|ocl-icd-libopencl1'
EXCLUDE+='|libhwloc-plugins|libxml2|libicu72|libudev1|libpcre2-8-0|libtinfo6|libffi8)$'

[ -f "$SST2_DIR/train.tsv" ] || die "no SST-2 at SST2_DIR='$SST2_DIR' (train.tsv, dev.tsv, test.tsv)"
command -v apt-get >/dev/null || die "needs apt-get (a Debian 12 machine)"
case "$(. /etc/os-release && echo "$VERSION_CODENAME")" in
  bookworm) ;;
  *) echo "prepare_device_deps: warning: not Debian 12 (bookworm); the packages will be this release's" >&2 ;;
esac

# What apt would install on an empty system, minus the exclusions above.
empty=$(mktemp)
trap 'rm -f "$empty"' EXIT
resolve() { apt-get -o Dir::State::status="$empty" -s install --no-install-recommends "${PACKAGES[@]}" 2>&1; }
if ! resolve | grep -q '^Inst '; then
  echo "prepare_device_deps: apt-get update (package lists missing)"
  apt-get update -qq
fi
mapfile -t wanted < <(resolve | awk '/^Inst /{print $2}' | grep -Ev "$EXCLUDE" | sort -u)
[ ${#wanted[@]} -gt 0 ] || die "apt-get resolved no packages: $(resolve | tail -n 3)"

mkdir -p "$DEV/debs"
rm -f "$DEV"/debs/*.deb
(cd "$DEV/debs" && apt-get download -qq -o APT::Sandbox::User=root "${wanted[@]}") || die "apt-get download failed"
mkdir -p "$DEV/sst2"
cp "$SST2_DIR"/{train,dev,test}.tsv "$DEV/sst2/"
chmod -R u+w "$DEV/sst2"
printf '%s\n' "${wanted[@]}" >"$DEV/debs/PACKAGES.txt"
echo "prepare_device_deps: ${#wanted[@]} packages in $DEV/debs ($(du -sh "$DEV/debs" | cut -f1)), SST-2 in $DEV/sst2;" \
  "$(du -sh "$DEV" | cut -f1) in all (the call carries at most 64 MiB with the working tree)"
