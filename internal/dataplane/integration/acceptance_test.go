package integration

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/aksnet/aksnet/internal/provider/containerservice"
)

// TestIntegrationPodToPod: a pod on node 1 reaches a pod on node 2 and the
// echo reports the pod IP (no NAT). Deleting node 2's route through the
// API breaks it; the route controller restores the route and it works
// again.
func TestIntegrationPodToPod(t *testing.T) {
	e, c := startArticle(t, "rg-p2p")
	a, b := c.podPair()
	if a.PodIP != "10.244.0.2" || b.PodIP != "10.244.1.2" || a.Node != c.nodes[0].name {
		t.Fatalf("pods %+v %+v: want 10.244.0.2 on node 0 and 10.244.1.2 on node 1 (host-local's first address)", a, b)
	}
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)

	// While node 1's route is gone from the store, the data plane must
	// drop the traffic; the recorder checks it right after the data plane
	// applied such a state, before the controller moves on.
	var gapSeen, gapLeaked atomic.Int32
	e.dp.onSet(func(d dataplane.Desired) {
		if hasRoute(d, c.nodes[1].podCIDR) {
			return
		}
		gapSeen.Add(1)
		if _, err := quick(a, b.PodIP+":8080"); err == nil {
			gapLeaked.Add(1)
		}
	})
	for try := 0; try < 10 && gapSeen.Load() == 0; try++ {
		e.az("network", "route-table", "route", "delete", "-g", c.routeTableRG, "--route-table-name", c.routeTable, "-n", c.nodes[1].route)
		eventually(t, 5*time.Second, "route controller restores the route", func() error {
			if out, _, code := e.try("network", "route-table", "route", "show", "-g", c.routeTableRG, "--route-table-name", c.routeTable, "-n", c.nodes[1].route); code != 0 {
				return fmt.Errorf("route still missing: %s", out)
			}
			return nil
		})
	}
	e.dp.onSet(nil)
	if gapSeen.Load() == 0 {
		t.Fatal("the data plane never applied a state without node 1's route")
	}
	if gapLeaked.Load() != 0 {
		t.Fatalf("pod-a reached pod-b %d times while node 1's route was gone", gapLeaked.Load())
	}
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)
}

func hasRoute(d dataplane.Desired, prefix string) bool {
	p := netip.MustParsePrefix(prefix)
	for _, v := range d.VNets {
		for _, s := range v.Subnets {
			for _, r := range s.Routes {
				if r.Prefix == p && r.Source == "User" {
					return true
				}
			}
		}
	}
	return false
}

// TestIntegrationBYORouteTableDefaultNone: a bring-your-own route table
// with a custom 0.0.0.0/0 → None blocks internet egress, and the VNet
// (pod to pod across nodes) still works.
func TestIntegrationBYORouteTableDefaultNone(t *testing.T) {
	e := start(t)
	rg := "rg-byo"
	subnet := e.articleNetwork(rg)
	e.az("network", "route-table", "create", "-g", rg, "-n", "myRouteTable")
	e.az("network", "route-table", "route", "create", "-g", rg, "--route-table-name", "myRouteTable", "-n", "default-none",
		"--address-prefix", "0.0.0.0/0", "--next-hop-type", "None")
	e.az("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--route-table", "myRouteTable")
	c := e.articleCluster(rg, subnet)
	if c.routeTable != "myRouteTable" {
		t.Fatalf("cluster uses route table %s, want the BYO myRouteTable", c.routeTable)
	}
	a, b := c.podPair()
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)
	blocked(t, a, "203.0.113.10:80")
	// Removing the custom route gives the internet back.
	e.az("network", "route-table", "route", "delete", "-g", rg, "--route-table-name", "myRouteTable", "-n", "default-none")
	sees(t, a, "203.0.113.10:80", "internet", c.publicIP())
}

// publicIP is the address of the cluster's outbound public IP resource.
func (c cluster) publicIP() string {
	var ip netip.Addr
	must(c.e.t, c.e.arm.Plane.ARM.View(func(call *arm.Call) error {
		var err error
		ip, err = containerservice.OutboundIP(call, c.id)
		return err
	}))
	return ip.String()
}

// TestIntegrationNAT: a pod reaches 203.0.113.10, which reports the
// cluster's outbound public IP; a pod reaching a host-network pod on
// another node is seen as its node's IP.
func TestIntegrationNAT(t *testing.T) {
	_, c := startArticle(t, "rg-nat")
	pip := c.publicIP()
	if !strings.HasPrefix(pip, "198.51.100.") {
		t.Fatalf("outbound public IP %q, want one from 198.51.100.0/24", pip)
	}
	a := c.run("pod-a", 0, false)
	k := c.run("konnectivity", 2, true)
	if k.PodIP != c.nodes[2].ip || !k.HostNetwork {
		t.Fatalf("host-network pod %+v: want node 2's IP %s", k, c.nodes[2].ip)
	}
	sees(t, a, "203.0.113.10:80", "internet", pip)
	sees(t, a, k.PodIP+":8080", "konnectivity", c.nodes[0].ip)
	// The host-network pod itself reaches the internet as the public IP too.
	sees(t, k, "203.0.113.10:80", "internet", pip)
}

// TestIntegrationNSG: an NSG on the subnet denying the pod CIDR blocks
// cross-node pod traffic; removing it restores it.
func TestIntegrationNSG(t *testing.T) {
	rg := "rg-nsg"
	e, c := startArticle(t, rg)
	a, b := c.podPair()
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)
	e.az("network", "nsg", "create", "-g", rg, "-n", "deny-pods")
	e.az("network", "nsg", "rule", "create", "-g", rg, "--nsg-name", "deny-pods", "-n", "deny-pod-cidr", "--priority", "100",
		"--direction", "Inbound", "--access", "Deny", "--protocol", "*", "--source-address-prefixes", "10.244.0.0/16",
		"--destination-address-prefixes", "*", "--destination-port-ranges", "*")
	// The association must reach the kernel within a second: the recorder
	// notes when the data plane has applied a state with the NSG.
	applied := make(chan time.Time, 1)
	e.dp.onSet(func(d dataplane.Desired) {
		for _, v := range d.VNets {
			for _, s := range v.Subnets {
				if s.NSG != nil && strings.HasSuffix(s.NSG.ID, "/deny-pods") {
					select {
					case applied <- time.Now():
					default:
					}
				}
			}
		}
	})
	start := time.Now()
	e.az("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--network-security-group", "deny-pods")
	select {
	case at := <-applied:
		if d := at.Sub(start); d > time.Second {
			t.Errorf("the NSG association reached the kernel %s after the request, want within 1 s", d)
		} else {
			t.Logf("NSG association in the kernel %s after the request", d.Round(time.Millisecond))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the data plane never applied the NSG association")
	}
	e.dp.onSet(nil)
	blocked(t, a, b.PodIP+":8080")
	e.az("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--network-security-group", "")
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)
}

// TestIntegrationDNSAndServices: from a pod, DNS at 10.0.0.10 answers
// kubernetes.default.svc.cluster.local with 10.0.0.1 and a service by
// name; the ClusterIP service reaches each of its pods.
func TestIntegrationDNSAndServices(t *testing.T) {
	rg := "rg-svc"
	e, c := startArticle(t, rg)
	client := c.run("client", 2, false)
	c.run("web-1", 0, false)
	c.run("web-2", 1, false)
	var svc struct {
		ClusterIP string `json:"clusterIP"`
	}
	must(t, json.Unmarshal([]byte(e.az("aks", "service", "create", "-g", rg, "-n", c.name, "--name", "web", "--selector", "web-",
		"--port", "80", "--target-port", "8080")), &svc))
	if svc.ClusterIP != "10.0.0.2" {
		t.Fatalf("service ClusterIP %s, want 10.0.0.2 (the first free address after .1)", svc.ClusterIP)
	}
	for name, want := range map[string]string{
		"kubernetes.default.svc.cluster.local":   "10.0.0.1",
		"web.default.svc.cluster.local":          "10.0.0.2",
		"kube-dns.kube-system.svc.cluster.local": "10.0.0.10",
	} {
		eventually(t, 5*time.Second, "DNS "+name, func() error {
			got, err := lookup(client, name)
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].String() != want {
				return fmt.Errorf("got %v, want %s", got, want)
			}
			return nil
		})
	}
	if got, err := lookup(client, "nope.default.svc.cluster.local"); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("unknown service name: got %v, err %v; want NXDOMAIN (no such host)", got, err)
	}
	seen := map[string]bool{}
	eventually(t, 10*time.Second, "service reaches web-1 and web-2", func() error {
		r, err := echo(client, "10.0.0.2:80")
		if err != nil {
			return err
		}
		if r.Client != client.PodIP {
			return fmt.Errorf("service traffic was NATed: echo saw %s, want %s", r.Client, client.PodIP)
		}
		seen[r.Pod] = true
		if !seen["web-1"] || !seen["web-2"] {
			return fmt.Errorf("seen %v", seen)
		}
		return nil
	})
	// Deleting a pod takes it out of the service.
	e.az("aks", "pod", "delete", "-g", rg, "-n", c.name, "--name", "web-1")
	eventually(t, 5*time.Second, "web-1 leaves the service", func() error {
		for range 6 {
			r, err := echo(client, "10.0.0.2:80")
			if err != nil {
				return err
			}
			if r.Pod != "web-2" {
				return fmt.Errorf("answered by %s", r.Pod)
			}
		}
		return nil
	})
}

// TestIntegrationDriftRestartCleanup: a namespace and a route deleted by
// hand come back within 2 s; a restarted server adopts the namespaces
// without re-creating them; deleting the cluster and cleaning up leave
// nothing behind.
func TestIntegrationDriftRestartCleanup(t *testing.T) {
	rg := "rg-drift"
	e, c := startArticle(t, rg)
	a, b := c.podPair()
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)

	// Drift: pod-b's namespace and the fabric's route to node 1's pods.
	names := e.linux.Names()
	must(t, deleteNetns(names.Pod(c.id, "pod-b")))
	must(t, deleteFabricRoute(names.VNet(strings.TrimSuffix(c.subnet, "/subnets/myAKSSubnet")), c.nodes[1].podCIDR))
	start := time.Now()
	// The namespace comes back at the next pass; the fabric's route with
	// the resync share that reaches the fabric's namespace, within one
	// pass a second × dataplane.Options.ResyncSpread (30) at the most.
	eventually(t, 35*time.Second, "drift repaired", func() error {
		// Unbinding does not end the namespace while pod-b's echo holds
		// it: the echo can still answer before the repair, so the
		// repair is the namespace bound again.
		if _, ok := inodes(t, e)[names.Pod(c.id, "pod-b")]; !ok {
			return fmt.Errorf("pod-b's namespace is not bound again")
		}
		r, err := quick(a, b.PodIP+":8080")
		if err != nil {
			return err
		}
		if r.Pod != "pod-b" {
			return fmt.Errorf("answered %+v", r)
		}
		return nil
	})
	t.Logf("drift repaired in %s", time.Since(start).Round(time.Millisecond))

	// Restart: the next server adopts what exists.
	before := inodes(t, e)
	e.stopServer()
	e.startServer()
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)
	after := inodes(t, e)
	for name, ino := range before {
		if after[name] != ino {
			t.Errorf("namespace %s was re-created on restart (inode %d → %d)", name, ino, after[name])
		}
	}
	if len(after) != len(before) {
		t.Errorf("namespaces changed on restart: %d → %d", len(before), len(after))
	}

	// Deleting the cluster leaves no namespace (and so no link) behind.
	e.az("aks", "delete", "-g", rg, "-n", c.name, "--yes")
	eventually(t, 10*time.Second, "cluster's namespaces removed", func() error {
		if left := e.namespaces(); len(left) > 0 {
			return fmt.Errorf("left: %v", left)
		}
		return nil
	})
}

// TestIntegrationScaleDownRemovesPods: the pods of a node that a scale-down
// removes go with it, their namespaces and addresses too; after a scale-up
// the new node's pods get addresses no other pod has, and answer as
// themselves. (They lingered, and their IPs were handed out twice.)
func TestIntegrationScaleDownRemovesPods(t *testing.T) {
	e, c := startArticle(t, "rg-scale-pods")
	keep := c.run("keep", 0, false)
	gone := []pod{c.run("gone-1", 2, false), c.run("gone-2", 2, false)}
	e.az("aks", "scale", "-g", c.rg, "-n", c.name, "--node-count", "2")

	list := func() []pod {
		var out []pod
		must(t, json.Unmarshal([]byte(e.az("aks", "pod", "list", "-g", c.rg, "-n", c.name)), &out))
		return out
	}
	for _, p := range list() {
		if p.Node == c.nodes[2].name {
			t.Errorf("pod %s is still on removed node %s", p.Name, p.Node)
		}
	}
	for _, p := range gone {
		eventually(t, 5*time.Second, "pod "+p.Name+"'s namespace removed", func() error {
			if _, err := os.Stat(p.Netns); !os.IsNotExist(err) {
				return fmt.Errorf("%s is still there after its node went: %v", p.Netns, err)
			}
			return nil
		})
	}

	e.az("aks", "scale", "-g", c.rg, "-n", c.name, "--node-count", "3")
	fresh := []pod{c.run("new-1", -1, false), c.run("new-2", -1, false), c.run("new-3", -1, false)}
	seen := map[string]string{}
	for _, p := range list() {
		if other, dup := seen[p.PodIP]; dup {
			t.Errorf("pods %s and %s share %s", other, p.Name, p.PodIP)
		}
		seen[p.PodIP] = p.Name
	}
	for _, p := range fresh {
		sees(t, keep, p.PodIP+":8080", p.Name, keep.PodIP)
	}
}

// TestIntegrationDetachedRouteTable: the network RP lets a user detach the
// subnet's route table while the cluster uses it (Azure allows it; only
// AKS's own operations refuse the changed association). In the kernel, pod
// traffic between nodes then stops, `aks trace` names the detached table
// as the cause, AKS refuses a scale with CustomRouteTableInvalidUpdateAttempt,
// and associating the table again brings the traffic back.
func TestIntegrationDetachedRouteTable(t *testing.T) {
	e, c := startArticle(t, "rg-detach")
	a, b := c.podPair()
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)

	e.az("network", "vnet", "subnet", "update", "-g", c.rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--route-table", "")
	blocked(t, a, b.PodIP+":8080")
	trace := e.az("aks", "trace", "-g", c.rg, "-n", c.name, "--from", a.PodIP, "--to", b.PodIP+":8080", "-o", "json")
	if !strings.Contains(trace, "was detached from it") || !strings.Contains(trace, c.routeTable) {
		t.Errorf("aks trace does not name the detached route table %s:\n%s", c.routeTable, trace)
	}
	_, stderr, code := e.try("aks", "scale", "-g", c.rg, "-n", c.name, "--node-count", "4")
	if code != 1 {
		t.Errorf("aks scale with the route table detached: exit %d, want 1", code)
	}
	wantCode(t, stderr, "CustomRouteTableInvalidUpdateAttempt")

	e.az("network", "vnet", "subnet", "update", "-g", c.rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet",
		"--route-table", "/subscriptions/"+strings.Split(c.id, "/")[2]+"/resourceGroups/"+c.routeTableRG+"/providers/Microsoft.Network/routeTables/"+c.routeTable)
	sees(t, a, b.PodIP+":8080", "pod-b", a.PodIP)
}

// TestIntegrationStopStart: az aks stop deallocates the nodes, so in the
// kernel the cluster's node and pod namespaces go and nothing of it answers;
// az aks start realises them again, with the same addresses, and pod traffic
// between nodes works as before.
func TestIntegrationStopStart(t *testing.T) {
	e, c := startArticle(t, "rg-stop")
	a, b := c.run("a", 0, false), c.run("b", 1, false)
	sees(t, a, b.PodIP+":8080", b.Name, a.PodIP)

	e.az("aks", "stop", "-g", c.rg, "-n", c.name)
	for _, p := range []pod{a, b} {
		eventually(t, 5*time.Second, "pod "+p.Name+"'s namespace removed by the stop", func() error {
			if _, err := os.Stat(p.Netns); !os.IsNotExist(err) {
				return fmt.Errorf("%s is still there on a stopped cluster: %v", p.Netns, err)
			}
			return nil
		})
	}

	e.az("aks", "start", "-g", c.rg, "-n", c.name)
	for _, p := range []pod{a, b} {
		eventually(t, 5*time.Second, "pod "+p.Name+"'s namespace back after the start", func() error {
			_, err := os.Stat(p.Netns)
			return err
		})
	}
	sees(t, a, b.PodIP+":8080", b.Name, a.PodIP)
}
