package containerservice_test

import (
	"strconv"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
)

// benchCreate measures PUT → operation Succeeded through the SDK for a
// kubenet cluster of nodes nodes with a user-assigned identity that already
// holds its role (so nothing waits), deleting each cluster untimed.
func benchCreate(b *testing.B, nodes int32, subnet, podCIDR string) {
	h, rg := newHarnessRG(b)
	ids := h.vnet(rg, "vnet", "192.168.0.0/16", "s1="+subnet)
	mc := h.identityCluster(rg, ids[""], ids["s1"], nodes)
	mc.Properties.NetworkProfile.PodCidr = to.Ptr(podCIDR)
	// One untimed round warms the connection and the token.
	h.mustPutCluster(rg, "warm", mc)
	h.deleteCluster(rg, "warm")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		name := "c" + strconv.Itoa(i)
		// As an SDK user would: Begin, then PollUntilDone.
		poller, err := h.AKS.BeginCreateOrUpdate(h.Ctx, rg, name, mc, nil)
		if err != nil {
			b.Fatalf("create %s: %v", name, err)
		}
		res, err := poller.PollUntilDone(h.Ctx, nil)
		if err != nil {
			b.Fatalf("create %s: %v", name, err)
		}
		if got := str(res.Properties.ProvisioningState); got != "Succeeded" {
			b.Fatalf("create %s: %s", name, got)
		}
		b.StopTimer()
		h.deleteCluster(rg, name)
		b.StartTimer()
	}
}

// BenchmarkCreateCluster3Nodes: target ≤ 50 ms per create.
func BenchmarkCreateCluster3Nodes(b *testing.B) {
	benchCreate(b, 3, "192.168.1.0/24", "10.244.0.0/16")
}

// BenchmarkCreateCluster400Nodes: 400 nodes and 400 routes, target ≤ 1 s.
func BenchmarkCreateCluster400Nodes(b *testing.B) {
	benchCreate(b, 400, "192.168.0.0/22", "10.244.0.0/15")
}
