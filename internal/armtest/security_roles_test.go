package armtest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// Issue 13, point 2: a custom role definition id is unique in the tenant,
// and creating, changing or deleting a custom role takes
// Microsoft.Authorization/roleDefinitions/write (or /delete) at every one of
// its assignable scopes, old and new ("Users that are granted this operation
// on all the AssignableScopes of the custom role can update custom roles",
// Azure's custom roles article). Otherwise the Owner of one resource group
// could rewrite a role that grants elsewhere. Error codes are ARM's, as the
// Azure SDK for .NET's recorded tests assert them
// (Azure/azure-sdk-for-net src/ResourceManagement/Authorization/
// Authorization.Tests/Tests/BasicTests.cs): 409 RoleDefinitionExists for a
// built-in's id, 400 MissingAssignableScopes, 400 LinkedInvalidPropertyId.

// roleDef is a custom role body.
func roleDef(name string, actions []string, scopes ...string) armauthorization.RoleDefinition {
	d := armauthorization.RoleDefinition{Properties: &armauthorization.RoleDefinitionProperties{
		RoleName:         to.Ptr(name),
		Description:      to.Ptr("security test role"),
		Permissions:      []*armauthorization.Permission{{Actions: to.SliceOfPtrs(actions...)}},
		AssignableScopes: to.SliceOfPtrs(scopes...),
	}}
	if scopes == nil {
		d.Properties.AssignableScopes = []*string{}
	}
	return d
}

// putRoleDef creates or updates the custom role guid at scope.
func (h *Harness) putRoleDef(scope, guid string, d armauthorization.RoleDefinition) error {
	_, err := h.Auth.NewRoleDefinitionsClient().CreateOrUpdate(h.Ctx, scope, guid, d, nil)
	return err
}

func (h *Harness) mustPutRoleDef(scope, guid string, d armauthorization.RoleDefinition) string {
	h.T.Helper()
	if err := h.putRoleDef(scope, guid, d); err != nil {
		h.T.Fatalf("create role %s at %s: %v", guid, scope, err)
	}
	return scope + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

// roleSetup is a subscription with two groups: the admin owns everything,
// the attacker is Owner of group B only and holds a harmless custom role
// (network reads) on the whole subscription.
type roleSetup struct {
	admin, attacker *Harness
	attackerID      string
	sub, rgA, rgB   string // scopes
	nameA           string // group A's name
	readRole        string // GUID of the harmless role
	readRoleID      string // its resource id
}

// newRoleSetup marks t parallel (the shared plane serves every test at once)
// and makes the roleSetup.
func newRoleSetup(t *testing.T) roleSetup {
	t.Helper()
	t.Parallel()
	admin := newHarness(t)
	s := roleSetup{admin: admin, sub: "/subscriptions/" + admin.Sub}
	s.nameA = uniqueRG(t) + "-a"
	s.rgA, s.rgB = admin.MkRG(s.nameA), admin.MkRG(uniqueRG(t)+"-b")
	s.attacker, _, s.attackerID = admin.signIn("sec-roles-" + newGUID(t)[:8])
	admin.mustAssign(s.rgB, ownerRole, s.attackerID)
	s.readRole = newGUID(t)
	s.readRoleID = admin.mustPutRoleDef(s.sub, s.readRole, roleDef("Network reader "+s.readRole[:8], []string{"Microsoft.Network/*/read"}, s.sub))
	admin.mustAssign(s.sub, s.readRole, s.attackerID)
	return s
}

// cannotWriteInA checks that the attacker still may not write in group A.
func (s roleSetup) cannotWriteInA(t *testing.T) {
	t.Helper()
	_, err := s.attacker.PutRouteTable(s.nameA, "rt-"+newGUID(t)[:8], armnetwork.RouteTable{})
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/routeTables/write"}})
}

func TestSecurity_Roles_RewriteRoleFromAnotherScope(t *testing.T) {
	s := newRoleSetup(t)
	before := s.admin.Snapshot(s.readRoleID)

	// The same GUID at the group the attacker owns, now granting "*": the
	// id is taken in the tenant.
	err := s.attacker.putRoleDef(s.rgB, s.readRole, roleDef("pwned", []string{"*"}, s.rgB))
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionExists", Target: "name", Mentions: []string{s.readRole, Fold(s.sub)}})
	// Claiming the subscription as well changes nothing.
	err = s.attacker.putRoleDef(s.rgB, s.readRole, roleDef("pwned", []string{"*"}, s.rgB, s.sub))
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionExists"})

	s.admin.Unchanged(before)
	s.cannotWriteInA(t)
}

func TestSecurity_Roles_UpdateNeedsWriteAtEveryOldAssignableScope(t *testing.T) {
	s := newRoleSetup(t)
	// The admin defines a role at group B's URL that is assignable on the
	// whole subscription, and gives it to the attacker there.
	guid := newGUID(t)
	id := s.admin.mustPutRoleDef(s.rgB, guid, roleDef("Route reader "+guid[:8], []string{"Microsoft.Network/routeTables/read"}, s.sub))
	s.admin.mustAssign(s.sub, guid, s.attackerID)
	before := s.admin.Snapshot(id)

	// The URL is in the attacker's group, so ARM's own check passes; the
	// role's assignable scope is not.
	for _, scopes := range [][]string{{s.sub}, {s.rgB}} {
		err := s.attacker.putRoleDef(s.rgB, guid, roleDef("Route reader "+guid[:8], []string{"*"}, scopes...))
		wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
			Mentions: []string{s.attackerID, "Microsoft.Authorization/roleDefinitions/write", Fold(s.sub + "'")}})
	}
	// Deleting it is refused the same way.
	_, err := s.attacker.Auth.NewRoleDefinitionsClient().Delete(s.attacker.Ctx, s.rgB, guid, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
		Mentions: []string{"Microsoft.Authorization/roleDefinitions/delete", Fold(s.sub + "'")}})

	s.admin.Unchanged(before)
	s.cannotWriteInA(t)
}

func TestSecurity_Roles_WideningAssignableScopesNeedsWriteThere(t *testing.T) {
	s := newRoleSetup(t)
	rd := s.attacker.Auth.NewRoleDefinitionsClient()

	// Its own role in its own group: allowed.
	guid := newGUID(t)
	id := s.attacker.mustPutRoleDef(s.rgB, guid, roleDef("Everything in B "+guid[:8], []string{"*"}, s.rgB))
	before := s.admin.Snapshot(id)
	// Widened to the subscription: refused, naming the scope it lacks.
	err := s.attacker.putRoleDef(s.rgB, guid, roleDef("Everything in B "+guid[:8], []string{"*"}, s.rgB, s.sub))
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
		Mentions: []string{"Microsoft.Authorization/roleDefinitions/write", Fold(s.sub + "'")}})
	s.admin.Unchanged(before)

	// A new role assignable in group A: refused, and not stored.
	other := newGUID(t)
	err = s.attacker.putRoleDef(s.rgB, other, roleDef("Everything in A "+other[:8], []string{"*"}, s.rgB, s.rgA))
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
		Mentions: []string{"Microsoft.Authorization/roleDefinitions/write", Fold(s.rgA)}})
	if _, err := rd.Get(s.admin.Ctx, s.rgB, other, nil); err == nil {
		t.Error("refused role definition was stored")
	}
	s.cannotWriteInA(t)
}

func TestSecurity_Roles_AssignmentOutsideAssignableScopes(t *testing.T) {
	s := newRoleSetup(t)
	guid := newGUID(t)
	s.admin.mustPutRoleDef(s.rgB, guid, roleDef("Only in B "+guid[:8], []string{"*"}, s.rgB))
	before, err := s.admin.assignmentsAt(s.sub, "principalId eq '"+s.attackerID+"'")
	if err != nil {
		t.Fatal(err)
	}

	// Even the subscription's Owner can't use it outside group B: the role
	// does not exist there.
	for _, scope := range []string{s.sub, s.rgA} {
		_, err := s.admin.assign(scope, guid, s.attackerID)
		wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "RoleDefinitionDoesNotExist", Target: "properties.roleDefinitionId",
			Mentions: []string{guid, Fold(scope + "'")}})
	}
	after, err := s.admin.assignmentsAt(s.sub, "principalId eq '"+s.attackerID+"'")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(assignmentIDs(before), assignmentIDs(after)) {
		t.Errorf("assignments %v after the refused ones, want %v", assignmentIDs(after), assignmentIDs(before))
	}
	s.cannotWriteInA(t)
	// Inside the group it works.
	s.admin.mustAssign(s.rgB, guid, s.attackerID)
}

func TestSecurity_Roles_BuiltInsCannotBeChanged(t *testing.T) {
	s := newRoleSetup(t)
	readerID := s.admin.roleDefID(readerRole)
	before := s.admin.Snapshot(readerID)
	for _, tc := range []struct {
		who   *Harness
		scope string
	}{{s.attacker, s.rgB}, {s.admin, s.sub}} {
		err := tc.who.putRoleDef(tc.scope, readerRole, roleDef("Reader", []string{"*"}, tc.scope))
		wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionExists", Target: "name", Mentions: []string{readerRole}})
	}
	// A DELETE finds no custom role with that id: nothing goes.
	if _, err := s.admin.Auth.NewRoleDefinitionsClient().Delete(s.admin.Ctx, s.sub, readerRole, nil); err != nil {
		t.Errorf("delete of a built-in: %v", err)
	}
	s.admin.Unchanged(before)
	// Reader still means read only.
	s.cannotWriteInA(t)
}

func TestSecurity_Roles_AssignableScopesAreValidated(t *testing.T) {
	s := newRoleSetup(t)
	guid := newGUID(t)
	for _, tc := range []struct {
		name   string
		scopes []string
		w      want
	}{
		{"none", nil, want{Status: http.StatusBadRequest, Code: "MissingAssignableScopes", Target: "properties.assignableScopes"}},
		{"root", []string{"/"}, want{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId", Target: "properties.assignableScopes[0]", Mentions: []string{"'/'"}}},
		{"garbage", []string{s.sub, "Invalid_Scope"}, want{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId", Target: "properties.assignableScopes[1]", Mentions: []string{"Invalid_Scope"}}},
		{"another subscription", []string{"/subscriptions/" + newGUID(t)}, want{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId", Mentions: []string{"not in this tenant"}}},
		{"management group", []string{"/providers/Microsoft.Management/managementGroups/root"}, want{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSDKErr(t, s.admin.putRoleDef(s.sub, guid, roleDef("Invalid "+guid[:8], []string{"*/read"}, tc.scopes...)), tc.w)
		})
	}
	if s.admin.Exists(s.sub + "/providers/Microsoft.Authorization/roleDefinitions/" + guid) {
		t.Error("a role with invalid assignable scopes was stored")
	}
}

func TestSecurity_Roles_DeleteOfARoleInUse(t *testing.T) {
	s := newRoleSetup(t)
	before := s.admin.Snapshot(s.readRoleID)
	rd := s.attacker.Auth.NewRoleDefinitionsClient()
	// At the role's own scope ARM's check refuses the attacker.
	_, err := rd.Delete(s.attacker.Ctx, s.sub, s.readRole, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Authorization/roleDefinitions/delete"}})
	// At its own group's scope there is no such role to delete.
	if _, err := rd.Delete(s.attacker.Ctx, s.rgB, s.readRole, nil); err != nil {
		t.Errorf("delete at another scope: %v", err)
	}
	// The admin may, but not while an assignment uses it.
	_, err = s.admin.Auth.NewRoleDefinitionsClient().Delete(s.admin.Ctx, s.sub, s.readRole, nil)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "RoleDefinitionHasAssignments", Mentions: []string{s.readRole}})
	s.admin.Unchanged(before)
}

func TestSecurity_Roles_CustomRoleIsSeenOnlyWhereItApplies(t *testing.T) {
	s := newRoleSetup(t)
	guid := newGUID(t)
	name := "Only in A " + guid[:8]
	s.admin.mustPutRoleDef(s.rgA, guid, roleDef(name, []string{"*"}, s.rgA))

	// The attacker reads role definitions in its own group: the role of
	// group A is not there, by id or by name.
	_, err := s.attacker.Auth.NewRoleDefinitionsClient().Get(s.attacker.Ctx, s.rgB, guid, nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "RoleDefinitionDoesNotExist", Mentions: []string{guid}})
	defs, err := s.attacker.roleDefs(s.rgB, "roleName eq '"+name+"'")
	if err != nil || len(defs) != 0 {
		t.Errorf("list in group B: %d definitions, %v", len(defs), err)
	}
	// Where it applies, and from the subscription above, it is seen.
	for _, scope := range []string{s.rgA, s.sub} {
		if defs, err := s.admin.roleDefs(scope, "roleName eq '"+name+"'"); err != nil || len(defs) != 1 {
			t.Errorf("list at %s: %d definitions, %v", scope, len(defs), err)
		}
	}
}
