#!/usr/bin/env bash
# Creates /etc/munge/munge.key (owned by munge, mode 400) when it is missing, for the Slurm tests'
# private munged (tests/slurm/run_slurm_test.sh, tests/multinode/run_slurm_multinode.sh).
set -euo pipefail
[ -s /etc/munge/munge.key ] && exit 0
mkdir -p /etc/munge
if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 || true; fi
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
