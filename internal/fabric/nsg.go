package fabric

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Security rule directions.
const (
	Inbound  = "Inbound"
	Outbound = "Outbound"
)

// Security rule accesses.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// Security rule protocols. ProtocolAny ("*") matches every protocol.
const (
	ProtocolTcp  = "Tcp"
	ProtocolUdp  = "Udp"
	ProtocolIcmp = "Icmp"
	ProtocolEsp  = "Esp"
	ProtocolAh   = "Ah"
	ProtocolAny  = "*"
)

// Service tags understood in security rule address prefixes, and the "*"
// wildcard.
const (
	TagVirtualNetwork    = "VirtualNetwork"
	TagInternet          = "Internet"
	TagAzureLoadBalancer = "AzureLoadBalancer"
	AnyAddress           = "*"
)

// Custom security rule priorities run from MinPriority to MaxPriority; lower
// numbers are evaluated first.
const (
	MinPriority = 100
	MaxPriority = 4096
)

// HostVIP is Azure's host virtual IP (wireserver, DNS, health probes). It is
// the whole of the AzureLoadBalancer service tag and part of the
// VirtualNetwork tag.
var HostVIP = netip.MustParseAddr("168.63.129.16")

// SecurityRule is one NSG security rule. SourcePrefixes and DestPrefixes hold
// CIDRs, IP addresses, "*", or the service tags "VirtualNetwork", "Internet"
// and "AzureLoadBalancer"; a rule matches an address that matches any entry.
// SourcePorts and DestPorts hold "*", a port ("80") or an inclusive range
// ("1000-2000"); a rule matches a port that matches any entry. The singular
// and plural forms of Azure's properties (sourceAddressPrefix and
// sourceAddressPrefixes, …) both map onto these lists.
type SecurityRule struct {
	Name           string
	Priority       int
	Direction      string
	Access         string
	Protocol       string
	SourcePrefixes []string
	DestPrefixes   []string
	SourcePorts    []string
	DestPorts      []string
}

// DefaultRules returns Azure's six default security rules, present in every
// NSG and evaluated after its custom rules: inbound AllowVnetInBound (65000),
// AllowAzureLoadBalancerInBound (65001) and DenyAllInBound (65500); outbound
// AllowVnetOutBound (65000), AllowInternetOutBound (65001) and DenyAllOutBound
// (65500). A fresh slice is returned on every call.
func DefaultRules() []SecurityRule {
	star := []string{"*"}
	rule := func(name string, prio int, dir, access string, src, dst string) SecurityRule {
		return SecurityRule{
			Name: name, Priority: prio, Direction: dir, Access: access, Protocol: ProtocolAny,
			SourcePrefixes: []string{src}, DestPrefixes: []string{dst},
			SourcePorts: slices.Clone(star), DestPorts: slices.Clone(star),
		}
	}
	return []SecurityRule{
		rule("AllowVnetInBound", 65000, Inbound, Allow, TagVirtualNetwork, TagVirtualNetwork),
		rule("AllowAzureLoadBalancerInBound", 65001, Inbound, Allow, TagAzureLoadBalancer, AnyAddress),
		rule("DenyAllInBound", 65500, Inbound, Deny, AnyAddress, AnyAddress),
		rule("AllowVnetOutBound", 65000, Outbound, Allow, TagVirtualNetwork, TagVirtualNetwork),
		rule("AllowInternetOutBound", 65001, Outbound, Allow, AnyAddress, TagInternet),
		rule("DenyAllOutBound", 65500, Outbound, Deny, AnyAddress, AnyAddress),
	}
}

// canonical returns the canonical spelling of s among values, compared
// case-insensitively (the network resource provider accepts any case), and
// false when s is none of them.
func canonical(s string, values ...string) (string, bool) {
	for _, v := range values {
		if strings.EqualFold(s, v) {
			return v, true
		}
	}
	return "", false
}

// joinTarget prefixes field with base, when base is set.
func joinTarget(base, field string) string {
	if base == "" {
		return field
	}
	return base + "." + field
}

// ValidateRule checks a custom security rule as the network resource provider
// does on PUT, and returns a 400 *azerr.Error for the first problem found, or
// nil. target is the path of the rule in the request ("" for a securityRules
// resource, "properties.securityRules[2]" for a rule inside an NSG); the
// error's Target is that path joined with the offending property, for example
// "properties.priority".
//
// Checks and codes, in order:
//
//   - priority outside 100–4096: SecurityRuleInvalidPriority;
//   - protocol not Tcp, Udp, Icmp, Esp, Ah or "*": SecurityRuleInvalidProtocol;
//   - direction not Inbound or Outbound: SecurityRuleInvalidDirection;
//   - access not Allow or Deny: SecurityRuleInvalidAccess;
//   - no source or destination prefix, or no source or destination port:
//     SecurityRuleParametersMissing;
//   - a prefix that is not "*", a supported service tag, an IP address or a
//     CIDR written with its network address (10.0.0.0/24, not 10.0.0.1/24):
//     SecurityRuleInvalidAddressPrefix;
//   - a port that is not "*", an integer 0–65535 or a range lo-hi with
//     lo <= hi: SecurityRuleInvalidPortRange.
//
// SecurityRuleInvalidPriority, SecurityRuleInvalidProtocol,
// SecurityRuleParametersMissing, SecurityRuleInvalidAddressPrefix and
// SecurityRuleInvalidPortRange are codes the real provider returns, with the
// same message wording. No public example of the direction and access codes
// was found; SecurityRuleInvalidDirection and SecurityRuleInvalidAccess are
// named in the same style. Enumerations are matched case-insensitively.
// Only the three service tags the model can evaluate are accepted. The rule
// name is not checked here; it belongs to the resource path.
func ValidateRule(r SecurityRule, target string) error {
	if r.Priority < MinPriority || r.Priority > MaxPriority {
		return azerr.BadRequest("SecurityRuleInvalidPriority", joinTarget(target, "properties.priority"),
			"Security rule has invalid Priority. Value provided: %d Allowed range %d-%d.", r.Priority, MinPriority, MaxPriority)
	}
	if _, ok := canonical(r.Protocol, ProtocolIcmp, ProtocolTcp, ProtocolUdp, ProtocolEsp, ProtocolAh, ProtocolAny); !ok {
		return azerr.BadRequest("SecurityRuleInvalidProtocol", joinTarget(target, "properties.protocol"),
			"Security rule has invalid Protocol. Value provided: %q Allowed values: Icmp,Tcp,Udp,Esp,Ah,*.", r.Protocol)
	}
	if _, ok := canonical(r.Direction, Inbound, Outbound); !ok {
		return azerr.BadRequest("SecurityRuleInvalidDirection", joinTarget(target, "properties.direction"),
			"Security rule has invalid Direction. Value provided: %q Allowed values: Inbound,Outbound.", r.Direction)
	}
	if _, ok := canonical(r.Access, Allow, Deny); !ok {
		return azerr.BadRequest("SecurityRuleInvalidAccess", joinTarget(target, "properties.access"),
			"Security rule has invalid Access. Value provided: %q Allowed values: Allow,Deny.", r.Access)
	}
	for _, f := range []struct {
		values         []string
		one, many, msg string
		port           bool
	}{
		{r.SourcePrefixes, "sourceAddressPrefix", "sourceAddressPrefixes", "SourceAddressPrefixes, SourceAddressPrefix, or SourceApplicationSecurityGroups", false},
		{r.DestPrefixes, "destinationAddressPrefix", "destinationAddressPrefixes", "DestinationAddressPrefixes, DestinationAddressPrefix, or DestinationApplicationSecurityGroups", false},
		{r.SourcePorts, "sourcePortRange", "sourcePortRanges", "SourcePortRanges or SourcePortRange", true},
		{r.DestPorts, "destinationPortRange", "destinationPortRanges", "DestinationPortRanges or DestinationPortRange", true},
	} {
		field := f.one
		if len(f.values) > 1 {
			field = f.many
		}
		t := joinTarget(target, "properties."+field)
		if len(f.values) == 0 {
			return azerr.BadRequest("SecurityRuleParametersMissing", t,
				"Required security rule parameters are missing for security rule %q. Security rule must specify %s.", r.Name, f.msg)
		}
		for _, v := range f.values {
			if f.port {
				if _, _, ok := ParsePortRange(v); !ok {
					return azerr.BadRequest("SecurityRuleInvalidPortRange", t,
						"Security rule has invalid Port range. Value provided: %s. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.", v)
				}
				continue
			}
			if _, ok := parseAddressSpec(v); !ok {
				return azerr.BadRequest("SecurityRuleInvalidAddressPrefix", t,
					"Security rule %s has invalid Address prefix. Value provided: %s", r.Name, v)
			}
		}
	}
	return nil
}

// ParsePortRange parses a security rule's port range, "*", "80" or
// "1000-2000", into an inclusive range; ok is false for anything the rule
// validation rejects.
func ParsePortRange(s string) (lo, hi int, ok bool) {
	if s == "*" {
		return 0, 65535, true
	}
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		b = a
	}
	lo, ok1 := parsePort(a)
	hi, ok2 := parsePort(b)
	if !ok1 || !ok2 || lo > hi {
		return 0, 0, false
	}
	return lo, hi, true
}

func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 65535 {
		return 0, false
	}
	return n, true
}

// addressSpec is a parsed security rule address prefix.
type addressSpec struct {
	tag    string       // "*" or a canonical service tag; empty for a prefix
	prefix netip.Prefix // set when tag is empty
}

// parseAddressSpec parses "*", a supported service tag, an IP address or a
// canonical CIDR.
func parseAddressSpec(s string) (addressSpec, bool) {
	if s == AnyAddress {
		return addressSpec{tag: AnyAddress}, true
	}
	if t, ok := canonical(s, TagVirtualNetwork, TagInternet, TagAzureLoadBalancer); ok {
		return addressSpec{tag: t}, true
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Masked() != p {
			return addressSpec{}, false
		}
		return addressSpec{prefix: p}, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return addressSpec{}, false
	}
	return addressSpec{prefix: netip.PrefixFrom(a, a.BitLen())}, true
}

// TagContext gives the service tags their addresses for one evaluation.
//
// VirtualNetwork is the expansion of the VirtualNetwork tag. Azure documents
// it as the VNet address space, connected and peered address spaces, the
// host's virtual IP and "address prefixes used on user-defined routes"; so a
// kubenet pod CIDR reached through UDRs counts as VirtualNetwork, which is why
// the default AllowVnetInBound and AllowVnetOutBound rules admit pod-to-pod
// traffic. Build it with NewTagContext, or fill it directly.
//
// Internet is modelled as every address outside VirtualNetwork.
// AzureLoadBalancer is HostVIP (168.63.129.16/32).
type TagContext struct {
	VirtualNetwork []netip.Prefix
}

// NewTagContext returns the TagContext of a VNet with the given address space
// and user-defined routes: the VirtualNetwork tag is the VNet prefixes, the
// prefixes of every UDR (whatever its next hop; a 0.0.0.0/0 UDR therefore
// makes every address VirtualNetwork, as happens in Azure with forced
// tunnelling) and HostVIP/32, deduplicated.
func NewTagContext(vnetPrefixes []netip.Prefix, udrs []Route) TagContext {
	var vn []netip.Prefix
	add := func(p netip.Prefix) {
		if p, ok := normalizePrefix(p); ok && !slices.Contains(vn, p) {
			vn = append(vn, p)
		}
	}
	for _, p := range vnetPrefixes {
		add(p)
	}
	for _, u := range udrs {
		add(u.Prefix)
	}
	add(netip.PrefixFrom(HostVIP, 32))
	return TagContext{VirtualNetwork: vn}
}

func (tc TagContext) inVirtualNetwork(a netip.Addr) bool {
	for _, p := range tc.VirtualNetwork {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// matches reports whether address a is covered by spec s.
func (tc TagContext) matches(s string, a netip.Addr) bool {
	spec, ok := parseAddressSpec(s)
	if !ok || !a.IsValid() {
		return ok && spec.tag == AnyAddress
	}
	a = a.Unmap()
	switch spec.tag {
	case AnyAddress:
		return true
	case TagVirtualNetwork:
		return tc.inVirtualNetwork(a)
	case TagInternet:
		return !tc.inVirtualNetwork(a)
	case TagAzureLoadBalancer:
		return a == HostVIP
	}
	return spec.prefix.Contains(a)
}

// Flow is one packet (or connection's first packet) as an NSG sees it.
// Direction is Inbound or Outbound relative to the NIC or subnet the NSG is
// associated with. Protocol is Tcp, Udp, Icmp, Esp or Ah. Ports matter only
// for Tcp and Udp.
type Flow struct {
	Direction string
	Protocol  string
	Src, Dst  netip.Addr
	SrcPort   int
	DstPort   int
}

// Verdict is the outcome of evaluating a flow against an NSG: the access of the
// rule that decided, its name and priority, and whether it is one of the
// default rules.
type Verdict struct {
	Access   string
	RuleName string
	Priority int
	Default  bool
}

// Evaluate decides a flow against an NSG holding the custom rules given plus
// Azure's default rules. Rules of the flow's direction are taken in ascending
// priority (custom before default at an equal number) and the first that
// matches decides; the default DenyAll rules guarantee one does.
//
// A rule matches when its protocol is "*" or equals the flow's, the flow's
// source and destination addresses each match one of its prefixes, and its
// ports match. Ports are compared only for Tcp and Udp flows. For Icmp, Esp and
// Ah flows, a rule naming that protocol ignores its ports, while a "*" rule
// matches only if its port lists cover every port: a "*" rule limited to port
// 80 is about TCP/UDP port 80 and says nothing about ICMP. Enumerations are
// compared case-insensitively. Rules are assumed valid (see ValidateRule); an
// entry that does not parse matches nothing. A flow with an unknown direction
// matches no rule and is denied with an empty rule name.
func Evaluate(rules []SecurityRule, flow Flow, tags TagContext) Verdict {
	type cand struct {
		r   SecurityRule
		def bool
	}
	var cands []cand
	for _, r := range rules {
		if strings.EqualFold(r.Direction, flow.Direction) {
			cands = append(cands, cand{r, false})
		}
	}
	for _, r := range DefaultRules() {
		if strings.EqualFold(r.Direction, flow.Direction) {
			cands = append(cands, cand{r, true})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(a.r.Priority, b.r.Priority) })
	for _, c := range cands {
		if ruleMatches(c.r, flow, tags) {
			access, _ := canonical(c.r.Access, Allow, Deny)
			if access == "" {
				access = Deny
			}
			return Verdict{Access: access, RuleName: c.r.Name, Priority: c.r.Priority, Default: c.def}
		}
	}
	return Verdict{Access: Deny}
}

func ruleMatches(r SecurityRule, f Flow, tags TagContext) bool {
	if r.Protocol != ProtocolAny && !strings.EqualFold(r.Protocol, f.Protocol) {
		return false
	}
	if !anyAddr(r.SourcePrefixes, f.Src, tags) || !anyAddr(r.DestPrefixes, f.Dst, tags) {
		return false
	}
	if _, ported := canonical(f.Protocol, ProtocolTcp, ProtocolUdp); ported {
		return anyPort(r.SourcePorts, f.SrcPort) && anyPort(r.DestPorts, f.DstPort)
	}
	if r.Protocol != ProtocolAny {
		return true // Icmp/Esp/Ah rule: ports do not apply
	}
	return CoversAllPorts(r.SourcePorts) && CoversAllPorts(r.DestPorts)
}

func anyAddr(specs []string, a netip.Addr, tags TagContext) bool {
	for _, s := range specs {
		if tags.matches(s, a) {
			return true
		}
	}
	return false
}

func anyPort(specs []string, port int) bool {
	for _, s := range specs {
		if lo, hi, ok := ParsePortRange(s); ok && lo <= port && port <= hi {
			return true
		}
	}
	return false
}

// CoversAllPorts reports whether one of a rule's port ranges is all ports.
func CoversAllPorts(specs []string) bool {
	for _, s := range specs {
		if lo, hi, ok := ParsePortRange(s); ok && lo == 0 && hi == 65535 {
			return true
		}
	}
	return false
}
