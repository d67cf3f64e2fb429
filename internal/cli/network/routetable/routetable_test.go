package routetable_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

func TestNetworkRouteTableGolden(t *testing.T) {
	c := clitest.Start(t, "rtrg")
	prefix := c.RGID("rtrg") + "/providers/Microsoft.Network/routeTables/"

	rt := c.Object("network", "route-table", "create", "-g", "rtrg", "-n", "myRouteTable", "--tags", "owner=net")
	clitest.WantKeys(t, "route-table create", rt, "disableBgpRoutePropagation", "etag", "id", "location", "name",
		"provisioningState", "resourceGroup", "resourceGuid", "routes", "subnets", "tags", "type")
	if rt["id"] != prefix+"myRouteTable" || rt["location"] != "eastus" || rt["disableBgpRoutePropagation"] != false ||
		rt["type"] != "Microsoft.Network/routeTables" {
		t.Errorf("route table = %v", rt)
	}
	// AAZ booleans: --flag, --flag true, --flag false.
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bgp1", []string{"--disable-bgp-route-propagation"}, "true\n"},
		{"bgp2", []string{"--disable-bgp-route-propagation", "true"}, "true\n"},
		{"bgp3", []string{"--disable-bgp-route-propagation", "false"}, "false\n"},
		{"bgp4", []string{"--disable-bgp-route-propagation", "yes", "-l", "westus"}, "true\n"},
	} {
		args := append([]string{"network", "route-table", "create", "-g", "rtrg", "-n", tc.name, "--query", "disableBgpRoutePropagation"}, tc.args...)
		c.Want(tc.want, args...)
	}
	c.Want("westus\n", "network", "route-table", "show", "-g", "rtrg", "-n", "bgp4", "--query", "location", "-o", "tsv")
	c.Want(prefix+"myRouteTable\n", "network", "route-table", "show", "-g", "rtrg", "-n", "myRouteTable", "--query", "id", "-o", "tsv")
	c.Want("5\n", "network", "route-table", "list", "-g", "rtrg", "--query", "length(@)")
	c.Want("rtrg\n", "network", "route-table", "list", "--query", "[?name=='myRouteTable'].resourceGroup", "-o", "tsv")

	// Routes. --next-hop-type is matched without regard to case.
	r := c.Object("network", "route-table", "route", "create", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "toAppliance",
		"--address-prefix", "10.244.0.0/24", "--next-hop-type", "virtualappliance", "--next-hop-ip-address", "192.168.1.4")
	clitest.WantKeys(t, "route create", r, "addressPrefix", "etag", "hasBgpOverride", "id", "name", "nextHopIpAddress", "nextHopType",
		"provisioningState", "resourceGroup", "type")
	if r["nextHopType"] != "VirtualAppliance" || r["nextHopIpAddress"] != "192.168.1.4" || r["id"] != prefix+"myRouteTable/routes/toAppliance" {
		t.Errorf("route = %v", r)
	}
	c.OK("network", "route-table", "route", "create", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "internet",
		"--address-prefix", "0.0.0.0/0", "--next-hop-type", "Internet", "-o", "none")
	// knack's table takes the columns in the order the rows first show
	// them: the Internet route has no next hop address.
	wantTable := "AddressPrefix    HasBgpOverride    Name         NextHopType       ProvisioningState    ResourceGroup    NextHopIpAddress\n" +
		"---------------  ----------------  -----------  ----------------  -------------------  ---------------  ------------------\n" +
		"0.0.0.0/0        False             internet     Internet          Succeeded            rtrg\n" +
		"10.244.0.0/24    False             toAppliance  VirtualAppliance  Succeeded            rtrg             192.168.1.4\n"
	c.Want(wantTable, "network", "route-table", "route", "list", "-g", "rtrg", "--route-table-name", "myRouteTable", "-o", "table")
	show := c.Object("network", "route-table", "route", "show", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "internet")
	clitest.WantKeys(t, "route show", show, "addressPrefix", "etag", "hasBgpOverride", "id", "name", "nextHopType",
		"provisioningState", "resourceGroup", "type")
	c.Want("internet\ntoAppliance\n", "network", "route-table", "show", "-g", "rtrg", "-n", "myRouteTable", "--query", "routes[].name", "-o", "tsv")

	// Server validation.
	clitest.WantARMError(t, c.Fails(1, "network", "route-table", "route", "create", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "noip",
		"--address-prefix", "10.244.1.0/24", "--next-hop-type", "VirtualAppliance"), "MissingNextHopIpAddress")
	clitest.WantARMError(t, c.Fails(1, "network", "route-table", "route", "create", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "dup",
		"--address-prefix", "0.0.0.0/0", "--next-hop-type", "None"), "RouteConflict")
	errs := c.Fails(1, "network", "route-table", "route", "create", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "badcidr",
		"--address-prefix", "10.244.1.0/33", "--next-hop-type", "None")
	if !strings.HasPrefix(errs, "ERROR: (") || !strings.Contains(errs, "\nCode: ") {
		t.Errorf("bad cidr: %s", errs)
	}

	// az's usage errors.
	c.WantFails("ERROR: aksnet network route-table route create: 'Bogus' is not a valid value for '--next-hop-type'. Allowed values: Internet, None, VirtualAppliance, VirtualNetworkGateway, VnetLocal.\n", 2, "network", "route-table", "route", "create", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "x",
		"--next-hop-type", "Bogus")
	c.WantFails("ERROR: the following arguments are required: -n/--name, --route-table-name\n", 2, "network", "route-table", "route", "create", "-g", "rtrg")
	c.WantFails("ERROR: the following arguments are required: --resource-group/-g, -n/--name\n", 2, "network", "route-table", "create")
	c.WantFails("ERROR: the following arguments are required: --route-table-name\n", 2, "network", "route-table", "route", "list", "-g", "rtrg")
	c.WantFails("ERROR: (-n --route-table-name | --ids) are required\n", 1, "network", "route-table", "route", "show", "-g", "rtrg")
	c.WantFails("ERROR: unrecognized arguments: maybe\n", 2, "network", "route-table", "create", "-g", "rtrg", "-n", "x", "--disable-bgp-route-propagation", "maybe")

	// Missing resources.
	c.Fails(3, "network", "route-table", "show", "-g", "rtrg", "-n", "nope")
	c.Fails(3, "network", "route-table", "route", "show", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "nope")

	// Delete.
	c.OK("network", "route-table", "route", "delete", "-g", "rtrg", "--route-table-name", "myRouteTable", "-n", "internet")
	c.OK("network", "route-table", "route", "delete", "--ids", prefix+"myRouteTable/routes/toAppliance")
	c.Want("[]\n", "network", "route-table", "route", "list", "-g", "rtrg", "--route-table-name", "myRouteTable")
	c.OK("network", "route-table", "delete", "-g", "rtrg", "-n", "myRouteTable")
	c.Fails(3, "network", "route-table", "show", "-g", "rtrg", "-n", "myRouteTable")
}
