#!/usr/bin/env bash
# Stop the daemons tests/slurm/start.sh started, exactly those whose pids it recorded, and
# remove the /etc/slurm/slurm.conf link it made.
set -uo pipefail

state=${SLURM_TEST_DIR:-/tmp/mnist-mlp-slurm}
for daemon in slurmd slurmctld munged; do
    pidfile=$state/run/$daemon.pid
    [[ -f "$pidfile" ]] || continue
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
done
if [[ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" == "$state/slurm.conf" ]]; then
    rm -f /etc/slurm/slurm.conf
fi
echo "Slurm stopped"
