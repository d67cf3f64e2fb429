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

// newLinkedFixture marks t parallel (the shared plane serves every test at
// once) and makes its principals and groups.
func newLinkedFixture(t *testing.T) *linkedFixture {
	t.Helper()
	t.Parallel()
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

// linkAttempt is a PUT of the attacker's that links to something in B it
// may not use.
type linkAttempt struct {
	path   string // without the api-version
	body   any
	write  string   // the action the attacker holds
	linked []string // the refused linked actions, then their scopes
}

// Each case's attempts are refused with LinkedAuthorizationFailed, leave the
// documents it keeps as they were and store nothing at the ids it lists as
// absent.
func TestSecurity_LinkedAccess_Refused(t *testing.T) {
	t.Parallel()
	const (
		subnetWrite  = "Microsoft.Network/virtualNetworks/subnets/write"
		nicWrite     = "Microsoft.Network/networkInterfaces/write"
		clusterWrite = "Microsoft.ContainerService/managedClusters/write"
	)
	for _, tc := range []struct {
		name string
		try  func(f *linkedFixture) (keep []string, attempts []linkAttempt, absent []string)
	}{
		// A new subnet in the attacker's VNet, and its existing subnet,
		// pointed at the victim's route table.
		{"SubnetRouteTable", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			withRT := map[string]any{"routeTable": ref(f.rtB)}
			linked := []string{joinRouteTable, f.rtB}
			return []string{f.rtB, f.vnetA, f.subnetA}, []linkAttempt{
				{f.vnetA + "/subnets/s2", subnetJSON("10.1.2.0/24", withRT), subnetWrite, linked},
				{f.subnetA, subnetJSON("10.1.1.0/24", withRT), subnetWrite, linked},
			}, []string{f.vnetA + "/subnets/s2"}
		}},
		{"SubnetNSG", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			body := subnetJSON("10.1.1.0/24", map[string]any{"networkSecurityGroup": ref(f.nsgB)})
			return []string{f.nsgB, f.vnetA, f.subnetA}, []linkAttempt{{f.subnetA, body, subnetWrite, []string{joinNSG, f.nsgB}}}, nil
		}},
		// A VNet PUT names both links of its inline subnet; the answer names
		// both refusals, respectively.
		{"VNetInlineSubnets", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			body := map[string]any{"location": "eastus", "properties": map[string]any{
				"addressSpace": map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}},
				"subnets": []any{map[string]any{"name": "s1", "properties": map[string]any{
					"addressPrefix": "10.1.1.0/24", "routeTable": ref(f.rtB), "networkSecurityGroup": ref(f.nsgB)}}},
			}}
			linked := []string{joinRouteTable + "," + joinNSG, f.rtB + "," + f.nsgB}
			return []string{f.rtB, f.nsgB, f.vnetA, f.subnetA}, []linkAttempt{{f.vnetA, body, "Microsoft.Network/virtualNetworks/write", linked}}, nil
		}},
		// The request's spelling of the id does not matter: the stored
		// subnet is what is checked. A subnet that does not exist answers
		// the same, so the refusal tells nothing about what B holds.
		{"NICSubnet", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			nic := f.path(f.rgA, "Microsoft.Network/networkInterfaces/nic1")
			missing := f.admin.RGID(f.rgB) + "/providers/Microsoft.Network/virtualNetworks/vnetB/subnets/nope"
			return []string{f.subnetB}, []linkAttempt{
				{nic, nicJSON(f.subnetB, ""), nicWrite, []string{joinSubnet, f.subnetB}},
				{nic, nicJSON(strings.ToLower(f.subnetB), ""), nicWrite, []string{joinSubnet, f.subnetB}},
				{nic, nicJSON(missing, ""), nicWrite, []string{joinSubnet, missing}},
			}, []string{nic}
		}},
		{"NICNSG", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			nic := f.path(f.rgA, "Microsoft.Network/networkInterfaces/nic1")
			return []string{f.nsgB, f.subnetA}, []linkAttempt{{nic, nicJSON(f.subnetA, f.nsgB), nicWrite, []string{joinNSG, f.nsgB}}}, []string{nic}
		}},
		{"ClusterSubnet", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			cl := f.clusterPath(f.rgA, "aks1")
			// Neither the cluster nor its node resource group.
			absent := []string{cl, f.admin.RGID("MC_" + f.rgA + "_aks1_eastus")}
			return []string{f.subnetB}, []linkAttempt{{cl, clusterJSON(f.subnetB, ""), clusterWrite, []string{joinSubnet, f.subnetB}}}, absent
		}},
		// A kubelet identity brought in identityProfile is linked too.
		{"ClusterIdentity", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			cl := f.clusterPath(f.rgA, "aks1")
			kubelet := clusterJSON("", "")
			kubelet["properties"].(map[string]any)["identityProfile"] = map[string]any{"kubeletidentity": map[string]any{"resourceId": f.idB}}
			return []string{f.idB}, []linkAttempt{
				{cl, clusterJSON("", f.idB), clusterWrite, []string{assignIdentity, f.idB}},
				{cl, kubelet, clusterWrite, []string{assignIdentity, f.idB}},
			}, []string{cl}
		}},
		{"AgentPoolSubnet", func(f *linkedFixture) ([]string, []linkAttempt, []string) {
			// The attacker's own cluster, in a VNet AKS makes: no link.
			cl := f.clusterPath(f.rgA, "aks1")
			if r := f.attacker.Do(http.MethodPut, cl+aksAPIVersion, clusterJSON("", "")); r.Status != http.StatusCreated {
				f.t.Fatalf("create own cluster: %d %s", r.Status, r.Body)
			}
			pool := cl + "/agentPools/pool2"
			body := map[string]any{"properties": map[string]any{"count": 1, "vnetSubnetID": f.subnetB}}
			return []string{f.subnetB}, []linkAttempt{{pool, body, "Microsoft.ContainerService/managedClusters/agentPools/write", []string{joinSubnet, f.subnetB}}}, []string{pool}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newLinkedFixture(t)
			keep, attempts, absent := tc.try(f)
			before := f.admin.Snapshot(keep...)
			for _, a := range attempts {
				f.wantLinked(f.attacker.Do(http.MethodPut, a.path+aksAPIVersion, a.body), a.write, a.linked...)
			}
			f.admin.Unchanged(before)
			for _, id := range absent {
				if f.admin.Exists(id) {
					t.Errorf("a refused write stored %s", id)
				}
			}
		})
	}
}

// A link that a request repeats unchanged is not checked again: the
// attacker may update its subnet, which an Owner associated with B's route
// table, without rights on the table.
func TestSecurity_LinkedAccess_UnchangedLinkIsNotRechecked(t *testing.T) {
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
