package aks_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// TestAKSGetVersions: `aksnet aks get-versions -l` prints the orchestrators
// answer as az 2.45 does (properties flattened), and for -o table az's
// aks_versions_table_format (the served version with "None available");
// an unknown region is ARM's error and a missing -l argparse's.
func TestAKSGetVersions(t *testing.T) {
	c := clitest.Start(t)
	o := c.Object("aks", "get-versions", "-l", "eastus")
	if got, want := strings.Join(clitest.Keys(o), ","), "id,name,orchestrators,type"; got != want {
		t.Errorf("keys %s, want %s", got, want)
	}
	if o["name"] != "default" || o["type"] != "Microsoft.ContainerService/locations/orchestrators" ||
		o["id"] != "/subscriptions/"+c.Env.Creds.SubscriptionID+"/providers/Microsoft.ContainerService/locations/eastus/orchestrators" {
		t.Errorf("id %v name %v type %v", o["id"], o["name"], o["type"])
	}
	if v := clitest.At(o, "orchestrators", 0, "orchestratorVersion"); v != kubesup.Version {
		t.Errorf("orchestratorVersion %v, want %s", v, kubesup.Version)
	}
	if v := clitest.At(o, "orchestrators", 0, "default"); v != true {
		t.Errorf("default %v, want true", v)
	}

	c.Want("KubernetesVersion    Upgrades\n"+
		"-------------------  --------------\n"+
		kubesup.Version+strings.Repeat(" ", 21-len(kubesup.Version))+"None available\n",
		"aks", "get-versions", "--location", "East US", "-o", "table")

	errs := c.Fails(1, "aks", "get-versions", "-l", "atlantis")
	if !strings.HasPrefix(errs, "ERROR: (NoRegisteredProviderFound) No registered resource provider found for location 'atlantis'") {
		t.Errorf("unknown region: %s", errs)
	}
	c.WantFails("ERROR: the following arguments are required: --location/-l\n", 2, "aks", "get-versions")
}

// TestAKSCreateUnservedVersion: `aks create -k` with a version aksnet does
// not serve fails with AKS's code and nothing is created; the served
// version's <major.minor> alias is taken, and shown as asked.
func TestAKSCreateUnservedVersion(t *testing.T) {
	a := clitest.New(t)
	a.SSHKeys()
	subnets := a.Network("rg", "s1=192.168.1.0/24", "s2=192.168.2.0/24")
	errs := a.Fails(1, "aks", "create", "-g", "rg", "-n", "old", "--network-plugin", "kubenet", "--vnet-subnet-id", subnets["s1"],
		"--generate-ssh-keys", "-k", "1.20.7")
	if !strings.HasPrefix(errs, "ERROR: (K8sVersionNotSupported) Managed cluster old has invalid version 1.20.7.") {
		t.Errorf("aks create -k 1.20.7: %s", errs)
	}
	a.Fails(3, "aks", "show", "-g", "rg", "-n", "old")
	a.Want(kubesup.MinorVersion()+"\n"+kubesup.Version+"\n", "aks", "create", "-g", "rg", "-n", "new", "--network-plugin", "kubenet",
		"--vnet-subnet-id", subnets["s2"], "--generate-ssh-keys", "-k", kubesup.MinorVersion(),
		"--query", "[kubernetesVersion, currentKubernetesVersion]", "-o", "tsv")
}
