#!/usr/bin/env bash
# bench/cli.sh — whole-process wall time of the aksnet CLI, per command of
# the example script (examples/kubenet-article.sh).
#
# Builds aksnet, aksnetd (static, as the README does), bench/cmd/cmdtime and
# bench/cmd/floorget, starts `aksnet serve` on a fresh state
# dir and a free loopback port, and runs the example script RUNS times (a
# fresh server each time) with AKSNET pointing at a wrapper that times every
# aksnet invocation as a separate process (fork, exec, TLS, request, exit).
# It then prints the median wall time per command and over all commands,
# against the 20 ms target, plus baselines measured the same way, in the
# same run: /bin/true (process start on this machine), floorget -start (a Go
# program linking crypto/tls and net/http, doing nothing), `aksnet aks
# --help` (aksnet's own start-up, no request), floorget (the floor: one bare
# TLS GET of the group list, nothing else) and `aksnet group list` (the same
# GET through the CLI).
#
# Each row also shows the median CPU time (user + system) of the process:
# on a busy machine the wall time mostly measures waiting for a core, the CPU
# time what the command itself costs.
#
# Environment: RUNS (default 1), BASE_N (baseline samples, default 10).
set -euo pipefail

RUNS=${RUNS:-1}
BASE_N=${BASE_N:-10}
TARGET_MS=20

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-clibench.XXXXXX")
pids=()

cleanup() {
	# Stop only what this script started, by pid.
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$root" && CGO_ENABLED=0 go build -o "$work/" ./cmd/aksnet ./cmd/aksnetd ./bench/cmd/floorget && go build -o "$work/cmdtime" ./bench/cmd/cmdtime)

log="$work/times.log"
cat >"$work/aksnet-timed" <<EOF
#!/bin/sh
exec "$work/cmdtime" -log "$log" -- "$work/aksnet" "\$@"
EOF
chmod +x "$work/aksnet-timed"

# start_server STATE_DIR: runs aksnet serve on a free port; sets ENDPOINT.
start_server() {
	local state=$1 out=$1.serve.log i
	"$work/aksnet" serve --listen 127.0.0.1:0 --state-dir "$state" >"$out" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 200; i++)); do
		if grep -q '^aksnet is serving https://' "$out" 2>/dev/null; then
			ENDPOINT=$(sed -n 's#^aksnet is serving https://127.0.0.1:\([0-9]*\).*#https://localhost:\1#p' "$out")
			return 0
		fi
		sleep 0.05
	done
	echo "server did not start:" >&2
	cat "$out" >&2
	exit 1
}

for ((run = 1; run <= RUNS; run++)); do
	state="$work/state$run"
	start_server "$state"
	mkdir -p "$work/home$run"
	start=$(date +%s%N)
	HOME="$work/home$run" AKSNET="$work/aksnet-timed" AKSNET_ENDPOINT=$ENDPOINT AKSNET_STATE_DIR=$state \
		bash "$root/examples/kubenet-article.sh" >"$work/run$run.out" 2>"$work/run$run.err" || {
		echo "example script failed (run $run):" >&2
		tail -20 "$work/run$run.out" "$work/run$run.err" >&2
		exit 1
	}
	end=$(date +%s%N)
	echo "run $run: $(grep -c '^CHECK ok' "$work/run$run.out") checks passed, script took $(((end - start) / 1000000)) ms"
	# Keep the server of the last run for the baselines.
	if ((run < RUNS)); then
		kill "${pids[-1]}" 2>/dev/null || true
		wait "${pids[-1]}" 2>/dev/null || true
	fi
done

# The floor, measured with the baselines: floorget does one TLS GET with the
# same libraries and nothing of aksnet (bench/cmd/floorget).
sub=$(sed -n 's/.*"subscriptionId": *"\([^"]*\)".*/\1/p' "$state/admin.json")
base="$work/base.log"
for ((i = 0; i < BASE_N; i++)); do
	"$work/cmdtime" -log "$base.true" -- /bin/true
	"$work/cmdtime" -log "$base.start" -- "$work/floorget" -start
	"$work/cmdtime" -log "$base.help" -- "$work/aksnet" aks --help >/dev/null
	"$work/cmdtime" -log "$base.floor" -- "$work/floorget" -endpoint "$ENDPOINT" -state-dir "$state" \
		"/subscriptions/$sub/resourcegroups?api-version=2021-04-01" >/dev/null
	AKSNET_ENDPOINT=$ENDPOINT AKSNET_STATE_DIR=$state "$work/cmdtime" -log "$base.list" -- "$work/aksnet" group list -o none
done

# summarize FILE...: median/min/max wall time and median CPU time per
# command name (column 3), then over all commands.
summarize() {
	awk -F'\t' -v target="$TARGET_MS" '
	function median(arr, n,    i, j, t) {
		for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
		return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
	}
	{
		name = $3; ms = $1 / 1000; cpu = $4 / 1000
		n[name]++; v[name, n[name]] = ms; c[name, n[name]] = cpu
		all[++total] = ms; allc[total] = cpu
		if (!(name in lo) || ms < lo[name]) lo[name] = ms
		if (!(name in hi) || ms > hi[name]) hi[name] = ms
		if ($2 != 0) bad[name]++
	}
	END {
		printf "%-40s %4s %9s %9s %9s %10s\n", "command", "n", "median", "min", "max", "median-cpu"
		for (name in n) {
			for (i = 1; i <= n[name]; i++) { a[i] = v[name, i]; b[i] = c[name, i] }
			printf "%-40s %4d %7.1fms %7.1fms %7.1fms %8.1fms%s\n", name, n[name], median(a, n[name]), lo[name], hi[name], median(b, n[name]), (name in bad) ? "  (failures: " bad[name] ")" : ""
		}
		m = median(all, total)
		printf "%-40s %4d %7.1fms %19s %8.1fms   target <= %d ms: %s\n", "ALL COMMANDS", total, m, "", median(allc, total), target, (m <= target) ? "met" : "NOT met"
	}' "$@"
}

echo
echo "Per command of examples/kubenet-article.sh (wall time of each aksnet process, $RUNS run(s)):"
summarize "$log" | { read -r header; echo "$header"; sort | grep -v '^ALL' ; } || true
summarize "$log" | grep '^ALL'
echo
echo "Baselines ($BASE_N each):"
rename() { awk -F'\t' -v OFS='\t' -v name="$2" '{ $3 = name; print }' "$1"; }
{
	rename "$base.true" "/bin/true"
	rename "$base.start" "Go start-up, TLS+HTTP linked (floorget)"
	rename "$base.help" "aksnet aks --help (start-up only)"
	rename "$base.floor" "floor: bare Go HTTPS GET (floorget)"
	rename "$base.list" "aksnet group list (one GET)"
} | summarize /dev/stdin | grep -v '^ALL'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

# Baseline: the real az (when installed) and aksnet on the same read-only
# commands against the same server, interleaved.
same_cmds=(
	"group show -n myResourceGroup"
	"network vnet show -g myResourceGroup -n myAKSVnet"
	"network vnet subnet show -g myResourceGroup --vnet-name myAKSVnet -n myAKSSubnet --query id -o tsv"
	"identity show -g myResourceGroup -n myIdentity"
)
AZ_N=${AZ_N:-3}
if [ "${BENCH_SHORT:-0}" = 1 ]; then AZ_N=1; fi
aks_ms=() az_ms=()
if command -v az >/dev/null; then
	export AKSNET_ENDPOINT=$ENDPOINT AKSNET_STATE_DIR=$state
	eval "$("$work/aksnet" az-env)"
	for ((i = 0; i < AZ_N; i++)); do
		for c in "${same_cmds[@]}"; do
			t0=$(date +%s%N); "$work/aksnet" $c >/dev/null; t1=$(date +%s%N)
			aks_ms+=($(((t1 - t0) / 1000)))
			t0=$(date +%s%N); az $c >/dev/null; t1=$(date +%s%N)
			az_ms+=($(((t1 - t0) / 1000)))
		done
	done
	eval "$("$work/aksnet" az-env --undo)"
	med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m/1000}'; }
	echo
	echo "Same read-only commands, aksnet vs the real az ($(command az version --query '\"azure-cli\"' -o tsv 2>/dev/null)), ${#aks_ms[@]} each:"
	echo "  aksnet median $(med "${aks_ms[@]}") ms, az median $(med "${az_ms[@]}") ms"
fi

if [ "${BENCH_LINES:-0}" = 1 ]; then
	all=$(summarize "$log" | awk '/^ALL COMMANDS/ {sub("ms", "", $4); print $4}')
	echo "BENCH aksnet_median_ms $all ms"
	for f in list floor start; do
		m=$(summarize "$base.$f" | awk '/^ALL COMMANDS/ {sub("ms", "", $4); print $4}')
		echo "BENCH base_${f}_ms $m ms"
	done
	if ((${#az_ms[@]})); then
		a=$(med "${aks_ms[@]}") z=$(med "${az_ms[@]}")
		echo "BENCH aksnet_same_median_ms $a ms"
		echo "BENCH az_median_ms $z ms"
		awk -v a="$a" -v z="$z" 'BEGIN { if (a > 0) printf "BENCH az_over_aksnet %.1f ratio\n", z/a }'
	fi
fi
