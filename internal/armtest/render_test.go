package armtest

import (
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// A VNet inlines its subnets and a route table its routes as they are
// stored, without decoding them again. The documents must still be exactly
// the SDK model's encoding of themselves, byte for byte: the same fields, in
// the same order, as when the children were decoded and encoded.
func TestRender_ParentsAreTheSDKModelsEncoding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rg := h.newRG()
	rt, err := h.putRouteTable(rg, "rt1", armnetwork.RouteTable{
		Tags: map[string]*string{"subnets": to.Ptr(`"routes":[]`)},
		Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{
			{Name: to.Ptr("r1"), Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "10.240.0.4")},
			{Name: to.Ptr("r2"), Properties: route("10.244.1.0/24", armnetwork.RouteNextHopTypeVnetLocal, "")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.putRoute(rg, "rt1", "r3", armnetwork.Route{Properties: route("10.244.2.0/24", armnetwork.RouteNextHopTypeNone, "")}); err != nil {
		t.Fatal(err)
	}
	nsg, err := h.putNSG(rg, "nsg1", armnetwork.SecurityGroup{})
	if err != nil {
		t.Fatal(err)
	}
	v := vnetBody("10.240.0.0/16", "s1=10.240.0.0/24", "s2=10.240.1.0/24")
	v.Tags = map[string]*string{"routes": to.Ptr(`"subnets":[]`)}
	v.Properties.Subnets[0].Properties.RouteTable = &armnetwork.RouteTable{ID: rt.ID}
	v.Properties.Subnets[1].Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: nsg.ID}
	vn, err := h.putVNet(rg, "vnet1", v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.putSubnet(rg, "vnet1", "s3", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.240.2.0/24")}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id    string
		model any
	}{
		{*vn.ID, &armnetwork.VirtualNetwork{}},
		{*rt.ID, &armnetwork.RouteTable{}},
	} {
		got := h.get(tc.id)
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
	_ = json.Unmarshal(h.get(*vn.ID), &gotV)
	if n := len(gotV.Properties.Subnets); n != 3 {
		t.Errorf("VNet lists %d subnets, want 3", n)
	}
	var gotRT armnetwork.RouteTable
	_ = json.Unmarshal(h.get(*rt.ID), &gotRT)
	if n, s := len(gotRT.Properties.Routes), len(gotRT.Properties.Subnets); n != 3 || s != 1 {
		t.Errorf("route table lists %d routes and %d subnets, want 3 and 1", n, s)
	}
}
