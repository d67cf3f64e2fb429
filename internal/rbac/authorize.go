package rbac

import (
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Assignment is a role assignment: PrincipalID holds RoleDefinitionID at Scope.
//
// ID is the assignment's full resource id (see AssignmentID) and Name its GUID.
// RoleDefinitionID may be a full role definition id, with or without a
// subscription ("/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/G"
// or "/providers/Microsoft.Authorization/roleDefinitions/G"), or a bare GUID.
// PrincipalType is "ServicePrincipal", "User", "Group" and so on; it is stored
// and listed but plays no part in authorisation.
type Assignment struct {
	ID               string
	Name             string
	Scope            string
	RoleDefinitionID string
	PrincipalID      string
	PrincipalType    string
}

// Resolver looks up a role definition by its lowercased GUID. It returns the
// built-in role or a custom role, and false when there is none.
type Resolver func(roleDefGUID string) (RoleDefinition, bool)

// grant is one assignment ready for checking: its normalised scope and the role
// it resolved to.
type grant struct {
	scope string
	role  *RoleDefinition
}

// Authorizer answers "may this principal perform this action here?" from a
// fixed set of role assignments. It indexes the assignments by principal and
// resolves each role definition once, when it is built.
//
// An Authorizer is immutable and safe for concurrent use. It does not see later
// changes to the assignments or to custom roles: build a new one when they
// change.
type Authorizer struct {
	byPrincipal map[string][]grant
}

// NewAuthorizer indexes assignments for Check. resolve looks up role
// definitions by GUID; nil means built-in roles only (BuiltInByID). An
// assignment whose RoleDefinitionID is malformed, or whose role resolve does
// not know, grants nothing, as an assignment of a deleted role grants nothing
// in Azure; so does one at a scope outside the role's AssignableScopes.
// Assignments without a PrincipalID or Scope are ignored.
func NewAuthorizer(assignments []Assignment, resolve Resolver) *Authorizer {
	if resolve == nil {
		resolve = BuiltInByID
	}
	roles := map[string]*RoleDefinition{}
	a := &Authorizer{byPrincipal: map[string][]grant{}}
	for _, as := range assignments {
		scope := NormalizeScope(as.Scope)
		if as.PrincipalID == "" || scope == "" {
			continue
		}
		guid, ok := RoleDefinitionGUID(as.RoleDefinitionID)
		if !ok {
			continue
		}
		role, seen := roles[guid]
		if !seen {
			if d, ok := resolve(guid); ok {
				d = d.Clone()
				role = &d
			}
			roles[guid] = role // nil records "unknown" so it is resolved once
		}
		// An assignment outside its role's assignable scopes grants
		// nothing, even one stored before the scopes were narrowed.
		if role == nil || !role.AssignableAt(scope) {
			continue
		}
		key := strings.ToLower(as.PrincipalID)
		a.byPrincipal[key] = append(a.byPrincipal[key], grant{scope: scope, role: role})
	}
	return a
}

// Allowed reports whether some assignment of principalID, at a scope that
// contains resourceID, has a role that allows action. Principal ids compare
// case-insensitively.
func (a *Authorizer) Allowed(principalID, action, resourceID string) bool {
	if a == nil || principalID == "" || action == "" {
		return false
	}
	for _, g := range a.byPrincipal[strings.ToLower(principalID)] {
		if ScopeContains(g.scope, resourceID) && g.role.Allows(action) {
			return true
		}
	}
	return false
}

// Check returns nil when principalID may perform action on resourceID (see
// Allowed), and otherwise Azure's 403 AuthorizationFailed error (see
// AuthorizationFailed). It runs on every request: it allocates nothing when the
// principal id is lower case and access is granted.
func (a *Authorizer) Check(principalID, action, resourceID string) error {
	if a.Allowed(principalID, action, resourceID) {
		return nil
	}
	return AuthorizationFailed(principalID, action, resourceID)
}

// HasPermissions reports whether principalID is allowed every one of actions
// at scope. The actions may be granted by different assignments. With no
// actions it reports false, so that a mistaken call fails closed.
func (a *Authorizer) HasPermissions(principalID, scope string, actions ...string) bool {
	if len(actions) == 0 {
		return false
	}
	for _, action := range actions {
		if !a.Allowed(principalID, action, scope) {
			return false
		}
	}
	return true
}

// HasPermissions reports whether principalID, through assignments, is allowed
// every one of actions at scope; resolve is as for NewAuthorizer. It is meant
// for one-off questions such as "does the cluster identity have
// Microsoft.Network/virtualNetworks/subnets/join/action and
// Microsoft.Network/virtualNetworks/subnets/read on the subnet?". With no
// actions it reports false.
func HasPermissions(assignments []Assignment, resolve Resolver, principalID, scope string, actions ...string) bool {
	return NewAuthorizer(assignments, resolve).HasPermissions(principalID, scope, actions...)
}

// AuthorizationFailed returns Azure's 403 error for a caller that lacks action
// over scope. Azure names the client by its display identity and then by its
// object id; aksnet knows only the object id, so it appears twice:
//
//	The client '{id}' with object id '{id}' does not have authorization to
//	perform action '{action}' over scope '{scope}' or the scope is invalid. If
//	access was recently granted, please refresh your credentials.
//
// (on one line).
func AuthorizationFailed(principalID, action, scope string) *azerr.Error {
	return azerr.New(http.StatusForbidden, "AuthorizationFailed", "",
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		principalID, principalID, action, scope)
}
