#!/usr/bin/env bash
# bench/edgetls.sh: the tracking edge over HTTPS against plain HTTP, in the
# same run (issue 15: "the HTTPS edge under wrk reported against plain
# HTTP in the same run").
#
# Starts one `sluice serve` (data on disk under /var/tmp, every listener
# on a free loopback port) whose edge listens on tracking.listen (HTTP)
# and tracking.https_addr (HTTPS, a self-signed certificate made with
# openssl in the work directory: tracking.tls_cert / tls_key), with
# base_url empty so that plain HTTP serves instead of redirecting.
# bench/cmd/edgetokens seals 1,000 open-pixel paths (/o/<token>.gif) and
# 1,000 click paths (/c/<token>, answered 302) with the node's
# tracking.token_secret. Then, RUNS rounds: for opens and for clicks,
# Debian's wrk (-t2 -c64 -dDURATION --latency, keep-alive, the paths in
# turn through tracking/cmd/edgebench/rotate.lua) against HTTP and against
# HTTPS, the order reversed every other round. Every hit is a real one:
# classified and recorded in the node's event store.
#
# Keep-alive connections: the figure is the steady cost of TLS records,
# not of handshakes (a browser or a mail proxy fetching a pixel reuses its
# connection little; NEWCONN=1 sends "Connection: close" so that every
# request pays a full handshake, for the worst case).
#
# Prints every wrk run (requests/s, p99, errors), the medians per scheme
# and kind, HTTPS/HTTP of the medians and per round, the load average, and
# whether run-to-run noise exceeds the difference.
#
# Usage (no root; wrk from Debian's wrk package, openssl):
#
#	bash bench/edgetls.sh                       # RUNS=5 DURATION=5 CONNS=64 KINDS="opens clicks"
#	NEWCONN=1 RUNS=3 bash bench/edgetls.sh      # a TLS handshake per request
#
# Environment: RUNS, DURATION (seconds per wrk run), CONNS, THREADS (2),
# KINDS, NEWCONN, KEEP, REV, BUILD=0, BUDGET; see bench/lib.sh.
set -euo pipefail
NAME=edgetls
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
NEWCONN=${NEWCONN:-0}
read -r -a KINDS <<<"${KINDS:-opens clicks}"
for v in DURATION CONNS THREADS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "edgetls.sh: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
for k in "${KINDS[@]}"; do
	[[ $k =~ ^(opens|clicks)$ ]] || { echo "edgetls.sh: KINDS takes opens, clicks; got '$k'" >&2; exit 2; }
done
for b in wrk openssl; do
	command -v "$b" >/dev/null || { echo "edgetls.sh: $b is not installed (apt-get install $b)" >&2; exit 2; }
done
lib_init
build_tools edgetokens
PW_HASH=$(printf 'bench-password\n' | "$SLUICE" hash-password)

d=$WORK/node
mkdir -p "$d/data"
SECRET=$(openssl rand -hex 32)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=edge.bench.test -addext subjectAltName=DNS:edge.bench.test \
	-keyout "$d/edge.key" -out "$d/edge.pem" 2>"$d/openssl.err"
SUB=$(free_port)
INB=$(free_port)
EDGE=$(free_port)
EDGETLS=$(free_port)
ADM=$(free_port)
cat >"$d/sluice.toml" <<EOF
hostname = "sluice.bench.test"
data_dir = "$d/data"

[log]
level = "warn"

[submission]
listen = "127.0.0.1:$SUB"
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"

[inbound]
listen = "127.0.0.1:$INB"

[tracking]
listen = "127.0.0.1:$EDGE"
https_addr = "127.0.0.1:$EDGETLS"
tls_cert = "$d/edge.pem"
tls_key = "$d/edge.key"
token_secret = "$SECRET"

[admin]
listen = "127.0.0.1:$ADM"

[delivery]
resolvers = ["127.0.0.1:53"]

[[tenant]]
name = "bench"
password_hash = "$PW_HASH"
sender_domains = ["bench.example"]
EOF
"$OUT/edgetokens" -secret "$SECRET" -tenant bench -n 1000 -dir "$d"
"$SLUICE" serve --config "$d/sluice.toml" >"$d/sluice.out" 2>"$d/sluice.err" &
PID=$!
PIDS+=("$PID")
wait_listen "$SUB" "$PID" 30 || { echo "edgetls.sh: sluice did not start: $(tail -n5 "$d/sluice.err")" >&2; FAILED=1; exit 1; }
wait_listen "$EDGETLS" "$PID" 10 || { echo "edgetls.sh: no HTTPS edge on $EDGETLS" >&2; FAILED=1; exit 1; }

# Both schemes answer the same paths alike before the load.
for k in "${KINDS[@]}"; do
	p=$(head -n1 "$d/$k.txt")
	h=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EDGE$p")
	s=$(curl -sk -o /dev/null -w '%{http_code} %{ssl_verify_result}' "https://127.0.0.1:$EDGETLS$p")
	log "$k: HTTP $h, HTTPS ${s%% *}"
	if [[ $h != "${s%% *}" || ! $h =~ ^(200|302)$ ]]; then
		echo "edgetls.sh: $k answered HTTP $h, HTTPS $s (want 200 or 302, alike)" >&2
		FAILED=1
		exit 1
	fi
done
LUA=$ROOT/tracking/cmd/edgebench/rotate.lua
if [[ $NEWCONN == 1 ]]; then
	sed 's/^request = function()/wrk.headers["Connection"] = "close"\nrequest = function()/' "$LUA" >"$d/rotate.lua"
	LUA=$d/rotate.lua
fi

# ms VALUE: wrk's latency ("812.00us", "4.10ms", "1.02s") in ms.
ms() { awk -v v="$1" 'BEGIN {u = v; sub(/^[0-9.]+/, "", u); n = v + 0
	if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; printf "%.2f", n }'; }

declare -A RPS P99W RRPS
# wrk_run SCHEME KIND ROUND: one wrk run; records its figures.
wrk_run() {
	local scheme=$1 kind=$2 r=$3 url f rps p99 errs non
	url=http://127.0.0.1:$EDGE
	[[ $scheme == https ]] && url=https://127.0.0.1:$EDGETLS
	f=$WORK/wrk-$kind-$scheme-$r.txt
	EDGEBENCH_PATHS=$d/$kind.txt wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$LUA" "$url" >"$f" 2>&1 &
	PIDS+=("$!")
	wait "$!" || { log "wrk exited non-zero: $(tail -n3 "$f")"; FAILED=1; }
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
	p99=$(ms "$(awk '$1 == "99%" {print $2}' "$f")")
	errs=$(grep -o 'Socket errors:.*' "$f" || true)
	non=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
	if [[ -n $non ]]; then
		log "$kind $scheme round $r: $non answers were not 2xx/3xx"
		FAILED=1
	fi
	RPS[$kind,$scheme]+="$rps "
	P99W[$kind,$scheme]+="$p99 "
	RRPS[$kind,$scheme,$r]=$rps
	LOADAVG+=("$(cut -d' ' -f1 /proc/loadavg)")
	printf '%-4s %-7s %-6s %10.0f %9.2f %5s  %s\n' "$r" "$kind" "$scheme" "${rps:-0}" "$p99" "${LOADAVG[-1]}" "${errs:-}${non:+ non-2xx/3xx $non}"
}

echo "command: RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS THREADS=$THREADS KINDS=\"${KINDS[*]}\" NEWCONN=$NEWCONN bash bench/edgetls.sh"
echo "one sluice serve, its edge on HTTP and HTTPS (self-signed P-256, TLS 1.3 as negotiated), wrk -t$THREADS -c$CONNS -d${DURATION}s --latency$([[ $NEWCONN == 1 ]] && echo ', Connection: close (a handshake per request)' || echo ', keep-alive'), $RUNS rounds, order reversed every other round"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), $SLUICE_FROM, $(date -u)"
echo "at start: $(busy)"
printf '%-4s %-7s %-6s %10s %9s %5s  %s\n' run kind scheme "req/s" "p99 ms" load errors
DONE_ROUNDS=0
for ((r = 1; r <= RUNS; r++)); do
	if ((SECONDS > BUDGET)); then
		log "time budget spent (${SECONDS}s): no more rounds after $((r - 1))"
		break
	fi
	order=(http https)
	((r % 2 == 0)) && order=(https http)
	for k in "${KINDS[@]}"; do
		for s in "${order[@]}"; do
			wrk_run "$s" "$k" "$r"
		done
	done
	DONE_ROUNDS=$r
done
echo "at end: $(busy)"
echo "load average (1 min) at the end of each wrk run: ${LOADAVG[*]} (median $(median "${LOADAVG[*]}"))"
http_get "$ADM" /metrics >"$d/metrics.txt" 2>/dev/null || true
echo "edge requests counted by sluice (sluice_tracking_requests_total): $(metric "$d/metrics.txt" sluice_tracking_requests_total)"
kill -TERM "$PID" 2>/dev/null || true
stop_wait "$PID" 40
((STATUS == 0)) || { log "sluice exited $STATUS (want 0): $(tail -n3 "$d/sluice.err")"; FAILED=1; }
echo
echo "medians of $DONE_ROUNDS rounds:"
printf '%-7s %-6s %10s %9s %15s %8s\n' kind scheme "req/s" "p99 ms" "req/s range" "req/s cv"
for k in "${KINDS[@]}"; do
	for s in http https; do
		printf '%-7s %-6s %10.0f %9.2f %15s %7s%%\n' "$k" "$s" "$(median "${RPS[$k,$s]:-}")" "$(median "${P99W[$k,$s]:-}")" \
			"$(spread "${RPS[$k,$s]:-}")" "$(cv "${RPS[$k,$s]:-}")"
	done
done
echo
for k in "${KINDS[@]}"; do
	per=""
	for ((r = 1; r <= DONE_ROUNDS; r++)); do per+="$(div "${RRPS[$k,https,$r]:-0}" "${RRPS[$k,http,$r]:-0}") "; done
	rr=$(div "$(median "${RPS[$k,https]:-}")" "$(median "${RPS[$k,http]:-}")")
	rp=$(div "$(median "${P99W[$k,https]:-}")" "$(median "${P99W[$k,http]:-}")")
	echo "$k: HTTPS/HTTP of the medians: req/s ${rr}x, p99 ${rp}x; req/s per round: ${per% }"
	awk -v x="$rr" -v a="$(cv "${RPS[$k,http]:-}")" -v b="$(cv "${RPS[$k,https]:-}")" -v rounds="$DONE_ROUNDS" -v k="$k" 'BEGIN {
		e = 100 * (x - 1); if (e < 0) e = -e; n = (a + 0 > b + 0) ? a : b
		if (rounds < 3) printf "noise (%s): %d round(s): too few to judge\n", k, rounds
		else if (e < n) printf "noise (%s): run-to-run noise (%.1f %% relative sd of req/s) exceeds the difference (%.1f %%)\n", k, n, e
		else printf "noise (%s): the difference (%.1f %%) exceeds the run-to-run noise (%.1f %%)\n", k, e, n }'
done
if ((FAILED)); then
	echo "edgetls.sh: some runs failed (see above)" >&2
	exit 1
fi
