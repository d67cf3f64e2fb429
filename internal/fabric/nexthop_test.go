package fabric

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNextHop(t *testing.T) {
	vnet := []netip.Prefix{pfx("192.168.0.0/16")}
	tbl := NewTable(EffectiveRoutes(vnet, []Route{
		udr("pods1", "10.244.1.0/24", VirtualAppliance, "192.168.1.5"),
		udr("onprem", "10.50.0.0/16", VirtualNetworkGateway, ""),
		udr("blackhole", "203.0.113.0/24", None, ""),
	}))
	src := addr("192.168.1.4")
	tests := []struct {
		name  string
		table *Table
		dst   string
		want  NextHopResult
	}{
		{"VirtualAppliance from a UDR", tbl, "10.244.1.9", NextHopResult{VirtualAppliance, "192.168.1.5", "/rt/pods1"}},
		{"VnetLocal from the system route", tbl, "192.168.3.3", NextHopResult{VnetLocal, "", SystemRouteTableID}},
		{"Internet from the system route", tbl, "93.184.216.34", NextHopResult{Internet, "", SystemRouteTableID}},
		{"VirtualNetworkGateway from a UDR", tbl, "10.50.1.1", NextHopResult{VirtualNetworkGateway, "", "/rt/onprem"}},
		{"None from the 10/8 system route", tbl, "10.9.9.9", NextHopResult{None, "", SystemRouteTableID}},
		{"None from a UDR", tbl, "203.0.113.5", NextHopResult{None, "", "/rt/blackhole"}},
		{"no route at all", NewTable(nil), "8.8.8.8", NextHopResult{NextHopType: None}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NextHop(tc.table, src, addr(tc.dst))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("NextHop(%s) mismatch (-want +got):\n%s", tc.dst, d)
			}
		})
	}
}
