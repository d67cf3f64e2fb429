package containerservice_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/google/uuid"
)

var routeTableName = regexp.MustCompile(`^aks-agentpool-(\d{8})-routetable$`)

// TestIntegrationArticle_UserAssigned follows the article through the Azure
// SDK: the VNet and subnet, a user-assigned identity with Network
// Contributor on the VNet, and a 3-node kubenet cluster in the subnet with
// --service-cidr 10.0.0.0/16 --dns-service-ip 10.0.0.10 --pod-cidr
// 10.244.0.0/16. Deleting the cluster removes the node resource group and
// the route table AKS associated.
func TestIntegrationArticle_UserAssigned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)

	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(n.subnetID, n.identityID, 3))

	// The document: identity, defaults, network profile.
	props := mc.Properties
	if got := *mc.Identity.Type; got != armcontainerservice.ResourceIdentityTypeUserAssigned {
		t.Errorf("identity type %s, want UserAssigned", got)
	}
	if len(mc.Identity.UserAssignedIdentities) != 1 {
		t.Errorf("userAssignedIdentities %v, want the one identity", mc.Identity.UserAssignedIdentities)
	}
	for id, v := range mc.Identity.UserAssignedIdentities {
		if !strings.EqualFold(id, n.identityID) || v == nil || str(v.PrincipalID) != n.principal {
			t.Errorf("userAssignedIdentities[%s] = %+v, want %s with principal %s", id, v, n.identityID, n.principal)
		}
	}
	if got := str(props.ServicePrincipalProfile.ClientID); got != "msi" {
		t.Errorf("servicePrincipalProfile.clientId %q, want msi", got)
	}
	wantNodeRG := "MC_" + rg + "_myAKSCluster_eastus"
	if got := str(props.NodeResourceGroup); got != wantNodeRG {
		t.Errorf("nodeResourceGroup %q, want %q", got, wantNodeRG)
	}
	if str(props.KubernetesVersion) == "" || str(props.DNSPrefix) == "" || str(props.Fqdn) == "" {
		t.Errorf("kubernetesVersion %q, dnsPrefix %q, fqdn %q: want defaults", str(props.KubernetesVersion), str(props.DNSPrefix), str(props.Fqdn))
	}
	np := props.NetworkProfile
	if *np.NetworkPlugin != armcontainerservice.NetworkPluginKubenet || str(np.PodCidr) != "10.244.0.0/16" || str(np.ServiceCidr) != "10.0.0.0/16" || str(np.DNSServiceIP) != "10.0.0.10" {
		t.Errorf("network profile plugin %s pod %s service %s dns %s", *np.NetworkPlugin, str(np.PodCidr), str(np.ServiceCidr), str(np.DNSServiceIP))
	}
	if np.OutboundType == nil || *np.OutboundType != armcontainerservice.OutboundTypeLoadBalancer || np.LoadBalancerSKU == nil || *np.LoadBalancerSKU != armcontainerservice.LoadBalancerSKUStandard {
		t.Errorf("outboundType %v loadBalancerSku %v, want loadBalancer and standard", np.OutboundType, np.LoadBalancerSKU)
	}
	ap := props.AgentPoolProfiles[0]
	if *ap.Count != 3 || *ap.MaxPods != 110 || !strings.EqualFold(str(ap.VnetSubnetID), n.subnetID) {
		t.Errorf("pool count %d maxPods %d subnet %s", *ap.Count, *ap.MaxPods, str(ap.VnetSubnetID))
	}

	// Nodes, pod CIDRs and routes.
	l := h.layoutOf(rg, "myAKSCluster")
	l.check(t, 3)
	ips, cidrs := l.ipsAndCIDRs()
	if !slices.Equal(ips, []string{"192.168.1.4", "192.168.1.5", "192.168.1.6"}) {
		t.Errorf("node IPs %v, want 192.168.1.4-.6", ips)
	}
	if !slices.Equal(cidrs, []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"}) {
		t.Errorf("pod CIDRs %v, want 10.244.0.0/24-10.244.2.0/24", cidrs)
	}
	if len(l.Routes) != 3 {
		t.Errorf("route table has %d routes, want exactly 3", len(l.Routes))
	}
	for i, nd := range l.Nodes {
		if !strings.HasSuffix(nd.Name, []string{"vmss000000", "vmss000001", "vmss000002"}[i]) {
			t.Errorf("node %d is %s, want …vmss00000%d", i, nd.Name, i)
		}
		if !strings.EqualFold(nd.SubnetID, n.subnetID) {
			t.Errorf("NIC %s in subnet %s, want %s", nd.Name, nd.SubnetID, n.subnetID)
		}
	}
	if len(l.Nodes) > 0 {
		first := l.Nodes[0].Name + "____102440024"
		if _, ok := l.Routes[first]; !ok {
			t.Errorf("no route %s", first)
		}
	}

	// The route table AKS made, associated with the subnet.
	rtp := parseID(t, l.RouteID)
	m := routeTableName.FindStringSubmatch(rtp.names[0])
	if m == nil || !strings.EqualFold(rtp.rg, wantNodeRG) {
		t.Fatalf("subnet route table %s, want aks-agentpool-<8 digits>-routetable in %s", l.RouteID, wantNodeRG)
	}
	id8 := m[1]
	rt, err := h.Net.NewRouteTablesClient().Get(h.Ctx, rtp.rg, rtp.names[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rt.Properties.Subnets) != 1 || !strings.EqualFold(*rt.Properties.Subnets[0].ID, n.subnetID) {
		t.Errorf("route table subnets %v, want only %s", rt.Properties.Subnets, n.subnetID)
	}
	if sn := h.subnet(n.subnetID); len(sn.Properties.IPConfigurations) != 3 {
		t.Errorf("subnet lists %d IP configurations, want 3", len(sn.Properties.IPConfigurations))
	}

	// The node resource group's contents.
	nodeRG, err := h.RG.Get(h.Ctx, wantNodeRG, nil)
	if err != nil {
		t.Fatalf("node resource group: %v", err)
	}
	if !strings.EqualFold(str(nodeRG.ManagedBy), str(mc.ID)) {
		t.Errorf("node resource group managedBy %q, want %s", str(nodeRG.ManagedBy), str(mc.ID))
	}
	res := h.ResourcesIn(wantNodeRG)
	vmss := "aks-nodepool1-" + id8 + "-vmss"
	for _, w := range []string{
		"Microsoft.Compute/virtualMachineScaleSets/" + vmss,
		"Microsoft.Network/networkSecurityGroups/aks-agentpool-" + id8 + "-nsg",
		"Microsoft.Network/routeTables/aks-agentpool-" + id8 + "-routetable",
		"Microsoft.Network/loadBalancers/kubernetes",
	} {
		if !slices.ContainsFunc(res, func(s string) bool { return strings.EqualFold(s, w) }) {
			t.Errorf("node resource group lacks %s; it has %v", w, res)
		}
	}
	// The nodes are scale set instances: their NICs live under the
	// instances, not among the group's resources.
	if slices.ContainsFunc(res, func(s string) bool { return strings.HasPrefix(s, "Microsoft.Network/networkInterfaces/") }) {
		t.Errorf("node resource group lists standalone NICs: %v", res)
	}
	if !slices.ContainsFunc(res, func(s string) bool { return strings.HasPrefix(s, "Microsoft.Network/publicIPAddresses/") }) {
		t.Errorf("node resource group has no public IP: %v", res)
	}
	for _, p := range publicIPs(h, wantNodeRG) {
		if str(p.Properties.IPAddress) == "" {
			t.Errorf("public IP %s has no address", *p.Name)
		}
	}
	lb, err := h.Net.NewLoadBalancersClient().Get(h.Ctx, wantNodeRG, "kubernetes", nil)
	if err != nil {
		t.Fatalf("load balancer: %v", err)
	}
	if len(lb.Properties.FrontendIPConfigurations) == 0 || len(lb.Properties.OutboundRules) == 0 {
		t.Errorf("load balancer has no frontend or outbound rule")
	}
	// The scale set's instances carry the node names.
	status, body := h.Raw(http.MethodGet, "/subscriptions/"+h.Sub+"/resourceGroups/"+wantNodeRG+"/providers/Microsoft.Compute/virtualMachineScaleSets/"+vmss+"/virtualMachines?api-version=2024-07-01")
	if status != http.StatusOK {
		t.Fatalf("list scale set instances: %d %s", status, body)
	}
	var vms struct {
		Value []struct {
			InstanceID string `json:"instanceId"`
			Properties struct {
				OSProfile struct {
					ComputerName string `json:"computerName"`
				} `json:"osProfile"`
			} `json:"properties"`
		} `json:"value"`
	}
	if err := json.Unmarshal(body, &vms); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vms.Value {
		names = append(names, v.Properties.OSProfile.ComputerName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{vmss + "000000", vmss + "000001", vmss + "000002"}) {
		t.Errorf("scale set instances %v, want %s000000…000002", names, vmss)
	}

	// LIST by group and by subscription, and the agentPools child.
	listed := func(pager interface {
		More() bool
	}, next func() ([]*armcontainerservice.ManagedCluster, error)) bool {
		for pager.More() {
			page, err := next()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				if strings.EqualFold(str(c.ID), str(mc.ID)) {
					return true
				}
			}
		}
		return false
	}
	byRG := h.AKS.NewListByResourceGroupPager(rg, nil)
	if !listed(byRG, func() ([]*armcontainerservice.ManagedCluster, error) {
		p, err := byRG.NextPage(h.Ctx)
		return p.Value, err
	}) {
		t.Error("cluster missing from LIST by resource group")
	}
	bySub := h.AKS.NewListPager(nil)
	if !listed(bySub, func() ([]*armcontainerservice.ManagedCluster, error) {
		p, err := bySub.NextPage(h.Ctx)
		return p.Value, err
	}) {
		t.Error("cluster missing from LIST by subscription")
	}
	pool, err := h.Pools.Get(h.Ctx, rg, "myAKSCluster", "nodepool1", nil)
	if err != nil {
		t.Fatalf("agent pool: %v", err)
	}
	if *pool.Properties.Count != 3 {
		t.Errorf("agentPools/nodepool1 count %d, want 3", *pool.Properties.Count)
	}

	// Deleting the cluster removes the node resource group and leaves the
	// subnet with no route table and no IP configurations.
	h.deleteCluster(rg, "myAKSCluster")
	if h.RGExists(wantNodeRG) {
		t.Errorf("node resource group %s still exists", wantNodeRG)
	}
	if code := h.clusterStatus(rg, "myAKSCluster"); code != http.StatusNotFound {
		t.Errorf("GET deleted cluster: %d, want 404", code)
	}
	sn := h.subnet(n.subnetID)
	if sn.Properties.RouteTable != nil {
		t.Errorf("subnet still has route table %s", str(sn.Properties.RouteTable.ID))
	}
	if len(sn.Properties.IPConfigurations) != 0 {
		t.Errorf("subnet still lists %d IP configurations", len(sn.Properties.IPConfigurations))
	}
	// The subnet is free again: a new cluster starts at .4.
	h.mustPutCluster(rg, "again", kubenetCluster(n.subnetID, n.identityID, 1))
	if ips, _ := h.layoutOf(rg, "again").ipsAndCIDRs(); !slices.Equal(ips, []string{"192.168.1.4"}) {
		t.Errorf("IPs after re-create %v, want 192.168.1.4", ips)
	}
}

// TestIntegrationArticle_CustomRole: a custom role with only
// subnets/join/action and subnets/read on the subnet is enough.
func TestIntegrationArticle_CustomRole(t *testing.T) {
	t.Parallel()
	h, rg := newHarnessRG(t)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24")
	idID, principal := h.Identity(rg, "myIdentity")
	roleID := uuid.NewString()
	scope := "/subscriptions/" + h.Sub
	_, err := h.Auth.NewRoleDefinitionsClient().CreateOrUpdate(h.Ctx, scope, roleID, armauthorization.RoleDefinition{
		Properties: &armauthorization.RoleDefinitionProperties{
			RoleName: to.Ptr("subnet joiner " + roleID),
			Permissions: []*armauthorization.Permission{{Actions: []*string{
				to.Ptr("Microsoft.Network/virtualNetworks/subnets/join/action"), to.Ptr("Microsoft.Network/virtualNetworks/subnets/read")}}},
			AssignableScopes: []*string{to.Ptr(scope)},
		},
	}, nil)
	if err != nil {
		t.Fatalf("create custom role: %v", err)
	}
	// Without an assignment: refused.
	_, err = h.putCluster(rg, "c1", kubenetCluster(ids["myAKSSubnet"], idID, 1))
	want{Status: http.StatusForbidden, Code: "LinkedAuthorizationFailed", Mentions: []string{principal}}.CheckSDK(t, err)
	h.Grant(ids["myAKSSubnet"], principal, roleID)
	h.mustPutCluster(rg, "c1", kubenetCluster(ids["myAKSSubnet"], idID, 1))
	h.layoutOf(rg, "c1").check(t, 1)
}

// TestIntegrationArticle_SystemAssigned: a system-assigned identity has its
// principal at once. The create completes without waiting for the Network
// Contributor assignment az makes on the subnet once it has finished (the
// role can't exist before), as on AKS; routes are written once it exists.
func TestIntegrationArticle_SystemAssigned(t *testing.T) {
	t.Parallel()
	h, rg := newHarnessRG(t)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24")
	subnetID := ids["myAKSSubnet"]

	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(subnetID, "", 3))
	if mc.Identity == nil || *mc.Identity.Type != armcontainerservice.ResourceIdentityTypeSystemAssigned || str(mc.Identity.PrincipalID) == "" {
		t.Fatalf("identity %+v, want SystemAssigned with a principalId", mc.Identity)
	}
	if _, err := uuid.Parse(str(mc.Identity.PrincipalID)); err != nil {
		t.Errorf("principalId %q is not a GUID", str(mc.Identity.PrincipalID))
	}
	if got := str(mc.Properties.ServicePrincipalProfile.ClientID); got != "msi" {
		t.Errorf("servicePrincipalProfile.clientId %q, want msi", got)
	}
	// Through several controller passes without the assignment, no route
	// is written; a scale is accepted and completes too.
	_ = armtest.Pause(h.Ctx, 600*time.Millisecond)
	if l := h.layoutOf(rg, "myAKSCluster"); len(l.managedRoutes()) != 0 {
		t.Errorf("routes written before the identity may join the subnet: %v", l.Routes)
	}
	if _, err := h.scaleCluster(rg, "myAKSCluster", 4); err != nil {
		t.Fatalf("scale without the role: %v", err)
	}
	if l := h.layoutOf(rg, "myAKSCluster"); len(l.Nodes) != 4 || len(l.managedRoutes()) != 0 {
		t.Errorf("after the scale: %d nodes and %d routes, want 4 and none", len(l.Nodes), len(l.managedRoutes()))
	}

	// What az does for a system-assigned identity. The routes are written in
	// the grant's own transaction: they are there when its answer comes.
	h.Grant(subnetID, str(mc.Identity.PrincipalID), networkContributor)
	l := h.layoutOf(rg, "myAKSCluster")
	if n := len(l.managedRoutes()); n != 4 {
		t.Errorf("%d routes right after the grant, want 4", n)
	}
	l.check(t, 4)
	if ips, cidrs := l.ipsAndCIDRs(); !slices.Equal(ips, seqIPs("192.168.1.4", 4)) || !slices.Equal(cidrs, seqCIDRs("10.244.0.0/16", 4)) {
		t.Errorf("IPs %v CIDRs %v", ips, cidrs)
	}
	if got := str(h.cluster(rg, "myAKSCluster").Identity.PrincipalID); got != str(mc.Identity.PrincipalID) {
		t.Errorf("principalId changed from %s to %s", str(mc.Identity.PrincipalID), got)
	}
}

// TestIntegrationArticle_SystemAssignedNoPermission: a system-assigned
// identity's principal exists only once the create is accepted, so its role
// on the subnet comes after (az grants it once the create has finished,
// Terraform from identity.principalId). As on AKS, the create completes
// without it; the route controller can't write routes, so the nodes have
// none (and their Kubernetes Nodes are NetworkUnavailable, with the reason);
// the routes appear once the role is granted (issue 18).
func TestIntegrationArticle_SystemAssignedNoPermission(t *testing.T) {
	t.Parallel()
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	h.MkRG(rg)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24")
	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(ids["myAKSSubnet"], "", 2))
	principal := str(mc.Identity.PrincipalID)
	l := h.layoutOf(rg, "myAKSCluster")
	if n := len(l.Nodes); n != 2 {
		t.Fatalf("%d nodes after the create, want 2", n)
	}
	if len(l.managedRoutes()) != 0 {
		t.Errorf("routes before the identity has its role: %v", l.Routes)
	}
	// The Nodes aksnet-kube is given say why they have no route.
	want := func(n kubesup.Node) string {
		if !strings.Contains(n.NoRoute, principal) || !strings.Contains(n.NoRoute, "Microsoft.Network/virtualNetworks/subnets/join/action") {
			return fmt.Sprintf("Node %s: noRoute %q, want the missing permission of %s", n.Name, n.NoRoute, principal)
		}
		return ""
	}
	h.checkKubeNodes(rg, *mc.ID, "myAKSCluster", 2, want)
	h.Grant(ids["myAKSSubnet"], principal, networkContributor)
	armtest.Eventually(t, 10*time.Second, func() string {
		if n := len(h.layoutOf(rg, "myAKSCluster").managedRoutes()); n != 2 {
			return fmt.Sprintf("%d routes after the grant, want 2", n)
		}
		return ""
	})
	l = h.layoutOf(rg, "myAKSCluster")
	l.check(t, 2)
	wantNodes(t, l, span(0, 2), seqIPs("192.168.1.4", 2), seqCIDRs("10.244.0.0/16", 2))
	h.checkKubeNodes(rg, *mc.ID, "myAKSCluster", 2, func(n kubesup.Node) string {
		if n.NoRoute != "" {
			return fmt.Sprintf("Node %s: noRoute %q once routed", n.Name, n.NoRoute)
		}
		return ""
	})
}

// TestIntegrationArticle_BYORouteTable: a route table with a custom
// 0.0.0.0/0 route, associated before the cluster exists, and a user-assigned
// identity with Network Contributor on the VNet and the route table. AKS
// uses that table, keeps the custom route, adds its own, and removes only
// its own when the cluster goes. Without write access to the table the
// create fails.
func TestIntegrationArticle_BYORouteTable(t *testing.T) {
	t.Parallel()
	h, rg := newHarnessRG(t)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24", "fw=192.168.2.0/24")
	rtID := h.routeTable(rg, "myRouteTable", "default-to-fw=0.0.0.0/0>192.168.2.4")
	h.mustPutSubnet(rg, "myAKSVnet", "myAKSSubnet", "192.168.1.0/24", rtID)
	subnetID := ids["myAKSSubnet"]

	// An identity that may join the subnet but not write the table.
	weakID, weak := h.Identity(rg, "weakIdentity")
	h.Grant(ids[""], weak, networkContributor)
	_, err := h.putCluster(rg, "weak", kubenetCluster(subnetID, weakID, 3))
	want{Status: http.StatusBadRequest, Code: "CustomRouteTableMissingPermission", Target: "properties.agentPoolProfiles[0].vnetSubnetID",
		Mentions: []string{weak, rtID, "Microsoft.Network/routeTables/write"}}.CheckSDK(t, err)
	if code := h.clusterStatus(rg, "weak"); code != http.StatusNotFound {
		t.Errorf("refused cluster: GET %d, want 404", code)
	}
	if h.RGExists("MC_" + rg + "_weak_eastus") {
		t.Error("refused cluster left its node resource group")
	}
	if got := h.routes(rtID); len(got) != 1 {
		t.Errorf("refused cluster changed the routes: %v", got)
	}

	idID, principal := h.Identity(rg, "myIdentity")
	h.Grant(ids[""], principal, networkContributor)
	h.Grant(rtID, principal, networkContributor)
	h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(subnetID, idID, 3))
	l := h.layoutOf(rg, "myAKSCluster")
	if !strings.EqualFold(l.RouteID, rtID) {
		t.Fatalf("subnet route table %s, want the bring-your-own %s", l.RouteID, rtID)
	}
	l.check(t, 3)
	if len(l.Routes) != 4 {
		t.Errorf("%d routes, want the custom one and 3 managed", len(l.Routes))
	}
	custom, ok := l.Routes["default-to-fw"]
	if !ok || str(custom.Properties.AddressPrefix) != "0.0.0.0/0" || str(custom.Properties.NextHopIPAddress) != "192.168.2.4" {
		t.Errorf("custom route %+v, want 0.0.0.0/0 to 192.168.2.4 kept", custom.Properties)
	}
	if ips, cidrs := l.ipsAndCIDRs(); !slices.Equal(ips, seqIPs("192.168.1.4", 3)) || !slices.Equal(cidrs, seqCIDRs("10.244.0.0/16", 3)) {
		t.Errorf("IPs %v CIDRs %v", ips, cidrs)
	}
	for _, r := range h.ResourcesIn(l.NodeRG) {
		if strings.HasPrefix(r, "Microsoft.Network/routeTables/") {
			t.Errorf("AKS made route table %s although the subnet brought one", r)
		}
	}
	// Custom routes may still change.
	if _, err := h.Net.NewRoutesClient().BeginCreateOrUpdate(h.Ctx, rg, "myRouteTable", "onprem", armnetwork.Route{Properties: &armnetwork.RoutePropertiesFormat{
		AddressPrefix: to.Ptr("10.100.0.0/16"), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualNetworkGateway)}}, nil); err != nil {
		t.Fatalf("add custom route: %v", err)
	}

	h.deleteCluster(rg, "myAKSCluster")
	got := h.routes(rtID)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"default-to-fw", "onprem"}) {
		t.Errorf("routes after delete %v, want only the custom ones", names)
	}
	sn := h.subnet(subnetID)
	if sn.Properties.RouteTable == nil || !strings.EqualFold(str(sn.Properties.RouteTable.ID), rtID) {
		t.Errorf("subnet route table after delete %v, want %s kept", sn.Properties.RouteTable, rtID)
	}
	if h.RGExists(l.NodeRG) {
		t.Errorf("node resource group %s still exists", l.NodeRG)
	}
}

// TestIntegrationArticle_PropagationDelay: with the server's propagation
// delay, a system-assigned cluster's routes appear no sooner than the delay
// after the role assignment does (its create has long completed).
func TestIntegrationArticle_PropagationDelay(t *testing.T) {
	t.Parallel()
	const delay = 700 * time.Millisecond
	h := harnessOn(t, armtest.Plane(t, "propagation", armtest.Options{PropagationDelay: delay}))
	rg := armtest.RGName(t)
	h.MkRG(rg)
	ids := h.vnet(rg, "myAKSVnet", "192.168.0.0/16", "myAKSSubnet=192.168.1.0/24")
	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(ids["myAKSSubnet"], "", 2))
	assigned := time.Now() // before the assignment exists
	h.Grant(ids["myAKSSubnet"], str(mc.Identity.PrincipalID), networkContributor)
	armtest.Eventually(t, 10*time.Second, func() string {
		if n := len(h.layoutOf(rg, "myAKSCluster").managedRoutes()); n != 2 {
			return fmt.Sprintf("%d routes, want 2", n)
		}
		return ""
	})
	if waited := time.Since(assigned); waited < delay {
		t.Errorf("routes written %s after the assignment, before the propagation delay of %s", waited, delay)
	}
	h.layoutOf(rg, "myAKSCluster").check(t, 2)
}

// TestIntegrationArticle_Defaults: a cluster with nothing but a pool gets
// AKS's defaults, and a VNet of its own in the node resource group.
func TestIntegrationArticle_Defaults(t *testing.T) {
	t.Parallel()
	h, rg := newHarnessRG(t)
	mc := h.mustPutCluster(rg, "minimal", armcontainerservice.ManagedCluster{
		Location: to.Ptr("eastus"),
		Properties: &armcontainerservice.ManagedClusterProperties{AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{{
			Name: to.Ptr("nodepool1"), Count: to.Ptr[int32](3)}}},
	})
	p := mc.Properties
	np := p.NetworkProfile
	if str(p.KubernetesVersion) == "" || str(p.DNSPrefix) == "" || !strings.HasSuffix(str(p.Fqdn), ".azmk8s.io") {
		t.Errorf("kubernetesVersion %q dnsPrefix %q fqdn %q", str(p.KubernetesVersion), str(p.DNSPrefix), str(p.Fqdn))
	}
	if got := str(p.NodeResourceGroup); got != "MC_"+rg+"_minimal_eastus" {
		t.Errorf("nodeResourceGroup %q", got)
	}
	if str(p.ServicePrincipalProfile.ClientID) != "msi" || *mc.Identity.Type != armcontainerservice.ResourceIdentityTypeSystemAssigned || str(mc.Identity.PrincipalID) == "" {
		t.Errorf("servicePrincipalProfile %q identity %+v", str(p.ServicePrincipalProfile.ClientID), mc.Identity)
	}
	if *np.NetworkPlugin != armcontainerservice.NetworkPluginKubenet || str(np.PodCidr) != "10.244.0.0/16" || str(np.ServiceCidr) != "10.0.0.0/16" ||
		str(np.DNSServiceIP) != "10.0.0.10" || *np.LoadBalancerSKU != armcontainerservice.LoadBalancerSKUStandard || *np.OutboundType != armcontainerservice.OutboundTypeLoadBalancer {
		t.Errorf("network profile %s %s %s %s %s %s", *np.NetworkPlugin, str(np.PodCidr), str(np.ServiceCidr), str(np.DNSServiceIP), *np.LoadBalancerSKU, *np.OutboundType)
	}
	if got := *p.AgentPoolProfiles[0].MaxPods; got != 110 {
		t.Errorf("maxPods %d, want 110", got)
	}
	l := h.layoutOf(rg, "minimal")
	l.check(t, 3)
	wantNodes(t, l, span(0, 3), seqIPs("10.224.0.4", 3), seqCIDRs("10.244.0.0/16", 3))
	if !strings.Contains(strings.ToLower(l.RouteID), strings.ToLower("/resourceGroups/"+l.NodeRG+"/")) {
		t.Errorf("route table %s, want AKS's in the node resource group", l.RouteID)
	}
	h.deleteCluster(rg, "minimal")
	if h.RGExists(l.NodeRG) {
		t.Errorf("node resource group %s still exists", l.NodeRG)
	}

	// A given service CIDR without a DNS service IP gets its .10.
	n := h.articleNetwork(armtest.RGName(t, "svc"))
	c := kubenetCluster(n.subnetID, n.identityID, 1)
	c.Properties.NetworkProfile.ServiceCidr = to.Ptr("10.1.0.0/16")
	c.Properties.NetworkProfile.DNSServiceIP = nil
	c.Properties.NetworkProfile.PodCidr = nil
	got := h.mustPutCluster(n.rg, "svc", c).Properties.NetworkProfile
	if str(got.DNSServiceIP) != "10.1.0.10" || str(got.PodCidr) != "10.244.0.0/16" {
		t.Errorf("dnsServiceIP %q podCidr %q, want 10.1.0.10 and 10.244.0.0/16", str(got.DNSServiceIP), str(got.PodCidr))
	}
}

// TestIntegrationArticle_TwoSubnets: a cluster's pools in two subnets share
// one route table: AKS's, associated with both, or the one both bring.
func TestIntegrationArticle_TwoSubnets(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, byo := range []bool{false, true} {
		rg := armtest.RGName(t, strconv.FormatBool(byo))
		h.MkRG(rg)
		ids := h.vnet(rg, "vnet", "192.168.0.0/16", "s1=192.168.1.0/24", "s2=192.168.2.0/24")
		rtID := ""
		if byo {
			rtID = h.routeTable(rg, "byo", "fw=0.0.0.0/0>192.168.3.4")
			h.mustPutSubnet(rg, "vnet", "s1", "192.168.1.0/24", rtID)
			h.mustPutSubnet(rg, "vnet", "s2", "192.168.2.0/24", rtID)
		}
		mc := h.identityCluster(rg, "/subscriptions/"+h.Sub+"/resourceGroups/"+rg, ids["s1"], 2)
		mc.Properties.AgentPoolProfiles = append(mc.Properties.AgentPoolProfiles, &armcontainerservice.ManagedClusterAgentPoolProfile{
			Name: to.Ptr("pool2"), Count: to.Ptr[int32](2), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser), VnetSubnetID: to.Ptr(ids["s2"])})
		h.mustPutCluster(rg, "c", mc)
		l := h.layoutOf(rg, "c")
		l.check(t, 4)
		if byo && !strings.EqualFold(l.RouteID, rtID) {
			t.Errorf("route table %s, want %s", l.RouteID, rtID)
		}
		for _, s := range []string{"s1", "s2"} {
			sn := h.subnet(ids[s])
			if sn.Properties.RouteTable == nil || !strings.EqualFold(str(sn.Properties.RouteTable.ID), l.RouteID) {
				t.Errorf("byo=%v: subnet %s route table %v, want %s", byo, s, sn.Properties.RouteTable, l.RouteID)
			}
			if len(sn.Properties.IPConfigurations) != 2 {
				t.Errorf("byo=%v: subnet %s has %d IP configurations, want 2", byo, s, len(sn.Properties.IPConfigurations))
			}
		}
		var ips []string
		for _, nd := range l.Nodes {
			ips = append(ips, nd.IP)
		}
		if !sameSet(ips, []string{"192.168.1.4", "192.168.1.5", "192.168.2.4", "192.168.2.5"}) {
			t.Errorf("byo=%v: IPs %v", byo, ips)
		}
		h.deleteCluster(rg, "c")
		for _, s := range []string{"s1", "s2"} {
			sn := h.subnet(ids[s])
			switch {
			case byo && (sn.Properties.RouteTable == nil || !strings.EqualFold(str(sn.Properties.RouteTable.ID), rtID)):
				t.Errorf("subnet %s lost its own route table", s)
			case !byo && sn.Properties.RouteTable != nil:
				t.Errorf("subnet %s keeps AKS's route table %s", s, str(sn.Properties.RouteTable.ID))
			}
		}
		if byo {
			if got := h.routes(rtID); len(got) != 1 {
				t.Errorf("routes after delete: %v", got)
			}
		}
	}
}
