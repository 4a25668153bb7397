#!/usr/bin/env bash
# bench/sitting.sh: sluice end to end with Postfix's own tools, on one
# sitting (issue 19: "End to end with Postfix's smtp-source and smtp-sink
# (not our own tools) on the same sitting: the loopback ceiling, sluice,
# sluice dual-signed, Postfix").
#
# Every round runs, in an order reversed every other round:
#   ceiling      smtp-source straight into smtp-sink (no MTA between)
#   sluice       smtp-source -> sluice serve -> smtp-sink
#   sluice-dual  the same, every message DKIM-signed twice (RSA-2048 and
#                Ed25519 keys from `sluice dkim keygen --algo both`)
#   bare         smtp-source -> bench/cmd/barerelay -> smtp-sink: the floor
#                of any Go relay here (answers, reads, forwards pipelined;
#                no checks, no queue)
#   bare-sync    the same, each body fdatasync'd (group commit) before 250
#   postfix      smtp-source -> a private Postfix instance -> smtp-sink
#   ceiling-big, sluice-big   the first two with BIG-byte messages
# each with N messages of SIZE bytes (BIG_N of BIG) over SESSIONS
# sessions, fsync on, data on disk, loopback only. smtp-source opens a
# connection per message unless SOURCE_FLAGS=-d (one per session), and
# speaks HELO without pipelining, as it does by default.
#
# Figures: accepted/s = N / (smtp-source's run time); delivered/s =
# N / (from smtp-source's start to smtp-sink counting the Nth message,
# polled every 20 ms); for sluice, CPU µs per message (utime + stime of
# the process over the run, /proc/PID/stat) and peak RSS. Prints every
# run, the medians, sluice's share of the ceiling (per round and of the
# medians), sluice/Postfix, and the issue's targets.
#
# Usage (as root: Postfix is installed from Debian when missing):
#
#	bash bench/sitting.sh                       # N=20000 SIZE=5000 BIG=100000 BIG_N=10000 RUNS=3
#	N=2000 BIG_N=1000 RUNS=1 bash bench/sitting.sh   # a quick try
#	SKIP="postfix sluice-dual" bash bench/sitting.sh # leave variants out
#	OLD=HEAD~1 SKIP="sluice-dual postfix ceiling-big sluice-big" RUNS=5 bash bench/sitting.sh
#
# Environment (and bench/lib.sh's): N, SESSIONS (20), SIZE, BIG, BIG_N,
# RUNS, SOURCE_FLAGS, SKIP, OLD=C adds a variant sluice-old, sluice as
# built from commit C, KEEP=1 keeps the work directory, BUDGET
# (seconds after which no round starts, default 900), PROFILE=S takes an
# S-second CPU profile of sluice in each sluice run from the admin API, and
# the allocations since start at its end, into bench/out/profiles/
# (VARIANT-ROUND.pprof, .allocs.pprof, .top: the top functions; needs curl).
set -euo pipefail
NAME=sitting
RUNS=${RUNS:-3}
BUDGET=${BUDGET:-900}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/bench/postfix.sh"
BIG=${BIG:-100000}
BIG_N=${BIG_N:-10000}
SOURCE_FLAGS=${SOURCE_FLAGS:-}
SKIP=${SKIP:-}
POSTFIX_ETC=""
cleanup_hook() { [[ -z $POSTFIX_ETC ]] || postfix_down "$POSTFIX_ETC" abort; }
lib_init

# sink_up DIR: starts smtp-sink with its running counter into DIR/sink.out;
# sets SINK_PID, SINK_PORT.
sink_up() {
	local d=$1
	SINK_PORT=$(free_port)
	smtp-sink -c -u nobody "127.0.0.1:$SINK_PORT" 256 >"$d/sink.out" 2>"$d/sink.err" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	wait_listen "$SINK_PORT" "$SINK_PID" 10 || { echo "$NAME: smtp-sink did not start: $(cat "$d/sink.err")" >&2; return 1; }
}

# sink_count DIR: messages smtp-sink has received so far (its counter
# prints "sess=S quit=Q mesg=M" after each).
sink_count() {
	local m
	m=$(tail -c 256 "$1/sink.out" 2>/dev/null | grep -ao 'mesg=[0-9]*' | tail -n1 | cut -d= -f2)
	echo "${m:-0}"
}

# cpu_ticks PID: utime + stime of PID in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# source_load PORT DIR COUNT BYTES MTA_PID: smtp-source into PORT, then
# waits for smtp-sink to count COUNT; sets T0, T_SRC, T_SINK (ns) and
# CPU (ticks of MTA_PID over the run, 0 without one).
source_load() {
	local port=$1 d=$2 n=$3 size=$4 mpid=${5:-} st=0 c0=0 got i
	[[ -z $mpid ]] || c0=$(cpu_ticks "$mpid")
	T0=$(date +%s%N)
	PROF_PID=""
	if [[ -n $mpid && ${PROFILE:-0} != 0 ]]; then
		# From 1 s into the load; waited for before sluice stops.
		(sleep 1 && curl -sf -H "Authorization: Bearer $(cat "$d/data/admin.token")" \
			"http://127.0.0.1:$ADM/debug/pprof/profile?seconds=$PROFILE" -o "$d/cpu.pprof" &&
			curl -sf -H "Authorization: Bearer $(cat "$d/data/admin.token")" \
				"http://127.0.0.1:$ADM/debug/pprof/allocs" -o "$d/allocs.pprof") &
		PROF_PID=$!
	fi
	# shellcheck disable=SC2086 # SOURCE_FLAGS is a word list
	timeout "$LOAD_TIMEOUT" smtp-source -s "$SESSIONS" -m "$n" -l "$size" $SOURCE_FLAGS \
		-f bench@bench.example -t rcpt@sink.example "127.0.0.1:$port" >"$d/source.out" 2>"$d/source.err" &
	PIDS+=("$!")
	wait "$!" || st=$?
	T_SRC=$(date +%s%N)
	if ((st != 0)) || grep -qai 'fatal\|error\|warning' "$d/source.err"; then
		log "smtp-source exited $st: $(head -n3 "$d/source.err")"
		FAILED=1
	fi
	got=0
	for ((i = 0; i < SINK_GRACE * 50; i++)); do
		got=$(sink_count "$d")
		((got >= n)) && break
		sleep 0.02
	done
	T_SINK=$(date +%s%N)
	CPU=0
	[[ -z $mpid ]] || CPU=$(($(cpu_ticks "$mpid") - c0))
	RECEIVED=$got
	if ((got != n)); then
		log "smtp-sink counted $got of $n messages"
		FAILED=1
	fi
}

# sluice_up DIR SIGN [BINARY]: sluice serve on bench/lib.sh's core config
# relaying to SINK_PORT (SIGN=dual adds the two keys); sets MTA_PID,
# MTA_PORT.
sluice_up() {
	local d=$1 sign=$2 extra
	SUB=$(free_port) INB=$(free_port) EDGE=$(free_port) ADM=$(free_port)
	extra="[[route]]
domain = \"*\"
host = \"127.0.0.1:$SINK_PORT\""
	if [[ $sign == dual ]]; then
		extra+="

[[dkim.key]]
domain = \"bench.example\"
selector = \"s1\"
file = \"$DKIM_RSA\"

[[dkim.key]]
domain = \"bench.example\"
selector = \"s1-ed\"
file = \"$DKIM_ED\""
	fi
	core_config "$d" "" "$extra"
	"${3:-$SLUICE}" serve --config "$d/sluice.toml" >"$d/sluice.out" 2>"$d/sluice.err" &
	MTA_PID=$!
	MTA_PORT=$SUB
	PIDS+=("$MTA_PID")
	wait_listen "$SUB" "$MTA_PID" 20 || { echo "$NAME: sluice did not start: $(tail -n5 "$d/sluice.err")" >&2; return 1; }
}

# sluice_down DIR: saves /metrics and VmHWM, SIGTERMs sluice, checks exit 0.
sluice_down() {
	local d=$1
	http_get "$ADM" /metrics >"$d/metrics.txt" 2>/dev/null || true
	RSS_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$MTA_PID/status" 2>/dev/null || echo 0)
	kill -TERM "$MTA_PID" 2>/dev/null || true
	stop_wait "$MTA_PID" 40
	if ((STATUS != 0)); then
		log "sluice exited $STATUS (want 0): $(tail -n3 "$d/sluice.err")"
		FAILED=1
	fi
}

declare -A DEL ACC CPUS ROUND_DEL
ROWS=()

# run_variant VARIANT ROUND: one run.
run_variant() {
	local v=$1 r=$2 d n=$N size=$SIZE mpid="" signed=""
	d=$WORK/$v-$r
	mkdir -p "$d/data"
	[[ $v == *-big ]] && n=$BIG_N size=$BIG
	sink_up "$d" || { FAILED=1; return 1; }
	RSS_KB=0
	case $v in
	ceiling*) MTA_PORT=$SINK_PORT ;;
	sluice*)
		local bin=$SLUICE
		[[ $v == sluice-old ]] && bin=$OUT/rev-$OLD_SHA/sluice
		sluice_up "$d" "$([[ $v == sluice-dual ]] && echo dual || echo none)" "$bin" || { FAILED=1; return 1; }
		mpid=$MTA_PID
		;;
	bare*)
		MTA_PORT=$(free_port)
		"$OUT/barerelay" -addr "127.0.0.1:$MTA_PORT" -next "127.0.0.1:$SINK_PORT" -conns "$SESSIONS" \
			$([[ $v == bare-sync ]] && echo "-sync $d/data") >"$d/bare.out" 2>&1 &
		mpid=$!
		PIDS+=("$mpid")
		wait_listen "$MTA_PORT" "$mpid" 10 || { echo "$NAME: barerelay did not start: $(cat "$d/bare.out")" >&2; FAILED=1; return 1; }
		;;
	postfix)
		MTA_PORT=$(free_port)
		POSTFIX_ETC=$d/etc
		postfix_up "$d" "$MTA_PORT" "$SINK_PORT" || { FAILED=1; return 1; }
		;;
	esac
	log "round $r: $v, $n messages of $size bytes"
	source_load "$MTA_PORT" "$d" "$n" "$size" "$mpid"
	case $v in
	sluice*)
		if [[ -n $PROF_PID ]]; then
			wait "$PROF_PID" || log "$v: no CPU profile"
			mkdir -p "$OUT/profiles"
			cp "$d/allocs.pprof" "$OUT/profiles/$v-$r.allocs.pprof" 2>/dev/null || true
			cp "$d/cpu.pprof" "$OUT/profiles/$v-$r.pprof" 2>/dev/null &&
				go tool pprof -top -nodecount=25 "$SLUICE" "$d/cpu.pprof" 2>/dev/null | sed -n '1,32p' >"$OUT/profiles/$v-$r.top"
		fi
		sluice_down "$d"
		signed=$(awk '/^sluice_dkim_sign_seconds_count\{result="signed"\}/ {print $2}' "$d/metrics.txt")
		if [[ $v == sluice-dual ]] && [[ ${signed:-0} != "$n" ]]; then
			log "sluice-dual: $signed of $n messages signed"
			FAILED=1
		fi
		;;
	bare*)
		kill -TERM "$mpid" 2>/dev/null || true
		stop_wait "$mpid" 5
		;;
	postfix)
		postfix_down "$d/etc" stop
		POSTFIX_ETC=""
		;;
	esac
	kill -TERM "$SINK_PID" 2>/dev/null || true
	stop_wait "$SINK_PID" 5
	record_run "$v" "$r" "$n" "$size" "${signed:-}"
}

# record_run VARIANT ROUND COUNT BYTES SIGNED: one row from the last
# source_load.
record_run() {
	local v=$1 r=$2 n=$3 size=$4 signed=$5 acc del us=""
	acc=$(awk -v n="$n" -v ns=$((T_SRC - T0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
	del=$(awk -v n="$RECEIVED" -v ns=$((T_SINK - T0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
	if ((CPU > 0)); then
		us=$(awk -v t="$CPU" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.0f", 1e6 * t / hz / n}')
		CPUS[$v]+="$us "
	fi
	DEL[$v]+="$del "
	ACC[$v]+="$acc "
	ROUND_DEL[$v,$r]=$del
	ROWS+=("$(printf '%-5s %-12s %7s %7s %9s %9s %8s %7s %6s  %s' "$r" "$v" "$n" "$size" "$acc" "$del" "${us:--}" \
		"$((RSS_KB / 1024))" "$(cut -d' ' -f1 /proc/loadavg)" "${signed:+signed $signed}")")
	printf '%s\n' "${ROWS[-1]}"
}

# share A B: A's delivered rate over B's, per round and of the medians.
share() {
	local a=$1 b=$2 r per=""
	for ((r = 1; r <= DONE; r++)); do per+="$(div "${ROUND_DEL[$a,$r]:-0}" "${ROUND_DEL[$b,$r]:-0}") "; done
	printf '%-26s %6s   per round: %s\n' "$a / $b" "$(div "$(median "${DEL[$a]:-}")" "$(median "${DEL[$b]:-}")")" "${per% }"
}

# target LABEL VALUE MIN: "met" or "missed".
target() { awk -v l="$1" -v v="$2" -v m="$3" 'BEGIN {printf "%-40s %8s  target >= %s: %s\n", l, v, m, (v + 0 >= m + 0) ? "met" : "missed"}'; }

install_postfix
build_tools
(cd "$ROOT" && go build -o "$OUT/barerelay" ./bench/cmd/barerelay) || exit 1
PW_HASH=$(printf 'bench-password\n' | "$SLUICE" hash-password)
"$SLUICE" dkim keygen --domain bench.example --selector s1 --algo both --out "$WORK/dkim" >"$WORK/dkim.txt"
DKIM_RSA=$WORK/dkim/bench.example.s1.rsa.key
DKIM_ED=$WORK/dkim/bench.example.s1-ed.ed25519.key
VARIANTS=()
ALL=(ceiling bare bare-sync sluice sluice-dual postfix ceiling-big sluice-big)
if [[ -n ${OLD:-} ]]; then
	OLD_SHA=$(git -C "$ROOT" rev-parse --short "$OLD^{commit}") || { echo "$NAME: no commit $OLD" >&2; exit 2; }
	build_rev "$OLD_SHA"
	ALL=(ceiling bare bare-sync sluice-old sluice sluice-dual postfix ceiling-big sluice-big)
fi
for v in "${ALL[@]}"; do
	[[ " $SKIP " == *" $v "* ]] || VARIANTS+=("$v")
done

echo "command: N=$N SESSIONS=$SESSIONS SIZE=$SIZE BIG=$BIG BIG_N=$BIG_N RUNS=$RUNS SOURCE_FLAGS='$SOURCE_FLAGS' SKIP='$SKIP' bash bench/sitting.sh"
echo "$SLUICE_FROM; $(postconf -d -h mail_version 2>/dev/null | sed 's/^/Postfix /'); $(nproc) CPUs; $(go version | cut -d' ' -f3); $(date -u)"
echo "at start: $(busy)"
printf '%-5s %-12s %7s %7s %9s %9s %8s %7s %6s\n' round variant msgs bytes "acc/s" "deliv/s" "cpu µs" "RSS MB" load
DONE=0
for ((r = 1; r <= RUNS; r++)); do
	if ((SECONDS > BUDGET)); then
		log "time budget spent (${SECONDS}s): no more rounds after $((r - 1))"
		break
	fi
	order=("${VARIANTS[@]}")
	if ((r % 2 == 0)); then
		order=()
		for ((i = ${#VARIANTS[@]} - 1; i >= 0; i--)); do order+=("${VARIANTS[i]}"); done
	fi
	for v in "${order[@]}"; do run_variant "$v" "$r" || true; done
	DONE=$r
done
echo "at end: $(busy)"
echo
echo "medians of $DONE rounds (delivered/s, accepted/s, sluice CPU µs per message):"
for v in "${VARIANTS[@]}"; do
	printf '%-12s %9s %9s %8s   delivered range %s\n' "$v" "$(median "${DEL[$v]:-}")" "$(median "${ACC[$v]:-}")" \
		"$(median "${CPUS[$v]:-}")" "$(spread "${DEL[$v]:-}")"
done
echo
for p in "sluice sluice-old" "bare ceiling" "bare-sync ceiling" "sluice bare-sync" "sluice ceiling" "sluice-dual ceiling" "sluice postfix" "sluice-dual postfix" "sluice-dual sluice" "sluice-big ceiling-big"; do
	read -r a b <<<"$p"
	[[ -n ${DEL[$a]:-} && -n ${DEL[$b]:-} ]] && share "$a" "$b"
done
echo
[[ -n ${DEL[sluice]:-} && -n ${DEL[ceiling]:-} ]] && target "unsigned share of the ceiling" "$(div "$(median "${DEL[sluice]}")" "$(median "${DEL[ceiling]}")")" 0.40
[[ -n ${DEL[sluice-dual]:-} && -n ${DEL[ceiling]:-} ]] && target "dual-signed share of the ceiling" "$(div "$(median "${DEL[sluice-dual]}")" "$(median "${DEL[ceiling]}")")" 0.25
[[ -n ${DEL[sluice-big]:-} ]] && target "$BIG-byte messages, sluice msgs/s" "$(median "${DEL[sluice-big]}")" 1500
if ((FAILED)); then
	echo "sitting.sh: some runs failed (see above)" >&2
	exit 1
fi
