#!/usr/bin/env bash
# bench/fleet1.sh: what fleet mode costs one node (issue 13: "≤ 10 % fewer
# delivered msgs/s on the 20k × 5 KB benchmark; Redis round trips per
# message reported, target ≤ 1 amortised").
#
# The sluice half of bench/run.sh (N messages of SIZE bytes over SESSIONS
# sessions into one `sluice serve`, delivered to a counting sink, fsync
# on, data on disk), RUNS rounds of two variants in the same run, the
# order reversed every other round: "alone" (no [cluster]) and "fleet"
# (the same node with [cluster] on a redis-server of its own, fresh for
# the run, started before sluice). For each fleet run it counts, over the
# load only (from just before the first message to the sink's last):
# Redis commands executed (`redis-cli INFO commandstats`, every command,
# pipelined or not) and the node's own round trips
# (sluice_fleet_redis_round_trips_total: a pipeline is one), per message.
# bench/fleet.sh is the several-node view (a shared connection limit);
# this one is the single-node overhead on the core benchmark.
#
# Usage (no root; redis-server and redis-cli from Debian's redis-server):
#
#	bash bench/fleet1.sh                  # N=20000 SESSIONS=20 SIZE=5000 RUNS=5
#	N=2000 RUNS=1 bash bench/fleet1.sh    # a quick try
#
# Environment: N, SESSIONS, SIZE, RUNS, KEEP, REV, BUILD=0, BUDGET; see
# bench/lib.sh.
set -euo pipefail
NAME=fleet1
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for b in redis-server redis-cli; do
	command -v "$b" >/dev/null || { echo "fleet1.sh: $b is not installed (apt-get install redis-server)" >&2; exit 2; }
done
lib_init
build_tools
PW_HASH=$(printf 'bench-password\n' | "$SLUICE" hash-password)

REDIS_PORT=""
REDIS_PID=""
declare -A CMDS TRIPS

# redis_calls: the total of calls= over INFO commandstats, less the INFO
# calls themselves.
redis_calls() {
	redis-cli -p "$REDIS_PORT" INFO commandstats | tr -d '\r' |
		awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" {s += $3} END {print s + 0}'
}

core_config_hook() {
	local v=$1 d=$2
	core_config "$d"
	[[ $v == fleet ]] || return 0
	redis_up "$d" || { echo "fleet1.sh: redis-server did not start" >&2; exit 1; }
	printf '\n[cluster]\nredis = "redis://127.0.0.1:%s/0"\nnode_id = "n1"\n' "$REDIS_PORT" >>"$d/sluice.toml"
}

before_load() {
	local v=$1 d=$2
	[[ $v == fleet ]] || return 0
	redis_calls >"$d/redis.before"
	http_get "$ADM" /metrics >"$d/metrics.before" 2>/dev/null || true
}

after_load() {
	local v=$1 d=$2 c t
	[[ $v == fleet ]] || return 0
	redis_calls >"$d/redis.after"
	c=$(($(cat "$d/redis.after") - $(cat "$d/redis.before")))
	t=$(($(metric "$d/metrics.txt" sluice_fleet_redis_round_trips_total) - $(metric "$d/metrics.before" sluice_fleet_redis_round_trips_total)))
	CMDS[$v]+="$(awk -v c="$c" -v n="$N" 'BEGIN {printf "%.3f", c / n}') "
	TRIPS[$v]+="$(awk -v c="$t" -v n="$N" 'BEGIN {printf "%.3f", c / n}') "
	echo "$c $t" >"$d/redis.delta"
}

after_stop() {
	[[ $1 == fleet ]] || return 0
	kill -TERM "$REDIS_PID" 2>/dev/null || true
	stop_wait "$REDIS_PID" 10
}

# The extra column: Redis commands and round trips per message.
EXTRA_HEADER="redis cmds/msg, round trips/msg"
extra_col() {
	local v=$1 d=$2 c t
	[[ $v == fleet && -s $d/redis.delta ]] || return 0
	read -r c t <"$d/redis.delta"
	awk -v c="$c" -v t="$t" -v n="$N" 'BEGIN {printf "%.3f, %.3f", c / n, t / n}'
}

echo "command: N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS bash bench/fleet1.sh"
echo "alone vs fleet (one node, [cluster] on its own redis-server $(redis-server --version | grep -o 'v=[0-9.]*')): N=$N messages of ~$SIZE bytes over $SESSIONS sessions, $RUNS rounds, interleaved (order reversed every other round)"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $SLUICE_FROM, $(date -u)"
interleave alone fleet
summary alone fleet
echo "Redis per message during the load (fleet runs): commands $(median "${CMDS[fleet]:-}") (median; ${CMDS[fleet]:-none}), the node's round trips $(median "${TRIPS[fleet]:-}") (${TRIPS[fleet]:-none})"
rdel=$(div "$(median "${DEL[fleet]:-}")" "$(median "${DEL[alone]:-}")")
awk -v d="$rdel" -v t="$(median "${TRIPS[fleet]:-}")" 'BEGIN {
	printf "targets: fleet >= 0.90x alone (delivered): %s; Redis round trips per message <= 1: %s\n", (d >= 0.90) ? "met" : "MISSED", (t <= 1) ? "met" : "MISSED" }'
if ((FAILED)); then
	echo "fleet1.sh: some runs failed (see above)" >&2
	exit 1
fi
