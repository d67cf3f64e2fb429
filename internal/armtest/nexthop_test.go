package armtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/google/go-cmp/cmp"
)

// routingLab is a VNet 10.1.0.0/16 with two subnets: s1 (10.1.1.0/24) has
// route table rt1, s2 (10.1.2.0/24) has none; nic1 sits in s1, nic2 in s2.
//
// rt1's routes give every next-hop type and the selection rules something
// to decide:
//
//	ten      10.0.0.0/8      VirtualAppliance 10.1.1.250  (same prefix as a system None route)
//	nva      10.50.0.0/16    VirtualAppliance 10.1.1.200
//	hole     10.50.7.0/24    None                         (longer than nva)
//	gw       172.20.0.0/16   VirtualNetworkGateway
//	inet     192.168.5.0/24  Internet                     (inside the system None 192.168.0.0/16)
type routingLab struct {
	rg, rt1, nic1, nic2 string
}

func (h *Harness) routingLab() routingLab {
	h.T.Helper()
	rg := h.NewRG()
	l := routingLab{rg: rg}
	va := func(name, prefix, hop string) *armnetwork.Route {
		r := &armnetwork.Route{Name: to.Ptr(name), Properties: &armnetwork.RoutePropertiesFormat{
			AddressPrefix: to.Ptr(prefix), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance)}}
		if hop != "" {
			r.Properties.NextHopIPAddress = to.Ptr(hop)
		}
		return r
	}
	typed := func(name, prefix string, t armnetwork.RouteNextHopType) *armnetwork.Route {
		return &armnetwork.Route{Name: to.Ptr(name), Properties: &armnetwork.RoutePropertiesFormat{AddressPrefix: to.Ptr(prefix), NextHopType: to.Ptr(t)}}
	}
	rt, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{
		va("ten", "10.0.0.0/8", "10.1.1.250"),
		va("nva", "10.50.0.0/16", "10.1.1.200"),
		typed("hole", "10.50.7.0/24", armnetwork.RouteNextHopTypeNone),
		typed("gw", "172.20.0.0/16", armnetwork.RouteNextHopTypeVirtualNetworkGateway),
		typed("inet", "192.168.5.0/24", armnetwork.RouteNextHopTypeInternet),
	}}})
	if err != nil {
		h.T.Fatalf("route table: %v", err)
	}
	l.rt1 = *rt.ID
	v := VNetBody("10.1.0.0/16", "s2=10.1.2.0/24")
	v.Properties.Subnets = append(v.Properties.Subnets, &armnetwork.Subnet{Name: to.Ptr("s1"), Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix: to.Ptr("10.1.1.0/24"), RouteTable: &armnetwork.RouteTable{ID: rt.ID}}})
	vn, err := h.PutVNet(rg, "vnet", v)
	if err != nil {
		h.T.Fatalf("vnet: %v", err)
	}
	for i, name := range []string{"nic1", "nic2"} {
		n, err := h.PutNIC(rg, name, *vn.ID+"/subnets/s"+string(rune('1'+i)))
		if err != nil {
			h.T.Fatalf("nic %s: %v", name, err)
		}
		if i == 0 {
			l.nic1 = *n.ID
		} else {
			l.nic2 = *n.ID
		}
	}
	return l
}

// route is an effective route flattened for comparison:
// "Source State prefix type hop name".
func routeLine(r *armnetwork.EffectiveRoute) string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	var pre, hop []string
	for _, p := range r.AddressPrefix {
		pre = append(pre, *p)
	}
	for _, p := range r.NextHopIPAddress {
		hop = append(hop, *p)
	}
	return strings.Join([]string{string(*r.Source), string(*r.State), strings.Join(pre, ","), string(*r.NextHopType), strings.Join(hop, ","), s(r.Name)}, " ")
}

// TestNetworkInterface_EffectiveRouteTable: the NIC operation lists the
// system routes with the one shadowed by a user route of the same prefix
// Invalid, then the user routes, through the SDK's long-running-operation
// poller.
func TestNetworkInterface_EffectiveRouteTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.routingLab()
	want1 := []string{
		"Default Active 0.0.0.0/0 Internet  -",
		"Default Invalid 10.0.0.0/8 None  -",
		"Default Active 10.1.0.0/16 VnetLocal  -",
		"Default Active 100.64.0.0/10 None  -",
		"Default Active 172.16.0.0/12 None  -",
		"Default Active 192.168.0.0/16 None  -",
		"User Active 10.0.0.0/8 VirtualAppliance 10.1.1.250 ten",
		"User Active 10.50.0.0/16 VirtualAppliance 10.1.1.200 nva",
		"User Active 10.50.7.0/24 None  hole",
		"User Active 172.20.0.0/16 VirtualNetworkGateway  gw",
		"User Active 192.168.5.0/24 Internet  inet",
	}
	nics := h.Net.NewInterfacesClient()
	effective := func(nic string) []string {
		t.Helper()
		p, err := nics.BeginGetEffectiveRouteTable(h.Ctx, l.rg, nic, nil)
		if err != nil {
			t.Fatalf("effective routes of %s: %v", nic, err)
		}
		res, err := PollDone(h.Ctx, p)
		if err != nil {
			t.Fatalf("effective routes of %s: %v", nic, err)
		}
		var out []string
		for _, r := range res.Value {
			out = append(out, routeLine(r))
		}
		return out
	}
	wantEffective := func(nic string, want []string) {
		t.Helper()
		if diff := cmp.Diff(want, effective(nic)); diff != "" {
			t.Errorf("%s effective routes (-want +got):\n%s", nic, diff)
		}
	}
	wantEffective("nic1", want1)
	wantEffective("nic2", []string{
		"Default Active 0.0.0.0/0 Internet  -",
		"Default Active 10.0.0.0/8 None  -",
		"Default Active 10.1.0.0/16 VnetLocal  -",
		"Default Active 100.64.0.0/10 None  -",
		"Default Active 172.16.0.0/12 None  -",
		"Default Active 192.168.0.0/16 None  -",
	})

	// The wire shape is Azure's: name null for system routes, lists for
	// prefixes and next-hop addresses, a 200 answer.
	r := h.Do(http.MethodPost, l.nic1+"/effectiveRouteTable?api-version=2024-05-01", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("POST effectiveRouteTable: %d %s", r.Status, r.Body)
	}
	var raw struct {
		Value []map[string]any `json:"value"`
	}
	r.Decode(t, &raw)
	if len(raw.Value) != len(want1) {
		t.Fatalf("%d routes, want %d", len(raw.Value), len(want1))
	}
	for _, k := range []string{"name", "source", "state", "addressPrefix", "nextHopType", "nextHopIpAddress", "disableBgpRoutePropagation"} {
		if _, ok := raw.Value[0][k]; !ok {
			t.Errorf("effective route has no %q: %v", k, raw.Value[0])
		}
	}
	if raw.Value[0]["name"] != nil {
		t.Errorf("system route name = %v, want null", raw.Value[0]["name"])
	}
	if hops, _ := raw.Value[0]["nextHopIpAddress"].([]any); hops == nil || len(hops) != 0 {
		t.Errorf("system route nextHopIpAddress = %v, want []", raw.Value[0]["nextHopIpAddress"])
	}

	// A user route edit shows at once.
	if _, err := h.PutRoute(l.rg, "rt1", "inet", armnetwork.Route{Properties: &armnetwork.RoutePropertiesFormat{
		AddressPrefix: to.Ptr("0.0.0.0/0"), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance), NextHopIPAddress: to.Ptr("10.1.1.100")}}); err != nil {
		t.Fatal(err)
	}
	got := effective("nic1")
	if got[0] != "Default Invalid 0.0.0.0/0 Internet  -" || !strings.Contains(strings.Join(got, "\n"), "User Active 0.0.0.0/0 VirtualAppliance 10.1.1.100 inet") {
		t.Errorf("after the 0.0.0.0/0 UDR:\n%s", strings.Join(got, "\n"))
	}

	_, err := nics.BeginGetEffectiveRouteTable(h.Ctx, l.rg, "nope", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceNotFound"})
}

// TestNetworkWatcher_NextHop: Network Watcher's nextHop answers every
// next-hop type, a user route over a system route, the longest prefix, and a
// None route, through the SDK.
func TestNetworkWatcher_NextHop(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := h.routingLab()
	watchers := h.Net.NewWatchersClient()
	// One watcher per region and subscription: this test owns westus2 on
	// the shared plane.
	if _, err := watchers.CreateOrUpdate(h.Ctx, l.rg, "watcher", armnetwork.Watcher{Location: to.Ptr("westus2")}, nil); err != nil {
		t.Fatalf("network watcher: %v", err)
	}
	t.Cleanup(func() {
		// Free westus2 for the next run on this plane (go test -count=N).
		p, err := watchers.BeginDelete(h.Ctx, l.rg, "watcher", nil)
		if err := DeleteLRO(h.Ctx, p, err); err != nil {
			t.Errorf("delete network watcher: %v", err)
		}
	})
	const system = "System Route"
	tests := []struct {
		name, nic, src, dst string
		wantType            armnetwork.NextHopType
		wantIP, wantTable   string
	}{
		{"VnetLocal", l.nic1, "10.1.1.4", "10.1.2.7", armnetwork.NextHopTypeVnetLocal, "", system},
		{"Internet", l.nic1, "10.1.1.4", "8.8.8.8", armnetwork.NextHopTypeInternet, "", system},
		{"VirtualAppliance", l.nic1, "10.1.1.4", "10.50.8.1", armnetwork.NextHopTypeVirtualAppliance, "10.1.1.200", l.rt1},
		{"LongestPrefixNoneOverAppliance", l.nic1, "10.1.1.4", "10.50.7.9", armnetwork.NextHopTypeNone, "", l.rt1},
		{"VirtualNetworkGateway", l.nic1, "10.1.1.4", "172.20.1.1", armnetwork.NextHopTypeVirtualNetworkGateway, "", l.rt1},
		{"SystemNone", l.nic1, "10.1.1.4", "172.16.0.1", armnetwork.NextHopTypeNone, "", system},
		{"UserOverSystemSamePrefix", l.nic1, "10.1.1.4", "10.99.0.1", armnetwork.NextHopTypeVirtualAppliance, "10.1.1.250", l.rt1},
		{"VNetBeatsUserSlash8", l.nic1, "10.1.1.4", "10.1.1.9", armnetwork.NextHopTypeVnetLocal, "", system},
		{"UserInternetInsideSystemNone", l.nic1, "10.1.1.4", "192.168.5.5", armnetwork.NextHopTypeInternet, "", l.rt1},
		{"NoRouteTableSystemNone", l.nic2, "10.1.2.4", "10.99.0.1", armnetwork.NextHopTypeNone, "", system},
		{"NoRouteTableGatewayPrefixIsNone", l.nic2, "10.1.2.4", "172.20.1.1", armnetwork.NextHopTypeNone, "", system},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := watchers.BeginGetNextHop(h.Ctx, l.rg, "watcher", armnetwork.NextHopParameters{
				TargetResourceID: to.Ptr(tt.nic), SourceIPAddress: to.Ptr(tt.src), DestinationIPAddress: to.Ptr(tt.dst)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := PollDone(h.Ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{string(*res.NextHopType), deref(res.NextHopIPAddress), strings.ToLower(deref(res.RouteTableID))}
			want := []string{string(tt.wantType), tt.wantIP, strings.ToLower(tt.wantTable)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("next hop to %s (-want +got):\n%s", tt.dst, diff)
			}
		})
	}

	t.Run("Errors", func(t *testing.T) {
		call := func(p armnetwork.NextHopParameters) error {
			_, err := watchers.BeginGetNextHop(h.Ctx, l.rg, "watcher", p, nil)
			return err
		}
		wantSDKErr(t, call(armnetwork.NextHopParameters{TargetResourceID: to.Ptr(l.nic1), SourceIPAddress: to.Ptr("10.1.1.4"), DestinationIPAddress: to.Ptr("10.300.0.1")}),
			want{Status: http.StatusBadRequest, Code: "InvalidParameter", Target: "destinationIPAddress"})
		wantSDKErr(t, call(armnetwork.NextHopParameters{TargetResourceID: to.Ptr(l.nic1 + "x"), SourceIPAddress: to.Ptr("10.1.1.4"), DestinationIPAddress: to.Ptr("10.1.1.5")}),
			want{Status: http.StatusNotFound, Code: "NotFound"})
		wantSDKErr(t, call(armnetwork.NextHopParameters{TargetResourceID: to.Ptr(l.nic1), TargetNicResourceID: to.Ptr(l.nic2), SourceIPAddress: to.Ptr("10.1.1.4"), DestinationIPAddress: to.Ptr("10.1.1.5")}),
			want{Status: http.StatusBadRequest, Code: "InvalidParameter", Target: "targetNicResourceId"})
		_, err := watchers.BeginGetNextHop(h.Ctx, l.rg, "nowatcher", armnetwork.NextHopParameters{
			TargetResourceID: to.Ptr(l.nic1), SourceIPAddress: to.Ptr("10.1.1.4"), DestinationIPAddress: to.Ptr("10.1.1.5")}, nil)
		wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceNotFound"})
	})
}

// TestNetworkWatcher_Lifecycle: watchers are tracked resources, one per
// region and subscription.
func TestNetworkWatcher_Lifecycle(t *testing.T) {
	h := ownHarness(t, Options{})
	rg := h.NewRG()
	w := h.Net.NewWatchersClient()
	res, err := w.CreateOrUpdate(h.Ctx, rg, "NetworkWatcher_eastus", armnetwork.Watcher{Location: to.Ptr("East US"), Tags: map[string]*string{"a": to.Ptr("b")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if deref(res.Location) != "eastus" || deref(res.Type) != "Microsoft.Network/networkWatchers" || res.Properties == nil || string(*res.Properties.ProvisioningState) != "Succeeded" {
		t.Errorf("watcher = %+v", res)
	}
	if _, err := w.CreateOrUpdate(h.Ctx, rg, "NetworkWatcher_eastus", armnetwork.Watcher{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Errorf("re-PUT of the same watcher: %v", err)
	}
	_, err = w.CreateOrUpdate(h.Ctx, rg, "second", armnetwork.Watcher{Location: to.Ptr("eastus")}, nil)
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "NetworkWatcherCountLimitReached"})
	if _, err := w.CreateOrUpdate(h.Ctx, rg, "NetworkWatcher_westus", armnetwork.Watcher{Location: to.Ptr("westus")}, nil); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, page := range AllPages(h, w.NewListAllPager(nil)) {
		for _, x := range page.Value {
			names = append(names, *x.Name)
		}
	}
	if diff := cmp.Diff([]string{"NetworkWatcher_eastus", "NetworkWatcher_westus"}, names); diff != "" {
		t.Errorf("watchers (-want +got):\n%s", diff)
	}
	dp, err := w.BeginDelete(h.Ctx, rg, "NetworkWatcher_westus", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	_, err = w.Get(h.Ctx, rg, "NetworkWatcher_westus", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceNotFound"})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
