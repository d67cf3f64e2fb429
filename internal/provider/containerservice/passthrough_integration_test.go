package containerservice_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksnet/aksnet/internal/armtest"
)

// azurerm 5.x sends properties.nodeProvisioningProfile {mode: Manual,
// defaultNodePools: Auto}, from an AKS api-version newer than aksnet's SDK
// model, which has no such field. Azure returns it; aksnet must too, after
// the create's operation and after a scale re-renders the cluster, or
// Terraform plans a change on every run (issue 18).
func TestCluster_KeepsFieldsOfNewerAPIVersions(t *testing.T) {
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	raw, err := json.Marshal(kubenetCluster(n.subnetID, n.identityID, 2))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	body["properties"].(map[string]any)["nodeProvisioningProfile"] = map[string]any{"mode": "Manual", "defaultNodePools": "Auto"}
	id := h.RGID(n.rg) + "/providers/Microsoft.ContainerService/managedClusters/c"
	if r := h.Do(http.MethodPut, id+"?api-version=2025-02-01", body); r.Status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	type cluster struct {
		Properties struct {
			ProvisioningState       string
			NodeProvisioningProfile map[string]string
			AgentPoolProfiles       []struct{ Count int }
		}
	}
	read := func() cluster {
		t.Helper()
		var c cluster
		if err := json.Unmarshal(h.Get(id), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	armtest.Eventually(t, 30*time.Second, func() string {
		if s := read().Properties.ProvisioningState; s != "Succeeded" {
			return "provisioningState " + s
		}
		return ""
	})
	want := map[string]string{"mode": "Manual", "defaultNodePools": "Auto"}
	check := func(when string) {
		t.Helper()
		got := read().Properties.NodeProvisioningProfile
		if len(got) != 2 || got["mode"] != want["mode"] || got["defaultNodePools"] != want["defaultNodePools"] {
			t.Errorf("%s: nodeProvisioningProfile %v, want %v", when, got, want)
		}
	}
	check("after the create")
	if _, err := h.putPool(n.rg, "c", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](3), VMSize: to.Ptr("Standard_DS2_v2"), Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem),
		OSType: to.Ptr(armcontainerservice.OSTypeLinux), VnetSubnetID: to.Ptr(n.subnetID),
	}}); err != nil {
		t.Fatal(err)
	}
	if c := read(); len(c.Properties.AgentPoolProfiles) != 1 || c.Properties.AgentPoolProfiles[0].Count != 3 {
		t.Fatalf("after the pool scale: %+v", c.Properties.AgentPoolProfiles)
	}
	check("after a pool scale re-rendered the cluster")
}
