#!/usr/bin/env bash
# bench/fleet.sh: several `sluice serve` nodes as one sender.
#
# For each case NODES:MODE (MODE fleet: the nodes share a redis-server
# through [cluster]; alone: no [cluster], each node on its own), starts
# the nodes (the built binary, each with its own data dir, all with the
# same shaping rule: at most LIMIT connections to the sink's site), one
# counting sink MX (bench/fleetsink: it counts the connections open at
# once), submits N messages of SIZE bytes spread evenly over the nodes
# (bench/cmd/smtpload, SESSIONS sessions in all), and prints per case:
# accepted and delivered msgs/s, the most connections the sink saw open
# at once against LIMIT, Redis round trips per message, and each node's
# peak RSS.
#
# Usage (no root needed; redis-server from Debian's redis-server package):
#
#	bash bench/fleet.sh                              # N=3000, CASES="1:alone 1:fleet 3:fleet 3:alone"
#	N=20000 SESSIONS=30 bash bench/fleet.sh
#	CASES="3:fleet" LIMIT=2 bash bench/fleet.sh
#
# Environment: N, SESSIONS, SIZE, LIMIT (the site's max_connections),
# HOLD (the sink's wait before each 250, so that connections overlap;
# default 2ms), CASES, KEEP=1 keeps the work directory. Every process it
# starts is stopped on exit; traffic stays on 127.0.0.1.
set -euo pipefail
NAME=fleet.sh
N=${N:-3000}
SESSIONS=${SESSIONS:-12}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LIMIT=${LIMIT:-4}
HOLD=${HOLD:-2ms}
CASES=${CASES:-"1:alone 1:fleet 3:fleet 3:alone"}
LOAD_TIMEOUT=300
# Always sluice from the working tree; the work directory is kept only
# with KEEP=1; a stopped process gets 10 s before SIGKILL.
REV=""
BUILD=1
KEEP_FAILED=0
CLEANUP_WAIT=10

check_positive N SESSIONS SIZE LIMIT
for c in $CASES; do
	if ! [[ $c =~ ^[1-9][0-9]?:(fleet|alone)$ ]]; then
		echo "fleet.sh: a case is NODES:fleet or NODES:alone (1-99 nodes), got '$c'" >&2
		exit 2
	fi
done
if [[ $CASES == *fleet* ]] && ! command -v redis-server >/dev/null; then
	echo "fleet.sh: redis-server is not installed (apt-get install redis-server)" >&2
	exit 2
fi
lib_work

build_sluice
build_bins bench/cmd/smtpload bench/fleetsink
PW_HASH=$(printf 'bench-password\n' | "$OUT/sluice" hash-password)

# run_case NODES MODE: one measured case; prints its row.
run_case() {
	local nodes=$1 mode=$2 d rport="" rpid="" spid i sub adm pid per c start last recv del acc trips rss
	d=$WORK/$nodes-$mode
	mkdir -p "$d"
	if [[ $mode == fleet ]]; then
		redis_up "$d" || { echo "fleet.sh: redis-server did not start" >&2; return 1; }
		rport=$REDIS_PORT
		rpid=$REDIS_PID
	fi
	"$OUT/fleetsink" -addr 127.0.0.1:0 -addr-file "$d/sink.addr" -expect "$N" -timeout "$((LOAD_TIMEOUT + 60))s" \
		-hold "$HOLD" >"$d/sink.json" 2>"$d/sink.err" &
	spid=$!
	PIDS+=("$spid")
	wait_file "$d/sink.addr" "$spid" 5 || true
	local subs=() adms=() npids=()
	for ((i = 1; i <= nodes; i++)); do
		sub=$(free_port)
		adm=$(free_port)
		mkdir -p "$d/n$i/data"
		cat >"$d/n$i/sluice.toml" <<EOF
hostname = "n$i.bench.test"
data_dir = "$d/n$i/data"
[log]
level = "warn"
[submission]
listen = "127.0.0.1:$sub"
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"
[inbound]
listen = "127.0.0.1:$(free_port)"
[tracking]
listen = "127.0.0.1:$(free_port)"
[admin]
listen = "127.0.0.1:$adm"
token = "fleet-bench-token"
[delivery]
resolvers = ["127.0.0.1:53"]
# The site's limit, the same at every node: in fleet mode it holds for
# the nodes together (connection leases in Redis).
[[shaping.rule]]
name = "sink"
domains = ["sink.example"]
max_connections = $LIMIT
[[tenant]]
name = "bench"
password_hash = "$PW_HASH"
sender_domains = ["bench.example"]
[[route]]
domain = "*"
host = "$(cat "$d/sink.addr")"
EOF
		if [[ $mode == fleet ]]; then
			printf '[cluster]\nredis = "redis://127.0.0.1:%s/0"\nnode_id = "n%s"\n' "$rport" "$i" >>"$d/n$i/sluice.toml"
		fi
		"$OUT/sluice" serve --config "$d/n$i/sluice.toml" >"$d/n$i/out" 2>"$d/n$i/err" &
		pid=$!
		PIDS+=("$pid")
		npids+=("$pid")
		subs+=("$sub")
		adms+=("$adm")
	done
	for ((i = 0; i < nodes; i++)); do
		wait_listen "${subs[i]}" "${npids[i]}" 30 || { echo "fleet.sh: node $((i + 1)) did not start: $(tail -n3 "$d/n$((i + 1))/err")" >&2; return 1; }
	done
	log "case $nodes:$mode: $nodes node(s), sink $(cat "$d/sink.addr"), limit $LIMIT connections"
	per=$((N / nodes))
	c=$(((SESSIONS + nodes - 1) / nodes))
	local lpids=()
	for ((i = 0; i < nodes; i++)); do
		local n=$per
		((i == nodes - 1)) && n=$((N - per * (nodes - 1)))
		"$OUT/smtpload" -addr "127.0.0.1:${subs[i]}" -n "$n" -c "$c" -size "$SIZE" -from bench@bench.example \
			-rcpt-domain sink.example -timeout "${LOAD_TIMEOUT}s" >"$d/load$i.json" 2>"$d/load$i.err" &
		lpids+=("$!")
		PIDS+=("$!")
	done
	for pid in "${lpids[@]}"; do wait "$pid" || FAILED=1; done
	wait_exit "$spid" 120 || kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" || FAILED=1
	start=0
	acc=0
	trips=0
	rss=""
	for ((i = 0; i < nodes; i++)); do
		local s
		s=$(jget "$d/load$i.json" start_unix_ns)
		((start == 0 || s < start)) && start=$s
		acc=$(awk -v a="$acc" -v b="$(jget "$d/load$i.json" accepted_per_s)" 'BEGIN {print a + b}')
		http_get "${adms[i]}" /metrics >"$d/metrics$i.txt" 2>/dev/null || true
		trips=$((trips + $(metric "$d/metrics$i.txt" sluice_fleet_redis_round_trips_total)))
		rss+="$(($(awk '/^VmHWM:/ {print $2}' "/proc/${npids[i]}/status") / 1024)) "
	done
	for pid in "${npids[@]}"; do kill -TERM "$pid"; done
	for pid in "${npids[@]}"; do wait_exit "$pid" 40 || { kill -KILL "$pid"; FAILED=1; }; done
	[[ -n $rpid ]] && kill -TERM "$rpid"
	last=$(jget "$d/sink.json" last_unix_ns)
	recv=$(jget "$d/sink.json" received)
	del=0
	((last > start)) && del=$(awk -v n="$recv" -v ns=$((last - start)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
	((recv == N)) || { log "case $nodes:$mode: the sink received $recv of $N"; FAILED=1; }
	printf '%-6s %-6s %8.0f %8s %6s/%-5s %8s %9s  %s\n' "$nodes" "$mode" "$acc" "$del" \
		"$(jget "$d/sink.json" peak_connections)" "$LIMIT" "$(jget "$d/sink.json" connections)" \
		"$(awk -v t="$trips" -v n="$N" 'BEGIN {printf "%.2f", t / n}')" "$rss"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') N=$N SESSIONS=$SESSIONS SIZE=$SIZE LIMIT=$LIMIT HOLD=$HOLD; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-6s %8s %8s %12s %8s %9s  %s\n' nodes mode "acc/s" "deliv/s" "peak/limit" conns "redis/msg" "RSS MB per node"
for c in $CASES; do
	run_case "${c%%:*}" "${c##*:}"
done
exit $FAILED
