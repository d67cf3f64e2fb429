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
// route controller does:
//
//   - add: desired routes with no observed route of the same name;
//   - update: desired routes whose observed route of the same name differs
//     in address prefix, next-hop type or next-hop IP (a user changed it);
//     the returned route is the desired one, restoring it;
//   - remove: names of observed routes that have the managed pattern
//     (IsManagedRouteName) but are not desired: routes of deleted nodes, or
//     of a node's previous pod CIDR.
//
// Observed routes without the managed pattern are custom routes and are
// never touched. Desired entries without a valid pod CIDR or node IP are
// skipped (as the route controller skips nodes without a pod CIDR), and of
// two desired entries with the same route name the first wins. Each list is
// sorted by route name. Address prefixes and IPs are compared by value and
// next-hop types case-insensitively.
func Reconcile(desired []NodeRoute, observed []Route) (add []Route, update []Route, remove []string) {
	want := make(map[string]Route, len(desired))
	for _, d := range desired {
		if d.Node == "" || !d.PodCIDR.IsValid() || !d.NodeIP.IsValid() {
			continue
		}
		r := DesiredRoute(d)
		if _, dup := want[r.Name]; !dup {
			want[r.Name] = r
		}
	}
	seen := make(map[string]bool, len(observed))
	for _, o := range observed {
		if seen[o.Name] {
			continue
		}
		seen[o.Name] = true
		if w, ok := want[o.Name]; ok {
			if !sameRoute(o, w) {
				update = append(update, w)
			}
			continue
		}
		if IsManagedRouteName(o.Name) {
			remove = append(remove, o.Name)
		}
	}
	for name, w := range want {
		if !seen[name] {
			add = append(add, w)
		}
	}
	byName := func(a, b Route) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(add, byName)
	slices.SortFunc(update, byName)
	slices.Sort(remove)
	return add, update, remove
}

// sameRoute reports whether observed route o has the target of desired
// route w.
func sameRoute(o, w Route) bool {
	if !strings.EqualFold(o.NextHopType, w.NextHopType) {
		return false
	}
	// An observed prefix with host bits set differs, even when its masked
	// form is the desired one: the route controller rewrites it.
	if !o.AddressPrefix.IsValid() || o.AddressPrefix != o.AddressPrefix.Masked() || o.AddressPrefix != w.AddressPrefix {
		return false
	}
	return o.NextHopIP.IsValid() && o.NextHopIP == w.NextHopIP
}
