package dataplane

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/privtest"
)

// memAvailableKiB reads MemAvailable from /proc/meminfo: what the kernel
// and this process hold, seen from the whole machine.
func memAvailableKiB(tb testing.TB) float64 {
	tb.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			v, _ := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			return v
		}
	}
	tb.Fatal("no MemAvailable in /proc/meminfo")
	return 0
}

// BenchmarkMemoryPerNodeAndPod measures the data plane's memory per node
// and per pod: the drop in the machine's available memory when a 100-node
// cluster is realised, then when one pod per node is added (namespaces,
// links, nftables, and the pods' echo servers), divided by the count.
func BenchmarkMemoryPerNodeAndPod(b *testing.B) {
	privtest.RequireRoot(b)
	const nodes = 100
	ctx := context.Background()
	base := fixture{nodes: nodes, skipNode: -1, noDNS: true}.desired()
	var perNode, perPod float64
	for range b.N {
		l := newLinux(b)
		waitQuiet(b, l.names.Prefix)
		runtime.GC()
		m0 := memAvailableKiB(b)
		if err := l.Set(ctx, base); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		m1 := memAvailableKiB(b)
		c := base.Clusters[0]
		for i := range nodes {
			c.Pods = append(c.Pods, Pod{Name: fmt.Sprintf("p%d", i), Node: nodeName(i), IP: podIP(i, 2)})
		}
		if err := l.Set(ctx, Desired{VNets: base.VNets, Clusters: []Cluster{c}}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		m2 := memAvailableKiB(b)
		perNode += (m0 - m1) / nodes
		perPod += (m1 - m2) / nodes
		if err := l.Cleanup(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perNode/float64(b.N), "KiB/node")
	b.ReportMetric(perPod/float64(b.N), "KiB/pod")
}
