#!/usr/bin/env bash
# bench/tlsverify.sh: what verified outbound TLS and MTA-STS cost the core
# benchmark (issue 15: "TLS-verified delivery and MTA-STS lookups do not
# cut the core benchmark by more than 5 % when the policy is cached").
#
# The sluice half of bench/run.sh (N messages of SIZE bytes over SESSIONS
# sessions into `sluice serve`, fsync on, data on disk), delivered to a
# counting sink that offers STARTTLS with a certificate for
# mx.sink.example from a test CA, found through DNS like any receiver
# (bench/cmd/stsworld: MX sink.example -> mx.sink.example -> 127.0.0.1,
# delivery.port = the sink's port; the CA in delivery.tls_ca_file). Three
# variants per round, the order reversed every other round:
#
#   opp     opportunistic (delivery.mta_sts = false): STARTTLS, any certificate
#   verify  [[delivery.tls_policy]] mode "verify" for sink.example
#           (WebPKI against the test CA, name = the MX host), MTA-STS off
#   sts     MTA-STS on (the default): _mta-sts.sink.example TXT and an
#           enforce-mode policy (mx: mx.sink.example) served over HTTPS by
#           stsworld at mta-sts.sink.example:443, fetched on the run's
#           first message and cached (each run starts with an empty data
#           dir, so each run fetches once)
#
# Every variant does the same TLS handshakes; what differs is the
# verification and the policy lookups. The sender resolves
# mta-sts.sink.example with the system's resolver, so every sluice runs
# in a mount namespace of its own (unshare -m) where a copy of /etc/hosts
# with that one name added is bound over /etc/hosts: the machine's own
# file is not touched. Hence root. The policy server listens on
# 127.8.8.8:443 (POLICY_ADDR), away from anything on 127.0.0.1.
#
# Each run also reports the policy fetches, _mta-sts TXT and MX queries
# the world served during it, the connections the sink took, and sluice's
# sluice_delivery_tls_policy_total
# (mode/result), which shows the delivery really went verified.
#
# Usage (as root):
#
#	bash bench/tlsverify.sh                          # N=20000 RUNS=5 VARIANTS="opp verify sts"
#	VARIANTS="opp sts" RUNS=7 bash bench/tlsverify.sh
#	N=2000 RUNS=1 bash bench/tlsverify.sh            # a quick try
#
# Environment: VARIANTS (the first is the base of the ratios), POLICY_ADDR,
# N, SESSIONS, SIZE, RUNS, KEEP, REV, BUILD=0, BUDGET; see bench/lib.sh.
set -euo pipefail
NAME=tlsverify
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
read -r -a VARIANTS <<<"${VARIANTS:-opp verify sts}"
POLICY_ADDR=${POLICY_ADDR:-127.8.8.8:443}
for v in "${VARIANTS[@]}"; do
	[[ $v =~ ^(opp|verify|sts)$ ]] || { echo "tlsverify.sh: VARIANTS takes opp, verify, sts; got '$v'" >&2; exit 2; }
done
if ((EUID != 0)); then
	echo "tlsverify.sh: run as root (a mount namespace per sluice for /etc/hosts, and the policy server on port 443)" >&2
	exit 2
fi
command -v unshare >/dev/null || { echo "tlsverify.sh: unshare (util-linux) is missing" >&2; exit 2; }
lib_init
build_tools stsworld
PW_HASH=$(printf 'bench-password\n' | "$SLUICE" hash-password)

# The receiving world, for the whole run.
W=$WORK/world
mkdir -p "$W"
"$OUT/stsworld" -dir "$W" -domain sink.example -policy-addr "$POLICY_ADDR" >"$W/out" 2>"$W/err" &
WORLD_PID=$!
PIDS+=("$WORLD_PID")
wait_file "$W/dns.addr" "$WORLD_PID" 20 || { echo "tlsverify.sh: stsworld did not start: $(cat "$W/err")" >&2; exit 1; }
DNS_ADDR=$(cat "$W/dns.addr")
{ cat /etc/hosts; cat "$W/hosts"; } >"$W/hosts.full"
SINK_FLAGS=(-tls-cert "$W/mx.pem" -tls-key "$W/mx.key")

core_config_hook() {
	local v=$1 d=$2 sts=false rule=""
	case $v in
	sts) sts=true ;;
	verify) rule='[[delivery.tls_policy]]
domain = "sink.example"
mode = "verify"' ;;
	esac
	core_config "$d" "# MX answers from stsworld's DNS; mx.sink.example is 127.0.0.1.
resolvers = [\"$DNS_ADDR\"]
port = $SINK_PORT
mta_sts = $sts
tls_ca_file = \"$W/ca.pem\"" "$rule"
	cp "$W/stats.json" "$d/world.before"
}

# Each sluice sees the hosts file with mta-sts.sink.example in it.
core_wrap() {
	printf '%s\n' unshare -m -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/hosts.full"
}

# stsworld rewrites stats.json every 200 ms.
after_stop() {
	sleep 0.3
	cp "$W/stats.json" "$2/world.after"
}

EXTRA_HEADER="fetches txt mx conns  tls_policy{mode,result}"
extra_col() {
	local d=$2 k out=""
	for k in policy_fetches dns_txt_sts dns_mx; do
		out+="$(($(jget "$d/world.after" "$k") - $(jget "$d/world.before" "$k"))) "
	done
	out+="$(jget "$d/sink.json" connections) "
	out+=" $(awk -F'[{}]' '/^sluice_delivery_tls_policy_total\{/ {
		split($2, kv, ","); m = r = ""
		for (i in kv) { split(kv[i], p, "="); gsub(/"/, "", p[2]); if (p[1] == "mode") m = p[2]; if (p[1] == "result") r = p[2] }
		split($3, n, " "); printf "%s/%s=%s ", m, r, n[1] }' "$d/metrics.txt")"
	echo "$out"
}

echo "command: VARIANTS=\"${VARIANTS[*]}\" N=$N SESSIONS=$SESSIONS SIZE=$SIZE RUNS=$RUNS bash bench/tlsverify.sh"
echo "${VARIANTS[*]}: N=$N messages of ~$SIZE bytes over $SESSIONS sessions, sink with STARTTLS (test CA certificate for mx.sink.example), $RUNS rounds, interleaved (order reversed every other round)"
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $SLUICE_FROM, $(date -u)"
interleave "${VARIANTS[@]}"
summary "${VARIANTS[@]}"
base=${VARIANTS[0]}
for v in "${VARIANTS[@]:1}"; do
	awk -v d="$(div "$(median "${DEL[$v]:-}")" "$(median "${DEL[$base]:-}")")" -v v="$v" -v b="$base" 'BEGIN {
		printf "target: %s within 5 %% of %s (delivered >= 0.95x): %s\n", v, b, (d >= 0.95) ? "met" : "MISSED" }'
done
if ((FAILED)); then
	echo "tlsverify.sh: some runs failed (see above)" >&2
	exit 1
fi
