package vmss_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

// TestVMSSNICListKeepsWireCasing: az vmss nic list is an AAZ command, which
// prints keys as the wire has them (privateIPAddress, enableIPForwarding),
// unlike the SDK-based commands' privateIpAddress; e2e/az-article.sh's
// query on az 2.45 depends on it, and the same query must work on aksnet.
func TestVMSSNICListKeepsWireCasing(t *testing.T) {
	a := clitest.New(t)
	a.SSHKeys()
	subnet := a.Network("myResourceGroup", "myAKSSubnet=192.168.1.0/24")["myAKSSubnet"]
	a.OK("aks", "create", "-g", "myResourceGroup", "-n", "myAKSCluster", "--network-plugin", "kubenet", "--vnet-subnet-id", subnet,
		"--generate-ssh-keys", "--node-count", "2", "-o", "none")
	const mc = "MC_myResourceGroup_myAKSCluster_eastus"
	vmss := strings.TrimSpace(a.OK("vmss", "list", "-g", mc, "--query", "[0].name", "-o", "tsv"))
	a.Want("192.168.1.4,192.168.1.5\n", "vmss", "nic", "list", "-g", mc, "--vmss-name", vmss,
		"--query", "join(',', sort([].ipConfigurations[0].privateIPAddress))", "-o", "tsv")
	nic := clitest.Obj(t, a.Array("vmss", "nic", "list", "-g", mc, "--vmss-name", vmss)[0], "nic")
	for _, k := range []string{"enableIPForwarding", "ipConfigurations", "resourceGroup", "virtualMachine"} {
		if _, ok := nic[k]; !ok {
			t.Errorf("vmss nic list item lacks %s: %v", k, clitest.Keys(nic))
		}
	}
	if _, ok := nic["properties"]; ok {
		t.Errorf("vmss nic list item is not flattened: %v", clitest.Keys(nic))
	}
}
