#!/usr/bin/env bash
# bench/az.sh — the article's walkthrough with the real Azure CLI
# (e2e/az-article.sh) against a fresh aksnet server: the time spent in az
# commands (issue 5's budget is 30 s, most of it az's own start-up).
set -euo pipefail
command -v az >/dev/null || { echo "az is not installed; skipping" >&2; exit 0; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-az.XXXXXX")
pid=""
cleanup() { [[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT
(cd "$root" && CGO_ENABLED=0 go build -o "$work/" ./cmd/aksnet ./cmd/aksnetd)
"$work/aksnet" serve --state-dir "$work/state" --listen 127.0.0.1:0 --log-level error >"$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q '^aksnet is serving' "$work/serve.out" && break; sleep 0.05; done
port=$(sed -n 's|^aksnet is serving https://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/serve.out")
[[ -n $port ]] || { cat "$work/serve.out" >&2; exit 1; }
export AKSNET="$work/aksnet" AKSNET_ENDPOINT="https://localhost:$port" AKSNET_STATE_DIR="$work/state"
# az-env's first run signs in once; it is setup, not part of the walkthrough.
"$work/aksnet" az-env >/dev/null
start=$(date +%s%N)
out=$(bash "$root/e2e/az-article.sh")
end=$(date +%s%N)
echo "$out" >&2
ms=$(sed -n 's/^az time: \([0-9]*\) ms in \([0-9]*\) az commands$/\1/p' <<<"$out")
n=$(sed -n 's/^az time: \([0-9]*\) ms in \([0-9]*\) az commands$/\2/p' <<<"$out")
echo "walkthrough: $(( (end - start) / 1000000 )) ms, of which az: $ms ms in $n commands" >&2
if [[ ${BENCH_LINES:-0} == 1 ]]; then
  awk -v ms="$ms" 'BEGIN { printf "BENCH az_walkthrough_s %.1f s\n", ms/1000 }'
  awk -v ms="$ms" -v n="$n" 'BEGIN { if (n > 0) printf "BENCH az_per_command_s %.2f s\n", ms/n/1000 }'
fi
