#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep tests and for
# trying `nglab sweep` without a cluster. Needs root (it installs Debian's
# packages when missing and runs the daemons as root).
#
#   scripts/slurm-local.sh start    install if missing, start munged, slurmctld, slurmd;
#                                   wait until the node is idle; print `export SLURM_CONF=...`
#   scripts/slurm-local.sh stop     cancel every job, stop the three daemons, check none is left
#   scripts/slurm-local.sh status   the daemons' pids and `sinfo`
#   scripts/slurm-local.sh env      print `export SLURM_CONF=...`
#
# Everything lives in $NGLAB_SLURM_DIR (default /tmp/nglab-slurm): the munge
# key and socket, slurm.conf, the controller's state, the spool and the logs;
# nothing under /etc is read or written, so the Slurm commands need SLURM_CONF
# (`eval "$(scripts/slurm-local.sh start)"`). Ports: $NGLAB_SLURM_PORT (6817)
# for slurmctld and the next one for slurmd.
#
# What a minimal cluster needs, and what went wrong without it (Debian 12,
# Slurm 22.05, in a gVisor sandbox):
# - The daemons fork before they read most of their config: their exit code
#   says little, so `start` waits for `sinfo` to show the node idle and
#   names the log otherwise.
# - munged refuses a socket directory that others cannot traverse ("Socket
#   is inaccessible: execute permissions for all required") and a key that
#   others can read; as root it runs without --force.
# - slurm.conf names the controller with its address,
#   `SlurmctldHost=NAME(127.0.0.1)`, and the node `NodeAddr=127.0.0.1`, so no
#   name lookup is needed; the node's name must be the one slurmd is started
#   with (-N here) or finds itself, else "fatal: Unable to determine this
#   slurmd's NodeName".
# - The node line is `slurmd -C`'s: a RealMemory above the machine's leaves
#   the node INVAL ("Low RealMemory (reported:24105 < 100.00% of
#   configured:99999)").
# - No cgroups: `ProctrackType=proctrack/linuxproc`, `TaskPlugin=task/none`,
#   `JobAcctGatherType=jobacct_gather/none`. With proctrack/cgroup the node
#   shows idle, but every job fails at launch ("cgroup namespace 'freezer'
#   not mounted", "Plugin initialization failed").
# - `SelectTypeParameters=CR_Core_Memory` makes `--mem` a consumable
#   resource; then a job without --mem takes the whole node's memory and
#   jobs run one at a time (the second task of an array pends, "Resources"),
#   unless `DefMemPerCPU` is set.
# - `SlurmUser=root`: with Debian's `slurm` user the controller cannot write
#   the root-owned state directory ("fatal: Incorrect permissions on state
#   save loc") and every command says "Unable to contact slurm controller".
# - `ReturnToService=2`: a node that was DOWN (slurmd restarted, or silent
#   for a while) returns to service when it registers again instead of
#   staying DOWN until `scontrol update`.
# - `MailProg=/bin/true`: Debian has no mail program by default and the
#   controller logs an error for it. The errors about the PMIx library in
#   the logs are harmless (`MpiDefault=none`).
# - The controller schedules every few seconds: a job submitted to an idle
#   node starts after 0-2 s.
# - Debian's postinst enables munge, slurmctld and slurmd as systemd
#   services (with /etc configs): on a machine with systemd they may be
#   running besides this cluster, whose ports NGLAB_SLURM_PORT chooses.
set -euo pipefail

DIR=${NGLAB_SLURM_DIR:-/tmp/nglab-slurm}
PORT=${NGLAB_SLURM_PORT:-6817}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF
# Every daemon is started with this in its environment (slurmd passes it on
# to the slurmstepd processes it starts), which is how `stop` finds what
# this cluster started and nothing else.
MARK="NGLAB_SLURM_LOCAL=$DIR"

say() { echo "slurm-local: $*" >&2; }
die() {
    say "$*"
    exit 1
}

pid_of() { # the live pid in a pid file, or nothing
    local pid
    [[ -s $1 ]] || return 0
    pid=$(<"$1")
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

# The pids of processes this cluster started: their environment holds MARK.
marked() {
    local file pid
    for file in $(grep -lzxF "$MARK" /proc/[0-9]*/environ 2>/dev/null); do
        pid=${file#/proc/}
        pid=${pid%/environ}
        [[ $pid == "$$" || $pid == "$BASHPID" ]] || echo "$pid"
    done
}

install_packages() {
    local missing=()
    command -v munged >/dev/null || missing+=(munge)
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(slurm-client)
    ((${#missing[@]} == 0)) && return
    [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root"
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        munge slurmctld slurmd slurm-client >/dev/null
}

write_config() {
    local host node
    host=$(hostname -s)
    # `NodeName=... CPUs=... RealMemory=...` as slurmd measures this machine.
    node=$(slurmd -C | head -n 1)
    [[ $node == NodeName=* ]] || die "slurmd -C printed '$node', not a node line"
    node=$(sed "s/^NodeName=[^ ]*/NodeName=$host/" <<<"$node")
    mkdir -p "$DIR/ctld" "$DIR/spool" "$DIR/log" "$DIR/munge"
    chmod 755 "$DIR" "$DIR/munge"
    cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: one node, this machine, everything as root.
ClusterName=nglab
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    if [[ ! -s $DIR/munge/munge.key ]]; then
        head -c 1024 /dev/urandom >"$DIR/munge/munge.key"
    fi
    chmod 400 "$DIR/munge/munge.key"
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

start() {
    install_packages
    if [[ -n $(pid_of "$DIR/slurmctld.pid") ]]; then
        say "already running in $DIR"
    else
        local stale
        stale=$(marked)
        [[ -z $stale ]] || die "processes of an earlier cluster in $DIR are alive ($(echo $stale)): run stop first"
        for p in "$PORT" $((PORT + 1)); do
            port_free "$p" || die "port $p is in use (another Slurm?): set NGLAB_SLURM_PORT"
        done
        # A fresh controller state each start: no jobs of an earlier cluster.
        rm -rf "$DIR/ctld" "$DIR/spool"
        write_config
        env "$MARK" munged --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
            --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
            --seed-file="$DIR/munge/munged.seed" ||
            die "munged did not start: $(tail -n 1 "$DIR/munge/munged.log")"
        env "$MARK" slurmctld || die "slurmctld did not start: see $DIR/log/slurmctld.log"
        env "$MARK" slurmd -N "$(hostname -s)" || die "slurmd did not start: see $DIR/log/slurmd.log"
    fi
    local state=""
    for _ in $(seq 100); do
        state=$(sinfo -h -N -o %t 2>/dev/null || true)
        [[ $state == idle ]] && break
        sleep 0.3
    done
    [[ $state == idle ]] || die "the node is '${state:-not reported}' after 30 s, not idle: see $DIR/log/"
    say "node $(hostname -s) idle ($(sinfo -h -N -o '%c CPUs, %m MB')); SLURM_CONF=$CONF"
    echo "export SLURM_CONF=$CONF"
}

# Whether any of the pids still exists (a zombie too, until init reaps it).
any_exists() {
    local p
    for p in "$@"; do [[ -e /proc/$p ]] && return 0; done
    return 1
}

stop() {
    local pids left
    if [[ -n $(pid_of "$DIR/slurmctld.pid") ]]; then
        # Cancel every job first, so that slurmd ends their steps.
        if squeue -h -o %A 2>/dev/null | grep -q .; then
            scancel --full $(squeue -h -o %A) 2>/dev/null || true
            for _ in $(seq 50); do
                squeue -h -o %A 2>/dev/null | grep -q . || break
                sleep 0.2
            done
        fi
    fi
    pids=$(echo $(pid_of "$DIR/slurmd.pid") $(pid_of "$DIR/slurmctld.pid") \
        $(pid_of "$DIR/munge/munged.pid") $(marked) | tr ' ' '\n' | sort -u)
    [[ -z $pids ]] || kill $pids 2>/dev/null || true
    for _ in $(seq 50); do
        any_exists $pids || break
        sleep 0.2
    done
    left=$(marked)
    if [[ -n $left ]]; then
        say "still alive 10 s after SIGTERM: $(echo $left); SIGKILL"
        kill -9 $left 2>/dev/null || true
        for _ in $(seq 25); do
            any_exists $pids || break
            sleep 0.2
        done
    fi
    left=$(marked)
    [[ -z $left ]] || die "could not stop: $(ps -o pid=,comm= -p "$(echo $left | tr ' ' ,)")"
    say "stopped; no process of the cluster in $DIR is left"
}

status() {
    local name pid any=0
    for name in munge/munged slurmctld slurmd; do
        pid=$(pid_of "$DIR/$name.pid")
        echo "${name#munge/}: ${pid:-not running}"
        [[ -n $pid ]] && any=1
    done
    if ((any)); then sinfo -N 2>&1 || true; fi
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
env) echo "export SLURM_CONF=$CONF" ;;
*)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
