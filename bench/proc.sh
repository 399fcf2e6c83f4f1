# shellcheck shell=bash
# Sourced by the bench scripts that count what processes cost, from /proc.

# cpu_ticks PIDS...: utime+stime of the processes, in clock ticks (getconf CLK_TCK a second).
cpu_ticks() {
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo $t
}

# machine_ticks: the CPU ticks the whole machine spent, all cores.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# ctx_switches PIDS...: the context switches (voluntary and not) of the processes' threads.
ctx_switches() {
  local t=0 p
  for p in "$@"; do
    t=$((t + $(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}')))
  done
  echo $t
}
