#!/usr/bin/env bash
# Start a one-node Slurm cluster on this machine, for the workflow's Slurm test.
#
# Installs Debian's slurm-wlm and munge if needed, writes a minimal slurm.conf for this host into
# $SLURM_TEST_DIR (default /tmp/mnist-mlp-slurm), links it from /etc/slurm/slurm.conf, starts munged (as user munge), slurmctld and
# slurmd, and waits until the node is idle. Clients find the cluster through SLURM_CONF:
#     export SLURM_CONF=$SLURM_TEST_DIR/slurm.conf
# tests/slurm/stop.sh ends exactly the daemons this script started, by their pid files.
set -euo pipefail

state=${SLURM_TEST_DIR:-/tmp/mnist-mlp-slurm}
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

mkdir -p "$state"/{spool/ctld,spool/d,log,run}
host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)

cat > "$state/slurm.conf" <<CONF
ClusterName=mnistmlp
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$state/slurm.conf
# Job steps (srun inside a batch job) do not see SLURM_CONF; they read the default path.
if [[ -e /etc/slurm/slurm.conf && ! -L /etc/slurm/slurm.conf ]]; then
    echo "/etc/slurm/slurm.conf exists and is not ours: refusing to replace a real cluster's config" >&2
    exit 1
fi
mkdir -p /etc/slurm
ln -sfn "$SLURM_CONF" /etc/slurm/slurm.conf

# munged refuses to run as root; its key comes with Debian's package.
install -d -o munge -g munge -m 0755 /run/munge
runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
cp /run/munge/munged.pid "$state/run/munged.pid"

slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

for _ in $(seq 60); do
    if [[ "$(sinfo -h -o %T 2>/dev/null)" == idle* ]]; then
        echo "Slurm is up: node $host idle ($cpus CPUs, $memory_mb MB). export SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 1
done
echo "Slurm did not come up within 60 s; logs in $state/log" >&2
sinfo >&2 || true
exit 1
