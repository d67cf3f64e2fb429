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
