package network

import (
	"net/netip"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/fabric"
)

// The functions in this file create the network resources AKS provisions in
// a cluster's node resource group. They skip the user-facing validation
// because the caller, the cluster provisioner, builds valid resources.

// CreateNSG creates an NSG with only Azure's default rules.
func CreateNSG(c *arm.Call, id, location string) error {
	for _, d := range fabric.DefaultRules() {
		if err := saveSecurityRule(c, id+"/defaultSecurityRules/"+d.Name, TypeDefaultSecurityRule, defaultRuleProps(d)); err != nil {
			return err
		}
	}
	g := armnetwork.SecurityGroup{
		ID: to.Ptr(id), Name: to.Ptr(arm.LastName(id)), Type: to.Ptr(TypeNSG), Location: to.Ptr(location), Etag: to.Ptr(arm.NewETag()),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{ProvisioningState: succeeded(), ResourceGUID: to.Ptr(arm.NewUUID())},
	}
	_, err := renderNSG(c, &g)
	return err
}

// CreateRouteTable creates an empty route table.
func CreateRouteTable(c *arm.Call, id, location string) error {
	rt := armnetwork.RouteTable{
		ID: to.Ptr(id), Name: to.Ptr(arm.LastName(id)), Type: to.Ptr(TypeRouteTable), Location: to.Ptr(location), Etag: to.Ptr(arm.NewETag()),
		Properties: &armnetwork.RouteTablePropertiesFormat{DisableBgpRoutePropagation: to.Ptr(false), ProvisioningState: succeeded(), ResourceGUID: to.Ptr(arm.NewUUID())},
	}
	_, err := renderRouteTable(c, &rt)
	return err
}

// CreateManagedVNet creates a VNet with one subnet, as AKS does for a
// cluster that brings no subnet.
func CreateManagedVNet(c *arm.Call, vnetID, subnetID, location string, space, subnet netip.Prefix) error {
	s := armnetwork.Subnet{
		ID: to.Ptr(subnetID), Name: to.Ptr(arm.LastName(subnetID)), Type: to.Ptr(TypeSubnet), Etag: to.Ptr(arm.NewETag()),
		Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(subnet.String()), ProvisioningState: succeeded(),
			PrivateEndpointNetworkPolicies:    to.Ptr(armnetwork.VirtualNetworkPrivateEndpointNetworkPoliciesDisabled),
			PrivateLinkServiceNetworkPolicies: to.Ptr(armnetwork.VirtualNetworkPrivateLinkServiceNetworkPoliciesEnabled),
			IPConfigurations:                  []*armnetwork.IPConfiguration{}},
	}
	if err := c.Save(subnetID, s); err != nil {
		return err
	}
	v := armnetwork.VirtualNetwork{
		ID: to.Ptr(vnetID), Name: to.Ptr(arm.LastName(vnetID)), Type: to.Ptr(TypeVirtualNetwork), Location: to.Ptr(location), Etag: to.Ptr(arm.NewETag()),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace:      &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(space.String())}},
			ProvisioningState: succeeded(), ResourceGUID: to.Ptr(arm.NewUUID()), EnableDdosProtection: to.Ptr(false),
		},
	}
	_, err := renderVirtualNetwork(c, &v)
	return err
}

// DeleteRoute removes route name from table rtID; the caller renders.
func DeleteRoute(c *arm.Call, rtID, name string) error {
	return c.Delete(rtID+"/routes/"+name, rtID)
}
