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
NAME=protect.sh
RUNS=${RUNS:-3}
BUDGET=480
LOAD_TIMEOUT=180
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
read -r -a CFGS <<<"${CONFIGS:-off on}"
LIMIT_RATE=${LIMIT_RATE:-1000000}
LIMIT_DAILY=${LIMIT_DAILY:-1000000000}
REV="" # sluice from the working tree, or with BUILD=0 the one in bench/out

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
check_positive N SESSIONS SIZE RUNS LIMIT_RATE LIMIT_DAILY
if ((LIMIT_DAILY < N)); then
	echo "protect.sh: LIMIT_DAILY ($LIMIT_DAILY) must be at least N ($N): the limiter must never refuse" >&2
	exit 2
fi
lib_work

# --- one run ----------------------------------------------------------------

# core_config_hook CFG DIR: bench/lib.sh's core config with the
# protections of CFG on or off.
core_config_hook() {
	local cfg=$1 d=$2 rep="enabled = false" prio=false limits=""
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
	# The limits belong to the [[tenant]] table core_config ends with.
	core_config "$d" "# Everything is routed; no DNS is needed (and none leaves loopback).
resolvers = [\"127.0.0.1:53\"]
priorities = $prio" "$limits

[reputation]
$rep

[[route]]
domain = \"*\"
host = \"127.0.0.1:$SINK_PORT\""
}

# after_stop CFG DIR: once sluice has exited, check (DIR is WORK/CFG-ROUND).
after_stop() { check "$1" "${2##*-}" "$2"; }

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

CHECKS=""

# core_record CFG ROUND DIR RSS_KB: reads the JSON lines of one run
# (bench/lib.sh's figures) and prints its row.
core_record() {
	figures "$@"
	refusals "$1" "$2"
	fig_row "$2" "$1" 6 "$4"
}

# --- main -------------------------------------------------------------------

if [[ $BUILD == 0 ]]; then
	for b in sluice smtpload sinkmx; do
		[[ -x $OUT/$b ]] || { echo "protect.sh: BUILD=0 but $OUT/$b is missing" >&2; exit 2; }
	done
	log "BUILD=0: using the binaries in $OUT (sluice built $(date -u -r "$OUT/sluice" +%FT%TZ))"
	SLUICE=$OUT/sluice
else
	build_tools
fi
PW_HASH=$(printf 'bench-password\n' | "$OUT/sluice" hash-password)

echo "command: N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS CONFIGS=\"${CFGS[*]}\" bash bench/protect.sh"
echo "${CFGS[*]}: N=$N messages of ~$SIZE bytes over $SESSIONS sessions, $RUNS rounds, interleaved (order swapped every other round)"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $(commit_line), $(date -u)"
echo "at start: $(busy)"
fig_header 6 cfg
done_rounds=0
for ((r = 1; r <= RUNS; r++)); do
	if ((SECONDS > BUDGET)); then
		log "time budget spent (${SECONDS}s): no more rounds after $((r - 1))"
		FAILED=1
		break
	fi
	round_order "$r" "${CFGS[@]}" # reversed every other round
	for cfg in "${ORDER[@]}"; do
		run_core "$cfg" "$r"
	done
	done_rounds=$r
done
echo "at end: $(busy)"
echo "(cpu-w: share of the run's wall time in which some task, ours or another's, waited for a CPU; see /proc/pressure/cpu)"
echo
echo "medians of $done_rounds rounds:"
fig_medians 6 cfg "${CFGS[@]}"
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
