package containerservice_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/armtest"
)

// instanceSuffix is instance n's 6-character base-36 suffix.
func instanceSuffix(n int) string {
	s := strconv.FormatInt(int64(n), 36)
	return strings.Repeat("0", 6-len(s)) + s
}

// wantNodes checks the nodes' instance numbers, IPs and pod CIDRs: node i
// (in name order) has instance idx[i], IP ips[i] and pod CIDR cidrs[i].
func wantNodes(t *testing.T, l layout, idx []int, ips, cidrs []string) {
	t.Helper()
	if len(l.Nodes) != len(idx) {
		t.Errorf("%d nodes, want %d", len(l.Nodes), len(idx))
		return
	}
	bad := 0
	for i, n := range l.Nodes {
		if !strings.HasSuffix(n.Name, "vmss"+instanceSuffix(idx[i])) || n.IP != ips[i] || n.PodCIDR != cidrs[i] {
			if bad++; bad <= 5 {
				t.Errorf("node %d: %s %s %s, want …vmss%s %s %s", i, n.Name, n.IP, n.PodCIDR, instanceSuffix(idx[i]), ips[i], cidrs[i])
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more nodes differ", bad-5)
	}
}

func span(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// bigSubnetCluster is the cluster TestIntegrationScale scales: count nodes
// on a /22 subnet with a /15 pod CIDR, in a VNet it creates in rg.
func bigSubnetCluster(h *harness, rg string, count int32) armcontainerservice.ManagedCluster {
	h.T.Helper()
	ids := h.vnet(rg, "vnet", "192.168.0.0/16", "big=192.168.0.0/22")
	mc := h.identityCluster(rg, ids[""], ids["big"], count)
	mc.Properties.NetworkProfile.PodCidr = to.Ptr("10.244.0.0/15")
	return mc
}

// TestIntegrationScale scales a cluster on a /22 subnet with a /15 pod CIDR
// 3 → 5 → 2 → 400 and checks IPs, pod CIDRs and routes each time: scaling
// down removes the newest nodes and their routes, scaling up takes the
// lowest free IPs and CIDRs.
func TestIntegrationScale(t *testing.T) {
	t.Parallel()
	t.Run("3-5-2-400", func(t *testing.T) {
		t.Parallel()
		h, rg := newHarnessRG(t)
		mc := bigSubnetCluster(h, rg, 3)
		h.mustPutCluster(rg, "c", mc)
		const pod = "10.244.0.0/15"

		step := func(n int32, idx []int) layout {
			t.Helper()
			l := h.layoutOf(rg, "c")
			l.check(t, int(n))
			ips, cidrs := seqIPs("192.168.0.4", int(n)), seqCIDRs(pod, int(n))
			wantNodes(t, l, idx, ips, cidrs)
			return l
		}
		step(3, span(0, 3))
		for _, s := range []struct {
			n   int32
			idx []int
		}{
			{5, span(0, 5)},
			// Down: the newest nodes (2, 3, 4) go.
			{2, span(0, 2)},
		} {
			if _, err := h.scaleCluster(rg, "c", s.n); err != nil {
				t.Fatalf("scale to %d: %v", s.n, err)
			}
			step(s.n, s.idx)
		}
		// Up again: new instance numbers, the lowest free IPs and CIDRs.
		if _, err := h.scaleCluster(rg, "c", 4); err != nil {
			t.Fatalf("scale to 4: %v", err)
		}
		step(4, []int{0, 1, 5, 6})
		if _, err := h.scaleCluster(rg, "c", 2); err != nil {
			t.Fatalf("scale to 2: %v", err)
		}
		step(2, span(0, 2))
		if testing.Short() {
			t.Skip("400 nodes: skipped with -short")
		}
		if _, err := h.scaleCluster(rg, "c", 400); err != nil {
			t.Fatalf("scale to 400: %v", err)
		}
		l := step(400, append([]int{0, 1}, span(7, 405)...))
		if len(l.Routes) != 400 {
			t.Errorf("%d routes, want 400", len(l.Routes))
		}
		if sn := h.subnet(*mc.Properties.AgentPoolProfiles[0].VnetSubnetID); len(sn.Properties.IPConfigurations) != 400 {
			t.Errorf("subnet lists %d IP configurations, want 400", len(sn.Properties.IPConfigurations))
		}
		// 401 is over the default route limit.
		_, err := h.scaleCluster(rg, "c", 401)
		want{Status: http.StatusBadRequest, Code: "RoutesPerRouteTableLimitExceeded", Target: tCnt0, Mentions: []string{"401", "at most 400"}}.CheckSDK(t, err)
		step(400, append([]int{0, 1}, span(7, 405)...))
		// And down to 3 in one go.
		if _, err := h.scaleCluster(rg, "c", 3); err != nil {
			t.Fatalf("scale to 3: %v", err)
		}
		step(3, []int{0, 1, 7})
	})

	t.Run("route limit counts custom routes added later", func(t *testing.T) {
		t.Parallel()
		h := limitedHarness(t)
		n := h.articleNetwork(armtest.RGName(t))
		h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 2))
		rt := parseID(t, h.layoutOf(n.rg, "c").RouteID)
		p, err := h.Net.NewRoutesClient().BeginCreateOrUpdate(h.Ctx, rt.rg, rt.names[0], "to-nva", armnetwork.Route{Properties: &armnetwork.RoutePropertiesFormat{
			AddressPrefix: to.Ptr("10.50.0.0/16"), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance), NextHopIPAddress: to.Ptr("192.168.1.200")}}, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, p)
		}
		if err != nil {
			t.Fatalf("add custom route: %v", err)
		}
		if _, err := h.scaleCluster(n.rg, "c", limitedRoutes-1); err != nil {
			t.Fatalf("scale to %d: %v", limitedRoutes-1, err)
		}
		_, err = h.scaleCluster(n.rg, "c", limitedRoutes)
		want{Status: http.StatusBadRequest, Code: "RoutesPerRouteTableLimitExceeded", Target: tCnt0, Mentions: []string{"1 custom route", "at most " + strconv.Itoa(limitedRoutes)}}.CheckSDK(t, err)
		l := h.layoutOf(n.rg, "c")
		l.check(t, limitedRoutes-1)
		if _, ok := l.Routes["to-nva"]; !ok || len(l.Routes) != limitedRoutes {
			t.Errorf("routes %d, want %d with to-nva", len(l.Routes), limitedRoutes)
		}
	})

	t.Run("401 nodes at creation", func(t *testing.T) {
		t.Parallel()
		h, rg := newHarnessRG(t)
		mc := bigSubnetCluster(h, rg, 401)
		_, err := h.putCluster(rg, "c", mc)
		want{Status: http.StatusBadRequest, Code: "RoutesPerRouteTableLimitExceeded", Target: tCnt0, Mentions: []string{"401", "at most 400"}}.CheckSDK(t, err)
		if code := h.clusterStatus(rg, "c"); code != http.StatusNotFound {
			t.Errorf("GET refused cluster: %d", code)
		}
		if sn := h.subnet(*mc.Properties.AgentPoolProfiles[0].VnetSubnetID); len(sn.Properties.IPConfigurations) != 0 || sn.Properties.RouteTable != nil {
			t.Errorf("refused cluster left %d IP configurations, route table %v", len(sn.Properties.IPConfigurations), sn.Properties.RouteTable)
		}
	})

	t.Run("a /24 refuses node 252", func(t *testing.T) {
		if testing.Short() {
			t.Skip("251 nodes: skipped with -short")
		}
		t.Parallel()
		h := newHarness(t)
		n, l := h.articleCluster(t, 251)
		wantNodes(t, l, span(0, 251), seqIPs("192.168.1.4", 251), seqCIDRs("10.244.0.0/16", 251))
		if got := l.Nodes[250].IP; got != "192.168.1.254" {
			t.Errorf("node 251 has %s, want 192.168.1.254", got)
		}
		_, err := h.scaleCluster(n.rg, "c", 252)
		want{Status: http.StatusBadRequest, Code: "SubnetIsFull", Target: tCnt0, Mentions: []string{"192.168.1.0/24", "1 IP addresses are needed but only 0"}}.CheckSDK(t, err)
		l = h.layoutOf(n.rg, "c")
		l.check(t, 251)
		// The same through the agent pool.
		_, err = h.putPool(n.rg, "c", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{Count: to.Ptr[int32](252)}})
		want{Status: http.StatusBadRequest, Code: "SubnetIsFull", Target: "properties.count", Mentions: []string{"192.168.1.0/24"}}.CheckSDK(t, err)
		h.layoutOf(n.rg, "c").check(t, 251)
		// Creating 252 nodes in a fresh /24 is refused up front.
		s2 := h.mustPutSubnet(n.rg, "myAKSVnet", "s2", "192.168.2.0/24", "")
		_, err = h.putCluster(n.rg, "c2", kubenetCluster(*s2.ID, n.identityID, 252))
		want{Status: http.StatusBadRequest, Code: "InsufficientSubnetSize", Target: tCnt0, Mentions: []string{"192.168.2.0/24", "251 usable", "252"}}.CheckSDK(t, err)
	})

	t.Run("agentPools", func(t *testing.T) {
		t.Parallel()
		h, rg := newHarnessRG(t)
		ids := h.vnet(rg, "vnet", "192.168.0.0/16", "s1=192.168.1.0/27", "s2=192.168.2.0/24")
		idID, principal := h.Identity(rg, "clusterIdentity")
		h.Grant(ids["s1"], principal, networkContributor)
		h.mustPutCluster(rg, "c", kubenetCluster(ids["s1"], idID, 2))
		scalePool := func(name string, n int32) (armcontainerservice.AgentPool, error) {
			return h.putPool(rg, "c", name, armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{Count: to.Ptr(n)}})
		}
		ap, err := scalePool("nodepool1", 4)
		if err != nil {
			t.Fatalf("scale nodepool1 to 4: %v", err)
		}
		if *ap.Properties.Count != 4 || str(ap.Properties.ProvisioningState) != "Succeeded" {
			t.Errorf("agent pool count %d state %s", *ap.Properties.Count, str(ap.Properties.ProvisioningState))
		}
		l := h.layoutOf(rg, "c")
		l.check(t, 4)
		wantNodes(t, l, span(0, 4), seqIPs("192.168.1.4", 4), seqCIDRs("10.244.0.0/16", 4))
		if _, err := scalePool("nodepool1", 1); err != nil {
			t.Fatalf("scale nodepool1 to 1: %v", err)
		}
		l = h.layoutOf(rg, "c")
		l.check(t, 1)
		wantNodes(t, l, span(0, 1), seqIPs("192.168.1.4", 1), seqCIDRs("10.244.0.0/16", 1))

		// az aks nodepool add: the cluster's subnet by default.
		ap, err = h.putPool(rg, "c", "pool2", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](2), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser)}})
		if err != nil {
			t.Fatalf("add pool2: %v", err)
		}
		l = h.layoutOf(rg, "c")
		l.check(t, 3)
		byPool := map[string][]node{}
		for _, nd := range l.Nodes {
			m := instanceName.FindStringSubmatch(nd.Name)
			if m != nil {
				byPool[m[1]] = append(byPool[m[1]], nd)
			}
		}
		if p2 := byPool["pool2"]; len(p2) != 2 || p2[0].IP != "192.168.1.5" || p2[1].IP != "192.168.1.6" ||
			p2[0].PodCIDR != "10.244.1.0/24" || p2[1].PodCIDR != "10.244.2.0/24" || !strings.HasSuffix(p2[0].Name, "vmss000000") {
			t.Errorf("pool2 nodes %+v, want vmss000000-1 at .5-.6 with 10.244.1-2.0/24", p2)
		}
		mc := h.cluster(rg, "c")
		if len(mc.Properties.AgentPoolProfiles) != 2 {
			t.Errorf("cluster lists %d pools, want 2", len(mc.Properties.AgentPoolProfiles))
		}
		var listed []string
		pager := h.Pools.NewListPager(rg, "c", nil)
		for pager.More() {
			page, err := pager.NextPage(h.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Value {
				listed = append(listed, str(p.Name)+"="+strconv.Itoa(int(*p.Properties.Count)))
			}
		}
		slices.Sort(listed)
		if !slices.Equal(listed, []string{"nodepool1=1", "pool2=2"}) {
			t.Errorf("agent pools %v", listed)
		}
		// nodepool add runs the kubenet rules on the new pool.
		_, err = h.putPool(rg, "c", "win", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](1), OSType: to.Ptr(armcontainerservice.OSTypeWindows)}})
		want{Status: 400, Code: "AzureCNIOnlyForWindows", Target: "properties.osType", Mentions: []string{"win"}}.CheckSDK(t, err)
		_, err = h.putPool(rg, "c", "pool4", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](1), MaxPods: to.Ptr[int32](251)}})
		want{Status: 400, Code: "MaxPodsLimitExceeded", Target: "properties.maxPods", Mentions: []string{"251"}}.CheckSDK(t, err)
		h.layoutOf(rg, "c").check(t, 3)
		// A pool in a subnet with another route table is refused.
		_, err = h.putPool(rg, "c", "pool3", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](1), VnetSubnetID: to.Ptr(ids["s2"])}})
		want{Status: 400, Code: "ExistingRouteTableNotAssociatedWithSubnet", Target: "properties.vnetSubnetID", Mentions: []string{"s2"}}.CheckSDK(t, err)

		// A pool in another subnet with the cluster's route table needs the
		// identity's permission on that subnet too.
		rtID := h.layoutOf(rg, "c").RouteID
		s3 := h.mustPutSubnet(rg, "vnet", "s3", "192.168.3.0/24", rtID)
		pool3 := armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](1), VnetSubnetID: s3.ID}}
		_, err = h.putPool(rg, "c", "pool3", pool3)
		want{Status: http.StatusForbidden, Code: "LinkedAuthorizationFailed", Target: "properties.vnetSubnetID", Mentions: []string{principal, "s3"}}.CheckSDK(t, err)
		h.layoutOf(rg, "c").check(t, 3)
		h.Grant(*s3.ID, principal, networkContributor)
		if _, err := h.putPool(rg, "c", "pool3", pool3); err != nil {
			t.Fatalf("add pool3 in s3: %v", err)
		}
		l = h.layoutOf(rg, "c")
		l.check(t, 4)
		for _, nd := range l.Nodes {
			if strings.Contains(nd.Name, "-pool3-") && (nd.IP != "192.168.3.4" || nd.PodCIDR != "10.244.3.0/24" || !strings.EqualFold(nd.SubnetID, *s3.ID)) {
				t.Errorf("pool3 node %+v, want 192.168.3.4 in s3 with 10.244.3.0/24", nd)
			}
		}
		if err := h.deletePool(rg, "c", "pool3"); err != nil {
			t.Fatalf("delete pool3: %v", err)
		}
		h.layoutOf(rg, "c").check(t, 3)

		// The subnet (/27: 27 usable) can't take 30 more nodes.
		_, err = scalePool("pool2", 30)
		want{Status: 400, Code: "SubnetIsFull", Target: "properties.count", Mentions: []string{"192.168.1.0/27"}}.CheckSDK(t, err)
		h.layoutOf(rg, "c").check(t, 3)

		// az aks nodepool delete.
		if err := h.deletePool(rg, "c", "pool2"); err != nil {
			t.Fatalf("delete pool2: %v", err)
		}
		l = h.layoutOf(rg, "c")
		l.check(t, 1)
		for _, r := range h.ResourcesIn(l.NodeRG) {
			if strings.Contains(r, "aks-pool2-") {
				t.Errorf("pool2 left %s", r)
			}
		}
		if _, err := h.Pools.Get(h.Ctx, rg, "c", "pool2", nil); err == nil {
			t.Error("agentPools/pool2 still exists")
		}
		// Its addresses are free again.
		if _, err := scalePool("nodepool1", 3); err != nil {
			t.Fatal(err)
		}
		l = h.layoutOf(rg, "c")
		l.check(t, 3)
		wantNodes(t, l, []int{0, 4, 5}, seqIPs("192.168.1.4", 3), seqCIDRs("10.244.0.0/16", 3))
		// The only System pool stays.
		err = h.deletePool(rg, "c", "nodepool1")
		want{Code: "OperationNotAllowed", Mentions: []string{"nodepool1", "System"}}.CheckSDK(t, err)
		h.layoutOf(rg, "c").check(t, 3)
	})
}
