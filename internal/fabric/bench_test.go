package fabric

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// benchNodes is the number of kubenet routes in the benchmark table: Azure's
// limit of 400 routes per route table.
const benchNodes = 400

func addrAdd(a netip.Addr, n uint32) netip.Addr {
	b := a.As4()
	binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])+n)
	return netip.AddrFrom4(b)
}

// benchPodCIDR is node i's /24: 10.244.0.0/24, 10.244.1.0/24, … (continuing
// into 10.245.x.0/24 past the 256th node).
func benchPodCIDR(i int) netip.Prefix {
	return netip.PrefixFrom(addrAdd(addr("10.244.0.0"), uint32(i)<<8), 24)
}

// benchNodeIP is node i's IP: 192.168.1.4, 192.168.1.5, …
func benchNodeIP(i int) netip.Addr { return addrAdd(addr("192.168.1.4"), uint32(i)) }

// benchRoutes is the effective route table of a 400-node kubenet cluster in a
// 192.168.0.0/16 VNet: 400 UDR /24s to VirtualAppliance plus system routes.
func benchRoutes() []Route {
	udrs := make([]Route, 0, benchNodes)
	for i := range benchNodes {
		p := benchPodCIDR(i)
		udrs = append(udrs, Route{
			Name:         fmt.Sprintf("aks-nodepool1-12345678-vmss%06d____%s", i, p),
			Prefix:       p,
			NextHopType:  VirtualAppliance,
			NextHopIP:    benchNodeIP(i),
			RouteTableID: "/subscriptions/s/resourceGroups/MC_rg_c_eastus/providers/Microsoft.Network/routeTables/aks-agentpool-12345678-routetable",
		})
	}
	return EffectiveRoutes([]netip.Prefix{pfx("192.168.0.0/16")}, udrs)
}

// benchDsts is a rotating set of destinations: pod IPs, VNet addresses,
// Internet addresses and unrouted private addresses.
func benchDsts() []netip.Addr {
	r := rand.New(rand.NewPCG(7, 11))
	dsts := make([]netip.Addr, 1024)
	for i := range dsts {
		switch i % 4 {
		case 0:
			dsts[i] = addrAdd(benchPodCIDR(r.IntN(benchNodes)).Addr(), uint32(2+r.IntN(250)))
		case 1:
			dsts[i] = netip.AddrFrom4([4]byte{192, 168, byte(r.IntN(256)), byte(r.IntN(256))})
		case 2:
			dsts[i] = netip.AddrFrom4([4]byte{byte(20 + r.IntN(150)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		default:
			dsts[i] = netip.AddrFrom4([4]byte{10, byte(r.IntN(240)), byte(r.IntN(256)), byte(r.IntN(256))})
		}
	}
	return dsts
}

var sinkResult NextHopResult

func BenchmarkNextHopLPM(b *testing.B) {
	tbl := NewTable(benchRoutes())
	dsts := benchDsts()
	src := addr("192.168.1.4")
	for i := 0; b.Loop(); i++ {
		sinkResult = NextHop(tbl, src, dsts[i&(len(dsts)-1)])
	}
}

func BenchmarkNextHopLinear(b *testing.B) {
	routes := benchRoutes()
	dsts := benchDsts()
	for i := 0; b.Loop(); i++ {
		sinkResult = nextHopFor(linearLookup(routes, dsts[i&(len(dsts)-1)]))
	}
}

// TestLPMBeatsLinear enforces the performance contract: on a full 400-route
// table, Table lookups are at least 10× faster than a linear scan.
func TestLPMBeatsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped in -short mode")
	}
	lpm := testing.Benchmark(BenchmarkNextHopLPM)
	lin := testing.Benchmark(BenchmarkNextHopLinear)
	ratio := float64(lin.NsPerOp()) / float64(max(lpm.NsPerOp(), 1))
	t.Logf("LPM %d ns/op, linear %d ns/op, %.1f×", lpm.NsPerOp(), lin.NsPerOp(), ratio)
	if ratio < 10 {
		t.Errorf("LPM is only %.1f× faster than linear (LPM %d ns/op, linear %d ns/op); want ≥ 10×", ratio, lpm.NsPerOp(), lin.NsPerOp())
	}
}
