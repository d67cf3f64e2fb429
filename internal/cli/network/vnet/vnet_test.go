package vnet_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

// subnetKeys are the keys az prints for a subnet the server has not
// associated with anything.
// subnetKeys: the network RP lists delegations ([] when none), as in a
// subnet's exported template; serviceEndpoints only when set.
var subnetKeys = []string{"addressPrefix", "delegations", "etag", "id", "ipConfigurations", "name",
	"privateEndpointNetworkPolicies", "privateLinkServiceNetworkPolicies", "provisioningState",
	"resourceGroup", "type"}

func TestNetworkVNetGolden(t *testing.T) {
	c := clitest.Start(t, "netrg")

	// The article's command: --subnet-prefix is argparse's abbreviation of
	// --subnet-prefixes; -l defaults to the group's location.
	out := c.Object("network", "vnet", "create", "--resource-group", "netrg", "--name", "myAKSVnet",
		"--address-prefixes", "192.168.0.0/16", "--subnet-name", "myAKSSubnet", "--subnet-prefix", "192.168.1.0/24")
	clitest.WantKeys(t, "vnet create", out, "newVNet")
	vnet := clitest.Obj(t, out["newVNet"], "newVNet")
	clitest.WantKeys(t, "newVNet", vnet, "addressSpace", "enableDdosProtection", "enableVmProtection", "etag", "id", "location", "name",
		"provisioningState", "resourceGroup", "resourceGuid", "subnets", "type", "virtualNetworkPeerings")
	if vnet["location"] != "eastus" || vnet["resourceGroup"] != "netrg" || vnet["type"] != "Microsoft.Network/virtualNetworks" {
		t.Errorf("newVNet = %v", vnet)
	}
	subnets, _ := vnet["subnets"].([]any)
	if len(subnets) != 1 {
		t.Fatalf("subnets = %v", vnet["subnets"])
	}
	sn := clitest.Obj(t, subnets[0], "subnet")
	clitest.WantKeys(t, "newVNet.subnets[0]", sn, subnetKeys...)
	if sn["addressPrefix"] != "192.168.1.0/24" || sn["privateEndpointNetworkPolicies"] != "Disabled" {
		t.Errorf("subnet = %v", sn)
	}

	// SUBNET_ID=$(aksnet network vnet subnet show ... --query id -o tsv)
	wantID := c.RGID("netrg") + "/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet"
	c.Want(wantID+"\n", "network", "vnet", "subnet", "show", "--resource-group", "netrg", "--vnet-name", "myAKSVnet",
		"--name", "myAKSSubnet", "--query", "id", "-o", "tsv")
	show := c.Object("network", "vnet", "subnet", "show", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet")
	clitest.WantKeys(t, "subnet show", show, subnetKeys...)
	if show["resourceGroup"] != "netrg" || show["type"] != "Microsoft.Network/virtualNetworks/subnets" {
		t.Errorf("subnet show = %v", show)
	}
	// --ids stands for -g, --vnet-name and -n.
	c.Want("myAKSSubnet\n", "network", "vnet", "subnet", "show", "--ids", wantID, "--query", "name", "-o", "tsv")
	vnetID := strings.TrimSuffix(wantID, "/subnets/myAKSSubnet")
	c.Want(vnetID+"\n", "network", "vnet", "show", "-g", "netrg", "-n", "myAKSVnet", "--query", "id", "-o", "tsv")

	// nargs='+': several space-separated prefixes; the default subnet
	// prefix is the first prefix's address with /24.
	v2 := clitest.Obj(t, c.Object("network", "vnet", "create", "-g", "netrg", "-n", "v2", "--address-prefixes", "10.0.0.0/16", "10.1.0.0/16",
		"--subnet-name", "default", "--tags", "env=test", "team")["newVNet"], "newVNet")
	c.Want("10.0.0.0/16\n10.1.0.0/16\n", "network", "vnet", "show", "-g", "netrg", "-n", "v2", "--query", "addressSpace.addressPrefixes", "-o", "tsv")
	c.Want("10.0.0.0/24\n", "network", "vnet", "subnet", "list", "-g", "netrg", "--vnet-name", "v2", "--query", "[].addressPrefix", "-o", "tsv")
	tags := clitest.Obj(t, v2["tags"], "tags")
	if tags["env"] != "test" || tags["team"] != "" {
		t.Errorf("tags = %v", tags)
	}

	// Defaults: 10.0.0.0/16 and no subnet.
	v3 := clitest.Obj(t, c.Object("network", "vnet", "create", "-g", "netrg", "-n", "v3", "-l", "westus")["newVNet"], "newVNet")
	if v3["location"] != "westus" || len(v3["subnets"].([]any)) != 0 {
		t.Errorf("v3 = %v", v3)
	}

	// list: az's vnet table transformer, keys in its order.
	wantTable := "Name       ResourceGroup    Location    NumSubnets    Prefixes                  DnsServers    DDOSProtection    VMProtection\n" +
		"---------  ---------------  ----------  ------------  ------------------------  ------------  ----------------  --------------\n" +
		"myAKSVnet  netrg            eastus      1             192.168.0.0/16                          False             False\n" +
		"v2         netrg            eastus      1             10.0.0.0/16, 10.1.0.0/16                False             False\n" +
		"v3         netrg            westus      0             10.0.0.0/16                             False             False\n"
	c.Want(wantTable, "network", "vnet", "list", "-g", "netrg", "-o", "table")
	// Without -g, the subscription's VNets.
	c.Want("3\n", "network", "vnet", "list", "--query", "length(@)")
	for _, item := range c.Array("network", "vnet", "list", "-g", "netrg") {
		m := clitest.Obj(t, item, "vnet list item")
		if m["name"] == "myAKSVnet" {
			clitest.WantKeys(t, "vnet list item", m, "addressSpace", "enableDdosProtection", "enableVmProtection", "etag", "id", "location", "name",
				"provisioningState", "resourceGroup", "resourceGuid", "subnets", "type", "virtualNetworkPeerings")
		}
	}

	// Server validation surfaces as az prints ARM errors, exit 1.
	errs := c.Fails(1, "network", "vnet", "subnet", "create", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "clash", "--address-prefixes", "192.168.1.128/25")
	clitest.WantARMError(t, errs, "NetcfgSubnetRangesOverlap")
	errs = c.Fails(1, "network", "vnet", "subnet", "create", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "outside", "--address-prefix", "10.9.0.0/24")
	clitest.WantARMError(t, errs, "NetcfgSubnetRangeOutsideVnet")
	errs = c.Fails(1, "network", "vnet", "create", "-g", "netrg", "-n", "bad", "--address-prefixes", "10.0.0.0/33")
	if !strings.HasPrefix(errs, "ERROR: (") {
		t.Errorf("bad prefix: %s", errs)
	}

	// Show of a missing resource exits 3; delete of one succeeds.
	errs = c.Fails(3, "network", "vnet", "subnet", "show", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "nope")
	if !strings.HasPrefix(errs, "ERROR: (") {
		t.Errorf("missing subnet: %s", errs)
	}
	c.Fails(3, "network", "vnet", "show", "-g", "netrg", "-n", "nope")
	c.OK("network", "vnet", "subnet", "delete", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "nope")

	// Subnet create and delete.
	s2 := c.Object("network", "vnet", "subnet", "create", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "s2", "--address-prefixes", "192.168.2.0/24")
	clitest.WantKeys(t, "subnet create", s2, subnetKeys...)
	c.OK("network", "vnet", "subnet", "delete", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "s2")
	c.Want("myAKSSubnet\n", "network", "vnet", "subnet", "list", "-g", "netrg", "--vnet-name", "myAKSVnet", "--query", "[].name", "-o", "tsv")
	c.OK("network", "vnet", "delete", "-g", "netrg", "-n", "v3")
	c.Fails(3, "network", "vnet", "show", "-g", "netrg", "-n", "v3")
}

func TestNetworkSubnetUpdate(t *testing.T) {
	c := clitest.Start(t, "updrg")
	c.OK("network", "vnet", "create", "-g", "updrg", "-n", "vnet", "--subnet-name", "nodes", "-o", "none")
	c.OK("network", "route-table", "create", "-g", "updrg", "-n", "rt", "-o", "none")
	c.OK("network", "nsg", "create", "-g", "updrg", "-n", "nsg", "-o", "none")
	prefix := c.RGID("updrg") + "/providers/Microsoft.Network/"

	// By name: az builds the ids in the subnet's resource group.
	got := c.Object("network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes",
		"--route-table", "rt", "--network-security-group", "nsg")
	clitest.WantKeys(t, "subnet update", got, append([]string{"routeTable", "networkSecurityGroup"}, subnetKeys...)...)
	if rt := clitest.Obj(t, got["routeTable"], "routeTable"); rt["id"] != prefix+"routeTables/rt" {
		t.Errorf("routeTable = %v", rt)
	}
	if nsg := clitest.Obj(t, got["networkSecurityGroup"], "networkSecurityGroup"); nsg["id"] != prefix+"networkSecurityGroups/nsg" {
		t.Errorf("networkSecurityGroup = %v", nsg)
	}
	// The route table lists the subnet.
	if out := c.OK("network", "route-table", "show", "-g", "updrg", "-n", "rt", "--query", "subnets[].id", "-o", "tsv"); out != prefix+"virtualNetworks/vnet/subnets/nodes\n" {
		t.Errorf("route table subnets = %q", out)
	}
	// An in-use route table can't be deleted.
	clitest.WantARMError(t, c.Fails(1, "network", "route-table", "delete", "-g", "updrg", "-n", "rt"), "InUseRouteTableCannotBeDeleted")

	// "" detaches; the other association stays.
	subnetID := prefix + "virtualNetworks/vnet/subnets/nodes"
	out := c.OK("network", "vnet", "subnet", "update", "--ids", subnetID, "--route-table", "", "--query", "[routeTable.id, networkSecurityGroup.id]", "-o", "tsv")
	if out != "None\n"+prefix+"networkSecurityGroups/nsg\n" {
		t.Errorf("after detaching the route table: %q", out)
	}
	got = c.Object("network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes", "--nsg", "")
	clitest.WantKeys(t, "subnet after detaching", got, subnetKeys...)

	// By id.
	out = c.OK("network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes",
		"--route-table", prefix+"routeTables/rt", "--query", "routeTable.id", "-o", "tsv")
	if out != prefix+"routeTables/rt\n" {
		t.Errorf("by id: %q", out)
	}
	// A missing route table is the server's error.
	errs := c.Fails(1, "network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes", "--route-table", "nope")
	clitest.WantARMError(t, errs, "InvalidResourceReference")
	// Updating a missing subnet: the GET's 404, exit 3.
	c.Fails(3, "network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nope", "--route-table", "rt")
}

func TestNetworkVNetUsageErrors(t *testing.T) {
	c := clitest.Start(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"network", "vnet", "create"}, 2, "ERROR: the following arguments are required: --resource-group/-g, -n/--name\n"},
		{[]string{"network", "vnet", "create", "-g", "rg"}, 2, "ERROR: the following arguments are required: -n/--name\n"},
		{[]string{"network", "vnet", "subnet", "create", "-g", "rg"}, 2, "ERROR: the following arguments are required: -n/--name, --vnet-name\n"},
		{[]string{"network", "vnet", "subnet", "list"}, 2, "ERROR: the following arguments are required: --resource-group/-g, --vnet-name\n"},
		// Commands that take --ids say it as az's id handling does.
		{[]string{"network", "vnet", "subnet", "show"}, 1, "ERROR: (--resource-group -n --vnet-name | --ids) are required\n"},
		{[]string{"network", "vnet", "subnet", "show", "-g", "rg", "--vnet-name", "v"}, 1, "ERROR: (-n | --ids) are required\n"},
		{[]string{"network", "vnet", "show", "-n", "v"}, 1, "ERROR: (--resource-group | --ids) are required\n"},
		{[]string{"network", "vnet", "subnet", "update", "-g", "rg"}, 1, "ERROR: (-n --vnet-name | --ids) are required\n"},
		{[]string{"network", "vnet", "delete"}, 1, "ERROR: (--resource-group -n | --ids) are required\n"},
		// argparse's errors.
		{[]string{"network", "vnet", "create", "-g", "rg", "-n", "v", "stray"}, 2, "ERROR: unrecognized arguments: stray\n"},
		{[]string{"network", "vnet", "subnet", "create", "-g", "rg", "-n", "s", "--vnet-name", "--address-prefix", "10.0.0.0/24"}, 2,
			"ERROR: argument --vnet-name: expected one argument\n"},
	}
	for _, tc := range cases {
		c.WantFails(tc.want, tc.code, tc.args...)
	}
	// An ambiguous abbreviation is not expanded: --address-prefix could be
	// --address-prefix or --address-prefixes for subnet create, so it is
	// the exact option; --sub could be --subnet-name or --subnet-prefixes.
	if _, errs, code := c.Run("network", "vnet", "create", "-g", "rg", "-n", "v", "--sub", "x"); code != 2 {
		t.Errorf("--sub: exit %d, %s", code, errs)
	}
}
