//go:build linux

package dataplane

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/privtest"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Benchmarks of the real data plane. They need root and skip otherwise;
// every namespace they make carries a prefix of its own and is removed at
// the end. Run them with, for example:
//
//	go test -run '^$' -bench . -benchtime 3x ./internal/dataplane/
//
// docs/performance.md records the numbers.

// BenchmarkRealise400Nodes times one Set that realises a 400-node cluster
// from nothing (401 namespaces with the fabric, the internet namespace and
// the DNS pod), and the Set right after it, which reads everything back and
// changes nothing (the cost of each drift-repair pass).
func BenchmarkRealise400Nodes(b *testing.B) {
	privtest.RequireRoot(b)
	ctx := context.Background()
	d := fixture{nodes: 400, skipNode: -1, big: true}.desired()
	var resync time.Duration
	for range b.N {
		b.StopTimer()
		l := newLinux(b)
		waitQuiet(b, l.names.Prefix)
		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		b.StartTimer()
		if err := l.Set(ctx, d); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
		b.Logf("first Set: %+v; cpu user %s sys %s", l.LastStats(), cpu(ru1.Utime)-cpu(ru0.Utime), cpu(ru1.Stime)-cpu(ru0.Stime))
		start := time.Now()
		before := l.Applied()
		if err := l.Set(ctx, d); err != nil {
			b.Fatal(err)
		}
		resync += time.Since(start)
		if n := l.Applied() - before; n != 0 {
			b.Fatalf("second Set applied %d operations", n)
		}
		if err := l.Cleanup(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(resync.Seconds()/float64(b.N), "resync-s")
}

// waitQuiet waits (at most two minutes) until the kernel is quiet: the
// CPUs at least 90% idle and rtnl free. The kernel tears network
// namespaces down in the background, seconds after they are deleted, and
// holds rtnl across RCU grace periods while it does: a run started right
// after an earlier run's cleanup would measure that teardown too. rtnl is
// probed by setting lo up (a no-op that takes rtnl) in a scratch namespace
// of the benchmark's own, until 20 probes in a row take under 300 µs.
func waitQuiet(b *testing.B, prefix string) {
	b.Helper()
	probe := prefix + "quiet-probe"
	if err := createNamedNS(probe, nil); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = deleteNamedNS(probe) }()
	fd, err := openNS(filepath.Join(NetnsDir, probe))
	if err != nil {
		b.Fatal(err)
	}
	defer fd.Close()
	h, err := netlink.NewHandleAt(fd, unix.NETLINK_ROUTE)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		b.Fatal(err)
	}
	read := func() (idle, total uint64) {
		raw, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0
		}
		var name string
		var v [8]uint64
		_, _ = fmt.Sscan(string(raw), &name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
		for _, x := range v {
			total += x
		}
		return v[3] + v[4], total
	}
	deadline := time.Now().Add(2 * time.Minute)
	streak := 0
	i0, t0 := read()
	for time.Now().Before(deadline) {
		start := time.Now()
		if err := h.LinkSetUp(lo); err != nil {
			b.Fatal(err)
		}
		if time.Since(start) < 300*time.Microsecond {
			streak++
		} else {
			streak = 0
		}
		time.Sleep(25 * time.Millisecond)
		if streak >= 20 {
			i1, t1 := read()
			if t1 > t0 && float64(i1-i0)/float64(t1-t0) >= 0.9 {
				return
			}
			streak, i0, t0 = 0, i1, t1
		}
	}
	b.Logf("kernel still busy after two minutes; measuring anyway")
}

// podFill is how many pods a node gets before the pod-add benchmarks start
// over on an empty bridge.
const podFill = 100

// BenchmarkPodAdd times adding one pod's network to a node that already
// holds up to podFill pods: aksnet's Set (namespace, veth on cbr0,
// address, default route, and the pod's echo) against the CNI reference
// plugins bridge + host-local + loopback v1.10.0 run as the container
// runtime runs them (namespace, then ADD with the CNI environment
// protocol), in the same run. The plugins run inside a node namespace of
// the benchmark's own, never in the host's.
func BenchmarkPodAdd(b *testing.B) {
	privtest.RequireRoot(b)
	b.Run("aksnet", benchPodAddAksnet)
	b.Run("cni-bridge-host-local", benchPodAddCNI)
}

func benchPodAddAksnet(b *testing.B) {
	ctx := context.Background()
	l := newLinux(b)
	base := fixture{nodes: 1, skipNode: -1, noDNS: true}.desired()
	if err := l.Set(ctx, base); err != nil {
		b.Fatal(err)
	}
	d := base
	waitQuiet(b, l.names.Prefix)
	b.ResetTimer()
	for i := range b.N {
		if i%podFill == 0 && i > 0 {
			b.StopTimer()
			d = base
			if err := l.Set(ctx, base); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		n := i % podFill
		c := d.Clusters[0]
		c.Pods = append(slices.Clip(c.Pods), Pod{Name: fmt.Sprintf("p%d", n), Node: nodeName(0), IP: podIP(0, 2+n)})
		d = Desired{VNets: d.VNets, Clusters: []Cluster{c}}
		if err := l.Set(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}

// cniPlugins builds the reference plugins into a temporary GOBIN.
func cniPlugins(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	const v = "@v1.10.0"
	cmd := exec.Command("go", "install",
		"github.com/containernetworking/plugins/plugins/main/bridge"+v,
		"github.com/containernetworking/plugins/plugins/ipam/host-local"+v,
		"github.com/containernetworking/plugins/plugins/main/loopback"+v)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("cannot build the CNI reference plugins: %v\n%s", err, out)
	}
	return dir
}

func benchPodAddCNI(b *testing.B) {
	bin := cniPlugins(b)
	l := newLinux(b)
	nodeNS := l.names.Prefix + "cni-node"
	// The same namespace settings aksnet uses (IPv6 off), for a fair race.
	nsInit := map[string]string{sysIPv6OffAll: "1", sysIPv6OffDef: "1"}
	if err := createNamedNS(nodeNS, nsInit); err != nil {
		b.Fatal(err)
	}
	node, err := openNS(filepath.Join(NetnsDir, nodeNS))
	if err != nil {
		b.Fatal(err)
	}
	defer node.Close()
	ipamDir := b.TempDir()
	conf := fmt.Sprintf(`{"cniVersion":"1.0.0","name":"aksnetbench","type":"bridge","bridge":"aksnetcbr0","isGateway":true,"mtu":%d,
"ipam":{"type":"host-local","subnet":"10.244.0.0/24","dataDir":%q}}`, MTU, ipamDir)
	lo := `{"cniVersion":"1.0.0","name":"aksnetbench-lo","type":"loopback"}`
	run := func(plugin, id, netns, ifname, conf string) error {
		cmd := exec.Command(filepath.Join(bin, plugin))
		cmd.Env = []string{"CNI_COMMAND=ADD", "CNI_CONTAINERID=" + id, "CNI_NETNS=" + netns, "CNI_IFNAME=" + ifname, "CNI_PATH=" + bin, "PATH=" + os.Getenv("PATH")}
		cmd.Stdin = bytes.NewReader([]byte(conf))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		// The plugin's "host" namespace is the benchmark's node namespace:
		// the child inherits the namespace of the thread that starts it.
		return inNS(node, func() error {
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s ADD: %w: %s", plugin, err, out.String())
			}
			return nil
		})
	}
	var pods []string
	reset := func() {
		for _, p := range pods {
			if err := deleteNamedNS(p); err != nil {
				b.Fatal(err)
			}
		}
		pods = nil
		entries, _ := os.ReadDir(ipamDir)
		for _, e := range entries {
			_ = os.RemoveAll(filepath.Join(ipamDir, e.Name()))
		}
	}
	defer reset()
	waitQuiet(b, l.names.Prefix)
	b.ResetTimer()
	for i := range b.N {
		if i%podFill == 0 && i > 0 {
			b.StopTimer()
			reset()
			b.StartTimer()
		}
		name := fmt.Sprintf("%scni-pod-%d", l.names.Prefix, i)
		if err := createNamedNS(name, nsInit); err != nil {
			b.Fatal(err)
		}
		pods = append(pods, name)
		path := filepath.Join(NetnsDir, name)
		id := fmt.Sprintf("aksnetbench%d", i)
		if err := run("bridge", id, path, "eth0", conf); err != nil {
			b.Fatal(err)
		}
		if err := run("loopback", id, path, "lo", lo); err != nil {
			b.Fatal(err)
		}
	}
}

// twoNodePods sets up two nodes with pods a and b on node 0 and c on
// node 1, and a TCP server on port 9000 in b and c.
func twoNodePods(b *testing.B, serve func(net.Conn)) (l *Linux, a string) {
	ctx := context.Background()
	l = newLinux(b)
	d := fixture{nodes: 2, skipNode: -1, noDNS: true, pods: []Pod{
		{Name: "a", Node: nodeName(0), IP: podIP(0, 2)},
		{Name: "b", Node: nodeName(0), IP: podIP(0, 3)},
		{Name: "c", Node: nodeName(1), IP: podIP(1, 2)},
	}}.desired()
	if err := l.Set(ctx, d); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"b", "c"} {
		ln, err := listenIn(l.PodNetns(testCluster, p, "", false), "tcp4", ":9000")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go serve(c)
			}
		}()
	}
	return l, l.PodNetns(testCluster, "a", "", false)
}

func dialPod(b *testing.B, netns, addr string) net.Conn {
	var c net.Conn
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		c, err = nsprobe.DialIn(context.Background(), netns, "tcp4", addr)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("dial %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// BenchmarkPodRTT measures the TCP round trip of one byte from pod a to
// pod b on the same node and to pod c on another node, interleaved, and
// reports the medians and their difference: what the fabric (two veths,
// the subnet's routing table, the NSG and forwarding checks in nftables)
// adds to a round trip.
func BenchmarkPodRTT(b *testing.B) {
	privtest.RequireRoot(b)
	_, a := twoNodePods(b, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 1)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	same := dialPod(b, a, "10.244.0.3:9000")
	cross := dialPod(b, a, "10.244.1.2:9000")
	rtt := func(c net.Conn) time.Duration {
		buf := []byte{1}
		start := time.Now()
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for range 200 { // warm up: ARP, conntrack, caches
		rtt(same)
		rtt(cross)
	}
	var s, x []time.Duration
	b.ResetTimer()
	for range b.N {
		s = append(s, rtt(same))
		x = append(x, rtt(cross))
	}
	b.StopTimer()
	ms, mx := median(s), median(x)
	b.ReportMetric(float64(ms.Nanoseconds())/1e3, "same-node-µs")
	b.ReportMetric(float64(mx.Nanoseconds())/1e3, "cross-node-µs")
	b.ReportMetric(float64((mx-ms).Nanoseconds())/1e3, "extra-µs")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkPodThroughput measures single-stream TCP throughput from pod a
// to pod b (same node) and to pod c (another node), alternating, and
// reports both and their ratio.
func BenchmarkPodThroughput(b *testing.B) {
	privtest.RequireRoot(b)
	_, a := twoNodePods(b, func(c net.Conn) {
		defer c.Close()
		_, _ = io.Copy(io.Discard, c)
	})
	const chunk = 128 << 10
	const perRound = 256 << 20
	buf := make([]byte, chunk)
	send := func(addr string) time.Duration {
		c := dialPod(b, a, addr)
		defer c.Close()
		start := time.Now()
		for sent := 0; sent < perRound; sent += chunk {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	send("10.244.0.3:9000") // warm up
	send("10.244.1.2:9000")
	var same, cross time.Duration
	b.ResetTimer()
	for range b.N {
		same += send("10.244.0.3:9000")
		cross += send("10.244.1.2:9000")
	}
	b.StopTimer()
	mbps := func(d time.Duration) float64 { return float64(perRound*b.N) * 8 / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(same), "same-node-Mbit/s")
	b.ReportMetric(mbps(cross), "cross-node-Mbit/s")
	b.ReportMetric(mbps(cross)/mbps(same), "cross/same")
	b.SetBytes(2 * perRound)
}

// BenchmarkIdlePass times one drift-repair pass over a realised cluster in
// which nothing changed, at 3, 100 and 400 nodes: a full Set, which reads every
// namespace back (the baseline; what every pass cost before Update), and an
// Update, which reads a 1/ResyncSpread share. cpu-ms/op is the process's
// CPU per pass; at the controller's one pass a second, cpu-ms/op ÷ 10 is
// the percentage of a core an idle server burns.
func BenchmarkIdlePass(b *testing.B) {
	privtest.RequireRoot(b)
	ctx := context.Background()
	for _, nodes := range []int{3, 100, 400} {
		d := fixture{nodes: nodes, skipNode: -1, big: nodes > 200}.desired()
		for _, mode := range []string{"set", "update"} {
			b.Run(fmt.Sprintf("nodes=%d/%s", nodes, mode), func(b *testing.B) {
				l := newLinux(b)
				if err := l.Set(ctx, d); err != nil {
					b.Fatal(err)
				}
				pass := l.Set
				if mode == "update" {
					pass = l.Update
					if err := l.Update(ctx, d); err != nil { // records what converged
						b.Fatal(err)
					}
				}
				var ru0, ru1 syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
				b.ResetTimer()
				for range b.N {
					if err := pass(ctx, d); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
				cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) / time.Duration(b.N)
				b.ReportMetric(float64(cpu.Microseconds())/1000, "cpu-ms/op")
				b.ReportMetric(float64(l.LastStats().Read), "namespaces-read/op")
			})
		}
	}
}

// BenchmarkUpdateChange times the Update that carries one change into a
// realised cluster, at 3, 100 and 400 nodes: a pod added on node 1 (the pod is
// ready, its echo listening, when Update returns; each iteration adds a pod
// and the next removes it), and an NSG rule flipped between Deny and Allow
// on the subnet. The goals: pod ready at 100 nodes ≤ 1.5× at 3
// nodes, an NSG change at 100 nodes ≤ 100 ms.
func BenchmarkUpdateChange(b *testing.B) {
	privtest.RequireRoot(b)
	ctx := context.Background()
	nsg := func(access string) *NSG {
		return &NSG{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/bench", Rules: []fabric.SecurityRule{{
			Name: "pods", Priority: 100, Direction: fabric.Inbound, Access: access, Protocol: "*",
			SourcePrefixes: []string{"10.244.0.0/16"}, DestPrefixes: []string{"*"}, SourcePorts: []string{"*"}, DestPorts: []string{"*"}}}}
	}
	podA := Pod{Name: "pod-a", Node: nodeName(0), IP: podIP(0, 2)}
	podB := Pod{Name: "pod-b", Node: nodeName(1), IP: podIP(1, 2)}
	for _, nodes := range []int{3, 100, 400} {
		big := nodes > 200
		states := map[string][2]Desired{
			"pod-add": {
				fixture{nodes: nodes, skipNode: -1, big: big, pods: []Pod{podA}, subnetNSG: nsg(fabric.Allow)}.desired(),
				fixture{nodes: nodes, skipNode: -1, big: big, pods: []Pod{podA, podB}, subnetNSG: nsg(fabric.Allow)}.desired(),
			},
			"nsg-change": {
				fixture{nodes: nodes, skipNode: -1, big: big, pods: []Pod{podA}, subnetNSG: nsg(fabric.Allow)}.desired(),
				fixture{nodes: nodes, skipNode: -1, big: big, pods: []Pod{podA}, subnetNSG: nsg(fabric.Deny)}.desired(),
			},
		}
		for _, change := range []string{"pod-add", "nsg-change"} {
			b.Run(fmt.Sprintf("nodes=%d/%s", nodes, change), func(b *testing.B) {
				l := newLinux(b)
				pair := states[change]
				if err := l.Update(ctx, pair[0]); err != nil {
					b.Fatal(err)
				}
				// Realising the cluster is setup: counted, it would hold b.N
				// at 1 or 2 for the large clusters, a median of noise. So is
				// the kernel's teardown of the last run's namespaces.
				waitQuiet(b, l.names.Prefix)
				b.ResetTimer()
				var timed time.Duration
				for range b.N {
					// Only the forward change is timed (the pod's add, the
					// rule's flip to Deny); going back is setup.
					b.StopTimer()
					if err := l.Update(ctx, pair[0]); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					if err := l.Update(ctx, pair[1]); err != nil {
						b.Fatal(err)
					}
					timed += time.Since(start)
				}
				b.Logf("last change: %+v", l.LastStats())
				b.ReportMetric(float64(timed.Microseconds())/1000/float64(b.N), "ms/change")
				b.ReportMetric(float64(l.LastStats().Read), "namespaces-read/op")
			})
		}
	}
}
