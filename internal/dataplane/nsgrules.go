package dataplane

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/aksnet/aksnet/internal/fabric"
)

// fabricRules is the fabric's nftables table:
//
//   - forward: a NIC without IP forwarding may not send with a foreign
//     source nor receive for a foreign destination, checked on every packet;
//     then established and related traffic passes; every new flow leaving
//     a NIC runs the NIC's then the subnet's outbound NSG, and every flow
//     reaching a NIC the subnet's then the NIC's inbound NSG (Azure's
//     order). An NSG chain returns on Allow and drops on Deny.
//   - postrouting: the outbound load balancer SNATs node traffic to the
//     internet to the cluster's public IP.
func fabricRules(nics []nicRef) *Ruleset {
	rs := &Ruleset{}
	fwd := &Chain{Name: "forward", Type: "filter", Hook: "forward", Priority: 0}
	// IP forwarding comes before conntrack: Azure checks every packet, so a
	// flow that was allowed stops the moment forwarding is turned off.
	for _, r := range nics {
		if !r.nic.IPForwarding {
			l, self := addrLink(r.nic.IP), host(r.nic.IP)
			fwd.Rules = append(fwd.Rules,
				NFRule{Match: []Match{iif(l), {Kind: MSaddr, Neg: true, Prefix: self}}, Action: Action{Verdict: VDrop}},
				NFRule{Match: []Match{oif(l), {Kind: MDaddr, Neg: true, Prefix: self}}, Action: Action{Verdict: VDrop}})
		}
	}
	fwd.Rules = append(fwd.Rules, NFRule{Match: []Match{{Kind: MCtState}}, Action: Action{Verdict: VAccept}})
	var nsgChains []*Chain
	// One chain per NSG, subnet and direction, however many NICs use it;
	// the memo keeps the name's hash to one per chain, not one per NIC.
	// IDs compare case-blind; the NSG and subnet objects themselves are
	// looked up first, so that IDs are lowered once per object, not per NIC.
	chains := map[[3]string]string{}
	byObject := map[nsgSubnet]string{}
	chainFor := func(g *NSG, s *Subnet, dir string) string {
		obj := nsgSubnet{g, s, dir}
		if name, ok := byObject[obj]; ok {
			return name
		}
		key := [3]string{strings.ToLower(g.ID), strings.ToLower(s.ID), dir}
		if name, ok := chains[key]; ok {
			byObject[obj] = name
			return name
		}
		name := "nsg-" + strings.ToLower(dir[:1]) + "-" + hash8(g.ID+"|"+s.ID)
		chains[key] = name
		byObject[obj] = name
		nsgChains = append(nsgChains, nsgChain(name, g, tagsOf(s), dir))
		return name
	}
	// jump sends the packets m matches through the chain of each NSG in
	// turn (a nil one is none), evaluated for dir in subnet s.
	jump := func(m Match, dir string, s *Subnet, nsgs ...*NSG) {
		for _, g := range nsgs {
			if g != nil {
				fwd.Rules = append(fwd.Rules, NFRule{Match: []Match{m}, Action: Action{Verdict: VJump, Chain: chainFor(g, s, dir)}})
			}
		}
	}
	// Leaving a NIC, its own NSG decides first, then its subnet's; coming
	// in, the subnet's first.
	for _, r := range nics {
		jump(iif(addrLink(r.nic.IP)), fabric.Outbound, r.subnet, r.nic.NSG, r.subnet.NSG)
	}
	for _, r := range nics {
		jump(oif(addrLink(r.nic.IP)), fabric.Inbound, r.subnet, r.subnet.NSG, r.nic.NSG)
	}
	post := &Chain{Name: "postrouting", Type: "nat", Hook: "postrouting", Priority: 100}
	for _, r := range nics {
		if c := r.cluster; c != nil && c.PublicIP.IsValid() {
			post.Rules = append(post.Rules, NFRule{Match: []Match{oif(linkInet), saddr(host(r.nic.IP))}, Action: Action{Verdict: VSNAT, Addr: c.PublicIP}})
		}
	}
	rs.Chains = append(rs.Chains, fwd, post)
	rs.Chains = append(rs.Chains, nsgChains...)
	return rs
}

// nsgSubnet is an NSG evaluated in a subnet for a direction.
type nsgSubnet struct {
	nsg    *NSG
	subnet *Subnet
	dir    string
}

// tagsOf is the service-tag context of a subnet: the VirtualNetwork tag
// covers the VNet's address space (its VnetLocal system routes) and the
// prefixes of the subnet's user-defined routes.
func tagsOf(s *Subnet) fabric.TagContext {
	var vnet []netip.Prefix
	var udrs []fabric.Route
	for _, r := range s.Routes {
		switch {
		case r.Source == fabric.SourceUser:
			udrs = append(udrs, r)
		case r.Source == fabric.SourceDefault && r.NextHopType == fabric.VnetLocal:
			vnet = append(vnet, r.Prefix)
		}
	}
	return fabric.NewTagContext(vnet, udrs)
}

// nsgChain renders the rules of g for one direction, custom rules then
// Azure's defaults, in priority order: Allow returns, Deny drops.
func nsgChain(name string, g *NSG, tags fabric.TagContext, dir string) *Chain {
	c := &Chain{Name: name}
	type prio struct {
		r   fabric.SecurityRule
		def bool
	}
	var rules []prio
	for _, r := range g.Rules {
		if strings.EqualFold(r.Direction, dir) {
			rules = append(rules, prio{r, false})
		}
	}
	for _, r := range fabric.DefaultRules() {
		if r.Direction == dir {
			rules = append(rules, prio{r, true})
		}
	}
	slices.SortStableFunc(rules, func(a, b prio) int { return a.r.Priority - b.r.Priority })
	for _, p := range rules {
		verdict := VReturn
		if strings.EqualFold(p.r.Access, fabric.Deny) {
			verdict = VDrop
		}
		for _, m := range expandRule(p.r, tags) {
			c.Rules = append(c.Rules, NFRule{Match: m, Action: Action{Verdict: verdict}})
		}
	}
	return c
}

// expandRule turns one security rule into nft match lists (one per rule;
// any of them matching means the security rule matches), with the same
// semantics as fabric.Evaluate: ports only for TCP and UDP, a "*" rule
// limited to some ports covers only TCP and UDP, the Internet tag is every
// address outside VirtualNetwork.
func expandRule(r fabric.SecurityRule, tags fabric.TagContext) [][]Match {
	var protos [][]Match
	allPorts := fabric.CoversAllPorts(r.SourcePorts) && fabric.CoversAllPorts(r.DestPorts)
	ported := false
	switch strings.ToLower(r.Protocol) {
	case "tcp":
		protos, ported = [][]Match{{{Kind: MProto, Proto: 6}}}, true
	case "udp":
		protos, ported = [][]Match{{{Kind: MProto, Proto: 17}}}, true
	case "icmp":
		protos = [][]Match{{{Kind: MProto, Proto: 1}}}
	case "esp":
		protos = [][]Match{{{Kind: MProto, Proto: 50}}}
	case "ah":
		protos = [][]Match{{{Kind: MProto, Proto: 51}}}
	default:
		if allPorts {
			protos = [][]Match{nil}
		} else {
			protos, ported = [][]Match{{{Kind: MProto, Proto: 6}}, {{Kind: MProto, Proto: 17}}}, true
		}
	}
	out := protos
	out = product(out, addrAlternatives(MSaddr, r.SourcePrefixes, tags))
	out = product(out, addrAlternatives(MDaddr, r.DestPrefixes, tags))
	if ported {
		out = product(out, portAlternatives(MSport, r.SourcePorts))
		out = product(out, portAlternatives(MDport, r.DestPorts))
	}
	return out
}

func product(a, b [][]Match) [][]Match {
	var out [][]Match
	for _, x := range a {
		for _, y := range b {
			m := append(slices.Clone(x), y...)
			out = append(out, m)
		}
	}
	return out
}

// addrAlternatives lists the ways an address field can match specs: the
// union of the prefixes and tags named (one interval set), and the
// Internet tag (every address outside VirtualNetwork) as a second way. A
// rule with tags thus stays one or two nft rules however many prefixes the
// VirtualNetwork tag holds (a 400-node cluster has 400 UDRs in it).
func addrAlternatives(kind string, specs []string, tags fabric.TagContext) [][]Match {
	var union []netip.Prefix
	internet := false
	for _, s := range specs {
		switch {
		case s == fabric.AnyAddress:
			return [][]Match{nil}
		case strings.EqualFold(s, fabric.TagVirtualNetwork):
			union = append(union, tags.VirtualNetwork...)
		case strings.EqualFold(s, fabric.TagInternet):
			internet = true
		case strings.EqualFold(s, fabric.TagAzureLoadBalancer):
			union = append(union, host(fabric.HostVIP))
		default:
			if p, err := netip.ParsePrefix(s); err == nil {
				if p.Bits() == 0 {
					return [][]Match{nil}
				}
				union = append(union, p.Masked())
			} else if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
				union = append(union, host(a))
			}
		}
	}
	var out [][]Match
	if len(union) > 0 {
		out = append(out, []Match{addrMatch(kind, union, false)})
	}
	if internet {
		out = append(out, []Match{addrMatch(kind, tags.VirtualNetwork, true)})
	}
	return out
}

func portAlternatives(kind string, specs []string) [][]Match {
	var out [][]Match
	for _, s := range specs {
		lo, hi, ok := fabric.ParsePortRange(s)
		if !ok {
			continue
		}
		if lo == 0 && hi == 65535 {
			return [][]Match{nil}
		}
		out = append(out, []Match{{Kind: kind, Lo: uint16(lo), Hi: uint16(hi)}})
	}
	return out
}
