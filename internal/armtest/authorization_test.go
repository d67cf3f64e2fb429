package armtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
)

const (
	ownerRole              = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	contributorRole        = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	readerRole             = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	userAccessAdminRole    = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	networkContributorRole = "4d97b98b-1d4f-4787-a291-c67834d212e7"
)

func (h *Harness) roleDefID(guid string) string {
	return "/subscriptions/" + h.Sub + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

// filterOpt is a list call's $filter option: none for "".
func filterOpt(filter string) *string {
	if filter == "" {
		return nil
	}
	return &filter
}

// roleDefs lists the role definitions at scope with filter, walking every page.
func (h *Harness) roleDefs(scope, filter string) ([]*armauthorization.RoleDefinition, error) {
	pages, err := Pages(h.Ctx, h.Auth.NewRoleDefinitionsClient().NewListPager(scope, &armauthorization.RoleDefinitionsClientListOptions{Filter: filterOpt(filter)}))
	return Flatten(pages, func(p armauthorization.RoleDefinitionsClientListResponse) []*armauthorization.RoleDefinition {
		return p.Value
	}), err
}

// assignmentsAt lists role assignments at scope with filter, walking every page.
func (h *Harness) assignmentsAt(scope, filter string) ([]*armauthorization.RoleAssignment, error) {
	pages, err := Pages(h.Ctx, h.Auth.NewRoleAssignmentsClient().NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: filterOpt(filter)}))
	return Flatten(pages, func(p armauthorization.RoleAssignmentsClientListForScopeResponse) []*armauthorization.RoleAssignment {
		return p.Value
	}), err
}

// assign gives principal role at scope under a new assignment name.
func (h *Harness) assign(scope, role, principal string) (armauthorization.RoleAssignment, error) {
	res, err := h.Auth.NewRoleAssignmentsClient().Create(h.Ctx, scope, newGUID(h.T), armauthorization.RoleAssignmentCreateParameters{
		Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr(h.roleDefID(role)),
			PrincipalID:      to.Ptr(principal),
			PrincipalType:    to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
		},
	}, nil)
	return res.RoleAssignment, err
}

func (h *Harness) mustAssign(scope, role, principal string) armauthorization.RoleAssignment {
	h.T.Helper()
	a, err := h.assign(scope, role, principal)
	if err != nil {
		h.T.Fatalf("assign %s to %s at %s: %v", role, principal, scope, err)
	}
	return a
}

func newGUID(t testing.TB) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func assignmentIDs(as []*armauthorization.RoleAssignment) []string {
	return names(as, func(a *armauthorization.RoleAssignment) *string { return a.ID })
}

func TestRoleDefinitions_BuiltIns(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.40.0.0/16", "s1=10.40.1.0/24")
	subnet := *v.Properties.Subnets[0].ID

	for _, tc := range []struct{ name, guid string }{
		{"Owner", ownerRole},
		{"Contributor", contributorRole},
		{"Reader", readerRole},
		{"User Access Administrator", userAccessAdminRole},
		{"Network Contributor", networkContributorRole},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// az looks roles up by name at the scope it assigns at: it needs
			// exactly one answer.
			for _, scope := range []string{"/subscriptions/" + h.Sub, subnet} {
				defs, err := h.roleDefs(scope, "roleName eq '"+tc.name+"'")
				if err != nil {
					t.Fatal(err)
				}
				if len(defs) != 1 {
					t.Fatalf("roleName eq '%s' at %s found %d definitions, want 1", tc.name, scope, len(defs))
				}
				d := defs[0]
				if *d.Name != tc.guid || *d.ID != h.roleDefID(tc.guid) || *d.Properties.RoleName != tc.name || *d.Properties.RoleType != "BuiltInRole" || *d.Type != "Microsoft.Authorization/roleDefinitions" {
					t.Errorf("definition %s %s %s %s", *d.Name, *d.ID, *d.Properties.RoleName, *d.Properties.RoleType)
				}
			}
			d, err := h.Auth.NewRoleDefinitionsClient().Get(h.Ctx, "/subscriptions/"+h.Sub, tc.guid, nil)
			if err != nil {
				t.Fatal(err)
			}
			if *d.Properties.RoleName != tc.name || len(d.Properties.Permissions) == 0 {
				t.Errorf("GET %s: %s with %d permission blocks", tc.guid, *d.Properties.RoleName, len(d.Properties.Permissions))
			}
		})
	}
	// Network Contributor grants what a kubenet cluster identity needs.
	d, _ := h.Auth.NewRoleDefinitionsClient().Get(h.Ctx, "/subscriptions/"+h.Sub, networkContributorRole, nil)
	if acts := d.Properties.Permissions[0].Actions; !slices.ContainsFunc(acts, func(a *string) bool { return strings.EqualFold(*a, "Microsoft.Network/*") }) {
		t.Errorf("Network Contributor actions %v lack Microsoft.Network/*", names(acts, func(s *string) *string { return s }))
	}

	all, err := h.roleDefs("/subscriptions/"+h.Sub, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 5 {
		t.Errorf("unfiltered list has %d definitions", len(all))
	}
	defs, err := h.roleDefs("/subscriptions/"+h.Sub, "roleName eq 'No Such Role'")
	if err != nil || len(defs) != 0 {
		t.Errorf("unknown role name: %d definitions, %v", len(defs), err)
	}
	_, err = h.roleDefs("/subscriptions/"+h.Sub, "startswith(roleName,'Net')")
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "UnsupportedQuery", Target: "$filter", Mentions: []string{"startswith(roleName,'Net')"}})
	_, err = h.Auth.NewRoleDefinitionsClient().Get(h.Ctx, "/subscriptions/"+h.Sub, "11111111-2222-3333-4444-555555555555", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "RoleDefinitionDoesNotExist", Mentions: []string{"11111111-2222-3333-4444-555555555555"}})
}

func TestRoleAssignments_ScopesFiltersDuplicates(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.41.0.0/16", "s1=10.41.1.0/24")
	subnet := *v.Properties.Subnets[0].ID
	subScope, rgScope := "/subscriptions/"+h.Sub, h.RGID(rg)
	ident, err := h.MSI.CreateOrUpdate(h.Ctx, rg, "clusterIdentity", armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid := *ident.Properties.PrincipalID

	atSub := h.mustAssign(subScope, readerRole, pid)
	atRG := h.mustAssign(rgScope, contributorRole, pid)
	ctx, resp := captured(h.Ctx)
	name := newGUID(t)
	created, err := h.Auth.NewRoleAssignmentsClient().Create(ctx, subnet, name, armauthorization.RoleAssignmentCreateParameters{
		Properties: &armauthorization.RoleAssignmentProperties{RoleDefinitionID: to.Ptr(h.roleDefID(networkContributorRole)), PrincipalID: to.Ptr(pid)},
	}, nil)
	answered(t, "create", resp, err, http.StatusCreated)
	atSubnet := created.RoleAssignment
	for _, a := range []struct {
		got   armauthorization.RoleAssignment
		scope string
		role  string
	}{{atSub, subScope, readerRole}, {atRG, rgScope, contributorRole}, {atSubnet, subnet, networkContributorRole}} {
		p := a.got.Properties
		if *a.got.ID != a.scope+"/providers/Microsoft.Authorization/roleAssignments/"+*a.got.Name || *p.Scope != a.scope ||
			*p.PrincipalID != pid || *p.RoleDefinitionID != h.roleDefID(a.role) || *p.PrincipalType != armauthorization.PrincipalTypeServicePrincipal {
			t.Errorf("assignment %s: scope %s principal %s role %s type %s", *a.got.ID, *p.Scope, *p.PrincipalID, *p.RoleDefinitionID, *p.PrincipalType)
		}
	}
	got, err := h.Auth.NewRoleAssignmentsClient().Get(h.Ctx, subnet, name, nil)
	if err != nil || *got.ID != *atSubnet.ID {
		t.Errorf("GET assignment: %v", err)
	}

	// atScope() at the subnet: the subnet's own and everything above it
	// (including the admin's Owner on the subscription).
	list, err := h.assignmentsAt(subnet, "atScope()")
	if err != nil {
		t.Fatal(err)
	}
	ids := assignmentIDs(list)
	for _, want := range []string{*atSub.ID, *atRG.ID, *atSubnet.ID} {
		if !slices.Contains(ids, want) {
			t.Errorf("atScope() at the subnet misses %s", want)
		}
	}
	if !slices.ContainsFunc(list, func(a *armauthorization.RoleAssignment) bool {
		return *a.Properties.PrincipalID == h.Env.Creds.ObjectID && strings.HasSuffix(*a.Properties.RoleDefinitionID, ownerRole)
	}) {
		t.Error("atScope() at the subnet misses the admin's Owner assignment on the subscription")
	}
	// atScope() at the group leaves out what is below it; no filter keeps it.
	list, err = h.assignmentsAt(rgScope, "atScope()")
	if err != nil {
		t.Fatal(err)
	}
	if ids := assignmentIDs(list); slices.Contains(ids, *atSubnet.ID) || !slices.Contains(ids, *atRG.ID) || !slices.Contains(ids, *atSub.ID) {
		t.Errorf("atScope() at the group: %v", ids)
	}
	list, err = h.assignmentsAt(rgScope, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids := assignmentIDs(list); !slices.Contains(ids, *atSubnet.ID) || !slices.Contains(ids, *atRG.ID) {
		t.Errorf("unfiltered list at the group: %v", ids)
	}
	// principalId eq finds the principal's three, at any scope.
	var mine []string
	for _, page := range AllPages(h, h.Auth.NewRoleAssignmentsClient().NewListForSubscriptionPager(&armauthorization.RoleAssignmentsClientListForSubscriptionOptions{Filter: to.Ptr("principalId eq '" + pid + "'")})) {
		mine = append(mine, assignmentIDs(page.Value)...)
	}
	slices.Sort(mine)
	want3 := []string{*atSub.ID, *atRG.ID, *atSubnet.ID}
	slices.Sort(want3)
	if !slices.Equal(mine, want3) {
		t.Errorf("principalId eq: %v, want %v", mine, want3)
	}
	_, err = h.assignmentsAt(rgScope, "principalId eq ")
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "UnsupportedQuery", Target: "$filter"})

	// The same role for the same principal at the same scope is a 409 (az
	// treats it as success); re-PUT of the same assignment is fine.
	before := h.Snapshot(*atSubnet.ID)
	_, err = h.assign(subnet, networkContributorRole, pid)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleAssignmentExists"})
	// A different casing of the scope is the same scope.
	_, err = h.assign(strings.ToLower(subnet), networkContributorRole, pid)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleAssignmentExists"})
	h.Unchanged(before)
	if _, err := h.Auth.NewRoleAssignmentsClient().Create(h.Ctx, subnet, name, armauthorization.RoleAssignmentCreateParameters{
		Properties: &armauthorization.RoleAssignmentProperties{RoleDefinitionID: to.Ptr(h.roleDefID(networkContributorRole)), PrincipalID: to.Ptr(pid)},
	}, nil); err != nil {
		t.Errorf("idempotent re-PUT refused: %v", err)
	}

	// Bad input.
	bad := []struct {
		name   string
		assign string
		role   string
		pid    string
		want   want
	}{
		{"name not a GUID", "not-a-guid", readerRole, pid, want{http.StatusBadRequest, "InvalidRoleAssignmentId", "name", []string{"not-a-guid"}}},
		{"unknown role", "", "11111111-2222-3333-4444-555555555555", pid, want{http.StatusBadRequest, "RoleDefinitionDoesNotExist", "properties.roleDefinitionId", []string{"11111111-2222-3333-4444-555555555555"}}},
		{"unknown principal", "", readerRole, "99999999-2222-3333-4444-555555555555", want{http.StatusBadRequest, "PrincipalNotFound", "properties.principalId", []string{"99999999-2222-3333-4444-555555555555"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.assign
			if n == "" {
				n = newGUID(t)
			}
			_, err := h.Auth.NewRoleAssignmentsClient().Create(h.Ctx, rgScope, n, armauthorization.RoleAssignmentCreateParameters{
				Properties: &armauthorization.RoleAssignmentProperties{RoleDefinitionID: to.Ptr(h.roleDefID(tc.role)), PrincipalID: to.Ptr(tc.pid)},
			}, nil)
			wantSDKErr(t, err, tc.want)
			if h.Exists(rgScope + "/providers/Microsoft.Authorization/roleAssignments/" + n) {
				t.Error("refused assignment exists")
			}
		})
	}
	_, err = h.assign(*v.ID+"/subnets/nope", readerRole, pid)
	if e := SDKError(t, err); e.Status != http.StatusNotFound && e.Status != http.StatusBadRequest {
		t.Errorf("assignment at a missing scope: %d %s", e.Status, e.Raw)
	}

	// Delete answers 200 with the assignment, then 204.
	for _, d := range []struct {
		what string
		want int
	}{{"delete", http.StatusOK}, {"second delete", http.StatusNoContent}} {
		ctx, resp = captured(h.Ctx)
		_, err := h.Auth.NewRoleAssignmentsClient().Delete(ctx, subnet, name, nil)
		answered(t, d.what, resp, err, d.want)
	}
	list, _ = h.assignmentsAt(subnet, "atScope()")
	if slices.Contains(assignmentIDs(list), *atSubnet.ID) {
		t.Error("deleted assignment still listed")
	}
	// Once deleted, the same grant may be made again.
	h.mustAssign(subnet, networkContributorRole, pid)
}

func TestRoleDefinitions_CustomRoleLifecycle(t *testing.T) {
	h, rg := parallelRG(t)
	scope := h.RGID(rg)
	id := newGUID(t)
	name := "Subnet joiner " + id[:8]
	def := func(desc string) armauthorization.RoleDefinition {
		return armauthorization.RoleDefinition{Properties: &armauthorization.RoleDefinitionProperties{
			RoleName:         to.Ptr(name),
			Description:      to.Ptr(desc),
			AssignableScopes: []*string{to.Ptr(scope)},
			Permissions: []*armauthorization.Permission{{Actions: []*string{
				to.Ptr("Microsoft.Network/virtualNetworks/subnets/join/action"),
				to.Ptr("Microsoft.Network/virtualNetworks/subnets/read"),
			}}},
		}}
	}
	rd := h.Auth.NewRoleDefinitionsClient()
	created, err := rd.CreateOrUpdate(h.Ctx, scope, id, def("v1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if *created.Name != id || *created.Properties.RoleType != "CustomRole" || *created.Properties.RoleName != name {
		t.Errorf("created %s %s %s", *created.Name, *created.Properties.RoleType, *created.Properties.RoleName)
	}
	// The SDK accepts only 201 from this PUT, for an update too.
	updated, err := rd.CreateOrUpdate(h.Ctx, scope, id, def("v2"), nil)
	if err != nil {
		t.Fatalf("update of a custom role: %v", err)
	}
	if *updated.Properties.Description != "v2" {
		t.Errorf("description %q after update", *updated.Properties.Description)
	}
	got, err := rd.Get(h.Ctx, scope, id, nil)
	if err != nil || *got.Properties.Description != "v2" || len(got.Properties.Permissions[0].Actions) != 2 {
		t.Errorf("GET custom role: %v", err)
	}
	defs, err := h.roleDefs(scope, "type eq 'CustomRole'")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(defs, func(d *armauthorization.RoleDefinition) bool { return *d.Name == id }) {
		t.Errorf("type eq 'CustomRole' misses %s", id)
	}
	for _, d := range defs {
		if *d.Properties.RoleType != "CustomRole" {
			t.Errorf("type eq 'CustomRole' lists %s (%s)", *d.Properties.RoleName, *d.Properties.RoleType)
		}
	}

	// Built-ins can't be changed, names can't be taken twice.
	_, err = rd.CreateOrUpdate(h.Ctx, scope, readerRole, def("mine now"), nil)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionExists", Mentions: []string{readerRole}})
	dup := def("dup")
	_, err = rd.CreateOrUpdate(h.Ctx, scope, newGUID(t), dup, nil)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionWithSameNameExists", Target: "properties.roleName", Mentions: []string{name}})
	builtinName := def("x")
	builtinName.Properties.RoleName = to.Ptr("Network Contributor")
	_, err = rd.CreateOrUpdate(h.Ctx, scope, newGUID(t), builtinName, nil)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionWithSameNameExists", Mentions: []string{"Network Contributor"}})

	if _, err := rd.Delete(h.Ctx, scope, id, nil); err != nil {
		t.Fatalf("delete custom role: %v", err)
	}
	_, err = rd.Get(h.Ctx, scope, id, nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "RoleDefinitionDoesNotExist", Mentions: []string{id}})
}
