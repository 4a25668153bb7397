#!/usr/bin/env bash
# bench/compare.sh: the core benchmark with two builds of sluice, in the
# same run, interleaved (issue 12: "bash bench/run.sh within noise of
# before").
#
# Builds `sluice` at OLD and at NEW (each from `git archive` of that
# commit into the work directory: the checkout and its git state are not
# touched, uncommitted changes are not in either build), then runs the
# sluice half of bench/run.sh (N messages of SIZE bytes over SESSIONS
# sessions, delivered to a counting sink, fsync on, data on disk) with
# each binary in turn, RUNS rounds, the order reversed every other round.
# Prints every run, the medians, NEW/OLD of the medians and per round, the
# load average, and whether run-to-run noise exceeds the difference.
#
# Usage (no root needed):
#
#	bash bench/compare.sh                        # OLD=02b2c2b NEW=HEAD N=20000 RUNS=5
#	OLD=fe5baac NEW=HEAD RUNS=7 bash bench/compare.sh
#	N=2000 RUNS=1 bash bench/compare.sh          # a quick try
#
# Environment: OLD, NEW (commits, default 02b2c2b — before issue 12's
# redesign — and HEAD), N, SESSIONS, SIZE, RUNS, KEEP, BUDGET (seconds
# after which no round starts, default 270); see bench/lib.sh.
set -euo pipefail
NAME=compare
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OLD=${OLD:-02b2c2b}
NEW=${NEW:-HEAD}
lib_init
ab_init

echo "command: OLD=$OLD NEW=$NEW N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS bash bench/compare.sh"
echo "old = $OLD_SHA, new = $NEW_SHA: N=$N messages of ~$SIZE bytes over $SESSIONS sessions, $RUNS rounds, interleaved (order reversed every other round)"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), scripts at $(commit_line), $(date -u)"
interleave old new
summary old new
if ((FAILED)); then
	echo "compare.sh: some runs failed (see above)" >&2
	exit 1
fi
