#!/usr/bin/env bash
# drain.sh: a deep queue through a real `sluice serve` (issue 19).
#
# For each shape it fills a fresh spool directly through the queue API
# (bench/cmd/deepspool: N messages of SIZE bytes to one site, the event
# journal acknowledged as a running node's follower would have), starts
# `sluice serve` on it with everything routed to a fast counting sink
# (bench/cmd/drainbench) and prints: time to the first 250 of a
# submission, time to the first delivery, deliveries per second from the
# release, the drain's mean rate against its steady rate (the median
# second of its middle 80 %), seconds with no delivery, and memory
# (VmHWM, RssAnon, RssFile from /proc/PID/status).
#
# Shapes: restart (all due when sluice starts), resume (held for the
# site, resumed with `sluice ctl queue resume` once a submission was
# accepted), retry (claimed and deferred by deepspool to come due
# together RETRY_IN after the start); spread (N over DOMAINS domains, all
# due at start) and slow (the same, behind SLOW_N messages queued first
# to SLOW slow sites, d0…d(SLOW-1), whose sink answers each message after
# SLOW_DELAY: the fast sites' drain is measured; compare its rate with
# spread's in the same run).
#
# BINS="label=path …" runs each shape once with each sluice binary in
# turn (interleaved rounds of a before/after comparison; each run fills
# its own spool); default: the one built here, labelled "now".
#
# Usage: bash bench/drain.sh                     # N=100000 SHAPES="restart resume retry"
#        N=1000000 SHAPES=restart COLD=1 bash bench/drain.sh   # a million deep, page cache dropped (root)
#        N=1000000 SHAPES=restart COLD=1 CRASHED=1 bash bench/drain.sh   # the same after a crash:
#            the spool left as kill -9 leaves it (bench/cmd/coldopen -stale: no freelist written)
#        SHAPES="spread slow spread slow" bash bench/drain.sh  # fast sites behind slow sites (interleaved rounds)
#        BINS="old=/tmp/old/sluice new=bench/out/sluice" SHAPES="spread slow spread slow" bash bench/drain.sh
set -euo pipefail
N=${N:-100000}
SIZE=${SIZE:-1024}
SHAPES=${SHAPES:-"restart resume retry"}
RETRY_IN=${RETRY_IN:-15s}
COLD=${COLD:-0}
CRASHED=${CRASHED:-0}
DOMAINS=${DOMAINS:-1000}
SLOW=${SLOW:-5}
SLOW_N=${SLOW_N:-20000}
SLOW_DELAY=${SLOW_DELAY:-500ms}
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
if [[ ${BUILD:-1} == 1 ]]; then # BUILD=0: use the binaries already in bench/out
	go build -o "$OUT/sluice" ./cmd/sluice
	go build -o "$OUT/deepspool" ./bench/cmd/deepspool
	go build -o "$OUT/drainbench" ./bench/cmd/drainbench
	go build -o "$OUT/coldopen" ./bench/cmd/coldopen
fi
BINS=${BINS:-"now=$OUT/sluice"}
echo "drain.sh: $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty) N=$N SIZE=$SIZE COLD=$COLD CRASHED=$CRASHED; load: $(cut -d' ' -f1-3 /proc/loadavg)"
run_shape() {
	work=$(mktemp -d /var/tmp/sluice-drain.XXXXXX)
	args=()
	case $shape in
	restart) ;;
	resume) args=(-hold domain:d0.deep.test) ;;
	retry) args=(-defer-for "$RETRY_IN") ;;
	spread | slow) args=(-domains "$DOMAINS") ;;
	*)
		echo "drain.sh: unknown shape $shape" >&2
		exit 2
		;;
	esac
	expect=$N
	fill=
	if [[ $shape == slow ]]; then
		# The slow sites' backlog first, ahead of everything in due order.
		fill=$("$OUT/deepspool" -data "$work/data" -n "$SLOW_N" -size "$SIZE" -domains "$SLOW" 2>/dev/null)
		# Of the N spread over DOMAINS, those to d0…d(SLOW-1) are slow too.
		expect=$((N - (N / DOMAINS) * SLOW - (N % DOMAINS < SLOW ? N % DOMAINS : SLOW)))
	fi
	fill+=$'\n'$("$OUT/deepspool" -data "$work/data" -n "$N" -size "$SIZE" "${args[@]}" 2>/dev/null)
	bench=(-sluice "$SLUICE_BIN" -data "$work/data" -expect "$expect" -timeout 20m)
	if [[ $shape == slow ]]; then
		bench+=(-slow "$SLOW" -slow-delay "$SLOW_DELAY")
	fi
	case $shape in
	resume) bench+=(-resume domain:d0.deep.test) ;;
	retry) bench+=(-due-at "$(sed -n 's/^due_unix_ns=//p' <<<"$fill")") ;;
	esac
	if [[ $CRASHED == 1 ]]; then
		"$OUT/coldopen" -spool "$work/data/spool.db" -stale
	fi
	if [[ $COLD == 1 ]]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
	fi
	echo "drain.sh: $shape [$label $SLUICE_BIN]: $(grep -c . <<<"$fill") lines from deepspool, load $(cut -d' ' -f1-3 /proc/loadavg)"
	"$OUT/drainbench" "${bench[@]}" | tee "$work/result.txt"
	rm -rf "$work"
}
for shape in $SHAPES; do
	for bin in $BINS; do
		label=${bin%%=*}
		SLUICE_BIN=${bin#*=}
		run_shape
	done
done
