# bench/lib.sh: what the A/B benchmark scripts share (sourced, not run).
#
# The sluice half of bench/run.sh as functions: a counting sink
# (bench/cmd/sinkmx), `sluice serve` with every listener on a free
# loopback port, data on disk under /var/tmp, trusted loopback submission
# (no AUTH), N messages of SIZE bytes over SESSIONS sessions
# (bench/cmd/smtpload); then the figures of each run, the medians per
# variant and the ratio of two variants, with the machine's load and a
# plain statement when run-to-run noise is larger than the effect.
#
# A script sets NAME (for messages and the work directory
# /var/tmp/sluice-NAME.XXXXXX, a trailing .sh left out of the directory's
# name), then sources this file, calls lib_init, defines core_config_hook
# (what differs per variant) and calls interleave with its variants.
# Scripts with other parameters or their own tables (run.sh, protect.sh,
# soak.sh, fleet.sh) take the helpers they need: check_positive and
# lib_work instead of lib_init, run_core with a core_record hook, figures
# and fig_row for their own rows.
#
# Environment read here: N (20000), SESSIONS (20), SIZE (5000), RUNS (5),
# KEEP=1 keeps the work directory (kept anyway when a run failed, unless
# the script set KEEP_FAILED=0), REV=C tests sluice as built from commit C
# (git archive), BUILD=0 the binary already in bench/out (default: built
# from the working tree).

N=${N:-20000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5000}
RUNS=${RUNS:-5}
KEEP=${KEEP:-0}
BUILD=${BUILD:-1}
# Bounds, in seconds: one load run; the wait for the sink once the load is
# done; the sink's own backstop; the point after which no new round starts.
LOAD_TIMEOUT=${LOAD_TIMEOUT:-180}
SINK_GRACE=60
SINK_TIMEOUT=$((LOAD_TIMEOUT + SINK_GRACE + 30))
BUDGET=${BUDGET:-270}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out

PIDS=()    # processes started by the script
FAILED=0   # 1: a run lost or refused mail, a tool failed
LOAD_PSI=0 # CPU pressure during the last load run, percent
LOADAVG=() # the 1-minute load average at each run's end
SINK_FLAGS=()
# Set by the script (before lib_init or lib_work), not from the
# environment: KEEP_FAILED=0 removes the work directory of a failed run
# too (unless KEEP=1); CLEANUP_WAIT is how long, in seconds, each process
# still running at exit gets after SIGTERM before SIGKILL.
KEEP_FAILED=1
CLEANUP_WAIT=5

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# lib_init: checks N SESSIONS SIZE RUNS, makes the work directory, sets
# the exit trap.
lib_init() {
	check_positive N SESSIONS SIZE RUNS
	lib_work
}

# check_positive VAR…: exits 2 unless every named variable is a positive
# integer.
check_positive() {
	local v
	for v in "$@"; do
		if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
			echo "$NAME: $v must be a positive integer, got '${!v}'" >&2
			exit 2
		fi
	done
}

# lib_work: makes bench/out and the work directory, sets the exit trap.
lib_work() {
	mkdir -p "$OUT"
	# On disk, not tmpfs, so that fsync costs what it costs.
	WORK=$(mktemp -d "/var/tmp/sluice-${NAME%.sh}.XXXXXX")
	chmod 755 "$WORK"
	trap lib_cleanup EXIT
	trap 'exit 130' INT TERM
}

lib_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for pid in "${PIDS[@]}"; do
		stop_wait "$pid" "$CLEANUP_WAIT" 2>/dev/null || true
	done
	if declare -F cleanup_hook >/dev/null; then cleanup_hook || true; fi
	if [[ $KEEP == 1 || ($FAILED == 1 && $KEEP_FAILED == 1) ]]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

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
	echo "$NAME: no free port found" >&2
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

# jget FILE KEY: a number from a flat JSON object in FILE (the last one;
# a space after the colon allowed); 0 if there is none.
jget() {
	local v
	v=$(grep -o "\"$2\": *[-0-9.e+]*" "$1" 2>/dev/null | tail -n1 | cut -d: -f2 | tr -d ' ' || true)
	echo "${v:-0}"
}

# jerrors FILE: smtpload's error map, e.g. {"451":3} (empty if none).
jerrors() { grep -o '"errors":{[^}]*}' "$1" 2>/dev/null | tail -n1 | cut -d: -f2- || true; }

# metric FILE NAME [LABELS]: the sum of a Prometheus metric's samples in
# a /metrics dump, only those whose labels contain LABELS when given (0
# if none), e.g. metric m.txt sluice_queue_recipients 'state="queued"'.
metric() {
	awk -v m="$2" -v l="${3:-}" '($1 == m && l == "") || (index($1, m "{") == 1 && (l == "" || index($1, l) > 0)) {s += $2}
		END {printf "%.0f", s}' "$1" 2>/dev/null || echo 0
}

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

# spread "V1 V2 …": "min–max" of space-separated numbers.
spread() { tr ' ' '\n' <<<"$1" | awk NF | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s–%s", lo, hi}'; }

# cv "V1 V2 …": the relative standard deviation, percent (run-to-run noise
# of one variant).
cv() { tr ' ' '\n' <<<"$1" | awk NF | awk '{s += $1; q += $1 * $1; n++} END {if (n < 2 || s == 0) print 0; else {m = s / n; v = (q - n * m * m) / (n - 1); if (v < 0) v = 0; printf "%.1f", 100 * sqrt(v) / m}}'; }

# div A B: A/B to three places ("n/a" when B is 0).
div() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.3f", a / b; else print "n/a"}'; }

# http_get PORT PATH: a plain HTTP/1.0 GET on 127.0.0.1 (no curl needed).
http_get() {
	local port=$1 path=$2
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
	timeout 10 cat <&3 || true
	exec 3<&-
}

# commit_line: the commit and whether the tree differs from it.
commit_line() {
	echo "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (tree modified)')"
}

# ab_init prepares an A/B run of two commits, OLD and NEW (compare.sh,
# segio.sh): OLD_SHA and NEW_SHA, both built, the tools from NEW, the
# bench tenant's PW_HASH, and the core hooks that run binary "old" or
# "new" on the core benchmark's config.
ab_init() {
	OLD_SHA=$(git -C "$ROOT" rev-parse --short "$OLD^{commit}") || { echo "$NAME.sh: no commit $OLD" >&2; exit 2; }
	NEW_SHA=$(git -C "$ROOT" rev-parse --short "$NEW^{commit}") || { echo "$NAME.sh: no commit $NEW" >&2; exit 2; }
	build_rev "$OLD_SHA"
	build_rev "$NEW_SHA"
	REV=$NEW build_tools
	PW_HASH=$(printf 'bench-password\n' | "$OUT/rev-$NEW_SHA/sluice" hash-password)
	core_config_hook() { core_config "$2"; }
	core_bin() {
		case $1 in
		old) echo "$OUT/rev-$OLD_SHA/sluice" ;;
		new) echo "$OUT/rev-$NEW_SHA/sluice" ;;
		esac
	}
}

# build_rev SHA: builds bench/out/rev-SHA/sluice from `git archive` of
# that commit (the checkout and its git state untouched; uncommitted
# changes not in it), once; later calls reuse it.
build_rev() {
	local sha=$1 src=$WORK/src-$1 bin=$OUT/rev-$1/sluice
	if [[ -x $bin ]]; then
		log "using $bin (built before)"
		return 0
	fi
	log "building sluice at $sha into $bin"
	mkdir -p "$src" "$OUT/rev-$sha"
	git -C "$ROOT" archive "$sha" | tar -x -C "$src"
	(cd "$src" && go build -o "$bin.tmp" ./cmd/sluice) && mv "$bin.tmp" "$bin"
	rm -rf "$src"
}

# build_tools [EXTRA CMD…]: build_sluice, then builds smtpload, sinkmx
# and any extra ./bench/cmd/NAME into bench/out.
build_tools() {
	build_sluice
	build_bins bench/cmd/smtpload bench/cmd/sinkmx "${@/#/bench/cmd/}"
}

# build_sluice: sets SLUICE, the binary under test, and SLUICE_FROM, what
# it is: with REV set (a commit, e.g. HEAD), bench/out/rev-SHA/sluice
# built from that commit; otherwise bench/out/sluice from the working tree
# (or, with BUILD=0, the one already there).
build_sluice() {
	local sha
	if [[ -n ${REV:-} ]]; then
		sha=$(git -C "$ROOT" rev-parse --short "$REV^{commit}") || { echo "$NAME: no commit $REV" >&2; exit 2; }
		build_rev "$sha"
		SLUICE=$OUT/rev-$sha/sluice
		SLUICE_FROM="sluice built from commit $sha (git archive)"
	elif [[ $BUILD == 0 ]]; then
		[[ -x $OUT/sluice ]] || { echo "$NAME: BUILD=0 but $OUT/sluice is missing" >&2; exit 2; }
		SLUICE=$OUT/sluice
		SLUICE_FROM="sluice from $OUT/sluice, built $(date -u -r "$OUT/sluice" +%FT%TZ)"
	else
		log "building sluice from the working tree into $OUT"
		(cd "$ROOT" && go build -o "$OUT/sluice" ./cmd/sluice) || exit 1
		SLUICE=$OUT/sluice
		SLUICE_FROM="sluice built from the working tree at $(commit_line)"
	fi
}

# build_bins PKG…: builds each ./PKG of the working tree (e.g.
# bench/cmd/smtpload) into bench/out/ under its last element; exits 1 if
# one fails.
build_bins() {
	local p b
	log "building ${*##*/} into $OUT"
	for p in "$@"; do
		b=${p##*/}
		(cd "$ROOT" && go build -o "$OUT/$b.tmp" "./$p" && mv "$OUT/$b.tmp" "$OUT/$b") || exit 1
	done
}

# start_sink DIR: starts sinkmx expecting N messages (SINK_FLAGS added);
# sets SINK_PID, SINK_PORT.
start_sink() {
	local d=$1
	"$OUT/sinkmx" -addr 127.0.0.1:0 -addr-file "$d/sink.addr" -expect "$N" -timeout "${SINK_TIMEOUT}s" \
		"${SINK_FLAGS[@]}" >"$d/sink.json" 2>"$d/sink.err" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	if ! wait_file "$d/sink.addr" "$SINK_PID" 10; then
		echo "$NAME: sinkmx did not start: $(cat "$d/sink.err")" >&2
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
	# some gets SINK_GRACE seconds, then the sink is stopped.
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

# core_config DIR DELIVERY EXTRA: writes DIR/sluice.toml, run.sh's sluice
# config: ports SUB INB EDGE ADM, the tenant with PW_HASH; DELIVERY is the
# body of [delivery] (default: resolvers on loopback), EXTRA is appended
# (default: [[route]] of everything to the sink).
core_config() {
	local d=$1 delivery=${2:-'resolvers = ["127.0.0.1:53"]'}
	local extra=${3-"[[route]]
domain = \"*\"
host = \"127.0.0.1:$SINK_PORT\""}
	cat >"$d/sluice.toml" <<EOF
hostname = "sluice.bench.test"
data_dir = "$d/data"

[log]
level = "warn"

[submission]
listen = "127.0.0.1:$SUB"
# Like Postfix's mynetworks: loopback submits without AUTH.
trusted_networks = ["127.0.0.0/8"]
trusted_tenant = "bench"

[inbound]
listen = "127.0.0.1:$INB"

[tracking]
listen = "127.0.0.1:$EDGE"

[admin]
listen = "127.0.0.1:$ADM"

[delivery]
$delivery

[[tenant]]
name = "bench"
password_hash = "$PW_HASH"
sender_domains = ["bench.example"]

$extra
EOF
}

# run_core VARIANT ROUND: one run of the sluice half of run.sh. The
# script's hooks: core_config_hook VARIANT DIR writes DIR/sluice.toml
# (with core_config); core_bin VARIANT prints the binary (default
# $SLUICE); core_wrap VARIANT DIR prints a command prefix, one word per
# line (optional); before_load / after_load VARIANT DIR (optional) run
# around the load, after_load while sluice still runs; after_stop
# VARIANT DIR (optional) once it has exited; core_record VARIANT ROUND
# DIR RSS_KB (optional) replaces record, for a script's own table.
run_core() {
	local v=$1 r=$2 d pid st bin wrap=()
	d=$WORK/$v-$r
	mkdir -p "$d/data"
	start_sink "$d"
	SUB=$(free_port)
	INB=$(free_port)
	EDGE=$(free_port)
	ADM=$(free_port)
	core_config_hook "$v" "$d"
	bin=${SLUICE:-$OUT/sluice}
	if declare -F core_bin >/dev/null; then bin=$(core_bin "$v"); fi
	if declare -F core_wrap >/dev/null; then mapfile -t wrap < <(core_wrap "$v" "$d"); fi
	"${wrap[@]}" "$bin" serve --config "$d/sluice.toml" >"$d/sluice.out" 2>"$d/sluice.err" &
	pid=$!
	PIDS+=("$pid")
	if ! wait_listen "$SUB" "$pid" 20; then
		echo "$NAME: sluice ($v) did not start: $(tail -n5 "$d/sluice.err")" >&2
		FAILED=1
		return 1
	fi
	log "run $r: $v (pid $pid) on 127.0.0.1:$SUB -> sink 127.0.0.1:$SINK_PORT"
	if declare -F before_load >/dev/null; then before_load "$v" "$d"; fi
	load "$SUB" "$d"
	http_get "$ADM" /metrics >"$d/metrics.txt" 2>/dev/null || true
	if declare -F after_load >/dev/null; then after_load "$v" "$d"; fi
	if ! awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" >"$d/rss_kb" 2>/dev/null; then
		echo 0 >"$d/rss_kb"
		log "run $r: sluice $v is gone before the end of the run: $(tail -n3 "$d/sluice.err")"
		FAILED=1
	fi
	kill -TERM "$pid" 2>/dev/null || true
	stop_wait "$pid" 40
	st=$STATUS
	if ((st != 0)); then
		log "sluice $v exited $st (want 0): $(tail -n3 "$d/sluice.err")"
		FAILED=1
	fi
	if declare -F after_stop >/dev/null; then after_stop "$v" "$d"; fi
	if declare -F core_record >/dev/null; then
		core_record "$v" "$r" "$d" "$(cat "$d/rss_kb")"
	else
		record "$v" "$r" "$d" "$(cat "$d/rss_kb")"
	fi
}

declare -A ACC DEL P50 P99 RSS RDEL RACC EXTRA FIG
ROWS=()

# figures VARIANT ROUND DIR RSS_KB: reads the JSON lines of one run into
# FIG (acc, del, p50, p99, max, recv, errs), adds them to the variant's
# figures (ACC DEL P50 P99, RSS unless RSS_KB is empty, and RACC RDEL of
# the round), and fails the run if the sink did not get N messages.
figures() {
	local v=$1 r=$2 d=$3 rss=$4 start last
	start=$(jget "$d/load.json" start_unix_ns)
	last=$(jget "$d/sink.json" last_unix_ns)
	FIG[recv]=$(jget "$d/sink.json" received)
	FIG[acc]=$(jget "$d/load.json" accepted_per_s)
	FIG[p50]=$(jget "$d/load.json" p50_ms)
	FIG[p99]=$(jget "$d/load.json" p99_ms)
	FIG[max]=$(jget "$d/load.json" max_ms)
	FIG[errs]=$(jerrors "$d/load.json")
	FIG[del]=0
	if ((last > start)); then
		FIG[del]=$(awk -v n="${FIG[recv]}" -v ns=$((last - start)) 'BEGIN {printf "%.1f", n / (ns / 1e9)}')
	fi
	if ((FIG[recv] != N)); then
		log "$v run $r: the sink received ${FIG[recv]} of $N messages"
		FAILED=1
	fi
	ACC[$v]+="${FIG[acc]} "
	DEL[$v]+="${FIG[del]} "
	RACC[$v,$r]=${FIG[acc]}
	RDEL[$v,$r]=${FIG[del]}
	P50[$v]+="${FIG[p50]} "
	P99[$v]+="${FIG[p99]} "
	if [[ -n $rss ]]; then RSS[$v]+="$rss "; fi
}

# refusals VARIANT ROUND: fails the run if smtpload counted refusals or
# errors (FIG[errs], from figures).
refusals() {
	if [[ -n ${FIG[errs]} && ${FIG[errs]} != "{}" ]]; then
		log "$1 run $2: refusals or errors at submission: ${FIG[errs]}"
		FAILED=1
	fi
}

# record VARIANT ROUND DIR RSS_KB: reads the JSON lines of one run.
# EXTRA_COL (optional function VARIANT DIR) adds a column.
record() {
	local v=$1 r=$2 d=$3 rss=$4 extra=""
	figures "$v" "$r" "$d" "$rss"
	refusals "$v" "$r"
	if declare -F extra_col >/dev/null; then extra=$(extra_col "$v" "$d"); fi
	LOADAVG+=("$(cut -d' ' -f1 /proc/loadavg)")
	ROWS+=("$(printf '%-4s %-8s %9.1f %10.1f %8.1f %8.1f %8.1f %9s %7s %5s%% %5s  %s %s' \
		"$r" "$v" "${FIG[acc]}" "${FIG[del]}" "${FIG[p50]}" "${FIG[p99]}" \
		"${FIG[max]}" "${FIG[recv]}" "$((rss / 1024))" "$LOAD_PSI" "${LOADAVG[-1]}" "${FIG[errs]}" "$extra")")
	printf '%s\n' "${ROWS[-1]}"
}

# fig_header WIDTH LABEL and fig_row ROUND VARIANT WIDTH RSS_KB: the
# narrower table of run.sh and protect.sh (no load column), the variant's
# column WIDTH wide; fig_row prints the row of FIG (from figures), RSS
# blank when RSS_KB is empty.
fig_header() {
	printf "%-4s %-${1}s %9s %10s %8s %8s %8s %9s %7s %6s  %s\n" \
		run "$2" "acc/s" "deliv/s" "p50 ms" "p99 ms" "max ms" received "RSS MB" "cpu-w" errors
}
fig_row() {
	local rss=$4
	ROWS+=("$(printf "%-4s %-${3}s %9.1f %10.1f %8.1f %8.1f %8.1f %9s %7s %5s%%  %s" \
		"$1" "$2" "${FIG[acc]}" "${FIG[del]}" "${FIG[p50]}" "${FIG[p99]}" \
		"${FIG[max]}" "${FIG[recv]}" "${rss:+$((rss / 1024))}" "$LOAD_PSI" "${FIG[errs]}")")
	printf '%s\n' "${ROWS[-1]}"
}

# fig_medians WIDTH LABEL VARIANT…: the medians of each variant's runs
# under a header, the variant's column WIDTH wide ("-" for RSS when a
# variant has none).
fig_medians() {
	local w=$1 label=$2 v
	shift 2
	printf "%-${w}s %9s %10s %8s %8s %7s\n" "$label" "acc/s" "deliv/s" "p50 ms" "p99 ms" "RSS MB"
	for v in "$@"; do
		printf "%-${w}s %9.1f %10.1f %8.1f %8.1f %7s\n" "$v" \
			"$(median "${ACC[$v]:-}")" "$(median "${DEL[$v]:-}")" "$(median "${P50[$v]:-}")" \
			"$(median "${P99[$v]:-}")" "$([[ -n ${RSS[$v]:-} ]] && awk -v k="$(median "${RSS[$v]}")" 'BEGIN {printf "%d", k / 1024}' || echo -)"
	done
}

core_header() {
	printf '%-4s %-8s %9s %10s %8s %8s %8s %9s %7s %6s %5s  %s\n' \
		run variant "acc/s" "deliv/s" "p50 ms" "p99 ms" "max ms" received "RSS MB" "cpu-w" load "errors ${EXTRA_HEADER:-}"
}

# interleave VARIANT…: RUNS rounds, each running every variant; the order
# is reversed every other round (A B, B A, A B…) so that drifting load
# hits each alike. Stops starting rounds after BUDGET seconds.
DONE_ROUNDS=0
interleave() {
	local r v
	echo "at start: $(busy)"
	core_header
	for ((r = 1; r <= RUNS; r++)); do
		if ((SECONDS > BUDGET)); then
			log "time budget spent (${SECONDS}s): no more rounds after $((r - 1))"
			break
		fi
		round_order "$r" "$@"
		for v in "${ORDER[@]}"; do
			run_core "$v" "$r" || true
		done
		DONE_ROUNDS=$r
	done
	echo "at end: $(busy)"
	echo "load average (1 min) at the end of each run: ${LOADAVG[*]} (median $(median "${LOADAVG[*]}"))"
	echo "(cpu-w: share of the run's wall time in which some task, ours or another's, waited for a CPU)"
}

# round_order ROUND VARIANT…: sets ORDER to the variants in the order of
# that round: as given in odd rounds, reversed in even ones.
ORDER=()
round_order() {
	local r=$1 i
	shift
	ORDER=("$@")
	if ((r % 2 == 0)); then
		ORDER=()
		for ((i = $#; i >= 1; i--)); do ORDER+=("${!i}"); done
	fi
}

# redis_up DIR: starts a redis-server of its own on a free loopback port
# (no persistence, its log in DIR/redis.log) and waits for it to listen;
# sets REDIS_PORT and REDIS_PID; 1 if it did not start.
redis_up() {
	local d=$1
	REDIS_PORT=$(free_port)
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$d" --save "" --appendonly no \
		--daemonize no --protected-mode no --loglevel warning --logfile "$d/redis.log" &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	wait_listen "$REDIS_PORT" "$REDIS_PID" 10
}

# summary BASE VARIANT…: the medians of every variant and, for each
# variant but BASE, the ratio to BASE (of the medians, and per round),
# with the noise of each (relative standard deviation of its delivered
# rate across rounds) and whether the noise exceeds the effect.
summary() {
	local base=$1 v r pdel pacc rdel racc eff noise
	echo
	echo "medians of $DONE_ROUNDS rounds:"
	printf '%-8s %9s %10s %8s %8s %7s %11s %9s\n' variant "acc/s" "deliv/s" "p50 ms" "p99 ms" "RSS MB" "deliv range" "deliv cv"
	for v in "$@"; do
		printf '%-8s %9.1f %10.1f %8.1f %8.1f %7s %11s %8s%%\n' "$v" \
			"$(median "${ACC[$v]:-}")" "$(median "${DEL[$v]:-}")" "$(median "${P50[$v]:-}")" \
			"$(median "${P99[$v]:-}")" "$(awk -v k="$(median "${RSS[$v]:-}")" 'BEGIN {printf "%d", k / 1024}')" \
			"$(spread "${DEL[$v]:-}")" "$(cv "${DEL[$v]:-}")"
	done
	echo
	shift
	for v in "$@"; do
		pdel="" pacc=""
		for ((r = 1; r <= DONE_ROUNDS; r++)); do
			pdel+="$(div "${RDEL[$v,$r]:-0}" "${RDEL[$base,$r]:-0}") "
			pacc+="$(div "${RACC[$v,$r]:-0}" "${RACC[$base,$r]:-0}") "
		done
		rdel=$(div "$(median "${DEL[$v]:-}")" "$(median "${DEL[$base]:-}")")
		racc=$(div "$(median "${ACC[$v]:-}")" "$(median "${ACC[$base]:-}")")
		eff=$(awk -v x="$rdel" 'BEGIN {d = 100 * (x - 1); if (d < 0) d = -d; printf "%.1f", d}')
		noise=$(awk -v a="$(cv "${DEL[$base]:-}")" -v b="$(cv "${DEL[$v]:-}")" 'BEGIN {m = (a + 0 > b + 0) ? a : b; printf "%.1f", m}')
		echo "ratio $v/$base of the medians: delivered ${rdel}x, accepted ${racc}x; per round: delivered ${pdel% } (median $(median "$pdel")); accepted ${pacc% }"
		awk -v e="$eff" -v n="$noise" -v v="$v" -v b="$base" -v rounds="$DONE_ROUNDS" 'BEGIN {
			if (rounds < 3) printf "noise: %d round(s): too few to judge the noise\n", rounds
			else if (e + 0 < n + 0) printf "noise: run-to-run noise (%.1f %% relative sd of delivered) exceeds the effect (%.1f %%): %s and %s are not told apart by this run\n", n, e, v, b
			else printf "noise: the effect (%.1f %%) exceeds the run-to-run noise (%.1f %% relative sd of delivered)\n", e, n }'
	done
}
