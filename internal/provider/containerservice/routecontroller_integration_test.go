package containerservice_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/provider/containerservice"
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
// routes a user deletes or moves to another prefix, keeps one whose next hop
// a user changed, removes stray managed routes, keeps custom ones; deleting the cluster removes the node resource group and leaves the
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
		// The route controller matches routes by node and prefix, never by
		// next hop (k8s.io/cloud-provider route_controller.go getRouteAction;
		// cloud-provider-azure pkg/provider/azure_routes.go processRoutes and
		// MapRouteNameToNodeName): a managed route a user points elsewhere
		// is kept, one moved to another prefix is replaced.
		put(name, want.PodCIDR, "192.168.1.99")
		n2 := l.Nodes[2]
		n2Route := n2.Name + "____" + compact(n2.PodCIDR)
		put(n2Route, "10.244.200.0/24", n2.IP)
		armtest.Eventually(t, armtest.OpTimeout, func() string {
			l := h.layoutOf(rg, "c")
			if r, ok := l.Routes[n2Route]; !ok || str(r.Properties.AddressPrefix) != n2.PodCIDR {
				return "route " + n2Route + " not back on " + n2.PodCIDR
			}
			if r, ok := l.Routes[name]; !ok || str(r.Properties.NextHopIPAddress) != "192.168.1.99" {
				return "route " + name + " with its next hop changed by a user was not kept as it is"
			}
			return ""
		})
		// Deleting the misdirected route has the controller write it anew.
		dp, err = routes.BeginDelete(h.Ctx, rt.rg, rt.names[0], name, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, dp)
		}
		if err != nil {
			t.Fatalf("delete route %s: %v", name, err)
		}
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

// TestIntegrationRouteOutages: the failure modes Azure allows, so that users
// can rehearse them. AKS's route controller (kube-controller-manager's,
// --route-reconciliation-period, 10 s by default) restores a deleted
// managed route on its next pass, not at once, so the outage in between can
// be observed; aksnetd's --route-reconciliation-period sets the period and
// 0 is the fast mode of tests. The network RP lets a user detach or replace
// the subnet's route table; cross-node pod traffic then breaks and the
// trace names the cause.
func TestIntegrationRouteOutages(t *testing.T) {
	t.Parallel()
	const across = "10.244.1.7:8080" // a pod of node 1, traced from a pod of node 0
	notes := func(a containerservice.TraceAnswer) string { return strings.Join(a.Notes, "\n") }

	t.Run("a deleted route stays deleted until the next period", func(t *testing.T) {
		t.Parallel()
		h := harnessOn(t, armtest.Plane(t, "routes-hourly", armtest.Options{RouteReconcilePeriod: time.Hour}))
		n, l := h.articleCluster(t, 3)
		rt := parseID(t, l.RouteID)
		name := l.Nodes[1].Name + "____" + compact(l.Nodes[1].PodCIDR)
		dp, err := h.Net.NewRoutesClient().BeginDelete(h.Ctx, rt.rg, rt.names[0], name, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, dp)
		}
		if err != nil {
			t.Fatalf("delete route %s: %v", name, err)
		}
		// Another write to the table reconciles nothing either: only the
		// period does. Give a wrong reconcile time to show.
		h.routeTable(rt.rg, "unrelated")
		time.Sleep(500 * time.Millisecond)
		if _, ok := h.routes(l.RouteID)[name]; ok {
			t.Fatalf("route %s restored before the route controller's period", name)
		}
		a := h.mustTrace(n.rg, "c", containerservice.TraceRequest{From: "10.244.0.5", To: across})
		if a.Outcome != "Blackholed" || !strings.Contains(notes(a), "has no route "+name) || !strings.Contains(notes(a), "next reconcile") {
			t.Errorf("trace across nodes with the route deleted: %s, notes %q", a.Outcome, a.Notes)
		}
	})

	t.Run("the next period restores it", func(t *testing.T) {
		t.Parallel()
		const period = 300 * time.Millisecond
		h := harnessOn(t, armtest.Plane(t, "routes-300ms", armtest.Options{RouteReconcilePeriod: period}))
		n, l := h.articleCluster(t, 3)
		rt := parseID(t, l.RouteID)
		name := l.Nodes[1].Name + "____" + compact(l.Nodes[1].PodCIDR)
		start := time.Now()
		dp, err := h.Net.NewRoutesClient().BeginDelete(h.Ctx, rt.rg, rt.names[0], name, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, dp)
		}
		if err != nil {
			t.Fatalf("delete route %s: %v", name, err)
		}
		armtest.Eventually(t, armtest.OpTimeout, h.routesRestored(n.rg, "c", 3, nil))
		t.Logf("route %s back %s after its delete (period %s)", name, time.Since(start).Round(time.Millisecond), period)
		if a := h.mustTrace(n.rg, "c", containerservice.TraceRequest{From: "10.244.0.5", To: across}); a.Outcome != "Delivered" {
			t.Errorf("trace across nodes after the restore: %s, notes %q", a.Outcome, a.Notes)
		}
	})

	t.Run("a detached or replaced route table", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		n, l := h.articleCluster(t, 3)
		other := h.routeTable(n.rg, "other")
		for _, tc := range []struct {
			name, rt, note string
		}{
			{"detached", "", "was detached from it"},
			{"replaced", other, "uses route table other, not the cluster's route table " + arm.LastName(l.RouteID)},
		} {
			// The network RP takes the change (as Azure does).
			if _, err := h.putSubnet(n.rg, "myAKSVnet", "myAKSSubnet", "192.168.1.0/24", tc.rt); err != nil {
				t.Fatalf("%s: the subnet PUT was refused: %v", tc.name, err)
			}
			a := h.mustTrace(n.rg, "c", containerservice.TraceRequest{From: "10.244.0.5", To: across})
			if a.Outcome == "Delivered" || !strings.Contains(notes(a), tc.note) {
				t.Errorf("%s: trace across nodes %s, notes %q, want a failure whose note says %q", tc.name, a.Outcome, a.Notes, tc.note)
			}
			// The route controller keeps the cluster's own table whole; it
			// does not associate it again.
			if got := len(h.routes(l.RouteID)); got != 3 {
				t.Errorf("%s: the cluster's route table has %d routes, want 3", tc.name, got)
			}
			h.mustPutSubnet(n.rg, "myAKSVnet", "myAKSSubnet", "192.168.1.0/24", l.RouteID)
			if a := h.mustTrace(n.rg, "c", containerservice.TraceRequest{From: "10.244.0.5", To: across}); a.Outcome != "Delivered" {
				t.Errorf("%s: trace across nodes once the table is back: %s, notes %q", tc.name, a.Outcome, a.Notes)
			}
		}
	})
}
