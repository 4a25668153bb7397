#!/usr/bin/env bash
# bench/hol.sh: head-of-line blocking and memory at scale (bench/cmd/holbench).
#
# Builds sluice and holbench into bench/out/, then queues N messages across
# DOMAINS domains in a real `sluice serve`, SLOW of them slow (the sink
# takes SLOW_DELAY per message) and holding SLOW_SHARE of the messages,
# submitted first; reports whether the fast domains were delivered while
# the slow ones drained, sluice's peak RSS and the spool's size.
#
# Usage (no root needed; traffic stays on 127.0.0.1):
#
#	bash bench/hol.sh                                # N=100000 DOMAINS=1000 SLOW=5 SLOW_SHARE=0.2
#	N=100000 SLOW_SHARE=0.9 bash bench/hol.sh        # most of the queue stuck behind slow sites
#
# Environment: N, DOMAINS, SLOW, SLOW_SHARE, SLOW_DELAY (Go duration),
# SESSIONS, SIZE, TIMEOUT (bound on submission + the wait for the fast
# domains, Go duration), KEEP=1 keeps holbench's work directory.
set -euo pipefail

N=${N:-100000}
DOMAINS=${DOMAINS:-1000}
SLOW=${SLOW:-5}
SLOW_SHARE=${SLOW_SHARE:-0.2}
SLOW_DELAY=${SLOW_DELAY:-200ms}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-2000}
TIMEOUT=${TIMEOUT:-5m}
KEEP=${KEEP:-0}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
mkdir -p "$OUT"

PID=""
cleanup() {
	local i
	# holbench stops sluice itself (and sluice gets SIGKILL if holbench
	# dies: Pdeathsig); here we only stop holbench if it still runs.
	if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building sluice and holbench into $OUT" >&2
(cd "$ROOT" &&
	go build -o "$OUT/sluice" ./cmd/sluice &&
	go build -o "$OUT/holbench" ./bench/cmd/holbench)

keep=()
[[ $KEEP == 1 ]] && keep=(-keep)
echo "command: N=$N DOMAINS=$DOMAINS SLOW=$SLOW SLOW_SHARE=$SLOW_SHARE SLOW_DELAY=$SLOW_DELAY SESSIONS=$SESSIONS SIZE=$SIZE bash bench/hol.sh"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $(date -u)"
# The whole run is bounded by holbench: TIMEOUT for submission and the
# wait, 20 s for start-up, 60 s for the SIGTERM grace.
"$OUT/holbench" -sluice "$OUT/sluice" -n "$N" -domains "$DOMAINS" -slow "$SLOW" \
	-slow-share "$SLOW_SHARE" -slow-delay "$SLOW_DELAY" -c "$SESSIONS" -size "$SIZE" \
	-timeout "$TIMEOUT" "${keep[@]}" &
PID=$!
st=0
wait "$PID" || st=$?
PID=""
exit "$st"
