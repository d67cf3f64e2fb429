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
// model, which has no such field. Azure returns it to the api-versions that
// have it (2025-05-01 on, azurerm's 2025-10-01); aksnet must too, after the
// create's operation and after a scale re-renders the cluster, or Terraform
// plans a change on every run (issue 18). Older api-versions (the Go SDK's
// 2025-02-01) do not show it; and a cluster created without one shows AKS's
// default, the same {Manual, Auto}, so that a cluster made by az and
// imported into Terraform does not drift either.
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
	readAt := func(id, version string) cluster {
		t.Helper()
		r := h.Do(http.MethodGet, id+"?api-version="+version, nil)
		var c cluster
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s at %s: %d %s", id, version, r.Status, r.Body)
		}
		r.Decode(t, &c)
		return c
	}
	read := func() cluster { t.Helper(); return readAt(id, "2025-10-01") }
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
	if got := readAt(id, "2025-02-01").Properties.NodeProvisioningProfile; got != nil {
		t.Errorf("api-version 2025-02-01 shows nodeProvisioningProfile %v, a member it does not have", got)
	}

	// A cluster created without one shows AKS's default.
	m2 := h.vnet(n.rg, "v2", "10.60.0.0/16", "s=10.60.1.0/24")
	h.Grant(m2[""], n.principal, networkContributor)
	h.mustPutCluster(n.rg, "plain", kubenetCluster(m2["s"], n.identityID, 1))
	got := readAt(h.RGID(n.rg)+"/providers/Microsoft.ContainerService/managedClusters/plain", "2025-10-01").Properties.NodeProvisioningProfile
	if len(got) != 2 || got["mode"] != "Manual" || got["defaultNodePools"] != "Auto" {
		t.Errorf("a cluster created without nodeProvisioningProfile shows %v, want AKS's default %v", got, want)
	}
}
