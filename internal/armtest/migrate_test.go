package armtest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/controlplane"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/aksnet/aksnet/internal/store/bolt"
)

// schema0State is a state dir written by aksnetd at commit 3ffac58, before
// the store had schema versions: `aksnet group create -n rg-old`, `network
// vnet create -n vnet-old` (10.1.0.0/16, subnet nodes 10.1.0.0/24), `network
// route-table create -n rt-old` with route r1 (10.244.0.0/24 via 10.1.0.4),
// and `aks create -n aks-old --network-plugin kubenet --vnet-subnet-id
// <nodes> --node-count 2`, then a clean stop.
const schema0State = "../store/bolt/testdata/schema0-3ffac58"

// TestState_MigratesADatabaseFromCommit3ffac58 opens that state dir with this
// build, which migrates it to the current schema in one transaction at open,
// and reads every resource back through the ARM API, then writes and
// reopens.
func TestState_MigratesADatabaseFromCommit3ffac58(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{controlplane.DatabaseFile, statedir.CredentialsFile} {
		raw, err := os.ReadFile(filepath.Join(schema0State, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, controlplane.DatabaseFile)
	if v, err := bolt.Verify(db, nil); err != nil || v != 0 {
		t.Fatalf("the test database: schema %d, %v; want a valid schema 0 file", v, err)
	}
	e, err := StartDir(Options{StateDir: dir})
	if err != nil {
		t.Fatalf("open the schema 0 state: %v", err)
	}
	t.Cleanup(func() { StopQuickly(e) }) // Stop is idempotent
	h := NewHarness(t, e, e.Credential(t))

	rg, err := h.RG.Get(h.Ctx, "rg-old", nil)
	if err != nil || *rg.Location != "eastus" {
		t.Fatalf("resource group: %v %+v", err, rg)
	}
	vnet, err := h.Net.NewVirtualNetworksClient().Get(h.Ctx, "rg-old", "vnet-old", nil)
	if err != nil || *vnet.Properties.AddressSpace.AddressPrefixes[0] != "10.1.0.0/16" || len(vnet.Properties.Subnets) != 1 ||
		*vnet.Properties.Subnets[0].Name != "nodes" || *vnet.Properties.Subnets[0].Properties.AddressPrefix != "10.1.0.0/24" {
		t.Fatalf("vnet: %v %+v", err, vnet)
	}
	r1, err := h.Net.NewRoutesClient().Get(h.Ctx, "rg-old", "rt-old", "r1", nil)
	if err != nil || *r1.Properties.AddressPrefix != "10.244.0.0/24" || *r1.Properties.NextHopIPAddress != "10.1.0.4" {
		t.Fatalf("route: %v %+v", err, r1)
	}
	cluster := h.Do(http.MethodGet, "/subscriptions/"+h.Sub+"/resourceGroups/rg-old/providers/Microsoft.ContainerService/managedClusters/aks-old?api-version=2024-05-01", nil)
	var mc struct {
		Properties struct {
			ProvisioningState string `json:"provisioningState"`
			NodeResourceGroup string `json:"nodeResourceGroup"`
			NetworkProfile    struct {
				NetworkPlugin string `json:"networkPlugin"`
			} `json:"networkProfile"`
			AgentPoolProfiles []struct {
				Count int `json:"count"`
			} `json:"agentPoolProfiles"`
		} `json:"properties"`
	}
	if cluster.Status != http.StatusOK {
		t.Fatalf("cluster: %d %s", cluster.Status, cluster.Body)
	}
	cluster.Decode(t, &mc)
	if p := mc.Properties; p.ProvisioningState != "Succeeded" || p.NetworkProfile.NetworkPlugin != "kubenet" || len(p.AgentPoolProfiles) != 1 || p.AgentPoolProfiles[0].Count != 2 {
		t.Fatalf("cluster: %s", cluster.Body)
	}
	// The cluster's route table, made by its route controller then.
	pager := h.Net.NewRouteTablesClient().NewListPager(mc.Properties.NodeResourceGroup, nil)
	page, err := pager.NextPage(h.Ctx)
	if err != nil || len(page.Value) != 1 || !strings.HasPrefix(*page.Value[0].Name, "aks-agentpool-") {
		t.Fatalf("node resource group route tables: %v %+v", err, page.Value)
	}

	// The migrated state takes writes, and reopens at the current schema.
	if _, err := h.PutRoute("rg-old", "rt-old", "r2", armnetwork.Route{Properties: &armnetwork.RoutePropertiesFormat{
		AddressPrefix: to.Ptr("10.244.1.0/24"), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance), NextHopIPAddress: to.Ptr("10.1.0.5")}}); err != nil {
		t.Fatalf("route after migration: %v", err)
	}
	StopQuickly(e)
	if v, err := bolt.Verify(db, nil); err != nil || v != bolt.SchemaVersion {
		t.Fatalf("after migration: schema %d, %v; want %d", v, err, bolt.SchemaVersion)
	}
	e2, err := StartDir(Options{StateDir: dir})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer StopQuickly(e2)
	h2 := NewHarness(t, e2, e2.Credential(t))
	if _, err := h2.Net.NewRoutesClient().Get(h2.Ctx, "rg-old", "rt-old", "r2", nil); err != nil {
		t.Fatalf("route r2 after reopening: %v", err)
	}
}
