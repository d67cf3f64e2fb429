package containerservice

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/network"
)

// Child types of a managed cluster that the data plane adds (test pods and
// ClusterIP services, see workloads.go). The trace reads them through Pods
// and Services.
const (
	TypePod     = "Microsoft.ContainerService/managedClusters/pods"
	TypeService = "Microsoft.ContainerService/managedClusters/services"
)

// StepKubeProxy is the trace step of kube-proxy's service rules on the
// sending node, besides fabric's steps.
const StepKubeProxy = "kube-proxy"

// DefaultTraceSourcePort is the source port of a traced packet when the
// request gives none: an ephemeral port, so NSG rules that limit source
// ports to the ephemeral range still match.
const DefaultTraceSourcePort = 50000

// TraceRequest is the body of POST …/managedClusters/{name}/trace.
//
// From is a node name, a pod name, a node IP or a pod IP (an address inside
// a node's pod CIDR). To is an IP address, optionally with a port
// ("10.244.1.5:8080"), or a node or pod name. Port is the destination port
// (it wins over a port in To); Protocol is Tcp (default), Udp or Icmp.
type TraceRequest struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Port       int    `json:"port,omitempty"`
	SourcePort int    `json:"sourcePort,omitempty"`
	Protocol   string `json:"protocol,omitempty"`
}

// TraceEndpoint describes the source or destination of a trace. Kind is
// "pod", "node", "service" or "address".
type TraceEndpoint struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
	IP   string `json:"ip"`
	Port int    `json:"port,omitempty"`
	Node string `json:"node,omitempty"`
}

// TraceAnswer is the answer of the trace action: the packet's path, hop by
// hop with the table or rule that decided each step, its outcome (fabric's
// Delivered, Dropped, Blackholed or Internet) and the source address it
// carries at the end.
type TraceAnswer struct {
	From             TraceEndpoint `json:"from"`
	To               TraceEndpoint `json:"to"`
	Protocol         string        `json:"protocol"`
	Hops             []fabric.Hop  `json:"hops"`
	Outcome          string        `json:"outcome"`
	TranslatedSource string        `json:"translatedSource"`
	Notes            []string      `json:"notes,omitempty"`
}

// traceNode is a node with what the fabric needs of its NIC.
type traceNode struct {
	Node
	nic network.NICRouting
}

// trace answers POST …/managedClusters/{name}/trace: the hop-by-hop path of
// one packet from a pod or node of the cluster, computed from the stored
// model by fabric.Trace, so it needs no data plane and no root. Around the
// fabric's hops it adds what the nodes' service rules do, exactly as the
// data plane realises them (see package dataplane): the cluster DNS service
// IP on port 53 (UDP or TCP) and every ClusterIP service port with at least
// one endpoint pod are DNATed to an endpoint on the sending node; DNATed
// traffic that leaves on the node's own cbr0 is masqueraded to cbr0's
// address; any other service-range address has no rule and is routed like
// any address (into the fabric's None route, usually, which is why the
// service CIDR must stay out of the VNet). A blackholed packet to the
// cluster pod CIDR gets a note naming the node route that is missing.
func (p *Provider) trace(c *arm.Call) (int, any, error) {
	var req TraceRequest
	if err := c.Decode(&req); err != nil {
		return 0, nil, err
	}
	info, ok, err := Lookup(c.R, c.ID)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, azerr.BadRequest("OperationNotAllowed", "", "Cluster %s has no kubenet network model to trace.", arm.LastName(c.ID))
	}
	if info.Stopped {
		// Its nodes are deallocated (the data plane has none of them): no
		// packet leaves or reaches them, so there is no path to predict.
		return 0, nil, azerr.New(http.StatusConflict, "OperationNotAllowed", "",
			"managed cluster %s is stopped (Power State(Stopped)): its nodes are deallocated, so no packet leaves or reaches them; start the cluster first (az aks start)",
			arm.LastName(c.ID))
	}
	t, err := newTracer(c, info)
	if err != nil {
		return 0, nil, err
	}
	ans, err := t.run(req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ans, nil
}

// tracer holds one cluster's model for tracing.
type tracer struct {
	c        *arm.Call
	info     ClusterInfo
	nodes    []traceNode
	byIP     map[netip.Addr]*traceNode
	pods     []PodInfo // stored pods, and the cluster-DNS pod
	dnsPod   PodInfo
	services []kubenet.Service
	podsKind bool
	publicIP netip.Addr
	// refused is set when the sending node's service rules reject the
	// traced packet (a service port without endpoints).
	refused bool
	// vnet holds every network interface in the cluster's VNets, by
	// address (vnetNICs).
	vnet map[netip.Addr]*vnetNIC
}

func newTracer(c *arm.Call, info ClusterInfo) (*tracer, error) {
	t := &tracer{c: c, info: info, byIP: map[netip.Addr]*traceNode{}}
	routing := network.NewRouting(c) // one read of each subnet, however many nodes
	for _, n := range info.Nodes {
		nic, err := routing.NIC(n.NICID, "from")
		if err != nil {
			return nil, err
		}
		t.nodes = append(t.nodes, traceNode{Node: n, nic: nic})
	}
	for i := range t.nodes {
		t.byIP[t.nodes[i].IP] = &t.nodes[i]
	}
	t.vnetNICs(routing)
	_, t.podsKind = c.Server.Registry().Lookup(TypePod)
	// The cluster-DNS pod runs on the first node, at the last address of
	// its pod CIDR, as the data plane places it.
	for _, n := range t.nodes {
		if n.IP.IsValid() && n.PodCIDR.IsValid() {
			t.dnsPod = PodInfo{Name: DNSPodName, Node: n.Name, IP: PodRange(n.PodCIDR).Last()}
			t.pods = append(t.pods, t.dnsPod)
			break
		}
	}
	t.pods = append(t.pods, Pods(c.R, info.ID)...)
	t.services = Services(c.R, info.ID)
	ip, err := OutboundIP(c, info.ID)
	if err != nil {
		return nil, err
	}
	t.publicIP = ip
	return t, nil
}

// nodeNamed finds a node by name, case-insensitively.
func (t *tracer) nodeNamed(name string) *traceNode {
	for i := range t.nodes {
		if strings.EqualFold(t.nodes[i].Name, name) {
			return &t.nodes[i]
		}
	}
	return nil
}

// nodeOwning finds the node whose pod CIDR holds a.
func (t *tracer) nodeOwning(a netip.Addr) *traceNode {
	for i := range t.nodes {
		if t.nodes[i].PodCIDR.IsValid() && t.nodes[i].PodCIDR.Contains(a) {
			return &t.nodes[i]
		}
	}
	return nil
}

func (t *tracer) podNamed(name string) (PodInfo, bool) {
	for _, p := range t.pods {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return PodInfo{}, false
}

func (t *tracer) podWithIP(a netip.Addr) (PodInfo, bool) {
	for _, p := range t.pods {
		if p.IP == a && !p.HostNetwork {
			return p, true
		}
	}
	return PodInfo{}, false
}

// source resolves req.From to the sending address and its node.
func (t *tracer) source(from string) (TraceEndpoint, *traceNode, netip.Addr, error) {
	from = strings.TrimSpace(from)
	if from == "" {
		return TraceEndpoint{}, nil, netip.Addr{}, azerr.BadRequest("InvalidParameter", "from", "Name the source: a node name, a pod name, or a node or pod IP address.")
	}
	if a, err := netip.ParseAddr(from); err == nil {
		if n, ok := t.byIP[a]; ok {
			return TraceEndpoint{Kind: "node", Name: n.Name, IP: a.String(), Node: n.Name}, n, a, nil
		}
		if n := t.nodeOwning(a); n != nil {
			ep := TraceEndpoint{Kind: "pod", IP: a.String(), Node: n.Name}
			if p, ok := t.podWithIP(a); ok {
				ep.Name = p.Name
			}
			return ep, n, a, nil
		}
		return TraceEndpoint{}, nil, netip.Addr{}, azerr.BadRequest("InvalidParameter", "from",
			"Source %s is neither a node IP of cluster %s nor inside a node's pod CIDR.", a, arm.LastName(t.info.ID))
	}
	if n := t.nodeNamed(from); n != nil {
		return TraceEndpoint{Kind: "node", Name: n.Name, IP: n.IP.String(), Node: n.Name}, n, n.IP, nil
	}
	if p, ok := t.podNamed(from); ok {
		n := t.nodeNamed(p.Node)
		if n == nil {
			return TraceEndpoint{}, nil, netip.Addr{}, azerr.BadRequest("InvalidParameter", "from", "Pod %s runs on node %s, which cluster %s no longer has.", p.Name, p.Node, arm.LastName(t.info.ID))
		}
		ip := p.IP
		if p.HostNetwork || !ip.IsValid() {
			ip = n.IP
		}
		return TraceEndpoint{Kind: "pod", Name: p.Name, IP: ip.String(), Node: n.Name}, n, ip, nil
	}
	if !t.podsKind {
		return TraceEndpoint{}, nil, netip.Addr{}, azerr.NotFound("NotFound", "from",
			"%q is not a node of cluster %s, and this server does not model pods (%s): name a node (%s) or give a pod IP from a node's pod CIDR.",
			from, arm.LastName(t.info.ID), TypePod, strings.Join(t.nodeNames(), ", "))
	}
	return TraceEndpoint{}, nil, netip.Addr{}, azerr.NotFound("NotFound", "from", "Cluster %s has no node or pod named %q.", arm.LastName(t.info.ID), from)
}

func (t *tracer) nodeNames() []string {
	var out []string
	for _, n := range t.nodes {
		out = append(out, n.Name)
	}
	return out
}

// destination resolves req.To (and req.Port) to an address and port: the
// endpoint as the answer shows it, and the address, typed, to trace to.
func (t *tracer) destination(to string, port int) (TraceEndpoint, netip.Addr, error) {
	to = strings.TrimSpace(to)
	if to == "" {
		return TraceEndpoint{}, netip.Addr{}, azerr.BadRequest("InvalidParameter", "to", "Name the destination: an IP address (with an optional :port), a node or a pod.")
	}
	host, p := to, 0
	if h, ps, err := net.SplitHostPort(to); err == nil {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 0 || n > 65535 {
			return TraceEndpoint{}, netip.Addr{}, azerr.BadRequest("InvalidParameter", "to", "The port in %q is not a number from 0 to 65535.", to)
		}
		host, p = h, n
	}
	if port == 0 {
		port = p
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Is4() {
			return TraceEndpoint{}, netip.Addr{}, azerr.BadRequest("InvalidParameter", "to", "Destination %s is not an IPv4 address.", a)
		}
		return t.describe(a, port), a, nil
	}
	if n := t.nodeNamed(host); n != nil {
		return TraceEndpoint{Kind: "node", Name: n.Name, IP: n.IP.String(), Port: port, Node: n.Name}, n.IP, nil
	}
	if pd, ok := t.podNamed(host); ok {
		ip := pd.IP
		if n := t.nodeNamed(pd.Node); n != nil && (pd.HostNetwork || !ip.IsValid()) {
			ip = n.IP
		}
		return TraceEndpoint{Kind: "pod", Name: pd.Name, IP: ip.String(), Port: port, Node: pd.Node}, ip, nil
	}
	return TraceEndpoint{}, netip.Addr{}, azerr.BadRequest("InvalidParameter", "to", "Destination %q is not an IP address, nor a node or pod of cluster %s.", to, arm.LastName(t.info.ID))
}

// describe says what an address is, from the cluster's point of view.
func (t *tracer) describe(a netip.Addr, port int) TraceEndpoint {
	ep := TraceEndpoint{Kind: "address", IP: a.String(), Port: port}
	switch {
	case t.byIP[a] != nil:
		ep.Kind, ep.Name, ep.Node = "node", t.byIP[a].Name, t.byIP[a].Name
	case t.info.ServiceCIDR.IsValid() && t.info.ServiceCIDR.Contains(a):
		ep.Kind = "service"
		if k, ok := kubenet.NthAddr(t.info.ServiceCIDR, 1); ok && a == k {
			ep.Name = "kubernetes"
		}
		if a == t.info.DNSServiceIP {
			ep.Name = "kube-dns"
		}
		for _, s := range t.services {
			if s.ClusterIP == a {
				ep.Name = s.Name
			}
		}
	case t.nodeOwning(a) != nil:
		ep.Kind, ep.Node = "pod", t.nodeOwning(a).Name
		if p, ok := t.podWithIP(a); ok {
			ep.Name = p.Name
		}
	}
	return ep
}

func (t *tracer) run(req TraceRequest) (TraceAnswer, error) {
	from, srcNode, src, err := t.source(req.From)
	if err != nil {
		return TraceAnswer{}, err
	}
	if req.Port < 0 || req.Port > 65535 {
		return TraceAnswer{}, azerr.BadRequest("InvalidParameter", "port", "Port %d is outside 0-65535.", req.Port)
	}
	to, dst, err := t.destination(req.To, req.Port)
	if err != nil {
		return TraceAnswer{}, err
	}
	sport := req.SourcePort
	if sport == 0 {
		sport = DefaultTraceSourcePort
	}
	dport := to.Port
	in := fabric.TraceInput{
		Source: src, Node: t.fabricNode(srcNode), ClusterPodCIDR: t.info.PodCIDR,
		Dst: dst, DstPort: dport, SrcPort: sport, Protocol: req.Protocol,
		Routes: srcNode.nic.Table(), Tags: srcNode.nic.Tags(),
		SourceNICNSG: t.nsg(srcNode.nic.NSGID), SourceSubnetNSG: t.nsg(srcNode.nic.Subnet.NSGID),
		Nodes: map[netip.Addr]fabric.Node{}, OutboundPublicIP: t.publicIP,
	}
	if err := in.Validate(); err != nil {
		return TraceAnswer{}, err
	}
	ans := TraceAnswer{From: from, To: to, Protocol: protocolName(req.Protocol)}

	// The sending node's service rules (prerouting for pods, output for
	// the node itself) run before it routes the packet.
	svcHop, dnat := t.serviceRules(srcNode, &in, ans.Protocol)
	for ip, n := range t.vnet {
		in.Nodes[ip] = n.node
	}
	if dn := t.receivingNIC(in.Routes, in.Dst); dn != nil {
		in.DestSubnetNSG, in.DestNICNSG = t.nsg(dn.nic.Subnet.NSGID), t.nsg(dn.nic.NSGID)
	}
	res := fabric.Trace(in)
	ans.Hops = slices.Clone(res.Hops)
	if svcHop != nil {
		// After the hops that bring the packet to the node: pod → cbr0
		// for a pod, the node's own first hop for the node.
		at := 1
		if src != srcNode.IP {
			at = 2
		}
		ans.Hops = slices.Insert(ans.Hops, min(at, len(ans.Hops)), *svcHop)
	}
	ans.Outcome = res.Outcome
	if t.refused && svcHop != nil {
		// The node answers before routing: nothing after its service
		// rules happens.
		at := slices.IndexFunc(ans.Hops, func(h fabric.Hop) bool { return h.Step == StepKubeProxy })
		ans.Hops, ans.Outcome = ans.Hops[:at+1], fabric.OutcomeRefused
		return ans, nil
	}
	if res.TranslatedSource.IsValid() {
		ans.TranslatedSource = res.TranslatedSource.String()
	}
	if dnat && res.Outcome == fabric.OutcomeDelivered && src == in.Dst {
		masqueradeHairpin(&ans, srcNode, in.Dst)
	}
	ans.Notes = t.notes(res, srcNode, in.Dst)
	return ans, nil
}

// serviceRules runs the sending node's service rules on a packet to the
// service range: it reports their hop (nil for a destination outside the
// range) and whether they DNATed the packet, whose destination in then
// holds.
func (t *tracer) serviceRules(n *traceNode, in *fabric.TraceInput, proto string) (*fabric.Hop, bool) {
	if !t.info.ServiceCIDR.IsValid() || !t.info.ServiceCIDR.Contains(in.Dst) {
		return nil, false
	}
	hop, dst, port, dnat := t.kubeProxy(n, in.Dst, in.DstPort, proto)
	in.Dst, in.DstPort = dst, port
	return &hop, dnat
}

// masqueradeHairpin adds to the answer of a delivered, DNATed packet that
// hairpins (a pod reaching itself through a service) the masquerade of
// node n, as kube-proxy does: the pod would otherwise answer itself
// directly. Other service traffic keeps its source (the node's bridged
// replies pass conntrack, see package dataplane).
func masqueradeHairpin(ans *TraceAnswer, n *traceNode, dst netip.Addr) {
	if !n.PodCIDR.IsValid() || !n.PodCIDR.Contains(dst) {
		return
	}
	br := n.PodCIDR.Masked().Addr().Next()
	hop := fabric.Hop{Step: fabric.StepMasquerade, Decision: "masquerade hairpin service traffic on cbr0",
		Detail: fmt.Sprintf("the endpoint %s is the sender itself: its source is SNATed to cbr0's address %s on %s so that the reply returns through the NAT", dst, br, n.Name)}
	ans.Hops = slices.Insert(ans.Hops, len(ans.Hops)-1, hop)
	ans.TranslatedSource = br.String()
}

func protocolName(p string) string {
	for _, c := range []string{fabric.ProtocolTcp, fabric.ProtocolUdp, fabric.ProtocolIcmp, fabric.ProtocolEsp, fabric.ProtocolAh} {
		if strings.EqualFold(p, c) {
			return c
		}
	}
	return fabric.ProtocolTcp
}

// kubeProxy decides what the sending node's service rules do with a packet
// to a service-range address, as the data plane writes them: the DNS
// service IP on port 53 (UDP or TCP) goes to the cluster-DNS pod; a service
// port (protocol and port must match) with endpoints goes to one of them
// (the data plane picks at random; the trace follows the first by name); a
// service without endpoints, and any other address, has no rule. It
// reports the hop, the destination after it, and whether it DNATed.
func (t *tracer) kubeProxy(n *traceNode, dst netip.Addr, port int, proto string) (fabric.Hop, netip.Addr, int, bool) {
	kp := func(decision, format string, args ...any) fabric.Hop {
		return kubeProxyHop(n, decision, format, args...)
	}
	if dst == t.info.DNSServiceIP && t.dnsPod.IP.IsValid() {
		if port == 53 && (proto == fabric.ProtocolTcp || proto == fabric.ProtocolUdp) {
			return kp(fmt.Sprintf("kube-dns service %s:53 DNAT", dst), "DNATs the cluster DNS service %s:53 to the cluster-DNS pod %s %s:53 on %s",
				dst, t.dnsPod.Name, t.dnsPod.IP, t.dnsPod.Node), t.dnsPod.IP, 53, true
		}
		return kp("no kube-dns rule for "+proto+" port "+strconv.Itoa(port), "the cluster DNS service %s serves UDP and TCP port 53 only; %s port %d has no rule and is routed like any address",
			dst, proto, port), dst, port, false
	}
	for _, s := range t.services {
		if s.ClusterIP == dst {
			return t.serviceDNAT(n, s, dst, port, proto)
		}
	}
	if k, ok := kubenet.NthAddr(t.info.ServiceCIDR, 1); ok && dst == k {
		return kp("no rule for the kubernetes service "+dst.String(),
			"%s is the kubernetes service; AKS DNATs it to the API server, which aksnet does not run, so the packet is routed like any address", dst), dst, port, false
	}
	return kp("no service with ClusterIP "+dst.String(),
		"no service has ClusterIP %s (in service CIDR %s), so there is no rule: the packet is routed like any address", dst, t.info.ServiceCIDR), dst, port, false
}

// kubeProxyHop is a hop of node n's service rules.
func kubeProxyHop(n *traceNode, decision, format string, args ...any) fabric.Hop {
	return fabric.Hop{Step: StepKubeProxy, Decision: decision, Detail: fmt.Sprintf("kube-proxy on %s: ", n.Name) + fmt.Sprintf(format, args...)}
}

// serviceDNAT is kubeProxy for a packet to service s's ClusterIP dst.
func (t *tracer) serviceDNAT(n *traceNode, s kubenet.Service, dst netip.Addr, port int, proto string) (fabric.Hop, netip.Addr, int, bool) {
	sproto := fabric.ProtocolTcp
	if strings.EqualFold(s.Protocol, "UDP") {
		sproto = fabric.ProtocolUdp
	}
	if s.Port != port || sproto != proto {
		return kubeProxyHop(n, fmt.Sprintf("no rule for %s port %d of service %s", proto, port, s.Name),
			"service %s serves %s port %d only; %s port %d has no rule and is routed like any address", s.Name, sproto, s.Port, proto, port), dst, port, false
	}
	var eps []PodInfo
	for _, p := range t.pods {
		if p.Name != DNSPodName && s.Selector != "" && strings.HasPrefix(p.Name, s.Selector) && p.IP.IsValid() {
			eps = append(eps, p)
		}
	}
	if len(eps) == 0 {
		t.refused = true
		return kubeProxyHop(n, fmt.Sprintf("service %s %s:%d has no endpoints: reject", s.Name, dst, port),
			"no pod matches selector %q of service %s, so kube-proxy rejects the packet (ICMP port unreachable): the client sees connection refused", s.Selector, s.Name), dst, port, false
	}
	ep := eps[0]
	return kubeProxyHop(n, fmt.Sprintf("service %s %s:%d DNAT", s.Name, dst, port), "DNATs %s:%d to endpoint %s %s:%d on %s (the rules pick one of %d endpoints at random; the trace follows the first)",
		dst, port, ep.Name, ep.IP, s.TargetPort, ep.Node, len(eps)), ep.IP, s.TargetPort, true
}

func (t *tracer) fabricNode(n *traceNode) fabric.Node {
	return fabric.Node{Name: n.Name, IP: n.IP, PodCIDR: n.PodCIDR, IPForwarding: n.nic.IPForwarding}
}

// receivingNode is the node the fabric hands a packet to dst to, if any.
func (t *tracer) receivingNIC(tbl *fabric.Table, dst netip.Addr) *vnetNIC {
	r, ok := tbl.Lookup(dst)
	if !ok {
		return nil
	}
	switch r.NextHopType {
	case fabric.VirtualAppliance:
		return t.vnet[r.NextHopIP]
	case fabric.VnetLocal:
		return t.vnet[dst]
	}
	return nil
}

// vnetNIC is a network interface in the traced cluster's VNet: a node of
// this or another cluster, or any other NIC.
type vnetNIC struct {
	nic  network.NICRouting
	node fabric.Node
}

// vnetNICs finds every network interface in the VNets of the cluster's
// nodes: the other clusters' nodes, with their pod CIDRs, and every other
// NIC, so that a destination or next hop anywhere in the VNet resolves as
// the fabric resolves it.
func (t *tracer) vnetNICs(routing *network.Routing) {
	t.vnet = map[netip.Addr]*vnetNIC{}
	vnets := map[string]bool{}
	for i := range t.nodes {
		n := &t.nodes[i]
		vnets[strings.ToLower(n.nic.Subnet.VNetID)] = true
		t.vnet[n.IP] = &vnetNIC{nic: n.nic, node: t.fabricNode(n)}
	}
	nodeOf := map[string]Node{} // NIC id → node, for every cluster
	t.c.ScanType(TypeManagedCluster, "", func(id string, _ []byte) bool {
		// A cluster whose state does not decode has no nodes to offer;
		// its own requests report the damage.
		if info, ok, err := Lookup(t.c.R, id); err == nil && ok {
			for _, n := range info.Nodes {
				nodeOf[strings.ToLower(n.NICID)] = n
			}
		}
		return true
	})
	// Standalone NICs and scale set instances' NICs alike.
	for _, typ := range []string{network.TypeNetworkInterface, network.TypeVMSSNetworkInterface} {
		t.c.ScanType(typ, "", func(id string, _ []byte) bool {
			nic, err := routing.NIC(id, "")
			if err != nil || !vnets[strings.ToLower(nic.Subnet.VNetID)] || t.vnet[nic.IP] != nil {
				return true
			}
			fn := fabric.Node{Name: arm.LastName(nic.ID), IP: nic.IP, IPForwarding: nic.IPForwarding}
			if n, ok := nodeOf[strings.ToLower(nic.ID)]; ok {
				fn.Name, fn.PodCIDR = n.Name, n.PodCIDR
			}
			t.vnet[nic.IP] = &vnetNIC{nic: nic, node: fn}
			return true
		})
	}
}

// nsg loads an NSG for the fabric; nil when id is empty or gone.
func (t *tracer) nsg(id string) *fabric.NSG {
	if id == "" || !t.c.Exists(id) {
		return nil
	}
	return &fabric.NSG{Name: arm.LastName(id), Rules: network.NSGRules(t.c, id)}
}

// notes explain an outcome the hops alone leave puzzling. The first cause
// named is the association: a subnet whose route table was detached or
// replaced at the network RP (which Azure allows; only AKS's own
// operations refuse it) has none of the cluster's routes, whatever the
// route controller writes to the cluster's table.
func (t *tracer) notes(res fabric.TraceResult, src *traceNode, dst netip.Addr) []string {
	var out []string
	inPods := t.info.PodCIDR.IsValid() && t.info.PodCIDR.Contains(dst)
	subnetRT := src.nic.Subnet.RouteTableID
	detached := inPods && t.info.RouteTableID != "" && !strings.EqualFold(subnetRT, t.info.RouteTableID)
	switch {
	case detached && subnetRT == "":
		out = append(out, fmt.Sprintf("Subnet %s has no route table: the cluster's route table %s was detached from it, so none of the nodes' pod CIDR routes apply and pod traffic between nodes is dropped. Associate it again (az network vnet subnet update --route-table %s).",
			src.nic.Subnet.Name, arm.LastName(t.info.RouteTableID), t.info.RouteTableID))
	case detached:
		out = append(out, fmt.Sprintf("Subnet %s uses route table %s, not the cluster's route table %s: the association was replaced, so the nodes' pod CIDR routes the route controller keeps in %s do not apply and pod traffic between nodes fails. Associate %s again (az network vnet subnet update --route-table %s).",
			src.nic.Subnet.Name, arm.LastName(subnetRT), arm.LastName(t.info.RouteTableID), arm.LastName(t.info.RouteTableID), arm.LastName(t.info.RouteTableID), t.info.RouteTableID))
	case res.Outcome == fabric.OutcomeBlackholed && inPods:
		if owner := t.nodeOwning(dst); owner != nil {
			name := kubenet.RouteName(owner.Name, owner.PodCIDR)
			out = append(out, fmt.Sprintf("%s is in node %s's pod CIDR %s, but route table %s has no route %s for it: the route was deleted or not written yet (the route controller restores managed routes on its next reconcile).",
				dst, owner.Name, owner.PodCIDR, arm.LastName(subnetRT), name))
		} else {
			out = append(out, fmt.Sprintf("%s is in the cluster pod CIDR %s, but no node holds the /24 around it: the node that had it is gone, and its route with it.", dst, t.info.PodCIDR))
		}
	case subnetRT == "" && inPods:
		out = append(out, fmt.Sprintf("Subnet %s has no route table: pod traffic between nodes needs the cluster's routes.", src.nic.Subnet.Name))
	}
	return out
}
