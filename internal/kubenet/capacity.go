package kubenet

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Plugins the capacity planner knows.
const (
	PlanPluginKubenet      = "kubenet"
	PlanPluginAzure        = "azure"         // Azure CNI: pods take subnet addresses
	PlanPluginAzureOverlay = "azure-overlay" // Azure CNI overlay: pods come from a pod CIDR
)

// Finding severities. An error is a rule Azure enforces: the layout would be
// rejected. A warning is a layout Azure accepts that is likely to hurt later
// (no room to upgrade, a range that clashes with a network in use).
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// DefaultSurgeHeadroom is how many nodes the planner keeps free for a surge
// upgrade when Plan.MaxSurge is 0.
const DefaultSurgeHeadroom = 2

// What limits Plan's MaxNodes (PlanResult.LimitedBy).
const (
	LimitSubnet     = "subnet"
	LimitPodCIDR    = "podCidr"
	LimitRouteTable = "routeTable"
)

// Plan describes a cluster layout for the capacity planner. Zero values mean
// AKS's defaults, as for a create request.
type Plan struct {
	// Plugin is "kubenet" (the default), "azure" or "azure-overlay".
	Plugin string
	// SubnetPrefix is the node subnet; required.
	SubnetPrefix netip.Prefix
	// MaxPods is maxPods per node; 0 means the plugin's default (110, 30,
	// 250).
	MaxPods int
	// NodeCount is how many nodes the cluster is meant to run.
	NodeCount int
	// MaxSurge is how many extra nodes an upgrade adds at once; 0 means
	// DefaultSurgeHeadroom.
	MaxSurge int
	// PodCIDR defaults to 10.244.0.0/16 (kubenet and overlay only).
	PodCIDR netip.Prefix
	// ServiceCIDR defaults to 10.0.0.0/16.
	ServiceCIDR netip.Prefix
	// DNSServiceIP defaults to the .10 address of the service CIDR.
	DNSServiceIP netip.Addr
	// VNetPrefixes is the VNet address space; empty means the subnet alone.
	VNetPrefixes []netip.Prefix
	// Avoid lists ranges in use elsewhere (on-premises, peered networks)
	// that the layout must not overlap.
	Avoid []netip.Prefix
	// MaxRoutes is the route table limit; 0 means DefaultMaxRoutes.
	MaxRoutes int
}

// Finding is one problem the planner found. Code and Target are the ones
// Validate would return for the same problem.
type Finding struct {
	Severity string // SeverityError or SeverityWarning
	Code     string
	Message  string
	Target   string
}

// PlanResult is what a layout holds.
type PlanResult struct {
	// Plugin and PodsPerNode are the plan's plugin and maxPods after
	// defaults.
	Plugin      string
	PodsPerNode int
	// MaxNodes is the most nodes the layout can run, ignoring upgrades:
	// the subnet's usable addresses divided by the addresses per node (1,
	// or 1+maxPods with Azure CNI), capped for kubenet and overlay by the
	// pod CIDR's /24 count and for kubenet by the route limit.
	MaxNodes int
	// LimitedBy names the limit that sets MaxNodes: LimitSubnet,
	// LimitPodCIDR or LimitRouteTable (the first of them on a tie).
	LimitedBy string
	// MaxPods is MaxNodes × PodsPerNode.
	MaxPods int
	// UsableIPs is UsableHosts(subnet); UsedIPs what NodeCount nodes take;
	// FreeIPs what is left (never negative).
	UsableIPs, UsedIPs, FreeIPs int
	// RecommendedNodesLow..RecommendedNodesHigh is the node count the
	// layout runs comfortably, leaving room to scale and upgrade:
	//
	//	High = MaxNodes − surge (surge = MaxSurge, or DefaultSurgeHeadroom)
	//	Low  = min(High, ⌊MaxNodes × 3/4⌋)
	//
	// High keeps just enough room for a surge upgrade; Low also keeps a
	// quarter of the capacity for scaling out. Both are at least 0. A
	// kubenet /27 (27 nodes) gives 20..25, as the AKS article says.
	RecommendedNodesLow, RecommendedNodesHigh int
	// PodsLow and PodsHigh are the recommended node counts × PodsPerNode.
	PodsLow, PodsHigh int
	// PodCIDRCapacity is how many /24 node ranges the pod CIDR holds (0 for
	// Azure CNI, which has none).
	PodCIDRCapacity int
	// RouteLimit is the route table limit (kubenet only, else 0).
	RouteLimit int
	// Findings are Validate's violations (as errors) followed by the
	// planner's warnings.
	Findings []Finding
	// Recommendations are human-readable fixes, one per problem.
	Recommendations []string
}

// privateBlocks are the RFC 1918 ranges, in the order the planner searches
// them for a free range.
var privateBlocks = [...]netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// PlanCapacity works out how many nodes and pods a layout holds and what is
// wrong with it. It never fails: problems become Findings. Prefixes are
// masked before use.
//
// The figures of the AKS kubenet article come out exactly: a kubenet /24
// holds 251 nodes and 27,610 pods at 110 pods per node; Azure CNI on a /24
// at 30 pods per node holds 8 nodes (each takes 31 addresses) and 240 pods;
// a kubenet /27 holds 27 nodes and is recommended for 20–25 nodes, which is
// 2,200–2,750 pods.
//
// Besides Validate's rules (reported with Validate's codes and targets) the
// planner warns when NodeCount leaves no room for a surge upgrade, and when
// the VNet (or the subnet, without VNet prefixes), the pod CIDR or the
// service CIDR overlaps an Avoid range (code AddressRangeInUse). For such an
// overlap, and for a range Validate rejects because of a reserved range or
// an overlap, it recommends a free RFC 1918 range of the same size that
// overlaps none of the layout's other ranges, the Avoid ranges and the
// reserved ranges, searching 10.0.0.0/8, then 172.16.0.0/12, then
// 192.168.0.0/16, lowest address first: with 10.0.0.0/8 in use on-premises,
// a /16 VNet is moved to 172.16.0.0/16.
func PlanCapacity(in Plan) PlanResult {
	var r PlanResult
	if !r.checkInput(in) {
		return r
	}
	l := planDefaults(in, r.Plugin)
	r.PodsPerNode = l.podsPerNode
	r.capacity(in, l)
	codes := r.validate(in, l)
	r.warnSurge(in, l)
	r.planRanges(in.Avoid, l.subnet, l.vnet, l.pod, l.svc, codes)
	return r
}

// planLayout is a Plan with AKS's defaults filled in and its prefixes
// masked.
type planLayout struct {
	podsPerNode int
	subnet      netip.Prefix
	pod         netip.Prefix // invalid for Azure CNI, which has none
	svc         netip.Prefix
	dns         netip.Addr
	vnet        []netip.Prefix
	maxRoutes   int
	surge       int
	// ipsPerNode is the subnet addresses a node takes: 1, or 1+maxPods
	// with Azure CNI.
	ipsPerNode int
}

// need is how many nodes the plan must fit with room for a surge upgrade.
func (l planLayout) need(in Plan) int { return max(in.NodeCount, 0) + l.surge }

// checkInput sets r.Plugin and reports, as an error finding, a plugin the
// planner does not know or a missing or IPv6 subnet; it returns false when
// there is nothing more to plan.
func (r *PlanResult) checkInput(in Plan) bool {
	r.Plugin = strings.ToLower(in.Plugin)
	if r.Plugin == "" {
		r.Plugin = PlanPluginKubenet
	}
	switch r.Plugin {
	case PlanPluginKubenet, PlanPluginAzure, PlanPluginAzureOverlay:
	default:
		r.addError(azerr.BadRequest(CodeInvalidParameter, targetNetworkPlugin,
			"The network plugin %q is not supported by the planner: use kubenet, azure or azure-overlay.", in.Plugin))
		return false
	}
	subnetTarget := fmt.Sprintf("%s[0].vnetSubnetID", targetAgentPools)
	switch {
	case !in.SubnetPrefix.IsValid():
		r.addError(azerr.BadRequest(CodeInvalidParameter, subnetTarget, "A node subnet address prefix is required."))
		return false
	case !in.SubnetPrefix.Addr().Is4():
		r.addError(azerr.BadRequest(CodeCidrStringParseError, subnetTarget,
			"The subnet %s is an IPv6 address prefix; only IPv4 address prefixes are supported.", in.SubnetPrefix))
		return false
	}
	return true
}

// planDefaults fills in AKS's defaults for what the plan leaves zero.
func planDefaults(in Plan, plugin string) planLayout {
	l := planLayout{podsPerNode: in.MaxPods, subnet: in.SubnetPrefix.Masked(), svc: in.ServiceCIDR.Masked(),
		dns: in.DNSServiceIP, maxRoutes: in.MaxRoutes, surge: in.MaxSurge, ipsPerNode: 1}
	if l.podsPerNode == 0 {
		l.podsPerNode = DefaultMaxPodsFor(plugin)
	}
	if plugin != PlanPluginAzure {
		l.pod = in.PodCIDR.Masked()
		if !in.PodCIDR.IsValid() {
			l.pod = netip.MustParsePrefix(DefaultPodCIDR)
		}
	} else {
		l.ipsPerNode = 1 + max(l.podsPerNode, 0)
	}
	if !in.ServiceCIDR.IsValid() {
		l.svc = netip.MustParsePrefix(DefaultServiceCIDR)
	}
	if !l.dns.IsValid() {
		l.dns, _ = NthAddr(l.svc, DNSServiceIPOffset)
	}
	if l.maxRoutes <= 0 {
		l.maxRoutes = DefaultMaxRoutes
	}
	if l.surge <= 0 {
		l.surge = DefaultSurgeHeadroom
	}
	l.vnet = make([]netip.Prefix, 0, len(in.VNetPrefixes))
	for _, n := range in.VNetPrefixes {
		l.vnet = append(l.vnet, n.Masked())
	}
	return l
}

// capacity sets the node, pod and address figures of the layout.
func (r *PlanResult) capacity(in Plan, l planLayout) {
	r.UsableIPs = UsableHosts(l.subnet)
	r.MaxNodes, r.LimitedBy = r.UsableIPs/l.ipsPerNode, LimitSubnet
	if r.Plugin != PlanPluginAzure {
		r.PodCIDRCapacity = podBlocks(l.pod)
		if r.PodCIDRCapacity < r.MaxNodes {
			r.MaxNodes, r.LimitedBy = r.PodCIDRCapacity, LimitPodCIDR
		}
	}
	if r.Plugin == PlanPluginKubenet {
		r.RouteLimit = l.maxRoutes
		if r.RouteLimit < r.MaxNodes {
			r.MaxNodes, r.LimitedBy = r.RouteLimit, LimitRouteTable
		}
	}
	perNode := max(r.PodsPerNode, 0)
	r.MaxPods = r.MaxNodes * perNode
	r.UsedIPs = max(in.NodeCount, 0) * l.ipsPerNode
	r.FreeIPs = max(r.UsableIPs-r.UsedIPs, 0)
	r.RecommendedNodesHigh = max(r.MaxNodes-l.surge, 0)
	r.RecommendedNodesLow = min(r.RecommendedNodesHigh, r.MaxNodes*3/4)
	r.PodsLow = r.RecommendedNodesLow * perNode
	r.PodsHigh = r.RecommendedNodesHigh * perNode
}

// validate reports Validate's violations of the layout as error findings,
// with a recommendation for each, and returns the set of their codes, and
// of code+" "+target, for planRanges.
func (r *PlanResult) validate(in Plan, l planLayout) map[string]bool {
	prof := NetworkProfile{NetworkPlugin: PluginKubenet, ServiceCIDR: l.svc.String()}
	if r.Plugin != PlanPluginKubenet {
		prof.NetworkPlugin = PluginAzure
	}
	if l.pod.IsValid() {
		prof.PodCIDR = l.pod.String()
	}
	if l.dns.IsValid() {
		prof.DNSServiceIP = l.dns.String()
	}
	spec := ClusterSpec{
		Profile: prof,
		Pools: []Pool{{Name: "nodepool1", Count: in.NodeCount, MaxPods: r.PodsPerNode,
			OSType: DefaultOSType, SubnetPrefix: l.subnet}},
		VNetPrefixes: l.vnet,
		MaxRoutes:    l.maxRoutes,
	}
	codes := map[string]bool{}
	for _, e := range violations(spec) {
		r.addError(e)
		codes[e.Code] = true
		codes[e.Code+" "+e.Target] = true
	}
	if codes[CodeInsufficientSubnetSize] {
		r.recommendSubnet(l.need(in), l.ipsPerNode, l.surge)
	}
	if codes[CodeInsufficientPodCidr] {
		r.recommendPodCIDR(l.need(in), l.surge)
	}
	if codes[CodeRoutesPerRouteTableLimitExceeded] {
		r.recommendRoutes()
	}
	if codes[CodeMaxPodsLimitExceeded] {
		r.recommend(fmt.Sprintf("Set maxPods to %d or less; add nodes to run more pods.", MaxMaxPods))
	}
	if codes[CodeInsufficientMaxPods] {
		r.recommend(fmt.Sprintf("Set maxPods to at least %d.", MinMaxPods))
	}
	return codes
}

// warnSurge warns, with a recommendation, when NodeCount fits but leaves
// no room for a surge upgrade under the limit that sets MaxNodes.
func (r *PlanResult) warnSurge(in Plan, l planLayout) {
	n := in.NodeCount
	if n <= 0 || n > r.MaxNodes || n+l.surge <= r.MaxNodes {
		return
	}
	code, target, what := CodeInsufficientSubnetSize, fmt.Sprintf("%s[0].count", targetAgentPools), "subnet "+l.subnet.String()
	switch r.LimitedBy {
	case LimitPodCIDR:
		code, target, what = CodeInsufficientPodCidr, targetPodCIDR, "pod CIDR "+l.pod.String()
	case LimitRouteTable:
		code, what = CodeRoutesPerRouteTableLimitExceeded, "route table"
	}
	r.Findings = append(r.Findings, Finding{Severity: SeverityWarning, Code: code, Target: target,
		Message: fmt.Sprintf("%d nodes fit, but a surge upgrade adds %d more and the %s holds at most %d nodes: keep to %d nodes or fewer.",
			n, l.surge, what, r.MaxNodes, r.RecommendedNodesHigh)})
	switch r.LimitedBy {
	case LimitSubnet:
		r.recommendSubnet(l.need(in), l.ipsPerNode, l.surge)
	case LimitPodCIDR:
		r.recommendPodCIDR(l.need(in), l.surge)
	case LimitRouteTable:
		r.recommendRoutes()
	}
}

func (r *PlanResult) addError(e *azerr.Error) {
	r.Findings = append(r.Findings, Finding{Severity: SeverityError, Code: e.Code, Message: e.Message, Target: e.Target})
}

func (r *PlanResult) recommend(s string) {
	for _, have := range r.Recommendations {
		if have == s {
			return
		}
	}
	r.Recommendations = append(r.Recommendations, s)
}

func (r *PlanResult) recommendSubnet(nodes, ipsPerNode, surge int) {
	for b := SmallestSubnetBits; b >= 0; b-- {
		if p := netip.PrefixFrom(netip.IPv4Unspecified(), b); UsableHosts(p) >= nodes*ipsPerNode {
			r.recommend(fmt.Sprintf("Use a /%d subnet or larger: its %d usable addresses fit %d nodes (%d plus %d surge nodes for upgrades).",
				b, UsableHosts(p), nodes, nodes-surge, surge))
			return
		}
	}
}

func (r *PlanResult) recommendPodCIDR(nodes, surge int) {
	b := podCIDRBitsFor(nodes)
	r.recommend(fmt.Sprintf("Use a /%d pod CIDR or larger: its %d /%d node ranges fit %d nodes (%d plus %d surge nodes for upgrades).",
		b, 1<<(NodePodCIDRBits-b), NodePodCIDRBits, nodes, nodes-surge, surge))
}

func (r *PlanResult) recommendRoutes() {
	r.recommend(fmt.Sprintf("A route table holds at most %d routes, one per kubenet node: split the workload across clusters or use Azure CNI overlay (azure-overlay), which needs no routes.",
		r.RouteLimit))
}

// rangeField is one of the layout's address ranges the planner may move.
type rangeField struct {
	desc   string // "virtual network", "subnet", "pod CIDR", "service CIDR"
	cur    netip.Prefix
	target string
	// problem is why Validate rejects the range ("" when it does not).
	problem string
}

// planRanges reports Avoid overlaps and recommends free ranges for the
// fields that overlap an Avoid range or that Validate rejected.
func (r *PlanResult) planRanges(avoid []netip.Prefix, subnet netip.Prefix, vnet []netip.Prefix, pod, svc netip.Prefix, codes map[string]bool) {
	fields := rangeFields(subnet, vnet, pod, svc, codes)
	// Ranges a new range must not overlap: the reserved ranges, the Avoid
	// ranges, every current range and every range already recommended.
	exclude := ReservedRanges()
	exclude = append(exclude, avoid...)
	exclude = append(exclude, subnet)
	for _, f := range fields {
		exclude = append(exclude, f.cur)
	}
	for _, f := range fields {
		if alt, ok := r.planRange(f, avoid, exclude); ok {
			exclude = append(exclude, alt)
		}
	}
}

// rangeFields lists the layout's ranges the planner may move, each with
// why Validate rejected it (its codes are those of codes).
func rangeFields(subnet netip.Prefix, vnet []netip.Prefix, pod, svc netip.Prefix, codes map[string]bool) []rangeField {
	subnetTarget := fmt.Sprintf("%s[0].vnetSubnetID", targetAgentPools)
	var fields []rangeField
	network := func(desc string, n netip.Prefix) {
		f := rangeField{desc: desc, cur: n, target: subnetTarget}
		if rr, ok := reservedConflict(n); ok {
			f.problem = "it overlaps the reserved range " + rr.String()
		}
		fields = append(fields, f)
	}
	if len(vnet) == 0 {
		network("subnet", subnet)
	}
	for _, n := range vnet {
		network("virtual network", n)
	}
	problemOf := func(target string, why map[string]string) string {
		for _, code := range []string{CodeReservedAddressRangeConflict, CodePodCidrOverlapExistingSubnetsCidr,
			CodePodCidrOverlapServiceCidr, CodeServiceCidrOverlapExistingSubnetsCidr} {
			if codes[code+" "+target] && why[code] != "" {
				return why[code]
			}
		}
		return ""
	}
	if pod.IsValid() {
		fields = append(fields, rangeField{desc: "pod CIDR", cur: pod, target: targetPodCIDR,
			problem: problemOf(targetPodCIDR, map[string]string{
				CodeReservedAddressRangeConflict:      "it overlaps a reserved range",
				CodePodCidrOverlapExistingSubnetsCidr: "it overlaps the cluster's network",
				CodePodCidrOverlapServiceCidr:         "it overlaps the service CIDR",
			})})
	}
	return append(fields, rangeField{desc: "service CIDR", cur: svc, target: targetServiceCIDR,
		problem: problemOf(targetServiceCIDR, map[string]string{
			CodeReservedAddressRangeConflict:          "it overlaps a reserved range",
			CodeServiceCidrOverlapExistingSubnetsCidr: "it overlaps the cluster's network",
		})})
}

// planRange warns when f overlaps an Avoid range and, when it does or
// Validate rejected it, recommends a free range outside exclude; it
// returns that range and whether there was one.
func (r *PlanResult) planRange(f rangeField, avoid, exclude []netip.Prefix) (netip.Prefix, bool) {
	var inUse netip.Prefix
	for _, a := range avoid {
		if Overlaps(f.cur, a) {
			inUse = a.Masked()
			break
		}
	}
	if inUse.IsValid() {
		r.Findings = append(r.Findings, Finding{Severity: SeverityWarning, Code: CodeAddressRangeInUse, Target: f.target,
			Message: fmt.Sprintf("The %s %s overlaps %s, which is in use on-premises or in a connected network; traffic to the overlapping addresses will be misrouted.",
				f.desc, f.cur, inUse)})
	}
	if !inUse.IsValid() && f.problem == "" {
		return netip.Prefix{}, false
	}
	alt, ok := freeRange(f.cur.Bits(), exclude)
	switch {
	case !ok && inUse.IsValid():
		r.recommend(fmt.Sprintf("%s is in use on-premises, and no free private /%d range is left for the %s: use a smaller range.", inUse, f.cur.Bits(), f.desc))
	case !ok:
		r.recommend(fmt.Sprintf("The %s %s can't be used (%s), and no free private /%d range is left: use a smaller range.", f.desc, f.cur, f.problem, f.cur.Bits()))
	case inUse.IsValid():
		r.recommend(fmt.Sprintf("%s is in use on-premises: use %s for the %s instead of %s%s.", inUse, alt, f.desc, f.cur, dnsHint(f, alt)))
	default:
		r.recommend(fmt.Sprintf("The %s %s can't be used (%s): use %s instead%s.", f.desc, f.cur, f.problem, alt, dnsHint(f, alt)))
	}
	return alt, ok
}

// dnsHint names the DNS service IP that goes with a new service CIDR.
func dnsHint(f rangeField, alt netip.Prefix) string {
	if f.target != targetServiceCIDR {
		return ""
	}
	if a, ok := NthAddr(alt, DNSServiceIPOffset); ok {
		return ", with DNS service IP " + a.String()
	}
	return ""
}

// freeRange returns the lowest /bits range inside 10.0.0.0/8, then
// 172.16.0.0/12, then 192.168.0.0/16, that overlaps nothing in exclude.
func freeRange(bits int, exclude []netip.Prefix) (netip.Prefix, bool) {
	if bits < 0 || bits > 32 {
		return netip.Prefix{}, false
	}
	size := uint64(1) << (32 - bits)
	for _, blk := range privateBlocks {
		if bits < blk.Bits() {
			continue
		}
		end := uint64(toU32(blk.Addr())) + Size(blk) // exclusive
		for cur := uint64(toU32(blk.Addr())); cur+size <= end; {
			c := netip.PrefixFrom(fromU32(uint32(cur)), bits)
			next := cur + size
			hit := false
			for _, e := range exclude {
				if Overlaps(c, e) {
					hit = true
					next = max(next, uint64(toU32(LastAddr(e.Masked())))+1)
				}
			}
			if !hit {
				return c, true
			}
			cur = (next + size - 1) / size * size
		}
	}
	return netip.Prefix{}, false
}
