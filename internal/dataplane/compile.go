package dataplane

import (
	"cmp"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"

	"github.com/aksnet/aksnet/internal/fabric"
)

// Fixed addresses of the model.
var (
	// InternetHost is the test host in the internet namespace.
	InternetHost = netip.MustParseAddr("203.0.113.10")
	// transitInet and transitFabric address the two ends of every
	// fabric–internet link. They come from 169.254.0.0/16, which no VNet,
	// pod or service range may use.
	transitInet   = netip.MustParseAddr("169.254.0.1")
	transitFabric = netip.MustParseAddr("169.254.0.2")
)

// Ports of the workloads.
const (
	EchoPort         = 8080
	InternetEchoPort = 80
	DNSPort          = 53
)

// ruleBase is the priority of the fabric's iif rules; aksnet owns the
// priorities [ruleBase, ruleBase+1000).
const ruleBase = 1000

// sysctl keys (paths below /proc/sys).
const (
	sysForward      = "net/ipv4/ip_forward"
	sysBridgeNFCall = "net/bridge/bridge-nf-call-iptables" // bridged IPv4 through the ip hooks, for conntrack
	sysRPFilterAll  = "net/ipv4/conf/all/rp_filter"
	sysRPFilterDef  = "net/ipv4/conf/default/rp_filter"
	sysProxyARPAll  = "net/ipv4/conf/all/proxy_arp"
	sysNeighDir     = "net/ipv4/neigh/" // + link + "/proxy_delay"
	// IPv6 is off in every namespace: the model is IPv4, and IPv6
	// autoconfiguration of every new link (link-local addresses, DAD,
	// router solicitations) would only slow the kernel's rtnl work down.
	sysIPv6OffAll = "net/ipv6/conf/all/disable_ipv6"
	sysIPv6OffDef = "net/ipv6/conf/default/disable_ipv6"
)

// compile turns d into the state of every namespace.
func compile(d Desired, names Names) (World, error) { return compileMemo(d, names, nil) }

// compileMemo is compile reusing, from memo (nil: none), the fabric
// namespaces whose inputs did not change, and recording those it builds.
// A reused state is shared with the last World: neither may be changed.
func compileMemo(d Desired, names Names, memo fabricMemo) (World, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	w := World{}
	// Which NICs are realised: those of nodes, with their node's cluster.
	// IDs compare case-blind; each is lowered once here, not at every
	// lookup.
	clusterOfNIC := map[string]*Cluster{}
	for ci := range d.Clusters {
		c := &d.Clusters[ci]
		for ni := range c.Nodes {
			clusterOfNIC[strings.ToLower(c.Nodes[ni].NIC)] = c
		}
	}
	subnetOfNIC := map[string]*Subnet{}
	fabricOfNIC := map[string]string{}
	inet := &NSState{Level: levelInet, Sysctls: map[string]string{sysRPFilterAll: "0", sysRPFilterDef: "0"},
		Links:     []Link{{Name: linkLo, Kind: "loopback", MTU: 65536}},
		Addrs:     []Addr{{Dev: linkLo, Prefix: host(InternetHost)}},
		Workloads: []Workload{{Kind: WorkEcho, Port: InternetEchoPort, Name: "internet"}}}
	for vi := range d.VNets {
		v := &d.VNets[vi]
		var nics []nicRef
		subnets := map[string]*Subnet{}
		for si := range v.Subnets {
			subnets[strings.ToLower(v.Subnets[si].ID)] = &v.Subnets[si]
		}
		for i := range v.NICs {
			n := &v.NICs[i]
			id := strings.ToLower(n.ID)
			c, ok := clusterOfNIC[id]
			if !ok {
				continue
			}
			s := subnets[strings.ToLower(n.Subnet)]
			nics = append(nics, nicRef{nic: n, subnet: s, cluster: c})
			subnetOfNIC[id] = s
		}
		if len(nics) == 0 {
			continue
		}
		slices.SortFunc(nics, func(a, b nicRef) int { return a.nic.IP.Compare(b.nic.IP) })
		fname := names.VNet(v.ID)
		for _, r := range nics {
			fabricOfNIC[strings.ToLower(r.nic.ID)] = fname
		}
		w[fname] = memo.fabric(fname, v, nics, subnets)
		linkInternet(inet, v.ID, fname, d.Clusters)
	}
	if len(w) > 0 {
		w[names.Inet()] = inet
	}
	for ci := range d.Clusters {
		c := &d.Clusters[ci]
		if len(c.Nodes) == 0 {
			continue
		}
		compileCluster(w, c, names, subnetOfNIC, fabricOfNIC)
	}
	for _, ns := range w {
		if ns.InitSysctls != nil {
			continue // reused from memo, finished already
		}
		if ns.Sysctls == nil {
			ns.Sysctls = map[string]string{}
		}
		ns.InitSysctls = map[string]string{sysIPv6OffAll: "1", sysIPv6OffDef: "1"}
		ns.sortState()
	}
	memo.keep(w)
	return w, nil
}

// proxyDelayKey is the proxy_delay sysctl of link l.
func proxyDelayKey(l string) string { return sysNeighDir + l + "/proxy_delay" }

// linkInternet gives the internet namespace its side of the link to VNet
// vnetID's fabric namespace fname, and a route through it to the public IP
// of every cluster with nodes in the VNet.
func linkInternet(inet *NSState, vnetID, fname string, clusters []Cluster) {
	il := vnetLink(vnetID)
	inet.Links = append(inet.Links, Link{Name: il, Kind: KindVeth, Owner: true, PeerNS: fname, Peer: linkInet, MTU: MTU})
	inet.Addrs = append(inet.Addrs, Addr{Dev: il, Prefix: host(transitInet)})
	for ci := range clusters {
		c := &clusters[ci]
		if strings.EqualFold(c.VNet, vnetID) && c.PublicIP.IsValid() && len(c.Nodes) > 0 {
			inet.Routes = append(inet.Routes, Route{Table: MainTable, Dst: host(c.PublicIP), Type: RouteUnicast, Gw: transitFabric, Dev: il})
		}
	}
}

// compileFabric is the fabric namespace of one VNet with realised NICs
// nics (sorted by address) in subnets: one veth per NIC with the subnet's
// gateway on it, a /32 route to every NIC, and one routing table per subnet,
// chosen by ingress interface, holding the subnet's effective routes.
func compileFabric(nics []nicRef, subnets map[string]*Subnet) *NSState {
	f := &NSState{Level: levelFabric, Sysctls: map[string]string{
		sysForward: "1", sysRPFilterAll: "0", sysRPFilterDef: "0", sysProxyARPAll: "1",
	}}
	f.Links = append(f.Links, Link{Name: linkLo, Kind: "loopback", MTU: 65536},
		Link{Name: linkInet, Kind: KindVeth, MTU: MTU})
	f.Addrs = append(f.Addrs, Addr{Dev: linkInet, Prefix: host(transitFabric)})
	byIP := map[netip.Addr]string{}
	for _, r := range nics {
		l := addrLink(r.nic.IP)
		byIP[r.nic.IP] = l
		// The node creates this veth (it owns the pair); the fabric
		// configures its end.
		f.Links = append(f.Links, Link{Name: l, Kind: KindVeth, MTU: MTU})
		f.Sysctls[proxyDelayKey(l)] = "0"
		f.Addrs = append(f.Addrs, Addr{Dev: l, Prefix: host(gatewayOf(r.subnet.Prefix))})
		f.Routes = append(f.Routes, Route{Table: MainTable, Dst: host(r.nic.IP), Type: RouteUnicast, Dev: l})
	}
	// One table per subnet holding a NIC, chosen by ingress interface.
	tables := subnetTables(nics, func(r nicRef) string { return r.subnet.ID })
	for sid, tid := range tables {
		s := subnets[sid]
		f.Routes = append(f.Routes, lpmRoutes(s.Routes, tid, byIP)...)
	}
	for i, r := range nics {
		f.Rules = append(f.Rules, Rule{Priority: ruleBase + i%1000, IIF: byIP[r.nic.IP], Table: tables[strings.ToLower(r.subnet.ID)]})
	}
	f.NFT = fabricRules(nics)
	return f
}

// nicRef is a realised NIC, its subnet and the cluster of its node.
type nicRef struct {
	nic     *NIC
	subnet  *Subnet
	cluster *Cluster
}

// defaultRoute is 0.0.0.0/0.
var defaultRoute = netip.PrefixFrom(netip.IPv4Unspecified(), 0)

// gatewayOf is a subnet's gateway, its first address after the network (.1).
func gatewayOf(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }

// subnetTables gives each subnet of nics a routing table id, stable for a
// subnet id: 10000 + a hash, probing past collisions in id order.
func subnetTables[T any](nics []T, subnetID func(T) string) map[string]int {
	var ids []string
	for _, n := range nics {
		id := strings.ToLower(subnetID(n))
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := map[string]int{}
	taken := map[int]bool{}
	for _, id := range ids {
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		t := 10000 + int(h.Sum32()%1000000)
		for taken[t] {
			t++
		}
		taken[t] = true
		out[id] = t
	}
	return out
}

// sourceRank orders route sources at equal prefix, as Azure does: user
// routes beat BGP routes, which beat system routes.
func sourceRank(source string) int {
	switch source {
	case fabric.SourceUser:
		return 2
	case fabric.SourceVirtualNetworkGateway:
		return 1
	}
	return 0
}

// prefixWinners returns, for each valid IPv4 prefix of routes, the route
// Azure selects among those with that exact prefix (the best source, the
// first at equal source), and the prefixes in the order they first appear.
func prefixWinners(routes []fabric.Route) (map[netip.Prefix]fabric.Route, []netip.Prefix) {
	win := map[netip.Prefix]fabric.Route{}
	var order []netip.Prefix
	for _, r := range routes {
		if r.State == fabric.StateInvalid || !r.Prefix.IsValid() || !r.Prefix.Addr().Is4() {
			continue
		}
		p := r.Prefix.Masked()
		cur, ok := win[p]
		if !ok {
			order = append(order, p)
		}
		if !ok || sourceRank(r.Source) > sourceRank(cur.Source) {
			win[p] = r
		}
	}
	return win, order
}

// kernelRoute is effective route r for prefix p in table tid: Internet goes
// out through the internet link, a VirtualAppliance a NIC holds goes to that
// NIC; VnetLocal, None, VirtualNetworkGateway and an appliance no NIC holds
// drop (the NIC /32s lpmRoutes adds carry VNet delivery).
func kernelRoute(r fabric.Route, p netip.Prefix, tid int, byIP map[netip.Addr]string) Route {
	switch r.NextHopType {
	case fabric.Internet:
		return Route{Table: tid, Dst: p, Type: RouteUnicast, Gw: transitInet, Dev: linkInet}
	case fabric.VirtualAppliance:
		if l, ok := byIP[r.NextHopIP]; ok {
			return Route{Table: tid, Dst: p, Type: RouteUnicast, Gw: r.NextHopIP, Dev: l}
		}
	}
	return Route{Table: tid, Dst: p, Type: RouteBlackhole}
}

// lpmRoutes installs in table tid exactly the longest-prefix-match result of
// the effective routes: for each prefix only the route Azure selects, and a
// /32 to every realised NIC whose address Azure would deliver VnetLocal (so
// a covering UDR, a 0.0.0.0/0 to None included, can never override VNet
// delivery, and a more specific UDR still wins over it). byIP maps realised
// NIC addresses to their fabric link.
func lpmRoutes(routes []fabric.Route, tid int, byIP map[netip.Addr]string) []Route {
	win, order := prefixWinners(routes)
	out := map[netip.Prefix]Route{}
	for _, p := range order {
		out[p] = kernelRoute(win[p], p, tid, byIP)
	}
	t := fabric.NewTable(routes)
	for ip, l := range byIP {
		if r, ok := t.Lookup(ip); ok && r.NextHopType == fabric.VnetLocal {
			out[host(ip)] = Route{Table: tid, Dst: host(ip), Type: RouteUnicast, Dev: l}
		}
	}
	res := make([]Route, 0, len(out))
	for _, r := range out {
		res = append(res, r)
	}
	slices.SortFunc(res, func(a, b Route) int {
		return cmp.Or(a.Dst.Addr().Compare(b.Dst.Addr()), cmp.Compare(a.Dst.Bits(), b.Dst.Bits()))
	})
	return res
}

// compileCluster adds the namespaces of c's nodes and pods.
func compileCluster(w World, c *Cluster, names Names, subnetOfNIC map[string]*Subnet, fabricOfNIC map[string]string) {
	nodeNS := map[string]*NSState{}
	nodes := map[string]*Node{}
	// The cluster's services, resolved once for all its nodes.
	svcs := backends(c)
	for i := range c.Nodes {
		n := &c.Nodes[i]
		nodes[n.Name] = n
		nic := strings.ToLower(n.NIC)
		s := subnetOfNIC[nic]
		bits := 24
		if s != nil {
			bits = s.Prefix.Bits()
		}
		gw := n.Gateway
		if !gw.IsValid() && s != nil {
			gw = gatewayOf(s.Prefix)
		}
		ns := &NSState{Level: levelNode, Sysctls: map[string]string{sysForward: "1", sysRPFilterAll: "0", sysRPFilterDef: "0", sysBridgeNFCall: "1"}}
		ns.Links = []Link{{Name: linkLo, Kind: "loopback", MTU: 65536}, {Name: linkCbr0, Kind: KindBridge, MTU: MTU},
			{Name: linkEth0, Kind: KindVeth, Owner: true, PeerNS: fabricOfNIC[nic], Peer: addrLink(n.IP), MTU: MTU}}
		ns.Addrs = []Addr{{Dev: linkEth0, Prefix: netip.PrefixFrom(n.IP, bits)}, {Dev: linkCbr0, Prefix: netip.PrefixFrom(gatewayOf(n.PodCIDR), n.PodCIDR.Bits())}}
		ns.Routes = []Route{{Table: MainTable, Dst: defaultRoute, Type: RouteUnicast, Gw: gw, Dev: linkEth0}}
		ns.NFT = nodeRules(c, n, svcs)
		nodeNS[n.Name] = ns
		w[names.Node(n.Name)] = ns
	}
	for _, p := range c.Pods {
		n := nodes[p.Node]
		node := nodeNS[p.Node]
		echo := Workload{Kind: WorkEcho, Port: EchoPort, Name: p.Name}
		if p.HostNetwork {
			node.Workloads = append(node.Workloads, echo)
			continue
		}
		pname := names.Pod(c.ID, p.Name)
		l := addrLink(p.IP)
		node.Links = append(node.Links, Link{Name: l, Kind: KindVeth, Owner: true, PeerNS: pname, Peer: linkEth0, Master: linkCbr0, MTU: MTU})
		ps := &NSState{Level: levelPod, Sysctls: map[string]string{}}
		ps.Links = []Link{{Name: linkLo, Kind: "loopback", MTU: 65536}, {Name: linkEth0, Kind: KindVeth, MTU: MTU}}
		ps.Addrs = []Addr{{Dev: linkEth0, Prefix: netip.PrefixFrom(p.IP, n.PodCIDR.Bits())}}
		ps.Routes = []Route{{Table: MainTable, Dst: defaultRoute, Type: RouteUnicast, Gw: gatewayOf(n.PodCIDR), Dev: linkEth0}}
		ps.Workloads = []Workload{echo}
		ps.ResolvConf = podResolvConf(c)
		if p.DNS {
			ps.Workloads = append(ps.Workloads, Workload{Kind: WorkDNS, Port: DNSPort, Zone: dnsZone(c)})
		}
		w[pname] = ps
	}
}

// ClusterDomain is the cluster's DNS domain.
const ClusterDomain = "cluster.local"

// podResolvConf is the resolv.conf of a pod in the default namespace with
// dnsPolicy ClusterFirst, as the kubelet writes it: the cluster DNS service,
// the namespace's, the services' and the cluster's search domains, and
// ndots:5. "" when the cluster has no DNS service IP.
func podResolvConf(c *Cluster) string {
	if !c.DNSServiceIP.IsValid() {
		return ""
	}
	return "search default.svc." + ClusterDomain + " svc." + ClusterDomain + " " + ClusterDomain + "\n" +
		"nameserver " + c.DNSServiceIP.String() + "\n" +
		"options ndots:5\n"
}

// dnsZone is what the cluster DNS answers: kubernetes.default at the
// service CIDR's .1, kube-dns.kube-system at the DNS service IP, and every
// service in the default namespace by name.
func dnsZone(c *Cluster) map[string]netip.Addr {
	z := map[string]netip.Addr{}
	if c.ServiceCIDR.IsValid() {
		z["kubernetes.default.svc."+ClusterDomain+"."] = c.ServiceCIDR.Masked().Addr().Next()
	}
	if c.DNSServiceIP.IsValid() {
		z["kube-dns.kube-system.svc."+ClusterDomain+"."] = c.DNSServiceIP
	}
	for _, s := range c.Services {
		z[strings.ToLower(s.Name)+".default.svc."+ClusterDomain+"."] = s.ClusterIP
	}
	return z
}

// serviceBackend is one service port with its endpoints.
type serviceBackend struct {
	vip       netip.Addr
	proto     uint8
	port, tp  uint16
	endpoints []netip.Addr
	name      string
}

// backends lists the cluster's service ports: the DNS service (UDP and TCP
// 53 to the DNS pod) and every service, with the pods its selector picks.
func backends(c *Cluster) []serviceBackend {
	var out []serviceBackend
	var dnsPods []netip.Addr
	for _, p := range c.Pods {
		if p.DNS {
			dnsPods = append(dnsPods, p.IP)
		}
	}
	if c.DNSServiceIP.IsValid() && len(dnsPods) > 0 {
		for _, proto := range []uint8{17, 6} {
			out = append(out, serviceBackend{vip: c.DNSServiceIP, proto: proto, port: DNSPort, tp: DNSPort, endpoints: dnsPods, name: "kube-dns"})
		}
	}
	pods := slices.Clone(c.Pods)
	slices.SortFunc(pods, func(a, b Pod) int { return cmp.Compare(a.Name, b.Name) })
	for _, s := range c.Services {
		var eps []netip.Addr
		for _, p := range pods {
			if !p.DNS && s.Selector != "" && strings.HasPrefix(p.Name, s.Selector) {
				eps = append(eps, p.IP)
			}
		}
		proto := uint8(6)
		if strings.EqualFold(s.Protocol, "UDP") {
			proto = 17
		}
		out = append(out, serviceBackend{vip: s.ClusterIP, proto: proto, port: uint16(s.Port), tp: uint16(s.TargetPort), endpoints: eps, name: s.Name})
	}
	return out
}

// nodeRules is a node's nftables table, for the cluster's service ports
// svcs (backends(c)): masquerade of pod traffic leaving
// the cluster's pod CIDR, ClusterIP DNAT for pods (prerouting) and the node
// itself (output), and, as kube-proxy does, masquerade of service traffic
// only where it hairpins: a pod that reaches itself through a service would
// answer itself directly, so its source becomes the node's cbr0 address.
// Other same-node service traffic keeps the client's address: the node
// namespace has bridge-nf-call-iptables on (as kubenet requires), so the
// bridged reply passes conntrack and is un-DNATed.
func nodeRules(c *Cluster, n *Node, svcs []serviceBackend) *Ruleset {
	rs := &Ruleset{}
	svc := &Chain{Name: "services"}
	post := &Chain{Name: "postrouting", Type: "nat", Hook: "postrouting", Priority: 100, Rules: []NFRule{
		{Match: []Match{saddr(c.PodCIDR.Masked()), {Kind: MDaddr, Neg: true, Prefix: c.PodCIDR.Masked()}}, Action: Action{Verdict: VMasquerade}},
	}}
	hairpin := map[netip.Addr]bool{}
	refuse := &Chain{Name: "no-endpoints"}
	for _, b := range svcs {
		if len(b.endpoints) == 0 {
			// As kube-proxy: a service without endpoints refuses at
			// once rather than leaving the client to time out.
			refuse.Rules = append(refuse.Rules, NFRule{Match: []Match{daddr(host(b.vip)), {Kind: MProto, Proto: b.proto}, {Kind: MDport, Lo: b.port, Hi: b.port}},
				Action: Action{Verdict: VReject}})
			continue
		}
		k := len(b.endpoints)
		for i, ep := range b.endpoints {
			m := []Match{daddr(host(b.vip)), {Kind: MProto, Proto: b.proto}, {Kind: MDport, Lo: b.port, Hi: b.port}}
			if k-i > 1 {
				m = append(m, Match{Kind: MNumgen, Mod: uint32(k - i)})
			}
			svc.Rules = append(svc.Rules, NFRule{Match: m, Action: Action{Verdict: VDNAT, Addr: ep, Port: b.tp}})
			if n != nil && n.PodCIDR.Contains(ep) && !hairpin[ep] {
				hairpin[ep] = true
				post.Rules = append(post.Rules, NFRule{Match: []Match{oif(linkCbr0), {Kind: MCtDNAT}, saddr(host(ep)), daddr(host(ep))},
					Action: Action{Verdict: VMasquerade}})
			}
		}
	}
	rs.Chains = append(rs.Chains,
		&Chain{Name: "prerouting", Type: "nat", Hook: "prerouting", Priority: -100, Rules: []NFRule{{Action: Action{Verdict: VJump, Chain: "services"}}}},
		&Chain{Name: "output", Type: "nat", Hook: "output", Priority: -100, Rules: []NFRule{{Action: Action{Verdict: VJump, Chain: "services"}}}},
		post, svc)
	if len(refuse.Rules) > 0 {
		// Filter hooks: reject is not allowed in nat chains. Pods' traffic
		// to a service is forwarded by the node, the node's own is output.
		jump := []NFRule{{Action: Action{Verdict: VJump, Chain: refuse.Name}}}
		rs.Chains = append(rs.Chains,
			&Chain{Name: "filter-forward", Type: "filter", Hook: "forward", Priority: 0, Rules: jump},
			&Chain{Name: "filter-output", Type: "filter", Hook: "output", Priority: 0, Rules: jump},
			refuse)
	}
	return rs
}
