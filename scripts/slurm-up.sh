#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for tests/cli/test_slurm.py and for trying the
# SLURM launcher before a real cluster: `sudo scripts/slurm-up.sh`, then
# `negsim -m hydra/launcher=slurm hydra.launcher.partition=debug ...`; `scripts/slurm-down.sh`
# stops it. Needs root: it installs Debian's slurmctld, slurmd, slurm-client and munge with
# apt-get when they are missing, writes /etc/slurm/slurm.conf (one node named after
# `hostname -s`, with the CPUs and memory `slurmd -C` finds, one partition `debug`, no
# accounting, no cgroups, so it runs in a container without systemd) and starts munged,
# slurmctld and slurmd directly. Idempotent: daemons already running are left alone, unless the
# config they read has changed. Prints one line when the node is idle; exits 1, with the
# daemons' last log lines, when it does not get there.
set -euo pipefail

PARTITION=debug
CONF=/etc/slurm/slurm.conf
LOGS=/var/log/slurm
WAIT_S=60

say() { echo "slurm-up: $*"; }
die() {
    echo "slurm-up: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (it installs packages and starts daemons); run it with sudo"

# A daemon is running when its PID file names a live process of that name (not a zombie: one
# that was killed but not yet reaped still has its /proc entry).
running() {
    local pidfile=$1 name=$2 pid comm state
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    read -r _ comm state _ 2>/dev/null <"/proc/$pid/stat" || return 1
    [ "$comm" = "($name)" ] && [ "$state" != Z ]
}

# 1. Packages.
missing=()
for pkg in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Munge: a key (the package makes one; made here if it is gone) and the daemon, as user munge.
if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
if ! running /run/munge/munged.pid munged; then
    runuser -u munge -- /usr/sbin/munged --force
fi
for _ in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
done
munge -n | unmunge >/dev/null || die "munged does not answer (see /var/log/munge/munged.log)"

# 3. slurm.conf for this machine. slurmd -C reads the hardware: CPUs, sockets, cores, threads,
# RealMemory. Everything talks over the loopback address.
node=$(hostname -s)
hardware=$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+ //')
[ -n "$hardware" ] || die "slurmd -C printed nothing"
install -d -m 0755 /etc/slurm "$LOGS" /var/spool/slurmctld /var/spool/slurmd
conf=$(
    cat <<CONF
# Written by negsim's scripts/slurm-up.sh: a single-node cluster for tests, on loopback.
ClusterName=negsim
SlurmctldHost=${node}(127.0.0.1)
# Root runs the daemons: a container has no other user set up for them.
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=${LOGS}/slurmctld.log
SlurmdLogFile=${LOGS}/slurmd.log
# No cgroups (containers often lack them) and no systemd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# Cores and memory are the resources jobs ask for (--cpus-per-task, --mem).
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
# No accounting: submitit then reads job states from scontrol, and warns about sacct.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# A node that was down (the machine restarted) comes back when its slurmd registers.
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=30
MinJobAge=300
NodeName=${node} NodeAddr=127.0.0.1 ${hardware} State=UNKNOWN
PartitionName=${PARTITION} Nodes=${node} Default=YES MaxTime=INFINITE State=UP
CONF
)
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$conf" ]; then
    if running /run/slurmctld.pid slurmctld || running /run/slurmd.pid slurmd; then
        say "slurm.conf changed: restarting slurmctld and slurmd"
        "$(dirname "$0")/slurm-down.sh" --keep-munge
    fi
    printf '%s\n' "$conf" >"$CONF.tmp"
    mv "$CONF.tmp" "$CONF"
fi

# 4. The daemons (they go to the background and write their PID files). slurmctld starts with
# a clear state (-c): jobs left from an earlier life of this test cluster are forgotten.
if ! running /run/slurmctld.pid slurmctld; then
    slurmctld -c
fi
if ! running /run/slurmd.pid slurmd; then
    slurmd
fi

# 5. Wait for the node to be idle (or busy with jobs, when the cluster was already up).
state=""
for _ in $(seq $((WAIT_S * 4))); do
    state=$(sinfo -h -n "$node" -p "$PARTITION" -o %t 2>/dev/null | head -1 || true)
    case "$state" in
    idle | mix | alloc) break ;;
    down* | drain* | drng*)
        scontrol update NodeName="$node" State=RESUME 2>/dev/null || true
        ;;
    esac
    sleep 0.25
done
case "$state" in
idle | mix | alloc) ;;
*)
    tail -n 20 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&2 || true
    die "node $node is '${state:-not listed}' after ${WAIT_S} s, not idle (logs above)"
    ;;
esac
cpus=$(sinfo -h -n "$node" -o %c | head -1)
mem=$(sinfo -h -n "$node" -o %m | head -1)
say "node $node is $state in partition $PARTITION ($cpus CPUs, $mem MB), SLURM $(sinfo --version | cut -d' ' -f2)"
