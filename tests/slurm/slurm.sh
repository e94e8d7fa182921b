#!/bin/sh
# tests/slurm/slurm.sh — a real single-node Slurm on this machine, for the
# Slurm executor's end-to-end tests (tests/test_slurm.c) and CI (.ci/run).
# What it sets up: Debian's slurm-wlm
# (slurmctld, slurmd, client) + munge, no systemd, no accounting database.
#
# Usage (as root, Debian/Ubuntu):
#   sh tests/slurm/slurm.sh start    install if missing, configure, start, run a probe job;
#                                    exit 0 = ready; 1 = cannot (the reason on stderr, and
#                                    whatever it started is stopped again). Idempotent: when
#                                    already up with the same config, it does nothing.
#   sh tests/slurm/slurm.sh status   daemons, sinfo, squeue; exit 0 only when usable
#   sh tests/slurm/slurm.sh stop     cancel every job, end the daemons it started (by the
#                                    pid files in /run/tunetop-slurm only)
#
# Environment: TUNETOP_SLURM_TIMEOUT (60 s: start's bound, from the daemons'
# start to the probe's end; apt-get has its own lock timeout),
# TUNETOP_SLURM_MIN_JOB_AGE (300 s a finished job stays visible to squeue -t
# all and scontrol).
#
# The cluster: one node (`hostname -s`, 127.0.0.1, CPUs and memory as
# `slurmd -C` finds them), partition `debug` (default), SlurmUser=root,
# KillWait=5, no scheduling delay. Config /etc/slurm/slurm.conf (the default
# path, so clients need no SLURM_CONF); logs in /var/log/slurm. Every start
# is an empty cluster: job ids restart at 1.
#
# Written for bash (arrays of daemons, [[ ]]); `sh slurm.sh` re-executes it
# with bash so that CI may call it either way.
if [ -z "${BASH_VERSION:-}" ]; then
  command -v bash >/dev/null 2>&1 || { echo "slurm.sh: needs bash" >&2; exit 1; }
  exec bash "$0" "$@"
fi
set -euo pipefail

RUN=/run/tunetop-slurm              # our pid files: the only handles stop uses
CONF=/etc/slurm/slurm.conf
STATE=/var/lib/slurm/slurmctld
SPOOL=/var/lib/slurm/slurmd
LOGDIR=/var/log/slurm
MARK="# Written by tunetop tests/slurm/slurm.sh"
TIMEOUT=${TUNETOP_SLURM_TIMEOUT:-60}
MIN_JOB_AGE=${TUNETOP_SLURM_MIN_JOB_AGE:-300}
ALL_DAEMONS="slurmd slurmctld munged"     # stop order

STARTING=0
say() { echo "slurm.sh: $*"; }
die() {
  echo "slurm.sh: cannot bring up Slurm: $*" >&2
  if [[ $STARTING == 1 ]]; then STARTING=0; do_stop >&2 || true; fi
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
past_deadline() { (( $(date +%s) >= DEADLINE )); }

# Our pid file for daemon $1 names a live process (not a zombie: PID 1 of a
# container may not reap) whose name is $1.
ourpid() {
  local pid st
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]] || return 1
  st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $st != Z && $st != X ]]
}

# Clients retry for ~9 s when the controller is down: bound them.
node_state() { timeout 5 sinfo -h -N -o '%T' 2>/dev/null | head -1; }
is_ready() { [[ $(node_state) =~ ^(idle|mixed|allocated|completing)$ ]]; }

log_tails() {
  local f
  for f in "$LOGDIR/slurmctld.log" "$LOGDIR/slurmd.log" /var/log/munge/munged.log; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 12 "$f" >&2
  done
}

need_root() { [[ $(id -u) == 0 ]] || die "must run as root (it installs packages and starts daemons)"; }

install_if_missing() {
  local b missing=0 pkgs="slurmctld slurmd slurm-client munge"
  for b in slurmctld slurmd sbatch squeue scancel scontrol sinfo munged munge; do
    command -v "$b" >/dev/null 2>&1 || missing=1
  done
  [[ $missing == 1 ]] || return 0
  command -v apt-get >/dev/null || die "Slurm is not installed and apt-get is not available"
  local t0 out; t0=$(now); out=$(mktemp)
  say "installing $pkgs (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  # Bounded: a mirror that does not answer must not hang CI.
  # shellcheck disable=SC2086
  if ! { timeout 300 apt-get -o DPkg::Lock::Timeout=120 -o Acquire::Retries=2 update -qq &&
         timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends $pkgs; } \
       >"$out" 2>&1; then
    tail -n 20 "$out" >&2; rm -f "$out"
    die "apt-get could not install $pkgs (no package repository reachable?)"
  fi
  rm -f "$out"
  say "installed in $(since "$t0") s"
}

# The node as slurmd detects it: declaring more than it finds drains the node.
node_hw() {
  local hw
  hw=$(slurmd -C 2>/dev/null | awk '/^NodeName=/{ $1=""; sub(/^ /,""); print; exit }') || true
  [[ -n $hw ]] || hw="CPUs=$(nproc) RealMemory=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 ))"
  echo "$hw"
}

render_conf() {
  local host=$1
  cat <<CONF
$MARK — a one-node test cluster; rewritten by every start.
ClusterName=tunetop
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# The default batch_sched_delay=3 leaves ~1.5 s idle between short jobs.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGDIR/jobcomp.log
MinJobAge=$MIN_JOB_AGE
KillWait=5
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 $(node_hw) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

# Ends daemon $1 if we started it: SIGTERM, SIGKILL after 10 s; by pid file only.
stop_one() {
  local name=$1 pid
  if ourpid "$name"; then
    pid=$(cat "$RUN/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do ourpid "$name" || break; sleep 0.1; done
    if ourpid "$name"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    say "stopped $name ($pid)"
  fi
  rm -f "$RUN/$name.pid"
}

# Jobs outlive slurmd (slurmstepd is detached): cancel them while slurmctld runs.
cancel_all_jobs() {
  ourpid slurmctld || return 0
  local ids
  ids=$(timeout 10 squeue -h -o '%A' 2>/dev/null | sort -un | tr '\n' ' ') || return 0
  [[ -n ${ids// /} ]] || return 0
  say "cancelling jobs: $ids"
  # shellcheck disable=SC2086
  timeout 10 scancel $ids 2>/dev/null || true
  for _ in $(seq 1 150); do      # KillWait=5 s, then completing
    [[ -z $(timeout 5 squeue -h -o '%A' 2>/dev/null) ]] && return 0
    sleep 0.1
  done
  echo "slurm.sh: warning: jobs still listed after 15 s" >&2
}

do_stop() {
  local d
  if ourpid slurmd; then cancel_all_jobs; fi
  for d in $ALL_DAEMONS; do stop_one "$d"; done
}

start_munge() {
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge; chmod 0700 /var/log/munge
  if [[ ! -s /etc/munge/munge.key ]]; then
    if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key
    else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
  fi
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    ourpid munged || say "using the munged that was already running (stop leaves it alone)"
    return 0
  fi
  rm -f "$RUN/munged.pid"
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid </dev/null ||
    { log_tails; die "munged did not start"; }
  cp /run/munge/munged.pid "$RUN/munged.pid"
  munge -n | unmunge >/dev/null 2>&1 || { log_tails; die "munge does not work (munge -n | unmunge)"; }
}

start_daemon() {    # slurmctld | slurmd: they daemonize and write their pid file
  local name=$1
  rm -f "$RUN/$name.pid"
  "/usr/sbin/$name" </dev/null || { log_tails; die "$name did not start"; }
  for _ in $(seq 1 100); do ourpid "$name" && return 0; sleep 0.1; done
  log_tails; die "$name exited right after start (no live pid in $RUN/$name.pid)"
}

# One tiny batch job proves munge, slurmctld, slurmd and slurmstepd work
# together; it also absorbs the scheduler's first pass (~3 s after start).
probe_job() {
  local j st=""
  j=$(timeout 20 sbatch --parsable -J tunetop-probe -D / -o /dev/null --wrap true 2>&1) ||
    die "sbatch of the probe job failed: $j"
  while :; do
    st=$(timeout 5 scontrol show job "$j" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2) || true
    case $st in
      COMPLETED) return 0 ;;
      PENDING|CONFIGURING|RUNNING|COMPLETING|"") ;;
      *) scontrol show job "$j" >&2 || true; log_tails; die "probe job $j ended $st" ;;
    esac
    if past_deadline; then
      scontrol show job "$j" >&2 || true; log_tails
      die "probe job $j still ${st:-unknown} after ${TIMEOUT} s (TUNETOP_SLURM_TIMEOUT)"
    fi
    sleep 0.1
  done
}

all_up() {
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || return 1
  ourpid slurmctld && ourpid slurmd
}

do_start() {
  need_root
  local t0 host new d st
  install_if_missing
  host=$(hostname -s)
  mkdir -p "$RUN" /etc/slurm "$STATE" "$SPOOL" "$LOGDIR"
  new=$(render_conf "$host")

  for d in $ALL_DAEMONS; do
    ourpid "$d" || continue
    if all_up && [[ $(cat "$CONF" 2>/dev/null) == "$new" ]] && is_ready; then
      say "already running and ready (node $host: $(node_state))"
      return 0
    fi
    say "restarting (the config changed or a daemon is missing)"
    do_stop
    break
  done

  if [[ -e $CONF ]] && ! grep -q "^$MARK" "$CONF" && [[ ! -e $CONF.before-tunetop ]]; then
    cp "$CONF" "$CONF.before-tunetop"; say "kept the previous $CONF as $CONF.before-tunetop"
  fi
  echo "$new" >"$CONF"
  rm -rf "${STATE:?}"/* "${SPOOL:?}"/*
  : >"$LOGDIR/jobcomp.log"

  t0=$(now)
  DEADLINE=$(awk -v t="$t0" -v d="$TIMEOUT" 'BEGIN{printf "%d", t+d}')
  STARTING=1
  start_munge
  start_daemon slurmctld
  start_daemon slurmd
  until is_ready; do
    for d in $ALL_DAEMONS; do
      if [[ -e $RUN/$d.pid ]] && ! ourpid "$d"; then log_tails; die "$d died while starting"; fi
    done
    if past_deadline; then
      st=$(node_state)
      echo "slurm.sh: node state: ${st:-unknown (slurmctld not answering)}" >&2
      timeout 5 scontrol show node "$host" 2>/dev/null | grep -E 'State=|Reason=' >&2 || true
      log_tails
      die "node $host not usable after ${TIMEOUT} s (TUNETOP_SLURM_TIMEOUT)"
    fi
    sleep 0.2
  done
  probe_job
  STARTING=0
  say "ready in $(since "$t0") s: node $host ($(node_hw | grep -o 'CPUs=[0-9]*')), partition debug"
}

do_status() {
  local d ok=0
  for d in munged slurmctld slurmd; do
    if ourpid "$d"; then echo "$d: running, pid $(cat "$RUN/$d.pid")"; else echo "$d: not running (ours)"; fi
  done
  if ! ourpid slurmctld; then
    echo "node: not usable (no slurmctld of ours)"; return 1
  fi
  if is_ready; then echo "node: $(node_state) — usable"; else echo "node: $(node_state) — not usable"; ok=1; fi
  timeout 5 sinfo 2>&1 || true
  timeout 5 squeue 2>&1 || true
  return $ok
}

case ${1:-start} in
start) do_start ;;
stop) need_root; do_stop ;;
restart) need_root; do_stop; do_start ;;
status) do_status ;;
*) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
