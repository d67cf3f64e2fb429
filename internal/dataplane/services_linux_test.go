//go:build linux

package dataplane

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/kubenet"
)

// TestIntegrationLinux_ClusterIPMasqueradesHairpinOnly: as kube-proxy does,
// ClusterIP traffic keeps the client pod's address on the same node and
// across nodes, and is masqueraded only when it hairpins (a pod reaching
// itself through a service), where it must be: its own reply would
// otherwise never leave it. The node's cbr0 address is then the source.
func TestIntegrationLinux_ClusterIPMasqueradesHairpinOnly(t *testing.T) {
	l := newLinux(t)
	n0, n1 := nodeName(0), nodeName(1)
	pods := []Pod{
		{Name: "pod-a", Node: n0, IP: podIP(0, 2)},
		{Name: "local-web", Node: n0, IP: podIP(0, 3)},
		{Name: "remote-web", Node: n1, IP: podIP(1, 2)},
	}
	services := []kubenet.Service{
		{Name: "local", ClusterIP: ma("10.0.0.20"), Port: 80, TargetPort: 8080, Selector: "local-"},
		{Name: "remote", ClusterIP: ma("10.0.0.21"), Port: 80, TargetPort: 8080, Selector: "remote-"},
		{Name: "self", ClusterIP: ma("10.0.0.22"), Port: 80, TargetPort: 8080, Selector: "pod-a"},
	}
	if err := l.Set(context.Background(), fixture{nodes: 2, skipNode: -1, pods: pods, services: services}.desired()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, vip, pod, client string }{
		{"same node: the client pod's own address", "10.0.0.20:80", "local-web", "10.244.0.2"},
		{"across nodes: the client pod's own address", "10.0.0.21:80", "remote-web", "10.244.0.2"},
		{"hairpin: masqueraded to node 0's cbr0 address", "10.0.0.22:80", "pod-a", "10.244.0.1"},
	} {
		expectEcho(t, tc.what, echoFrom(l, "pod-a", n0, false, tc.vip), tc.pod, tc.client)
	}
}

// TestIntegrationLinux_ServiceWithoutEndpointsRefuses: as kube-proxy does, a
// ClusterIP port with no endpoints answers at once with ICMP port
// unreachable (connection refused), from a pod and from the node, instead
// of letting the packet wander off to the fabric and the client time out;
// once it has an endpoint it answers.
func TestIntegrationLinux_ServiceWithoutEndpointsRefuses(t *testing.T) {
	l := newLinux(t)
	n0 := nodeName(0)
	svc := []kubenet.Service{{Name: "empty", ClusterIP: ma("10.0.0.30"), Port: 80, TargetPort: 8080, Selector: "web-"}}
	pods := []Pod{{Name: "pod-a", Node: n0, IP: podIP(0, 2)}, {Name: "host", Node: n0, IP: nodeIP(0), HostNetwork: true}}
	if err := l.Set(context.Background(), fixture{nodes: 2, skipNode: -1, pods: pods, services: svc}.desired()); err != nil {
		t.Fatal(err)
	}
	for _, from := range []struct {
		pod     string
		hostNet bool
	}{{"pod-a", false}, {"host", true}} {
		start := time.Now()
		_, err := echoWithin(2*time.Second, l, from.pod, n0, from.hostNet, "10.0.0.30:80")()
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s → a service without endpoints: %v, want connection refused", from.pod, err)
		} else if d := time.Since(start); d > time.Second {
			t.Errorf("%s → a service without endpoints refused after %s, want at once", from.pod, d)
		}
	}
	pods = append(pods, Pod{Name: "web-1", Node: nodeName(1), IP: podIP(1, 2)})
	if err := l.Set(context.Background(), fixture{nodes: 2, skipNode: -1, pods: pods, services: svc}.desired()); err != nil {
		t.Fatal(err)
	}
	expectEcho(t, "the service with an endpoint", echoFrom(l, "pod-a", n0, false, "10.0.0.30:80"), "web-1", "10.244.0.2")
}
