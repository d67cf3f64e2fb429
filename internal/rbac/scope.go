package rbac

import "strings"

// RootScope is the scope above every subscription. An assignment there applies
// everywhere.
const RootScope = "/"

// NormalizeScope trims trailing slashes from s, keeping a lone "/" (a string
// of slashes becomes "/"). It does not change case; scopes compare
// case-insensitively. The empty string stays empty.
func NormalizeScope(s string) string {
	t := strings.TrimRight(s, "/")
	if t == "" && s != "" {
		return RootScope
	}
	return t
}

// ScopeContains reports whether resourceID lies at or below scope, comparing
// ARM ids case-insensitively and segment by segment:
// "/subscriptions/s/resourceGroups/rg" contains itself,
// "/subscriptions/S/resourcegroups/RG/providers/…" and anything else below it,
// but not "/subscriptions/s/resourceGroups/rg2". The root scope "/" contains
// everything. An empty scope contains nothing. Trailing slashes are ignored.
// ScopeContains allocates nothing.
func ScopeContains(scope, resourceID string) bool {
	scope = NormalizeScope(scope)
	switch scope {
	case "":
		return false
	case RootScope:
		return true
	}
	resourceID = NormalizeScope(resourceID)
	if !hasPrefixFoldASCII(resourceID, scope) {
		return false
	}
	return len(resourceID) == len(scope) || resourceID[len(scope)] == '/'
}

// AssignmentID returns the resource id of the role assignment named name at
// scope: "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}". At
// the root scope it is "/providers/Microsoft.Authorization/roleAssignments/{name}".
func AssignmentID(scope, name string) string {
	scope = NormalizeScope(scope)
	if scope == RootScope {
		scope = ""
	}
	return scope + "/providers/Microsoft.Authorization/roleAssignments/" + name
}
