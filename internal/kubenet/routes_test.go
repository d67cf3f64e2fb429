package kubenet

import (
	"maps"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	node0 = "aks-nodepool1-12345678-vmss000000"
	node1 = "aks-nodepool1-12345678-vmss000001"
	node2 = "aks-nodepool1-12345678-vmss000002"
)

func TestRouteName(t *testing.T) {
	tests := []struct {
		node string
		cidr netip.Prefix
		want string
	}{
		{node0, mp("10.244.0.0/24"), "aks-nodepool1-12345678-vmss000000____102440024"},
		{node1, mp("10.244.1.0/24"), "aks-nodepool1-12345678-vmss000001____102441024"},
		{"n", mp("172.16.255.0/24"), "n____17216255024"},
		{"n", mp("0.0.0.0/0"), "n____00000"},
	}
	for _, tt := range tests {
		if got := RouteName(tt.node, tt.cidr); got != tt.want {
			t.Errorf("RouteName(%q, %v) = %q, want %q", tt.node, tt.cidr, got, tt.want)
		}
	}
}

func TestIsManagedRouteName(t *testing.T) {
	tests := []struct {
		name     string
		want     bool
		wantNode string
	}{
		{"aks-nodepool1-12345678-vmss000000____102440024", true, node0},
		{"n____00000", true, "n"},
		{"n____25525525525532", true, "n"},
		{"default-to-firewall", false, ""},
		{"____102440024", false, ""},
		{"node____", false, ""},
		{"node____1234", false, ""},
		{"node____123456789012345", false, ""},
		{"onprem____backup", false, ""},
		{"node___102440024", false, ""},
		{"node_____102440024", false, ""},
		{"node____10244002a", false, ""},
	}
	for _, tt := range tests {
		if got := IsManagedRouteName(tt.name); got != tt.want {
			t.Errorf("IsManagedRouteName(%q) = %v, want %v", tt.name, got, tt.want)
		}
		if node, ok := RouteNode(tt.name); node != tt.wantNode || ok != tt.want {
			t.Errorf("RouteNode(%q) = %q, %v; want %q, %v", tt.name, node, ok, tt.wantNode, tt.want)
		}
	}
}

func TestBelongsToCluster(t *testing.T) {
	// Every name is checked against the cluster whose id8 is 12345678.
	const id8 = "12345678"
	tests := []struct {
		name string
		want bool
	}{
		{"aks-nodepool1-12345678-vmss000000____102440024", true},
		{"aks-nodepool1-12345678-vmss00000z____102440024", true},
		{"aks-user2-12345678-vmss0000a1____102440524", true},
		{"aks-nodepool1-87654321-vmss000000____102440024", false},
		{"aks-nodepool1-12345678-vmss00000____102440024", false},
		{"aks-nodepool1-12345678-vmss0000000____102440024", false},
		{"aks--12345678-vmss000000____102440024", false},
		{"aks-Pool-12345678-vmss000000____102440024", false},
		{"aks-nodepool1-12345678-vmss000000", false},
		{"other-nodepool1-12345678-vmss000000____102440024", false},
		{"custom-route", false},
	}
	for _, tt := range tests {
		if got := BelongsToCluster(tt.name, id8); got != tt.want {
			t.Errorf("BelongsToCluster(%q, %q) = %v, want %v", tt.name, id8, got, tt.want)
		}
	}
}

func managed(node, cidr, ip string) Route {
	return Route{Name: RouteName(node, mp(cidr)), AddressPrefix: mp(cidr), NextHopType: "VirtualAppliance", NextHopIP: ma(ip)}
}

// apply performs Reconcile's actions on a route table.
func apply(observed []Route, add []Route, remove []string) []Route {
	table := map[string]Route{}
	for _, r := range observed {
		table[r.Name] = r
	}
	for _, name := range remove {
		delete(table, name)
	}
	for _, r := range add {
		table[r.Name] = r
	}
	return slices.SortedFunc(maps.Values(table), func(a, b Route) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}

// TestReconcile: routes are matched by node and prefix, as the Kubernetes
// route controller matches the routes cloud-provider-azure lists
// (azure_routes.go: processRoutes names each route's TargetNode with
// MapRouteNameToNodeName and its DestinationCIDR with its addressPrefix;
// route_controller.go's getRouteAction keeps a route whose DestinationCIDR
// is the node's pod CIDR and never looks at the next hop), and only routes
// into the cluster CIDR are the controller's to delete
// (isResponsibleForRoute).
func TestReconcile(t *testing.T) {
	cluster := mp("10.244.0.0/16")
	desired3 := []NodeRoute{
		{node2, mp("10.244.2.0/24"), ma("192.168.1.6")},
		{node0, mp("10.244.0.0/24"), ma("192.168.1.4")},
		{node1, mp("10.244.1.0/24"), ma("192.168.1.5")},
	}
	firewall := Route{Name: "default-to-firewall", AddressPrefix: mp("0.0.0.0/0"), NextHopType: "VirtualAppliance", NextHopIP: ma("10.0.0.4")}
	onprem := Route{Name: "onprem____vpn", AddressPrefix: mp("10.0.0.0/8"), NextHopType: "VirtualNetworkGateway"}
	r0 := managed(node0, "10.244.0.0/24", "192.168.1.4")
	r1 := managed(node1, "10.244.1.0/24", "192.168.1.5")
	r2 := managed(node2, "10.244.2.0/24", "192.168.1.6")
	wrongHop := managed(node1, "10.244.1.0/24", "192.168.1.99")
	hopNone := Route{Name: r2.Name, AddressPrefix: mp("10.244.2.0/24"), NextHopType: "None"}
	renamed := Route{Name: node0 + "____mine", AddressPrefix: mp("10.244.0.0/24"), NextHopType: "VirtualAppliance", NextHopIP: ma("192.168.1.4")}
	stray := Route{Name: "my-pods", AddressPrefix: mp("10.244.9.0/24"), NextHopType: "VirtualAppliance", NextHopIP: ma("192.168.1.9")}
	tests := []struct {
		name     string
		desired  []NodeRoute
		observed []Route
		noCIDR   bool
		add      []Route
		remove   []string
		final    []Route
	}{
		{name: "EmptyTable", desired: desired3,
			add: []Route{r0, r1, r2}, final: []Route{r0, r1, r2}},
		{name: "InSync", desired: desired3, observed: []Route{r2, r0, r1},
			final: []Route{r0, r1, r2}},
		{name: "NothingDesiredKeepsCustom", observed: []Route{firewall, onprem},
			final: []Route{firewall, onprem}},
		{name: "CustomRoutesOutsideTheClusterCIDRUntouched", desired: desired3, observed: []Route{firewall, r0, onprem},
			add: []Route{r1, r2}, final: []Route{r0, r1, r2, firewall, onprem}},
		{name: "RouteIntoThePodCIDRForNoNodeRemoved", desired: desired3, observed: []Route{r0, r1, r2, stray},
			remove: []string{stray.Name}, final: []Route{r0, r1, r2}},
		{name: "NoClusterCIDRRemovesNothing", desired: desired3[1:2], observed: []Route{r0, r1, stray}, noCIDR: true,
			add: []Route{}, final: []Route{r0, r1, stray}},
		{name: "ChangedNextHopIPKept", desired: desired3, observed: []Route{r0, wrongHop, r2},
			final: []Route{r0, wrongHop, r2}},
		{name: "ChangedNextHopTypeKept", desired: desired3, observed: []Route{r0, r1, hopNone},
			final: []Route{r0, r1, hopNone}},
		{name: "OtherNameForTheNodeAndPrefixKept", desired: desired3, observed: []Route{renamed, r1, r2},
			final: []Route{renamed, r1, r2}},
		{name: "ChangedAddressPrefixReplaced", desired: desired3,
			observed: []Route{{Name: r0.Name, AddressPrefix: mp("10.244.0.0/16"), NextHopType: "VirtualAppliance", NextHopIP: ma("192.168.1.4")}, r1, r2},
			add:      []Route{r0}, final: []Route{r0, r1, r2}},
		{name: "PrefixWithHostBitsReplaced", desired: desired3,
			observed: []Route{{Name: r0.Name, AddressPrefix: mp("10.244.0.9/24"), NextHopType: "VirtualAppliance", NextHopIP: ma("192.168.1.4")}, r1, r2},
			add:      []Route{r0}, final: []Route{r0, r1, r2}},
		{name: "DeletedRouteAdded", desired: desired3, observed: []Route{r0, r2},
			add: []Route{r1}, final: []Route{r0, r1, r2}},
		{name: "DeletedNode", desired: desired3[1:], observed: []Route{r0, r1, r2, firewall},
			remove: []string{r2.Name}, final: []Route{r0, r1, firewall}},
		{name: "ScaleDownToZero", observed: []Route{r0, firewall, r1},
			remove: []string{r0.Name, r1.Name}, final: []Route{firewall}},
		{name: "NodeGotNewPodCIDR",
			desired:  []NodeRoute{{node0, mp("10.244.7.0/24"), ma("192.168.1.4")}},
			observed: []Route{r0},
			add:      []Route{managed(node0, "10.244.7.0/24", "192.168.1.4")},
			remove:   []string{r0.Name},
			final:    []Route{managed(node0, "10.244.7.0/24", "192.168.1.4")}},
		{name: "UpgradeReplacesNode",
			desired: []NodeRoute{
				{node1, mp("10.244.1.0/24"), ma("192.168.1.5")},
				{"aks-nodepool1-12345678-vmss000003", mp("10.244.3.0/24"), ma("192.168.1.7")},
			},
			observed: []Route{r0, r1},
			add:      []Route{managed("aks-nodepool1-12345678-vmss000003", "10.244.3.0/24", "192.168.1.7")},
			remove:   []string{r0.Name},
			final:    []Route{r1, managed("aks-nodepool1-12345678-vmss000003", "10.244.3.0/24", "192.168.1.7")}},
		{name: "NodesWithoutPodCIDROrIPSkipped",
			desired: []NodeRoute{
				{node0, mp("10.244.0.0/24"), ma("192.168.1.4")},
				{node1, netip.Prefix{}, ma("192.168.1.5")},
				{node2, mp("10.244.2.0/24"), netip.Addr{}},
			},
			observed: []Route{r1},
			add:      []Route{r0},
			remove:   []string{r1.Name},
			final:    []Route{r0}},
		{name: "DuplicateDesiredFirstWins",
			desired: []NodeRoute{desired3[1], {node0, mp("10.244.0.0/24"), ma("192.168.1.44")}},
			add:     []Route{r0},
			final:   []Route{r0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cidr := cluster
			if tt.noCIDR {
				cidr = netip.Prefix{}
			}
			add, remove := Reconcile(tt.desired, tt.observed, cidr)
			opt := cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Prefix{}, netip.Addr{})}
			if diff := cmp.Diff(tt.add, add, opt); diff != "" {
				t.Errorf("add (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.remove, remove, opt); diff != "" {
				t.Errorf("remove (-want +got):\n%s", diff)
			}
			final := apply(tt.observed, add, remove)
			if diff := cmp.Diff(tt.final, final, opt); diff != "" {
				t.Errorf("route table after reconciling (-want +got):\n%s", diff)
			}
			// Reconciling the result again changes nothing.
			a2, r2 := Reconcile(tt.desired, final, cidr)
			if len(a2)+len(r2) != 0 {
				t.Errorf("second pass not idempotent: add %v, remove %v", a2, r2)
			}
		})
	}
}
