#!/usr/bin/env bash
# The clang-tidy that launch/lint.sh runs: LLVM's own build of it from PyPI's clang-tidy wheel, unpacked once
# into the cache folder (one static program and its compiler headers; no Python runs: the wheel is a zip file). Not Debian 12's
# clang-tidy 14, which matches its checks over the whole LibTorch AST: on the 116 production sources, 23
# takes 208 s on the 2 cores where 14 took 488 s (src/model/transformer.cpp alone: 10.9 s against 23.2 s).
#   bash launch/pip_clang_tidy.sh     prints the path of the clang-tidy program
# Environment: SST_CLANG_TIDY_VERSION (23.1.4: .clang-tidy's profile was read against its checks),
# SST_CACHE_DIR (launch/cache_dir.sh). One run at a time per version (a lock); a later run needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=launch/cache_dir.sh
source launch/cache_dir.sh
VERSION=${SST_CLANG_TIDY_VERSION:-23.1.4}
DIR=$SST_CACHE_DIR/clang-tidy-bin/$VERSION
die() { echo "pip_clang_tidy: error: $*" >&2; exit 1; }

mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock 9
if [ -x "$DIR/bin/clang-tidy" ]; then echo "$DIR/bin/clang-tidy"; exit 0; fi
sst_fetch_wheel "clang-tidy==$VERSION" pip_clang_tidy || exit 1
wheel=$(compgen -G "$SST_CACHE_DIR/wheels/clang_tidy-$VERSION-*.whl" | head -n 1)

# Unpacked into a temporary folder beside DIR, checked, then renamed: an interrupted run leaves no half copy.
tmp=$(mktemp -d "$DIR.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The program and its compiler's own headers (lib/clang/N/include: stddef.h, the intrinsics), which it finds
# beside itself; without them it parses GCC's versions and reports false findings.
python3 - "$wheel" "$tmp" <<'EOF'
import os, sys, zipfile
prefix = "clang_tidy/data/"
with zipfile.ZipFile(sys.argv[1]) as z:
    for m in z.infolist():
        name = m.filename[len(prefix):]
        if m.filename.startswith(prefix) and (name == "bin/clang-tidy" or name.startswith("lib/")) and not m.is_dir():
            os.makedirs(os.path.join(sys.argv[2], os.path.dirname(name)), exist_ok=True)
            with z.open(m) as src, open(os.path.join(sys.argv[2], name), "wb") as dst:
                dst.write(src.read())
EOF
chmod 755 "$tmp/bin/clang-tidy"
[[ $("$tmp/bin/clang-tidy" --version 2>&1) == *"LLVM version $VERSION"* ]] ||
  die "the wheel's clang-tidy does not run or is not $VERSION ($wheel)"
rm -rf "$DIR"
mv "$tmp" "$DIR"
trap - EXIT
echo "$DIR/bin/clang-tidy"
