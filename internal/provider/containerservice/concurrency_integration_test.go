package containerservice_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/armtest"
)

// The items of a page of the SDK's list pagers (see armtest.ListAll).
var (
	clusterItems = func(p armcontainerservice.ManagedClustersClientListResponse) []*armcontainerservice.ManagedCluster {
		return p.Value
	}
	groupItems      = func(p armresources.ResourceGroupsClientListResponse) []*armresources.ResourceGroup { return p.Value }
	routeTableItems = func(p armnetwork.RouteTablesClientListAllResponse) []*armnetwork.RouteTable { return p.Value }
)

// TestIntegrationConcurrency: concurrent creates on one subnet give exactly
// one cluster and never a duplicated node IP or pod CIDR; concurrent scales
// of one cluster are serialised or refused with 409, never interleaved.
func TestIntegrationConcurrency(t *testing.T) {
	t.Parallel()
	t.Run("creates on one subnet", func(t *testing.T) {
		if testing.Short() {
			t.Skip("100 concurrent creates: skipped with -short")
		}
		t.Parallel()
		// Its own plane, so "anywhere" means this test's resources only.
		rg := armtest.RGName(t) // unique per run, so is the plane
		h := harnessOn(t, armtest.Plane(t, rg, armtest.Options{}))
		n := h.articleNetwork(rg)
		const creates = 100
		errs := make([]error, creates)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range creates {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = h.putCluster(n.rg, fmt.Sprintf("c%03d", i), kubenetCluster(n.subnetID, n.identityID, 3))
			}()
		}
		close(start)
		wg.Wait()
		winner := ""
		for i, err := range errs {
			name := fmt.Sprintf("c%03d", i)
			if err == nil {
				if winner != "" {
					t.Errorf("both %s and %s were created on one subnet", winner, name)
				}
				winner = name
				continue
			}
			want{Status: http.StatusBadRequest, Code: "SubnetInUseByAnotherCluster", Target: tSub0, Mentions: []string{"myAKSSubnet"}}.CheckSDK(t, err)
		}
		if winner == "" {
			t.Fatal("no create succeeded")
		}

		// Exactly one cluster, one node resource group, three NICs and
		// three routes anywhere, with distinct IPs and pod CIDRs.
		var clusters []string
		for _, c := range armtest.ListAll(h.Harness, h.AKS.NewListPager(nil), clusterItems) {
			clusters = append(clusters, str(c.Name))
		}
		if len(clusters) != 1 || clusters[0] != winner {
			t.Errorf("clusters %v, want only %s", clusters, winner)
		}
		var nodeRGs []string
		for _, g := range armtest.ListAll(h.Harness, h.RG.NewListPager(nil), groupItems) {
			if strings.HasPrefix(str(g.Name), "MC_") {
				nodeRGs = append(nodeRGs, str(g.Name))
			}
		}
		if len(nodeRGs) != 1 {
			t.Errorf("node resource groups %v, want one", nodeRGs)
		}
		ips := map[string]string{}
		for _, rg := range nodeRGs {
			for _, nic := range h.scaleSetNICs(rg) {
				for _, c := range nic.Properties.IPConfigurations {
					distinct(t, ips, str(c.Properties.PrivateIPAddress), "NIC "+str(nic.ID), "address")
				}
			}
		}
		cidrs := map[string]string{}
		for _, rt := range armtest.ListAll(h.Harness, h.Net.NewRouteTablesClient().NewListAllPager(nil), routeTableItems) {
			for _, r := range rt.Properties.Routes {
				distinct(t, cidrs, str(r.Properties.AddressPrefix), "route "+str(r.Name), "address prefix")
			}
		}
		if len(ips) != 3 || len(cidrs) != 3 {
			t.Errorf("%d node IPs and %d routes anywhere, want 3 of each: %v, %v", len(ips), len(cidrs), ips, cidrs)
		}
		l := h.layoutOf(n.rg, winner)
		l.check(t, 3)
		wantNodes(t, l, span(0, 3), seqIPs("192.168.1.4", 3), seqCIDRs("10.244.0.0/16", 3))

		// Deleting the winner frees everything it held, its outbound public
		// IP included: the next cluster gets the same one.
		pip := func(nodeRG string) string {
			for _, p := range publicIPs(h, nodeRG) {
				return str(p.Properties.IPAddress)
			}
			return ""
		}
		first := pip(l.NodeRG)
		h.deleteCluster(n.rg, winner)
		h.mustPutCluster(n.rg, "next", kubenetCluster(n.subnetID, n.identityID, 3))
		l = h.layoutOf(n.rg, "next")
		l.check(t, 3)
		wantNodes(t, l, span(0, 3), seqIPs("192.168.1.4", 3), seqCIDRs("10.244.0.0/16", 3))
		if got := pip(l.NodeRG); got != first || got == "" {
			t.Errorf("outbound public IP %q after delete and create, want the freed %q", got, first)
		}
	})

	t.Run("scales of one cluster", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		n := h.articleNetwork(armtest.RGName(t))
		h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 3))
		base := h.cluster(n.rg, "c")
		const scales = 24
		requested := map[int32]bool{3: true}
		errs := make([]error, scales)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range scales {
			count := int32(1 + (i*7)%12)
			requested[count] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i%2 == 0 {
					mc := base
					props := *base.Properties
					mc.Properties = &props
					ap := *props.AgentPoolProfiles[0]
					ap.Count = to.Ptr(count)
					props.AgentPoolProfiles = []*armcontainerservice.ManagedClusterAgentPoolProfile{&ap}
					_, errs[i] = h.putCluster(n.rg, "c", mc)
				} else {
					_, errs[i] = h.putPool(n.rg, "c", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{Count: to.Ptr(count)}})
				}
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			want{Status: http.StatusConflict, Code: "OperationNotAllowed"}.CheckSDK(t, err)
		}
		if ok == 0 {
			t.Error("every scale was refused")
		}
		l := h.layoutOf(n.rg, "c")
		count := int(*l.Cluster.Properties.AgentPoolProfiles[0].Count)
		if !requested[int32(count)] {
			t.Errorf("final count %d was never requested", count)
		}
		l.check(t, count)
		// Serialised scales keep the nodes on the lowest addresses and pod
		// CIDRs, in instance order.
		ips, cidrs := l.ipsAndCIDRs()
		if !sameSet(ips, seqIPs("192.168.1.4", count)) || !sameSet(cidrs, seqCIDRs("10.244.0.0/16", count)) {
			t.Errorf("after concurrent scales: IPs %v CIDRs %v, want the lowest %d", ips, cidrs, count)
		}
		if sn := h.subnet(n.subnetID); len(sn.Properties.IPConfigurations) != count {
			t.Errorf("subnet lists %d IP configurations for %d nodes", len(sn.Properties.IPConfigurations), count)
		}
		if ap, err := h.Pools.Get(h.Ctx, n.rg, "c", "nodepool1", nil); err != nil || int(*ap.Properties.Count) != count {
			t.Errorf("agentPools/nodepool1 count %v (%v), cluster says %d", ap.Properties, err, count)
		}
	})

	t.Run("scales refused while an operation runs", func(t *testing.T) {
		t.Parallel()
		h := slowHarness(t) // the create stays in flight for slowProvisioning
		rg := armtest.RGName(t)
		n := h.articleNetwork(rg)
		ids := map[string]string{"s1": n.subnetID}
		poller, err := h.AKS.BeginCreateOrUpdate(h.Ctx, rg, "c", kubenetCluster(ids["s1"], n.identityID, 3), nil)
		if err != nil {
			t.Fatal(err)
		}
		const scales = 16
		errs := make([]error, scales)
		var wg sync.WaitGroup
		for i := range scales {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, errs[i] = h.scaleCluster(rg, "c", int32(4+i))
				} else {
					_, errs[i] = h.putPool(rg, "c", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{Count: to.Ptr(int32(4 + i))}})
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			want{Status: http.StatusConflict, Code: "OperationNotAllowed", Mentions: []string{"creating", "c"}}.CheckSDK(t, err)
		}
		err = h.deletePool(rg, "c", "nodepool1")
		want{Status: http.StatusConflict, Code: "OperationNotAllowed"}.CheckSDK(t, err)

		if _, err := armtest.PollDone(h.Ctx, poller); err != nil {
			t.Fatalf("create: %v", err)
		}
		l := h.layoutOf(rg, "c")
		l.check(t, 3)
		wantNodes(t, l, span(0, 3), seqIPs("192.168.1.4", 3), seqCIDRs("10.244.0.0/16", 3))
	})
}
