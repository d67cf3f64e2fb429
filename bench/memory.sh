#!/usr/bin/env bash
# bench/memory.sh — the server's resident memory (issue 8): after creating
# 100 kubenet clusters of 3 nodes (about 2,000 resources), after 10,000 GETs,
# and across create/delete cycles. BENCH_SHORT=1 runs a small version for CI.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aksnet-mem.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$root" && CGO_ENABLED=0 go build -o "$work/aksnetd" ./cmd/aksnetd && go build -o "$work/memload" ./bench/cmd/memload)
clusters=100 gets=10000 cycles=5
if [[ ${BENCH_SHORT:-0} == 1 ]]; then clusters=5 gets=200 cycles=2; fi
out=$("$work/memload" -aksnetd "$work/aksnetd" -clusters $clusters -gets $gets -cycles $cycles)
echo "$out" >&2
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
cyc = r.get("rssAfterCyclesMiB") or [r["rssAfterGetsMiB"]]
print(f"BENCH rss_idle_mib {r['rssIdleMiB']:.1f} MiB")
print(f"BENCH rss_after_clusters_mib {r['rssAfterClustersMiB']:.1f} MiB")
print(f"BENCH rss_after_gets_mib {r['rssAfterGetsMiB']:.1f} MiB")
print(f"BENCH rss_cycle_growth_mib {max(0.0, cyc[-1] - cyc[0]):.1f} MiB")
print(f"BENCH resources {r['resources']} count")
PY
