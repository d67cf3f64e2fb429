package armtest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func TestNetworkInterfaces_DynamicIPs(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.20.0.0/16", "s1=10.20.1.0/24")
	sid := *v.Properties.Subnets[0].ID

	var ips []string
	for _, n := range []string{"nic1", "nic2", "nic3"} {
		nic, err := h.PutNIC(rg, n, sid)
		if err != nil {
			t.Fatal(err)
		}
		ipc := nic.Properties.IPConfigurations[0]
		if *ipc.Properties.Subnet.ID != sid || *ipc.Properties.PrivateIPAllocationMethod != armnetwork.IPAllocationMethodDynamic || *ipc.ID != *nic.ID+"/ipConfigurations/ipconfig1" {
			t.Errorf("%s ip configuration %s: subnet %s method %s", n, *ipc.ID, *ipc.Properties.Subnet.ID, *ipc.Properties.PrivateIPAllocationMethod)
		}
		ips = append(ips, *ipc.Properties.PrivateIPAddress)
	}
	// .0–.3 and the broadcast address are Azure's: the first NIC gets .4.
	if want := []string{"10.20.1.4", "10.20.1.5", "10.20.1.6"}; !slices.Equal(ips, want) {
		t.Errorf("NIC addresses %v, want %v", ips, want)
	}
	// A re-PUT keeps the address.
	nic, err := h.PutNIC(rg, "nic2", sid)
	if err != nil {
		t.Fatal(err)
	}
	if ip := *nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress; ip != "10.20.1.5" {
		t.Errorf("re-PUT moved nic2 to %s", ip)
	}
	s, err := h.Net.NewSubnetsClient().Get(h.Ctx, rg, "vnet1", "s1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ipcs := names(s.Properties.IPConfigurations, func(c *armnetwork.IPConfiguration) *string { return c.ID })
	if len(ipcs) != 3 || !slices.Contains(ipcs, *nic.ID+"/ipConfigurations/ipconfig1") {
		t.Errorf("subnet lists ip configurations %v", ipcs)
	}
	// A freed address is reused first.
	dp, err := h.Net.NewInterfacesClient().BeginDelete(h.Ctx, rg, "nic1", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	nic, err = h.PutNIC(rg, "nic4", sid)
	if err != nil {
		t.Fatal(err)
	}
	if ip := *nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress; ip != "10.20.1.4" {
		t.Errorf("NIC after freeing .4 got %s", ip)
	}
	// A NIC in a missing subnet is refused.
	_, err = h.PutNIC(rg, "nic5", *v.ID+"/subnets/nope")
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "InvalidResourceReference", Target: "properties.ipConfigurations[0].properties.subnet.id", Mentions: []string{"subnets/nope"}})
}

func TestInUse_ResourcesCannotBeDeleted(t *testing.T) {
	h, rg := parallelRG(t)
	rt, nsg := h.tableAndNSG(rg, "rt1", "nsg1")
	nicNSG, err := h.PutNSG(rg, "nsg-nic", armnetwork.SecurityGroup{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.PutVNet(rg, "vnet1", armnetwork.VirtualNetwork{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr("10.30.0.0/16")}},
			Subnets: []*armnetwork.Subnet{
				{Name: to.Ptr("nodes"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.30.1.0/24"),
					RouteTable: &armnetwork.RouteTable{ID: rt.ID}, NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID}}},
				{Name: to.Ptr("spare"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.30.2.0/24")}},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sid := *v.ID + "/subnets/nodes"
	nic, err := h.PutNIC(rg, "nic1", sid)
	if err != nil {
		t.Fatal(err)
	}
	// The NIC's own NSG link counts too.
	np, err := h.Net.NewInterfacesClient().BeginCreateOrUpdate(h.Ctx, rg, "nic2", armnetwork.Interface{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.InterfacePropertiesFormat{
			NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nicNSG.ID},
			IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{Name: to.Ptr("ipconfig1"),
				Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{Subnet: &armnetwork.Subnet{ID: to.Ptr(*v.ID + "/subnets/spare")}}}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	nic2, err := PollDone(h.Ctx, np)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg-nic", nil); len(g.Properties.NetworkInterfaces) != 1 || *g.Properties.NetworkInterfaces[0].ID != *nic2.ID {
		t.Errorf("NSG does not list its NIC: %+v", g.Properties.NetworkInterfaces)
	}

	all := []string{*v.ID, sid, *rt.ID, *nsg.ID, *nicNSG.ID, *nic.ID, *nic2.ID}
	cases := []struct {
		name   string
		delete func() error
		want   want
	}{
		{"subnet with a NIC", func() error {
			p, err := h.Net.NewSubnetsClient().BeginDelete(h.Ctx, rg, "vnet1", "nodes", nil)
			return DeleteLRO(h.Ctx, p, err)
		}, want{http.StatusBadRequest, "InUseSubnetCannotBeDeleted", "", []string{"nodes", *nic.ID}}},
		{"VNet whose subnet has a NIC", func() error {
			p, err := h.Net.NewVirtualNetworksClient().BeginDelete(h.Ctx, rg, "vnet1", nil)
			return DeleteLRO(h.Ctx, p, err)
		}, want{http.StatusBadRequest, "InUseSubnetCannotBeDeleted", "", []string{"nodes"}}},
		{"subnet left out of a VNet PUT", func() error {
			_, err := h.PutVNet(rg, "vnet1", VNetBody("10.30.0.0/16", "spare=10.30.2.0/24"))
			return err
		}, want{http.StatusBadRequest, "InUseSubnetCannotBeDeleted", "", []string{"nodes"}}},
		{"route table of a subnet", func() error {
			p, err := h.Net.NewRouteTablesClient().BeginDelete(h.Ctx, rg, "rt1", nil)
			return DeleteLRO(h.Ctx, p, err)
		}, want{http.StatusBadRequest, "InUseRouteTableCannotBeDeleted", "", []string{"rt1", sid}}},
		{"NSG of a subnet", func() error {
			p, err := h.Net.NewSecurityGroupsClient().BeginDelete(h.Ctx, rg, "nsg1", nil)
			return DeleteLRO(h.Ctx, p, err)
		}, want{http.StatusBadRequest, "InUseNetworkSecurityGroupCannotBeDeleted", "", []string{"nsg1", sid}}},
		{"NSG of a NIC", func() error {
			p, err := h.Net.NewSecurityGroupsClient().BeginDelete(h.Ctx, rg, "nsg-nic", nil)
			return DeleteLRO(h.Ctx, p, err)
		}, want{http.StatusBadRequest, "InUseNetworkSecurityGroupCannotBeDeleted", "", []string{"nsg-nic", *nic2.ID}}},
		{"prefix change of a subnet with a NIC", func() error {
			_, err := h.PutSubnet(rg, "vnet1", "nodes", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.30.1.0/25"),
				RouteTable: &armnetwork.RouteTable{ID: rt.ID}, NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID}}})
			return err
		}, want{http.StatusBadRequest, "InUseSubnetCannotBeUpdated", "properties.addressPrefix", []string{"10.30.1.0/25", *nic.ID}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := h.Snapshot(all...)
			wantSDKErr(t, tc.delete(), tc.want)
			h.Unchanged(before)
		})
	}

	// Once the NICs are gone the subnet, and then the table and NSGs, go too.
	for _, n := range []string{"nic1", "nic2"} {
		p, err := h.Net.NewInterfacesClient().BeginDelete(h.Ctx, rg, n, nil)
		if err := DeleteLRO(h.Ctx, p, err); err != nil {
			t.Fatal(err)
		}
	}
	p, err := h.Net.NewSubnetsClient().BeginDelete(h.Ctx, rg, "vnet1", "nodes", nil)
	if err := DeleteLRO(h.Ctx, p, err); err != nil {
		t.Fatalf("delete of a free subnet: %v", err)
	}
	for _, del := range []func() error{
		func() error {
			p, err := h.Net.NewRouteTablesClient().BeginDelete(h.Ctx, rg, "rt1", nil)
			return DeleteLRO(h.Ctx, p, err)
		},
		func() error {
			p, err := h.Net.NewSecurityGroupsClient().BeginDelete(h.Ctx, rg, "nsg1", nil)
			return DeleteLRO(h.Ctx, p, err)
		},
		func() error {
			p, err := h.Net.NewSecurityGroupsClient().BeginDelete(h.Ctx, rg, "nsg-nic", nil)
			return DeleteLRO(h.Ctx, p, err)
		},
	} {
		if err := del(); err != nil {
			t.Errorf("delete after unlinking: %v", err)
		}
	}
	for _, id := range []string{sid, *rt.ID, *nsg.ID, *nicNSG.ID} {
		if h.Exists(id) {
			t.Errorf("%s still exists", id)
		}
	}
}
