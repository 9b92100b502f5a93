#!/usr/bin/env bash
# Stops the single-node SLURM that scripts/slurm-up.sh started: slurmd, slurmctld, then munged
# (kept with --keep-munge). Leaves packages, config and spool folders in place. Idempotent.
set -euo pipefail

say() { echo "slurm-down: $*"; }
[ "$(id -u)" = 0 ] || {
    echo "slurm-down: needs root" >&2
    exit 1
}

# Sends TERM to the process a PID file names, if it is alive (not a zombie) and has that name;
# waits for it to end.
stop() {
    local pidfile=$1 name=$2 pid comm state
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    read -r _ comm state _ 2>/dev/null <"/proc/$pid/stat" || comm=""
    if [ "$comm" = "($name)" ] && [ "$state" != Z ]; then
        kill -TERM "$pid"
        for _ in $(seq 100); do
            read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" || break
            [ "$state" = Z ] && break
            sleep 0.1
        done
        if [ "$state" != Z ] && [ -d "/proc/$pid" ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        stopped+=("$name")
    fi
    rm -f "$pidfile"
}

stopped=()
stop /run/slurmd.pid slurmd
stop /run/slurmctld.pid slurmctld
[ "${1:-}" = --keep-munge ] || stop /run/munge/munged.pid munged
if [ ${#stopped[@]} -gt 0 ]; then
    say "stopped ${stopped[*]}"
else
    say "nothing was running"
fi
