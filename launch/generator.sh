# shellcheck shell=bash
# Sourced by the scripts that configure a build: which CMake generator it uses.
# Ninja where installed: it starts a target's compiles as soon as their own inputs exist, while Make's
# generator waits until every library the target links is built; in a chain of libraries of a few unity
# batches each (CMakeLists.txt, SST_UNITY_BUILD) one core would wait. A folder configured before keeps its
# generator (CMake refuses to switch one), so an existing Make build folder goes on with Make.
#   sst_generator BUILD_DIR   prints the generator's name
sst_generator() {
  local cached
  cached=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$1/CMakeCache.txt" 2>/dev/null || true)
  if [ -n "$cached" ]; then
    echo "$cached"
  elif command -v ninja >/dev/null 2>&1; then
    echo Ninja
  else
    echo "Unix Makefiles"
  fi
}
