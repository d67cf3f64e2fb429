package rbac

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Codes of the custom role errors built here. All are Azure's own: the
// Azure SDK for .NET's recorded tests against ARM assert them
// (Azure/azure-sdk-for-net,
// src/ResourceManagement/Authorization/Authorization.Tests/Tests/BasicTests.cs,
// RoleDefinitionCreateTests), and the Azure RBAC troubleshooting article
// names RoleDefinitionHasAssignments.
const (
	// CodeMissingAssignableScopes (400) answers a custom role without
	// assignable scopes.
	CodeMissingAssignableScopes = "MissingAssignableScopes"
	// CodeLinkedInvalidPropertyID (400) answers an assignable scope that is
	// not a scope of this tenant.
	CodeLinkedInvalidPropertyID = "LinkedInvalidPropertyId"
	// CodeRoleDefinitionExists (409) answers a PUT of a role definition id
	// that a built-in role, or a custom role defined at another scope, has.
	CodeRoleDefinitionExists = "RoleDefinitionExists"
	// CodeInvalidRoleDefinitionType (400) answers a custom role whose type
	// is not CustomRole.
	CodeInvalidRoleDefinitionType = "InvalidRoleDefinitionType"
	// CodeRoleDefinitionDoesNotExist answers a reference to a role that
	// does not exist where it is used (404 on a read, 400 in an assignment).
	CodeRoleDefinitionDoesNotExist = "RoleDefinitionDoesNotExist"
	// CodeRoleDefinitionHasAssignments (409) answers the delete of a custom
	// role that assignments still use.
	CodeRoleDefinitionHasAssignments = "RoleDefinitionHasAssignments"
)

// Actions that guard custom role definitions. A caller needs them at every
// assignable scope of the role, old and new (see DefinitionWriteScopes).
const (
	ActionRoleDefinitionsWrite  = "Microsoft.Authorization/roleDefinitions/write"
	ActionRoleDefinitionsDelete = "Microsoft.Authorization/roleDefinitions/delete"
)

// ParseScope checks that s is a scope a custom role can be assignable at —
// a subscription, a resource group or a resource:
//
//	/subscriptions/{GUID}[/resourceGroups/{name}[/providers/{namespace}/{type}/{name}[/{type}/{name}…]]]
//
// — and returns its subscription id. Keywords compare case-insensitively;
// a trailing slash is ignored. The root scope "/", management groups and
// anything malformed report false.
func ParseScope(s string) (subscription string, ok bool) {
	t := NormalizeScope(s)
	if !strings.HasPrefix(t, "/") || t == RootScope {
		return "", false
	}
	segs := strings.Split(t[1:], "/")
	if !allScopeSegments(segs) {
		return "", false
	}
	if len(segs) < 2 || !strings.EqualFold(segs[0], "subscriptions") || !IsGUID(segs[1]) {
		return "", false
	}
	if !underSubscription(segs[2:]) {
		return "", false
	}
	return segs[1], true
}

// allScopeSegments reports whether every segment of a scope has text and
// no control character.
func allScopeSegments(segs []string) bool {
	for _, seg := range segs {
		if strings.TrimSpace(seg) == "" || strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return false
		}
	}
	return true
}

// underSubscription reports whether rest, the segments after
// /subscriptions/{id}, is nothing, a resource group, or a resource in one:
// resourceGroups/{name}[/providers/{namespace}/{type}/{name}[/{type}/{name}…]].
func underSubscription(rest []string) bool {
	switch {
	case len(rest) == 0:
		return true
	case len(rest) < 2 || !strings.EqualFold(rest[0], "resourceGroups"):
		return false
	}
	rest = rest[2:]
	// Nothing more, or providers/{namespace} and then type/name pairs, at
	// least one.
	return len(rest) == 0 || (len(rest) >= 4 && strings.EqualFold(rest[0], "providers") && len(rest[2:])%2 == 0)
}

// ValidateAssignableScopes checks a custom role's assignable scopes: at
// least one, each a well-formed scope (ParseScope) in a subscription for
// which inTenant reports true. Azure's errors: 400 MissingAssignableScopes,
// and 400 LinkedInvalidPropertyId naming the scope and its path.
func ValidateAssignableScopes(scopes []string, inTenant func(subscriptionID string) bool) error {
	if len(scopes) == 0 {
		return azerr.BadRequest(CodeMissingAssignableScopes, "properties.assignableScopes",
			"The role definition must have at least one assignable scope.")
	}
	for i, s := range scopes {
		path := fmt.Sprintf("properties.assignableScopes[%d]", i)
		sub, ok := ParseScope(s)
		if !ok {
			return azerr.BadRequest(CodeLinkedInvalidPropertyID, path,
				"Property id '%s' at path '%s' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}'.", s, path)
		}
		if !inTenant(sub) {
			return azerr.BadRequest(CodeLinkedInvalidPropertyID, path,
				"Property id '%s' at path '%s' is invalid: the subscription '%s' is not in this tenant.", s, path, sub)
		}
	}
	return nil
}

// AssignableAt reports whether d may be assigned at scope: one of its
// assignable scopes contains scope (ScopeContains). Built-in roles are
// assignable at "/", so everywhere.
func (d RoleDefinition) AssignableAt(scope string) bool {
	for _, a := range d.AssignableScopes {
		if ScopeContains(a, scope) {
			return true
		}
	}
	return false
}

// VisibleAt reports whether reading role definitions at scope shows d: d is
// assignable there, or at a scope below it (listing at a subscription shows
// the roles of its resource groups).
func (d RoleDefinition) VisibleAt(scope string) bool {
	for _, a := range d.AssignableScopes {
		if ScopeContains(a, scope) || ScopeContains(scope, a) {
			return true
		}
	}
	return false
}

// DefinitionWriteScopes returns the scopes at which a caller needs
// roleDefinitions/write to make a role with assignable scopes next out of
// one that had old (nil for a new role): every one of both, new first,
// each once (compared as ARM ids).
func DefinitionWriteScopes(old, next []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range append(append([]string(nil), next...), old...) {
		k := strings.ToLower(NormalizeScope(s))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// RoleDefinitionExists returns Azure's 409 for a PUT of a role definition id
// that is taken: by a built-in role (builtIn), or by a custom role defined
// at another scope (at).
func RoleDefinitionExists(guid, at string, builtIn bool) *azerr.Error {
	if builtIn {
		return azerr.New(http.StatusConflict, CodeRoleDefinitionExists, "name",
			"A role definition with ID '%s' already exists: it is a built-in role and cannot be changed.", guid)
	}
	return azerr.New(http.StatusConflict, CodeRoleDefinitionExists, "name",
		"A role definition with ID '%s' already exists at scope '%s'; role definition IDs are unique in the tenant.", guid, at)
}

// RoleDefinitionNotAssignable returns the 400 an assignment at scope gets
// when its custom role is not assignable there. A custom role resolves only
// within its assignable scopes, so ARM answers as for a role that does not
// exist; the message says why.
func RoleDefinitionNotAssignable(guid, scope string) *azerr.Error {
	return azerr.BadRequest(CodeRoleDefinitionDoesNotExist, "properties.roleDefinitionId",
		"The specified role definition with ID '%s' does not exist at scope '%s': the scope is outside the role's assignable scopes.", guid, scope)
}
