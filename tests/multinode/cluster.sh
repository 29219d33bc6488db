#!/usr/bin/env bash
# The simulated cluster: K nodes (2 or 3) on this one machine, for the multi-node tests. Each node is a
# network namespace (sstmn-<id>-nK) with its own hostname (a UTS namespace, "sstnodeK"), its own /etc/hosts
# (a mount namespace binds /etc/netns/<ns>/hosts over it) and one interface, sstmn0, with the address
# 10.77.0.K/24, plugged into a bridge that lives in one more namespace of the harness (sstmn-<id>-sw);
# its TCP gives up on an unanswering peer after ~13 s (net.ipv4.tcp_retries2=5, that namespace's own).
# Every address is on an interface the harness created inside its own namespaces, so nothing can be
# sent anywhere else; the filesystem is shared, as a cluster's NFS home would be. A node is "held" by a
# sleeper process in its namespaces; entering a node is `nsenter -t <sleeper> --net --uts --mount`.
#
# Commands:
#   cluster.sh run K -- COMMAND...   create the cluster, run COMMAND on this machine with SST_CLUSTER_DIR
#                                    (and SST_CLUSTER=this script) exported, tear everything down (on
#                                    success, failure, INT or TERM), exit with COMMAND's status
#   cluster.sh exec N -- COMMAND...  (inside run) COMMAND on node N (1..K), in its namespaces
#   cluster.sh mpirun ARGS...        (inside run) mpirun on node 1 with the cluster's hostfile (K nodes, 2
#                                    slots each), the rsh agent rsh_agent.sh (no sshd) and every TCP
#                                    transport restricted to sstmn0
#   cluster.sh kill-node N           (inside run) SIGKILL every process of node N (a node that dies)
#   cluster.sh link N down|up        (inside run) cut / restore node N's network, its processes alive
#   cluster.sh signal SIG NAME [N]   (inside run) send SIG to every process called NAME on every node
#                                    (or on node N only)
# It refuses to start (exit 1, clear message) when not root, when ip / nsenter / unshare do not work,
# when namespaces or /etc/netns entries named sstmn-* exist that this run did not create (a previous run
# killed with SIGKILL: the message says how to remove them), or while a Slurm or munge daemon of the
# project's Slurm tests runs (they share the machine).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SELF="$HERE/cluster.sh"
SUBNET=10.77.0
IFACE=sstmn0

die() {
  echo "cluster.sh: error: $*" >&2
  exit 1
}
log() { echo "[cluster] $*" >&2; }

# ---- inside a running cluster ------------------------------------------------------------------------
need_cluster() {
  if [ -z "${SST_CLUSTER_DIR:-}" ] || [ ! -f "$SST_CLUSTER_DIR/nodes" ]; then
    die "no running cluster (use: cluster.sh run K -- COMMAND)"
  fi
}
node_pid() {
  need_cluster
  local pid
  pid=$(cat "$SST_CLUSTER_DIR/node$1.pid" 2>/dev/null) || die "no node $1 in this cluster"
  echo "$pid"
}
node_netns() { echo "$(cat "$SST_CLUSTER_DIR/prefix")-n$1"; }

exec_on_node() {
  local n=$1
  shift
  [ "${1:-}" = "--" ] && shift
  local pid
  pid=$(node_pid "$n") || exit 1
  exec nsenter -t "$pid" --net --uts --mount --wd="$PWD" -- "$@"
}

cluster_mpirun() {
  need_cluster
  local k
  k=$(cat "$SST_CLUSTER_DIR/nodes")
  exec_on_node 1 -- env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    mpirun --hostfile "$SST_CLUSTER_DIR/hostfile" --bind-to none \
    --mca plm_rsh_agent "$HERE/rsh_agent.sh" \
    --mca btl_tcp_if_include "$IFACE" --mca oob_tcp_if_include "$IFACE" \
    --mca plm_rsh_num_concurrent "$k" -x SST_CLUSTER_DIR "$@"
}

kill_node() {
  local ns
  ns=$(node_netns "$1")
  local holder
  holder=$(node_pid "$1") || exit 1
  local pids=() p
  for p in $(ip netns pids "$ns" 2>/dev/null); do [ "$p" = "$holder" ] || pids+=("$p"); done
  log "node $1 dies: SIGKILL to ${#pids[@]} process(es)"
  [ ${#pids[@]} -eq 0 ] || kill -9 "${pids[@]}" 2>/dev/null
  return 0
}

set_link() {
  local ns
  ns=$(node_netns "$1")
  [ "$2" = down ] || [ "$2" = up ] || die "link $1: say down or up"
  ip -n "$ns" link set "$IFACE" "$2" || die "cannot set $IFACE of node $1 $2"
  log "node $1: link $2"
}

signal_all() {
  need_cluster
  local nodes n p sent=0
  nodes=${3:-$(seq 1 "$(cat "$SST_CLUSTER_DIR/nodes")")}
  for n in $nodes; do
    for p in $(ip netns pids "$(node_netns "$n")" 2>/dev/null); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && kill -s "$1" "$p" 2>/dev/null && sent=$((sent + 1))
    done
  done
  log "SIG$1 to $sent process(es) called $2"
  [ "$sent" -gt 0 ] || die "no process called $2 on the cluster"
}

# ---- creating and removing it --------------------------------------------------------------------------
PREFIX="" WORK="" CHILD="" CREATED=()

preflight() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
  local b
  for b in ip nsenter unshare mpirun; do command -v "$b" >/dev/null || die "$b not found"; done
  local left
  left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep '^sstmn-')
  [ -d /etc/netns ] && left="$left $(find /etc/netns -mindepth 1 -maxdepth 1 -name 'sstmn-*')"
  left=$(echo "$left" | xargs)
  [ -z "$left" ] || die "leftovers of an earlier simulated cluster that this run did not create: $left
  (a run killed with SIGKILL?). Check that no other cluster.sh runs, then remove them:
  for ns in \$(ip netns list | awk '/^sstmn-/{print \$1}'); do ip netns pids \$ns | xargs -r kill -9; ip netns del \$ns; done; rm -rf /etc/netns/sstmn-*"
  # The project's Slurm daemons (tests/slurm, tests/multinode) name their temp dirs on their command lines.
  local p busy=""
  for p in $(pgrep -x 'munged|slurmctld|slurmd'); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qE '/tmp/(sst-slurm-test|sstmn-)' && busy+=" $p"
  done
  [ -z "$busy" ] || die "a Slurm test of the project runs (munged / slurmctld / slurmd, pid$busy); wait for it to end"
}

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$CHILD" 2>/dev/null
  fi
  local ns p
  # Newest first: every process still in a node (MPI daemons, ranks, the sleeper), then the namespaces.
  for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do
    ns=${CREATED[i]}
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
    rm -rf "/etc/netns/$ns"
  done
  rmdir /etc/netns 2>/dev/null
  [ -z "$WORK" ] || rm -rf "$WORK"
  [ ${#CREATED[@]} -eq 0 ] || log "removed ${CREATED[*]}"
  exit "$rc"
}

add_netns() {
  ip netns add "$1" || die "ip netns add $1 failed (no network namespaces here?)"
  CREATED+=("$1")
  ip -n "$1" link set lo up || die "lo up in $1"
}

cluster_up() {
  local k=$1
  PREFIX="sstmn-$$"
  WORK=$(mktemp -d /tmp/sstmn-cluster.XXXXXX) || die "mktemp"
  chmod 755 "$WORK"
  add_netns "$PREFIX-sw"
  ip -n "$PREFIX-sw" link add br0 type bridge || die "no bridge in $PREFIX-sw"
  ip -n "$PREFIX-sw" link set br0 up
  local hosts="127.0.0.1 localhost"$'\n' n
  for n in $(seq 1 "$k"); do hosts+="$SUBNET.$n sstnode$n"$'\n'; done
  : >"$WORK/hostfile"
  for n in $(seq 1 "$k"); do
    local ns="$PREFIX-n$n"
    add_netns "$ns"
    mkdir -p "/etc/netns/$ns"
    printf '%s' "$hosts" >"/etc/netns/$ns/hosts"
    # The veth pair is created inside the node and its far end moved to the switch: nothing appears in
    # this machine's own namespace, not even for a moment.
    ip -n "$ns" link add "$IFACE" type veth peer name "p$n" || die "veth in $ns"
    ip -n "$ns" link set "p$n" netns "$PREFIX-sw" || die "veth to switch"
    ip -n "$PREFIX-sw" link set "p$n" master br0 up || die "switch port p$n"
    ip -n "$ns" addr add "$SUBNET.$n/24" dev "$IFACE" || die "address of node $n"
    ip -n "$ns" link set "$IFACE" up || die "link of node $n"
    # A connection whose data goes unanswered fails after ~13 s here instead of Linux's ~15 min: mpirun
    # ends a job only once it gives up on a cut node's daemon (docs/multinode.md, a node's network cut).
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_retries2=5 || die "tcp_retries2 in $ns"
    # Its own mount namespace (a slave of this machine's: the shared filesystem stays shared) for its
    # /etc/hosts; unlike `ip netns exec`, /sys is not remounted, so /sys/fs/cgroup stays (slurmd needs it).
    unshare --mount --uts --propagation slave sh -c "mount --bind /etc/netns/$ns/hosts /etc/hosts &&
      hostname sstnode$n && exec nsenter --net=/run/netns/$ns sleep infinity" </dev/null >/dev/null 2>&1 &
    echo $! >"$WORK/node$n.pid"
    disown $!
    echo "sstnode$n slots=2" >>"$WORK/hostfile"
  done
  echo "$k" >"$WORK/nodes"
  echo "$PREFIX" >"$WORK/prefix"
  export SST_CLUSTER_DIR="$WORK" SST_CLUSTER="$SELF"
  # The sleepers are up once each one reports its own hostname.
  for n in $(seq 1 "$k"); do
    local ok=0
    for _ in $(seq 1 40); do
      [ "$(nsenter -t "$(cat "$WORK/node$n.pid")" --uts hostname 2>/dev/null)" = "sstnode$n" ] && ok=1 && break
      sleep 0.05
    done
    [ $ok = 1 ] || die "node $n did not come up (unshare --uts failed?)"
  done
  log "$k nodes up: $(tr '\n' ' ' <"$WORK/hostfile")(state $WORK)"
}

cluster_run() {
  local k=${1:-}
  shift || true
  [ "${1:-}" = "--" ] && shift
  [[ "$k" =~ ^[23]$ ]] || die "run: K must be 2 or 3"
  [ $# -gt 0 ] || die "run: no command"
  preflight
  trap teardown EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  cluster_up "$k"
  "$@" &
  CHILD=$!
  wait "$CHILD"
  local rc=$?
  CHILD=""
  return "$rc"
}

case "${1:-}" in
  run) shift; cluster_run "$@"; exit $? ;;
  exec) shift; exec_on_node "$@" ;;
  mpirun) shift; cluster_mpirun "$@" ;;
  kill-node) kill_node "${2:?node}" ;;
  link) set_link "${2:?node}" "${3:?down or up}" ;;
  signal) signal_all "${2:?signal}" "${3:?process name}" "${4:-}" ;;
  *) sed -n '2,/^set -uo/p' "$SELF" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
