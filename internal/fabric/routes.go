package fabric

import (
	"cmp"
	"net/netip"
	"slices"
)

// NextHopType is where the fabric sends a packet that matches a route. The
// values are Azure's own strings, as they appear in a route table resource and
// in a NIC's effective route table.
type NextHopType string

// The five next-hop types of an Azure route.
const (
	// VirtualAppliance forwards to Route.NextHopIP, typically a VM with IP
	// forwarding enabled; kubenet routes use it to reach a node's pod CIDR.
	VirtualAppliance NextHopType = "VirtualAppliance"
	// VnetLocal delivers inside the virtual network.
	VnetLocal NextHopType = "VnetLocal"
	// Internet sends the packet out of Azure, after outbound SNAT.
	Internet NextHopType = "Internet"
	// VirtualNetworkGateway sends the packet to the VNet's VPN or
	// ExpressRoute gateway.
	VirtualNetworkGateway NextHopType = "VirtualNetworkGateway"
	// None drops the packet.
	None NextHopType = "None"
)

// Route sources, as Azure's effective route table reports them.
const (
	// SourceDefault marks a system route.
	SourceDefault = "Default"
	// SourceUser marks a user-defined route (UDR) from a route table.
	SourceUser = "User"
	// SourceVirtualNetworkGateway marks a route learnt over BGP by a gateway.
	SourceVirtualNetworkGateway = "VirtualNetworkGateway"
)

// Route states, as Azure's effective route table reports them.
const (
	// StateActive marks a route that takes part in route selection.
	StateActive = "Active"
	// StateInvalid marks a system route overridden by a user route with the
	// same prefix; it never takes part in route selection.
	StateInvalid = "Invalid"
)

// SystemRouteTableID is what Network Watcher reports as the route table of a
// next hop chosen from a system route.
const SystemRouteTableID = "System Route"

// Route is one entry of an effective route table.
//
// Name is the route's name within its route table; system routes have no
// name, exactly as Azure shows them (name null). Source is SourceDefault,
// SourceUser or SourceVirtualNetworkGateway. State is StateActive or
// StateInvalid; an empty State is treated as active. Prefix is the destination
// prefix. NextHopIP is set only for VirtualAppliance. RouteTableID is the
// resource id of the route table holding a user route, empty for system
// routes.
type Route struct {
	Name         string
	Source       string
	State        string
	Prefix       netip.Prefix
	NextHopType  NextHopType
	NextHopIP    netip.Addr
	RouteTableID string
}

// IsSystem reports whether r is a system route (Source "Default").
func (r Route) IsSystem() bool { return r.Source == SourceDefault }

// active reports whether r takes part in route selection: its state is not
// Invalid and its prefix is usable.
func (r Route) active() bool { return r.State != StateInvalid && r.Prefix.IsValid() }

// sourceRank orders route sources for a tie at equal prefix: user routes beat
// BGP routes, which beat system routes.
func sourceRank(source string) int {
	switch source {
	case SourceUser:
		return 2
	case SourceVirtualNetworkGateway:
		return 1
	default:
		return 0
	}
}

// ReservedPrefixes are the address ranges Azure gives a system route with next
// hop None: the RFC 1918 private ranges and the RFC 6598 shared address space.
var ReservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

var (
	defaultRouteV4 = netip.MustParsePrefix("0.0.0.0/0")
	defaultRouteV6 = netip.MustParsePrefix("::/0")
)

// normalizePrefix returns p masked to its network address, with an IPv4-mapped
// IPv6 prefix turned into plain IPv4, and false when p is unusable.
func normalizePrefix(p netip.Prefix) (netip.Prefix, bool) {
	if !p.IsValid() {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return p.Masked(), true
}

// SystemRoutes returns the default system routes Azure creates for every
// subnet of a VNet with the given address space, all Active, in this order:
//
//   - one VnetLocal route per VNet prefix, in the order given (duplicates and
//     invalid prefixes are dropped; prefixes are masked to their network
//     address);
//   - 0.0.0.0/0 to Internet, and ::/0 to Internet when the address space has
//     an IPv6 prefix;
//   - 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 100.64.0.0/10 to None.
//
// A reserved range's None route is omitted when a VNet prefix equals or
// contains it: Azure documents that it then turns the route's next hop into
// the virtual network (equal prefix) or removes it in favour of the VNet route
// (wider prefix), and both leave exactly the VnetLocal route. When a VNet
// prefix lies inside a reserved range (10.1.0.0/16 inside 10.0.0.0/8) the None
// route stays, as it does in a real effective route table, and the VnetLocal
// route wins for VNet destinations by longest prefix match; the rest of the
// range is still dropped.
func SystemRoutes(vnetPrefixes []netip.Prefix) []Route {
	var vnet []netip.Prefix
	for _, p := range vnetPrefixes {
		if p, ok := normalizePrefix(p); ok && !slices.Contains(vnet, p) {
			vnet = append(vnet, p)
		}
	}
	sys := func(p netip.Prefix, t NextHopType) Route {
		return Route{Source: SourceDefault, State: StateActive, Prefix: p, NextHopType: t}
	}
	out := make([]Route, 0, len(vnet)+6)
	hasV6 := false
	for _, p := range vnet {
		out = append(out, sys(p, VnetLocal))
		hasV6 = hasV6 || p.Addr().Is6()
	}
	out = append(out, sys(defaultRouteV4, Internet))
	if hasV6 {
		out = append(out, sys(defaultRouteV6, Internet))
	}
	for _, r := range ReservedPrefixes {
		covered := slices.ContainsFunc(vnet, func(p netip.Prefix) bool {
			return p.Bits() <= r.Bits() && p.Contains(r.Addr())
		})
		if !covered {
			out = append(out, sys(r, None))
		}
	}
	return out
}

// EffectiveRoutes returns the effective route table of a subnet (or of a NIC
// in it) whose VNet has the given address space and whose route table holds
// udrs, as Azure's effectiveRouteTable operation shows it.
//
// Every UDR is reported with Source "User" and State "Active", whatever those
// fields held on input, and its prefix masked to the network address; UDRs
// with an invalid prefix are dropped. A system route whose prefix equals a
// UDR's prefix is reported with State "Invalid"; every other route is
// "Active". The result is sorted deterministically: system routes first, then
// BGP routes, then user routes (the order Azure lists sources in); within a
// source by address family (IPv4 first), network address, prefix length, then
// name.
func EffectiveRoutes(vnetPrefixes []netip.Prefix, udrs []Route) []Route {
	out := SystemRoutes(vnetPrefixes)
	userPrefixes := make(map[netip.Prefix]bool, len(udrs))
	for _, u := range udrs {
		p, ok := normalizePrefix(u.Prefix)
		if !ok {
			continue
		}
		u.Prefix = p
		u.Source = SourceUser
		u.State = StateActive
		userPrefixes[p] = true
		out = append(out, u)
	}
	for i := range out {
		if out[i].Source == SourceDefault && userPrefixes[out[i].Prefix] {
			out[i].State = StateInvalid
		}
	}
	slices.SortStableFunc(out, compareRoutes)
	return out
}

// compareRoutes is the display order of EffectiveRoutes.
func compareRoutes(a, b Route) int {
	if c := cmp.Compare(sourceRank(a.Source), sourceRank(b.Source)); c != 0 {
		return c
	}
	if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// Table is an immutable longest-prefix-match index over an effective route
// table. It is safe for concurrent use.
//
// Selection rule: among the routes whose prefix contains the destination, the
// one with the longest prefix wins; at equal prefix a user route beats a BGP
// route, which beats a system route; among routes equal in both, the first in
// the input order wins. Routes with State "Invalid" or an invalid prefix never
// win. The tests check it against a linear scan with the same rule.
//
// The index keeps one hash map per prefix length in use and probes them from
// the longest length down, so a lookup costs one map probe per distinct prefix
// length (a handful in practice) instead of one comparison per route.
type Table struct {
	routes []Route
	v4     map[uint64]int32 // key: prefix length << 32 | masked IPv4 address
	v4Lens []uint8          // prefix lengths present, longest first
	v6     map[netip.Prefix]int32
	v6Lens []int
}

// NewTable builds a Table from routes (typically the result of
// EffectiveRoutes). The routes are copied; later changes to the slice do not
// affect the Table.
func NewTable(routes []Route) *Table {
	t := &Table{
		routes: slices.Clone(routes),
		v4:     make(map[uint64]int32),
		v6:     make(map[netip.Prefix]int32),
	}
	var has4 [33]bool
	var has6 [129]bool
	better := func(cur int32, i int) bool {
		return sourceRank(t.routes[i].Source) > sourceRank(t.routes[cur].Source)
	}
	for i, r := range t.routes {
		if !r.active() {
			continue
		}
		p, ok := normalizePrefix(r.Prefix)
		if !ok {
			continue
		}
		t.routes[i].Prefix = p
		if p.Addr().Is4() {
			k := v4Key(p.Bits(), IPv4Uint(p.Addr()))
			if cur, ok := t.v4[k]; !ok || better(cur, i) {
				t.v4[k] = int32(i)
			}
			has4[p.Bits()] = true
			continue
		}
		if cur, ok := t.v6[p]; !ok || better(cur, i) {
			t.v6[p] = int32(i)
		}
		has6[p.Bits()] = true
	}
	for l := 32; l >= 0; l-- {
		if has4[l] {
			t.v4Lens = append(t.v4Lens, uint8(l))
		}
	}
	for l := 128; l >= 0; l-- {
		if has6[l] {
			t.v6Lens = append(t.v6Lens, l)
		}
	}
	return t
}

func v4Key(bits int, addr uint32) uint64 {
	var mask uint32
	if bits > 0 {
		mask = ^uint32(0) << (32 - bits)
	}
	return uint64(bits)<<32 | uint64(addr&mask)
}

// Lookup returns the route the fabric selects for a packet to dst, and false
// when no route matches (an empty table, or dst invalid). An IPv4-mapped IPv6
// dst is looked up as IPv4.
func (t *Table) Lookup(dst netip.Addr) (Route, bool) {
	if t == nil || !dst.IsValid() {
		return Route{}, false
	}
	dst = dst.Unmap().WithZone("")
	if dst.Is4() {
		a := IPv4Uint(dst)
		for _, l := range t.v4Lens {
			if i, ok := t.v4[v4Key(int(l), a)]; ok {
				return t.routes[i], true
			}
		}
		return Route{}, false
	}
	for _, l := range t.v6Lens {
		p, err := dst.Prefix(l)
		if err != nil {
			continue
		}
		if i, ok := t.v6[p]; ok {
			return t.routes[i], true
		}
	}
	return Route{}, false
}

// Len returns the number of routes that can be selected (active routes with
// distinct prefix and source rank).
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.v4) + len(t.v6)
}
