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

// TestNetworkRouteTableUpdate: az network route-table update and
// az network route-table route update, through the server: each GETs the
// resource, changes what the command line gave, PUTs it back (the network
// RP's long-running PUT, followed to the final GET) and prints the result;
// --no-wait prints nothing, a missing resource exits 3, the server's
// refusals exit 1 with its code.
func TestNetworkRouteTableUpdate(t *testing.T) {
	c := clitest.Start(t, "updrt")
	prefix := c.RGID("updrt") + "/providers/Microsoft.Network/routeTables/"
	c.OK("network", "route-table", "create", "-g", "updrt", "-n", "rt", "--tags", "owner=net", "-o", "none")
	c.OK("network", "route-table", "route", "create", "-g", "updrt", "--route-table-name", "rt", "-n", "r1",
		"--address-prefix", "10.244.0.0/24", "--next-hop-type", "VirtualAppliance", "--next-hop-ip-address", "192.168.1.4", "-o", "none")

	rt := c.Object("network", "route-table", "update", "-g", "updrt", "-n", "rt", "--disable-bgp-route-propagation", "true", "--tags", "env=prod")
	if rt["disableBgpRoutePropagation"] != true || rt["provisioningState"] != "Succeeded" || len(rt["routes"].([]any)) != 1 {
		t.Errorf("route-table update = %v", rt)
	}
	if tags, _ := rt["tags"].(map[string]any); len(tags) != 1 || tags["env"] != "prod" {
		t.Errorf("route-table update --tags: tags %v, want only env=prod (az replaces them)", rt["tags"])
	}
	c.Want("false\n", "network", "route-table", "update", "--ids", prefix+"rt", "--disable-bgp-route-propagation", "false", "--query", "disableBgpRoutePropagation")
	c.Want("{}\n", "network", "route-table", "update", "-g", "updrt", "-n", "rt", "--tags", "", "--query", "tags")
	c.Want("", "network", "route-table", "update", "-g", "updrt", "-n", "rt", "--disable-bgp-route-propagation", "--no-wait")
	c.Want("true\n", "network", "route-table", "show", "-g", "updrt", "-n", "rt", "--query", "disableBgpRoutePropagation")

	route := []string{"network", "route-table", "route", "update", "-g", "updrt", "--route-table-name", "rt", "-n", "r1"}
	for _, tc := range []struct {
		name string
		args []string
		want string // [addressPrefix, nextHopType, nextHopIpAddress] as az prints a list in tsv: one per line
	}{
		{"next hop address", []string{"--next-hop-ip-address", "192.168.1.5"}, "10.244.0.0/24\nVirtualAppliance\n192.168.1.5\n"},
		{"prefix only", []string{"--address-prefix", "10.244.7.0/24"}, "10.244.7.0/24\nVirtualAppliance\n192.168.1.5\n"},
		{"to the internet, address removed", []string{"--next-hop-type", "internet", "--next-hop-ip-address", ""}, "10.244.7.0/24\nInternet\nNone\n"},
		{"back to an appliance", []string{"--next-hop-type", "VirtualAppliance", "--next-hop-ip-address", "192.168.1.4", "--address-prefix", "10.244.0.0/24"}, "10.244.0.0/24\nVirtualAppliance\n192.168.1.4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string{}, route...), tc.args...), "--query", "[addressPrefix, nextHopType, nextHopIpAddress]", "-o", "tsv")
			c.Want(tc.want, args...)
		})
	}
	c.Want("192.168.1.9\n", "network", "route-table", "route", "update", "--ids", prefix+"rt/routes/r1", "--next-hop-ip-address", "192.168.1.9",
		"--query", "nextHopIpAddress", "-o", "tsv")
	c.Want("", append(append([]string{}, route...), "--next-hop-ip-address", "192.168.1.10", "--no-wait")...)
	c.Want("192.168.1.10\n", "network", "route-table", "route", "show", "-g", "updrt", "--route-table-name", "rt", "-n", "r1", "--query", "nextHopIpAddress", "-o", "tsv")

	// The server's checks and az's errors.
	clitest.WantARMError(t, c.Fails(1, append(append([]string{}, route...), "--next-hop-ip-address", "")...), "MissingNextHopIpAddress")
	clitest.WantARMError(t, c.Fails(1, append(append([]string{}, route...), "--address-prefix", "10.244.0.0")...), "InvalidAddressPrefixFormat")
	c.Fails(3, "network", "route-table", "update", "-g", "updrt", "-n", "nope", "--disable-bgp-route-propagation")
	c.Fails(3, "network", "route-table", "route", "update", "-g", "updrt", "--route-table-name", "rt", "-n", "nope", "--next-hop-type", "None")
	c.WantFails("ERROR: (-n --route-table-name | --ids) are required\n", 1, "network", "route-table", "route", "update", "-g", "updrt")
}
