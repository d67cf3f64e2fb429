package nic_test

import (
	"testing"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/clitest"
)

func TestNetworkNICGolden(t *testing.T) {
	c := clitest.New(t)
	subnetID := c.Network("nicrg", "nodes=192.168.1.0/24")["nodes"]

	// NICs are the cluster provisioner's; put two as it would.
	for _, name := range []string{"aks-nodepool1-12345678-vmss000000-nic", "aks-nodepool1-12345678-vmss000001-nic"} {
		c.Put(c.RGID("nicrg")+"/providers/Microsoft.Network/networkInterfaces/"+name, client.APINetwork, map[string]any{"location": "eastus", "properties": map[string]any{
			"enableIPForwarding": true,
			"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
				"subnet":                    map[string]any{"id": subnetID},
				"privateIPAllocationMethod": "Dynamic",
				"primary":                   true,
			}}},
		}})
	}

	// az's casing: privateIPAddress prints as privateIpAddress,
	// enableIPForwarding as enableIpForwarding.
	nics := c.Array("network", "nic", "list", "-g", "nicrg")
	if len(nics) != 2 {
		t.Fatalf("nic list = %v", nics)
	}
	nic := clitest.Obj(t, nics[0], "nic")
	for _, k := range []string{"id", "name", "location", "resourceGroup", "type", "ipConfigurations", "enableIpForwarding", "provisioningState"} {
		if _, ok := nic[k]; !ok {
			t.Errorf("nic has no %s: %v", k, clitest.Keys(nic))
		}
	}
	if _, ok := nic["properties"]; ok {
		t.Errorf("nic not flattened: %v", clitest.Keys(nic))
	}
	ipcs, _ := nic["ipConfigurations"].([]any)
	if len(ipcs) != 1 {
		t.Fatalf("ipConfigurations = %v", nic["ipConfigurations"])
	}
	ipc := clitest.Obj(t, ipcs[0], "ipConfiguration")
	if _, ok := ipc["privateIpAddress"]; !ok {
		t.Errorf("ip configuration keys %v lack privateIpAddress", clitest.Keys(ipc))
	}
	if _, ok := ipc["properties"]; ok {
		t.Errorf("ip configuration not flattened: %v", clitest.Keys(ipc))
	}
	// The first node is .4: Azure reserves .0 to .3.
	c.Want("192.168.1.4\n192.168.1.5\n", "network", "nic", "list", "-g", "nicrg", "--query", "[].ipConfigurations[0].privateIpAddress", "-o", "tsv")
	c.Want("2\n", "network", "nic", "list", "--query", "length(@)")
	show := c.Object("network", "nic", "show", "-g", "nicrg", "-n", "aks-nodepool1-12345678-vmss000000-nic")
	if show["name"] != "aks-nodepool1-12345678-vmss000000-nic" || show["resourceGroup"] != "nicrg" {
		t.Errorf("nic show = %v", show)
	}
	id := show["id"].(string)
	c.Want(id+"\n", "network", "nic", "show", "--ids", id, "--query", "id", "-o", "tsv")
	c.Fails(3, "network", "nic", "show", "-g", "nicrg", "-n", "nope")
	c.WantFails("ERROR: (-n | --ids) are required\n", 1, "network", "nic", "show", "-g", "nicrg")
	// A subnet with NICs can't be deleted.
	clitest.WantARMError(t, c.Fails(1, "network", "vnet", "subnet", "delete", "-g", "nicrg", "--vnet-name", "myAKSVnet", "-n", "nodes"), "InUseSubnetCannotBeDeleted")
}

// TestNetworkNICUpdate: az network nic update --ip-forwarding through the
// server, by name and by --ids; a missing NIC exits 3.
func TestNetworkNICUpdate(t *testing.T) {
	c := clitest.New(t)
	subnetID := c.Network("nicupd", "nodes=192.168.1.0/24")["nodes"]
	id := c.RGID("nicupd") + "/providers/Microsoft.Network/networkInterfaces/nva"
	c.Put(id, client.APINetwork, map[string]any{"location": "eastus", "properties": map[string]any{
		"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
			"subnet": map[string]any{"id": subnetID}, "privateIPAllocationMethod": "Dynamic", "primary": true}}},
	}})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"on", []string{"-g", "nicupd", "-n", "nva", "--ip-forwarding", "true"}, "true\n"},
		{"off by id", []string{"--ids", id, "--ip-forwarding", "false"}, "false\n"},
		{"bare flag", []string{"-g", "nicupd", "-n", "nva", "--ip-forwarding"}, "true\n"},
		{"tags only keep forwarding", []string{"-g", "nicupd", "-n", "nva", "--tags", "role=nva"}, "true\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Want(tc.want, append(append([]string{"network", "nic", "update"}, tc.args...), "--query", "enableIpForwarding")...)
		})
	}
	// The address and the tags stay as they were.
	c.Want("192.168.1.4\nnva\n", "network", "nic", "show", "--ids", id, "--query", "[ipConfigurations[0].privateIpAddress, tags.role]", "-o", "tsv")
	c.Fails(3, "network", "nic", "update", "-g", "nicupd", "-n", "nope", "--ip-forwarding")
	c.WantFails("ERROR: (-n | --ids) are required\n", 1, "network", "nic", "update", "-g", "nicupd")
}
