package controlplane_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/store"
)

// keyCounts counts the store's keys by their first path segment.
func keyCounts(t *testing.T, e *armtest.Env) map[string]int {
	t.Helper()
	counts := map[string]int{}
	_ = e.Plane.ARM.Store().View(func(r store.Reader) error {
		r.Scan("", func(k string, _ []byte) bool {
			p, _, _ := strings.Cut(k, "/")
			counts[p]++
			return true
		})
		return nil
	})
	return counts
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestLeak_CreateDeleteCycles creates and deletes a 3-node kubenet cluster
// over and over: afterwards the store holds exactly what it held before
// (no orphaned references, addresses, routes or state), and neither the heap
// nor the goroutine count grows.
func TestLeak_CreateDeleteCycles(t *testing.T) {
	e := armtest.Start(t)
	ctx := context.Background()
	cred, opts, sub := e.Credential(t), e.ClientOptions(), e.Creds.SubscriptionID
	rgc, _ := armresources.NewResourceGroupsClient(sub, cred, opts)
	vnc, _ := armnetwork.NewVirtualNetworksClient(sub, cred, opts)
	idc, _ := armmsi.NewUserAssignedIdentitiesClient(sub, cred, opts)
	rac, _ := armauthorization.NewRoleAssignmentsClient(sub, cred, opts)
	mcc, _ := armcontainerservice.NewManagedClustersClient(sub, cred, opts)
	if _, err := rgc.CreateOrUpdate(ctx, "leak", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
	vp, err := vnc.BeginCreateOrUpdate(ctx, "leak", "vnet", armnetwork.VirtualNetwork{Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr("192.168.0.0/16")}},
			Subnets: []*armnetwork.Subnet{{Name: to.Ptr("s"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("192.168.1.0/24")}}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vnet, err := vp.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ident, err := idc.CreateOrUpdate(ctx, "leak", "leak-identity", armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rac.Create(ctx, *vnet.ID, "3f1f9a6c-1b1e-4c5a-9f6e-2a7b8c9d0e1f", armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr("/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"),
		PrincipalID:      ident.Properties.PrincipalID}}, nil); err != nil {
		t.Fatal(err)
	}
	cluster := armcontainerservice.ManagedCluster{Location: to.Ptr("eastus"),
		Identity: &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeUserAssigned),
			UserAssignedIdentities: map[string]*armcontainerservice.ManagedServiceIdentityUserAssignedIdentitiesValue{*ident.ID: {}}},
		Properties: &armcontainerservice.ManagedClusterProperties{
			AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{{Name: to.Ptr("nodepool1"), Count: to.Ptr[int32](3),
				VnetSubnetID: vnet.Properties.Subnets[0].ID, Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem)}},
			NetworkProfile: &armcontainerservice.NetworkProfile{NetworkPlugin: to.Ptr(armcontainerservice.NetworkPluginKubenet)}}}
	runtimePoll := azruntime.PollUntilDoneOptions{}
	cycle := func(i int) {
		name := fmt.Sprintf("c%d", i)
		p, err := mcc.BeginCreateOrUpdate(ctx, "leak", name, cluster, nil)
		if err != nil {
			t.Fatalf("cycle %d create: %v", i, err)
		}
		if _, err := p.PollUntilDone(ctx, &runtimePoll); err != nil {
			t.Fatalf("cycle %d create: %v", i, err)
		}
		d, err := mcc.BeginDelete(ctx, "leak", name, nil)
		if err != nil {
			t.Fatalf("cycle %d delete: %v", i, err)
		}
		if _, err := d.PollUntilDone(ctx, &runtimePoll); err != nil {
			t.Fatalf("cycle %d delete: %v", i, err)
		}
	}
	// Warm up caches and pools, then take the baseline.
	for i := range 3 {
		cycle(i)
	}
	if _, err := e.Plane.ARM.PruneOperations(ctx, 0); err != nil {
		t.Fatal(err)
	}
	baseKeys := keyCounts(t, e)
	baseHeap, baseG := heapInUse(), runtime.NumGoroutine()
	const cycles = 30
	for i := range cycles {
		cycle(3 + i)
	}
	if _, err := e.Plane.ARM.PruneOperations(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// Idle connections of the client and server settle.
	e.HTTP.CloseIdleConnections()
	time.Sleep(50 * time.Millisecond)
	gotKeys := keyCounts(t, e)
	for p, n := range gotKeys {
		if n != baseKeys[p] {
			t.Errorf("store keys under %q: %d after %d cycles, %d before", p, n, cycles, baseKeys[p])
		}
	}
	heap, g := heapInUse(), runtime.NumGoroutine()
	t.Logf("heap in use: %.1f MiB → %.1f MiB; goroutines %d → %d", float64(baseHeap)/(1<<20), float64(heap)/(1<<20), baseG, g)
	if heap > baseHeap+4<<20 {
		t.Errorf("heap grew by %.1f MiB over %d create/delete cycles", float64(heap-baseHeap)/(1<<20), cycles)
	}
	if g > baseG+5 {
		t.Errorf("goroutines grew from %d to %d over %d cycles", baseG, g, cycles)
	}
}
