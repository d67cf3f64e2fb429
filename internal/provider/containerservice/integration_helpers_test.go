package containerservice_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/google/uuid"
)

// networkContributor is the built-in Network Contributor role.
const networkContributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"

// opTimeout bounds every wait for a long-running operation or a controller.
const opTimeout = 20 * time.Second

// Planes. Most tests share one control plane (starting one costs about a
// second) and stay apart through their own resource groups. The limited
// plane has a short permission wait and a small route limit; the tests that
// count everything in the subscription start their own.
var (
	planesMu sync.Mutex
	planes   = map[string]*planeEntry{}
)

type planeEntry struct {
	env *armtest.Env
	dir string
	err error
}

// limitedRoutes is the route limit of the limited plane.
const limitedRoutes = 4

// limitedPermissionWait is the limited plane's permission wait.
const limitedPermissionWait = time.Second

func TestMain(m *testing.M) {
	code := m.Run()
	planesMu.Lock()
	for _, p := range planes {
		if p.env != nil {
			// A connection the client dialed but never used counts as busy
			// for 5 s in the server's graceful shutdown; close them first.
			p.env.HTTP.CloseIdleConnections()
			p.env.Stop()
		}
		_ = os.RemoveAll(p.dir)
	}
	planesMu.Unlock()
	os.Exit(code)
}

// plane returns the named shared control plane, starting it on first use.
func plane(t testing.TB, name string, o armtest.Options) *armtest.Env {
	t.Helper()
	planesMu.Lock()
	p, ok := planes[name]
	if !ok {
		p = &planeEntry{}
		planes[name] = p
		p.dir, p.err = os.MkdirTemp("", "aksnet-cs-"+name+"-")
		if p.err == nil {
			o.StateDir = p.dir
			p.env, p.err = armtest.StartDir(o)
		}
	}
	planesMu.Unlock()
	if p.err != nil {
		t.Fatalf("start control plane %s: %v", name, p.err)
	}
	return p.env
}

// harness bundles a control plane, a signed-in principal and SDK clients.
type harness struct {
	t    testing.TB
	e    *armtest.Env
	ctx  context.Context
	sub  string
	cred azcore.TokenCredential

	rg    *armresources.ResourceGroupsClient
	res   *armresources.Client
	net   *armnetwork.ClientFactory
	msi   *armmsi.UserAssignedIdentitiesClient
	auth  *armauthorization.ClientFactory
	aks   *armcontainerservice.ManagedClustersClient
	pools *armcontainerservice.AgentPoolsClient
}

// newHarness uses the shared default plane.
func newHarness(t testing.TB) *harness {
	t.Helper()
	return harnessOn(t, plane(t, "default", armtest.Options{}))
}

// limitedHarness uses the plane with limitedRoutes and limitedPermissionWait.
func limitedHarness(t testing.TB) *harness {
	t.Helper()
	return harnessOn(t, plane(t, "limited", armtest.Options{MaxRoutesPerTable: limitedRoutes, PermissionWait: limitedPermissionWait}))
}

func harnessOn(t testing.TB, e *armtest.Env) *harness {
	t.Helper()
	h := &harness{t: t, e: e, ctx: context.Background(), sub: e.Creds.SubscriptionID, cred: e.Credential(t)}
	opts := e.ClientOptions()
	var err error
	check := func() {
		if err != nil {
			t.Fatal(err)
		}
	}
	h.rg, err = armresources.NewResourceGroupsClient(h.sub, h.cred, opts)
	check()
	h.res, err = armresources.NewClient(h.sub, h.cred, opts)
	check()
	h.net, err = armnetwork.NewClientFactory(h.sub, h.cred, opts)
	check()
	h.msi, err = armmsi.NewUserAssignedIdentitiesClient(h.sub, h.cred, opts)
	check()
	h.auth, err = armauthorization.NewClientFactory(h.sub, h.cred, opts)
	check()
	h.aks, err = armcontainerservice.NewManagedClustersClient(h.sub, h.cred, opts)
	check()
	h.pools, err = armcontainerservice.NewAgentPoolsClient(h.sub, h.cred, opts)
	check()
	return h
}

// withT returns a copy of h reporting to t (for subtests).
func (h *harness) withT(t testing.TB) *harness {
	c := *h
	c.t = t
	return &c
}

var rgUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// rgName returns a resource group name unique to the running test and to
// this process (with -count, a test's later runs get "-2", "-3"…).
func rgName(t testing.TB, suffix ...string) string {
	n := rgUnsafe.ReplaceAllString(t.Name(), "-")
	if len(suffix) > 0 {
		n += "-" + strings.Join(suffix, "-")
	}
	if len(n) > 70 {
		n = n[len(n)-70:]
	}
	rgNamesMu.Lock()
	defer rgNamesMu.Unlock()
	rgNames[n]++
	if k := rgNames[n]; k > 1 {
		n += "-" + strconv.Itoa(k)
	}
	return "rg-" + n
}

var (
	rgNamesMu sync.Mutex
	rgNames   = map[string]int{}
)

// newRG creates resource group name in eastus.
func (h *harness) newRG(name string) string {
	h.t.Helper()
	res, err := h.rg.CreateOrUpdate(h.ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		h.t.Fatalf("create resource group %s: %v", name, err)
	}
	return *res.ID
}

func (h *harness) rgExists(name string) bool {
	h.t.Helper()
	res, err := h.rg.CheckExistence(h.ctx, name, nil)
	if err != nil {
		h.t.Fatalf("check resource group %s: %v", name, err)
	}
	return res.Success
}

// vnet creates VNet name with address space space and subnets "name=prefix",
// and returns the subnet ids by name.
func (h *harness) vnet(rg, name, space string, subnets ...string) map[string]string {
	h.t.Helper()
	v := armnetwork.VirtualNetwork{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(space)}},
		},
	}
	for _, s := range subnets {
		n, p, _ := strings.Cut(s, "=")
		v.Properties.Subnets = append(v.Properties.Subnets, &armnetwork.Subnet{Name: to.Ptr(n), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(p)}})
	}
	p, err := h.net.NewVirtualNetworksClient().BeginCreateOrUpdate(h.ctx, rg, name, v, nil)
	if err != nil {
		h.t.Fatalf("create vnet %s: %v", name, err)
	}
	res, err := finish(h.ctx, p)
	if err != nil {
		h.t.Fatalf("create vnet %s: %v", name, err)
	}
	out := map[string]string{"": *res.ID}
	for _, s := range res.Properties.Subnets {
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
	p, err := h.net.NewSubnetsClient().BeginCreateOrUpdate(h.ctx, rg, vnet, name, s, nil)
	if err != nil {
		return armnetwork.Subnet{}, err
	}
	res, err := finish(h.ctx, p)
	return res.Subnet, err
}

func (h *harness) mustPutSubnet(rg, vnet, name, prefix, routeTableID string) armnetwork.Subnet {
	h.t.Helper()
	s, err := h.putSubnet(rg, vnet, name, prefix, routeTableID)
	if err != nil {
		h.t.Fatalf("put subnet %s: %v", name, err)
	}
	return s
}

func (h *harness) subnet(id string) armnetwork.Subnet {
	h.t.Helper()
	p := parseID(h.t, id)
	res, err := h.net.NewSubnetsClient().Get(h.ctx, p.rg, p.names[0], p.names[1], nil)
	if err != nil {
		h.t.Fatalf("get subnet %s: %v", id, err)
	}
	return res.Subnet
}

// routeTable creates a route table with the given routes ("name=prefix>hop",
// hop an IP for VirtualAppliance or a next-hop type).
func (h *harness) routeTable(rg, name string, routes ...string) string {
	h.t.Helper()
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
	p, err := h.net.NewRouteTablesClient().BeginCreateOrUpdate(h.ctx, rg, name, rt, nil)
	if err != nil {
		h.t.Fatalf("create route table %s: %v", name, err)
	}
	res, err := finish(h.ctx, p)
	if err != nil {
		h.t.Fatalf("create route table %s: %v", name, err)
	}
	return *res.ID
}

// routes lists the routes of route table id, by name.
func (h *harness) routes(rtID string) map[string]armnetwork.Route {
	h.t.Helper()
	p := parseID(h.t, rtID)
	out := map[string]armnetwork.Route{}
	pager := h.net.NewRoutesClient().NewListPager(p.rg, p.names[0], nil)
	for pager.More() {
		page, err := pager.NextPage(h.ctx)
		if err != nil {
			h.t.Fatalf("list routes of %s: %v", rtID, err)
		}
		for _, r := range page.Value {
			out[*r.Name] = *r
		}
	}
	return out
}

func (h *harness) routeTableExists(rtID string) bool {
	h.t.Helper()
	p := parseID(h.t, rtID)
	_, err := h.net.NewRouteTablesClient().Get(h.ctx, p.rg, p.names[0], nil)
	if err == nil {
		return true
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return false
	}
	h.t.Fatalf("get route table %s: %v", rtID, err)
	return false
}

// identity creates a user-assigned identity and returns its id and
// principal id.
func (h *harness) identity(rg, name string) (id, principal string) {
	h.t.Helper()
	res, err := h.msi.CreateOrUpdate(h.ctx, rg, name, armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		h.t.Fatalf("create identity %s: %v", name, err)
	}
	return *res.ID, *res.Properties.PrincipalID
}

// assign gives principal the role (a GUID) at scope.
func (h *harness) assign(scope, principal, role string) {
	h.t.Helper()
	_, err := h.auth.NewRoleAssignmentsClient().Create(h.ctx, scope, uuid.NewString(), armauthorization.RoleAssignmentCreateParameters{
		Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr("/subscriptions/" + h.sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role),
			PrincipalID:      to.Ptr(principal),
			PrincipalType:    to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
		},
	}, nil)
	if err != nil {
		h.t.Fatalf("assign role %s to %s at %s: %v", role, principal, scope, err)
	}
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
	h.t.Helper()
	h.newRG(rg)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24")
	n := network{rg: rg, vnetID: ids[""], subnetID: ids["myAKSSubnet"]}
	n.identityID, n.principal = h.identity(rg, "myIdentity")
	h.assign(n.vnetID, n.principal, networkContributor)
	return n
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
	p, err := h.aks.BeginCreateOrUpdate(h.ctx, rg, name, mc, nil)
	if err != nil {
		return armcontainerservice.ManagedCluster{}, err
	}
	res, err := finish(h.ctx, p)
	return res.ManagedCluster, err
}

func (h *harness) mustPutCluster(rg, name string, mc armcontainerservice.ManagedCluster) armcontainerservice.ManagedCluster {
	h.t.Helper()
	res, err := h.putCluster(rg, name, mc)
	if err != nil {
		h.t.Fatalf("put cluster %s: %v", name, err)
	}
	if got := str(res.Properties.ProvisioningState); got != "Succeeded" {
		h.t.Fatalf("cluster %s: provisioningState %q after its operation, want Succeeded", name, got)
	}
	return res
}

func (h *harness) cluster(rg, name string) armcontainerservice.ManagedCluster {
	h.t.Helper()
	res, err := h.aks.Get(h.ctx, rg, name, nil)
	if err != nil {
		h.t.Fatalf("get cluster %s: %v", name, err)
	}
	return res.ManagedCluster
}

// clusterStatus answers the HTTP status of GET on the cluster.
func (h *harness) clusterStatus(rg, name string) int {
	h.t.Helper()
	_, err := h.aks.Get(h.ctx, rg, name, nil)
	if err == nil {
		return http.StatusOK
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	h.t.Fatalf("get cluster %s: %v", name, err)
	return 0
}

func (h *harness) deleteCluster(rg, name string) {
	h.t.Helper()
	p, err := h.aks.BeginDelete(h.ctx, rg, name, nil)
	if err == nil {
		_, err = finish(h.ctx, p)
	}
	if err != nil {
		h.t.Fatalf("delete cluster %s: %v", name, err)
	}
}

// scaleCluster PUTs the cluster back with pool 0's count set to n.
func (h *harness) scaleCluster(rg, name string, n int32) (armcontainerservice.ManagedCluster, error) {
	h.t.Helper()
	mc := h.cluster(rg, name)
	mc.Properties.AgentPoolProfiles[0].Count = to.Ptr(n)
	return h.putCluster(rg, name, mc)
}

func (h *harness) putPool(rg, cluster, name string, ap armcontainerservice.AgentPool) (armcontainerservice.AgentPool, error) {
	p, err := h.pools.BeginCreateOrUpdate(h.ctx, rg, cluster, name, ap, nil)
	if err != nil {
		return armcontainerservice.AgentPool{}, err
	}
	res, err := finish(h.ctx, p)
	return res.AgentPool, err
}

func (h *harness) deletePool(rg, cluster, name string) error {
	p, err := h.pools.BeginDelete(h.ctx, rg, cluster, name, nil)
	if err != nil {
		return err
	}
	_, err = finish(h.ctx, p)
	return err
}

// finish drives a poller to its end without PollUntilDone's Retry-After
// pauses, polling at most every 10 ms for at most opTimeout.
func finish[T any](ctx context.Context, p *runtime.Poller[T]) (T, error) {
	deadline := time.Now().Add(opTimeout)
	for !p.Done() {
		if time.Now().After(deadline) {
			var zero T
			return zero, fmt.Errorf("operation still in progress after %s", opTimeout)
		}
		if _, err := p.Poll(ctx); err != nil {
			var zero T
			return zero, err
		}
		if !p.Done() {
			if err := pause(ctx, 10*time.Millisecond); err != nil {
				var zero T
				return zero, err
			}
		}
	}
	return p.Result(ctx)
}

func pause(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// eventually polls cond until it returns "" or timeout passes, then fails
// with cond's last complaint.
func eventually(t testing.TB, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, msg)
		}
		_ = pause(context.Background(), 10*time.Millisecond)
	}
}

// want is an expected ARM error (armtest.WantError), checked against the
// error of an SDK call.
type want armtest.WantError

func (w want) check(t testing.TB, err error) {
	t.Helper()
	armtest.WantError(w).Check(t, armtest.SDKError(t, err))
}

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

// layoutOf reads a cluster, the NICs in its node resource group and the
// routes of its route table. Pod CIDRs come from the routes named for the
// nodes.
func (h *harness) layoutOf(rg, name string) layout {
	h.t.Helper()
	l := layout{Cluster: h.cluster(rg, name)}
	l.NodeRG = str(l.Cluster.Properties.NodeResourceGroup)
	pager := h.net.NewInterfacesClient().NewListPager(l.NodeRG, nil)
	for pager.More() {
		page, err := pager.NextPage(h.ctx)
		if err != nil {
			h.t.Fatalf("list NICs in %s: %v", l.NodeRG, err)
		}
		for _, nic := range page.Value {
			n := node{Name: *nic.Name, NICID: *nic.ID, IPForwarding: nic.Properties.EnableIPForwarding != nil && *nic.Properties.EnableIPForwarding}
			if len(nic.Properties.IPConfigurations) != 1 {
				h.t.Fatalf("NIC %s has %d IP configurations, want 1", n.Name, len(nic.Properties.IPConfigurations))
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

// raw sends a plain HTTP request with h's token and returns status and body.
func (h *harness) raw(method, pathQuery string) (int, []byte) {
	h.t.Helper()
	tok, err := h.cred.GetToken(h.ctx, policy.TokenRequestOptions{Scopes: []string{h.e.URL + "/.default"}})
	if err != nil {
		h.t.Fatalf("token: %v", err)
	}
	req, err := http.NewRequest(method, h.e.URL+pathQuery, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := h.e.HTTP.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, body
}

// resourcesIn lists the resources of a resource group as "type/name".
func (h *harness) resourcesIn(rg string) []string {
	h.t.Helper()
	var out []string
	pager := h.res.NewListByResourceGroupPager(rg, nil)
	for pager.More() {
		page, err := pager.NextPage(h.ctx)
		if err != nil {
			h.t.Fatalf("list resources of %s: %v", rg, err)
		}
		for _, r := range page.Value {
			out = append(out, *r.Type+"/"+*r.Name)
		}
	}
	slices.Sort(out)
	return out
}

// nic creates a network interface with a dynamic address in subnetID.
func (h *harness) nic(rg, name, subnetID string) armnetwork.Interface {
	h.t.Helper()
	p, err := h.net.NewInterfacesClient().BeginCreateOrUpdate(h.ctx, rg, name, armnetwork.Interface{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{
			Name: to.Ptr("ipconfig1"),
			Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
				Subnet: &armnetwork.Subnet{ID: to.Ptr(subnetID)}, PrivateIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodDynamic)},
		}}},
	}, nil)
	if err == nil {
		var res armnetwork.InterfacesClientCreateOrUpdateResponse
		res, err = finish(h.ctx, p)
		if err == nil {
			return res.Interface
		}
	}
	h.t.Fatalf("create NIC %s: %v", name, err)
	return armnetwork.Interface{}
}
