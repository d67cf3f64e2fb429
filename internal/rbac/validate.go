package rbac

import (
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Codes of the role assignment errors built here. Both are Azure's own.
const (
	// CodeInvalidRoleAssignmentID (400) answers a role assignment whose name
	// is not a GUID.
	CodeInvalidRoleAssignmentID = "InvalidRoleAssignmentId"
	// CodeRoleAssignmentExists (409) answers a second assignment of the same
	// role to the same principal at the same scope. az treats it as success.
	CodeRoleAssignmentExists = "RoleAssignmentExists"
)

// IsGUID reports whether s is a GUID in its 36-character hyphenated form,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with hexadecimal digits of either case.
// Other forms (no hyphens, braces) are not accepted.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidateAssignmentName returns nil when name, the last segment of a role
// assignment id, is a GUID (see IsGUID), and otherwise Azure's 400 error:
// code InvalidRoleAssignmentId, target "name", message "The role assignment ID
// '{name}' is not valid. The role assignment ID must be a GUID."
func ValidateAssignmentName(name string) error {
	if IsGUID(name) {
		return nil
	}
	return azerr.BadRequest(CodeInvalidRoleAssignmentID, "name",
		"The role assignment ID '%s' is not valid. The role assignment ID must be a GUID.", name)
}

// FindDuplicate returns the assignment in existing that a duplicates: one with
// the same principal, the same role and the same scope under a different name.
// Principals and names compare case-insensitively, roles by GUID (so a full role
// definition id matches its bare GUID and the subscription part is ignored),
// and scopes as ARM ids (case and trailing slashes ignored). The result points
// into existing. An existing assignment with the same name is the same
// assignment, not a duplicate.
func FindDuplicate(existing []Assignment, a Assignment) (*Assignment, bool) {
	role, ok := RoleDefinitionGUID(a.RoleDefinitionID)
	if !ok {
		return nil, false
	}
	scope := NormalizeScope(a.Scope)
	for i := range existing {
		e := &existing[i]
		if strings.EqualFold(e.Name, a.Name) ||
			!strings.EqualFold(e.PrincipalID, a.PrincipalID) ||
			!equalFoldASCII(NormalizeScope(e.Scope), scope) {
			continue
		}
		if r, ok := RoleDefinitionGUID(e.RoleDefinitionID); ok && r == role {
			return e, true
		}
	}
	return nil, false
}

// RoleAssignmentExists returns Azure's 409 error for a duplicate role
// assignment: code RoleAssignmentExists, message "The role assignment already
// exists."
func RoleAssignmentExists() *azerr.Error {
	return azerr.New(http.StatusConflict, CodeRoleAssignmentExists, "", "The role assignment already exists.")
}
