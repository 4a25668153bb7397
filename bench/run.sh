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
NAME=run.sh
RUNS=${RUNS:-3}
BUDGET=480
LOAD_TIMEOUT=180
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/postfix.sh
source "$ROOT/bench/postfix.sh"
SIGN=${SIGN:-none}
# Always sluice from the working tree; the work directory is kept only
# with KEEP=1.
REV=""
BUILD=1
KEEP_FAILED=0

check_positive N SESSIONS SIZE RUNS
if [[ $SIGN != none && $SIGN != dual ]]; then
	echo "run.sh: SIGN must be none or dual, got '$SIGN'" >&2
	exit 2
fi
if ((EUID != 0)); then
	echo "run.sh: run as root (it installs Postfix and starts a private Postfix instance)" >&2
	exit 2
fi

POSTFIX_ETC="" # config dir of the Postfix instance running, if any
cleanup_hook() { [[ -z $POSTFIX_ETC ]] || postfix_down "$POSTFIX_ETC" abort; }
lib_work

# --- sluice -----------------------------------------------------------------

# run_sluice ROUND [dual]: one sluice run (bench/lib.sh's run_core); with
# "dual", every message is DKIM-signed twice (system "sluice-dkim") and
# the sink checks it.
run_sluice() {
	local r=$1 sys=sluice d dual recv
	if [[ ${2:-} == dual ]]; then
		sys=sluice-dkim
		SINK_FLAGS=(-check-dkim)
	fi
	run_core "$sys" "$r"
	SINK_FLAGS=()
	[[ $sys == sluice-dkim ]] || return 0
	d=$WORK/$sys-$r
	dual=$(jget "$d/sink.json" dkim_dual)
	recv=$(jget "$d/sink.json" received)
	DKIM_CHECK+="round $r: $dual of $recv messages carried two DKIM-Signature fields ($(jget "$d/sink.json" dkim_signed) at least one); "
	if ((dual != recv)); then
		log "$sys run $r: only $dual of $recv messages were signed twice"
		FAILED=1
	fi
}

# core_config_hook SYSTEM DIR: bench/lib.sh's core config (everything
# routed to the sink: no DNS is needed, and none leaves loopback), with
# two DKIM keys for sluice-dkim.
core_config_hook() {
	local sys=$1 d=$2
	core_config "$d"
	[[ $sys == sluice-dkim ]] || return 0
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
	core_record postfix "$r" "$d" ""
}

# --- figures ----------------------------------------------------------------

DKIM_CHECK=""

# core_record SYSTEM RUN DIR RSS_KB: reads the JSON lines of one run
# (bench/lib.sh's figures) and prints its row; RSS_KB is empty for Postfix.
core_record() {
	figures "$@"
	fig_row "$2" "$1" 11 "$4"
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
build_tools
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
fig_header 11 system
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
fig_medians 11 system "${SYSTEMS[@]}"
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
