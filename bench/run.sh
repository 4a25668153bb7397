#!/usr/bin/env bash
# bench/run.sh: the end-to-end benchmark of sluice against Postfix.
#
# Submits N messages of about SIZE bytes over SESSIONS parallel SMTP
# sessions (bench/cmd/smtpload) into an MTA on loopback, which relays them
# to a counting sink MX (bench/cmd/sinkmx), RUNS times, interleaving sluice
# and Postfix run by run, both with fsync on and on the same disk. Prints a
# table per run, the medians, and the ratios sluice/Postfix; then one
# smtp-source -> smtp-sink run (no MTA in between) for scale.
#
# Usage (as root: Postfix is installed from Debian when missing, and a
# private Postfix instance runs as root):
#
#	bash bench/run.sh                      # N=20000 SESSIONS=20 SIZE=5000 RUNS=3
#	N=2000 RUNS=1 bash bench/run.sh        # a quick try
#	SIGN=dual bash bench/run.sh            # adds a DKIM dual-signing sluice to each round
#
# Environment: N, SESSIONS, SIZE, RUNS as above; KEEP=1 keeps the work
# directory (configs, logs, JSON lines) for inspection. SIGN=dual also
# runs, in every round, a sluice that signs every message twice (RSA-2048
# and Ed25519 keys from `sluice dkim keygen --algo both` for the load's
# sender domain) and checks at the sink that every message carried two
# DKIM-Signature fields.
# Every process it starts is stopped on exit; traffic stays on 127.0.0.1.
set -euo pipefail

N=${N:-20000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5000}
RUNS=${RUNS:-3}
KEEP=${KEEP:-0}
SIGN=${SIGN:-none}
# Bounds, in seconds: one load run; the wait for the sink once the load is
# done; the sink's own backstop; the point after which no new round starts.
LOAD_TIMEOUT=180
SINK_GRACE=60
SINK_TIMEOUT=$((LOAD_TIMEOUT + SINK_GRACE + 30))
BUDGET=480

for v in N SESSIONS SIZE RUNS; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "run.sh: $v must be a positive integer, got '${!v}'" >&2
		exit 2
	fi
done
if [[ $SIGN != none && $SIGN != dual ]]; then
	echo "run.sh: SIGN must be none or dual, got '$SIGN'" >&2
	exit 2
fi
if ((EUID != 0)); then
	echo "run.sh: run as root (it installs Postfix and starts a private Postfix instance)" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
source "$ROOT/bench/postfix.sh"
mkdir -p "$OUT"
# On disk, not tmpfs, so that fsync costs what it costs.
WORK=$(mktemp -d /var/tmp/sluice-bench.XXXXXX)
chmod 755 "$WORK"

PIDS=()         # processes started by this script
POSTFIX_ETC=""  # config dir of the Postfix instance running, if any
FAILED=0
LOAD_PSI=0 # CPU pressure during the last load run, percent

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
	local pid
	if [[ -n $POSTFIX_ETC ]]; then
		postfix_down "$POSTFIX_ETC" abort
	fi
	for pid in "${PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for pid in "${PIDS[@]}"; do
		stop_wait "$pid" 5 2>/dev/null || true
	done
	if [[ $KEEP == 1 ]]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
	echo "run.sh: no free port found" >&2
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

# --- set-up -----------------------------------------------------------------

build() {
	log "building sluice, smtpload, sinkmx into $OUT"
	(cd "$ROOT" &&
		go build -o "$OUT/sluice" ./cmd/sluice &&
		go build -o "$OUT/smtpload" ./bench/cmd/smtpload &&
		go build -o "$OUT/sinkmx" ./bench/cmd/sinkmx)
}

# start_sink DIR [FLAG…]: starts sinkmx expecting N messages (with the
# extra flags); sets SINK_PID, SINK_PORT.
start_sink() {
	local d=$1
	shift
	"$OUT/sinkmx" -addr 127.0.0.1:0 -addr-file "$d/sink.addr" -expect "$N" -timeout "${SINK_TIMEOUT}s" "$@" \
		>"$d/sink.json" 2>"$d/sink.err" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	if ! wait_file "$d/sink.addr" "$SINK_PID" 10; then
		echo "run.sh: sinkmx did not start: $(cat "$d/sink.err")" >&2
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
	# In the background and waited for, so that a signal stops the script
	# at once (bash runs traps only between commands or during wait).
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
	# The sink exits by itself once it has N messages; an MTA that lost
	# some gets SINK_GRACE seconds, then the sink is stopped (it still
	# prints what it got).
	if ! wait_exit "$SINK_PID" "$SINK_GRACE"; then
		kill -TERM "$SINK_PID" 2>/dev/null || true
	fi
	stop_wait "$SINK_PID" 5
	st=$STATUS
	if ((st != 0)); then
		log "sinkmx exited $st: $(cat "$d/sink.err")"
		FAILED=1
	fi
	# CPU pressure during the run: the share of the time some task (ours
	# or anyone's) waited for a CPU.
	LOAD_PSI=$(awk -v us=$(($(psi_total) - psi0)) -v ns=$(($(date +%s%N) - t0)) \
		'BEGIN {if (ns > 0) printf "%.0f", 100 * us * 1000 / ns; else print 0}')
}

# --- sluice -----------------------------------------------------------------

# run_sluice ROUND [dual]: one sluice run; with "dual", every message is
# DKIM-signed twice (system "sluice-dkim").
run_sluice() {
	local r=$1 sign=${2:-} sys=sluice d pid st sub
	[[ $sign == dual ]] && sys=sluice-dkim
	d=$WORK/$sys-$r
	mkdir -p "$d/data"
	if [[ $sign == dual ]]; then
		start_sink "$d" -check-dkim
	else
		start_sink "$d"
	fi
	sub=$(free_port)
	local inb edge adm
	inb=$(free_port)
	edge=$(free_port)
	adm=$(free_port)
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

[[tenant]]
name = "bench"
password_hash = "$PW_HASH"
sender_domains = ["bench.example"]

[[route]]
domain = "*"
host = "127.0.0.1:$SINK_PORT"
EOF
	if [[ $sign == dual ]]; then
		cat >>"$d/sluice.toml" <<EOF

# Two keys for the sender's domain: two signatures on every message.
[[dkim.key]]
domain = "bench.example"
selector = "s1"
file = "$DKIM_RSA"

[[dkim.key]]
domain = "bench.example"
selector = "s1-ed"
file = "$DKIM_ED"
EOF
	fi
	"$OUT/sluice" serve --config "$d/sluice.toml" >"$d/sluice.out" 2>"$d/sluice.err" &
	pid=$!
	PIDS+=("$pid")
	if ! wait_listen "$sub" "$pid" 20; then
		echo "run.sh: sluice did not start: $(tail -n5 "$d/sluice.err")" >&2
		return 1
	fi
	log "run $r: $sys (pid $pid) on 127.0.0.1:$sub -> sink 127.0.0.1:$SINK_PORT"
	load "$sub" "$d"
	http_get "$adm" /metrics >"$d/metrics.txt" 2>/dev/null || true
	awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" >"$d/rss_kb"
	kill -TERM "$pid"
	stop_wait "$pid" 40
	st=$STATUS
	if ((st != 0)); then
		log "sluice exited $st (want 0): $(tail -n3 "$d/sluice.err")"
		FAILED=1
	fi
	record "$sys" "$r" "$d" "$(cat "$d/rss_kb")"
	if [[ $sign == dual ]]; then
		local dual recv
		dual=$(jget "$d/sink.json" dkim_dual)
		recv=$(jget "$d/sink.json" received)
		DKIM_CHECK+="round $r: $dual of $recv messages carried two DKIM-Signature fields ($(jget "$d/sink.json" dkim_signed) at least one); "
		if ((dual != recv)); then
			log "$sys run $r: only $dual of $recv messages were signed twice"
			FAILED=1
		fi
	fi
}

# --- Postfix ----------------------------------------------------------------

run_postfix() {
	local r=$1 d port
	d=$WORK/postfix-$r
	mkdir -p "$d"
	start_sink "$d"
	port=$(free_port)
	POSTFIX_ETC=$d/etc
	if ! postfix_up "$d" "$port" "$SINK_PORT"; then
		return 1
	fi
	log "run $r: postfix on 127.0.0.1:$port -> sink 127.0.0.1:$SINK_PORT"
	load "$port" "$d"
	postfix_down "$d/etc" stop
	POSTFIX_ETC=""
	record postfix "$r" "$d" ""
}

# --- figures ----------------------------------------------------------------

declare -A ACC DEL P50 P99 RSS
ROWS=()
DKIM_CHECK=""

# record SYSTEM RUN DIR RSS_KB: reads the JSON lines of one run.
record() {
	local sys=$1 r=$2 d=$3 rss=$4 start last recv acc del
	start=$(jget "$d/load.json" start_unix_ns)
	last=$(jget "$d/sink.json" last_unix_ns)
	recv=$(jget "$d/sink.json" received)
	acc=$(jget "$d/load.json" accepted_per_s)
	del=0
	if ((last > start)); then
		del=$(awk -v n="$recv" -v ns=$((last - start)) 'BEGIN {printf "%.1f", n / (ns / 1e9)}')
	fi
	if ((recv != N)); then
		log "$sys run $r: the sink received $recv of $N messages"
		FAILED=1
	fi
	ACC[$sys]+="$acc "
	DEL[$sys]+="$del "
	P50[$sys]+="$(jget "$d/load.json" p50_ms) "
	P99[$sys]+="$(jget "$d/load.json" p99_ms) "
	if [[ -n $rss ]]; then
		RSS[$sys]+="$rss "
	fi
	ROWS+=("$(printf '%-4s %-11s %9.1f %10.1f %8.1f %8.1f %8.1f %9s %7s %5s%%  %s' \
		"$r" "$sys" "$acc" "$del" "$(jget "$d/load.json" p50_ms)" "$(jget "$d/load.json" p99_ms)" \
		"$(jget "$d/load.json" max_ms)" "$recv" "${rss:+$((rss / 1024))}" "$LOAD_PSI" "$(jerrors "$d/load.json")")")
	printf '%s\n' "${ROWS[-1]}"
}

header() {
	printf '%-4s %-11s %9s %10s %8s %8s %8s %9s %7s %6s  %s\n' \
		run system "acc/s" "deliv/s" "p50 ms" "p99 ms" "max ms" received "RSS MB" "cpu-w" errors
}

# ceiling: Postfix's smtp-source straight into smtp-sink, no MTA between
# (the issue's command; smtp-source without -d opens a connection per
# message).
ceiling() {
	local port pid t0 t1 st=0
	port=$(free_port)
	smtp-sink -u nobody "127.0.0.1:$port" 256 >"$WORK/smtp-sink.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_listen "$port" "$pid" 10 || { log "smtp-sink did not start"; return 1; }
	t0=$(date +%s%N)
	timeout 120 smtp-source -s "$SESSIONS" -m "$N" -l "$SIZE" -c "127.0.0.1:$port" \
		>"$WORK/smtp-source.log" 2>&1 &
	PIDS+=("$!")
	wait "$!" || st=$?
	t1=$(date +%s%N)
	kill -TERM "$pid" 2>/dev/null || true
	stop_wait "$pid" 5
	if ((st != 0)); then
		log "smtp-source exited $st: $(tail -n2 "$WORK/smtp-source.log")"
	fi
	CEIL=$(awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f", n / (ns / 1e9)}')
	# And the same with our own tools (persistent sessions, as smtpload
	# always does).
	local d=$WORK/ceiling-go
	mkdir -p "$d"
	start_sink "$d"
	load "$SINK_PORT" "$d"
	CEIL_GO=$(awk -v r="$(jget "$d/load.json" accepted_per_s)" 'BEGIN {printf "%.1f", r}')
}

# --- main -------------------------------------------------------------------

install_postfix
build
PW_HASH=$(printf 'bench-password\n' | "$OUT/sluice" hash-password)
SYSTEMS=(sluice postfix)
if [[ $SIGN == dual ]]; then
	SYSTEMS=(sluice sluice-dkim postfix)
	"$OUT/sluice" dkim keygen --domain bench.example --selector s1 --algo both --out "$WORK/dkim" >"$WORK/dkim.txt"
	DKIM_RSA=$WORK/dkim/bench.example.s1.rsa.key
	DKIM_ED=$WORK/dkim/bench.example.s1-ed.ed25519.key
	if [[ ! -s $DKIM_RSA || ! -s $DKIM_ED ]]; then
		echo "run.sh: sluice dkim keygen did not write $DKIM_RSA and $DKIM_ED" >&2
		exit 1
	fi
fi

echo "command: N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS SIGN=$SIGN bash bench/run.sh"
echo "${SYSTEMS[*]}: N=$N messages of ~$SIZE bytes over $SESSIONS sessions, $RUNS runs, interleaved"
echo "$(nproc) CPUs, $(postconf -h mail_version 2>/dev/null | sed 's/^/Postfix /'), $(go version | cut -d' ' -f3), $(date -u)"
echo "at start: $(busy)"
header
for ((r = 1; r <= RUNS; r++)); do
	if ((SECONDS > BUDGET)); then
		log "time budget spent (${SECONDS}s): no more rounds after $((r - 1))"
		FAILED=1
		break
	fi
	if [[ $SIGN == dual ]] && ((r % 2 == 0)); then
		# Alternate which sluice goes first, so drift hits both alike.
		run_sluice "$r" dual
		run_sluice "$r"
	else
		run_sluice "$r"
		if [[ $SIGN == dual ]]; then
			run_sluice "$r" dual
		fi
	fi
	run_postfix "$r"
done
ceiling

echo "at end: $(busy)"
echo "(cpu-w: share of the run's wall time in which some task, ours or another's, waited for a CPU; see /proc/pressure/cpu)"
echo
echo "medians of $RUNS runs:"
printf '%-11s %9s %10s %8s %8s %7s\n' system "acc/s" "deliv/s" "p50 ms" "p99 ms" "RSS MB"
for sys in "${SYSTEMS[@]}"; do
	printf '%-11s %9.1f %10.1f %8.1f %8.1f %7s\n' "$sys" \
		"$(median "${ACC[$sys]:-}")" "$(median "${DEL[$sys]:-}")" "$(median "${P50[$sys]:-}")" \
		"$(median "${P99[$sys]:-}")" "$([[ -n ${RSS[$sys]:-} ]] && awk -v k="$(median "${RSS[$sys]}")" 'BEGIN {printf "%d", k / 1024}' || echo -)"
done
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
echo
echo "ratio sluice/Postfix: delivered $(ratio "${DEL[sluice]:-}" "${DEL[postfix]:-}")x, accepted $(ratio "${ACC[sluice]:-}" "${ACC[postfix]:-}")x"
if [[ $SIGN == dual ]]; then
	echo "ratio sluice-dkim/sluice (dual signing vs none): delivered $(ratio "${DEL[sluice-dkim]:-}" "${DEL[sluice]:-}")x, accepted $(ratio "${ACC[sluice-dkim]:-}" "${ACC[sluice]:-}")x"
	echo "ratio sluice-dkim/Postfix: delivered $(ratio "${DEL[sluice-dkim]:-}" "${DEL[postfix]:-}")x, accepted $(ratio "${ACC[sluice-dkim]:-}" "${ACC[postfix]:-}")x"
	echo "DKIM check at the sink: $DKIM_CHECK"
fi
echo "ceiling (no MTA): smtp-source -> smtp-sink $CEIL msgs/s (a connection per message); smtpload -> sinkmx $CEIL_GO msgs/s"
sp99=$(median "${P99[sluice]:-}")
sdel=$(median "${DEL[sluice]:-}")
pdel=$(median "${DEL[postfix]:-}")
verdict=$(awk -v s="$sdel" -v p="$pdel" -v l="$sp99" 'BEGIN {
	d = (p > 0 && s >= 5 * p) ? "met" : "MISSED"; q = (l > 0 && l < 50) ? "met" : "MISSED"
	printf "targets: delivered >= 5x Postfix: %s; p99 submission latency < 50 ms: %s", d, q }')
echo "$verdict"
if [[ $SIGN == dual ]]; then
	awk -v s="$(median "${DEL[sluice-dkim]:-}")" -v p="$pdel" 'BEGIN {
		printf "target: delivered with dual signing >= 3x Postfix: %s\n", (p > 0 && s >= 3 * p) ? "met" : "MISSED" }'
fi
if ((FAILED)); then
	echo "run.sh: some runs failed (see above)" >&2
	exit 1
fi
