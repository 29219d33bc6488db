# shellcheck shell=bash
# Sourced by the scripts that build and then test (launch/cuda_libtorch_tests.sh, launch/sanitize_tests.sh):
# their one argument, the phase. .ci/run builds in the background while other tests run, then tests.
#   sst_phase SCRIPT [PHASE]   prints all (no PHASE), build or test; anything else: a one-line error, status 2
sst_phase() {
  case ${2:-all} in
    all | build | test) echo "${2:-all}" ;;
    *) echo "$1: unknown phase '$2' (build, test or none)" >&2; return 2 ;;
  esac
}
