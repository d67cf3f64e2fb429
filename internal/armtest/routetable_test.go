package armtest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func route(prefix string, hop armnetwork.RouteNextHopType, ip string) *armnetwork.RoutePropertiesFormat {
	p := &armnetwork.RoutePropertiesFormat{AddressPrefix: to.Ptr(prefix), NextHopType: to.Ptr(hop)}
	if ip != "" {
		p.NextHopIPAddress = to.Ptr(ip)
	}
	return p
}

func routeNames(rs []*armnetwork.Route) []string {
	return names(rs, func(r *armnetwork.Route) *string { return r.Name })
}

func TestRoutes_NextHopTypes(t *testing.T) {
	h, rg := parallelRG(t)
	rt, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{})
	if err != nil {
		t.Fatal(err)
	}
	if *rt.Type != "Microsoft.Network/routeTables" || *rt.Properties.ProvisioningState != armnetwork.ProvisioningStateSucceeded || len(rt.Properties.Routes) != 0 {
		t.Errorf("new route table: %+v", rt.Properties)
	}

	// All five next hop types; only VirtualAppliance carries an address.
	ok := []struct {
		name   string
		hop    armnetwork.RouteNextHopType
		prefix string
		ip     string
	}{
		{"appliance", armnetwork.RouteNextHopTypeVirtualAppliance, "10.244.0.0/24", "192.168.1.4"},
		{"vnetlocal", armnetwork.RouteNextHopTypeVnetLocal, "10.1.0.0/16", ""},
		{"internet", armnetwork.RouteNextHopTypeInternet, "0.0.0.0/0", ""},
		{"gateway", armnetwork.RouteNextHopTypeVirtualNetworkGateway, "172.16.0.0/12", ""},
		{"blackhole", armnetwork.RouteNextHopTypeNone, "100.64.0.0/10", ""},
	}
	for _, tc := range ok {
		ctx, resp := captured(h.Ctx)
		p, err := h.Net.NewRoutesClient().BeginCreateOrUpdate(ctx, rg, "rt1", tc.name, armnetwork.Route{Properties: route(tc.prefix, tc.hop, tc.ip)}, nil)
		if err != nil {
			t.Errorf("%s route refused: %v", tc.hop, err)
			continue
		}
		if (*resp).StatusCode != http.StatusCreated {
			t.Errorf("%s: create answered %d, want 201", tc.name, (*resp).StatusCode)
		}
		r, err := p.PollUntilDone(h.Ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *r.ID != *rt.ID+"/routes/"+tc.name || *r.Properties.NextHopType != tc.hop || *r.Properties.AddressPrefix != tc.prefix {
			t.Errorf("route %s: %s %s %s", *r.ID, *r.Properties.NextHopType, *r.Properties.AddressPrefix, tc.prefix)
		}
		if got := r.Properties.NextHopIPAddress; (tc.ip == "") != (got == nil) || (got != nil && *got != tc.ip) {
			t.Errorf("%s: nextHopIpAddress %v, want %q", tc.name, got, tc.ip)
		}
	}
	got, err := h.Net.NewRouteTablesClient().Get(h.Ctx, rg, "rt1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := routeNames(got.Properties.Routes); len(n) != 5 {
		t.Errorf("route table lists routes %v, want 5", n)
	}
	// Re-PUT of a route is an update (200).
	ctx, resp := captured(h.Ctx)
	_, err = h.Net.NewRoutesClient().BeginCreateOrUpdate(ctx, rg, "rt1", "appliance", armnetwork.Route{Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "192.168.1.5")}, nil)
	answered(t, "route update", resp, err, http.StatusOK)

	bad := []struct {
		name  string
		props *armnetwork.RoutePropertiesFormat
		want  want
	}{
		// The network RP's code and message, as quoted in
		// hashicorp/terraform-provider-azurerm#20365: Code="MissingNextHopIpAddress"
		// Message="NextHopIpAddress cannot be Null or Empty in route route1 when
		// NextHopType is VirtualAppliance."
		{"appliance without address", route("10.9.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, ""),
			want{http.StatusBadRequest, "MissingNextHopIpAddress", "properties.nextHopIpAddress", []string{"VirtualAppliance", "cannot be Null or Empty"}}},
		{"vnetlocal with address", route("10.9.0.0/24", armnetwork.RouteNextHopTypeVnetLocal, "10.0.0.4"),
			want{http.StatusBadRequest, "NextHopIpAddressNotAllowed", "properties.nextHopIpAddress", []string{"10.0.0.4", "VnetLocal"}}},
		{"internet with address", route("10.9.0.0/24", armnetwork.RouteNextHopTypeInternet, "10.0.0.4"),
			want{http.StatusBadRequest, "NextHopIpAddressNotAllowed", "properties.nextHopIpAddress", []string{"10.0.0.4", "Internet"}}},
		{"gateway with address", route("10.9.0.0/24", armnetwork.RouteNextHopTypeVirtualNetworkGateway, "10.0.0.4"),
			want{http.StatusBadRequest, "NextHopIpAddressNotAllowed", "properties.nextHopIpAddress", []string{"10.0.0.4", "VirtualNetworkGateway"}}},
		{"none with address", route("10.9.0.0/24", armnetwork.RouteNextHopTypeNone, "10.0.0.4"),
			want{http.StatusBadRequest, "NextHopIpAddressNotAllowed", "properties.nextHopIpAddress", []string{"10.0.0.4", "None"}}},
		{"unknown type", route("10.9.0.0/24", "Teleport", ""),
			want{http.StatusBadRequest, "InvalidRouteNextHopType", "properties.nextHopType", []string{"Teleport"}}},
		{"bad address", route("10.9.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "10.0.0.300"),
			want{http.StatusBadRequest, "CidrStringParseError", "properties.nextHopIpAddress", []string{"10.0.0.300"}}},
		{"not a CIDR", route("10.9.0.0/33", armnetwork.RouteNextHopTypeNone, ""),
			want{http.StatusBadRequest, "InvalidAddressPrefixFormat", "properties.addressPrefix", []string{"10.9.0.0/33"}}},
		{"host bits", route("10.9.0.1/24", armnetwork.RouteNextHopTypeNone, ""),
			want{http.StatusBadRequest, "InvalidCIDRNotation", "properties.addressPrefix", []string{"10.9.0.1/24"}}},
		{"same prefix as another route", route("0.0.0.0/0", armnetwork.RouteNextHopTypeNone, ""),
			want{http.StatusBadRequest, "RouteConflict", "properties.addressPrefix", []string{"0.0.0.0/0", "internet"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := h.Snapshot(*rt.ID, *rt.ID+"/routes/internet")
			_, err := h.PutRoute(rg, "rt1", "badroute", armnetwork.Route{Properties: tc.props})
			wantSDKErr(t, err, tc.want)
			h.Unchanged(before)
			if h.Exists(*rt.ID + "/routes/badroute") {
				t.Error("refused route was created")
			}
			// The same route inline in a route table names its index.
			inline := tc.want
			inline.Target = "properties.routes[1]." + tc.want.Target
			_, err = h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{
				{Name: to.Ptr("internet"), Properties: route("0.0.0.0/0", armnetwork.RouteNextHopTypeInternet, "")},
				{Name: to.Ptr("badroute"), Properties: tc.props},
			}}})
			wantSDKErr(t, err, inline)
			h.Unchanged(before)
		})
	}
	// A route table PUT's routes are the complete set.
	rt2, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{
		{Name: to.Ptr("internet"), Properties: route("0.0.0.0/0", armnetwork.RouteNextHopTypeInternet, "")},
		{Name: to.Ptr("pods"), Properties: route("10.244.1.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "192.168.1.5")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := routeNames(rt2.Properties.Routes); !slices.Equal(n, []string{"internet", "pods"}) {
		t.Errorf("after inline PUT the table has routes %v, want [internet pods]", n)
	}
	if h.Exists(*rt.ID + "/routes/appliance") {
		t.Error("route left out of the table PUT still exists")
	}
	// GET → PUT back, read-only fields and all (az network route-table update).
	cur, err := h.Net.NewRouteTablesClient().Get(h.Ctx, rg, "rt1", nil)
	if err != nil {
		t.Fatal(err)
	}
	echo, err := h.PutRouteTable(rg, "rt1", cur.RouteTable)
	if err != nil {
		t.Fatalf("echo PUT of the route table refused: %v", err)
	}
	if n := routeNames(echo.Properties.Routes); !slices.Equal(n, []string{"internet", "pods"}) || *echo.Properties.Routes[1].Properties.NextHopIPAddress != "192.168.1.5" {
		t.Errorf("echo PUT changed the routes: %v", n)
	}
	tagged, err := h.Net.NewRouteTablesClient().UpdateTags(h.Ctx, rg, "rt1", armnetwork.TagsObject{Tags: map[string]*string{"k": to.Ptr("v")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tagged.Tags["k"] == nil || *tagged.Tags["k"] != "v" || len(tagged.Properties.Routes) != 2 || *tagged.Etag == *echo.Etag {
		t.Errorf("PATCH tags: tags %v, %d routes, etag %s", tagged.Tags, len(tagged.Properties.Routes), *tagged.Etag)
	}
	// Deleting a route re-renders the table.
	dp, err := h.Net.NewRoutesClient().BeginDelete(h.Ctx, rg, "rt1", "pods", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	got, _ = h.Net.NewRouteTablesClient().Get(h.Ctx, rg, "rt1", nil)
	if n := routeNames(got.Properties.Routes); !slices.Equal(n, []string{"internet"}) {
		t.Errorf("after deleting pods the table has routes %v", n)
	}
}

func TestRoutes_LimitPerTableIsConfigurable(t *testing.T) {
	t.Parallel()
	const limit = 5
	h := ownHarness(t, Options{MaxRoutesPerTable: limit})
	rg := h.NewRG()
	routesN := func(n int) []*armnetwork.Route {
		var rs []*armnetwork.Route
		for i := range n {
			rs = append(rs, &armnetwork.Route{Name: to.Ptr(fmt.Sprintf("r%d", i)), Properties: route(fmt.Sprintf("10.244.%d.0/24", i), armnetwork.RouteNextHopTypeVirtualAppliance, "192.168.1.4")})
		}
		return rs
	}

	_, err := h.PutRouteTable(rg, "full", armnetwork.RouteTable{Properties: &armnetwork.RouteTablePropertiesFormat{Routes: routesN(limit + 1)}})
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "RoutesPerRouteTableLimitExceeded", Target: "properties.routes", Mentions: []string{"full", "6", "5"}})
	if h.Exists(h.RGID(rg) + "/providers/Microsoft.Network/routeTables/full") {
		t.Fatal("refused route table was created")
	}

	rt, err := h.PutRouteTable(rg, "full", armnetwork.RouteTable{Properties: &armnetwork.RouteTablePropertiesFormat{Routes: routesN(limit)}})
	if err != nil {
		t.Fatalf("%d routes refused with a limit of %d: %v", limit, limit, err)
	}
	before := h.Snapshot(*rt.ID)
	_, err = h.PutRoute(rg, "full", "one-more", armnetwork.Route{Properties: route("10.250.0.0/24", armnetwork.RouteNextHopTypeNone, "")})
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "RoutesPerRouteTableLimitExceeded", Mentions: []string{"full", "5"}})
	h.Unchanged(before)
	// Updating a route of a full table is not adding one.
	if _, err := h.PutRoute(rg, "full", "r0", armnetwork.Route{Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "192.168.1.9")}); err != nil {
		t.Errorf("update in a full table refused: %v", err)
	}

	// With the default limit (400) the same table takes more.
	d := newHarness(t)
	drg := d.NewRG()
	if _, err := d.PutRouteTable(drg, "big", armnetwork.RouteTable{Properties: &armnetwork.RouteTablePropertiesFormat{Routes: routesN(limit + 1)}}); err != nil {
		t.Errorf("%d routes refused with the default limit: %v", limit+1, err)
	}
}
