package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// traceVerdict is the part of `aks trace --verify -o json` the test reads.
type traceVerdict struct {
	Outcome          string `json:"outcome"`
	TranslatedSource string `json:"translatedSource"`
	Verification     struct {
		Reached    bool   `json:"reached"`
		SeenSource string `json:"seenSource"`
		Pod        string `json:"pod"`
		Match      bool   `json:"match"`
		Verdict    string `json:"verdict"`
	} `json:"verification"`
}

// verified runs `aks trace --verify` until the real probe agrees with the
// predicted path (the data plane takes up to a second to apply a change),
// and checks the predicted outcome and the source the destination saw.
func (c cluster) verified(t *testing.T, from, to, protocol, outcome, seen string) traceVerdict {
	t.Helper()
	var v traceVerdict
	eventually(t, 10*time.Second, fmt.Sprintf("trace --verify %s → %s", from, to), func() error {
		out, errs, code := c.e.try("aks", "trace", "-g", c.rg, "-n", c.name, "--from", from, "--to", to, "--protocol", protocol, "--verify", "-o", "json")
		if out == "" {
			return fmt.Errorf("exit %d: %s", code, errs)
		}
		v = traceVerdict{}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			return fmt.Errorf("output is not JSON: %v\n%s", err, out)
		}
		if v.Outcome != outcome {
			return fmt.Errorf("predicted %s, want %s", v.Outcome, outcome)
		}
		if code != 0 || !v.Verification.Match {
			return fmt.Errorf("exit %d: %s", code, v.Verification.Verdict)
		}
		return nil
	})
	t.Logf("%s → %s: %s, %s", from, to, v.Outcome, v.Verification.Verdict)
	if seen != "" && (v.Verification.SeenSource != seen || v.TranslatedSource != seen) {
		t.Errorf("trace %s → %s: predicted source %s, the destination saw %s; want %s", from, to, v.TranslatedSource, v.Verification.SeenSource, seen)
	}
	return v
}

// TestIntegrationTraceVerify: on the article's 3-node cluster, the trace's
// prediction and a real probe through the netns data plane agree: pod to
// pod across nodes, pod to the internet, node to pod, pod to a ClusterIP
// service (with an endpoint on another node and on its own) and to the
// cluster DNS, pod to a destination an NSG denies (the
// prediction names the rule and priority), and pod to the pod CIDR of a
// node whose route was deleted with it.
func TestIntegrationTraceVerify(t *testing.T) {
	rg := "rg-trace"
	e, c := startArticle(t, rg)
	a, b := c.podPair()
	pip := c.publicIP()

	v := c.verified(t, "pod-a", b.PodIP+":8080", "Tcp", "Delivered", a.PodIP)
	if v.Verification.Pod != "pod-b" {
		t.Errorf("pod → pod answered by %q", v.Verification.Pod)
	}
	c.verified(t, a.PodIP, "203.0.113.10:80", "Tcp", "Internet", pip)
	c.verified(t, c.nodes[2].name, b.PodIP+":8080", "Tcp", "Delivered", c.nodes[2].ip)

	var svc struct {
		ClusterIP string `json:"clusterIP"`
	}
	must(t, json.Unmarshal([]byte(e.az("aks", "service", "create", "-g", rg, "-n", c.name, "--name", "web", "--selector", "pod-b",
		"--port", "80", "--target-port", "8080")), &svc))
	c.verified(t, "pod-a", svc.ClusterIP+":80", "Tcp", "Delivered", a.PodIP)
	// An endpoint on the sender's own node keeps the sender's address (the
	// bridged reply passes the node's conntrack); only hairpin traffic, the
	// endpoint reaching itself, is masqueraded, to cbr0's address.
	pc := c.run("pod-c", 1, false)
	c.verified(t, "pod-c", svc.ClusterIP+":80", "Tcp", "Delivered", pc.PodIP)
	c.verified(t, "pod-b", svc.ClusterIP+":80", "Tcp", "Delivered", strings.TrimSuffix(c.nodes[1].podCIDR, "0/24")+"1")
	c.verified(t, "pod-a", "10.0.0.10:53", "Udp", "Delivered", "")
	// A service without endpoints: the node's service rules refuse at once.
	var idle struct {
		ClusterIP string `json:"clusterIP"`
	}
	must(t, json.Unmarshal([]byte(e.az("aks", "service", "create", "-g", rg, "-n", c.name, "--name", "idle", "--selector", "nobody-",
		"--port", "80", "--target-port", "8080")), &idle))
	c.verified(t, "pod-a", idle.ClusterIP+":80", "Tcp", "Refused", "")
	// No rule for another port of the service: the packet is routed to the
	// fabric, which drops 10/8.
	c.verified(t, "pod-a", svc.ClusterIP+":81", "Tcp", "Blackholed", "")

	// An NSG on the subnet denying the pod CIDR.
	e.az("network", "nsg", "create", "-g", rg, "-n", "deny-pods")
	e.az("network", "nsg", "rule", "create", "-g", rg, "--nsg-name", "deny-pods", "-n", "deny-pod-cidr", "--priority", "100",
		"--direction", "Inbound", "--access", "Deny", "--protocol", "*", "--source-address-prefixes", "10.244.0.0/16",
		"--destination-address-prefixes", "*", "--destination-port-ranges", "*")
	e.az("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--network-security-group", "deny-pods")
	c.verified(t, "pod-a", b.PodIP+":8080", "Tcp", "Dropped", "")
	table, _, _ := e.try("aks", "trace", "-g", rg, "-n", c.name, "--from", "pod-a", "--to", b.PodIP+":8080")
	if !strings.Contains(table, "deny-pods rule deny-pod-cidr (priority 100): Deny") {
		t.Errorf("the trace does not name the denying rule:\n%s", table)
	}
	e.az("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet", "--network-security-group", "")
	c.verified(t, "pod-a", b.PodIP+":8080", "Tcp", "Delivered", a.PodIP)

	// Scaling to two nodes deletes node 2 and its route: its pod CIDR is
	// blackholed by the fabric's 10/8 None route.
	e.az("aks", "scale", "-g", rg, "-n", c.name, "--node-count", "2")
	gone := strings.TrimSuffix(c.nodes[2].podCIDR, "0/24") + "9:8080"
	c.verified(t, "pod-a", gone, "Tcp", "Blackholed", "")
}

// TestIntegrationTraceVerifyVNet: the trace resolves destinations and next
// hops against every NIC in the VNet, as the fabric (and the kernel) do:
// an unused VNet address is dropped, and a user route whose next hop is a
// node of another cluster in the VNet delivers into that cluster's pods.
func TestIntegrationTraceVerifyVNet(t *testing.T) {
	rg := "rg-trace-vnet"
	e, a := startArticle(t, rg)
	a.run("pod-a", 0, false)
	a.verified(t, "pod-a", "192.168.1.200:8080", "Tcp", "Dropped", "")

	// Cluster "other" in a second subnet of the same VNet, with its own
	// pod CIDR and route table.
	e.az("network", "vnet", "subnet", "create", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "other", "--address-prefixes", "192.168.2.0/24")
	subnet := e.query("id", "network", "vnet", "subnet", "show", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "other")
	e.az("aks", "create", "-g", rg, "-n", "other", "--network-plugin", "kubenet", "--service-cidr", "10.1.0.0/16",
		"--dns-service-ip", "10.1.0.10", "--pod-cidr", "10.245.0.0/16", "--vnet-subnet-id", subnet, "--no-ssh-key", "--node-count", "1")
	rt := strings.Split(e.query("routeTable.id", "network", "vnet", "subnet", "show", "--ids", subnet), "/")
	if len(rt) < 9 {
		t.Fatalf("subnet other's route table: %v", rt)
	}
	var routes []struct {
		Prefix  string `json:"addressPrefix"`
		NextHop string `json:"nextHopIpAddress"`
	}
	must(t, json.Unmarshal([]byte(e.az("network", "route-table", "route", "list", "-g", rt[4], "--route-table-name", rt[8])), &routes))
	if len(routes) != 1 || routes[0].Prefix != "10.245.0.0/24" {
		t.Fatalf("cluster other's routes: %+v", routes)
	}
	web := cluster{e: e, rg: rg, name: "other"}.run("web", -1, false)

	// Cluster A's route table sends other's first /24 to other's node.
	e.az("network", "route-table", "route", "create", "-g", a.routeTableRG, "--route-table-name", a.routeTable, "-n", "to-other",
		"--address-prefix", "10.245.0.0/24", "--next-hop-type", "VirtualAppliance", "--next-hop-ip-address", routes[0].NextHop)
	a.verified(t, "pod-a", web.PodIP+":8080", "Tcp", "Delivered", a.nodes[0].ip)
}
