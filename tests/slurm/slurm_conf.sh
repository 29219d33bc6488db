# shellcheck shell=bash
# The slurm.conf lines both Slurm test clusters share (tests/slurm/run_slurm_test.sh, one node;
# tests/multinode/run_slurm_multinode.sh, one slurmd per simulated node): root daemons, munge
# authentication on the cluster's own socket, no cgroups, no accounting, fast requeue. Sourced.
#   slurm_conf_common MUNGE_SOCKET WORK   prints them; each caller adds its hosts, ports, spool and logs.
slurm_conf_common() {
  cat <<EOF_CONF
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire: a requeued job may start again after this many seconds (default 120)
AuthInfo=socket=$1,cred_expire=10
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
StateSaveLocation=$2/state
SlurmctldPidFile=$2/slurmctld.pid
SlurmctldLogFile=$2/log/slurmctld.log
SlurmctldDebug=info
SlurmdDebug=info
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=600
KillWait=10
EOF_CONF
}
