#!/bin/sh
# Sourced, not run: whether a backup job that its status file says is running still runs.
# job_alive PID SCRIPT: PID is a live process of SCRIPT (backup-base.sh, ...). Not just `kill -0`:
# a killed run lingers as a zombie until it is reaped, and pids come round again (a healthcheck
# every second spends thousands an hour); either would keep a dead run "running" for ever. A zombie
# has no command line, and any other process has another one.
job_alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  tr '\000' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
# job_script STATUS-NAME: the script whose runs write that status file.
job_script() {
  case $1 in
    last-base) echo backup-base.sh ;;
    last-run) echo backup-dumps.sh ;;
    last-drill) echo backup-drill.sh ;;
  esac
}
