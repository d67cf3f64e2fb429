package containerservice_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/armtest"
)

// aksETags reads, through the raw API, a cluster's eTag, its pool
// profiles' eTags by name, and each agentPools resource's eTag by name.
func (h *harness) aksETags(clusterID string) (cluster string, profiles, pools map[string]string) {
	h.T.Helper()
	var mc struct {
		Etag       *string `json:"etag"`
		ETag       string  `json:"eTag"`
		Properties struct {
			AgentPoolProfiles []struct {
				Name string `json:"name"`
				ETag string `json:"eTag"`
			} `json:"agentPoolProfiles"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(h.Get(clusterID), &mc); err != nil {
		h.T.Fatal(err)
	}
	if mc.Etag != nil {
		h.T.Errorf("the cluster has an \"etag\" member (%s); AKS spells it eTag", *mc.Etag)
	}
	profiles, pools = map[string]string{}, map[string]string{}
	for _, p := range mc.Properties.AgentPoolProfiles {
		profiles[p.Name] = p.ETag
		var ap struct {
			Properties struct {
				ETag string `json:"eTag"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(h.Get(clusterID+"/agentPools/"+p.Name), &ap); err != nil {
			h.T.Fatal(err)
		}
		pools[p.Name] = ap.Properties.ETag
	}
	return mc.ETag, profiles, pools
}

// Issue 17, point 3: AKS clusters and agent pools carry AKS's eTag: the
// member is "eTag" (the SDK's ManagedCluster.ETag, ManagedClusterAgentPoolProfile.ETag
// and ManagedClusterAgentPoolProfileProperties.ETag, all read-only), an
// opaque string, not a quoted HTTP entity tag (azure-rest-api-specs,
// specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-02-01/examples/
// ManagedClustersGet.json: cluster "eTag": "beywbwei", its pool profile
// "eTag": "nvewbvoi"; AgentPoolsGet.json: properties "eTag": "ebwiyfneowv").
// Each pool has its own, shown alike in the cluster and in the agent pool
// resource; it changes when the pool does, and the cluster's with it. The
// swagger: "Specify an if-match or if-none-match header with the eTag value
// for a subsequent request to enable optimistic concurrency per the normal
// etag convention": a stale If-Match is refused with 412, and a GET with
// the current one answers 304.
func TestIntegrationETag_ClustersAndPools(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	mc := h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 1))
	id := *mc.ID
	if _, err := h.putPool(n.rg, "c", "pool2", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](1), VnetSubnetID: to.Ptr(n.subnetID)}}); err != nil {
		t.Fatalf("add pool2: %v", err)
	}
	cluster, profiles, pools := h.aksETags(id)
	if cluster == "" || strings.ContainsAny(cluster, `"/`) {
		t.Errorf("cluster eTag %q, want an opaque string", cluster)
	}
	if len(profiles) != 2 {
		t.Fatalf("pool profiles %v, want nodepool1 and pool2", profiles)
	}
	for name, e := range profiles {
		if e == "" || e != pools[name] {
			t.Errorf("pool %s: eTag %q in the cluster, %q in agentPools/%s; want one, the same", name, e, pools[name], name)
		}
	}
	if profiles["nodepool1"] == profiles["pool2"] || profiles["pool2"] == cluster {
		t.Errorf("eTags cluster %s, nodepool1 %s, pool2 %s: want each its own", cluster, profiles["nodepool1"], profiles["pool2"])
	}
	if mc := h.cluster(n.rg, "c"); str(mc.ETag) != cluster {
		t.Errorf("the SDK reads the cluster's eTag as %q, want %q", str(mc.ETag), cluster)
	}

	const av = "?api-version=2024-09-01"
	stale := "00000000-0000-0000-0000-000000000000"
	// A read changes nothing.
	if again, _, _ := h.aksETags(id); again != cluster {
		t.Errorf("cluster eTag %s, then %s with no change", cluster, again)
	}
	if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", cluster); r.Status != http.StatusNotModified {
		t.Errorf("GET cluster If-None-Match its eTag: %d, want 304", r.Status)
	}
	if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", stale); r.Status != http.StatusOK {
		t.Errorf("GET cluster If-None-Match another eTag: %d, want 200", r.Status)
	}
	// A stale If-Match is refused before anything changes.
	before := h.Snapshot(id, id+"/agentPools/pool2")
	r := h.Do(http.MethodPut, id+"/agentPools/pool2"+av, map[string]any{"properties": map[string]any{"count": 2}}, "If-Match", stale)
	want{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}.Check(t, r.APIErr(t))
	r = h.Do(http.MethodPatch, id+av, map[string]any{"tags": map[string]string{"x": "y"}}, "If-Match", stale)
	want{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}.Check(t, r.APIErr(t))
	h.Unchanged(before)

	// Scaling pool2, conditioned on its current eTag, changes its eTag and
	// the cluster's, not nodepool1's.
	p, err := h.Pools.BeginCreateOrUpdate(h.Ctx, n.rg, "c", "pool2", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](2), VnetSubnetID: to.Ptr(n.subnetID)}}, &armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions{IfMatch: to.Ptr(pools["pool2"])})
	if _, err := armtest.LRO(h.Ctx, p, err); err != nil {
		t.Fatalf("scale pool2 If-Match its eTag: %v", err)
	}
	c2, profiles2, pools2 := h.aksETags(id)
	if c2 == cluster || profiles2["pool2"] == profiles["pool2"] || profiles2["pool2"] != pools2["pool2"] {
		t.Errorf("after scaling pool2: cluster eTag %s -> %s, pool2 %s -> %s (resource %s); want both changed, the pool's the same in both", cluster, c2, profiles["pool2"], profiles2["pool2"], pools2["pool2"])
	}
	if profiles2["nodepool1"] != profiles["nodepool1"] {
		t.Errorf("nodepool1's eTag changed from %s to %s when only pool2 scaled", profiles["nodepool1"], profiles2["nodepool1"])
	}
	// The old cluster eTag no longer matches; the new one does.
	if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", cluster); r.Status != http.StatusOK {
		t.Errorf("GET cluster If-None-Match its old eTag: %d, want 200", r.Status)
	}
	if r := h.Do(http.MethodPatch, id+av, map[string]any{"tags": map[string]string{"x": "y"}}, "If-Match", c2); r.Status != http.StatusOK && r.Status != http.StatusAccepted {
		t.Errorf("PATCH cluster If-Match its eTag: %d %s", r.Status, r.Body)
	}
	if c3, _, _ := h.aksETags(id); c3 == c2 {
		t.Errorf("a tag change kept the cluster's eTag %s", c3)
	}
}
