package armtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// Security tests for issue 13, points 3 and 4: linked-resource authorization
// and the node resource group. ARM checks the caller's rights on every
// resource a request links to, not only on the resource it writes:
//
//	LinkedAuthorizationFailed: The client '…' with object id '…' has
//	permission to perform action 'Microsoft.ContainerService/managedClusters/write'
//	on scope '…'; however, it does not have permission to perform action(s)
//	'Microsoft.Network/virtualNetworks/subnets/join/action' on the linked
//	scope(s) '…' (respectively) or the linked scope(s) are invalid.
//
// (Azure/mpf, pkg/domain authorizationErrorParser tests; aad-pod-identity#613
// shows the same for userAssignedIdentities/assign/action.) The attacker in
// every test is a service principal with Contributor on its own resource
// group A and Reader on the victim's group B, which holds the subnet, route
// table, NSG and identity it tries to use.

const (
	managedIdentityOperatorRole = "f1a07417-d97a-45cb-824c-7a7467783830"

	joinSubnet     = "Microsoft.Network/virtualNetworks/subnets/join/action"
	joinRouteTable = "Microsoft.Network/routeTables/join/action"
	joinNSG        = "Microsoft.Network/networkSecurityGroups/join/action"
	assignIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
	aksAPIVersion  = "?api-version=2024-05-01"
)

// linkedFixture is the attacker, its group A and the victim's group B.
type linkedFixture struct {
	t        *testing.T
	admin    *Harness
	attacker *Harness
	spID     string
	rgA, rgB string
	// In A: a VNet with subnet s1.
	vnetA, subnetA string
	// In B: a VNet with subnet sb, a route table, an NSG and an identity.
	subnetB, rtB, nsgB, idB string
}

func newLinkedFixture(t *testing.T) *linkedFixture {
	t.Helper()
	admin := newHarness(t)
	f := &linkedFixture{t: t, admin: admin, rgA: uniqueRG(t) + "-a", rgB: uniqueRG(t) + "-b"}
	admin.MkRG(f.rgA)
	admin.MkRG(f.rgB)
	f.vnetA = *admin.VNet(f.rgA, "vnetA", "10.1.0.0/16", "s1=10.1.1.0/24").ID
	f.subnetA = f.vnetA + "/subnets/s1"
	f.subnetB = *admin.VNet(f.rgB, "vnetB", "10.2.0.0/16", "sb=10.2.1.0/24").ID + "/subnets/sb"
	rt, nsg := admin.tableAndNSG(f.rgB, "rtB", "nsgB")
	f.rtB, f.nsgB = *rt.ID, *nsg.ID
	id, err := admin.MSI.CreateOrUpdate(admin.Ctx, f.rgB, "idB", armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		t.Fatalf("identity: %v", err)
	}
	f.idB = *id.ID

	app, spID, secret := admin.newServicePrincipal("linked-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")))
	f.spID = spID
	admin.mustAssign(admin.RGID(f.rgA), contributorRole, spID)
	admin.mustAssign(admin.RGID(f.rgB), readerRole, spID)
	f.attacker = admin.As(admin.Env.CredentialFor(t, app.AppID, secret))
	return f
}

// wantLinked checks a 403 LinkedAuthorizationFailed answer naming the
// attacker, the write it was allowed and every refused linked action and
// scope.
func (f *linkedFixture) wantLinked(r RawResp, write string, linked ...string) {
	f.t.Helper()
	if r.Status != http.StatusForbidden {
		f.t.Fatalf("status %d, want 403: %s", r.Status, r.Body)
	}
	mentions := []string{"The client '" + f.spID + "' with object id '" + f.spID + "'", "has permission to perform action '" + write + "'", "or the linked scope(s) are invalid"}
	for _, l := range linked {
		mentions = append(mentions, Fold(l))
	}
	WantError{Status: http.StatusForbidden, Code: "LinkedAuthorizationFailed", Mentions: mentions}.Check(f.t, r.APIErr(f.t))
}

func (f *linkedFixture) path(rg, rest string) string {
	return f.admin.RGID(rg) + "/providers/" + rest
}

func subnetJSON(prefix string, extra map[string]any) map[string]any {
	props := map[string]any{"addressPrefix": prefix}
	for k, v := range extra {
		props[k] = v
	}
	return map[string]any{"properties": props}
}

func ref(id string) map[string]string { return map[string]string{"id": id} }

func nicJSON(subnetID, nsgID string) map[string]any {
	props := map[string]any{"ipConfigurations": []any{map[string]any{"name": "ipconfig1",
		"properties": map[string]any{"subnet": ref(subnetID), "privateIPAllocationMethod": "Dynamic"}}}}
	if nsgID != "" {
		props["networkSecurityGroup"] = ref(nsgID)
	}
	return map[string]any{"location": "eastus", "properties": props}
}

// clusterJSON is a one-node kubenet cluster, in subnetID (AKS's own VNet
// when ""), with user-assigned identity identityID (system-assigned when "").
func clusterJSON(subnetID, identityID string) map[string]any {
	pool := map[string]any{"name": "nodepool1", "count": 1, "vmSize": "Standard_DS2_v2", "mode": "System", "osType": "Linux"}
	if subnetID != "" {
		pool["vnetSubnetID"] = subnetID
	}
	mc := map[string]any{"location": "eastus", "properties": map[string]any{
		"agentPoolProfiles": []any{pool},
		"networkProfile":    map[string]any{"networkPlugin": "kubenet"},
	}}
	if identityID != "" {
		mc["identity"] = map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{identityID: map[string]any{}}}
	} else {
		mc["identity"] = map[string]any{"type": "SystemAssigned"}
	}
	return mc
}

// resourcesIn lists the ids in resource group rg, as the admin sees them.
func (f *linkedFixture) resourcesIn(rg string) []string {
	f.t.Helper()
	var res struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	f.admin.Do(http.MethodGet, f.admin.RGID(rg)+"/resources?api-version=2024-05-01", nil).Decode(f.t, &res)
	ids := make([]string, 0, len(res.Value))
	for _, it := range res.Value {
		ids = append(ids, it.ID)
	}
	if len(ids) == 0 {
		f.t.Fatalf("no resources listed in %s", rg)
	}
	return ids
}

func (f *linkedFixture) clusterPath(rg, name string) string {
	return f.path(rg, "Microsoft.ContainerService/managedClusters/"+name)
}

func TestSecurity_LinkedAccess_SubnetRouteTable(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.rtB, f.vnetA, f.subnetA)

	// A new subnet in the attacker's VNet, and its existing subnet, pointed
	// at the victim's route table.
	for _, name := range []string{"s2", "s1"} {
		id := f.vnetA + "/subnets/" + name
		prefix := map[string]string{"s1": "10.1.1.0/24", "s2": "10.1.2.0/24"}[name]
		r := f.attacker.Do(http.MethodPut, id+"?api-version=2024-05-01", subnetJSON(prefix, map[string]any{"routeTable": ref(f.rtB)}))
		f.wantLinked(r, "Microsoft.Network/virtualNetworks/subnets/write", joinRouteTable, f.rtB)
	}
	f.admin.Unchanged(before)
	if f.admin.Exists(f.vnetA + "/subnets/s2") {
		t.Error("a refused subnet was stored")
	}
}

func TestSecurity_LinkedAccess_SubnetNSG(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.nsgB, f.vnetA, f.subnetA)
	r := f.attacker.Do(http.MethodPut, f.subnetA+"?api-version=2024-05-01", subnetJSON("10.1.1.0/24", map[string]any{"networkSecurityGroup": ref(f.nsgB)}))
	f.wantLinked(r, "Microsoft.Network/virtualNetworks/subnets/write", joinNSG, f.nsgB)
	f.admin.Unchanged(before)
}

func TestSecurity_LinkedAccess_VNetInlineSubnets(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.rtB, f.nsgB, f.vnetA, f.subnetA)
	// A VNet PUT names both links of its inline subnet; the answer names
	// both refusals, respectively.
	body := map[string]any{"location": "eastus", "properties": map[string]any{
		"addressSpace": map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}},
		"subnets": []any{map[string]any{"name": "s1", "properties": map[string]any{
			"addressPrefix": "10.1.1.0/24", "routeTable": ref(f.rtB), "networkSecurityGroup": ref(f.nsgB)}}},
	}}
	r := f.attacker.Do(http.MethodPut, f.vnetA+"?api-version=2024-05-01", body)
	f.wantLinked(r, "Microsoft.Network/virtualNetworks/write", joinRouteTable+","+joinNSG, f.rtB+","+f.nsgB)
	f.admin.Unchanged(before)
}

func TestSecurity_LinkedAccess_NICSubnet(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.subnetB)
	nic := f.path(f.rgA, "Microsoft.Network/networkInterfaces/nic1")
	// The request's spelling of the id does not matter: the stored subnet
	// is what is checked.
	for _, id := range []string{f.subnetB, strings.ToLower(f.subnetB)} {
		r := f.attacker.Do(http.MethodPut, nic+"?api-version=2024-05-01", nicJSON(id, ""))
		f.wantLinked(r, "Microsoft.Network/networkInterfaces/write", joinSubnet, f.subnetB)
	}
	// A subnet that does not exist answers the same, so the refusal tells
	// nothing about what B holds.
	missing := f.admin.RGID(f.rgB) + "/providers/Microsoft.Network/virtualNetworks/vnetB/subnets/nope"
	r := f.attacker.Do(http.MethodPut, nic+"?api-version=2024-05-01", nicJSON(missing, ""))
	f.wantLinked(r, "Microsoft.Network/networkInterfaces/write", joinSubnet, missing)
	f.admin.Unchanged(before)
	if f.admin.Exists(nic) {
		t.Error("a refused NIC was stored")
	}
}

func TestSecurity_LinkedAccess_NICNSG(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.nsgB, f.subnetA)
	nic := f.path(f.rgA, "Microsoft.Network/networkInterfaces/nic1")
	r := f.attacker.Do(http.MethodPut, nic+"?api-version=2024-05-01", nicJSON(f.subnetA, f.nsgB))
	f.wantLinked(r, "Microsoft.Network/networkInterfaces/write", joinNSG, f.nsgB)
	f.admin.Unchanged(before)
	if f.admin.Exists(nic) {
		t.Error("a refused NIC was stored")
	}
}

func TestSecurity_LinkedAccess_ClusterSubnet(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.subnetB)
	cl := f.clusterPath(f.rgA, "aks1")
	r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, clusterJSON(f.subnetB, ""))
	f.wantLinked(r, "Microsoft.ContainerService/managedClusters/write", joinSubnet, f.subnetB)
	f.admin.Unchanged(before)
	if f.admin.Exists(cl) || f.admin.Exists(f.admin.RGID("MC_"+f.rgA+"_aks1_eastus")) {
		t.Error("a refused cluster, or its node resource group, was stored")
	}
}

func TestSecurity_LinkedAccess_ClusterIdentity(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.idB)
	cl := f.clusterPath(f.rgA, "aks1")
	r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, clusterJSON("", f.idB))
	f.wantLinked(r, "Microsoft.ContainerService/managedClusters/write", assignIdentity, f.idB)

	// A kubelet identity brought in identityProfile is linked too.
	body := clusterJSON("", "")
	body["properties"].(map[string]any)["identityProfile"] = map[string]any{"kubeletidentity": map[string]any{"resourceId": f.idB}}
	r = f.attacker.Do(http.MethodPut, cl+aksAPIVersion, body)
	f.wantLinked(r, "Microsoft.ContainerService/managedClusters/write", assignIdentity, f.idB)

	f.admin.Unchanged(before)
	if f.admin.Exists(cl) {
		t.Error("a refused cluster was stored")
	}
}

func TestSecurity_LinkedAccess_AgentPoolSubnet(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	// The attacker's own cluster, in a VNet AKS makes: no link.
	cl := f.clusterPath(f.rgA, "aks1")
	if r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, clusterJSON("", "")); r.Status != http.StatusCreated {
		t.Fatalf("create own cluster: %d %s", r.Status, r.Body)
	}
	before := f.admin.Snapshot(f.subnetB)
	pool := cl + "/agentPools/pool2"
	r := f.attacker.Do(http.MethodPut, pool+aksAPIVersion, map[string]any{"properties": map[string]any{"count": 1, "vnetSubnetID": f.subnetB}})
	f.wantLinked(r, "Microsoft.ContainerService/managedClusters/agentPools/write", joinSubnet, f.subnetB)
	f.admin.Unchanged(before)
	if f.admin.Exists(pool) {
		t.Error("a refused agent pool was stored")
	}
}

// A link that a request repeats unchanged is not checked again: the
// attacker may update its subnet, which an Owner associated with B's route
// table, without rights on the table.
func TestSecurity_LinkedAccess_UnchangedLinkIsNotRechecked(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	withRT := subnetJSON("10.1.1.0/24", map[string]any{"routeTable": ref(f.rtB)})
	if r := f.admin.Do(http.MethodPut, f.subnetA+"?api-version=2024-05-01", withRT); r.Status != http.StatusOK {
		t.Fatalf("owner associates the route table: %d %s", r.Status, r.Body)
	}
	if r := f.attacker.Do(http.MethodPut, f.subnetA+"?api-version=2024-05-01", withRT); r.Status != http.StatusOK {
		t.Errorf("re-PUT of an unchanged link: %d %s", r.Status, r.Body)
	}
	vnet := map[string]any{"location": "eastus", "tags": map[string]string{"team": "a"}, "properties": map[string]any{
		"addressSpace": map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}},
		"subnets":      []any{map[string]any{"name": "s1", "properties": withRT["properties"]}},
	}}
	if r := f.attacker.Do(http.MethodPut, f.vnetA+"?api-version=2024-05-01", vnet); r.Status != http.StatusOK {
		t.Errorf("VNet re-PUT keeping an unchanged link: %d %s", r.Status, r.Body)
	}
	// Leaving the table needs no right on it either.
	if r := f.attacker.Do(http.MethodPut, f.subnetA+"?api-version=2024-05-01", subnetJSON("10.1.1.0/24", nil)); r.Status != http.StatusOK {
		t.Errorf("dissociating the route table: %d %s", r.Status, r.Body)
	}
	// Linking it again is a new link.
	r := f.attacker.Do(http.MethodPut, f.subnetA+"?api-version=2024-05-01", withRT)
	f.wantLinked(r, "Microsoft.Network/virtualNetworks/subnets/write", joinRouteTable, f.rtB)
}

// With Network Contributor on B (Microsoft.Network/*) the same links work,
// and Managed Identity Operator on the identity lets a cluster use it.
func TestSecurity_LinkedAccess_GrantedRolesAllowTheLinks(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	f.admin.mustAssign(f.admin.RGID(f.rgB), networkContributorRole, f.spID)
	f.admin.mustAssign(f.idB, managedIdentityOperatorRole, f.spID)

	if r := f.attacker.Do(http.MethodPut, f.subnetA+"?api-version=2024-05-01",
		subnetJSON("10.1.1.0/24", map[string]any{"routeTable": ref(f.rtB), "networkSecurityGroup": ref(f.nsgB)})); r.Status != http.StatusOK {
		t.Errorf("subnet with B's route table and NSG: %d %s", r.Status, r.Body)
	}
	var rt armnetwork.RouteTable
	if r := f.admin.Do(http.MethodGet, f.rtB+"?api-version=2024-05-01", nil); r.Status == http.StatusOK {
		r.Decode(t, &rt)
	}
	if rt.Properties == nil || len(rt.Properties.Subnets) != 1 || !strings.EqualFold(*rt.Properties.Subnets[0].ID, f.subnetA) {
		t.Errorf("route table %s does not list %s: %+v", f.rtB, f.subnetA, rt.Properties)
	}
	nic := f.path(f.rgA, "Microsoft.Network/networkInterfaces/nic1")
	if r := f.attacker.Do(http.MethodPut, nic+"?api-version=2024-05-01", nicJSON(f.subnetB, f.nsgB)); r.Status != http.StatusCreated {
		t.Errorf("NIC on B's subnet with B's NSG: %d %s", r.Status, r.Body)
	}
	cl := f.clusterPath(f.rgA, "aks1")
	if r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, clusterJSON("", f.idB)); r.Status != http.StatusCreated {
		t.Errorf("cluster with B's identity: %d %s", r.Status, r.Body)
	}
}

func TestSecurity_NodeResourceGroup_UnsafeName(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.admin.RGID(f.rgB))
	for _, name := range []string{
		"../" + f.rgB,
		f.rgB + "/providers/Microsoft.Network/virtualNetworks/vnetB",
		"x%2F..%2F" + f.rgB,
		"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/x",
		"..",
		"ends.",
		"has space",
		"tab\tname",
		strings.Repeat("a", 81),
	} {
		body := clusterJSON("", "")
		body["properties"].(map[string]any)["nodeResourceGroup"] = name
		cl := f.clusterPath(f.rgA, "aks1")
		r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, body)
		if r.Status != http.StatusBadRequest {
			t.Errorf("nodeResourceGroup %q: status %d, want 400: %s", name, r.Status, r.Body)
			continue
		}
		WantError{Code: "InvalidParameter", Target: "properties.nodeResourceGroup"}.Check(t, r.APIErr(t))
		if f.admin.Exists(cl) {
			t.Fatalf("nodeResourceGroup %q: a refused cluster was stored", name)
		}
	}
	// 80 characters is AKS's limit, and allowed.
	body := clusterJSON("", "")
	// Unique to this run, as node resource groups are unique in the
	// subscription and the shared plane outlives a run.
	ok := strings.Repeat("b", 80-len(f.rgA)) + f.rgA
	body["properties"].(map[string]any)["nodeResourceGroup"] = ok
	if r := f.attacker.Do(http.MethodPut, f.clusterPath(f.rgA, "aks2")+aksAPIVersion, body); r.Status != http.StatusCreated {
		t.Fatalf("80-character node resource group: %d %s", r.Status, r.Body)
	}
	var rg struct {
		ManagedBy string `json:"managedBy"`
	}
	f.admin.Do(http.MethodGet, f.admin.RGID(ok)+"?api-version=2024-05-01", nil).Decode(t, &rg)
	if !strings.EqualFold(rg.ManagedBy, f.clusterPath(f.rgA, "aks2")) {
		t.Errorf("node resource group %s managed by %q", ok, rg.ManagedBy)
	}
	f.admin.Unchanged(before)
}

func TestSecurity_NodeResourceGroup_TakenName(t *testing.T) {
	t.Parallel()
	f := newLinkedFixture(t)
	before := f.admin.Snapshot(f.admin.RGID(f.rgB), f.subnetB, f.rtB)
	resBefore := f.resourcesIn(f.rgB)
	cl := f.clusterPath(f.rgA, "aks1")
	// AKS answers 400 NodeResourceGroupAlreadyExists: "Node resource group
	// '…' under subscription '…' already exists, please provide a new one."
	// (hashicorp/terraform-provider-azurerm#7562), whatever the casing.
	for _, name := range []string{f.rgB, strings.ToUpper(f.rgB)} {
		body := clusterJSON("", "")
		body["properties"].(map[string]any)["nodeResourceGroup"] = name
		r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, body)
		WantError{Status: http.StatusBadRequest, Code: "NodeResourceGroupAlreadyExists", Target: "properties.nodeResourceGroup",
			Mentions: []string{"Node resource group '" + name + "' under subscription '" + f.admin.Sub + "' already exists"}}.Check(t, r.APIErr(t))
	}
	// The cluster's own group: NodeResourceGroupSameAsResourceGroup
	// (Azure/azure-cli#27215).
	body := clusterJSON("", "")
	body["properties"].(map[string]any)["nodeResourceGroup"] = f.rgA
	r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, body)
	WantError{Status: http.StatusBadRequest, Code: "NodeResourceGroupSameAsResourceGroup", Target: "properties.nodeResourceGroup"}.Check(t, r.APIErr(t))

	f.admin.Unchanged(before)
	if f.admin.Exists(cl) {
		t.Error("a refused cluster was stored")
	}
	// Nothing of AKS's went into B.
	if now := f.resourcesIn(f.rgB); strings.Join(now, "\n") != strings.Join(resBefore, "\n") {
		t.Errorf("resources in %s changed:\nbefore %q\nafter  %q", f.rgB, resBefore, now)
	}
}
