package fabric

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

// cluster is a three-node kubenet cluster in a 192.168.0.0/16 VNet.
type cluster struct {
	vnet  []netip.Prefix
	nodes []Node
	udrs  []Route
}

const rtID = "/subscriptions/s/resourceGroups/MC_rg_aks_eastus/providers/Microsoft.Network/routeTables/aks-agentpool-12345678-routetable"

func newCluster() *cluster {
	c := &cluster{vnet: []netip.Prefix{pfx("192.168.0.0/16")}}
	for i, n := range []struct{ ip, cidr, route string }{
		{"192.168.1.4", "10.244.0.0/24", "102440024"},
		{"192.168.1.5", "10.244.1.0/24", "102441024"},
		{"192.168.1.6", "10.244.2.0/24", "102442024"},
	} {
		name := "aks-nodepool1-12345678-vmss00000" + string(rune('0'+i))
		node := Node{Name: name, IP: addr(n.ip), PodCIDR: pfx(n.cidr), IPForwarding: true}
		c.nodes = append(c.nodes, node)
		c.udrs = append(c.udrs, Route{Name: name + "____" + n.route, Prefix: node.PodCIDR,
			NextHopType: VirtualAppliance, NextHopIP: node.IP, RouteTableID: rtID})
	}
	return c
}

// input builds a trace from src on node 0 to dst, with the AKS NSG (no custom
// rules) on every NIC and no subnet NSG.
func (c *cluster) input(src, dst string, port int) TraceInput {
	nodes := map[netip.Addr]Node{}
	for _, n := range c.nodes {
		nodes[n.IP] = n
	}
	nsg := &NSG{Name: "aks-agentpool-12345678-nsg"}
	return TraceInput{
		Source: addr(src), Node: c.nodes[0], ClusterPodCIDR: pfx("10.244.0.0/16"),
		Dst: addr(dst), DstPort: port, SrcPort: 40000, Protocol: "Tcp",
		Routes:       NewTable(EffectiveRoutes(c.vnet, c.udrs)),
		SourceNICNSG: nsg, DestNICNSG: nsg,
		Tags:             NewTagContext(c.vnet, c.udrs),
		Nodes:            nodes,
		OutboundPublicIP: addr("20.10.0.1"),
	}
}

func steps(r TraceResult) []string {
	var s []string
	for _, h := range r.Hops {
		s = append(s, h.Step)
	}
	return s
}

// hop returns the last hop with the given step.
func lastHop(r TraceResult, step string) (Hop, bool) {
	for i := len(r.Hops) - 1; i >= 0; i-- {
		if r.Hops[i].Step == step {
			return r.Hops[i], true
		}
	}
	return Hop{}, false
}

func TestTrace(t *testing.T) {
	podToPodPath := []string{
		StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut, StepRoute,
		StepNICNSGIn, StepNICForwarding, StepNode, StepBridge, StepPod,
	}
	denyRule := func(name string, prio int, dir, dst, port string) SecurityRule {
		return SecurityRule{Name: name, Priority: prio, Direction: dir, Access: Deny, Protocol: "Tcp",
			SourcePrefixes: []string{"*"}, DestPrefixes: []string{dst}, SourcePorts: []string{"*"}, DestPorts: []string{port}}
	}
	nsg := func(name string, rules ...SecurityRule) *NSG { return &NSG{Name: name, Rules: rules} }
	// blackhole is a UDR that sends 0.0.0.0/0 to None.
	blackhole := Route{Name: "blackhole", Prefix: pfx("0.0.0.0/0"), NextHopType: None, RouteTableID: rtID}
	// podToPod builds the cross-node pod-to-pod trace (10.244.0.5 on node 0
	// to 10.244.1.7:80 on node 1) and applies set to it.
	podToPod := func(set func(in *TraceInput)) func(c *cluster) TraceInput {
		return func(c *cluster) TraceInput {
			in := c.input("10.244.0.5", "10.244.1.7", 80)
			set(&in)
			return in
		}
	}
	tests := []struct {
		name    string
		build   func(c *cluster) TraceInput
		outcome string
		source  string   // expected TranslatedSource
		steps   []string // expected steps, when set
		// decisions maps a step to substrings its last hop's Decision must hold.
		decisions map[string][]string
	}{
		{
			name:    "cross-node pod to pod: no NAT, VirtualAppliance to the node",
			build:   func(c *cluster) TraceInput { return c.input("10.244.0.5", "10.244.1.7", 80) },
			outcome: OutcomeDelivered, source: "10.244.0.5", steps: podToPodPath,
			decisions: map[string][]string{
				StepRoute:      {rtID, "aks-nodepool1-12345678-vmss000001____102441024", "10.244.1.0/24"},
				StepNICNSGOut:  {"AllowVnetOutBound", "priority 65000"},
				StepNICNSGIn:   {"AllowVnetInBound", "priority 65000"},
				StepMasquerade: {"no masquerade"},
			},
		},
		{
			name:    "pod to Internet: SNAT to the node, then to the public IP",
			build:   func(c *cluster) TraceInput { return c.input("10.244.0.5", "93.184.216.34", 443) },
			outcome: OutcomeInternet, source: "20.10.0.1",
			steps: []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut, StepRoute, StepSNAT},
			decisions: map[string][]string{
				StepMasquerade: {"masquerade outside cluster pod CIDR 10.244.0.0/16"},
				StepNICNSGOut:  {"AllowInternetOutBound", "priority 65001"},
				StepRoute:      {SystemRouteTableID, "0.0.0.0/0"},
				StepSNAT:       {"20.10.0.1"},
			},
		},
		{
			name: "route deleted: pod CIDR falls to the 10/8 None system route",
			build: func(c *cluster) TraceInput {
				c.udrs = c.udrs[:1]
				return c.input("10.244.0.5", "10.244.1.7", 80)
			},
			outcome: OutcomeBlackholed, source: "10.244.0.5",
			decisions: map[string][]string{StepRoute: {SystemRouteTableID, "10.0.0.0/8"}},
		},
		{
			name: "outbound NSG deny on the source NIC names rule and priority",
			build: podToPod(func(in *TraceInput) {
				in.SourceNICNSG = nsg("nic-nsg", denyRule("DenyPodHttp", 200, Outbound, "10.244.0.0/16", "80"))
			}),
			outcome: OutcomeDropped, source: "10.244.0.5",
			steps:     []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut},
			decisions: map[string][]string{StepNICNSGOut: {"nic-nsg", "DenyPodHttp", "priority 200", "Deny"}},
		},
		{
			name: "outbound: the NIC NSG is evaluated before the subnet NSG",
			build: podToPod(func(in *TraceInput) {
				in.SourceNICNSG = nsg("nic-nsg", denyRule("NicDeny", 300, Outbound, "*", "80"))
				in.SourceSubnetNSG = nsg("subnet-nsg", denyRule("SubnetDeny", 100, Outbound, "*", "80"))
			}),
			outcome: OutcomeDropped, source: "10.244.0.5",
			decisions: map[string][]string{StepNICNSGOut: {"nic-nsg", "NicDeny", "priority 300"}},
		},
		{
			name: "inbound NSG deny on the destination subnet, evaluated before the NIC",
			build: podToPod(func(in *TraceInput) {
				in.DestSubnetNSG = nsg("subnet-nsg", denyRule("DenyInboundHttp", 310, Inbound, "10.244.1.0/24", "80"))
				in.DestNICNSG = nsg("nic-nsg", denyRule("NicDeny", 100, Inbound, "*", "*"))
			}),
			outcome: OutcomeDropped, source: "10.244.0.5",
			steps: []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut, StepRoute, StepSubnetNSGIn},
			decisions: map[string][]string{
				StepSubnetNSGIn: {"subnet-nsg", "DenyInboundHttp", "priority 310"},
			},
		},
		{
			name: "UDR 0/0 None blocks the Internet",
			build: func(c *cluster) TraceInput {
				c.udrs = append(c.udrs, blackhole)
				return c.input("10.244.0.5", "93.184.216.34", 443)
			},
			outcome: OutcomeBlackholed, source: "192.168.1.4",
			decisions: map[string][]string{StepRoute: {"blackhole", "0.0.0.0/0"}},
		},
		{
			name: "UDR 0/0 None leaves pod to pod working",
			build: func(c *cluster) TraceInput {
				c.udrs = append(c.udrs, blackhole)
				return c.input("10.244.0.5", "10.244.2.9", 80)
			},
			outcome: OutcomeDelivered, source: "10.244.0.5", steps: podToPodPath,
		},
		{
			name: "UDR 0/0 None leaves the VNet working (VnetLocal wins by LPM)",
			build: func(c *cluster) TraceInput {
				c.udrs = append(c.udrs, blackhole)
				return c.input("10.244.0.5", "192.168.1.6", 10250)
			},
			outcome: OutcomeDelivered, source: "192.168.1.4",
			steps:     []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut, StepRoute, StepNICNSGIn, StepNode},
			decisions: map[string][]string{StepRoute: {SystemRouteTableID, "192.168.0.0/16"}},
		},
		{
			name: "source NIC without IP forwarding drops unmasqueraded pod traffic",
			build: func(c *cluster) TraceInput {
				c.nodes[0].IPForwarding = false
				return c.input("10.244.0.5", "10.244.1.7", 80)
			},
			outcome: OutcomeDropped, source: "10.244.0.5",
			steps:     []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding},
			decisions: map[string][]string{StepNICForwarding: {"enableIPForwarding=false"}},
		},
		{
			name: "source NIC without IP forwarding still sends masqueraded traffic",
			build: func(c *cluster) TraceInput {
				c.nodes[0].IPForwarding = false
				return c.input("10.244.0.5", "93.184.216.34", 443)
			},
			outcome: OutcomeInternet, source: "20.10.0.1",
		},
		{
			name: "destination NIC without IP forwarding drops traffic for its pods",
			build: func(c *cluster) TraceInput {
				c.nodes[1].IPForwarding = false
				return c.input("10.244.0.5", "10.244.1.7", 80)
			},
			outcome: OutcomeDropped, source: "10.244.0.5",
			decisions: map[string][]string{StepNICForwarding: {"enableIPForwarding=false on aks-nodepool1-12345678-vmss000001"}},
		},
		{
			name:    "same-node pod to pod stays on cbr0",
			build:   func(c *cluster) TraceInput { return c.input("10.244.0.5", "10.244.0.9", 80) },
			outcome: OutcomeDelivered, source: "10.244.0.5",
			steps: []string{StepPod, StepBridge, StepBridge, StepPod},
		},
		{
			name:    "pod to its own node",
			build:   func(c *cluster) TraceInput { return c.input("10.244.0.5", "192.168.1.4", 10250) },
			outcome: OutcomeDelivered, source: "10.244.0.5",
			steps: []string{StepPod, StepBridge, StepNode},
		},
		{
			name:    "node to node (konnectivity uses the node IP): VnetLocal",
			build:   func(c *cluster) TraceInput { return c.input("192.168.1.4", "192.168.1.5", 8132) },
			outcome: OutcomeDelivered, source: "192.168.1.4",
			steps: []string{StepNode, StepNICForwarding, StepNICNSGOut, StepRoute, StepNICNSGIn, StepNode},
		},
		{
			name:    "node to a pod on another node keeps the node source",
			build:   func(c *cluster) TraceInput { return c.input("192.168.1.4", "10.244.2.3", 53) },
			outcome: OutcomeDelivered, source: "192.168.1.4",
			steps: []string{StepNode, StepNICForwarding, StepNICNSGOut, StepRoute, StepNICNSGIn, StepNICForwarding, StepNode, StepBridge, StepPod},
		},
		{
			name:    "node to a pod on itself",
			build:   func(c *cluster) TraceInput { return c.input("192.168.1.4", "10.244.0.3", 53) },
			outcome: OutcomeDelivered, source: "192.168.1.4",
			steps: []string{StepNode, StepBridge, StepPod},
		},
		{
			name: "pod to a VNet NIC that is not a node",
			build: func(c *cluster) TraceInput {
				in := c.input("10.244.0.5", "192.168.2.50", 5432)
				in.Nodes[addr("192.168.2.50")] = Node{Name: "db-nic", IP: addr("192.168.2.50")}
				return in
			},
			outcome: OutcomeDelivered, source: "192.168.1.4",
			steps: []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut, StepRoute, StepNICNSGIn, StepNode},
		},
		{
			// Nothing answers for an unused VNet address: the fabric has
			// no NIC to deliver it to.
			name:    "pod to an unused VNet address",
			build:   func(c *cluster) TraceInput { return c.input("10.244.0.5", "192.168.2.51", 5432) },
			outcome: OutcomeDropped, source: "192.168.1.4",
			steps: []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepNICNSGOut, StepRoute, StepNICNSGIn, StepVNet},
		},
		{
			// A VirtualAppliance next hop at another cluster's node: that
			// node forwards into its own pod CIDR.
			name: "VirtualAppliance next hop at another cluster's node",
			build: func(c *cluster) TraceInput {
				other := Node{Name: "aks-other-vmss000000", IP: addr("192.168.2.4"), PodCIDR: pfx("10.245.0.0/24"), IPForwarding: true}
				c.udrs = append(c.udrs, Route{Name: "other", Prefix: pfx("10.245.0.0/24"), NextHopType: VirtualAppliance, NextHopIP: other.IP, RouteTableID: rtID})
				in := c.input("10.244.0.5", "10.245.0.9", 8080)
				in.Nodes[other.IP] = other
				return in
			},
			outcome: OutcomeDelivered, source: "192.168.1.4",
			decisions: map[string][]string{StepRoute: {"other"}},
		},
		{
			name:    "unrouted private address is blackholed by a system route",
			build:   func(c *cluster) TraceInput { return c.input("10.244.0.5", "172.20.0.1", 443) },
			outcome: OutcomeBlackholed, source: "192.168.1.4",
			decisions: map[string][]string{StepRoute: {"172.16.0.0/12"}},
		},
		{
			name: "VirtualAppliance next hop that is not a node",
			build: func(c *cluster) TraceInput {
				c.udrs = append(c.udrs, Route{Name: "nva", Prefix: pfx("10.244.9.0/24"), NextHopType: VirtualAppliance, NextHopIP: addr("192.168.9.9"), RouteTableID: rtID})
				return c.input("10.244.0.5", "10.244.9.1", 80)
			},
			outcome: OutcomeDropped, source: "10.244.0.5",
		},
		{
			name: "VirtualAppliance to a node for a foreign pod CIDR is dropped there",
			build: func(c *cluster) TraceInput {
				c.udrs[2].NextHopIP = c.nodes[1].IP // stale route: 10.244.2.0/24 points at node 1
				return c.input("10.244.0.5", "10.244.2.9", 80)
			},
			outcome: OutcomeDropped, source: "10.244.0.5",
		},
		{
			name: "VirtualNetworkGateway next hop",
			build: func(c *cluster) TraceInput {
				c.udrs = append(c.udrs, Route{Name: "onprem", Prefix: pfx("172.20.0.0/16"), NextHopType: VirtualNetworkGateway, RouteTableID: rtID})
				return c.input("10.244.0.5", "172.20.0.1", 443)
			},
			outcome: OutcomeDropped, source: "192.168.1.4",
			decisions: map[string][]string{StepGateway: {"no gateway"}},
		},
		{
			name: "no outbound public IP leaves the node source",
			build: func(c *cluster) TraceInput {
				in := c.input("10.244.0.5", "93.184.216.34", 443)
				in.OutboundPublicIP = netip.Addr{}
				return in
			},
			outcome: OutcomeInternet, source: "192.168.1.4",
		},
		{
			name: "no NSGs at all",
			build: podToPod(func(in *TraceInput) {
				in.SourceNICNSG, in.DestNICNSG = nil, nil
			}),
			outcome: OutcomeDelivered, source: "10.244.0.5",
			steps: []string{StepPod, StepBridge, StepNode, StepMasquerade, StepNICForwarding, StepRoute, StepNICForwarding, StepNode, StepBridge, StepPod},
		},
		{
			name:    "invalid input: source not on the node",
			build:   func(c *cluster) TraceInput { return c.input("10.244.5.5", "10.244.1.7", 80) },
			outcome: OutcomeDropped, source: "10.244.5.5",
			steps:     []string{StepInput},
			decisions: map[string][]string{StepInput: {"InvalidParameter"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Trace(tc.build(newCluster()))
			if got.Outcome != tc.outcome {
				t.Errorf("outcome = %s, want %s\nhops: %+v", got.Outcome, tc.outcome, got.Hops)
			}
			if got.TranslatedSource != addr(tc.source) {
				t.Errorf("translated source = %s, want %s", got.TranslatedSource, tc.source)
			}
			if tc.steps != nil {
				if d := cmp.Diff(tc.steps, steps(got)); d != "" {
					t.Errorf("steps mismatch (-want +got):\n%s", d)
				}
			}
			for step, subs := range tc.decisions {
				h, ok := lastHop(got, step)
				if !ok {
					t.Errorf("no %s hop in %+v", step, got.Hops)
					continue
				}
				for _, s := range subs {
					if !strings.Contains(h.Decision, s) && !strings.Contains(h.Detail, s) {
						t.Errorf("%s hop %+v does not mention %q", step, h, s)
					}
				}
			}
			for _, h := range got.Hops {
				if h.Detail == "" || h.Decision == "" {
					t.Errorf("hop with empty field: %+v", h)
				}
			}
		})
	}
}

func TestTraceInputValidate(t *testing.T) {
	tests := []struct {
		name       string
		mut        func(*TraceInput)
		wantTarget string
	}{
		{"valid", func(*TraceInput) {}, ""},
		{"lower-case protocol", func(in *TraceInput) { in.Protocol = "udp" }, ""},
		{"empty protocol means Tcp", func(in *TraceInput) { in.Protocol = "" }, ""},
		{"node without IP", func(in *TraceInput) { in.Node.IP = netip.Addr{} }, "node.ip"},
		{"no source", func(in *TraceInput) { in.Source = netip.Addr{} }, "source"},
		{"source elsewhere", func(in *TraceInput) { in.Source = addr("10.244.1.5") }, "source"},
		{"no destination", func(in *TraceInput) { in.Dst = netip.Addr{} }, "destination"},
		{"no routes", func(in *TraceInput) { in.Routes = nil }, "routes"},
		{"bad port", func(in *TraceInput) { in.DstPort = 70000 }, "destinationPort"},
		{"bad source port", func(in *TraceInput) { in.SrcPort = -1 }, "sourcePort"},
		{"wildcard protocol", func(in *TraceInput) { in.Protocol = "*" }, "protocol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newCluster().input("10.244.0.5", "10.244.1.7", 80)
			tc.mut(&in)
			err := in.Validate()
			if tc.wantTarget == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			e, ok := azerr.As(err)
			if !ok || e.Code != "InvalidParameter" || e.Target != tc.wantTarget || e.Status != 400 {
				t.Errorf("Validate = %#v, want 400 InvalidParameter target %q", err, tc.wantTarget)
			}
		})
	}
}
