package cli

import (
	"strings"
	"testing"
)

// subnetKeys are the keys az prints for a subnet the server has not
// associated with anything.
var subnetKeys = []string{"addressPrefix", "etag", "id", "ipConfigurations", "name",
	"privateEndpointNetworkPolicies", "privateLinkServiceNetworkPolicies", "provisioningState",
	"resourceGroup", "type"}

func TestNetworkVNetGolden(t *testing.T) {
	c := newNetCLI(t)
	c.ok("group", "create", "-n", "netrg", "-l", "eastus", "-o", "none")

	// The article's command: --subnet-prefix is argparse's abbreviation of
	// --subnet-prefixes; -l defaults to the group's location.
	out := c.object("network", "vnet", "create", "--resource-group", "netrg", "--name", "myAKSVnet",
		"--address-prefixes", "192.168.0.0/16", "--subnet-name", "myAKSSubnet", "--subnet-prefix", "192.168.1.0/24")
	wantKeys(t, "vnet create", out, "newVNet")
	vnet := netObj(t, out["newVNet"], "newVNet")
	wantKeys(t, "newVNet", vnet, "addressSpace", "enableDdosProtection", "etag", "id", "location", "name",
		"provisioningState", "resourceGroup", "resourceGuid", "subnets", "type")
	if vnet["location"] != "eastus" || vnet["resourceGroup"] != "netrg" || vnet["type"] != "Microsoft.Network/virtualNetworks" {
		t.Errorf("newVNet = %v", vnet)
	}
	subnets, _ := vnet["subnets"].([]any)
	if len(subnets) != 1 {
		t.Fatalf("subnets = %v", vnet["subnets"])
	}
	sn := netObj(t, subnets[0], "subnet")
	wantKeys(t, "newVNet.subnets[0]", sn, subnetKeys...)
	if sn["addressPrefix"] != "192.168.1.0/24" || sn["privateEndpointNetworkPolicies"] != "Disabled" {
		t.Errorf("subnet = %v", sn)
	}

	// SUBNET_ID=$(aksnet network vnet subnet show ... --query id -o tsv)
	wantID := "/subscriptions/" + c.e.Creds.SubscriptionID + "/resourceGroups/netrg/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet"
	if got := c.ok("network", "vnet", "subnet", "show", "--resource-group", "netrg", "--vnet-name", "myAKSVnet",
		"--name", "myAKSSubnet", "--query", "id", "-o", "tsv"); got != wantID+"\n" {
		t.Errorf("subnet id tsv = %q, want %q", got, wantID+"\n")
	}
	show := c.object("network", "vnet", "subnet", "show", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet")
	wantKeys(t, "subnet show", show, subnetKeys...)
	if show["resourceGroup"] != "netrg" || show["type"] != "Microsoft.Network/virtualNetworks/subnets" {
		t.Errorf("subnet show = %v", show)
	}
	// --ids stands for -g, --vnet-name and -n.
	if got := c.ok("network", "vnet", "subnet", "show", "--ids", wantID, "--query", "name", "-o", "tsv"); got != "myAKSSubnet\n" {
		t.Errorf("show --ids = %q", got)
	}
	vnetID := strings.TrimSuffix(wantID, "/subnets/myAKSSubnet")
	if got := c.ok("network", "vnet", "show", "-g", "netrg", "-n", "myAKSVnet", "--query", "id", "-o", "tsv"); got != vnetID+"\n" {
		t.Errorf("vnet id tsv = %q", got)
	}

	// nargs='+': several space-separated prefixes; the default subnet
	// prefix is the first prefix's address with /24.
	v2 := netObj(t, c.object("network", "vnet", "create", "-g", "netrg", "-n", "v2", "--address-prefixes", "10.0.0.0/16", "10.1.0.0/16",
		"--subnet-name", "default", "--tags", "env=test", "team")["newVNet"], "newVNet")
	if got := c.ok("network", "vnet", "show", "-g", "netrg", "-n", "v2", "--query", "addressSpace.addressPrefixes", "-o", "tsv"); got != "10.0.0.0/16\n10.1.0.0/16\n" {
		t.Errorf("prefixes tsv = %q", got)
	}
	if got := c.ok("network", "vnet", "subnet", "list", "-g", "netrg", "--vnet-name", "v2", "--query", "[].addressPrefix", "-o", "tsv"); got != "10.0.0.0/24\n" {
		t.Errorf("default subnet prefix = %q", got)
	}
	tags := netObj(t, v2["tags"], "tags")
	if tags["env"] != "test" || tags["team"] != "" {
		t.Errorf("tags = %v", tags)
	}

	// Defaults: 10.0.0.0/16 and no subnet.
	v3 := netObj(t, c.object("network", "vnet", "create", "-g", "netrg", "-n", "v3", "-l", "westus")["newVNet"], "newVNet")
	if v3["location"] != "westus" || len(v3["subnets"].([]any)) != 0 {
		t.Errorf("v3 = %v", v3)
	}

	// list: az's vnet table transformer, keys in its order.
	wantTable := "Name       ResourceGroup    Location    NumSubnets    Prefixes                  DnsServers    DDOSProtection    VMProtection\n" +
		"---------  ---------------  ----------  ------------  ------------------------  ------------  ----------------  --------------\n" +
		"myAKSVnet  netrg            eastus      1             192.168.0.0/16                          False             False\n" +
		"v2         netrg            eastus      1             10.0.0.0/16, 10.1.0.0/16                False             False\n" +
		"v3         netrg            westus      0             10.0.0.0/16                             False             False\n"
	if got := c.ok("network", "vnet", "list", "-g", "netrg", "-o", "table"); got != wantTable {
		t.Errorf("vnet list -o table:\n%s\nwant:\n%s", got, wantTable)
	}
	// Without -g, the subscription's VNets.
	if got := c.ok("network", "vnet", "list", "--query", "length(@)"); got != "3\n" {
		t.Errorf("subscription list length = %q", got)
	}
	for _, item := range c.array("network", "vnet", "list", "-g", "netrg") {
		m := netObj(t, item, "vnet list item")
		if m["name"] == "myAKSVnet" {
			wantKeys(t, "vnet list item", m, "addressSpace", "enableDdosProtection", "etag", "id", "location", "name",
				"provisioningState", "resourceGroup", "resourceGuid", "subnets", "type")
		}
	}

	// Server validation surfaces as az prints ARM errors, exit 1.
	errs := c.fails(1, "network", "vnet", "subnet", "create", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "clash", "--address-prefixes", "192.168.1.128/25")
	wantARMError(t, errs, "NetcfgSubnetRangesOverlap")
	errs = c.fails(1, "network", "vnet", "subnet", "create", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "outside", "--address-prefix", "10.9.0.0/24")
	wantARMError(t, errs, "NetcfgSubnetRangeOutsideVnet")
	errs = c.fails(1, "network", "vnet", "create", "-g", "netrg", "-n", "bad", "--address-prefixes", "10.0.0.0/33")
	if !strings.HasPrefix(errs, "ERROR: (") {
		t.Errorf("bad prefix: %s", errs)
	}

	// Show of a missing resource exits 3; delete of one succeeds.
	errs = c.fails(3, "network", "vnet", "subnet", "show", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "nope")
	if !strings.HasPrefix(errs, "ERROR: (") {
		t.Errorf("missing subnet: %s", errs)
	}
	c.fails(3, "network", "vnet", "show", "-g", "netrg", "-n", "nope")
	c.ok("network", "vnet", "subnet", "delete", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "nope")

	// Subnet create and delete.
	s2 := c.object("network", "vnet", "subnet", "create", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "s2", "--address-prefixes", "192.168.2.0/24")
	wantKeys(t, "subnet create", s2, subnetKeys...)
	c.ok("network", "vnet", "subnet", "delete", "-g", "netrg", "--vnet-name", "myAKSVnet", "-n", "s2")
	if got := c.ok("network", "vnet", "subnet", "list", "-g", "netrg", "--vnet-name", "myAKSVnet", "--query", "[].name", "-o", "tsv"); got != "myAKSSubnet\n" {
		t.Errorf("subnets after delete = %q", got)
	}
	c.ok("network", "vnet", "delete", "-g", "netrg", "-n", "v3")
	c.fails(3, "network", "vnet", "show", "-g", "netrg", "-n", "v3")
}

func TestNetworkSubnetUpdate(t *testing.T) {
	c := newNetCLI(t)
	c.ok("group", "create", "-n", "updrg", "-l", "eastus", "-o", "none")
	c.ok("network", "vnet", "create", "-g", "updrg", "-n", "vnet", "--subnet-name", "nodes", "-o", "none")
	c.ok("network", "route-table", "create", "-g", "updrg", "-n", "rt", "-o", "none")
	c.ok("network", "nsg", "create", "-g", "updrg", "-n", "nsg", "-o", "none")
	prefix := "/subscriptions/" + c.e.Creds.SubscriptionID + "/resourceGroups/updrg/providers/Microsoft.Network/"

	// By name: az builds the ids in the subnet's resource group.
	got := c.object("network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes",
		"--route-table", "rt", "--network-security-group", "nsg")
	wantKeys(t, "subnet update", got, append([]string{"routeTable", "networkSecurityGroup"}, subnetKeys...)...)
	if rt := netObj(t, got["routeTable"], "routeTable"); rt["id"] != prefix+"routeTables/rt" {
		t.Errorf("routeTable = %v", rt)
	}
	if nsg := netObj(t, got["networkSecurityGroup"], "networkSecurityGroup"); nsg["id"] != prefix+"networkSecurityGroups/nsg" {
		t.Errorf("networkSecurityGroup = %v", nsg)
	}
	// The route table lists the subnet.
	if out := c.ok("network", "route-table", "show", "-g", "updrg", "-n", "rt", "--query", "subnets[].id", "-o", "tsv"); out != prefix+"virtualNetworks/vnet/subnets/nodes\n" {
		t.Errorf("route table subnets = %q", out)
	}
	// An in-use route table can't be deleted.
	wantARMError(t, c.fails(1, "network", "route-table", "delete", "-g", "updrg", "-n", "rt"), "InUseRouteTableCannotBeDeleted")

	// "" detaches; the other association stays.
	subnetID := prefix + "virtualNetworks/vnet/subnets/nodes"
	out := c.ok("network", "vnet", "subnet", "update", "--ids", subnetID, "--route-table", "", "--query", "[routeTable.id, networkSecurityGroup.id]", "-o", "tsv")
	if out != "None\n"+prefix+"networkSecurityGroups/nsg\n" {
		t.Errorf("after detaching the route table: %q", out)
	}
	got = c.object("network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes", "--nsg", "")
	wantKeys(t, "subnet after detaching", got, subnetKeys...)

	// By id.
	out = c.ok("network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes",
		"--route-table", prefix+"routeTables/rt", "--query", "routeTable.id", "-o", "tsv")
	if out != prefix+"routeTables/rt\n" {
		t.Errorf("by id: %q", out)
	}
	// A missing route table is the server's error.
	errs := c.fails(1, "network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nodes", "--route-table", "nope")
	wantARMError(t, errs, "InvalidResourceReference")
	// Updating a missing subnet: the GET's 404, exit 3.
	c.fails(3, "network", "vnet", "subnet", "update", "-g", "updrg", "--vnet-name", "vnet", "-n", "nope", "--route-table", "rt")
}

func TestNetworkVNetUsageErrors(t *testing.T) {
	c := newNetCLI(t)
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
		if got := c.fails(tc.code, tc.args...); got != tc.want {
			t.Errorf("aksnet %s:\n got  %q\n want %q", strings.Join(tc.args, " "), got, tc.want)
		}
	}
	// An ambiguous abbreviation is not expanded: --address-prefix could be
	// --address-prefix or --address-prefixes for subnet create, so it is
	// the exact option; --sub could be --subnet-name or --subnet-prefixes.
	if _, errs, code := c.run("network", "vnet", "create", "-g", "rg", "-n", "v", "--sub", "x"); code != 2 {
		t.Errorf("--sub: exit %d, %s", code, errs)
	}
}

func TestNetworkArgParsing(t *testing.T) {
	var prefixes, tags []string
	var name string
	var flag, other bool
	c, a := newNetCommand("x", "")
	a.str(&name, "", "-n", "--name")
	a.list(&prefixes, "", "--address-prefixes")
	a.list(&tags, "", "--tags")
	bf := a.boolean(&flag, "", "--disable-bgp-route-propagation")
	a.boolean(&other, "", "--no-wait")
	a.done()
	parse := func(args ...string) error {
		prefixes, tags, name, flag, other = nil, nil, "", false, false
		a.sets, a.parseErr = nil, nil
		for _, x := range a.args {
			x.set, x.blank, x.took = false, false, false
		}
		if err := c.ParseFlags(args); err != nil {
			return err
		}
		return a.bind("aksnet x", c.Flags().Args())
	}
	if err := parse("--address-prefixes", "a", "b", "-n", "v", "--tags", "k=v", "k2", "--disable-bgp-route-propagation", "false", "--no-wait"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(prefixes, ",") != "a,b" || strings.Join(tags, ",") != "k=v,k2" || name != "v" || flag || !bf.set || !other {
		t.Errorf("prefixes=%v tags=%v name=%q flag=%v other=%v", prefixes, tags, name, flag, other)
	}
	// Abbreviations.
	if err := parse("--address-prefix", "a", "--na", "v", "--disable-bgp", "--no-w"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(prefixes, ",") != "a" || name != "v" || !flag || !other {
		t.Errorf("abbreviated: prefixes=%v name=%q flag=%v other=%v", prefixes, name, flag, other)
	}
	// A boolean takes at most one value; a second is unrecognized.
	if err := parse("--disable-bgp-route-propagation", "true", "yes"); err == nil || err.Error() != "unrecognized arguments: yes" {
		t.Errorf("extra bool value: %v", err)
	}
	// A string takes one value.
	if err := parse("-n", "v", "w"); err == nil || err.Error() != "unrecognized arguments: w" {
		t.Errorf("extra string value: %v", err)
	}
	// A repeated list replaces the earlier one, as argparse's store action.
	if err := parse("--tags", "a", "--tags", "b", "c"); err != nil || strings.Join(tags, ",") != "b,c" {
		t.Errorf("repeated list: %v %v", tags, err)
	}
	// Negative numbers are values.
	if err := parse("-n", "-1"); err != nil || name != "-1" {
		t.Errorf("negative number: %q %v", name, err)
	}
}
