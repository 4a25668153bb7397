#!/usr/bin/env bash
# bench/protect.sh: what the sender protections cost on the core benchmark
# (issue 16: "with the guard, priorities and limits on, within 5 % of off").
#
# Runs the sluice half of bench/run.sh (N messages of about SIZE bytes over
# SESSIONS persistent SMTP sessions from bench/cmd/smtpload into `sluice
# serve`, relayed to the counting sink bench/cmd/sinkmx, fsync on, data on
# disk) in two configs, interleaved in every round, the order swapped every
# other round (OFF ON, ON OFF, …) so that drifting background load hits
# both alike:
#
#   OFF  [reputation] enabled = false, [delivery] priorities = false, and
#        no rate_limit or daily_quota on the tenant;
#   ON   the reputation guard on (its defaults), priorities on, and the
#        tenant with rate_limit = LIMIT_RATE and daily_quota = LIMIT_DAILY:
#        high enough never to refuse, so the limiter's whole path runs for
#        every message.
#
# Prints a row per run, the medians per config, and the ratios ON/OFF of
# delivered and accepted msgs/s (of the medians, and per round). It checks
# that the protections did run in ON and not in OFF (the limiter's saved
# day count equals the messages accepted; the guard's collector is on
# /metrics), and exits 1 if a run lost or refused messages, a tool timed
# out, sluice did not exit 0, or a check failed.
#
# Usage (no root needed; all traffic stays on 127.0.0.1):
#
#	bash bench/protect.sh                  # N=20000 SESSIONS=20 SIZE=5000 RUNS=3
#	N=2000 RUNS=1 bash bench/protect.sh    # a quick try
#
# CONFIGS="off guard prio limits" runs each protection alone against OFF
# (guard: only the reputation guard; prio: only priorities; limits: only
# the tenant's rate_limit and daily_quota), to find which one costs.
#
# Environment: N, SESSIONS, SIZE, RUNS (rounds; each runs every config of
# CONFIGS, default "off on"),
# LIMIT_RATE (msgs/s, default 1000000), LIMIT_DAILY (default 1000000000),
# KEEP=1 keeps the work directory (configs, logs, JSON lines, /metrics;
# kept anyway when a run failed),
# BUILD=0 runs the binaries already in bench/out (built by this script or
# run.sh) instead of building them.
set -euo pipefail

N=${N:-20000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5000}
RUNS=${RUNS:-3}
KEEP=${KEEP:-0}
BUILD=${BUILD:-1}
read -r -a CFGS <<<"${CONFIGS:-off on}"
LIMIT_RATE=${LIMIT_RATE:-1000000}
LIMIT_DAILY=${LIMIT_DAILY:-1000000000}
# Bounds, in seconds: one load run; the wait for the sink once the load is
# done; the sink's own backstop; the point after which no new round starts.
LOAD_TIMEOUT=180
SINK_GRACE=60
SINK_TIMEOUT=$((LOAD_TIMEOUT + SINK_GRACE + 30))
BUDGET=480

for c in "${CFGS[@]}"; do
	if [[ ! $c =~ ^(off|on|guard|prio|limits)$ ]]; then
		echo "protect.sh: CONFIGS takes off, on, guard, prio, limits; got '$c'" >&2
		exit 2
	fi
done
if [[ " ${CFGS[*]} " != *" off "* ]]; then
	echo "protect.sh: CONFIGS must include off (the ratios are against it)" >&2
	exit 2
fi
for v in N SESSIONS SIZE RUNS LIMIT_RATE LIMIT_DAILY; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "protect.sh: $v must be a positive integer, got '${!v}'" >&2
		exit 2
	fi
done
if ((LIMIT_DAILY < N)); then
	echo "protect.sh: LIMIT_DAILY ($LIMIT_DAILY) must be at least N ($N): the limiter must never refuse" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
mkdir -p "$OUT"
# On disk, not tmpfs, so that fsync costs what it costs.
WORK=$(mktemp -d /var/tmp/sluice-protect.XXXXXX)

PIDS=() # processes started by this script
FAILED=0
LOAD_PSI=0 # CPU pressure during the last load run, percent

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for pid in "${PIDS[@]}"; do
		stop_wait "$pid" 5 2>/dev/null || true
	done
	if [[ $KEEP == 1 || $FAILED == 1 ]]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The helpers below are bench/run.sh's (kept in step by hand: run.sh is
# one self-contained script, as this one is).

# wait_exit PID SECS: wait up to SECS for PID to exit; 1 if it is still
# running.
wait_exit() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# stop_wait PID SECS: wait up to SECS for PID (a child of this shell) to
# exit, then SIGKILL it; sets STATUS to its exit status.
STATUS=0
stop_wait() {
	local pid=$1 secs=$2 st=0
	if ! wait_exit "$pid" "$secs"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || st=$?
	STATUS=$st
}

# free_port: a TCP port nobody listens on (checked, not reserved).
free_port() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range
		if [[ -z $(ss -Htln "sport = :$p") ]]; then
			echo "$p"
			return 0
		fi
	done
	echo "protect.sh: no free port found" >&2
	return 1
}

# wait_listen PORT PID SECS: wait until something listens on PORT while
# PID is alive.
wait_listen() {
	local port=$1 pid=$2 secs=$3 i
	for ((i = 0; i < secs * 20; i++)); do
		[[ -n $(ss -Htln "sport = :$port") ]] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# wait_file FILE PID SECS: wait until FILE exists while PID is alive.
wait_file() {
	local f=$1 pid=$2 secs=$3 i
	for ((i = 0; i < secs * 20; i++)); do
		[[ -s $f ]] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# jget FILE KEY: a number from the flat JSON line in FILE.
jget() {
	local v
	v=$(grep -o "\"$2\":[-0-9.e+]*" "$1" | tail -n1 | cut -d: -f2)
	echo "${v:-0}"
}

# jerrors FILE: smtpload's error map, e.g. {"451":3}.
jerrors() { grep -o '"errors":{[^}]*}' "$1" | tail -n1 | cut -d: -f2-; }

# busy: the machine's background load, for the noise note.
busy() {
	local psi=""
	if [[ -r /proc/pressure/cpu ]]; then
		psi=", CPU pressure $(head -n1 /proc/pressure/cpu | cut -d' ' -f2-3)"
	fi
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg)$psi"
}

# psi_total: microseconds some task waited for a CPU since boot (0 if the
# kernel has no PSI).
psi_total() {
	local v=0
	if [[ -r /proc/pressure/cpu ]]; then
		v=$(head -n1 /proc/pressure/cpu | sed -n 's/.*total=\([0-9]*\).*/\1/p')
	fi
	echo "${v:-0}"
}

# median "V1 V2 …": the median of space-separated numbers (0 if none).
median() { tr ' ' '\n' <<<"$1" | awk NF | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# http_get PORT PATH: a plain HTTP/1.0 GET on 127.0.0.1 (no curl needed).
http_get() {
	local port=$1 path=$2
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
	timeout 10 cat <&3 || true
	exec 3<&-
}

build() {
	log "building sluice, smtpload, sinkmx into $OUT"
	(cd "$ROOT" &&
		go build -o "$OUT/sluice" ./cmd/sluice &&
		go build -o "$OUT/smtpload" ./bench/cmd/smtpload &&
		go build -o "$OUT/sinkmx" ./bench/cmd/sinkmx)
}

# start_sink DIR: starts sinkmx expecting N messages; sets SINK_PID,
# SINK_PORT.
start_sink() {
	local d=$1
	"$OUT/sinkmx" -addr 127.0.0.1:0 -addr-file "$d/sink.addr" -expect "$N" -timeout "${SINK_TIMEOUT}s" \
		>"$d/sink.json" 2>"$d/sink.err" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	if ! wait_file "$d/sink.addr" "$SINK_PID" 10; then
		echo "protect.sh: sinkmx did not start: $(cat "$d/sink.err")" >&2
		return 1
	fi
	SINK_PORT=$(cut -d: -f2 <"$d/sink.addr")
}

# load PORT DIR: runs smtpload against 127.0.0.1:PORT, then waits for the
# sink; the JSON lines land in DIR/load.json and DIR/sink.json.
load() {
	local port=$1 d=$2 st=0 psi0 t0
	psi0=$(psi_total)
	t0=$(date +%s%N)
	"$OUT/smtpload" -addr "127.0.0.1:$port" -n "$N" -c "$SESSIONS" -size "$SIZE" \
		-from bench@bench.example -rcpt-domain sink.example -timeout "${LOAD_TIMEOUT}s" \
		>"$d/load.out" 2>"$d/load.err" &
	PIDS+=("$!")
	wait "$!" || st=$?
	grep '^{' "$d/load.out" >"$d/load.json" || true
	if ((st != 0)); then
		log "smtpload exited $st"
		FAILED=1
	fi
	if ! wait_exit "$SINK_PID" "$SINK_GRACE"; then
		kill -TERM "$SINK_PID" 2>/dev/null || true
	fi
	stop_wait "$SINK_PID" 5
	st=$STATUS
	if ((st != 0)); then
		log "sinkmx exited $st: $(cat "$d/sink.err")"
		FAILED=1
	fi
	LOAD_PSI=$(awk -v us=$(($(psi_total) - psi0)) -v ns=$(($(date +%s%N) - t0)) \
		'BEGIN {if (ns > 0) printf "%.0f", 100 * us * 1000 / ns; else print 0}')
}

# --- one run ----------------------------------------------------------------

# run_sluice ROUND off|on: one sluice run in the given config.
run_sluice() {
	local r=$1 cfg=$2 d pid st sub inb edge adm rep prio limits
	d=$WORK/$cfg-$r
	mkdir -p "$d/data"
	start_sink "$d"
	sub=$(free_port)
	inb=$(free_port)
	edge=$(free_port)
	adm=$(free_port)
	rep="enabled = false"
	prio=false
	limits=""
	if [[ $cfg == on || $cfg == guard ]]; then
		rep="enabled = true # the guard's defaults otherwise"
	fi
	if [[ $cfg == on || $cfg == prio ]]; then
		prio=true
	fi
	if [[ $cfg == on || $cfg == limits ]]; then
		limits="rate_limit = $LIMIT_RATE.0
daily_quota = $LIMIT_DAILY"
	fi
	cat >"$d/sluice.toml" <<EOF
hostname = "sluice.bench.test"
data_dir = "$d/data"

[log]
level = "warn"

[submission]
listen = "127.0.0.1:$sub"
# Like Postfix's mynetworks: loopback submits without AUTH.
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"

[inbound]
listen = "127.0.0.1:$inb"

[tracking]
listen = "127.0.0.1:$edge"

[admin]
listen = "127.0.0.1:$adm"

[delivery]
# Everything is routed; no DNS is needed (and none leaves loopback).
resolvers = ["127.0.0.1:53"]
priorities = $prio

[reputation]
$rep

[[tenant]]
name = "bench"
password_hash = "$PW_HASH"
sender_domains = ["bench.example"]
$limits

[[route]]
domain = "*"
host = "127.0.0.1:$SINK_PORT"
EOF
	"$OUT/sluice" serve --config "$d/sluice.toml" >"$d/sluice.out" 2>"$d/sluice.err" &
	pid=$!
	PIDS+=("$pid")
	if ! wait_listen "$sub" "$pid" 20; then
		echo "protect.sh: sluice did not start: $(tail -n5 "$d/sluice.err")" >&2
		return 1
	fi
	log "run $r: sluice $cfg (pid $pid) on 127.0.0.1:$sub -> sink 127.0.0.1:$SINK_PORT"
	load "$sub" "$d"
	http_get "$adm" /metrics >"$d/metrics.txt" 2>/dev/null || true
	if ! awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" >"$d/rss_kb" 2>/dev/null; then
		echo 0 >"$d/rss_kb"
		log "run $r: sluice $cfg is gone before the end of the run: $(tail -n3 "$d/sluice.err")"
		FAILED=1
	fi
	kill -TERM "$pid" 2>/dev/null || true
	stop_wait "$pid" 40
	st=$STATUS
	if ((st != 0)); then
		log "sluice $cfg exited $st (want 0): $(tail -n3 "$d/sluice.err")"
		FAILED=1
	fi
	check "$cfg" "$r" "$d"
	record "$cfg" "$r" "$d" "$(cat "$d/rss_kb")"
}

# check CFG ROUND DIR: the protections ran in ON and not in OFF. The
# limiter saves its day's count per tenant at shutdown
# (data_dir/tenant-limits.json); the guard's collector is registered only
# when the guard runs.
check() {
	local cfg=$1 r=$2 d=$3 counted acc guard dropped want_limiter want_guard
	counted=$(grep -o '"bench":[0-9]*' "$d/data/tenant-limits.json" 2>/dev/null | cut -d: -f2 || true)
	acc=$(jget "$d/load.json" accepted)
	guard=$(grep -c '^sluice_reputation_paused_tenants' "$d/metrics.txt" || true)
	dropped=$(awk '/^sluice_reputation_dropped_events_total/ {print $2}' "$d/metrics.txt")
	case $cfg in
	guard) want_limiter=0 want_guard=1 ;;
	limits) want_limiter=1 want_guard=0 ;;
	on) want_limiter=1 want_guard=1 ;;
	*) want_limiter=0 want_guard=0 ;;
	esac
	if ((want_limiter || want_guard)); then
		CHECKS+="round $r $cfg: limiter counted ${counted:-none} of $acc accepted, guard collector present: $guard, guard events dropped: ${dropped:-?}; "
	fi
	if { ((want_limiter)) && [[ ${counted:-x} != "$acc" ]]; } || { ((!want_limiter)) && [[ -n $counted ]]; }; then
		log "run $r $cfg: limiter count ${counted:-none} of $acc accepted (want it to run: $want_limiter)"
		FAILED=1
	fi
	if ((want_guard != (guard > 0))); then
		log "run $r $cfg: guard collector on /metrics: $guard (want it to run: $want_guard)"
		FAILED=1
	fi
}

# --- figures ----------------------------------------------------------------

declare -A ACC DEL P50 P99 RSS RDEL RACC
ROWS=()
CHECKS=""

# record CFG ROUND DIR RSS_KB: reads the JSON lines of one run.
record() {
	local cfg=$1 r=$2 d=$3 rss=$4 start last recv acc del errs
	start=$(jget "$d/load.json" start_unix_ns)
	last=$(jget "$d/sink.json" last_unix_ns)
	recv=$(jget "$d/sink.json" received)
	acc=$(jget "$d/load.json" accepted_per_s)
	errs=$(jerrors "$d/load.json")
	del=0
	if ((last > start)); then
		del=$(awk -v n="$recv" -v ns=$((last - start)) 'BEGIN {printf "%.1f", n / (ns / 1e9)}')
	fi
	if ((recv != N)); then
		log "$cfg run $r: the sink received $recv of $N messages"
		FAILED=1
	fi
	if [[ -n $errs && $errs != "{}" ]]; then
		log "$cfg run $r: refusals or errors at submission: $errs"
		FAILED=1
	fi
	ACC[$cfg]+="$acc "
	DEL[$cfg]+="$del "
	RACC[$cfg,$r]=$acc
	RDEL[$cfg,$r]=$del
	P50[$cfg]+="$(jget "$d/load.json" p50_ms) "
	P99[$cfg]+="$(jget "$d/load.json" p99_ms) "
	RSS[$cfg]+="$rss "
	ROWS+=("$(printf '%-4s %-6s %9.1f %10.1f %8.1f %8.1f %8.1f %9s %7s %5s%%  %s' \
		"$r" "$cfg" "$acc" "$del" "$(jget "$d/load.json" p50_ms)" "$(jget "$d/load.json" p99_ms)" \
		"$(jget "$d/load.json" max_ms)" "$recv" "$((rss / 1024))" "$LOAD_PSI" "$errs")")
	printf '%s\n' "${ROWS[-1]}"
}

header() {
	printf '%-4s %-6s %9s %10s %8s %8s %8s %9s %7s %6s  %s\n' \
		run cfg "acc/s" "deliv/s" "p50 ms" "p99 ms" "max ms" received "RSS MB" "cpu-w" errors
}

div() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.3f", a / b; else print "n/a"}'; }

# --- main -------------------------------------------------------------------

if [[ $BUILD == 0 ]]; then
	for b in sluice smtpload sinkmx; do
		[[ -x $OUT/$b ]] || { echo "protect.sh: BUILD=0 but $OUT/$b is missing" >&2; exit 2; }
	done
	log "BUILD=0: using the binaries in $OUT (sluice built $(date -u -r "$OUT/sluice" +%FT%TZ))"
else
	build
fi
PW_HASH=$(printf 'bench-password\n' | "$OUT/sluice" hash-password)

echo "command: N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS CONFIGS=\"${CFGS[*]}\" bash bench/protect.sh"
echo "${CFGS[*]}: N=$N messages of ~$SIZE bytes over $SESSIONS sessions, $RUNS rounds, interleaved (order swapped every other round)"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (tree modified)'), $(date -u)"
echo "at start: $(busy)"
header
done_rounds=0
for ((r = 1; r <= RUNS; r++)); do
	if ((SECONDS > BUDGET)); then
		log "time budget spent (${SECONDS}s): no more rounds after $((r - 1))"
		FAILED=1
		break
	fi
	order=("${CFGS[@]}")
	if ((r % 2 == 0)); then # reversed every other round
		order=()
		for ((i = ${#CFGS[@]} - 1; i >= 0; i--)); do order+=("${CFGS[i]}"); done
	fi
	for cfg in "${order[@]}"; do
		run_sluice "$r" "$cfg"
	done
	done_rounds=$r
done
echo "at end: $(busy)"
echo "(cpu-w: share of the run's wall time in which some task, ours or another's, waited for a CPU; see /proc/pressure/cpu)"
echo
echo "medians of $done_rounds rounds:"
printf '%-6s %9s %10s %8s %8s %7s\n' cfg "acc/s" "deliv/s" "p50 ms" "p99 ms" "RSS MB"
for cfg in "${CFGS[@]}"; do
	printf '%-6s %9.1f %10.1f %8.1f %8.1f %7s\n' "$cfg" \
		"$(median "${ACC[$cfg]:-}")" "$(median "${DEL[$cfg]:-}")" "$(median "${P50[$cfg]:-}")" \
		"$(median "${P99[$cfg]:-}")" "$(awk -v k="$(median "${RSS[$cfg]:-}")" 'BEGIN {printf "%d", k / 1024}')"
done
echo
for cfg in "${CFGS[@]}"; do
	[[ $cfg == off ]] && continue
	pdel="" pacc=""
	for ((r = 1; r <= done_rounds; r++)); do
		pdel+="$(div "${RDEL[$cfg,$r]:-0}" "${RDEL[off,$r]:-0}") "
		pacc+="$(div "${RACC[$cfg,$r]:-0}" "${RACC[off,$r]:-0}") "
	done
	rdel=$(div "$(median "${DEL[$cfg]:-}")" "$(median "${DEL[off]:-}")")
	racc=$(div "$(median "${ACC[$cfg]:-}")" "$(median "${ACC[off]:-}")")
	echo "ratio ${cfg^^}/OFF of the medians: delivered ${rdel}x, accepted ${racc}x; per round: delivered ${pdel% }; accepted ${pacc% }"
	if [[ $cfg == on ]]; then
		ON_DEL=$rdel ON_ACC=$racc
	fi
done
echo "checks: $CHECKS"
[[ -n ${ON_DEL:-} ]] && awk -v d="$ON_DEL" -v a="$ON_ACC" 'BEGIN {
	printf "target: ON within 5 %% of OFF (delivered and accepted >= 0.95x): %s\n", (d >= 0.95 && a >= 0.95) ? "met" : "MISSED" }'
if ((FAILED)); then
	echo "protect.sh: some runs failed (see above)" >&2
	exit 1
fi
