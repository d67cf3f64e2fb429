package controlplane_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/cli"
	"github.com/aksnet/aksnet/internal/dataplane"
)

// dpEnv is a control plane whose data plane is the in-memory fake, driven
// through the CLI; it runs without root.
type dpEnv struct {
	t    *testing.T
	arm  *armtest.Env
	fake *dataplane.Fake
}

func startWithFake(t *testing.T) *dpEnv {
	t.Helper()
	f, err := dataplane.NewFake(dataplane.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &dpEnv{t: t, arm: armtest.Start(t, armtest.Options{Dataplane: f}), fake: f}
}

func (e *dpEnv) az(args ...string) string {
	e.t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"--endpoint", e.arm.URL, "--state-dir", e.arm.StateDir, "--only-show-errors"}, args...)
	if code := cli.Main(all, strings.NewReader(""), &out, &errOut); code != 0 {
		e.t.Fatalf("aksnet %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// within polls cond until it returns "" or d passes.
func (e *dpEnv) within(d time.Duration, what string, cond func() string) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within %s: %s", what, d, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *dpEnv) contains(line string) func() string {
	return func() string {
		if s := e.fake.String(); !strings.Contains(s, line) {
			return fmt.Sprintf("the data plane lacks %q", line)
		}
		return ""
	}
}

func (e *dpEnv) lacks(line string) func() string {
	return func() string {
		if strings.Contains(e.fake.String(), line) {
			return fmt.Sprintf("the data plane still has %q", line)
		}
		return ""
	}
}

// TestDataplaneController_FollowsTheStore checks that the controller turns
// the store into the data plane within a second of each change: a cluster,
// a pod, a route deleted (and restored by the route controller), a stop and
// a start, an NSG on the subnet, and the cluster's deletion.
func TestDataplaneController_FollowsTheStore(t *testing.T) {
	e := startWithFake(t)
	e.az("group", "create", "--name", "rg", "--location", "eastus")
	e.az("network", "vnet", "create", "-g", "rg", "-n", "myAKSVnet", "--address-prefixes", "192.168.0.0/16",
		"--subnet-name", "myAKSSubnet", "--subnet-prefix", "192.168.1.0/24")
	subnet := strings.TrimSpace(e.az("network", "vnet", "subnet", "show", "-g", "rg", "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--query", "id", "-o", "tsv"))
	e.az("aks", "create", "-g", "rg", "-n", "myAKSCluster", "--network-plugin", "kubenet", "--service-cidr", "10.0.0.0/16",
		"--dns-service-ip", "10.0.0.10", "--pod-cidr", "10.244.0.0/16", "--vnet-subnet-id", subnet, "--no-ssh-key", "--node-count", "3")
	e.within(time.Second, "nodes realised", e.contains("addr 192.168.1.6/24 dev eth0"))
	e.within(time.Second, "node 1's pod route in the fabric", e.contains("10.244.1.0/24 via 192.168.1.5 dev aksnetc0a80105 onlink"))
	e.within(time.Second, "public IP SNAT", e.contains(`snat to 198.51.100.`))
	e.within(time.Second, "cluster DNS", e.contains("workload dns :53 kube-dns.kube-system.svc.cluster.local.=10.0.0.10 kubernetes.default.svc.cluster.local.=10.0.0.1"))

	nodeRG := strings.TrimSpace(e.az("aks", "show", "-g", "rg", "-n", "myAKSCluster", "--query", "nodeResourceGroup", "-o", "tsv"))
	rt := strings.TrimSpace(e.az("network", "route-table", "list", "-g", nodeRG, "--query", "[0].name", "-o", "tsv"))
	route := strings.TrimSpace(e.az("network", "route-table", "route", "list", "-g", nodeRG, "--route-table-name", rt,
		"--query", "[?nextHopIpAddress=='192.168.1.5'].name | [0]", "-o", "tsv"))
	node1 := strings.Split(route, "____")[0]

	// A managed route deleted through the API: the route controller puts
	// it back and the data plane follows.
	e.az("network", "route-table", "route", "delete", "-g", nodeRG, "--route-table-name", rt, "-n", route)
	e.within(time.Second, "route restored", e.contains("10.244.1.0/24 via 192.168.1.5 dev aksnetc0a80105 onlink"))

	e.az("aks", "pod", "run", "-g", "rg", "-n", "myAKSCluster", "--name", "web-1", "--node", node1)
	e.within(time.Second, "pod realised", e.contains("workload echo :8080 web-1"))
	e.az("aks", "service", "create", "-g", "rg", "-n", "myAKSCluster", "--name", "web", "--selector", "web-", "--port", "80")
	e.within(time.Second, "service DNAT", e.contains("ip daddr 10.0.0.2 ip protocol tcp th dport 80 dnat to 10.244.1.2:8080"))

	// az aks stop deallocates the nodes: the cluster's namespaces go, its
	// pod with them; az aks start brings them back, the pod included.
	e.az("aks", "stop", "-g", "rg", "-n", "myAKSCluster")
	e.within(time.Second, "stopped cluster's nodes gone", e.lacks("addr 192.168.1.6/24 dev eth0"))
	e.within(time.Second, "stopped cluster's pod gone", e.lacks("workload echo :8080 web-1"))
	e.az("aks", "start", "-g", "rg", "-n", "myAKSCluster")
	e.within(time.Second, "started cluster's nodes back", e.contains("addr 192.168.1.6/24 dev eth0"))
	e.within(time.Second, "started cluster's pod back", e.contains("workload echo :8080 web-1"))
	e.within(time.Second, "service DNAT back", e.contains("ip daddr 10.0.0.2 ip protocol tcp th dport 80 dnat to 10.244.1.2:8080"))

	e.az("network", "nsg", "create", "-g", "rg", "-n", "deny-pods")
	e.az("network", "nsg", "rule", "create", "-g", "rg", "--nsg-name", "deny-pods", "-n", "deny", "--priority", "100",
		"--access", "Deny", "--source-address-prefixes", "10.244.0.0/16", "--destination-port-ranges", "*")
	e.az("network", "vnet", "subnet", "update", "-g", "rg", "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--network-security-group", "deny-pods")
	e.within(time.Second, "NSG enforced", e.contains("ip saddr 10.244.0.0/16 drop"))
	e.az("network", "vnet", "subnet", "update", "-g", "rg", "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--network-security-group", "")
	e.within(time.Second, "NSG removed", e.lacks("ip saddr 10.244.0.0/16 drop"))

	// Drift: a namespace deleted by hand comes back.
	before := len(e.fake.Namespaces())
	for _, ns := range e.fake.Namespaces() {
		if strings.Contains(ns, "web-1") {
			e.fake.DeleteNamespace(ns)
		}
	}
	e.within(2*time.Second, "deleted namespace restored", func() string {
		if n := len(e.fake.Namespaces()); n != before {
			return fmt.Sprintf("%d namespaces, want %d", n, before)
		}
		return ""
	})

	e.az("aks", "delete", "-g", "rg", "-n", "myAKSCluster", "--yes")
	e.within(time.Second, "cluster removed", func() string {
		if ns := e.fake.Namespaces(); len(ns) > 0 {
			return fmt.Sprintf("namespaces left: %v", ns)
		}
		return ""
	})
}
