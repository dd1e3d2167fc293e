#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for tests and for trying `modsim slurm`:
#
#   scripts/slurm-local.sh install   # Debian packages (root; about 15 s)
#   scripts/slurm-local.sh up        # munge, slurmctld and slurmd; waits for the node
#   scripts/slurm-local.sh down      # stops both daemons and waits for them to exit
#   scripts/slurm-local.sh status    # exit 0 if the node answers
#
# It needs root, no systemd and no cgroups: process tracking by /proc, no task
# plugin, no accounting. Its files live in $MODSIM_SLURM_DIR (default
# /tmp/modsim-slurm); the configuration goes to /etc/slurm/slurm.conf, where the
# client commands look, and only replaces a file this script wrote.
set -euo pipefail

dir=${MODSIM_SLURM_DIR:-/tmp/modsim-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by modsim's scripts/slurm-local.sh"

install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >/dev/null
}

start_munge() {
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile /etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    if ! pgrep -x munged >/dev/null; then
        runuser -u munge -- /usr/sbin/munged
    fi
}

write_conf() {
    if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
        echo "slurm-local: $conf exists and was not written by this script; not replacing it" >&2
        exit 1
    fi
    mkdir -p "$dir/state" "$dir/spool" "$(dirname "$conf")"
    local host cpus
    host=$(hostname -s)
    cpus=$(nproc)
    cat >"$conf" <<CONF
$marker
ClusterName=modsim-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

wait_for_exit() {
    local pidfile=$1
    [ -s "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

up() {
    start_munge
    write_conf
    slurmctld -c
    slurmd
    for _ in $(seq 1 300); do
        if sinfo -h -o '%t' 2>/dev/null | grep -qx 'idle'; then
            echo "slurm-local: one node up ($(nproc) CPUs, partition 'local'); files in $dir"
            return 0
        fi
        sleep 0.1
    done
    echo "slurm-local: the node did not become idle within 30 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
    exit 1
}

down() {
    wait_for_exit "$dir/slurmd.pid"
    wait_for_exit "$dir/slurmctld.pid"
}

case "${1:-}" in
    install) install ;;
    up) up ;;
    down) down ;;
    status) sinfo -h -o '%t' 2>/dev/null | grep -qx 'idle' ;;
    *) echo "usage: $0 install|up|down|status" >&2; exit 2 ;;
esac
