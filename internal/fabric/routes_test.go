package fabric

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	pfx  = netip.MustParsePrefix
	addr = netip.MustParseAddr
)

func sysRoute(p string, t NextHopType) Route {
	return Route{Source: SourceDefault, State: StateActive, Prefix: pfx(p), NextHopType: t}
}

func udr(name, p string, t NextHopType, hop string) Route {
	r := Route{Name: name, Source: SourceUser, State: StateActive, Prefix: pfx(p), NextHopType: t, RouteTableID: "/rt/" + name}
	if hop != "" {
		r.NextHopIP = addr(hop)
	}
	return r
}

// routeCmp compares the netip values inside Routes and results.
var routeCmp = cmp.Options{
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

func TestSystemRoutes(t *testing.T) {
	tests := []struct {
		name string
		vnet []string
		want []Route
	}{
		{
			name: "no address space: default route and all four reserved ranges",
			want: []Route{
				sysRoute("0.0.0.0/0", Internet),
				sysRoute("10.0.0.0/8", None), sysRoute("172.16.0.0/12", None),
				sysRoute("192.168.0.0/16", None), sysRoute("100.64.0.0/10", None),
			},
		},
		{
			name: "VNet equal to 192.168/16 replaces its None route",
			vnet: []string{"192.168.0.0/16"},
			want: []Route{
				sysRoute("192.168.0.0/16", VnetLocal), sysRoute("0.0.0.0/0", Internet),
				sysRoute("10.0.0.0/8", None), sysRoute("172.16.0.0/12", None), sysRoute("100.64.0.0/10", None),
			},
		},
		{
			name: "VNet inside 10/8 keeps the 10/8 None route",
			vnet: []string{"10.1.0.0/16"},
			want: []Route{
				sysRoute("10.1.0.0/16", VnetLocal), sysRoute("0.0.0.0/0", Internet),
				sysRoute("10.0.0.0/8", None), sysRoute("172.16.0.0/12", None),
				sysRoute("192.168.0.0/16", None), sysRoute("100.64.0.0/10", None),
			},
		},
		{
			name: "VNet containing 10/8 removes its None route",
			vnet: []string{"10.0.0.0/7"},
			want: []Route{
				sysRoute("10.0.0.0/7", VnetLocal), sysRoute("0.0.0.0/0", Internet),
				sysRoute("172.16.0.0/12", None), sysRoute("192.168.0.0/16", None), sysRoute("100.64.0.0/10", None),
			},
		},
		{
			name: "several prefixes, unmasked and duplicated, normalised and deduplicated",
			vnet: []string{"172.16.0.0/12", "100.64.9.9/10", "172.16.0.0/12"},
			want: []Route{
				sysRoute("172.16.0.0/12", VnetLocal), sysRoute("100.64.0.0/10", VnetLocal),
				sysRoute("0.0.0.0/0", Internet),
				sysRoute("10.0.0.0/8", None), sysRoute("192.168.0.0/16", None),
			},
		},
		{
			name: "dual stack adds ::/0",
			vnet: []string{"10.1.0.0/16", "fd00:1::/64"},
			want: []Route{
				sysRoute("10.1.0.0/16", VnetLocal), sysRoute("fd00:1::/64", VnetLocal),
				sysRoute("0.0.0.0/0", Internet), sysRoute("::/0", Internet),
				sysRoute("10.0.0.0/8", None), sysRoute("172.16.0.0/12", None),
				sysRoute("192.168.0.0/16", None), sysRoute("100.64.0.0/10", None),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var vnet []netip.Prefix
			for _, s := range tc.vnet {
				vnet = append(vnet, pfx(s))
			}
			vnet = append(vnet, netip.Prefix{}) // invalid prefixes are ignored
			got := SystemRoutes(vnet)
			if d := cmp.Diff(tc.want, got, routeCmp); d != "" {
				t.Errorf("SystemRoutes(%v) mismatch (-want +got):\n%s", tc.vnet, d)
			}
		})
	}
}

func TestEffectiveRoutes(t *testing.T) {
	vnet := []netip.Prefix{pfx("192.168.0.0/16")}
	invalid := func(r Route) Route { r.State = StateInvalid; return r }
	tests := []struct {
		name string
		udrs []Route
		want []Route
	}{
		{
			name: "no UDRs: system routes only, sorted",
			want: []Route{
				sysRoute("0.0.0.0/0", Internet), sysRoute("10.0.0.0/8", None),
				sysRoute("100.64.0.0/10", None), sysRoute("172.16.0.0/12", None),
				sysRoute("192.168.0.0/16", VnetLocal),
			},
		},
		{
			name: "UDRs with system prefixes invalidate those system routes only",
			udrs: []Route{
				udr("pods1", "10.244.1.0/24", VirtualAppliance, "192.168.1.5"),
				udr("default", "0.0.0.0/0", None, ""),
				udr("ten", "10.0.0.0/8", VirtualAppliance, "192.168.1.100"),
				udr("pods0", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"),
			},
			want: []Route{
				invalid(sysRoute("0.0.0.0/0", Internet)), invalid(sysRoute("10.0.0.0/8", None)),
				sysRoute("100.64.0.0/10", None), sysRoute("172.16.0.0/12", None),
				sysRoute("192.168.0.0/16", VnetLocal),
				udr("default", "0.0.0.0/0", None, ""),
				udr("ten", "10.0.0.0/8", VirtualAppliance, "192.168.1.100"),
				udr("pods0", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"),
				udr("pods1", "10.244.1.0/24", VirtualAppliance, "192.168.1.5"),
			},
		},
		{
			name: "UDR source and state are forced, prefix masked, invalid prefix dropped",
			udrs: []Route{
				{Name: "x", Source: SourceDefault, State: StateInvalid, Prefix: pfx("10.244.3.9/24"), NextHopType: None},
				{Name: "bad", NextHopType: None},
			},
			want: []Route{
				sysRoute("0.0.0.0/0", Internet), sysRoute("10.0.0.0/8", None),
				sysRoute("100.64.0.0/10", None), sysRoute("172.16.0.0/12", None),
				sysRoute("192.168.0.0/16", VnetLocal),
				{Name: "x", Source: SourceUser, State: StateActive, Prefix: pfx("10.244.3.0/24"), NextHopType: None},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EffectiveRoutes(vnet, tc.udrs)
			if d := cmp.Diff(tc.want, got, routeCmp); d != "" {
				t.Errorf("EffectiveRoutes mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	vnet := []netip.Prefix{pfx("192.168.0.0/16")}
	eff := EffectiveRoutes(vnet, []Route{
		udr("pods0", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"),
		udr("pods1", "10.244.1.0/24", VirtualAppliance, "192.168.1.5"),
		udr("default", "0.0.0.0/0", None, ""),
	})
	tenVnet := EffectiveRoutes([]netip.Prefix{pfx("10.1.0.0/16")}, nil)
	tie := []Route{
		sysRoute("10.0.0.0/8", None),
		{Name: "bgp", Source: SourceVirtualNetworkGateway, Prefix: pfx("10.0.0.0/8"), NextHopType: VirtualNetworkGateway},
		udr("user", "10.0.0.0/8", VirtualAppliance, "192.168.1.9"),
		udr("user-dup", "10.0.0.0/8", VirtualAppliance, "192.168.1.10"),
		{Name: "bgp-only", Source: SourceVirtualNetworkGateway, Prefix: pfx("172.16.0.0/12"), NextHopType: VirtualNetworkGateway},
		sysRoute("172.16.0.0/12", None),
		{Name: "dead", Source: SourceUser, State: StateInvalid, Prefix: pfx("172.16.5.0/24"), NextHopType: Internet},
	}
	tests := []struct {
		name   string
		routes []Route
		dst    string
		want   Route
		wantOK bool
	}{
		{"pod CIDR route", eff, "10.244.1.7", udr("pods1", "10.244.1.0/24", VirtualAppliance, "192.168.1.5"), true},
		{"UDR 0/0 does not override VnetLocal", eff, "192.168.1.5", sysRoute("192.168.0.0/16", VnetLocal), true},
		{"UDR 0/0 replaces the Internet route", eff, "8.8.8.8", udr("default", "0.0.0.0/0", None, ""), true},
		{"pod CIDR without route falls to 10/8 None", eff, "10.244.2.7", sysRoute("10.0.0.0/8", None), true},
		{"IPv4-mapped destination", eff, "::ffff:10.244.0.9", udr("pods0", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"), true},
		{"VNet inside 10/8 wins for VNet address", tenVnet, "10.1.2.3", sysRoute("10.1.0.0/16", VnetLocal), true},
		{"VNet inside 10/8 leaves the rest of 10/8 dropped", tenVnet, "10.2.0.1", sysRoute("10.0.0.0/8", None), true},
		{"equal prefix: user beats BGP and system, first user wins", tie, "10.9.9.9", udr("user", "10.0.0.0/8", VirtualAppliance, "192.168.1.9"), true},
		{"equal prefix: BGP beats system", tie, "172.16.5.5", Route{Name: "bgp-only", Source: SourceVirtualNetworkGateway, Prefix: pfx("172.16.0.0/12"), NextHopType: VirtualNetworkGateway}, true},
		{"no covering route", tie, "8.8.8.8", Route{}, false},
		{"IPv6 destination with IPv4 routes only", eff, "2001:db8::1", Route{}, false},
		{"invalid destination", eff, "", Route{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst netip.Addr
			if tc.dst != "" {
				dst = addr(tc.dst)
			}
			tbl := NewTable(tc.routes)
			got, ok := tbl.Lookup(dst)
			if ok != tc.wantOK || !cmp.Equal(tc.want, got, routeCmp) {
				t.Errorf("Table.Lookup(%s) = %+v, %v; want %+v, %v", tc.dst, got, ok, tc.want, tc.wantOK)
			}
			lgot, lok := linearLookup(tc.routes, dst)
			if lok != tc.wantOK || !cmp.Equal(tc.want, lgot, routeCmp) {
				t.Errorf("linearLookup(%s) = %+v, %v; want %+v, %v", tc.dst, lgot, lok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestTableIsImmutable(t *testing.T) {
	routes := []Route{udr("a", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"), sysRoute("0.0.0.0/0", Internet)}
	tbl := NewTable(routes)
	routes[0].NextHopIP = addr("192.168.1.99")
	routes[0].Prefix = pfx("10.0.0.0/8")
	got, _ := tbl.Lookup(addr("10.244.0.1"))
	if got.NextHopIP != addr("192.168.1.4") || got.Prefix != pfx("10.244.0.0/24") {
		t.Errorf("table changed with its input slice: %+v", got)
	}
	if tbl.Len() != 2 {
		t.Errorf("Len = %d, want 2", tbl.Len())
	}
	var nilTable *Table
	if _, ok := nilTable.Lookup(addr("10.0.0.1")); ok || nilTable.Len() != 0 {
		t.Error("nil table matched")
	}
}

// randomRoutes builds overlapping routes around a few bases, with random
// sources and states, so that every selection rule is exercised.
func randomRoutes(r *rand.Rand, n int) []Route {
	bases4 := []netip.Addr{addr("10.244.0.0"), addr("10.0.0.0"), addr("192.168.0.0"), addr("0.0.0.0"), addr("172.16.0.0")}
	bases6 := []netip.Addr{addr("fd00::"), addr("2001:db8::")}
	sources := []string{SourceDefault, SourceUser, SourceVirtualNetworkGateway}
	types := []NextHopType{VirtualAppliance, VnetLocal, Internet, VirtualNetworkGateway, None}
	routes := make([]Route, 0, n)
	for i := range n {
		var p netip.Prefix
		if r.IntN(8) == 0 {
			b := bases6[r.IntN(len(bases6))].As16()
			for j := 4; j < 16; j++ {
				if r.IntN(2) == 0 {
					b[j] = byte(r.IntN(4))
				}
			}
			p = netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129))
		} else {
			b := bases4[r.IntN(len(bases4))].As4()
			for j := 1; j < 4; j++ {
				if r.IntN(2) == 0 {
					b[j] = byte(r.IntN(4))
				}
			}
			p = netip.PrefixFrom(netip.AddrFrom4(b), r.IntN(33))
		}
		if r.IntN(2) == 0 {
			p = p.Masked()
		}
		rt := Route{
			Name:        string(rune('a'+i%26)) + string(rune('0'+i%10)),
			Source:      sources[r.IntN(len(sources))],
			Prefix:      p,
			NextHopType: types[r.IntN(len(types))],
		}
		switch r.IntN(6) {
		case 0:
			rt.State = StateInvalid
		case 1:
			rt.State = ""
		default:
			rt.State = StateActive
		}
		if rt.NextHopType == VirtualAppliance {
			rt.NextHopIP = netip.AddrFrom4([4]byte{192, 168, 1, byte(i)})
		}
		routes = append(routes, rt)
	}
	return routes
}

func randomDst(r *rand.Rand, routes []Route) netip.Addr {
	if len(routes) > 0 && r.IntN(3) > 0 {
		p := routes[r.IntN(len(routes))].Prefix.Masked()
		b := p.Addr().AsSlice()
		// randomise the host bits
		for bit := p.Bits(); bit < len(b)*8; bit++ {
			if r.IntN(2) == 0 {
				b[bit/8] |= 0x80 >> (bit % 8)
			}
		}
		a, _ := netip.AddrFromSlice(b)
		return a
	}
	if r.IntN(4) == 0 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
}

// checkAgainstLinear compares Table.Lookup with the linearLookup oracle.
func checkAgainstLinear(t *testing.T, routes []Route, dsts []netip.Addr) {
	t.Helper()
	tbl := NewTable(routes)
	for _, d := range dsts {
		got, ok := tbl.Lookup(d)
		want, wok := linearLookup(routes, d)
		if ok != wok || !cmp.Equal(want, got, routeCmp) {
			t.Fatalf("dst %s: Table = %+v, %v; Linear = %+v, %v\nroutes: %+v", d, got, ok, want, wok, routes)
		}
	}
}

func TestTableMatchesLinearRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		routes := randomRoutes(r, 1+r.IntN(60))
		dsts := make([]netip.Addr, 200)
		for i := range dsts {
			dsts[i] = randomDst(r, routes)
		}
		checkAgainstLinear(t, routes, dsts)
	}
}

func TestTableMatchesLinearOnBenchmarkRoutes(t *testing.T) {
	routes := benchRoutes()
	checkAgainstLinear(t, routes, benchDsts())
	// Every pod /24 goes to its node.
	tbl := NewTable(routes)
	for i := range benchNodes {
		podIP := benchPodCIDR(i).Addr().Next()
		got := NextHop(tbl, addr("192.168.1.4"), podIP)
		want := benchNodeIP(i).String()
		if got.NextHopType != VirtualAppliance || got.NextHopIP != want {
			t.Fatalf("pod %s: next hop %+v, want VirtualAppliance %s", podIP, got, want)
		}
	}
}

func FuzzTableMatchesLinear(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(42), uint64(7))
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		r := rand.New(rand.NewPCG(s1, s2))
		routes := randomRoutes(r, r.IntN(40))
		dsts := make([]netip.Addr, 50)
		for i := range dsts {
			dsts[i] = randomDst(r, routes)
		}
		checkAgainstLinear(t, routes, dsts)
	})
}

// linearLookup selects a route for dst by scanning routes once, with the same
// rule as Table.Lookup. It is the simple baseline the Table is tested and
// benchmarked against.
func linearLookup(routes []Route, dst netip.Addr) (Route, bool) {
	if !dst.IsValid() {
		return Route{}, false
	}
	dst = dst.Unmap().WithZone("")
	best := -1
	var bestPrefix netip.Prefix
	for i, r := range routes {
		if !r.active() {
			continue
		}
		p := r.Prefix
		if p.Addr().Is4In6() {
			p, _ = normalizePrefix(p)
		}
		if !p.Contains(dst) {
			continue
		}
		if best < 0 || p.Bits() > bestPrefix.Bits() ||
			(p.Bits() == bestPrefix.Bits() && sourceRank(r.Source) > sourceRank(routes[best].Source)) {
			best, bestPrefix = i, p
		}
	}
	if best < 0 {
		return Route{}, false
	}
	r := routes[best]
	r.Prefix, _ = normalizePrefix(bestPrefix)
	return r, true
}
