#!/usr/bin/env bash
# OpenMPI's rsh agent for the simulated cluster (plm_rsh_agent, in place of ssh): `rsh_agent.sh HOST
# COMMAND...` runs COMMAND, as ssh would hand it to the remote shell, inside node HOST's namespaces
# (network, hostname, mount). HOST is sstnodeN or its address 10.77.0.N. Needs SST_CLUSTER_DIR (exported
# by cluster.sh run and passed on by cluster.sh mpirun).
set -uo pipefail
host=${1:?rsh_agent.sh: no host}
shift
case "$host" in
  sstnode[0-9]*) node=${host#sstnode} ;;
  10.77.0.[0-9]*) node=${host##*.} ;;
  *) echo "rsh_agent.sh: error: $host is not a node of the simulated cluster" >&2; exit 255 ;;
esac
exec "$(dirname "$0")/cluster.sh" exec "$node" -- /bin/sh -c "$*"
