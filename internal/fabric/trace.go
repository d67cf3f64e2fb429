package fabric

import (
	"fmt"
	"net/netip"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Trace outcomes.
const (
	// OutcomeDelivered: the packet reached its destination (a pod, a node,
	// or another address in the VNet).
	OutcomeDelivered = "Delivered"
	// OutcomeDropped: a check dropped the packet (an NSG rule, a NIC without
	// IP forwarding, a next hop that is not there, or invalid input).
	OutcomeDropped = "Dropped"
	// OutcomeBlackholed: the fabric route's next hop is None.
	OutcomeBlackholed = "Blackholed"
	// OutcomeInternet: the packet left Azure for the Internet.
	OutcomeInternet = "Internet"
	// OutcomeRefused: the sending node refused the packet at once (ICMP
	// port unreachable, "connection refused"), as kube-proxy does for a
	// service port without endpoints.
	OutcomeRefused = "Refused"
)

// Hop steps, in the order a packet can meet them.
const (
	StepInput         = "input"             // the trace input was rejected
	StepPod           = "pod"               // the source or destination pod
	StepBridge        = "cbr0"              // the node's kubenet bridge
	StepNode          = "node"              // a node's host network stack
	StepMasquerade    = "masquerade"        // the node's SNAT decision for pod traffic
	StepNICForwarding = "nic-ip-forwarding" // a NIC's IP-forwarding check
	StepNICNSGOut     = "nic-nsg-outbound"
	StepSubnetNSGOut  = "subnet-nsg-outbound"
	StepRoute         = "route" // the fabric's effective route
	StepSubnetNSGIn   = "subnet-nsg-inbound"
	StepNICNSGIn      = "nic-nsg-inbound"
	StepVNet          = "vnet"    // delivery to a VNet address that is not a node
	StepSNAT          = "snat"    // outbound SNAT to the public IP
	StepGateway       = "gateway" // hand-off to a virtual network gateway
)

// Hop is one step of a packet's path. Step is one of the Step constants,
// Detail says what happened in words, and Decision names what decided it: a
// route (table, name, prefix), an NSG rule (NSG, rule, priority) or a node
// setting.
type Hop struct {
	Step     string `json:"step"`
	Detail   string `json:"detail"`
	Decision string `json:"decision"`
}

// TraceResult is the path of one packet. Outcome is one of the Outcome
// constants. TranslatedSource is the source address the packet carries where
// the trace ends: the pod IP for pod-to-pod traffic, the node IP after
// masquerade, the outbound public IP on the Internet.
type TraceResult struct {
	Hops             []Hop      `json:"hops"`
	Outcome          string     `json:"outcome"`
	TranslatedSource netip.Addr `json:"translatedSource"`
}

// Node is a cluster node as the trace needs it: its name, primary NIC IP, the
// pod CIDR kubenet gave it, and whether IP forwarding is enabled on its NIC.
type Node struct {
	Name         string
	IP           netip.Addr
	PodCIDR      netip.Prefix
	IPForwarding bool
}

// NSG is a network security group associated with a NIC or subnet: its name
// and its custom rules (Evaluate adds the default rules). A nil *NSG means no
// NSG is associated, and everything passes.
type NSG struct {
	Name  string
	Rules []SecurityRule
}

// TraceInput describes one packet and the network around it.
//
// Source is a pod IP inside Node.PodCIDR, or Node.IP itself for host-network
// traffic (konnectivity, kubelet). Node is the node the source runs on.
// ClusterPodCIDR is the cluster's pod CIDR: pod traffic to it keeps its pod
// source, pod traffic anywhere else is masqueraded to Node.IP. Dst, DstPort,
// SrcPort and Protocol (Tcp, Udp, Icmp, Esp or Ah; empty means Tcp) describe
// the packet. Routes is the effective route table of the source node's subnet.
// SourceNICNSG and SourceSubnetNSG filter the packet leaving the source NIC;
// DestSubnetNSG and DestNICNSG filter it arriving at the destination NIC.
// Tags expands service tags in both. Nodes maps the address of every NIC in
// the VNet to its node — any cluster's kubenet node, with its pod CIDR, or
// any other NIC, without one — for delivering VirtualAppliance next hops
// and VnetLocal destinations; a VNet address no NIC has is dropped.
// OutboundPublicIP is the public IP Internet-bound traffic is SNATed to.
type TraceInput struct {
	Source           netip.Addr
	Node             Node
	ClusterPodCIDR   netip.Prefix
	Dst              netip.Addr
	DstPort          int
	SrcPort          int
	Protocol         string
	Routes           *Table
	SourceNICNSG     *NSG
	SourceSubnetNSG  *NSG
	DestSubnetNSG    *NSG
	DestNICNSG       *NSG
	Tags             TagContext
	Nodes            map[netip.Addr]Node
	OutboundPublicIP netip.Addr
}

// Validate reports whether the input describes a packet Trace can follow, as
// a 400 *azerr.Error with code "InvalidParameter" naming the offending field
// in Target, or nil.
func (in TraceInput) Validate() error {
	bad := func(target, format string, args ...any) error {
		return azerr.BadRequest("InvalidParameter", target, format, args...)
	}
	switch {
	case !in.Node.IP.IsValid():
		return bad("node.ip", "The node has no valid IP address.")
	case !in.Source.IsValid():
		return bad("source", "The source IP address is not valid.")
	case in.Source != in.Node.IP && !(in.Node.PodCIDR.IsValid() && in.Node.PodCIDR.Contains(in.Source)):
		return bad("source", "Source %s is neither node %s's IP %s nor inside its pod CIDR %s.",
			in.Source, in.Node.Name, in.Node.IP, in.Node.PodCIDR)
	case !in.Dst.IsValid():
		return bad("destination", "The destination IP address is not valid.")
	case in.Routes == nil:
		return bad("routes", "No effective route table was given for the source subnet.")
	case in.DstPort < 0 || in.DstPort > 65535:
		return bad("destinationPort", "Destination port %d is outside 0-65535.", in.DstPort)
	case in.SrcPort < 0 || in.SrcPort > 65535:
		return bad("sourcePort", "Source port %d is outside 0-65535.", in.SrcPort)
	}
	if in.Protocol != "" {
		if _, ok := canonical(in.Protocol, ProtocolTcp, ProtocolUdp, ProtocolIcmp, ProtocolEsp, ProtocolAh); !ok {
			return bad("protocol", "Protocol %q is not one of Tcp, Udp, Icmp, Esp, Ah.", in.Protocol)
		}
	}
	return nil
}

// tracer accumulates hops.
type tracer struct {
	in   TraceInput
	res  TraceResult
	src  netip.Addr // current source address of the packet
	dst  netip.Addr
	prot string
}

func (t *tracer) hop(step, decision, format string, args ...any) {
	t.res.Hops = append(t.res.Hops, Hop{Step: step, Detail: fmt.Sprintf(format, args...), Decision: decision})
}

func (t *tracer) end(outcome string) TraceResult {
	t.res.Outcome = outcome
	t.res.TranslatedSource = t.src
	return t.res
}

// Trace follows one packet from a pod or node through the node, its NIC, the
// NSGs and the Azure fabric to its destination, and reports every step.
//
// The path, and the rules applied:
//
//  1. A pod source goes pod → cbr0 → node; a node source starts at the node.
//     A destination in the source node's own pod CIDR is bridged to the pod on
//     cbr0, and the node's own IP is delivered locally; neither leaves the
//     node, so no NIC, NSG or route applies.
//  2. Masquerade: a pod source sending outside ClusterPodCIDR is SNATed to
//     the node IP; pod-to-pod traffic inside ClusterPodCIDR keeps its pod IP.
//  3. NIC IP forwarding: a packet whose source is not the NIC's IP (an
//     unmasqueraded pod IP) is dropped unless IP forwarding is enabled.
//  4. Outbound NSGs: the source NIC's NSG, then the source subnet's NSG —
//     Azure's documented order for outbound traffic. The first deny drops the
//     packet and is reported with its NSG, rule name and priority.
//  5. The fabric route selected by Routes for the destination.
//     - VirtualAppliance to a node IP: inbound NSGs at the destination (subnet,
//     then NIC — Azure's order for inbound traffic), then the destination
//     NIC's IP-forwarding check (its IP is not the packet's destination, so
//     Azure drops the packet unless IP forwarding is enabled), then the node
//     delivers to itself or through cbr0 to a pod in its pod CIDR. Any other
//     destination, or a next hop that is not a node, is dropped.
//     - VnetLocal: inbound NSGs at the destination, then delivery to the NIC
//     with that IP; an address no NIC in the VNet has is dropped.
//     - Internet: SNAT to OutboundPublicIP (left at the node IP when none is
//     given); outcome Internet.
//     - VirtualNetworkGateway: the model has no gateway; dropped.
//     - None, or no matching route: Blackholed.
//
// Invalid input (see Validate) ends the trace at once with outcome Dropped and
// a single "input" hop carrying the error message.
func Trace(in TraceInput) TraceResult {
	t := &tracer{in: in, src: in.Source.Unmap(), dst: in.Dst.Unmap(), prot: in.Protocol}
	if err := in.Validate(); err != nil {
		t.hop(StepInput, azerr.CodeOf(err), "%v", err)
		return t.end(OutcomeDropped)
	}
	if t.prot == "" {
		t.prot = ProtocolTcp
	}
	t.prot, _ = canonical(t.prot, ProtocolTcp, ProtocolUdp, ProtocolIcmp, ProtocolEsp, ProtocolAh)
	if t.onNode() {
		return t.end(OutcomeDelivered)
	}
	// Leaving the source NIC.
	node := in.Node
	if !t.nicForwarding(node, t.src != node.IP, "source %s is not the NIC's IP %s", t.src, node.IP) {
		return t.end(OutcomeDropped)
	}
	if !t.nsg(StepNICNSGOut, in.SourceNICNSG, Outbound) || !t.nsg(StepSubnetNSGOut, in.SourceSubnetNSG, Outbound) {
		return t.end(OutcomeDropped)
	}
	return t.fabric()
}

// onNode records the packet's way out of its pod or node (rule 1) and the
// masquerade decision (rule 2). It reports whether the packet was
// delivered on the node itself, to a local pod or to the node's own IP.
func (t *tracer) onNode() (delivered bool) {
	node := t.in.Node
	what := fmt.Sprintf("%s %s:%d → %s:%d", t.prot, t.src, t.in.SrcPort, t.dst, t.in.DstPort)
	podSource := t.src != node.IP
	if podSource {
		t.hop(StepPod, "pod default route via cbr0", "pod %s on %s sends %s", t.src, node.Name, what)
		t.hop(StepBridge, "kubenet bridge", "cbr0 on %s (pod CIDR %s) hands the packet to the node", node.Name, node.PodCIDR)
	} else {
		t.hop(StepNode, "host network", "node %s (%s) sends %s", node.Name, node.IP, what)
	}
	if node.PodCIDR.Contains(t.dst) {
		if podSource {
			t.hop(StepBridge, "destination in the node's pod CIDR "+node.PodCIDR.String(),
				"cbr0 on %s bridges the packet to the local pod", node.Name)
		} else {
			t.hop(StepBridge, "node route "+node.PodCIDR.String()+" dev cbr0",
				"node %s sends the packet to cbr0", node.Name)
		}
		t.hop(StepPod, "local delivery", "pod %s on %s receives the packet", t.dst, node.Name)
		return true
	}
	if t.dst == node.IP {
		t.hop(StepNode, "local address", "node %s receives the packet on its own IP", node.Name)
		return true
	}
	if podSource {
		t.hop(StepNode, "node default route via eth0", "node %s forwards the packet to its NIC", node.Name)
		t.masquerade()
	}
	return false
}

// masquerade records rule 2 for a pod source leaving its node, and SNATs
// the source to the node IP unless the destination is in the cluster pod
// CIDR.
func (t *tracer) masquerade() {
	node, cluster := t.in.Node, t.in.ClusterPodCIDR
	switch {
	case !cluster.IsValid():
		t.hop(StepMasquerade, "masquerade (no cluster pod CIDR given)",
			"source %s is SNATed to node IP %s", t.src, node.IP)
		t.src = node.IP
	case cluster.Contains(t.dst):
		t.hop(StepMasquerade, "no masquerade inside cluster pod CIDR "+cluster.String(),
			"destination %s is inside the cluster pod CIDR; source %s is kept", t.dst, t.src)
	default:
		t.hop(StepMasquerade, "masquerade outside cluster pod CIDR "+cluster.String(),
			"source %s is SNATed to node IP %s", t.src, node.IP)
		t.src = node.IP
	}
}

// fabric records rule 5: the route the fabric selects for the destination,
// and what its next hop does with the packet.
func (t *tracer) fabric() TraceResult {
	in := t.in
	r, ok := in.Routes.Lookup(t.dst)
	if !ok {
		t.hop(StepRoute, "no route", "no effective route matches %s; the fabric drops the packet", t.dst)
		return t.end(OutcomeBlackholed)
	}
	drop := ""
	if r.NextHopType != VirtualAppliance && r.NextHopType != VnetLocal && r.NextHopType != Internet &&
		r.NextHopType != VirtualNetworkGateway {
		drop = "; the fabric drops the packet"
	}
	t.hop(StepRoute, routeDecision(r), "%s matches %s → %s%s%s", t.dst, r.Prefix, r.NextHopType, nextHopSuffix(r), drop)

	switch r.NextHopType {
	case VirtualAppliance:
		return t.toAppliance(r)
	case VnetLocal:
		if !t.inboundNSGs() {
			return t.end(OutcomeDropped)
		}
		if dn, ok := in.Nodes[t.dst]; ok {
			return t.deliverToNode(dn)
		}
		t.hop(StepVNet, "no NIC has "+t.dst.String(), "no network interface in the VNet has address %s; the fabric drops the packet", t.dst)
		return t.end(OutcomeDropped)
	case Internet:
		return t.toInternet()
	case VirtualNetworkGateway:
		t.hop(StepGateway, "no gateway", "the packet is sent to the virtual network gateway, which this model does not have")
		return t.end(OutcomeDropped)
	default: // None, or an unknown type
		return t.end(OutcomeBlackholed)
	}
}

// inboundNSGs records the destination's inbound NSGs, subnet then NIC, and
// reports whether the packet passes both.
func (t *tracer) inboundNSGs() bool {
	return t.nsg(StepSubnetNSGIn, t.in.DestSubnetNSG, Inbound) && t.nsg(StepNICNSGIn, t.in.DestNICNSG, Inbound)
}

// toAppliance follows a VirtualAppliance route to the node that is its next
// hop: inbound NSGs, that NIC's IP-forwarding check, then delivery.
func (t *tracer) toAppliance(r Route) TraceResult {
	dn, ok := t.in.Nodes[r.NextHopIP.Unmap()]
	if !ok {
		t.hop(StepNode, "next hop "+r.NextHopIP.String(), "no network interface in the VNet has next hop %s; the packet is lost", r.NextHopIP)
		return t.end(OutcomeDropped)
	}
	if !t.inboundNSGs() {
		return t.end(OutcomeDropped)
	}
	if !t.nicForwarding(dn, t.dst != dn.IP, "destination %s is not the NIC's IP %s", t.dst, dn.IP) {
		return t.end(OutcomeDropped)
	}
	return t.deliverToNode(dn)
}

// toInternet records the SNAT to the outbound public IP, if one is given,
// as the packet leaves Azure.
func (t *tracer) toInternet() TraceResult {
	if ip := t.in.OutboundPublicIP; ip.IsValid() {
		t.hop(StepSNAT, "outbound public IP "+ip.String(),
			"source %s is SNATed to %s and the packet leaves Azure", t.src, ip)
		t.src = ip.Unmap()
	} else {
		t.hop(StepSNAT, "no outbound public IP",
			"no outbound public IP is configured; the packet leaves Azure with source %s", t.src)
	}
	return t.end(OutcomeInternet)
}

// nicForwarding records the IP-forwarding check of n's NIC; foreign says the
// packet's address (source on egress, destination on ingress) is not the
// NIC's. It reports whether the packet passes.
func (t *tracer) nicForwarding(n Node, foreign bool, format string, args ...any) bool {
	switch {
	case !foreign:
		t.hop(StepNICForwarding, "NIC's own address", "NIC of %s: the packet uses the NIC's own IP %s", n.Name, n.IP)
		return true
	case n.IPForwarding:
		t.hop(StepNICForwarding, "enableIPForwarding=true on "+n.Name, "NIC of %s: "+format+"; IP forwarding is enabled", append([]any{n.Name}, args...)...)
		return true
	default:
		t.hop(StepNICForwarding, "enableIPForwarding=false on "+n.Name, "NIC of %s: "+format+"; IP forwarding is disabled, the packet is dropped", append([]any{n.Name}, args...)...)
		return false
	}
}

// nsg records one NSG's verdict on the packet, and reports whether it
// passes. An absent NSG records nothing and passes.
func (t *tracer) nsg(step string, g *NSG, dir string) bool {
	if g == nil {
		return true
	}
	f := Flow{Direction: dir, Protocol: t.prot, Src: t.src, Dst: t.dst, SrcPort: t.in.SrcPort, DstPort: t.in.DstPort}
	v := Evaluate(g.Rules, f, t.in.Tags)
	kind := "rule"
	if v.Default {
		kind = "default rule"
	}
	decision := fmt.Sprintf("%s %s %s (priority %d): %s", g.Name, kind, v.RuleName, v.Priority, v.Access)
	if v.Access != Allow {
		t.hop(step, decision, "%s %s → %s denied", dir, f.Src, f.Dst)
		return false
	}
	t.hop(step, decision, "%s %s → %s allowed", dir, f.Src, f.Dst)
	return true
}

// deliverToNode finishes the path on node n: its own IP, or a pod behind
// cbr0.
func (t *tracer) deliverToNode(n Node) TraceResult {
	switch {
	case t.dst == n.IP:
		t.hop(StepNode, "local address", "node %s receives the packet on its own IP", n.Name)
		return t.end(OutcomeDelivered)
	case n.PodCIDR.IsValid() && n.PodCIDR.Contains(t.dst):
		t.hop(StepNode, "node route "+n.PodCIDR.String()+" dev cbr0", "node %s routes the packet to cbr0", n.Name)
		t.hop(StepBridge, "kubenet bridge", "cbr0 on %s bridges the packet to the pod", n.Name)
		t.hop(StepPod, "delivery", "pod %s on %s receives the packet", t.dst, n.Name)
		return t.end(OutcomeDelivered)
	default:
		t.hop(StepNode, "not local to "+n.Name, "%s is neither node %s's IP nor in its pod CIDR %s; the packet is dropped",
			t.dst, n.Name, n.PodCIDR)
		return t.end(OutcomeDropped)
	}
}

func routeDecision(r Route) string {
	table := r.RouteTableID
	if r.IsSystem() || table == "" {
		table = SystemRouteTableID
	}
	if r.Name == "" {
		return fmt.Sprintf("%s %s (%s)", table, r.Prefix, r.Source)
	}
	return fmt.Sprintf("%s route %s %s (%s)", table, r.Name, r.Prefix, r.Source)
}

func nextHopSuffix(r Route) string {
	if r.NextHopType == VirtualAppliance {
		return " " + r.NextHopIP.String()
	}
	return ""
}
