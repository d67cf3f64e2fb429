package dataplane

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/kubenet"
)

func TestDesired_Validate(t *testing.T) {
	web := kubenet.Service{Name: "web", ClusterIP: ma("10.0.0.2"), Port: 80, TargetPort: 8080}
	valid := func() Desired {
		return fixture{nodes: 2, skipNode: -1, services: []kubenet.Service{web},
			pods: []Pod{{Name: "pod-a", Node: nodeName(0), IP: podIP(0, 2)}, {Name: "host", Node: nodeName(1), IP: nodeIP(1), HostNetwork: true}}}.desired()
	}
	for _, c := range []struct {
		name   string
		mutate func(d *Desired)
		want   string // part of the error; "" for none
	}{
		{"the fixture is valid", func(*Desired) {}, ""},
		{"a cluster without nodes needs no vnet", func(d *Desired) { d.Clusters[0].Nodes, d.Clusters[0].Pods, d.Clusters[0].VNet = nil, nil, "gone" }, ""},
		{"duplicate vnet", func(d *Desired) { d.VNets = append(d.VNets, d.VNets[0]) }, "empty or duplicate id"},
		{"empty vnet id", func(d *Desired) { d.VNets[0].ID = "" }, "empty or duplicate id"},
		{"ipv6 subnet", func(d *Desired) { d.VNets[0].Subnets[0].Prefix = mp("fd00::/64") }, "invalid prefix"},
		{"nic in an unknown subnet", func(d *Desired) { d.VNets[0].NICs[0].Subnet = "other" }, "is not in vnet"},
		{"nic outside its subnet", func(d *Desired) { d.VNets[0].NICs[0].IP = ma("10.9.9.9") }, "outside subnet"},
		{"duplicate nic", func(d *Desired) { d.VNets[0].NICs[1].ID = strings.ToUpper(d.VNets[0].NICs[0].ID) }, ": duplicate"},
		{"unknown vnet", func(d *Desired) { d.Clusters[0].VNet = "other" }, "unknown vnet other"},
		{"node on an unknown nic", func(d *Desired) { d.Clusters[0].Nodes[0].NIC = "other" }, "unknown nic other"},
		{"node address differs from its nic's", func(d *Desired) { d.Clusters[0].Nodes[0].IP = nodeIP(7) }, "differs from its nic's"},
		{"pod cidr too small", func(d *Desired) { d.Clusters[0].Nodes[0].PodCIDR = mp("10.244.0.0/31") }, "invalid pod cidr"},
		{"duplicate node", func(d *Desired) {
			d.Clusters[0].Nodes[1].Name = d.Clusters[0].Nodes[0].Name
		}, "duplicate node"},
		{"pod on an unknown node", func(d *Desired) { d.Clusters[0].Pods[1].Node = "other" }, "unknown node other"},
		{"duplicate pod", func(d *Desired) { d.Clusters[0].Pods[1].Name = "coredns" }, "duplicate pod coredns"},
		{"host-network pod off its node's address", func(d *Desired) { d.Clusters[0].Pods[2].IP = nodeIP(0) }, "is not its node's"},
		{"pod on its node's gateway", func(d *Desired) { d.Clusters[0].Pods[1].IP = podIP(0, 1) }, "not allocatable"},
		{"pod outside its node's pod cidr", func(d *Desired) { d.Clusters[0].Pods[1].IP = podIP(1, 2) }, "not allocatable"},
		{"service outside the service cidr", func(d *Desired) { d.Clusters[0].Services[0].ClusterIP = ma("10.1.0.2") }, "outside 10.0.0.0/16"},
		{"service port out of range", func(d *Desired) { d.Clusters[0].Services[0].TargetPort = 70000 }, "invalid ports"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := valid()
			c.mutate(&d)
			err := d.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestCompile_PodResolvConf: a pod's namespace carries the resolv.conf the
// kubelet writes for a ClusterFirst pod in the default namespace; a node's
// (and so a host-network pod's) has none, and a cluster without a DNS
// service IP gives its pods none.
func TestCompile_PodResolvConf(t *testing.T) {
	pods := []Pod{{Name: "pod-a", Node: nodeName(0), IP: podIP(0, 2)}}
	names := Names{Prefix: "aksnet-t-"}
	w, err := compile(fixture{nodes: 1, skipNode: -1, pods: pods}.desired(), names)
	if err != nil {
		t.Fatal(err)
	}
	want := "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.0.0.10\noptions ndots:5\n"
	if got := w[names.Pod(testCluster, "pod-a")].ResolvConf; got != want {
		t.Errorf("pod resolv.conf\n%q\nwant\n%q", got, want)
	}
	if got := w[names.Node(nodeName(0))].ResolvConf; got != "" {
		t.Errorf("node namespace has a resolv.conf: %q", got)
	}
	d := fixture{nodes: 1, skipNode: -1, pods: pods, noDNS: true}.desired()
	d.Clusters[0].DNSServiceIP = netip.Addr{}
	if w, err = compile(d, names); err != nil {
		t.Fatal(err)
	}
	if got := w[names.Pod(testCluster, "pod-a")].ResolvConf; got != "" {
		t.Errorf("pod of a cluster without DNS has a resolv.conf: %q", got)
	}
}

// TestDiff_ResolvConf: a missing or stale resolv.conf is written, a
// matching one left alone, an unwanted one removed.
func TestDiff_ResolvConf(t *testing.T) {
	for _, c := range []struct{ want, have, op string }{
		{"nameserver 10.0.0.10\n", "", "write resolv.conf"},
		{"nameserver 10.0.0.10\n", "nameserver 10.0.0.11\n", "write resolv.conf"},
		{"nameserver 10.0.0.10\n", "nameserver 10.0.0.10\n", ""},
		{"", "nameserver 10.0.0.10\n", "remove resolv.conf"},
	} {
		var got []string
		for _, op := range diff(&NSState{ResolvConf: c.want}, &observed{NSState: NSState{ResolvConf: c.have}}, nil) {
			got = append(got, op.String())
		}
		if strings.Join(got, ",") != c.op {
			t.Errorf("want %q have %q: ops %v, want %q", c.want, c.have, got, c.op)
		}
	}
}
