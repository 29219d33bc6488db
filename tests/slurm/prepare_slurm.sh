#!/usr/bin/env bash
# What the Slurm tests' private clusters need on this machine (tests/slurm/run_slurm_test.sh,
# tests/multinode/run_slurm_multinode.sh): slurm-wlm and munge (installed with apt-get when missing), their
# daemons and commands on PATH, and /etc/munge/munge.key (created, owned by munge, mode 400, when missing).
# Exit 0 when all is there; otherwise 1 with the reason on stderr (the caller skips or fails).
set -uo pipefail
need_pkgs=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$p")
done
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null 2>&1; }
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "prepare_slurm: installing ${need_pkgs[*]}" >&2
  install || { apt-get update -qq >/dev/null 2>&1 && install; } ||
    { echo "cannot install ${need_pkgs[*]} with apt-get (no network?)" >&2; exit 1; }
fi
for b in munged slurmctld slurmd sbatch srun scontrol squeue scancel sinfo; do
  command -v "$b" >/dev/null || { echo "$b not found after installing slurm-wlm / munge" >&2; exit 1; }
done
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1; fi
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  if ! { chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key; }; then
    echo "cannot create /etc/munge/munge.key" >&2
    exit 1
  fi
fi
