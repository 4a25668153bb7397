#!/usr/bin/env bash
# bench/soak.sh: a soak test of sluice through a chaos MX (bench/cmd/chaosmx).
#
# Submits N messages at a steady R msgs/s (bench/cmd/smtpload -rate) into a
# `sluice serve` that delivers them, over DNS answers for DOMAINS domains,
# to a sink that fails a share of attempts in every way receivers do
# (4xx/5xx at greeting, MAIL, RCPT, DATA; 421 and hang-ups mid-session;
# connections dropped mid-DATA; resets; slow replies; tarpits; greylisting;
# STARTTLS offered or not). Retries are fast (RETRY_FIRST) so deferred mail
# comes back during the run. Every INTERVAL it samples sluice's RSS,
# goroutines, open files, spool size and queue depth. When the load is done
# it waits (SETTLE at most) for the queue to empty, then checks:
#
#   - received = delivered + failed + queued, from sluice's own counters
#     (recipients accepted by submission; the spool's totals and depth);
#   - every delivery sluice logged was taken by the sink at least once
#     (X-Sluice-ID and recipient, from the sink's ledger);
#   - RSS, goroutines, open files and spool size did not grow over the last
#     third of the load (see bounded() below);
#   - sluice exits 0 on SIGTERM.
#
# Exit 0 when all hold, 1 otherwise, 2 on bad parameters.
#
# Usage (no root needed; all traffic stays on 127.0.0.1):
#
#	bash bench/soak.sh                  # N=1000000 R=500: ~35 min of load, ~45 min in all
#	N=20000 bash bench/soak.sh          # a quick run, ~1.5 min
#
# Environment: N, R, SESSIONS (20), SIZE (2000 bytes), DOMAINS (50), SEED
# (1), INTERVAL (seconds between samples; default 60, or 5 when the load
# lasts under 10 minutes), SETTLE (seconds to wait for the queue, 600),
# RETRY_FIRST (5s), RETRY_MAX (60s), CHAOS (extra chaosmx flags, e.g.
# CHAOS="-greylist 0.2 -tarpit 0.05"), KEEP=1 keeps the work directory
# (config, sluice's log, the ledger, samples.tsv).
set -euo pipefail
NAME=soak.sh
N=${N:-1000000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-2000}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
R=${R:-500}
DOMAINS=${DOMAINS:-50}
SEED=${SEED:-1}
SETTLE=${SETTLE:-600}
RETRY_FIRST=${RETRY_FIRST:-5s}
RETRY_MAX=${RETRY_MAX:-60s}
CHAOS=${CHAOS:-}
# Always sluice from the working tree; the work directory is kept only
# with KEEP=1; a stopped process gets 10 s before SIGKILL.
REV=""
BUILD=1
KEEP_FAILED=0
CLEANUP_WAIT=10

check_positive N R SESSIONS SIZE DOMAINS SEED SETTLE
LOAD_S=$(((N + R - 1) / R))
if [[ -z ${INTERVAL:-} ]]; then
	INTERVAL=60
	((LOAD_S < 600)) && INTERVAL=5
fi
check_positive INTERVAL
# Bounds, in seconds: the load (its nominal length plus 10 minutes), the
# chaos sink's backstop (everything plus a margin).
LOAD_TIMEOUT=$((LOAD_S + 600))
SINK_TIMEOUT=$((LOAD_TIMEOUT + SETTLE + 300))
lib_work

fail() {
	echo "FAIL: $*"
	FAILED=1
}

# stop PID SECS: SIGTERM, then bench/lib.sh's stop_wait; sets STATUS.
stop() {
	kill -TERM "$1" 2>/dev/null || true
	stop_wait "$1" "$2"
}

# --- set-up -----------------------------------------------------------------

build_sluice
build_bins bench/cmd/smtpload bench/cmd/chaosmx
PW_HASH=$(printf 'bench-password\n' | "$OUT/sluice" hash-password)

echo "command: N=$N R=$R SESSIONS=$SESSIONS SIZE=$SIZE DOMAINS=$DOMAINS SEED=$SEED INTERVAL=$INTERVAL SETTLE=$SETTLE RETRY_FIRST=$RETRY_FIRST RETRY_MAX=$RETRY_MAX CHAOS='$CHAOS' bash bench/soak.sh"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $(date -u), at start: $(busy)"

# shellcheck disable=SC2086 # CHAOS is a list of flags
"$OUT/chaosmx" -addr 127.0.0.1:0 -addr-file "$WORK/chaos.addr" -dns-domains "$DOMAINS" \
	-dns-zone soak.test -dns-addr-file "$WORK/dns.addr" -ledger "$WORK/ledger.txt" \
	-stats-file "$WORK/chaos.stats" -seed "$SEED" -timeout "${SINK_TIMEOUT}s" $CHAOS \
	>"$WORK/chaos.json" 2>"$WORK/chaos.err" &
CHAOS_PID=$!
PIDS+=("$CHAOS_PID")
if ! wait_file "$WORK/dns.addr" "$CHAOS_PID" 10 || ! wait_file "$WORK/chaos.addr" "$CHAOS_PID" 10; then
	echo "soak.sh: chaosmx did not start: $(cat "$WORK/chaos.err")" >&2
	exit 1
fi
CHAOS_PORT=$(cut -d: -f2 <"$WORK/chaos.addr")
DNS_ADDR=$(cat "$WORK/dns.addr")

SUB=$(free_port)
INB=$(free_port)
EDGE=$(free_port)
ADM=$(free_port)
DATA=$WORK/data
mkdir -p "$DATA"
cat >"$WORK/sluice.toml" <<EOF
hostname = "sluice.soak.test"
data_dir = "$DATA"

[log]
# info: one line per delivery outcome, which the ledger check reads (it
# needs the recipients in full).
level = "info"
recipients = "full"

[submission]
listen = "127.0.0.1:$SUB"
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"

[inbound]
listen = "127.0.0.1:$INB"

[tracking]
listen = "127.0.0.1:$EDGE"

[admin]
listen = "127.0.0.1:$ADM"

[queue]
# Fast retries, so greylisted and deferred mail comes back during the run;
# nothing expires during it.
retry_first = "$RETRY_FIRST"
retry_max = "$RETRY_MAX"
max_age = "24h"

[delivery]
# MX answers from chaosmx's DNS server (every MX host is 127.0.0.1, so
# private MX addresses are allowed); the chaos sink listens on this port.
resolvers = ["$DNS_ADDR"]
port = $CHAOS_PORT
allow_private_mx = true

[[tenant]]
name = "bench"
password_hash = "$PW_HASH"
sender_domains = ["bench.example"]
EOF
"$OUT/sluice" serve --config "$WORK/sluice.toml" >"$WORK/sluice.out" 2>"$WORK/sluice.log" &
SLUICE_PID=$!
PIDS+=("$SLUICE_PID")
if ! wait_listen "$SUB" "$SLUICE_PID" 20 || ! wait_listen "$ADM" "$SLUICE_PID" 20; then
	echo "soak.sh: sluice did not start: $(tail -n5 "$WORK/sluice.log")" >&2
	exit 1
fi
log "sluice pid $SLUICE_PID, submission 127.0.0.1:$SUB, admin 127.0.0.1:$ADM; chaosmx pid $CHAOS_PID on 127.0.0.1:$CHAOS_PORT, DNS $DNS_ADDR"

# --- sampling ---------------------------------------------------------------

SAMPLES=$WORK/samples.tsv
T0=$(date +%s)
# sample PHASE: one row (also printed): time, phase, RSS and peak (MB),
# goroutines, open files, spool (MB, apparent size of the data dir's
# files), queue depth (queued + in flight + deferred recipients), accepted
# by submission, delivered, failed, the sink's unique count.
sample() {
	local phase=$1 rss hwm fds spool m=$WORK/metrics.txt q f d
	rss=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$SLUICE_PID/status" 2>/dev/null || echo 0)
	hwm=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$SLUICE_PID/status" 2>/dev/null || echo 0)
	fds=$(find "/proc/$SLUICE_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	spool=$(find "$DATA" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {printf "%.0f", s / 1048576}')
	http_get "$ADM" /metrics >"$m" 2>/dev/null || : >"$m"
	q=$(metric "$m" sluice_queue_recipients 'state="queued"')
	f=$(metric "$m" sluice_queue_recipients 'state="in_flight"')
	d=$(metric "$m" sluice_queue_recipients 'state="deferred"')
	DEPTH=$((q + f + d))
	printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "$(($(date +%s) - T0))" "$phase" \
		"$rss" "$hwm" "$(metric "$m" go_goroutines)" "$fds" "$spool" "$DEPTH" \
		"$(metric "$m" sluice_submission_recipients_total)" \
		"$(metric "$m" sluice_delivery_recipients_total 'result="delivered"')" \
		"$(metric "$m" sluice_delivery_recipients_total 'result="failed"')" \
		"$(jget "$WORK/chaos.stats" unique 2>/dev/null || echo 0)" | tee -a "$SAMPLES"
}

echo
echo "samples every ${INTERVAL}s (MB; depth = queued + in flight + deferred recipients; sink = unique (id, rcpt) taken):"
printf 't_s\tphase\trss\trss_hwm\tgorout\tfds\tspool\tdepth\taccepted\tdelivd\tfailed\tsink\n' | tee "$SAMPLES.head"
: >"$SAMPLES"

"$OUT/smtpload" -addr "127.0.0.1:$SUB" -n "$N" -c "$SESSIONS" -size "$SIZE" -rate "$R" \
	-domains "$DOMAINS" -from bench@bench.example -rcpt-domain soak.test \
	-timeout "${LOAD_TIMEOUT}s" >"$WORK/load.out" 2>"$WORK/load.err" &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
sample load
next=$(($(date +%s) + INTERVAL))
while kill -0 "$LOAD_PID" 2>/dev/null; do
	sleep 1
	if (($(date +%s) >= next)); then
		sample load
		next=$((next + INTERVAL))
	fi
done
LOAD_ST=0
wait "$LOAD_PID" || LOAD_ST=$?
LOAD_END=$(date +%s)
sample load
log "load done (smtpload exit $LOAD_ST); waiting up to ${SETTLE}s for the queue to settle"

# Settle: until the queue is empty (checked every 2 s), SETTLE at most.
deadline=$((LOAD_END + SETTLE))
next=$(($(date +%s) + INTERVAL))
while :; do
	http_get "$ADM" /metrics >"$WORK/m2.txt" 2>/dev/null || : >"$WORK/m2.txt"
	depth=$(($(metric "$WORK/m2.txt" sluice_queue_recipients 'state="queued"') + $(metric "$WORK/m2.txt" sluice_queue_recipients 'state="in_flight"') + $(metric "$WORK/m2.txt" sluice_queue_recipients 'state="deferred"')))
	((depth == 0)) && break
	(($(date +%s) >= deadline)) && break
	if (($(date +%s) >= next)); then
		sample settle
		next=$((next + INTERVAL))
	fi
	sleep 2
done
SETTLED_S=$(($(date +%s) - LOAD_END))
sample end

# --- the checks -------------------------------------------------------------

http_get "$ADM" /metrics >"$WORK/final.txt" 2>/dev/null || : >"$WORK/final.txt"
"$OUT/sluice" ctl --config "$WORK/sluice.toml" --json queue stats >"$WORK/qstats.json" 2>"$WORK/qstats.err" || true
RECEIVED=$(metric "$WORK/final.txt" sluice_submission_recipients_total)
DELIVERED=$(jget "$WORK/qstats.json" delivered_total)
FAILEDN=$(jget "$WORK/qstats.json" failed_total)
QUEUED=$(($(jget "$WORK/qstats.json" queued) + $(jget "$WORK/qstats.json" in_flight) + $(jget "$WORK/qstats.json" deferred)))
EV_DEL=$(metric "$WORK/final.txt" sluice_delivery_recipients_total 'result="delivered"')
EV_FAIL=$(metric "$WORK/final.txt" sluice_delivery_recipients_total 'result="failed"')
EV_SUPP=$(metric "$WORK/final.txt" sluice_delivery_recipients_total 'result="suppressed"')
EV_DEF=$(metric "$WORK/final.txt" sluice_delivery_recipients_total 'result="deferred"')

stop "$SLUICE_PID" 60
SLUICE_ST=$STATUS
stop "$CHAOS_PID" 30
CHAOS_ST=$STATUS

LOAD_JSON=$(grep '^{' "$WORK/load.out" | tail -n1 || true)
echo "$LOAD_JSON" >"$WORK/load.json"
echo
sed -n '1,3p' "$WORK/load.out" | grep -v '^{' || true
echo "sink: $(cat "$WORK/chaos.json")"
echo "at end: $(busy)"
echo

# 1. The identity, from sluice's own counters.
echo "received (accepted by submission, recipients) $RECEIVED"
echo "  = delivered $DELIVERED + failed $FAILEDN + queued $QUEUED (queued + in flight + deferred)"
echo "  = $((DELIVERED + FAILEDN + QUEUED))  [spool counters; outcome events: delivered $EV_DEL, failed $EV_FAIL, suppressed $EV_SUPP, deferred $EV_DEF]"
if ((RECEIVED != DELIVERED + FAILEDN + QUEUED)); then
	fail "received $RECEIVED != delivered + failed + queued $((DELIVERED + FAILEDN + QUEUED))"
fi
if ((RECEIVED == 0)); then
	fail "nothing was accepted"
fi
LOAD_ACC=$(jget "$WORK/load.json" accepted)
if ((LOAD_ACC != RECEIVED)); then
	fail "smtpload saw $LOAD_ACC accepted, sluice counted $RECEIVED"
fi
if ((LOAD_ST != 0)); then
	fail "smtpload exited $LOAD_ST"
fi
if ((EV_DEL != DELIVERED || EV_FAIL + EV_SUPP != FAILEDN)); then
	fail "outcome events (delivered $EV_DEL, failed+suppressed $((EV_FAIL + EV_SUPP))) disagree with the spool's totals ($DELIVERED, $FAILEDN)"
fi
echo "queue settled: $([[ $QUEUED == 0 ]] && echo "yes, ${SETTLED_S}s after the load" || echo "no, $QUEUED left after ${SETTLED_S}s")"

# 2. Every delivery sluice logged was taken by the sink.
awk '
	FNR == NR { got[$1 " " $2] = 1; next }
	index($0, "\"result\":\"delivered\"") {
		if (match($0, /"msgid":"[^"]*"/)) id = substr($0, RSTART + 9, RLENGTH - 10)
		if (match($0, /"rcpt":"[^"]*"/)) rc = substr($0, RSTART + 8, RLENGTH - 9)
		n++
		if (!((id " " rc) in got)) { miss++; if (miss <= 5) print "  missing at the sink: " id " " rc > "/dev/stderr" }
	}
	END { printf "%d %d\n", n, miss + 0 }' "$WORK/ledger.txt" "$WORK/sluice.log" >"$WORK/ledger.check"
read -r LOGGED MISSING <"$WORK/ledger.check"
UNIQUE=$(jget "$WORK/chaos.json" unique)
echo "deliveries logged by sluice $LOGGED; taken by the sink: $MISSING missing; sink unique $UNIQUE, received $(jget "$WORK/chaos.json" received) ($(jget "$WORK/chaos.json" duplicates) duplicates), $(jget "$WORK/chaos.json" messages_no_id) without X-Sluice-ID"
((MISSING == 0)) || fail "$MISSING deliveries sluice logged never reached the sink"
((LOGGED == DELIVERED)) || fail "sluice logged $LOGGED deliveries, its spool counts $DELIVERED"
((UNIQUE >= DELIVERED)) || fail "the sink took $UNIQUE unique recipients, fewer than the $DELIVERED sluice delivered"

# 3. Bounded: over the load's samples, the last third's peak may exceed the
# peak before it by at most 25 % plus a slack (RSS and spool 64 MB,
# goroutines 500, open files 100). Queue depth is shown, not judged (it
# depends on the chaos and the retry schedule).
bounded() {
	local col=$1 name=$2 slack=$3
	awk -F'\t' -v c="$col" -v name="$name" -v slack="$slack" '
		$2 == "load" { v[++n] = $c + 0 }
		END {
			if (n < 6) { printf "%s: %d samples, too few to judge\n", name, n; exit 0 }
			cut = int(2 * n / 3); a = 0; b = 0
			for (i = 1; i <= cut; i++) if (v[i] > a) a = v[i]
			for (i = cut + 1; i <= n; i++) if (v[i] > b) b = v[i]
			ok = (b <= 1.25 * a + slack)
			printf "%s: peak %d before the last third, %d in it: %s\n", name, a, b, ok ? "bounded" : "GROWING"
			exit ok ? 0 : 1
		}' "$SAMPLES"
}
echo "bounds (load phase, $(awk -F'\t' '$2 == "load"' "$SAMPLES" | wc -l) samples):"
bounded 3 "  RSS MB" 64 || fail "RSS grew over the last third"
bounded 5 "  goroutines" 500 || fail "goroutines grew over the last third"
bounded 6 "  open files" 100 || fail "open files grew over the last third"
bounded 7 "  spool MB" 64 || fail "spool grew over the last third"
echo "  queue depth: peak $(awk -F'\t' '$8 > m {m = $8} END {print m + 0}' "$SAMPLES") recipients; peak RSS (VmHWM) $(awk -F'\t' '$4 > m {m = $4} END {print m + 0}' "$SAMPLES") MB"
echo "sluice log: $(du -h "$WORK/sluice.log" | cut -f1), $(grep -c '"level":"ERROR"' "$WORK/sluice.log" || true) ERROR lines"

# 4. Clean exits.
((SLUICE_ST == 0)) || fail "sluice exited $SLUICE_ST on SIGTERM: $(tail -n3 "$WORK/sluice.log")"
((CHAOS_ST == 0)) || fail "chaosmx exited $CHAOS_ST: $(cat "$WORK/chaos.err")"

if ((FAILED)); then
	echo "soak: FAILED"
	exit 1
fi
echo "soak: passed"
