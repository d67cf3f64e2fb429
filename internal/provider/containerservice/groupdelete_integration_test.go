package containerservice_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"

	"github.com/aksnet/aksnet/internal/armtest"
)

// `az group delete` of the article's group: ARM deletes the group's
// resources in dependency order, the cluster (its node resource group, NICs
// and routes) before the VNet its nodes use, the VNet before the route table
// and NSG its subnets use, and the role assignments at and under the group
// with them. Today's teardown scripts depend on it (issue 17; before, the
// VNet came first and the delete failed with InUseSubnetCannotBeDeleted).
func TestGroupDelete_CascadesInDependencyOrder(t *testing.T) {
	h := newHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg) // a VNet, an identity with Network Contributor on it
	rt := h.routeTable(rg, "custom-rt")
	nsg, err := h.PutNSG(rg, "nsg", armnetwork.SecurityGroup{})
	if err != nil {
		t.Fatal(err)
	}
	// A second subnet using the route table and the NSG.
	if _, err := h.PutSubnet(rg, "myAKSVnet", "other", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix: to.Ptr("192.168.2.0/24"), RouteTable: &armnetwork.RouteTable{ID: to.Ptr(rt)},
		NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID}}}); err != nil {
		t.Fatal(err)
	}
	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(n.subnetID, n.identityID, 3))
	nodeRG := *mc.Properties.NodeResourceGroup
	if !h.RGExists(nodeRG) {
		t.Fatalf("node resource group %s missing before the delete", nodeRG)
	}
	p, err := h.RG.BeginDelete(h.Ctx, rg, nil)
	if err := armtest.DeleteLRO(h.Ctx, p, err); err != nil {
		t.Fatalf("group delete: %v", err)
	}
	for _, g := range []string{rg, nodeRG} {
		if h.RGExists(g) {
			t.Errorf("resource group %s exists after the delete", g)
		}
	}
	// Nothing of the group is left, role assignments included.
	for _, id := range []string{n.vnetID, n.identityID, rt, *nsg.ID, *mc.ID} {
		if h.Exists(id) {
			t.Errorf("%s exists after its group's delete", id)
		}
	}
	pager := h.Auth.NewRoleAssignmentsClient().NewListForSubscriptionPager(nil)
	for _, page := range armtest.AllPages(h.Harness, pager) {
		for _, a := range page.Value {
			if strings.HasPrefix(strings.ToLower(*a.Properties.Scope), strings.ToLower(h.RGID(rg))) {
				t.Errorf("role assignment %s at %s, in the deleted group, is left", *a.ID, *a.Properties.Scope)
			}
		}
	}
	// The same group, made again, starts empty.
	h.MkRG(rg)
	var left []string
	for _, page := range armtest.AllPages(h.Harness, h.Res.NewListByResourceGroupPager(rg, nil)) {
		for _, r := range page.Value {
			left = append(left, *r.ID)
		}
	}
	if len(left) != 0 {
		t.Errorf("the group made again lists %s", fmt.Sprint(left))
	}
}
