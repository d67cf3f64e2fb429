#!/usr/bin/env bash
# bench/arm.sh — whole-process ARM throughput, side by side with its baseline.
#
# Builds aksnet and bench/cmd/armload, starts `aksnet serve` on a fresh state
# dir on 127.0.0.1, creates a resource group and a VNet, then measures with
# armload (load generator and server share the machine's cores, as wrk did
# for the design's baselines):
#   GET  the VNet                         vs  the bare TLS baseline answering the same bytes
#   PUT  VNets with unique names (create) vs  the bare TLS baseline (reads the body, answers the bytes)
# The baseline (`armload -serve-bare`) uses aksnet's own certificate and TLS
# settings and receives the very same requests, bearer token included.
#
# Environment: CONC (clients, default 32), DUR (measured time per run,
# default 3s), WARMUP (default 500ms), JSON=1 to print one JSON line per run
# at the end as well.
set -euo pipefail

CONC=${CONC:-32}
DUR=${DUR:-3s}
if [ "${BENCH_SHORT:-0}" = 1 ]; then DUR=500ms; fi
WARMUP=${WARMUP:-500ms}
JSON=${JSON:-0}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-bench.XXXXXX")
state="$work/state"
pids=()

cleanup() {
	# Stop only what this script started, by pid.
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building aksnet and armload…" >&2
(cd "$root" && CGO_ENABLED=0 go build -o "$work/" ./cmd/aksnet ./cmd/aksnetd && go build -o "$work/armload" ./bench/cmd/armload)
load="$work/armload"

"$work/aksnet" serve --state-dir "$state" --listen 127.0.0.1:0 --log-level warn >"$work/aksnet.out" 2>"$work/aksnet.log" &
pids+=($!)
aksnet_pid=$!

# aksnet prints "aksnet is serving https://127.0.0.1:PORT" once listening.
port=""
for _ in $(seq 1 600); do
	port=$(sed -n 's|^aksnet is serving https://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/aksnet.out" 2>/dev/null || true)
	[ -n "$port" ] && break
	if ! kill -0 "$aksnet_pid" 2>/dev/null; then
		echo "aksnet exited:" >&2
		cat "$work/aksnet.out" "$work/aksnet.log" >&2
		exit 1
	fi
	sleep 0.05
done
[ -n "$port" ] || { echo "aksnet did not start" >&2; cat "$work/aksnet.log" >&2; exit 1; }
base="https://localhost:$port"
sub=$(sed -n 's/.*"subscriptionId": *"\([^"]*\)".*/\1/p' "$state/admin.json")
rg="/subscriptions/$sub/resourceGroups/bench"
vnet_api="api-version=2024-05-01"
vnet_body='{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["192.168.0.0/16"]},"subnets":[{"name":"s1","properties":{"addressPrefix":"192.168.1.0/24"}},{"name":"s2","properties":{"addressPrefix":"192.168.2.0/24"}}]}}'

# Fixtures: a resource group and a VNet; keep the GET answer for the baseline.
"$load" -state-dir "$state" -wait 15s -n 1 -c 1 -method PUT -url "$base$rg?api-version=2021-04-01" -body '{"location":"eastus"}'
"$load" -state-dir "$state" -n 1 -c 1 -method PUT -url "$base$rg/providers/Microsoft.Network/virtualNetworks/vnet1?$vnet_api" -body "$vnet_body"
"$load" -state-dir "$state" -n 1 -c 1 -method GET -url "$base$rg/providers/Microsoft.Network/virtualNetworks/vnet1?$vnet_api" -save-body "$work/vnet.json"

"$load" -serve-bare -state-dir "$state" -body-file "$work/vnet.json" -addr-file "$work/bare.addr" >"$work/bare.out" 2>&1 &
pids+=($!)
bare_pid=$!
for _ in $(seq 1 600); do
	[ -s "$work/bare.addr" ] && break
	sleep 0.05
done
[ -s "$work/bare.addr" ] || { echo "bare TLS baseline did not start" >&2; cat "$work/bare.out" >&2; exit 1; }
bare=$(cat "$work/bare.addr")

# run LABEL PID METHOD URL [armload flags…] — one measured run against the
# server with pid PID; prints its line and records its figures under LABEL.
declare -A rate p50 p99 scpu ccpu
field() { awk -v k="$1" '{for(i=1;i<=NF;i++) if(index($i, k"=")==1){print substr($i, length(k)+2)}}'; }
run() {
	local label=$1 pid=$2 method=$3 url=$4
	shift 4
	local out
	out=$("$load" -state-dir "$state" -label "$label" -method "$method" -url "$url" -token-url "$base" -server-pid "$pid" \
		-c "$CONC" -d "$DUR" -warmup "$WARMUP" -json-file "$work/results.json" "$@")
	echo "$out" >&2
	rate[$label]=$(field req_per_s <<<"$out")
	p50[$label]=$(field p50_ms <<<"$out")
	p99[$label]=$(field p99_ms <<<"$out")
	scpu[$label]=$(field server_cpu_us <<<"$out")
	ccpu[$label]=$(field client_cpu_us <<<"$out")
}

vnet_path="$rg/providers/Microsoft.Network/virtualNetworks"
run get-aksnet "$aksnet_pid" GET "$base$vnet_path/vnet1?$vnet_api"
run get-bare "$bare_pid" GET "$bare$vnet_path/vnet1?$vnet_api"
run put-aksnet "$aksnet_pid" PUT "$base$vnet_path/vnet-{n}?$vnet_api" -body "$vnet_body"
run put-bare "$bare_pid" PUT "$bare$vnet_path/vnet-{n}?$vnet_api" -body "$vnet_body"

ncpu=$(nproc)
echo
echo "ARM throughput, $CONC clients, ${DUR} per run ($ncpu CPUs, $(go version | awk '{print $3}'))"
printf '%-5s %11s %8s %8s   %11s %8s %8s   %7s\n' "" "aksnet r/s" "p50 ms" "p99 ms" "bare r/s" "p50 ms" "p99 ms" "ratio"
for op in get put; do
	a=${rate[$op-aksnet]} b=${rate[$op-bare]}
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN{ if (b > 0) printf "%.1f%%", 100*a/b; else print "-" }')
	printf '%-5s %11s %8s %8s   %11s %8s %8s   %7s\n' "${op^^}" "$a" "${p50[$op-aksnet]}" "${p99[$op-aksnet]}" "$b" "${p50[$op-bare]}" "${p99[$op-bare]}" "$ratio"
done
echo
echo "CPU per request in µs (server + load generator), and the rate $ncpu idle CPUs would allow at that cost"
printf '%-5s %11s %8s %11s   %11s %8s %11s   %7s\n' "" "aksnet srv" "client" "=> r/s" "bare srv" "client" "=> r/s" "ratio"
for op in get put; do
	read -r as ac ar bs bc br ratio < <(awk -v as="${scpu[$op-aksnet]}" -v ac="${ccpu[$op-aksnet]}" -v bs="${scpu[$op-bare]}" -v bc="${ccpu[$op-bare]}" -v n="$ncpu" 'BEGIN{
		ar = (as+ac > 0) ? n*1e6/(as+ac) : 0; br = (bs+bc > 0) ? n*1e6/(bs+bc) : 0
		printf "%.1f %.1f %.0f %.1f %.1f %.0f %s\n", as, ac, ar, bs, bc, br, (br > 0 ? sprintf("%.1f%%", 100*ar/br) : "-") }')
	printf '%-5s %11s %8s %11s   %11s %8s %11s   %7s\n' "${op^^}" "$as" "$ac" "$ar" "$bs" "$bc" "$br" "$ratio"
done
echo "goals: GET ≥ 50% of bare; durable PUT ≥ 2000/s under concurrency"
echo "(the CPU table ignores fsync waits, so for PUT only the measured rate counts; other load on the machine lowers the measured rates, not the CPU figures)"
if [ "$JSON" = 1 ]; then
	echo
	cat "$work/results.json"
fi
if [ "${BENCH_LINES:-0}" = 1 ]; then
	# Lines for bench/cmd/benchreport.
	awk -v a="${rate[get-aksnet]}" -v b="${rate[get-bare]}" 'BEGIN{ if (b > 0) printf "BENCH get_ratio %.3f ratio\n", a/b }'
	echo "BENCH get_rps ${rate[get-aksnet]} req/s"
	echo "BENCH bare_get_rps ${rate[get-bare]} req/s"
	echo "BENCH put_rps ${rate[put-aksnet]} req/s"
	echo "BENCH bare_put_rps ${rate[put-bare]} req/s"
fi
