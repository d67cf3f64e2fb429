//go:build linux

package dataplane

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/privtest"
	"github.com/vishvananda/netlink"
)

// newLinux returns a Linux plane with a prefix of its own, removed with
// everything under it when the test ends, even on failure.
func newLinux(t testing.TB) *Linux {
	t.Helper()
	privtest.RequireRoot(t)
	var b [3]byte
	_, _ = rand.Read(b[:])
	prefix := "aksnet-t" + hex.EncodeToString(b[:]) + "-"
	l, err := NewLinux(Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("AKSNET_TEST_KEEP") != "" {
			t.Logf("AKSNET_TEST_KEEP set: leaving namespaces %s* for inspection", prefix)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := l.Cleanup(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if left, _ := listNamedNS(prefix); len(left) > 0 {
			t.Errorf("namespaces left after cleanup: %v", left)
		}
	})
	return l
}

// eventually polls fn until it succeeds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// never checks that fn keeps failing for d.
func never(t testing.TB, d time.Duration, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := fn(); err == nil {
			t.Fatalf("%s: succeeded, want failure", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mustSet applies d, failing the test at once when it cannot.
func mustSet(t *testing.T, ctx context.Context, l *Linux, d Desired) {
	t.Helper()
	if err := l.Set(ctx, d); err != nil {
		t.Fatal(err)
	}
}

func echoFrom(l *Linux, pod, node string, hostNet bool, target string) func() (nsprobe.EchoReply, error) {
	return echoWithin(time.Second, l, pod, node, hostNet, target)
}

// echoQuick gives up after 300 ms, for checks that traffic is blocked.
func echoQuick(l *Linux, pod, node string, hostNet bool, target string) func() (nsprobe.EchoReply, error) {
	return echoWithin(300*time.Millisecond, l, pod, node, hostNet, target)
}

func echoWithin(d time.Duration, l *Linux, pod, node string, hostNet bool, target string) func() (nsprobe.EchoReply, error) {
	return func() (nsprobe.EchoReply, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return nsprobe.Echo(ctx, l.PodNetns(testCluster, pod, node, hostNet), target)
	}
}

func expectEcho(t *testing.T, what string, call func() (nsprobe.EchoReply, error), pod, client string) {
	t.Helper()
	eventually(t, 5*time.Second, what, func() error {
		r, err := call()
		if err != nil {
			return err
		}
		if r.Pod != pod || r.Client != client {
			return fmt.Errorf("echo answered %+v, want pod %s client %s", r, pod, client)
		}
		return nil
	})
}

func TestIntegrationLinux_ArticleCluster(t *testing.T) {
	l := newLinux(t)
	ctx := context.Background()
	d := states()["pods"]
	start := time.Now()
	mustSet(t, ctx, l, d)
	t.Logf("first Set: %s", time.Since(start))
	before := l.Applied()
	mustSet(t, ctx, l, d)
	if n := l.Applied() - before; n != 0 {
		t.Errorf("second Set applied %d operations, want 0", n)
	}
	n0, n1, n2 := nodeName(0), nodeName(1), nodeName(2)
	expectEcho(t, "pod-a → pod-b across nodes", echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080"), "pod-b", "10.244.0.2")
	expectEcho(t, "pod-a → internet", echoFrom(l, "pod-a", n0, false, "203.0.113.10:80"), "internet", "198.51.100.1")
	expectEcho(t, "pod-a → host-network pod", echoFrom(l, "pod-a", n0, false, "192.168.1.6:8080"), "konnectivity", "192.168.1.4")
	expectEcho(t, "host-network pod → pod-a", echoFrom(l, "konnectivity", n2, true, "10.244.0.2:8080"), "pod-a", "192.168.1.6")
	eventually(t, 5*time.Second, "DNS", func() error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		got, err := nsprobe.LookupIn(ctx, l.PodNetns(testCluster, "pod-b", n1, false), "10.0.0.10:53", "kubernetes.default.svc.cluster.local")
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0] != ma("10.0.0.1") {
			return fmt.Errorf("got %v", got)
		}
		return nil
	})
	seen := map[string]bool{}
	eventually(t, 10*time.Second, "service reaches both pods", func() error {
		r, err := echoFrom(l, "pod-b", n1, false, "10.0.0.2:80")()
		if err != nil {
			return err
		}
		seen[r.Pod] = true
		if !seen["pod-a"] || !seen["pod-b"] {
			return fmt.Errorf("seen %v", seen)
		}
		return nil
	})
}

func TestIntegrationLinux_RouteAndNSG(t *testing.T) {
	l := newLinux(t)
	ctx := context.Background()
	all := states()
	n0 := nodeName(0)
	mustSet(t, ctx, l, all["pods"])
	call := echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080")
	blockedCall := echoQuick(l, "pod-a", n0, false, "10.244.1.2:8080")
	expectEcho(t, "pod-a → pod-b", call, "pod-b", "10.244.0.2")
	mustSet(t, ctx, l, all["route-gone"])
	never(t, 300*time.Millisecond, "pod-a → pod-b without node 1's route", func() error { _, err := blockedCall(); return err })
	mustSet(t, ctx, l, all["pods"])
	expectEcho(t, "pod-a → pod-b after the route is back", call, "pod-b", "10.244.0.2")
	mustSet(t, ctx, l, all["nsg"])
	never(t, 300*time.Millisecond, "pod-a → pod-b with an NSG denying the pod CIDR", func() error { _, err := blockedCall(); return err })
	mustSet(t, ctx, l, all["pods"])
	expectEcho(t, "pod-a → pod-b after the NSG went", call, "pod-b", "10.244.0.2")
	byo := fixture{nodes: 3, skipNode: -1, pods: states()["pods"].Clusters[0].Pods[1:], udrs: []fabric.Route{{Name: "default", Prefix: mp("0.0.0.0/0"), NextHopType: fabric.None}}}.desired()
	mustSet(t, ctx, l, byo)
	never(t, 300*time.Millisecond, "internet with 0.0.0.0/0 → None", func() error {
		_, err := echoQuick(l, "pod-a", n0, false, "203.0.113.10:80")()
		return err
	})
	expectEcho(t, "VNet still works with 0.0.0.0/0 → None", call, "pod-b", "10.244.0.2")
}

// TestIntegrationLinux_IPForwardingCheck: Azure drops what a NIC without IP
// forwarding sends with a foreign source, and what reaches it for a foreign
// destination, whatever conntrack knows of the flow. With node 0's NIC
// (the sender's) or node 1's (the receiver's) without IP forwarding, pod-a →
// pod-b fails, while traffic addressed to the nodes themselves (pod traffic
// masqueraded to node 0's IP, to node 1's host-network pod) still passes.
func TestIntegrationLinux_IPForwardingCheck(t *testing.T) {
	n0, n1 := nodeName(0), nodeName(1)
	podA := Pod{Name: "pod-a", Node: n0, IP: podIP(0, 2)}
	podB := Pod{Name: "pod-b", Node: n1, IP: podIP(1, 2)}
	hostPod := Pod{Name: "konnectivity", Node: n1, IP: nodeIP(1), HostNetwork: true}
	pods := []Pod{podA, podB, hostPod}
	on := fixture{nodes: 2, skipNode: -1, pods: pods}.desired()
	for _, off := range []int{0, 1} {
		t.Run(fmt.Sprintf("node %d without IP forwarding", off), func(t *testing.T) {
			l := newLinux(t)
			ctx := context.Background()
			mustSet(t, ctx, l, on)
			// A connection made while forwarding is on, to be reused after.
			conn := dialEcho(t, l, "pod-a", n0, "10.244.1.2:8080")
			if r := conn.get(t); r.Pod != "pod-b" {
				t.Fatalf("pod-a → pod-b with forwarding on: %+v", r)
			}
			mustSet(t, ctx, l, fixture{nodes: 2, skipNode: -1, pods: pods, noForward: map[int]bool{off: true}}.desired())
			expectEcho(t, "pod-a → host-network pod on node 1 (SNATed to node 0's IP)", echoFrom(l, "pod-a", n0, false, "192.168.1.5:8080"), "konnectivity", "192.168.1.4")
			never(t, 300*time.Millisecond, "a new pod-a → pod-b connection", func() error {
				_, err := echoQuick(l, "pod-a", n0, false, "10.244.1.2:8080")()
				return err
			})
			if r, err := conn.tryGet(300 * time.Millisecond); err == nil {
				t.Errorf("the connection made before forwarding was turned off still passes: %+v", r)
			}
			mustSet(t, ctx, l, on)
			expectEcho(t, "pod-a → pod-b with IP forwarding on again", echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080"), "pod-b", "10.244.0.2")
		})
	}
}

// echoConn is a kept-alive HTTP connection to a workload's echo.
type echoConn struct {
	c    net.Conn
	r    *bufio.Reader
	host string
}

// dialEcho connects from pod's namespace to the echo at addr.
func dialEcho(t *testing.T, l *Linux, pod, node, addr string) *echoConn {
	t.Helper()
	var conn net.Conn
	eventually(t, 5*time.Second, "connect "+pod+" → "+addr, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := nsprobe.DialIn(ctx, l.PodNetns(testCluster, pod, node, false), "tcp4", addr)
		conn = c
		return err
	})
	t.Cleanup(func() { _ = conn.Close() })
	host, _, _ := net.SplitHostPort(addr)
	return &echoConn{c: conn, r: bufio.NewReader(conn), host: host}
}

func (e *echoConn) get(t *testing.T) nsprobe.EchoReply {
	t.Helper()
	r, err := e.tryGet(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryGet sends one request on the connection and reads the reply.
func (e *echoConn) tryGet(d time.Duration) (nsprobe.EchoReply, error) {
	var reply nsprobe.EchoReply
	if err := e.c.SetDeadline(time.Now().Add(d)); err != nil {
		return reply, err
	}
	if _, err := fmt.Fprintf(e.c, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", e.host); err != nil {
		return reply, err
	}
	resp, err := http.ReadResponse(e.r, nil)
	if err != nil {
		return reply, err
	}
	defer resp.Body.Close()
	return reply, json.NewDecoder(resp.Body).Decode(&reply)
}

func TestIntegrationLinux_DriftAdoptCleanup(t *testing.T) {
	l := newLinux(t)
	ctx := context.Background()
	d := states()["pods"]
	mustSet(t, ctx, l, d)
	n0 := nodeName(0)
	call := echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080")
	expectEcho(t, "pod-a → pod-b", call, "pod-b", "10.244.0.2")
	// Drift: delete node 1's namespace and a fabric route by hand.
	if err := deleteNamedNS(l.names.Node(nodeName(1))); err != nil {
		t.Fatal(err)
	}
	fh, err := l.k.handle(l.names.VNet(testVNet))
	if err != nil {
		t.Fatal(err)
	}
	routes, err := fh.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: routeProtocol}, netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil || len(routes) == 0 {
		t.Fatalf("fabric routes: %v %v", routes, err)
	}
	for _, r := range routes {
		if r.Dst != nil && strings.HasPrefix(r.Dst.String(), "10.244.1.") {
			if err := fh.nl.RouteDel(&r); err != nil {
				t.Fatal(err)
			}
		}
	}
	never(t, 200*time.Millisecond, "pod-a → pod-b after drift", func() error {
		_, err := echoQuick(l, "pod-a", n0, false, "10.244.1.2:8080")()
		return err
	})
	mustSet(t, ctx, l, d)
	expectEcho(t, "pod-a → pod-b after repair", call, "pod-b", "10.244.0.2")
	// Restart: a new plane adopts what exists without changing it, and
	// restarts the workloads.
	nsBefore, _ := listNamedNS(l.names.Prefix)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := NewLinux(Options{Prefix: l.names.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l2.Close() })
	if err := l2.Set(ctx, d); err != nil {
		t.Fatal(err)
	}
	var starts int
	for _, ns := range nsBefore {
		w := mustCompile(t, d, l.names)[ns]
		starts += len(w.Workloads)
	}
	if got := l2.Applied(); got != starts {
		t.Errorf("adopting applied %d operations, want %d (only workload starts)", got, starts)
	}
	nsAfter, _ := listNamedNS(l.names.Prefix)
	if strings.Join(nsBefore, ",") != strings.Join(nsAfter, ",") {
		t.Errorf("namespaces changed on adoption:\n%v\n%v", nsBefore, nsAfter)
	}
	expectEcho(t, "pod-a → pod-b after restart", echoFrom(l2, "pod-a", n0, false, "10.244.1.2:8080"), "pod-b", "10.244.0.2")
	// Cleanup removes everything.
	if err := l2.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := listNamedNS(l.names.Prefix); len(left) > 0 {
		t.Fatalf("left: %v", left)
	}
	if _, err := os.Stat(filepath.Join(NetnsDir, l.names.Inet())); !os.IsNotExist(err) {
		t.Fatalf("inet namespace still bound: %v", err)
	}
}

func mustCompile(t *testing.T, d Desired, n Names) World {
	t.Helper()
	w, err := compile(d, n)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var _ = netip.Addr{}
