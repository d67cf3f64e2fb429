package nsg_test

import (
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

func TestNetworkNSGGolden(t *testing.T) {
	c := clitest.Start(t, "nsgrg")
	prefix := c.RGID("nsgrg") + "/providers/Microsoft.Network/networkSecurityGroups/"

	// az's NSGCreate wraps the result in NewNSG.
	out := c.Object("network", "nsg", "create", "-g", "nsgrg", "-n", "myNsg")
	clitest.WantKeys(t, "nsg create", out, "NewNSG")
	nsg := clitest.Obj(t, out["NewNSG"], "NewNSG")
	clitest.WantKeys(t, "NewNSG", nsg, "defaultSecurityRules", "etag", "id", "location", "name", "networkInterfaces",
		"provisioningState", "resourceGroup", "resourceGuid", "securityRules", "subnets", "type")
	if nsg["id"] != prefix+"myNsg" || nsg["location"] != "eastus" {
		t.Errorf("nsg = %v", nsg)
	}
	defaults, _ := nsg["defaultSecurityRules"].([]any)
	if len(defaults) != 6 {
		t.Fatalf("default rules = %v", nsg["defaultSecurityRules"])
	}
	// The plural prefixes and ranges come as [], as az network nsg create
	// prints them from Azure.
	clitest.WantKeys(t, "default rule", clitest.Obj(t, defaults[0], "default rule"), "access", "description", "destinationAddressPrefix",
		"destinationAddressPrefixes", "destinationPortRange", "destinationPortRanges", "direction", "etag", "id", "name", "priority", "protocol", "provisioningState",
		"resourceGroup", "sourceAddressPrefix", "sourceAddressPrefixes", "sourcePortRange", "sourcePortRanges", "type")
	c.Want(prefix+"myNsg\n", "network", "nsg", "show", "-g", "nsgrg", "-n", "myNsg", "--query", "id", "-o", "tsv")
	c.Want("myNsg\n", "network", "nsg", "list", "--query", "[].name", "-o", "tsv")

	// az's defaults: Allow, Inbound, *, source * and *, destination * and 80;
	// one value goes in the singular property.
	rule := c.Object("network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "allow-http", "--priority", "100")
	clitest.WantKeys(t, "rule create", rule, "access", "destinationAddressPrefix", "destinationAddressPrefixes", "destinationPortRange",
		"destinationPortRanges", "direction", "etag", "id", "name", "priority", "protocol", "provisioningState", "resourceGroup",
		"sourceAddressPrefix", "sourceAddressPrefixes", "sourcePortRange", "sourcePortRanges", "type")
	for k, want := range map[string]any{"access": "Allow", "direction": "Inbound", "protocol": "*", "sourceAddressPrefix": "*",
		"sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "80", "priority": float64(100),
		"type": "Microsoft.Network/networkSecurityGroups/securityRules", "id": prefix + "myNsg/securityRules/allow-http"} {
		if rule[k] != want {
			t.Errorf("rule %s = %v, want %v", k, rule[k], want)
		}
	}
	// Several values go in the plural property; enums are matched without
	// regard to case.
	rule = c.Object("network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "pods", "--priority", "200",
		"--direction", "outbound", "--access", "deny", "--protocol", "tcp", "--source-address-prefixes", "10.244.0.0/16", "192.168.0.0/16",
		"--destination-port-ranges", "80", "443", "--description", "pods to web")
	for k, want := range map[string]any{"access": "Deny", "direction": "Outbound", "protocol": "Tcp", "description": "pods to web"} {
		if rule[k] != want {
			t.Errorf("rule %s = %v, want %v", k, rule[k], want)
		}
	}
	c.Want("10.244.0.0/16\n192.168.0.0/16\n", "network", "nsg", "rule", "list", "-g", "nsgrg", "--nsg-name", "myNsg", "--query", "[?name=='pods'].sourceAddressPrefixes[]", "-o", "tsv")

	// list: az's table transformer for NSG rules.
	wantTable := "Name        ResourceGroup    Priority    SourcePortRanges    SourceAddressPrefixes         SourceASG    Access    Protocol    Direction    DestinationPortRanges    DestinationAddressPrefixes    DestinationASG\n" +
		"----------  ---------------  ----------  ------------------  ----------------------------  -----------  --------  ----------  -----------  -----------------------  ----------------------------  ----------------\n" +
		"allow-http  nsgrg            100         *                   *                             None         Allow     *           Inbound      80                       *                             None\n" +
		"pods        nsgrg            200         *                   10.244.0.0/16 192.168.0.0/16  None         Deny      Tcp         Outbound     80 443                   *                             None\n"
	c.Want(wantTable, "network", "nsg", "rule", "list", "-g", "nsgrg", "--nsg-name", "myNsg", "-o", "table")
	c.Want("8\n", "network", "nsg", "rule", "list", "-g", "nsgrg", "--nsg-name", "myNsg", "--include-default", "--query", "length(@)")
	c.Want("allow-http\npods\n", "network", "nsg", "rule", "list", "--ids", prefix+"myNsg", "--query", "[].name", "-o", "tsv")

	// Server validation.
	clitest.WantARMError(t, c.Fails(1, "network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "dup", "--priority", "100"), "SecurityRuleConflict")
	if errs := c.Fails(1, "network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "low", "--priority", "50"); len(errs) < 8 || errs[:8] != "ERROR: (" {
		t.Errorf("priority 50: %s", errs)
	}

	// az's usage errors.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"network", "nsg", "rule", "create"}, 2, "ERROR: the following arguments are required: --nsg-name, --resource-group/-g, -n/--name, --priority\n"},
		{[]string{"network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "r"}, 2, "ERROR: the following arguments are required: --priority\n"},
		{[]string{"network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "r", "--priority", "high"}, 2, "ERROR: argument --priority: invalid int value: 'high'\n"},
		{[]string{"network", "nsg", "rule", "create", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "r", "--priority", "300", "--access", "Maybe"}, 2,
			"ERROR: aksnet network nsg rule create: 'Maybe' is not a valid value for '--access'. Allowed values: Allow, Deny.\n"},
		{[]string{"network", "nsg", "create", "-n", "x"}, 2, "ERROR: the following arguments are required: --resource-group/-g\n"},
		{[]string{"network", "nsg", "rule", "list", "-g", "nsgrg"}, 1, "ERROR: (--nsg-name | --ids) are required\n"},
		{[]string{"network", "nsg", "rule", "delete", "-g", "nsgrg"}, 1, "ERROR: (--nsg-name -n | --ids) are required\n"},
		{[]string{"network", "nsg", "show"}, 1, "ERROR: (--resource-group -n | --ids) are required\n"},
	} {
		c.WantFails(tc.want, tc.code, tc.args...)
	}
	c.Fails(3, "network", "nsg", "show", "-g", "nsgrg", "-n", "nope")
	c.Fails(3, "network", "nsg", "rule", "list", "-g", "nsgrg", "--nsg-name", "nope")

	// An NSG on a subnet is in use.
	c.OK("network", "vnet", "create", "-g", "nsgrg", "-n", "vnet", "--subnet-name", "nodes", "--nsg", "myNsg", "-o", "none")
	c.Want(prefix+"myNsg\n", "network", "vnet", "subnet", "show", "-g", "nsgrg", "--vnet-name", "vnet", "-n", "nodes", "--query", "networkSecurityGroup.id", "-o", "tsv")
	clitest.WantARMError(t, c.Fails(1, "network", "nsg", "delete", "-g", "nsgrg", "-n", "myNsg"), "InUseNetworkSecurityGroupCannotBeDeleted")

	// Delete.
	c.OK("network", "nsg", "rule", "delete", "-g", "nsgrg", "--nsg-name", "myNsg", "-n", "pods")
	c.Want("allow-http\n", "network", "nsg", "rule", "list", "-g", "nsgrg", "--nsg-name", "myNsg", "--query", "[].name", "-o", "tsv")
	c.OK("network", "vnet", "delete", "-g", "nsgrg", "-n", "vnet")
	c.OK("network", "nsg", "delete", "-g", "nsgrg", "-n", "myNsg")
	c.Fails(3, "network", "nsg", "show", "-g", "nsgrg", "-n", "myNsg")
}
