package containerservice_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/armtest"
)

// routesRestored is a condition for eventually: the cluster's layout is
// whole again (one correct managed route per node).
func (h *harness) routesRestored(rg, cluster string, count int, extra func(layout) string) func() string {
	return func() string {
		l := h.layoutOf(rg, cluster)
		for _, n := range l.Nodes {
			if n.PodCIDR == "" {
				return "node " + n.Name + " has no route"
			}
			r, ok := l.Routes[n.Name+"____"+compact(n.PodCIDR)]
			if !ok || r.Properties == nil || r.Properties.NextHopType == nil {
				return fmt.Sprintf("route of %s does not go to a pod CIDR its name encodes (%s)", n.Name, n.PodCIDR)
			}
			if str(r.Properties.NextHopIPAddress) != n.IP || *r.Properties.NextHopType != armnetwork.RouteNextHopTypeVirtualAppliance {
				return fmt.Sprintf("route of %s goes to %s %s, not %s", n.Name, *r.Properties.NextHopType, str(r.Properties.NextHopIPAddress), n.IP)
			}
		}
		if m := len(l.managedRoutes()); m != count {
			return fmt.Sprintf("%d managed routes, want %d", m, count)
		}
		if extra != nil {
			return extra(l)
		}
		return ""
	}
}

// TestIntegrationRouteController: the route controller restores managed
// routes a user deletes or edits, removes stray managed routes, keeps custom
// ones; deleting the cluster removes the node resource group and leaves the
// subnet without the route table AKS made.
func TestIntegrationRouteController(t *testing.T) {
	t.Parallel()
	t.Run("aks route table", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		n, l := h.articleCluster(t, 3)
		rg := n.rg
		rt := parseID(t, l.RouteID)
		routes := h.Net.NewRoutesClient()
		want := l.Nodes[1]
		name := want.Name + "____" + compact(want.PodCIDR)

		// A user deletes a managed route.
		dp, err := routes.BeginDelete(h.Ctx, rt.rg, rt.names[0], name, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, dp)
		}
		if err != nil {
			t.Fatalf("delete route %s: %v", name, err)
		}
		armtest.Eventually(t, armtest.OpTimeout, h.routesRestored(rg, "c", 3, nil))

		// A user points a managed route elsewhere, and another at a new prefix.
		put := func(name, prefix, hop string) {
			t.Helper()
			p, err := routes.BeginCreateOrUpdate(h.Ctx, rt.rg, rt.names[0], name, armnetwork.Route{Properties: &armnetwork.RoutePropertiesFormat{
				AddressPrefix: to.Ptr(prefix), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance), NextHopIPAddress: to.Ptr(hop)}}, nil)
			if err == nil {
				_, err = armtest.PollDone(h.Ctx, p)
			}
			// The poller ends with a GET of the route, which the route
			// controller may already have removed (a stray managed route):
			// that 404 is the outcome checked below, not a failed PUT.
			var re *azcore.ResponseError
			if errors.As(err, &re) && re.StatusCode == http.StatusNotFound && strings.Contains(name, "____") {
				err = nil
			}
			if err != nil {
				t.Fatalf("put route %s: %v", name, err)
			}
		}
		put(name, want.PodCIDR, "192.168.1.99")
		n2 := l.Nodes[2]
		put(n2.Name+"____"+compact(n2.PodCIDR), "10.244.200.0/24", n2.IP)
		armtest.Eventually(t, armtest.OpTimeout, h.routesRestored(rg, "c", 3, nil))

		// A custom route stays; a managed-looking route of no node goes.
		put("to-nva", "10.50.0.0/16", "192.168.1.200")
		id8 := routeTableName.FindStringSubmatch(rt.names[0])[1]
		stray := "aks-nodepool1-" + id8 + "-vmss00000z____10244990024"
		put(stray, "10.244.99.0/24", "192.168.1.77")
		armtest.Eventually(t, armtest.OpTimeout, h.routesRestored(rg, "c", 3, func(l layout) string {
			if _, ok := l.Routes[stray]; ok {
				return "stray route " + stray + " still there"
			}
			if r, ok := l.Routes["to-nva"]; !ok || str(r.Properties.NextHopIPAddress) != "192.168.1.200" {
				return "custom route to-nva was changed or removed"
			}
			return ""
		}))

		// A PUT of the whole table without the managed routes.
		p, err := h.Net.NewRouteTablesClient().BeginCreateOrUpdate(h.Ctx, rt.rg, rt.names[0], armnetwork.RouteTable{Location: to.Ptr("eastus"),
			Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{{Name: to.Ptr("to-nva"), Properties: &armnetwork.RoutePropertiesFormat{
				AddressPrefix: to.Ptr("10.50.0.0/16"), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance), NextHopIPAddress: to.Ptr("192.168.1.200")}}}}}, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, p)
		}
		if err != nil {
			t.Fatalf("replace route table: %v", err)
		}
		armtest.Eventually(t, armtest.OpTimeout, h.routesRestored(rg, "c", 3, nil))
		l = h.layoutOf(rg, "c")
		l.check(t, 3)
		wantNodes(t, l, span(0, 3), seqIPs("192.168.1.4", 3), seqCIDRs("10.244.0.0/16", 3))
		if str(l.Cluster.Properties.ProvisioningState) != "Succeeded" {
			t.Errorf("provisioningState %s after the controller's repairs", str(l.Cluster.Properties.ProvisioningState))
		}

		// Deleting the cluster.
		h.deleteCluster(rg, "c")
		if h.RGExists(l.NodeRG) {
			t.Errorf("node resource group %s still exists", l.NodeRG)
		}
		if h.routeTableExists(l.RouteID) {
			t.Errorf("route table %s still exists", l.RouteID)
		}
		sn := h.subnet(n.subnetID)
		if sn.Properties.RouteTable != nil {
			t.Errorf("subnet still has route table %s", str(sn.Properties.RouteTable.ID))
		}
		if len(sn.Properties.IPConfigurations) != 0 {
			t.Errorf("subnet still lists %d IP configurations", len(sn.Properties.IPConfigurations))
		}
	})

	t.Run("bring-your-own route table", func(t *testing.T) {
		t.Parallel()
		h, rg := newHarnessRG(t)
		ids := h.vnet(rg, "vnet", "192.168.0.0/16", "s1=192.168.1.0/24")
		rtID := h.routeTable(rg, "byo", "fw=0.0.0.0/0>192.168.2.4")
		h.mustPutSubnet(rg, "vnet", "s1", "192.168.1.0/24", rtID)
		h.mustPutCluster(rg, "c", h.identityCluster(rg, "/subscriptions/"+h.Sub+"/resourceGroups/"+rg, ids["s1"], 2))
		l := h.layoutOf(rg, "c")
		l.check(t, 2)
		name := l.Nodes[0].Name + "____" + compact(l.Nodes[0].PodCIDR)
		dp, err := h.Net.NewRoutesClient().BeginDelete(h.Ctx, rg, "byo", name, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, dp)
		}
		if err != nil {
			t.Fatal(err)
		}
		armtest.Eventually(t, armtest.OpTimeout, h.routesRestored(rg, "c", 2, func(l layout) string {
			if _, ok := l.Routes["fw"]; !ok {
				return "custom route fw is gone"
			}
			return ""
		}))
		h.deleteCluster(rg, "c")
		got := h.routes(rtID)
		if len(got) != 1 || !strings.EqualFold(str(got["fw"].Properties.AddressPrefix), "0.0.0.0/0") {
			t.Errorf("routes after delete %v, want only fw", got)
		}
		if sn := h.subnet(ids["s1"]); sn.Properties.RouteTable == nil || !strings.EqualFold(str(sn.Properties.RouteTable.ID), rtID) {
			t.Errorf("subnet lost its own route table")
		}
	})
}
