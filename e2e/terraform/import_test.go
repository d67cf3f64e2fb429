package terraform

import (
	"strings"
	"testing"
)

// TestTerraformImport imports the article's cluster as the aksnet CLI
// creates it (system-assigned identity, the subnet role granted by the CLI)
// with terraform import, then plans: the plan must read every resource
// cleanly and report no changes.
func TestTerraformImport(t *testing.T) {
	tl := needTools(t)
	s := startServer(t)
	const rg = "tf-import-rg"
	s.aksnet(t, "group", "create", "--name", rg, "--location", "eastus", "-o", "none")
	s.aksnet(t, "network", "vnet", "create", "-g", rg, "-n", "myAKSVnet", "--address-prefixes", "192.168.0.0/16",
		"--subnet-name", "myAKSSubnet", "--subnet-prefix", "192.168.1.0/24", "-o", "none")
	subnet := strings.TrimSpace(string(s.aksnet(t, "network", "vnet", "subnet", "show", "-g", rg, "--vnet-name", "myAKSVnet",
		"-n", "myAKSSubnet", "--query", "id", "-o", "tsv")))
	s.aksnet(t, "aks", "create", "-g", rg, "-n", "myAKSCluster", "--network-plugin", "kubenet", "--service-cidr", "10.0.0.0/16",
		"--dns-service-ip", "10.0.0.10", "--pod-cidr", "10.244.0.0/16", "--vnet-subnet-id", subnet, "--generate-ssh-keys",
		"--node-count", "3", "-o", "none")
	var mc struct {
		ID           string `json:"id"`
		DNSPrefix    string `json:"dnsPrefix"`
		LinuxProfile struct {
			SSH struct {
				PublicKeys []struct {
					KeyData string `json:"keyData"`
				} `json:"publicKeys"`
			} `json:"ssh"`
		} `json:"linuxProfile"`
	}
	s.json(t, &mc, "aks", "show", "-g", rg, "-n", "myAKSCluster")
	if len(mc.LinuxProfile.SSH.PublicKeys) != 1 {
		t.Fatalf("the CLI's cluster has %d SSH keys, want 1", len(mc.LinuxProfile.SSH.PublicKeys))
	}
	s.checkNodes(t, rg, "myAKSCluster", 3)

	w := newWorkdir(t, s, tl, "import")
	vars := []string{"-var", "dns_prefix=" + mc.DNSPrefix, "-var", "ssh_key=" + mc.LinuxProfile.SSH.PublicKeys[0].KeyData}
	w.run(t, "init", "-no-color", "-input=false")
	rgID := "/subscriptions/" + s.creds.SubscriptionID + "/resourceGroups/" + rg
	for _, imp := range [][2]string{
		{"azurerm_resource_group.rg", rgID},
		{"azurerm_virtual_network.vnet", rgID + "/providers/Microsoft.Network/virtualNetworks/myAKSVnet"},
		{"azurerm_subnet.subnet", subnet},
		{"azurerm_kubernetes_cluster.aks", mc.ID},
	} {
		w.run(t, append(append([]string{"import", "-no-color", "-input=false"}, vars...), imp[0], imp[1])...)
	}
	w.emptyPlan(t, 3, vars...)
	s.checkNodes(t, rg, "myAKSCluster", 3)
}
