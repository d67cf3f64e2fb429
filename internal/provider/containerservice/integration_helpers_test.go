package containerservice_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubenet"
)

// networkContributor is the built-in Network Contributor role.
const networkContributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"

// limitedRoutes is the route limit of the limited plane.
const limitedRoutes = 4

func TestMain(m *testing.M) {
	code := m.Run()
	armtest.StopPlanes()
	os.Exit(code)
}

// harness is the shared SDK harness (armtest.Harness) with the cluster
// helpers of this package.
type harness struct {
	*armtest.Harness
}

// newHarness uses the shared default plane.
func newHarness(t testing.TB) *harness {
	t.Helper()
	return harnessOn(t, armtest.Plane(t, "default", armtest.Options{}))
}

// publicIPs lists the public IPs of resource group rg.
func publicIPs(h *harness, rg string) []*armnetwork.PublicIPAddress {
	return armtest.ListAll(h.Harness, h.Net.NewPublicIPAddressesClient().NewListPager(rg, nil), func(p armnetwork.PublicIPAddressesClientListResponse) []*armnetwork.PublicIPAddress { return p.Value })
}

// distinct records owner under key in seen, failing the test when another
// owner already has key; what says what the owners share.
func distinct(t testing.TB, seen map[string]string, key, owner, what string) {
	t.Helper()
	if other, dup := seen[key]; dup {
		t.Errorf("%s and %s both have %s %s", other, owner, what, key)
	}
	seen[key] = owner
}

// newHarnessRG uses the shared default plane and creates a resource group
// of t's own, whose name it returns.
func newHarnessRG(t testing.TB) (*harness, string) {
	t.Helper()
	h := newHarness(t)
	rg := armtest.RGName(t)
	h.MkRG(rg)
	return h, rg
}

// limitedHarness uses the plane with limitedRoutes.
func limitedHarness(t testing.TB) *harness {
	t.Helper()
	return harnessOn(t, armtest.Plane(t, "limited", armtest.Options{MaxRoutesPerTable: limitedRoutes}))
}

func harnessOn(t testing.TB, e *armtest.Env) *harness {
	t.Helper()
	return &harness{armtest.NewHarness(t, e, e.Credential(t))}
}

// withT returns a copy of h reporting to t (for subtests).
func (h *harness) withT(t testing.TB) *harness {
	return &harness{h.WithT(t)}
}

// vnet creates VNet name with address space space and subnets "name=prefix",
// and returns the subnet ids by name ("" is the VNet's own id).
func (h *harness) vnet(rg, name, space string, subnets ...string) map[string]string {
	h.T.Helper()
	v := h.VNet(rg, name, space, subnets...)
	out := map[string]string{"": *v.ID}
	for _, s := range v.Properties.Subnets {
		out[*s.Name] = *s.ID
	}
	return out
}

// putSubnet writes a subnet through the subnets resource.
func (h *harness) putSubnet(rg, vnet, name, prefix, routeTableID string) (armnetwork.Subnet, error) {
	s := armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(prefix)}}
	if routeTableID != "" {
		s.Properties.RouteTable = &armnetwork.RouteTable{ID: to.Ptr(routeTableID)}
	}
	return h.PutSubnet(rg, vnet, name, s)
}

func (h *harness) mustPutSubnet(rg, vnet, name, prefix, routeTableID string) armnetwork.Subnet {
	h.T.Helper()
	s, err := h.putSubnet(rg, vnet, name, prefix, routeTableID)
	if err != nil {
		h.T.Fatalf("put subnet %s: %v", name, err)
	}
	return s
}

func (h *harness) subnet(id string) armnetwork.Subnet {
	h.T.Helper()
	p := parseID(h.T, id)
	res, err := h.Net.NewSubnetsClient().Get(h.Ctx, p.rg, p.names[0], p.names[1], nil)
	if err != nil {
		h.T.Fatalf("get subnet %s: %v", id, err)
	}
	return res.Subnet
}

// routeTable creates a route table with the given routes ("name=prefix>hop",
// hop an IP for VirtualAppliance or a next-hop type).
func (h *harness) routeTable(rg, name string, routes ...string) string {
	h.T.Helper()
	rt := armnetwork.RouteTable{Location: to.Ptr("eastus"), Properties: &armnetwork.RouteTablePropertiesFormat{}}
	for _, r := range routes {
		n, rest, _ := strings.Cut(r, "=")
		prefix, hop, _ := strings.Cut(rest, ">")
		route := &armnetwork.Route{Name: to.Ptr(n), Properties: &armnetwork.RoutePropertiesFormat{AddressPrefix: to.Ptr(prefix)}}
		if _, err := netip.ParseAddr(hop); err == nil {
			route.Properties.NextHopType = to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance)
			route.Properties.NextHopIPAddress = to.Ptr(hop)
		} else {
			route.Properties.NextHopType = to.Ptr(armnetwork.RouteNextHopType(hop))
		}
		rt.Properties.Routes = append(rt.Properties.Routes, route)
	}
	res, err := h.PutRouteTable(rg, name, rt)
	if err != nil {
		h.T.Fatalf("create route table %s: %v", name, err)
	}
	return *res.ID
}

// routes lists the routes of route table id, by name.
func (h *harness) routes(rtID string) map[string]armnetwork.Route {
	h.T.Helper()
	p := parseID(h.T, rtID)
	out := map[string]armnetwork.Route{}
	pager := h.Net.NewRoutesClient().NewListPager(p.rg, p.names[0], nil)
	for pager.More() {
		page, err := pager.NextPage(h.Ctx)
		if err != nil {
			h.T.Fatalf("list routes of %s: %v", rtID, err)
		}
		for _, r := range page.Value {
			out[*r.Name] = *r
		}
	}
	return out
}

func (h *harness) routeTableExists(rtID string) bool {
	h.T.Helper()
	p := parseID(h.T, rtID)
	_, err := h.Net.NewRouteTablesClient().Get(h.Ctx, p.rg, p.names[0], nil)
	if err == nil {
		return true
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return false
	}
	h.T.Fatalf("get route table %s: %v", rtID, err)
	return false
}

// network is the article's network: VNet myAKSVnet 192.168.0.0/16 with
// subnet myAKSSubnet 192.168.1.0/24 in resource group rg, and a
// user-assigned identity with Network Contributor on the VNet.
type network struct {
	rg, vnetID, subnetID string
	identityID           string
	principal            string
}

func (h *harness) articleNetwork(rg string) network {
	h.T.Helper()
	h.MkRG(rg)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24")
	n := network{rg: rg, vnetID: ids[""], subnetID: ids["myAKSSubnet"]}
	n.identityID, n.principal = h.Identity(rg, "myIdentity")
	h.Grant(n.vnetID, n.principal, networkContributor)
	return n
}

// articleCluster creates the article's network in a resource group of the
// test's own and cluster "c" with count nodes on it, and returns the network
// and the cluster's layout, checked.
func (h *harness) articleCluster(t testing.TB, count int32) (network, layout) {
	t.Helper()
	n := h.articleNetwork(armtest.RGName(t))
	h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, count))
	l := h.layoutOf(n.rg, "c")
	l.check(t, int(count))
	return n, l
}

// identityCluster creates the user-assigned identity clusterIdentity in rg
// with Network Contributor at scope, and returns the article's cluster of
// count nodes in subnetID with that identity.
func (h *harness) identityCluster(rg, scope, subnetID string, count int32) armcontainerservice.ManagedCluster {
	h.T.Helper()
	idID, principal := h.Identity(rg, "clusterIdentity")
	h.Grant(scope, principal, networkContributor)
	return kubenetCluster(subnetID, idID, count)
}

// kubenetCluster is the article's cluster: count nodes in subnetID, service
// CIDR 10.0.0.0/16, DNS 10.0.0.10, pod CIDR 10.244.0.0/16, with the
// user-assigned identity identityID (system-assigned when "").
func kubenetCluster(subnetID, identityID string, count int32) armcontainerservice.ManagedCluster {
	mc := armcontainerservice.ManagedCluster{
		Location: to.Ptr("eastus"),
		Properties: &armcontainerservice.ManagedClusterProperties{
			AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{{
				Name: to.Ptr("nodepool1"), Count: to.Ptr(count), VMSize: to.Ptr("Standard_DS2_v2"),
				Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem), OSType: to.Ptr(armcontainerservice.OSTypeLinux),
				VnetSubnetID: to.Ptr(subnetID),
			}},
			NetworkProfile: &armcontainerservice.NetworkProfile{
				NetworkPlugin: to.Ptr(armcontainerservice.NetworkPluginKubenet),
				ServiceCidr:   to.Ptr("10.0.0.0/16"),
				DNSServiceIP:  to.Ptr("10.0.0.10"),
				PodCidr:       to.Ptr("10.244.0.0/16"),
			},
		},
	}
	if subnetID == "" {
		mc.Properties.AgentPoolProfiles[0].VnetSubnetID = nil
	}
	if identityID != "" {
		mc.Identity = &armcontainerservice.ManagedClusterIdentity{
			Type:                   to.Ptr(armcontainerservice.ResourceIdentityTypeUserAssigned),
			UserAssignedIdentities: map[string]*armcontainerservice.ManagedServiceIdentityUserAssignedIdentitiesValue{identityID: {}},
		}
	} else {
		mc.Identity = &armcontainerservice.ManagedClusterIdentity{Type: to.Ptr(armcontainerservice.ResourceIdentityTypeSystemAssigned)}
	}
	return mc
}

// putCluster PUTs a cluster and drives its operation to the end.
func (h *harness) putCluster(rg, name string, mc armcontainerservice.ManagedCluster) (armcontainerservice.ManagedCluster, error) {
	p, err := h.AKS.BeginCreateOrUpdate(h.Ctx, rg, name, mc, nil)
	res, err := armtest.LRO(h.Ctx, p, err)
	return res.ManagedCluster, err
}

func (h *harness) mustPutCluster(rg, name string, mc armcontainerservice.ManagedCluster) armcontainerservice.ManagedCluster {
	h.T.Helper()
	res, err := h.putCluster(rg, name, mc)
	if err != nil {
		h.T.Fatalf("put cluster %s: %v", name, err)
	}
	if got := str(res.Properties.ProvisioningState); got != "Succeeded" {
		h.T.Fatalf("cluster %s: provisioningState %q after its operation, want Succeeded", name, got)
	}
	return res
}

func (h *harness) cluster(rg, name string) armcontainerservice.ManagedCluster {
	h.T.Helper()
	res, err := h.AKS.Get(h.Ctx, rg, name, nil)
	if err != nil {
		h.T.Fatalf("get cluster %s: %v", name, err)
	}
	return res.ManagedCluster
}

// clusterStatus answers the HTTP status of GET on the cluster.
func (h *harness) clusterStatus(rg, name string) int {
	h.T.Helper()
	_, err := h.AKS.Get(h.Ctx, rg, name, nil)
	if err == nil {
		return http.StatusOK
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	h.T.Fatalf("get cluster %s: %v", name, err)
	return 0
}

func (h *harness) deleteCluster(rg, name string) {
	h.T.Helper()
	p, err := h.AKS.BeginDelete(h.Ctx, rg, name, nil)
	if err == nil {
		_, err = armtest.PollDone(h.Ctx, p)
	}
	if err != nil {
		h.T.Fatalf("delete cluster %s: %v", name, err)
	}
}

// scaleCluster PUTs the cluster back with pool 0's count set to n.
func (h *harness) scaleCluster(rg, name string, n int32) (armcontainerservice.ManagedCluster, error) {
	h.T.Helper()
	mc := h.cluster(rg, name)
	mc.Properties.AgentPoolProfiles[0].Count = to.Ptr(n)
	return h.putCluster(rg, name, mc)
}

func (h *harness) putPool(rg, cluster, name string, ap armcontainerservice.AgentPool) (armcontainerservice.AgentPool, error) {
	p, err := h.Pools.BeginCreateOrUpdate(h.Ctx, rg, cluster, name, ap, nil)
	res, err := armtest.LRO(h.Ctx, p, err)
	return res.AgentPool, err
}

func (h *harness) deletePool(rg, cluster, name string) error {
	p, err := h.Pools.BeginDelete(h.Ctx, rg, cluster, name, nil)
	return armtest.DeleteLRO(h.Ctx, p, err)
}

// want is an expected ARM error, checked against the error of an SDK call
// with CheckSDK.
type want = armtest.WantError

// node is a cluster node as its NIC shows it.
type node struct {
	Name, IP, PodCIDR, NICID, SubnetID string
	IPForwarding                       bool
	NSGID                              string
}

// layout is what a cluster looks like through ARM.
type layout struct {
	Cluster armcontainerservice.ManagedCluster
	NodeRG  string
	Nodes   []node // sorted by name
	RouteID string // the route table of the first pool's subnet
	Routes  map[string]armnetwork.Route
}

var instanceName = regexp.MustCompile(`^aks-([a-z0-9]+)-(\d{8})-vmss[0-9a-z]{6}$`)

// scaleSetNICs lists the network interfaces of every VM scale set instance
// in the node resource group nodeRG, through the SDK's VMSS pager
// (InterfacesClient.NewListVirtualMachineScaleSetNetworkInterfacesPager,
// api-version 2018-10-01).
func (h *harness) scaleSetNICs(nodeRG string) []*armnetwork.Interface {
	h.T.Helper()
	var out []*armnetwork.Interface
	for _, r := range h.ResourcesIn(nodeRG) {
		vmss, ok := strings.CutPrefix(r, "Microsoft.Compute/virtualMachineScaleSets/")
		if !ok {
			continue
		}
		pages, err := armtest.Pages(h.Ctx, h.Net.NewInterfacesClient().NewListVirtualMachineScaleSetNetworkInterfacesPager(nodeRG, vmss, nil))
		if err != nil {
			h.T.Fatalf("list the NICs of scale set %s in %s: %v", vmss, nodeRG, err)
		}
		for _, p := range pages {
			out = append(out, p.Value...)
		}
	}
	return out
}

// layoutOf reads a cluster, its nodes' NICs (the scale set instances' in
// its node resource group) and the routes of its route table. Pod CIDRs
// come from the routes named for the nodes.
func (h *harness) layoutOf(rg, name string) layout {
	h.T.Helper()
	l := layout{Cluster: h.cluster(rg, name)}
	l.NodeRG = str(l.Cluster.Properties.NodeResourceGroup)
	for _, nic := range h.scaleSetNICs(l.NodeRG) {
		if nic.Properties.VirtualMachine == nil {
			h.T.Fatalf("NIC %s names no instance", str(nic.ID))
		}
		nodeName, ok := kubenet.InstanceNameOf(str(nic.Properties.VirtualMachine.ID))
		if !ok {
			h.T.Fatalf("NIC %s: %q is no scale set instance", str(nic.ID), str(nic.Properties.VirtualMachine.ID))
		}
		n := node{Name: nodeName, NICID: *nic.ID, IPForwarding: nic.Properties.EnableIPForwarding != nil && *nic.Properties.EnableIPForwarding}
		if len(nic.Properties.IPConfigurations) != 1 {
			h.T.Fatalf("NIC %s has %d IP configurations, want 1", n.Name, len(nic.Properties.IPConfigurations))
		}
		ipc := nic.Properties.IPConfigurations[0].Properties
		n.IP = str(ipc.PrivateIPAddress)
		if ipc.Subnet != nil {
			n.SubnetID = str(ipc.Subnet.ID)
		}
		if nic.Properties.NetworkSecurityGroup != nil {
			n.NSGID = str(nic.Properties.NetworkSecurityGroup.ID)
		}
		l.Nodes = append(l.Nodes, n)
	}
	slices.SortFunc(l.Nodes, func(a, b node) int { return strings.Compare(a.Name, b.Name) })
	if len(l.Nodes) > 0 {
		if rt := h.subnet(l.Nodes[0].SubnetID).Properties.RouteTable; rt != nil {
			l.RouteID = str(rt.ID)
		}
	} else if ps := l.Cluster.Properties.AgentPoolProfiles; len(ps) > 0 && ps[0].VnetSubnetID != nil {
		if rt := h.subnet(*ps[0].VnetSubnetID).Properties.RouteTable; rt != nil {
			l.RouteID = str(rt.ID)
		}
	}
	if l.RouteID != "" {
		l.Routes = h.routes(l.RouteID)
	}
	for i := range l.Nodes {
		for rn, r := range l.Routes {
			if strings.HasPrefix(rn, l.Nodes[i].Name+"____") {
				l.Nodes[i].PodCIDR = str(r.Properties.AddressPrefix)
			}
		}
	}
	return l
}

// compact is a CIDR with "." and "/" removed, as managed route names spell it.
func compact(cidr string) string { return strings.NewReplacer(".", "", "/", "").Replace(cidr) }

// managedRoutes returns the routes of l that are managed (node____digits).
func (l layout) managedRoutes() map[string]armnetwork.Route {
	out := map[string]armnetwork.Route{}
	for n, r := range l.Routes {
		if i := strings.Index(n, "____"); i > 0 {
			out[n] = r
		}
	}
	return out
}

// check verifies the invariants of a kubenet cluster: count nodes across
// the pools, each with a NIC with IP forwarding and the cluster NSG, a
// unique IP and pod CIDR, and exactly one managed route per node named
// <node>____<cidr> to VirtualAppliance at the node IP; the pool counts and
// scale set names agree.
func (l layout) check(t testing.TB, count int) {
	t.Helper()
	if len(l.Nodes) != count {
		t.Errorf("%d NICs in %s, want %d", len(l.Nodes), l.NodeRG, count)
	}
	total := 0
	for _, ap := range l.Cluster.Properties.AgentPoolProfiles {
		total += int(*ap.Count)
	}
	if total != count {
		t.Errorf("agent pool counts sum to %d, want %d", total, count)
	}
	ips, cidrs := map[string]string{}, map[string]string{}
	for _, n := range l.Nodes {
		if !instanceName.MatchString(n.Name) {
			t.Errorf("node name %q is not aks-<pool>-<8 digits>-vmss<6>", n.Name)
		}
		if !n.IPForwarding {
			t.Errorf("NIC %s has IP forwarding off", n.Name)
		}
		if !strings.Contains(n.NSGID, "/resourceGroups/"+l.NodeRG+"/") || !strings.HasSuffix(n.NSGID, "-nsg") {
			t.Errorf("NIC %s has NSG %q, want the cluster's NSG in %s", n.Name, n.NSGID, l.NodeRG)
		}
		if other, dup := ips[n.IP]; dup {
			t.Errorf("nodes %s and %s share IP %s", other, n.Name, n.IP)
		}
		ips[n.IP] = n.Name
		if n.PodCIDR == "" {
			t.Errorf("node %s has no route", n.Name)
			continue
		}
		if other, dup := cidrs[n.PodCIDR]; dup {
			t.Errorf("nodes %s and %s share pod CIDR %s", other, n.Name, n.PodCIDR)
		}
		cidrs[n.PodCIDR] = n.Name
		rn := n.Name + "____" + compact(n.PodCIDR)
		r, ok := l.Routes[rn]
		if !ok {
			t.Errorf("no route %s", rn)
			continue
		}
		if got := *r.Properties.NextHopType; got != armnetwork.RouteNextHopTypeVirtualAppliance {
			t.Errorf("route %s next hop type %s, want VirtualAppliance", rn, got)
		}
		if got := str(r.Properties.NextHopIPAddress); got != n.IP {
			t.Errorf("route %s next hop %s, want the node IP %s", rn, got, n.IP)
		}
	}
	if m := l.managedRoutes(); len(m) != count {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		slices.Sort(names)
		t.Errorf("%d managed routes, want %d: %v", len(m), count, names)
	}
}

// ipsAndCIDRs returns the nodes' IPs and pod CIDRs, in node order.
func (l layout) ipsAndCIDRs() (ips, cidrs []string) {
	for _, n := range l.Nodes {
		ips = append(ips, n.IP)
		cidrs = append(cidrs, n.PodCIDR)
	}
	return ips, cidrs
}

// seq returns n addresses or /24s: seqIPs("192.168.1.4", 3) is .4, .5, .6.
func seqIPs(first string, n int) []string {
	a := netip.MustParseAddr(first)
	out := make([]string, n)
	for i := range n {
		out[i] = a.String()
		a = a.Next()
	}
	return out
}

// seqCIDRs returns the first n /24s of pod CIDR p.
func seqCIDRs(p string, n int) []string {
	base := netip.MustParsePrefix(p).Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8
	out := make([]string, n)
	for i := range n {
		x := v + uint32(i)<<8
		out[i] = fmt.Sprintf("%d.%d.%d.0/24", x>>24, x>>16&255, x>>8&255)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// parsedID is a resource id's resource group and names after it.
type parsedID struct {
	rg    string
	names []string
}

// parseID reads /subscriptions/s/resourceGroups/rg/providers/ns/t1/n1/t2/n2.
func parseID(t testing.TB, id string) parsedID {
	t.Helper()
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if len(parts) < 4 || !strings.EqualFold(parts[2], "resourceGroups") {
		t.Fatalf("not a resource group id: %s", id)
	}
	p := parsedID{rg: parts[3]}
	if len(parts) > 6 {
		for i := 7; i < len(parts); i += 2 {
			p.names = append(p.names, parts[i])
		}
	}
	return p
}
