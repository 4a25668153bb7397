#!/usr/bin/env bash
# bench/segio.sh: bench/compare.sh plus the disk bytes sluice writes per
# message (issue 19: bodies in segment files). Builds `sluice` at OLD and
# at NEW (git archive of each commit), runs the sluice half of
# bench/run.sh with each in turn (N messages of SIZE bytes over SESSIONS
# sessions to a counting sink, fsync on, data on disk), RUNS rounds, the
# order reversed every other round, and adds a column: write_bytes of the
# sluice process (/proc/PID/io: what it sent to the storage layer, the
# ext4 journal's own writes excluded) from the start of the load to its
# end, per message, in KB; and the CPU time sluice used over the same
# span (utime + stime, /proc/PID/stat), per message: on a shared machine,
# a figure the other tenants' load inflates less than msgs/s.
#
# Usage (no root needed):
#
#	OLD=1e88b75^ NEW=HEAD SIZE=100000 bash bench/segio.sh
#	OLD=1e88b75^ NEW=HEAD SIZE=5000 RUNS=3 bash bench/segio.sh
#
# Environment: OLD, NEW (commits, default HEAD^ and HEAD), N, SESSIONS,
# SIZE, RUNS, KEEP, BUDGET; see bench/lib.sh.
set -euo pipefail
NAME=segio
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OLD=${OLD:-HEAD^}
NEW=${NEW:-HEAD}
lib_init
ab_init
# The wrapper records sluice's pid (it execs it) for the I/O counters.
core_wrap() {
	printf '%s\n' sh -c 'echo $$ >"$0"; exec "$@"' "$2/sluice.pid"
}
write_bytes() { awk '/^write_bytes:/ {print $2}' "/proc/$(cat "$1/sluice.pid")/io" 2>/dev/null || echo 0; }
# utime + stime of sluice, in clock ticks (fields 14 and 15 of stat; the
# command name, field 2, has no spaces here).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(cat "$1/sluice.pid")/stat" 2>/dev/null || echo 0; }
before_load() { write_bytes "$2" >"$2/wb0"; cpu_ticks "$2" >"$2/cpu0"; }
after_load() { write_bytes "$2" >"$2/wb1"; cpu_ticks "$2" >"$2/cpu1"; }
extra_col() {
	awk -v a="$(cat "$2/wb0")" -v b="$(cat "$2/wb1")" -v c0="$(cat "$2/cpu0")" -v c1="$(cat "$2/cpu1")" \
		-v n="$N" -v hz="$(getconf CLK_TCK)" \
		'BEGIN {printf "%.1f KB written/msg, %.0f µs CPU/msg", (b - a) / n / 1024, (c1 - c0) / hz * 1e6 / n}'
}

echo "command: OLD=$OLD NEW=$NEW N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS bash bench/segio.sh"
echo "old = $OLD_SHA, new = $NEW_SHA: N=$N messages of ~$SIZE bytes over $SESSIONS sessions, $RUNS rounds, interleaved (order reversed every other round)"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), scripts at $(commit_line), $(date -u)"
interleave old new
summary old new
if ((FAILED)); then
	echo "segio.sh: some runs failed (see above)" >&2
	exit 1
fi
