#!/usr/bin/env bash
# The LibTorch a GPU user has: the CUDA build inside PyPI's `torch` wheel (torch 2.11 is built against
# CUDA 13, the toolkit under /usr/local/cuda), unpacked once into the cache folder, with the three CUDA
# libraries it needs that the toolkit does not ship (cuFile, cuSPARSELt, NVSHMEM) from their own wheels.
# No Python is involved: the wheels are zip files; only their C++ parts are kept.
#   bash launch/pip_libtorch.sh          prints the folder: DIR/torch/share/cmake/Torch is Torch_DIR,
#                                        DIR/env.sh sets LD_LIBRARY_PATH for running what was built
# Environment: SST_PIP_TORCH (2.11.0), SST_CACHE_DIR (launch/cache_dir.sh); the downloads stay in
# SST_CACHE_DIR/wheels, so a later run needs no network. One run at a time per version (a lock).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=launch/cache_dir.sh
source launch/cache_dir.sh
VERSION=${SST_PIP_TORCH:-2.11.0}
# The exact versions torch 2.11.0's wheel asks for (its METADATA: Requires-Dist).
WHEELS=("torch==$VERSION" "nvidia-cufile==1.15.1.6" "nvidia-cusparselt-cu13==0.8.0" "nvidia-nvshmem-cu13==3.4.5")
DIR=$SST_CACHE_DIR/pip-libtorch/$VERSION
WHEEL_DIR=$SST_CACHE_DIR/wheels
die() { echo "pip_libtorch: error: $*" >&2; exit 1; }

mkdir -p "$(dirname "$DIR")" "$WHEEL_DIR"
exec 9>"$DIR.lock"
flock 9
if [ -f "$DIR/.complete" ]; then echo "$DIR"; exit 0; fi

for spec in "${WHEELS[@]}"; do sst_fetch_wheel "$spec" pip_libtorch || exit 1; done

# Unpack into a temporary folder beside DIR, then rename: an interrupted run leaves no half tree.
tmp=$(mktemp -d "$DIR.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 - "$WHEEL_DIR" "$VERSION" "$tmp" <<'EOF'
import glob, os, sys, zipfile
wheels, version, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(os.path.join(out, "lib"))
for path in sorted(glob.glob(os.path.join(wheels, "*.whl"))):
    name = os.path.basename(path)
    with zipfile.ZipFile(path) as z:
        if name.startswith(f"torch-{version}-"):
            # LibTorch: headers, libraries and the CMake package (not the Python modules).
            for m in z.namelist():
                if m.startswith(("torch/include/", "torch/lib/", "torch/share/cmake/")):
                    z.extract(m, out)
        elif name.startswith(("nvidia_cufile-", "nvidia_cusparselt_cu13-", "nvidia_nvshmem_cu13-")):
            # Only the shared libraries, flattened into DIR/lib.
            for m in z.namelist():
                base = os.path.basename(m)
                if ".so" in base and "/lib/" in m:
                    with z.open(m) as src, open(os.path.join(out, "lib", base), "wb") as dst:
                        dst.write(src.read())
EOF
[ -f "$tmp/torch/share/cmake/Torch/TorchConfig.cmake" ] || die "no TorchConfig.cmake in the torch $VERSION wheel"
for lib in libcufile.so.0 libcusparseLt.so.0 libnvshmem_host.so.3; do
  [ -f "$tmp/lib/$lib" ] || die "$lib is in none of the wheels (${WHEELS[*]:1})"
done
cat >"$tmp/env.sh" <<EOF
# shellcheck shell=bash
# Sourced to run what was built against this LibTorch: its libraries, the three CUDA libraries beside
# them, and the CUDA toolkit's. No GPU is needed to load them; CUDA then reports no device.
export LD_LIBRARY_PATH=$DIR/torch/lib:$DIR/lib:/usr/local/cuda/lib64\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
EOF
touch "$tmp/.complete"
rm -rf "$DIR"
mv "$tmp" "$DIR"
trap - EXIT
echo "$DIR"
