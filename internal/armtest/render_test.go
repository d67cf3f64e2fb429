package armtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// A VNet inlines its subnets and a route table its routes as they are
// stored, without decoding them again. The documents must still be exactly
// the SDK model's encoding of themselves, byte for byte: the same fields, in
// the same order, as when the children were decoded and encoded.
func TestRender_ParentsAreTheSDKModelsEncoding(t *testing.T) {
	h, rg := parallelRG(t)
	rt, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{
		Tags: map[string]*string{"subnets": to.Ptr(`"routes":[]`)},
		Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{
			{Name: to.Ptr("r1"), Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "10.240.0.4")},
			{Name: to.Ptr("r2"), Properties: route("10.244.1.0/24", armnetwork.RouteNextHopTypeVnetLocal, "")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.PutRoute(rg, "rt1", "r3", armnetwork.Route{Properties: route("10.244.2.0/24", armnetwork.RouteNextHopTypeNone, "")}); err != nil {
		t.Fatal(err)
	}
	nsg, err := h.PutNSG(rg, "nsg1", armnetwork.SecurityGroup{})
	if err != nil {
		t.Fatal(err)
	}
	v := VNetBody("10.240.0.0/16", "s1=10.240.0.0/24", "s2=10.240.1.0/24")
	v.Tags = map[string]*string{"routes": to.Ptr(`"subnets":[]`)}
	v.Properties.Subnets[0].Properties.RouteTable = &armnetwork.RouteTable{ID: rt.ID}
	v.Properties.Subnets[1].Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: nsg.ID}
	vn, err := h.PutVNet(rg, "vnet1", v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.PutSubnet(rg, "vnet1", "s3", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.240.2.0/24")}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id    string
		model any
	}{
		{*vn.ID, &armnetwork.VirtualNetwork{}},
		{*rt.ID, &armnetwork.RouteTable{}},
	} {
		got := h.Get(tc.id)
		if err := json.Unmarshal(got, tc.model); err != nil {
			t.Fatalf("decode %s: %v", tc.id, err)
		}
		want, err := json.Marshal(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("GET %s:\n got %s\nwant %s", tc.id, got, want)
		}
	}
	var gotV armnetwork.VirtualNetwork
	_ = json.Unmarshal(h.Get(*vn.ID), &gotV)
	if n := len(gotV.Properties.Subnets); n != 3 {
		t.Errorf("VNet lists %d subnets, want 3", n)
	}
	var gotRT armnetwork.RouteTable
	_ = json.Unmarshal(h.Get(*rt.ID), &gotRT)
	if n, s := len(gotRT.Properties.Routes), len(gotRT.Properties.Subnets); n != 3 || s != 1 {
		t.Errorf("route table lists %d routes and %d subnets, want 3 and 1", n, s)
	}
}

// PUTs run outside the store's serial commit, against a snapshot, and commit
// only if nothing they read has changed meanwhile. Concurrent PUTs that read
// and render the same parent must still come out as in some serial order:
// every subnet listed in its VNet, every route in its table, and a route
// limit that no interleaving gets past.
func TestConcurrentPuts_AreSerializable(t *testing.T) {
	t.Parallel()
	const limit, clients = 5, 16
	h := ownHarness(t, Options{MaxRoutesPerTable: limit})
	rg := h.NewRG()
	h.VNet(rg, "vnet1", "10.0.0.0/8")
	if _, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, refused := 0, 0
	for i := range clients {
		wg.Add(2)
		go func() {
			defer wg.Done()
			s := armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(fmt.Sprintf("10.%d.0.0/16", i))}}
			if _, err := h.PutSubnet(rg, "vnet1", fmt.Sprintf("s%02d", i), s); err != nil {
				t.Errorf("subnet %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			_, err := h.PutRoute(rg, "rt1", fmt.Sprintf("r%02d", i), armnetwork.Route{Properties: route(fmt.Sprintf("10.244.%d.0/24", i), armnetwork.RouteNextHopTypeNone, "")})
			mu.Lock()
			defer mu.Unlock()
			var re *azcore.ResponseError
			switch {
			case err == nil:
				created++
			case errors.As(err, &re) && re.ErrorCode == "RoutesPerRouteTableLimitExceeded":
				refused++
			default:
				t.Errorf("route %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if created != limit || refused != clients-limit {
		t.Errorf("%d routes created and %d refused, want %d and %d", created, refused, limit, clients-limit)
	}
	var v armnetwork.VirtualNetwork
	if err := json.Unmarshal(h.Get(h.RGID(rg)+"/providers/Microsoft.Network/virtualNetworks/vnet1"), &v); err != nil {
		t.Fatal(err)
	}
	if n := len(v.Properties.Subnets); n != clients {
		t.Errorf("VNet lists %d subnets, want %d", n, clients)
	}
	var rt armnetwork.RouteTable
	if err := json.Unmarshal(h.Get(h.RGID(rg)+"/providers/Microsoft.Network/routeTables/rt1"), &rt); err != nil {
		t.Fatal(err)
	}
	if n := len(rt.Properties.Routes); n != limit {
		t.Errorf("route table lists %d routes, want %d", n, limit)
	}
}
