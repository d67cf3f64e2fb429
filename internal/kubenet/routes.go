package kubenet

import (
	"net/netip"
	"slices"
	"strings"
)

// ManagedRouteSeparator separates the node name from the encoded pod CIDR in
// the name of a route the cloud provider manages, as the Azure cloud
// provider for Kubernetes writes it.
const ManagedRouteSeparator = "____"

// NextHopVirtualAppliance is the next-hop type of every managed route: the
// node itself forwards to its pods.
const NextHopVirtualAppliance = "VirtualAppliance"

// NodeRoute is the route one node needs: traffic to its pod CIDR goes to its
// primary IP.
type NodeRoute struct {
	Node    string
	PodCIDR netip.Prefix
	NodeIP  netip.Addr
}

// Route is a route of an Azure route table (properties.addressPrefix,
// properties.nextHopType, properties.nextHopIpAddress), its prefix and
// next-hop address typed.
type Route struct {
	Name          string
	AddressPrefix netip.Prefix
	NextHopType   string
	// NextHopIP is the zero Addr when the route has none.
	NextHopIP netip.Addr
}

// RouteName returns the name of the managed route for a node's pod CIDR: the
// node name, "____", and the CIDR with "." and "/" (and ":") removed. For
// node aks-nodepool1-12345678-vmss000000 and 10.244.0.0/24 it is
// "aks-nodepool1-12345678-vmss000000____102440024". cidr must be valid.
func RouteName(node string, cidr netip.Prefix) string {
	enc := strings.NewReplacer(".", "", "/", "", ":", "").Replace(cidr.Masked().String())
	return node + ManagedRouteSeparator + enc
}

// RouteNode splits a managed route name into its node name. ok is false when
// name does not have the managed pattern (see IsManagedRouteName).
func RouteNode(name string) (node string, ok bool) {
	i := strings.Index(name, ManagedRouteSeparator)
	if i <= 0 {
		return "", false
	}
	enc := name[i+len(ManagedRouteSeparator):]
	// An IPv4 CIDR encodes to 5 ("0.0.0.0/0" → "00000") to 14
	// ("255.255.255.255/32") digits.
	if len(enc) < 5 || len(enc) > 14 {
		return "", false
	}
	for _, c := range enc {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return name[:i], true
}

// IsManagedRouteName reports whether name has the pattern of a route the
// cloud provider manages, as written by RouteName: a non-empty node name,
// "____" and an encoded IPv4 CIDR of 5 to 14 digits. Users' custom routes
// (for example "default-to-firewall") don't have it.
func IsManagedRouteName(name string) bool {
	_, ok := RouteNode(name)
	return ok
}

// BelongsToCluster reports whether route name is a managed route of a node
// of the cluster whose 8-digit id is id8 (see ClusterID8): its node name is
// an instance of one of the cluster's scale sets,
// "aks-<pool>-<id8>-vmss<6 base-36 characters>". Unlike a list of current
// nodes, this also recognises the routes of nodes that no longer exist.
func BelongsToCluster(name, id8 string) bool {
	node, ok := RouteNode(name)
	if !ok || !strings.HasPrefix(node, "aks-") {
		return false
	}
	marker := "-" + id8 + "-vmss"
	i := strings.LastIndex(node, marker)
	if i <= len("aks-") {
		return false
	}
	pool, inst := node[len("aks-"):i], node[i+len(marker):]
	if len(inst) != instanceDigits {
		return false
	}
	for _, c := range pool + inst {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// DesiredRoute returns the managed route for nr: named by RouteName, to
// nr.PodCIDR, next hop VirtualAppliance at nr.NodeIP.
func DesiredRoute(nr NodeRoute) Route {
	return Route{
		Name:          RouteName(nr.Node, nr.PodCIDR),
		AddressPrefix: nr.PodCIDR.Masked(),
		NextHopType:   NextHopVirtualAppliance,
		NextHopIP:     nr.NodeIP,
	}
}

// Reconcile compares the routes the cluster's nodes need with the routes
// observed in its route table and returns what to do, as the Kubernetes
// route controller does over the Azure cloud provider's routes
// (k8s.io/cloud-provider controllers/route/route_controller.go: reconcile,
// getRouteAction and isResponsibleForRoute; kubernetes-sigs/cloud-provider-azure
// pkg/provider/azure_routes.go: ListRoutes, processRoutes and
// MapRouteNameToNodeName):
//
//   - Every observed route stands for a node and a prefix: the node is its
//     name up to ManagedRouteSeparator (the whole name when it has none),
//     the prefix its address prefix. Routes are matched on those two only,
//     never on the next hop: a managed route whose next hop a user changed
//     is kept as it is.
//   - add: the desired routes (DesiredRoute) whose node and pod CIDR no
//     observed route stands for. An add replaces an observed route of the
//     same name, as the cloud provider's route updater drops the route named
//     alike before it appends the new one.
//   - remove: names of the observed routes the cluster is responsible for
//     (the first or the last address of the prefix lies in clusterCIDR)
//     that stand for no desired node and prefix: routes of deleted nodes, of
//     a node's previous pod CIDR, or any other route into the pod CIDR.
//     Routes outside clusterCIDR (a default route to a firewall, on-premises
//     ranges) are never touched, nor are any when clusterCIDR is not valid.
//     A name that add writes is not listed: the add replaces it.
//
// Desired entries without a node, a valid pod CIDR or a node IP are skipped
// (as the route controller skips nodes without a pod CIDR), and of two
// desired entries with the same route name the first wins. Both lists are
// sorted by route name. Node names compare case-insensitively, prefixes by
// value: an observed prefix with host bits set is not the pod CIDR.
func Reconcile(desired []NodeRoute, observed []Route, clusterCIDR netip.Prefix) (add []Route, remove []string) {
	type key struct {
		node   string
		prefix netip.Prefix
	}
	want := make(map[key]Route, len(desired))
	names := make(map[string]bool, len(desired))
	for _, d := range desired {
		if d.Node == "" || !d.PodCIDR.IsValid() || !d.NodeIP.IsValid() {
			continue
		}
		r := DesiredRoute(d)
		if names[r.Name] {
			continue
		}
		names[r.Name] = true
		want[key{strings.ToLower(d.Node), r.AddressPrefix}] = r
	}
	have := make(map[key]bool, len(observed))
	for _, o := range observed {
		have[key{strings.ToLower(RouteTargetNode(o.Name)), o.AddressPrefix}] = true
	}
	for k, w := range want {
		if !have[k] {
			add = append(add, w)
		}
	}
	added := make(map[string]bool, len(add))
	for _, a := range add {
		added[a.Name] = true
	}
	seen := make(map[string]bool, len(observed))
	for _, o := range observed {
		if seen[o.Name] || added[o.Name] || !responsibleFor(clusterCIDR, o.AddressPrefix) {
			continue
		}
		seen[o.Name] = true
		if _, ok := want[key{strings.ToLower(RouteTargetNode(o.Name)), o.AddressPrefix}]; !ok {
			remove = append(remove, o.Name)
		}
	}
	slices.SortFunc(add, func(a, b Route) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(remove)
	return add, remove
}

// RouteTargetNode is the node a route of the cluster's table stands for, as
// the Azure cloud provider reads it back (MapRouteNameToNodeName): the name
// up to ManagedRouteSeparator, or the whole name when it has none.
func RouteTargetNode(name string) string {
	node, _, _ := strings.Cut(name, ManagedRouteSeparator)
	return node
}

// responsibleFor reports whether the route controller of a cluster whose
// pod range is clusterCIDR manages a route to prefix: the prefix's first or
// last address lies in clusterCIDR (isResponsibleForRoute). A prefix that
// is not valid is ignored, as the controller ignores an unparsable one.
func responsibleFor(clusterCIDR, prefix netip.Prefix) bool {
	if !clusterCIDR.IsValid() || !prefix.IsValid() {
		return false
	}
	m := prefix.Masked()
	return clusterCIDR.Contains(m.Addr()) || clusterCIDR.Contains(LastAddr(m))
}
