package kubenet

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Network plugin names, as in properties.networkProfile.networkPlugin.
const (
	PluginKubenet = "kubenet"
	PluginAzure   = "azure"
	PluginNone    = "none"
)

// Defaults AKS applies to a network profile and its agent pools.
const (
	DefaultNetworkPlugin   = PluginKubenet
	DefaultPodCIDR         = "10.244.0.0/16"
	DefaultServiceCIDR     = "10.0.0.0/16"
	DefaultDNSServiceIP    = "10.0.0.10"
	DefaultLoadBalancerSKU = "standard"
	DefaultOutboundType    = "loadBalancer"
	DefaultOSType          = "Linux"

	// DNSServiceIPOffset is the offset of the default DNS service IP in the
	// service CIDR: its .10 address.
	DNSServiceIPOffset = 10

	// DefaultMaxPods is the kubenet default of maxPods per node.
	DefaultMaxPods = 110
	// DefaultMaxPodsAzureCNI is the Azure CNI default of maxPods per node.
	DefaultMaxPodsAzureCNI = 30
	// DefaultMaxPodsAzureCNIOverlay is the Azure CNI overlay default.
	DefaultMaxPodsAzureCNIOverlay = 250
	// MinMaxPods and MaxMaxPods bound maxPods per node.
	MinMaxPods = 10
	MaxMaxPods = 250
	// MinPodsPerPool is AKS's floor for a pool's room for pods, maxPods ×
	// count: "The minimum value that can be set for maximum pods per node is
	// 10 if and only if the configuration of each node pool has space for a
	// minimum of 30 pods" (AKS's Azure CNI configuration docs, quoted in
	// Azure/AKS#1422). A pool of 0 nodes (a user pool scaled to zero) has no
	// system pods to hold and is not held to it.
	MinPodsPerPool = 30

	// DefaultMaxRoutes is how many routes an Azure route table may hold, so
	// how many nodes a kubenet cluster may have. ClusterSpec.MaxRoutes and
	// Plan.MaxRoutes override it, since Azure may raise the limit.
	DefaultMaxRoutes = 400
)

// reservedRanges are the ranges AKS refuses for the service, pod and virtual
// network ranges. The array is never modified; ReservedRanges hands out
// copies.
var reservedRanges = [...]netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.30.0.0/16"),
	netip.MustParsePrefix("172.31.0.0/16"),
	netip.MustParsePrefix("192.0.2.0/24"),
}

// ReservedRanges returns the ranges an AKS cluster may not use for its
// service CIDR, pod CIDR or virtual network: 169.254.0.0/16, 172.30.0.0/16,
// 172.31.0.0/16 and 192.0.2.0/24. The caller owns the returned slice.
func ReservedRanges() []netip.Prefix {
	out := make([]netip.Prefix, len(reservedRanges))
	copy(out, reservedRanges[:])
	return out
}

// NetworkProfile is the part of a managed cluster's
// properties.networkProfile that kubenet rules depend on. Strings hold the
// request's values as sent; empty means "not given".
type NetworkProfile struct {
	NetworkPlugin, NetworkPolicy       string
	PodCIDR, ServiceCIDR, DNSServiceIP string
	OutboundType, LoadBalancerSKU      string
}

// Pool is one entry of properties.agentPoolProfiles.
type Pool struct {
	Name string
	// Count is the pool's node count.
	Count int
	// MaxPods is maxPods per node; 0 means the plugin's default.
	MaxPods int
	// OSType is "Linux" or "Windows"; empty means Linux.
	OSType string
	// SubnetPrefix is the address prefix of the pool's vnetSubnetID subnet;
	// the zero Prefix (or an IPv6 prefix) means the pool has no subnet to
	// check.
	SubnetPrefix netip.Prefix
	// Index is the pool's position in agentPoolProfiles, used in targets
	// such as "properties.agentPoolProfiles[2].count".
	Index int
}

// ClusterSpec is everything create-time validation looks at.
type ClusterSpec struct {
	Profile NetworkProfile
	Pools   []Pool
	// VNetPrefixes is the address space of the virtual network the pools'
	// subnets belong to.
	VNetPrefixes []netip.Prefix
	// VirtualNodeAddon is true when the aciConnectorLinux add-on is enabled.
	VirtualNodeAddon bool
	// MaxRoutes is the route table limit; 0 means DefaultMaxRoutes.
	MaxRoutes int
	// CustomRoutes is how many routes a bring-your-own route table already
	// holds that are not managed by the cluster.
	CustomRoutes int
}

// ApplyDefaults fills the empty fields of p the way AKS does:
//
//   - networkPlugin "kubenet";
//   - podCidr 10.244.0.0/16, for kubenet only (Azure CNI has no pod CIDR
//     unless one is asked for);
//   - serviceCidr 10.0.0.0/16;
//   - dnsServiceIP the .10 address of the service CIDR: 10.0.0.10 for the
//     default service CIDR, 172.16.0.10 for a given 172.16.0.0/16. When the
//     service CIDR does not parse or has fewer than 11 addresses the DNS
//     service IP stays empty and Validate reports it;
//   - loadBalancerSku "standard" and outboundType "loadBalancer".
//
// Given fields are kept as they are, even when invalid. networkPolicy has no
// default.
func ApplyDefaults(p *NetworkProfile) {
	if p.NetworkPlugin == "" {
		p.NetworkPlugin = DefaultNetworkPlugin
	}
	if p.PodCIDR == "" && strings.EqualFold(p.NetworkPlugin, PluginKubenet) {
		p.PodCIDR = DefaultPodCIDR
	}
	if p.ServiceCIDR == "" {
		p.ServiceCIDR = DefaultServiceCIDR
	}
	if p.DNSServiceIP == "" {
		if svc, err := netip.ParsePrefix(p.ServiceCIDR); err == nil && svc.Addr().Is4() {
			if a, ok := NthAddr(svc.Masked(), DNSServiceIPOffset); ok {
				p.DNSServiceIP = a.String()
			}
		}
	}
	if p.LoadBalancerSKU == "" {
		p.LoadBalancerSKU = DefaultLoadBalancerSKU
	}
	if p.OutboundType == "" {
		p.OutboundType = DefaultOutboundType
	}
}

// DefaultMaxPodsFor returns the default maxPods per node for a network
// plugin: 110 for "kubenet" (and ""), 30 for "azure" (Azure CNI) and 250 for
// "azure-overlay". Any other plugin gets the kubenet default.
func DefaultMaxPodsFor(plugin string) int {
	switch strings.ToLower(plugin) {
	case PluginAzure:
		return DefaultMaxPodsAzureCNI
	case PlanPluginAzureOverlay:
		return DefaultMaxPodsAzureCNIOverlay
	default:
		return DefaultMaxPods
	}
}

// ApplyPoolDefaults fills the empty fields of an agent pool: maxPods the
// plugin's default (DefaultMaxPodsFor) and osType "Linux".
func ApplyPoolDefaults(p *Pool, plugin string) {
	if p.MaxPods == 0 {
		p.MaxPods = DefaultMaxPodsFor(plugin)
	}
	if p.OSType == "" {
		p.OSType = DefaultOSType
	}
}

// Validate checks a cluster's network profile and agent pools against the
// kubenet rules and returns the first violation as a 400 *azerr.Error, or
// nil. It works on a copy of spec with ApplyDefaults and ApplyPoolDefaults
// applied, so empty fields mean AKS's defaults.
//
// The checks run in this fixed order, and the first failing one is
// returned:
//
//  1. networkPlugin is kubenet, azure or none (InvalidParameter).
//  2. podCidr, serviceCidr and dnsServiceIP parse (CidrStringParseError,
//     InvalidCIDRNotation).
//  3. networkPolicy, loadBalancerSku and outboundType are known values;
//     networkPolicy "azure" with kubenet is
//     NetworkPolicyAzureNotSupportedForKubenet (calico is allowed).
//  4. kubenet only: no Windows pool (AzureCNIOnlyForWindows), no virtual
//     nodes add-on (VirtualNodesNotSupportedWithKubenet).
//  5. The service CIDR, the pod CIDR, the VNet prefixes and any pool subnet
//     outside them avoid the reserved ranges (ReservedAddressRangeConflict).
//  6. The service CIDR overlaps no pool subnet and no VNet prefix
//     (ServiceCidrOverlapExistingSubnetsCidr).
//  7. The pod CIDR overlaps no pool subnet and no VNet prefix
//     (PodCidrOverlapExistingSubnetsCidr), nor the service CIDR
//     (PodCidrOverlapServiceCidr).
//  8. The DNS service IP is inside the service CIDR
//     (DnsServiceIpOutOfServiceCidr) and is neither its network address nor
//     its .1, the kubernetes service (DnsServiceIpConflicting), nor its
//     broadcast address (DnsBroadcastAddressConflicting).
//  9. Each pool, in slice order: count is not negative (InvalidParameter),
//     maxPods is at least 10 (InsufficientMaxPods) and at most 250
//     (MaxPodsLimitExceeded).
//  10. Each subnet has enough usable addresses for its pools
//     (InsufficientSubnetSize): one per node, or 1+maxPods per node with
//     Azure CNI without a pod CIDR.
//  11. kubenet, and Azure CNI with a pod CIDR (overlay): the pod CIDR holds a
//     /24 for every node of every pool (InsufficientPodCidr).
//  12. kubenet only: nodes plus CustomRoutes fit in MaxRoutes
//     (RoutesPerRouteTableLimitExceeded).
//
// Targets are AKS's: "networkProfile.serviceCIDR" for the network profile
// (see targetNetworkProfile), and JSON paths into the request such as
// "properties.agentPoolProfiles[1].maxPods" (the index is Pool.Index). A
// problem with a VNet prefix targets the vnetSubnetID of the first pool whose
// subnet lies in it, since that is how the VNet enters the request.
func Validate(spec ClusterSpec) error {
	_, err := ValidateRanges(spec)
	return err
}

// Ranges are a network profile's address ranges, parsed: what a cluster
// keeps as typed state once its request passed Validate.
type Ranges struct {
	// PodCIDR is the zero Prefix when the cluster has none (Azure CNI
	// without overlay, or the none plugin).
	PodCIDR      netip.Prefix
	ServiceCIDR  netip.Prefix
	DNSServiceIP netip.Addr
}

// ValidateRanges is Validate that also returns the ranges of spec's
// profile (defaults applied) as the validation parsed them, so that the
// caller parses them once, here, and keeps the typed values. On a
// violation it returns the zero Ranges and Validate's error.
func ValidateRanges(spec ClusterSpec) (Ranges, error) {
	v := validate(spec)
	if len(v.errs) > 0 {
		return Ranges{}, v.errs[0]
	}
	return Ranges{PodCIDR: v.pod, ServiceCIDR: v.svc, DNSServiceIP: v.dns}, nil
}

// ValidateUpdate checks that an update of a cluster's network profile from
// old to new changes none of the properties fixed at creation:
// networkPlugin, podCidr, serviceCidr and dnsServiceIP, in that order. A
// change gives a 400 *azerr.Error with code PropertyChangeNotAllowed, the
// field as Target and both values in the message. old is compared with
// AKS's defaults applied, and an empty field in new means "unchanged" (ARM
// clients often leave such fields out of an update). CIDRs and addresses are
// compared by value (masked prefixes, parsed addresses), falling back to the
// exact text when either side does not parse; plugin names are compared
// case-insensitively. The rule follows the article: the ranges are fixed
// once the cluster exists.
func ValidateUpdate(old, new NetworkProfile) error {
	ApplyDefaults(&old)
	fields := []struct {
		name, target, old, new string // name is the JSON name under networkProfile
		equal                  func(a, b string) bool
	}{
		{"networkPlugin", targetNetworkPlugin, old.NetworkPlugin, new.NetworkPlugin, strings.EqualFold},
		{"podCidr", targetPodCIDR, old.PodCIDR, new.PodCIDR, samePrefix},
		{"serviceCidr", targetServiceCIDR, old.ServiceCIDR, new.ServiceCIDR, samePrefix},
		{"dnsServiceIP", targetDNSServiceIP, old.DNSServiceIP, new.DNSServiceIP, sameAddr},
	}
	for _, f := range fields {
		if f.new == "" || f.equal(f.old, f.new) {
			continue
		}
		oldShown := f.old
		if oldShown == "" {
			oldShown = "not set"
		}
		return azerr.BadRequest(CodePropertyChangeNotAllowed, f.target,
			"Changing property '%s' is not allowed: it can't change after the cluster is created (it is %s and the request sets %s).",
			f.name, oldShown, f.new)
	}
	return nil
}

func samePrefix(a, b string) bool {
	pa, ea := netip.ParsePrefix(a)
	pb, eb := netip.ParsePrefix(b)
	if ea != nil || eb != nil {
		return a == b
	}
	return pa.Masked() == pb.Masked()
}

func sameAddr(a, b string) bool {
	aa, ea := netip.ParseAddr(a)
	ab, eb := netip.ParseAddr(b)
	if ea != nil || eb != nil {
		return a == b
	}
	return aa == ab
}

// AKS's error targets name the network profile without "properties." and
// spell the CIDR fields as AKS's own model does, not as the JSON body:
// "networkProfile.serviceCIDR" (ServiceCidrOverlapExistingSubnetsCidr, as
// quoted from AKS in public Terraform runs) and "networkProfile.podCIDR"
// (NetworkProfileCIDROverlapVNET and InsufficientSubnetSize in
// Azure/AKS-Construction#403 and #701).
const (
	targetNetworkProfile  = "networkProfile."
	targetServiceCIDR     = targetNetworkProfile + "serviceCIDR"
	targetDNSServiceIP    = targetNetworkProfile + "dnsServiceIP"
	targetNetworkPlugin   = targetNetworkProfile + "networkPlugin"
	targetNetworkPolicy   = targetNetworkProfile + "networkPolicy"
	targetLoadBalancerSKU = targetNetworkProfile + "loadBalancerSku"
	targetOutboundType    = targetNetworkProfile + "outboundType"
	targetAgentPools      = "properties.agentPoolProfiles"
	targetVirtualNodes    = "properties.addonProfiles.aciConnectorLinux"
)

func poolTarget(p Pool, field string) string {
	return fmt.Sprintf("%s[%d].%s", targetAgentPools, p.Index, field)
}

// pluginMode is how a cluster uses addresses.
type pluginMode int

const (
	// modeKubenet: one subnet address per node, a /24 of the pod CIDR per
	// node, one route per node.
	modeKubenet pluginMode = iota
	// modeAzure: Azure CNI, 1+maxPods subnet addresses per node.
	modeAzure
	// modeOverlay: Azure CNI with a pod CIDR (overlay): one subnet address
	// and a /24 of the pod CIDR per node, no routes.
	modeOverlay
	// modeNone: bring-your-own CNI; one subnet address per node.
	modeNone
)

// validation is one run of the create-time rules over a defaulted spec.
type validation struct {
	spec   ClusterSpec
	mode   pluginMode
	pod    netip.Prefix // valid when a pod CIDR was given and parsed
	svc    netip.Prefix // valid when the service CIDR parsed
	dns    netip.Addr   // valid when the DNS service IP parsed
	subnet []Pool       // first pool of each distinct valid subnet, in order
	errs   []*azerr.Error
}

// violations returns every violation of spec, in Validate's order. A check
// that depends on a value that failed to parse is skipped.
func violations(spec ClusterSpec) []*azerr.Error { return validate(spec).errs }

// validate runs the create-time rules over spec; the result holds the
// violations and the values parsed on the way.
func validate(spec ClusterSpec) *validation {
	v := &validation{spec: spec}
	ApplyDefaults(&v.spec.Profile)
	v.spec.Pools = make([]Pool, len(spec.Pools))
	for i, p := range spec.Pools {
		ApplyPoolDefaults(&p, v.spec.Profile.NetworkPlugin)
		v.spec.Pools[i] = p
	}
	if v.spec.MaxRoutes <= 0 {
		v.spec.MaxRoutes = DefaultMaxRoutes
	}
	if v.spec.CustomRoutes < 0 {
		v.spec.CustomRoutes = 0
	}
	prof := v.spec.Profile
	switch strings.ToLower(prof.NetworkPlugin) {
	case PluginKubenet:
		v.mode = modeKubenet
	case PluginAzure:
		v.mode = modeAzure
		if prof.PodCIDR != "" {
			v.mode = modeOverlay
		}
	case PluginNone:
		v.mode = modeNone
	default:
		v.add(azerr.BadRequest(CodeInvalidParameter, targetNetworkPlugin,
			"The network plugin %q is not supported: use kubenet, azure or none.", prof.NetworkPlugin))
		return v
	}
	seen := map[netip.Prefix]bool{}
	for _, p := range v.spec.Pools {
		if s := p.SubnetPrefix; s.IsValid() && s.Addr().Is4() && !seen[s.Masked()] {
			seen[s.Masked()] = true
			v.subnet = append(v.subnet, p)
		}
	}
	v.parse()
	v.checkEnums()
	v.checkKubenetFeatures()
	v.checkReserved()
	v.checkServiceOverlap()
	v.checkPodOverlap()
	v.checkDNS()
	v.checkPools()
	v.checkSubnetSize()
	v.checkPodCapacity()
	v.checkRoutes()
	return v
}

func (v *validation) add(e *azerr.Error) { v.errs = append(v.errs, e) }

func (v *validation) parse() {
	prof := v.spec.Profile
	if prof.PodCIDR != "" {
		if p, err := ParsePrefix(prof.PodCIDR, targetPodCIDR); err != nil {
			v.add(err.(*azerr.Error))
		} else {
			v.pod = p
		}
	}
	if p, err := ParsePrefix(prof.ServiceCIDR, targetServiceCIDR); err != nil {
		v.add(err.(*azerr.Error))
	} else {
		v.svc = p
	}
	if prof.DNSServiceIP != "" {
		if a, err := ParseAddr(prof.DNSServiceIP, targetDNSServiceIP); err != nil {
			v.add(err.(*azerr.Error))
		} else {
			v.dns = a
		}
	}
}

// oneOf returns the canonical spelling of s in allowed, compared
// case-insensitively, or "" when s is not allowed.
func oneOf(s string, allowed ...string) string {
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a
		}
	}
	return ""
}

func (v *validation) checkEnums() {
	prof := v.spec.Profile
	switch policy := strings.ToLower(prof.NetworkPolicy); {
	case policy == "" || policy == "none" || policy == "calico":
	case policy == "azure" && v.mode == modeKubenet:
		v.add(azerr.BadRequest(CodeNetworkPolicyAzureNotSupportedForKubenet, targetNetworkPolicy,
			"Network policy %q is not supported with network plugin kubenet: use calico, or network plugin azure.", prof.NetworkPolicy))
	case (policy == "azure" || policy == "cilium") && v.mode != modeKubenet:
	default:
		v.add(azerr.BadRequest(CodeInvalidParameter, targetNetworkPolicy,
			"The network policy %q is not supported with network plugin %s: use calico or none.", prof.NetworkPolicy, prof.NetworkPlugin))
	}
	if oneOf(prof.LoadBalancerSKU, "standard", "basic") == "" {
		v.add(azerr.BadRequest(CodeInvalidParameter, targetLoadBalancerSKU,
			"The load balancer SKU %q is not supported: use standard or basic.", prof.LoadBalancerSKU))
	}
	if oneOf(prof.OutboundType, "loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway", "none", "block") == "" {
		v.add(azerr.BadRequest(CodeInvalidParameter, targetOutboundType,
			"The outbound type %q is not supported: use loadBalancer, userDefinedRouting, managedNATGateway, userAssignedNATGateway, none or block.", prof.OutboundType))
	}
}

func (v *validation) checkKubenetFeatures() {
	if v.mode != modeKubenet {
		return
	}
	for _, p := range v.spec.Pools {
		if strings.EqualFold(p.OSType, "Windows") {
			v.add(azerr.BadRequest(CodeAzureCNIOnlyForWindows, poolTarget(p, "osType"),
				"Agent pool %q has osType Windows, which needs network plugin azure: kubenet does not support Windows node pools.", p.Name))
			break
		}
	}
	if v.spec.VirtualNodeAddon {
		v.add(azerr.BadRequest(CodeVirtualNodesNotSupportedWithKubenet, targetVirtualNodes,
			"The virtual nodes add-on (aciConnectorLinux) is not supported with network plugin kubenet: use network plugin azure."))
	}
}

// reservedConflict returns the first reserved range p overlaps.
func reservedConflict(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range reservedRanges {
		if Overlaps(p, r) {
			return r, true
		}
	}
	return netip.Prefix{}, false
}

const reservedList = "169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24"

// vnetTarget returns the target for a problem with VNet prefix n: the
// vnetSubnetID of the first pool whose subnet is in n, else of the first
// pool with a subnet, else the agent pool list.
func (v *validation) vnetTarget(n netip.Prefix) string {
	for _, p := range v.subnet {
		if Contains(n, p.SubnetPrefix) {
			return poolTarget(p, "vnetSubnetID")
		}
	}
	if len(v.subnet) > 0 {
		return poolTarget(v.subnet[0], "vnetSubnetID")
	}
	return targetAgentPools
}

func (v *validation) checkReserved() {
	report := func(what string, p netip.Prefix, target string) {
		if r, ok := reservedConflict(p); ok {
			v.add(azerr.BadRequest(CodeReservedAddressRangeConflict, target,
				"The %s %s overlaps the reserved range %s: AKS can't use %s for the service, pod or virtual network address range.",
				what, p, r, reservedList))
		}
	}
	report("service CIDR", v.svc, targetServiceCIDR)
	report("pod CIDR", v.pod, targetPodCIDR)
	for _, n := range v.spec.VNetPrefixes {
		report("virtual network address prefix", n.Masked(), v.vnetTarget(n))
	}
outer:
	for _, p := range v.subnet {
		for _, n := range v.spec.VNetPrefixes {
			if Contains(n, p.SubnetPrefix) {
				continue outer
			}
		}
		report(fmt.Sprintf("subnet of agent pool %q", p.Name), p.SubnetPrefix.Masked(), poolTarget(p, "vnetSubnetID"))
	}
}

// existingOverlap describes the first pool subnet, then VNet prefix, that p
// overlaps.
func (v *validation) existingOverlap(p netip.Prefix) (string, bool) {
	if !p.IsValid() {
		return "", false
	}
	for _, pool := range v.subnet {
		if Overlaps(p, pool.SubnetPrefix) {
			return fmt.Sprintf("the subnet %s of agent pool %q", pool.SubnetPrefix.Masked(), pool.Name), true
		}
	}
	for _, n := range v.spec.VNetPrefixes {
		if Overlaps(p, n) {
			return fmt.Sprintf("the virtual network address prefix %s", n.Masked()), true
		}
	}
	return "", false
}

func (v *validation) checkServiceOverlap() {
	if what, ok := v.existingOverlap(v.svc); ok {
		v.add(azerr.BadRequest(CodeServiceCidrOverlapExistingSubnetsCidr, targetServiceCIDR,
			"The service CIDR %s overlaps %s: the service CIDR must not overlap the cluster's subnets or virtual network.", v.svc, what))
	}
}

func (v *validation) checkPodOverlap() {
	if what, ok := v.existingOverlap(v.pod); ok {
		v.add(azerr.BadRequest(CodePodCidrOverlapExistingSubnetsCidr, targetPodCIDR,
			"The pod CIDR %s overlaps %s: the pod CIDR must not overlap the cluster's subnets or virtual network.", v.pod, what))
	}
	if Overlaps(v.pod, v.svc) {
		v.add(azerr.BadRequest(CodePodCidrOverlapServiceCidr, targetPodCIDR,
			"The pod CIDR %s overlaps the service CIDR %s.", v.pod, v.svc))
	}
}

func (v *validation) checkDNS() {
	if !v.svc.IsValid() {
		return
	}
	if v.spec.Profile.DNSServiceIP == "" {
		v.add(azerr.BadRequest(CodeDnsServiceIpOutOfServiceCidr, targetDNSServiceIP,
			"No DNS service IP was given and the service CIDR %s is too small to hold the default, its .%d address.", v.svc, DNSServiceIPOffset))
		return
	}
	if !v.dns.IsValid() {
		return
	}
	switch {
	case !v.svc.Contains(v.dns):
		v.add(azerr.BadRequest(CodeDnsServiceIpOutOfServiceCidr, targetDNSServiceIP,
			"The DNS service IP %s is not within the service CIDR %s.", v.dns, v.svc))
	case v.dns == v.svc.Addr():
		v.add(azerr.BadRequest(CodeDnsServiceIpConflicting, targetDNSServiceIP,
			"The DNS service IP %s is the network address of the service CIDR %s.", v.dns, v.svc))
	case offsetOf(v.svc, v.dns) == 1:
		v.add(azerr.BadRequest(CodeDnsServiceIpConflicting, targetDNSServiceIP,
			"The DNS service IP %s is the first address of the service CIDR %s, which the kubernetes service uses.", v.dns, v.svc))
	case v.dns == LastAddr(v.svc):
		v.add(azerr.BadRequest(CodeDnsBroadcastAddressConflicting, targetDNSServiceIP,
			"The DNS service IP %s is the broadcast address of the service CIDR %s.", v.dns, v.svc))
	}
}

func (v *validation) checkPools() {
	for _, p := range v.spec.Pools {
		if p.Count < 0 {
			v.add(azerr.BadRequest(CodeInvalidParameter, poolTarget(p, "count"),
				"The node count %d of agent pool %q must not be negative.", p.Count, p.Name))
		}
		switch {
		case p.MaxPods < MinMaxPods:
			v.add(azerr.BadRequest(CodeInsufficientMaxPods, poolTarget(p, "maxPods"),
				"maxPods %d of agent pool %q is below the minimum of %d pods per node.", p.MaxPods, p.Name, MinMaxPods))
		case p.MaxPods > MaxMaxPods:
			v.add(azerr.BadRequest(CodeMaxPodsLimitExceeded, poolTarget(p, "maxPods"),
				"maxPods %d of agent pool %q exceeds the maximum of %d pods per node with network plugin %s.",
				p.MaxPods, p.Name, MaxMaxPods, v.spec.Profile.NetworkPlugin))
		case p.Count > 0 && p.MaxPods*p.Count < MinPodsPerPool:
			v.add(azerr.BadRequest(CodeInsufficientPodsPerNodePool, poolTarget(p, "count"),
				"Agent pool %q has room for %d pods (maxPods %d × count %d); each node pool must have room for at least %d pods, for the system pods.",
				p.Name, p.MaxPods*p.Count, p.MaxPods, p.Count, MinPodsPerPool))
		}
	}
}

// ipsPerNode returns how many subnet addresses one node of p takes.
func (v *validation) ipsPerNode(p Pool) int {
	if v.mode == modeAzure {
		return 1 + max(p.MaxPods, 0)
	}
	return 1
}

func (v *validation) checkSubnetSize() {
	for _, first := range v.subnet {
		s := first.SubnetPrefix.Masked()
		usable, need := UsableHosts(s), 0
		for _, p := range v.spec.Pools {
			if !p.SubnetPrefix.IsValid() || p.SubnetPrefix.Masked() != s {
				continue
			}
			per := v.ipsPerNode(p)
			need += max(p.Count, 0) * per
			if need > usable {
				v.add(azerr.BadRequest(CodeInsufficientSubnetSize, poolTarget(p, "count"),
					"Subnet %s has %d usable IP addresses but its agent pools need %d: agent pool %q has %d nodes taking %d addresses each.",
					s, usable, need, p.Name, p.Count, per))
				break
			}
		}
	}
}

func (v *validation) nodes() int {
	n := 0
	for _, p := range v.spec.Pools {
		n += max(p.Count, 0)
	}
	return n
}

// podBlocks returns how many /24 node ranges pod CIDR p holds.
func podBlocks(p netip.Prefix) int {
	if !p.IsValid() || !p.Addr().Is4() || p.Bits() > NodePodCIDRBits {
		return 0
	}
	return 1 << (NodePodCIDRBits - p.Bits())
}

// podCIDRBitsFor returns the longest pod CIDR prefix length that holds n
// nodes (at least a /24's worth).
func podCIDRBitsFor(n int) int {
	b := NodePodCIDRBits
	for b > 0 && 1<<(NodePodCIDRBits-b) < n {
		b--
	}
	return b
}

func (v *validation) checkPodCapacity() {
	if (v.mode != modeKubenet && v.mode != modeOverlay) || !v.pod.IsValid() {
		return
	}
	nodes, blocks := v.nodes(), podBlocks(v.pod)
	if v.pod.Bits() > NodePodCIDRBits {
		v.add(azerr.BadRequest(CodeInsufficientPodCidr, targetPodCIDR,
			"The pod CIDR %s is smaller than a /%d, the range each node gets, so it can't hold any node.", v.pod, NodePodCIDRBits))
		return
	}
	if nodes > blocks {
		v.add(azerr.BadRequest(CodeInsufficientPodCidr, targetPodCIDR,
			"The pod CIDR %s holds %d /%d node ranges but the cluster has %d nodes, each needing one: use a /%d or larger pod CIDR.",
			v.pod, blocks, NodePodCIDRBits, nodes, podCIDRBitsFor(nodes)))
	}
}

func (v *validation) checkRoutes() {
	if v.mode != modeKubenet {
		return
	}
	limit, custom := v.spec.MaxRoutes, v.spec.CustomRoutes
	nodes := v.nodes()
	if nodes == 0 || nodes+custom <= limit {
		return
	}
	sum := custom
	for _, p := range v.spec.Pools {
		sum += max(p.Count, 0)
		if sum > limit {
			v.add(azerr.BadRequest(CodeRoutesPerRouteTableLimitExceeded, poolTarget(p, "count"),
				"The cluster's route table needs %d routes (%d nodes, one route each, plus %d custom routes) but a route table holds at most %d.",
				nodes+custom, nodes, custom, limit))
			return
		}
	}
}
