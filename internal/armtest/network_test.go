package armtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func subnetIDs(ss []*armnetwork.Subnet) []string {
	return names(ss, func(s *armnetwork.Subnet) *string { return s.ID })
}

func TestVirtualNetwork_InlineAndChildSubnets(t *testing.T) {
	h, rg := parallelRG(t)
	vnets, subnets := h.Net.NewVirtualNetworksClient(), h.Net.NewSubnetsClient()

	ctx, resp := captured(h.Ctx)
	p, err := vnets.BeginCreateOrUpdate(ctx, rg, "vnet1", VNetBody("192.168.0.0/16", "s1=192.168.1.0/24", "s2=192.168.2.0/24"), nil)
	answered(t, "create", resp, err, http.StatusCreated)
	v := untilDone(t, h.Ctx, p).VirtualNetwork
	vid := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet1"
	if *v.ID != vid || *v.Location != "eastus" || v.Etag == nil || *v.Etag == "" || *v.Properties.ProvisioningState != armnetwork.ProvisioningStateSucceeded {
		t.Errorf("vnet %s location %s etag %v state %s", *v.ID, *v.Location, v.Etag, *v.Properties.ProvisioningState)
	}
	if got, want := subnetIDs(v.Properties.Subnets), []string{vid + "/subnets/s1", vid + "/subnets/s2"}; !slices.Equal(got, want) {
		t.Errorf("inline subnets %v, want %v", got, want)
	}
	for _, s := range v.Properties.Subnets {
		if s.Properties == nil || s.Properties.AddressPrefix == nil || *s.Properties.ProvisioningState != armnetwork.ProvisioningStateSucceeded || s.Etag == nil {
			t.Errorf("inline subnet %s incomplete: %+v", *s.ID, s.Properties)
		}
	}

	// A subnet as a child resource joins the VNet's inline list.
	ctx, resp = captured(h.Ctx)
	sp, err := subnets.BeginCreateOrUpdate(ctx, rg, "vnet1", "s3", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("192.168.3.0/24")}}, nil)
	answered(t, "subnet create", resp, err, http.StatusCreated)
	s3 := untilDone(t, h.Ctx, sp)
	if *s3.ID != vid+"/subnets/s3" || *s3.Properties.AddressPrefix != "192.168.3.0/24" || *s3.Type != "Microsoft.Network/virtualNetworks/subnets" {
		t.Errorf("child subnet %s %s %s", *s3.ID, *s3.Properties.AddressPrefix, *s3.Type)
	}
	got, err := vnets.Get(h.Ctx, rg, "vnet1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := subnetIDs(got.Properties.Subnets); len(ids) != 3 || !slices.Contains(ids, vid+"/subnets/s3") {
		t.Errorf("VNet lists subnets %v, want s1, s2 and s3", ids)
	}
	var listed []string
	for _, page := range AllPages(h, subnets.NewListPager(rg, "vnet1", nil)) {
		listed = append(listed, subnetIDs(page.Value)...)
	}
	if len(listed) != 3 {
		t.Errorf("subnet list %v, want 3", listed)
	}

	// Deleting a child subnet removes it from the VNet.
	dp, err := subnets.BeginDelete(h.Ctx, rg, "vnet1", "s2", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	got, _ = vnets.Get(h.Ctx, rg, "vnet1", nil)
	if ids := subnetIDs(got.Properties.Subnets); slices.Contains(ids, vid+"/subnets/s2") || len(ids) != 2 {
		t.Errorf("after deleting s2 the VNet lists %v", ids)
	}
	_, err = subnets.Get(h.Ctx, rg, "vnet1", "s2", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "NotFound", Mentions: []string{"s2"}})

	// As in Azure, a VNet PUT's subnets are the complete set.
	if _, err := h.PutVNet(rg, "vnet1", VNetBody("192.168.0.0/16", "s1=192.168.1.0/24")); err != nil {
		t.Fatal(err)
	}
	if h.Exists(vid + "/subnets/s3") {
		t.Error("subnet s3, left out of the VNet PUT, still exists")
	}
	// A missing parent is named.
	_, err = h.PutSubnet(rg, "nope", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.0.0.0/24")}})
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ParentResourceNotFound", Mentions: []string{"nope"}})
}

func TestVirtualNetwork_LayoutRules(t *testing.T) {
	h, rg := parallelRG(t)
	base := h.VNet(rg, "vnet1", "10.1.0.0/16", "a=10.1.0.0/24", "b=10.1.1.0/24")
	vid := *base.ID

	tooSmall := want{Status: http.StatusBadRequest, Code: "NetcfgInvalidSubnet", Mentions: []string{"10.1.9.0/30", "/29"}}
	inline := []struct {
		name string
		body armnetwork.VirtualNetwork
		want want
	}{
		{"overlap", VNetBody("10.1.0.0/16", "a=10.1.0.0/24", "b=10.1.0.128/25"),
			want{http.StatusBadRequest, "NetcfgSubnetRangesOverlap", "properties.subnets[1].properties.addressPrefix", []string{"10.1.0.128/25", "'a'", "10.1.0.0/24"}}},
		{"outside", VNetBody("10.1.0.0/16", "a=10.1.0.0/24", "c=10.2.0.0/24"),
			want{http.StatusBadRequest, "NetcfgSubnetRangeOutsideVnet", "properties.subnets[1].properties.addressPrefix", []string{"10.2.0.0/24", "10.1.0.0/16"}}},
		{"host bits", VNetBody("10.1.0.0/16", "a=10.1.0.1/24"),
			want{http.StatusBadRequest, "InvalidCIDRNotation", "properties.subnets[0].properties.addressPrefix", []string{"10.1.0.1/24"}}},
		{"slash 30", VNetBody("10.1.0.0/16", "a=10.1.0.0/24", "d=10.1.9.0/30"),
			want{tooSmall.Status, tooSmall.Code, "properties.subnets[1].properties.addressPrefix", tooSmall.Mentions}},
		{"space host bits", VNetBody("10.1.0.1/16"),
			want{http.StatusBadRequest, "InvalidCIDRNotation", "properties.addressSpace.addressPrefixes[0]", []string{"10.1.0.1/16"}}},
		// The network RP's code for a prefix that is not CIDR notation
		// (Azure/azure-service-operator#997: subnet prefix "10.1.0.0" gets
		// InvalidAddressPrefixFormat; hashicorp/terraform-provider-azurerm
		// reports it for an address space of 10.0.0.0/160).
		{"not a CIDR", VNetBody("10.1.0.0/16", "a=10.1.0/24"),
			want{http.StatusBadRequest, "InvalidAddressPrefixFormat", "properties.subnets[0].properties.addressPrefix", []string{"10.1.0/24", "CIDR notation"}}},
		{"no prefix length", VNetBody("10.1.0.0/16", "a=10.1.0.0"),
			want{http.StatusBadRequest, "InvalidAddressPrefixFormat", "properties.subnets[0].properties.addressPrefix", []string{"10.1.0.0"}}},
		{"space out of range", VNetBody("10.0.0.0/160"),
			want{http.StatusBadRequest, "InvalidAddressPrefixFormat", "properties.addressSpace.addressPrefixes[0]", []string{"10.0.0.0/160"}}},
	}
	for _, tc := range inline {
		t.Run("inline "+tc.name, func(t *testing.T) {
			// On a new VNet nothing is created; on the existing one nothing changes.
			before := h.Snapshot(vid, vid+"/subnets/a", vid+"/subnets/b")
			_, err := h.PutVNet(rg, "vnet1", tc.body)
			wantSDKErr(t, err, tc.want)
			h.Unchanged(before)
			_, err = h.PutVNet(rg, "vnet2", tc.body)
			wantSDKErr(t, err, tc.want)
			if h.Exists(h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet2") {
				t.Error("a refused VNet was created")
			}
		})
	}

	child := []struct {
		name, prefix string
		want         want
	}{
		{"overlap", "10.1.1.64/26", want{http.StatusBadRequest, "NetcfgSubnetRangesOverlap", "properties.addressPrefix", []string{"10.1.1.64/26", "'b'"}}},
		{"outside", "10.200.0.0/24", want{http.StatusBadRequest, "NetcfgSubnetRangeOutsideVnet", "properties.addressPrefix", []string{"10.200.0.0/24", "vnet1"}}},
		{"partly outside", "10.0.0.0/15", want{http.StatusBadRequest, "NetcfgSubnetRangeOutsideVnet", "properties.addressPrefix", []string{"10.0.0.0/15"}}},
		{"host bits", "10.1.2.5/24", want{http.StatusBadRequest, "InvalidCIDRNotation", "properties.addressPrefix", []string{"10.1.2.5/24"}}},
		{"not a CIDR", "10.1.2.0", want{http.StatusBadRequest, "InvalidAddressPrefixFormat", "properties.addressPrefix", []string{"10.1.2.0"}}},
		{"slash 30", "10.1.9.0/30", want{tooSmall.Status, tooSmall.Code, "properties.addressPrefix", tooSmall.Mentions}},
		{"slash 32", "10.1.9.0/32", want{tooSmall.Status, tooSmall.Code, "properties.addressPrefix", []string{"10.1.9.0/32"}}},
	}
	for _, tc := range child {
		t.Run("child "+tc.name, func(t *testing.T) {
			before := h.Snapshot(vid, vid+"/subnets/a", vid+"/subnets/b")
			_, err := h.PutSubnet(rg, "vnet1", "c", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(tc.prefix)}})
			wantSDKErr(t, err, tc.want)
			h.Unchanged(before)
			if h.Exists(vid + "/subnets/c") {
				t.Error("a refused subnet was created")
			}
			// Updating an existing subnet into the bad range is refused too.
			_, err = h.PutSubnet(rg, "vnet1", "a", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(tc.prefix)}})
			wantSDKErr(t, err, want{Status: tc.want.Status, Code: tc.want.Code})
			h.Unchanged(before)
		})
	}

	// The smallest subnet, a /29, is accepted, both ways.
	if _, err := h.PutSubnet(rg, "vnet1", "tiny", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.1.9.0/29")}}); err != nil {
		t.Errorf("/29 child subnet refused: %v", err)
	}
	if _, err := h.PutVNet(rg, "vnet3", VNetBody("10.3.0.0/16", "tiny=10.3.0.8/29")); err != nil {
		t.Errorf("/29 inline subnet refused: %v", err)
	}
}

func TestSubnet_AssociationsAndReadOnlyEcho(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.4.0.0/16", "s1=10.4.1.0/24")
	sid := *v.Properties.Subnets[0].ID
	rt, nsg := h.tableAndNSG(rg, "rt1", "nsg1")

	// Associate through the child resource, as az network vnet subnet update does.
	s, err := h.PutSubnet(rg, "vnet1", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix:        to.Ptr("10.4.1.0/24"),
		RouteTable:           &armnetwork.RouteTable{ID: rt.ID},
		NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if *s.Properties.RouteTable.ID != *rt.ID || *s.Properties.NetworkSecurityGroup.ID != *nsg.ID {
		t.Errorf("subnet links rt %s nsg %s", *s.Properties.RouteTable.ID, *s.Properties.NetworkSecurityGroup.ID)
	}
	gotRT, err := h.Net.NewRouteTablesClient().Get(h.Ctx, rg, "rt1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := subnetIDs(gotRT.Properties.Subnets); !slices.Equal(ids, []string{sid}) {
		t.Errorf("route table lists subnets %v, want [%s]", ids, sid)
	}
	gotNSG, err := h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := subnetIDs(gotNSG.Properties.Subnets); !slices.Equal(ids, []string{sid}) {
		t.Errorf("NSG lists subnets %v, want [%s]", ids, sid)
	}
	gotV, _ := h.Net.NewVirtualNetworksClient().Get(h.Ctx, rg, "vnet1", nil)
	if in := gotV.Properties.Subnets[0]; in.Properties.RouteTable == nil || *in.Properties.RouteTable.ID != *rt.ID {
		t.Errorf("VNet's inline subnet lost its route table: %+v", in.Properties)
	}

	// Links by a lower-cased id are stored canonical.
	lowerRT := h.RGID(rg) + "/providers/microsoft.network/routetables/RT1"
	s, err = h.PutSubnet(rg, "vnet1", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix: to.Ptr("10.4.1.0/24"), RouteTable: &armnetwork.RouteTable{ID: to.Ptr(lowerRT)}, NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if *s.Properties.RouteTable.ID != *rt.ID {
		t.Errorf("route table link %s, want canonical %s", *s.Properties.RouteTable.ID, *rt.ID)
	}

	// Bad links are refused and change nothing.
	bad := []struct {
		name string
		rt   string
		want want
	}{
		{"missing table", h.RGID(rg) + "/providers/Microsoft.Network/routeTables/nope",
			want{http.StatusBadRequest, "InvalidResourceReference", "properties.routeTable.id", []string{"routeTables/nope"}}},
		{"not an id", "rt1",
			want{http.StatusBadRequest, "LinkedInvalidPropertyId", "properties.routeTable.id", []string{"'rt1'"}}},
		{"wrong type", *nsg.ID,
			want{http.StatusBadRequest, "LinkedInvalidPropertyId", "properties.routeTable.id", []string{*nsg.ID}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := h.Snapshot(sid, *v.ID, *rt.ID, *nsg.ID)
			_, err := h.PutSubnet(rg, "vnet1", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
				AddressPrefix: to.Ptr("10.4.1.0/24"), RouteTable: &armnetwork.RouteTable{ID: to.Ptr(tc.rt)},
			}})
			wantSDKErr(t, err, tc.want)
			h.Unchanged(before)
		})
	}

	// GET a subnet and PUT it back unchanged, read-only fields and all: the
	// SDK's model and az's raw JSON.
	sub, err := h.Net.NewSubnetsClient().Get(h.Ctx, rg, "vnet1", "s1", nil)
	if err != nil {
		t.Fatal(err)
	}
	echo, err := h.PutSubnet(rg, "vnet1", "s1", sub.Subnet)
	if err != nil {
		t.Fatalf("PUT of a GET subnet refused: %v", err)
	}
	if *echo.Properties.RouteTable.ID != *rt.ID || *echo.Properties.NetworkSecurityGroup.ID != *nsg.ID || *echo.Properties.AddressPrefix != "10.4.1.0/24" {
		t.Errorf("echo PUT changed the subnet: %+v", echo.Properties)
	}
	raw := h.Get(sid)
	r := h.Do(http.MethodPut, sid+"?api-version=2022-01-01", raw)
	if r.Status != http.StatusOK {
		t.Fatalf("raw echo PUT: %d %s", r.Status, r.Body)
	}
	var after armnetwork.Subnet
	r.Decode(t, &after)
	var orig armnetwork.Subnet
	_ = json.Unmarshal(raw, &orig)
	if *after.Etag == *orig.Etag {
		t.Error("echo PUT kept the ETag; a write must change it")
	}
	// The same for a whole VNet.
	vraw := h.Get(*v.ID)
	if r := h.Do(http.MethodPut, *v.ID+"?api-version=2022-01-01", vraw); r.Status != http.StatusOK {
		t.Fatalf("VNet echo PUT: %d %s", r.Status, r.Body)
	}
	gotV, _ = h.Net.NewVirtualNetworksClient().Get(h.Ctx, rg, "vnet1", nil)
	if in := gotV.Properties.Subnets[0]; in.Properties.RouteTable == nil || *in.Properties.RouteTable.ID != *rt.ID || *in.Properties.NetworkSecurityGroup.ID != *nsg.ID {
		t.Errorf("VNet echo PUT lost the subnet's links: %+v", in.Properties)
	}

	// Dropping the links frees the table and the NSG.
	if _, err := h.PutSubnet(rg, "vnet1", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.4.1.0/24")}}); err != nil {
		t.Fatal(err)
	}
	gotRT, _ = h.Net.NewRouteTablesClient().Get(h.Ctx, rg, "rt1", nil)
	gotNSG, _ = h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg1", nil)
	if len(gotRT.Properties.Subnets) != 0 || len(gotNSG.Properties.Subnets) != 0 {
		t.Errorf("after unlinking: route table subnets %v, NSG subnets %v", subnetIDs(gotRT.Properties.Subnets), subnetIDs(gotNSG.Properties.Subnets))
	}
	dp, err := h.Net.NewRouteTablesClient().BeginDelete(h.Ctx, rg, "rt1", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Errorf("delete unlinked route table: %v", err)
	}
	np, err := h.Net.NewSecurityGroupsClient().BeginDelete(h.Ctx, rg, "nsg1", nil)
	if err := DeleteLRO(h.Ctx, np, err); err != nil {
		t.Errorf("delete unlinked NSG: %v", err)
	}
}

func TestVirtualNetwork_DeleteReleasesLinks(t *testing.T) {
	h, rg := parallelRG(t)
	rt, nsg := h.tableAndNSG(rg, "rt1", "nsg1")
	linked := func(name, prefix string) *armnetwork.Subnet {
		return &armnetwork.Subnet{Name: to.Ptr(name), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(prefix),
			RouteTable: &armnetwork.RouteTable{ID: rt.ID}, NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID}}}
	}
	body := VNetBody("10.6.0.0/16")
	body.Properties.Subnets = []*armnetwork.Subnet{linked("s1", "10.6.1.0/24"), linked("s2", "10.6.2.0/24")}
	v, err := h.PutVNet(rg, "vnet1", body)
	if err != nil {
		t.Fatal(err)
	}
	links := func() (rtSubnets, nsgSubnets []string) {
		t.Helper()
		r, err := h.Net.NewRouteTablesClient().Get(h.Ctx, rg, "rt1", nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg1", nil)
		if err != nil {
			t.Fatal(err)
		}
		return subnetIDs(r.Properties.Subnets), subnetIDs(g.Properties.Subnets)
	}
	if r, g := links(); len(r) != 2 || len(g) != 2 {
		t.Fatalf("route table lists %v, NSG lists %v; want both subnets", r, g)
	}
	// Deleting one subnet drops it from both lists.
	dp, err := h.Net.NewSubnetsClient().BeginDelete(h.Ctx, rg, "vnet1", "s2", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	if r, g := links(); !slices.Equal(r, []string{*v.ID + "/subnets/s1"}) || !slices.Equal(g, r) {
		t.Errorf("after deleting s2: route table lists %v, NSG lists %v", r, g)
	}
	// Deleting the VNet drops its subnets from both lists.
	vp, err := h.Net.NewVirtualNetworksClient().BeginDelete(h.Ctx, rg, "vnet1", nil)
	if err := DeleteLRO(h.Ctx, vp, err); err != nil {
		t.Fatal(err)
	}
	if r, g := links(); len(r) != 0 || len(g) != 0 {
		t.Errorf("after deleting the VNet: route table lists %v, NSG lists %v", r, g)
	}
}
