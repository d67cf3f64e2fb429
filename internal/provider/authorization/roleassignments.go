package authorization

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/rbac"
	"github.com/aksnet/aksnet/internal/store"
)

// TypeRoleAssignment is the resource type of role assignments.
const TypeRoleAssignment = "Microsoft.Authorization/roleAssignments"

type assignmentDoc struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	Properties assignmentP `json:"properties"`
}

type assignmentP struct {
	RoleDefinitionID string  `json:"roleDefinitionId"`
	PrincipalID      string  `json:"principalId"`
	PrincipalType    string  `json:"principalType"`
	Scope            string  `json:"scope"`
	Description      *string `json:"description"`
	Condition        *string `json:"condition"`
	ConditionVersion *string `json:"conditionVersion"`
	CreatedOn        string  `json:"createdOn,omitempty"`
	UpdatedOn        string  `json:"updatedOn,omitempty"`
	CreatedBy        *string `json:"createdBy"`
	UpdatedBy        *string `json:"updatedBy"`

	DelegatedManagedIdentityResourceID *string `json:"delegatedManagedIdentityResourceId"`
}

func (d assignmentDoc) assignment() rbac.Assignment {
	return rbac.Assignment{ID: d.ID, Name: d.Name, Scope: d.Properties.Scope, RoleDefinitionID: d.Properties.RoleDefinitionID,
		PrincipalID: d.Properties.PrincipalID, PrincipalType: d.Properties.PrincipalType}
}

// assignmentIndexKey lists every assignment id under "ra/" so the
// authorizer and filters need no scan of the whole store.
func assignmentIndexKey(id string) string { return "ra/" + strings.ToLower(id) }

// assignments returns every role assignment in r.
func assignments(r store.Reader) []rbac.Assignment {
	var out []rbac.Assignment
	scanAssignments(r, func(d assignmentDoc, _ []byte) { out = append(out, d.assignment()) })
	return out
}

func scanAssignments(r store.Reader, fn func(assignmentDoc, []byte)) {
	r.Scan("ra/", func(_ string, v []byte) bool {
		raw, ok := r.Get(arm.KeyOf(string(v)))
		if !ok {
			return true
		}
		var d assignmentDoc
		if json.Unmarshal(raw, &d) == nil {
			fn(d, raw)
		}
		return true
	})
}

// HasPermissions reports whether principalID holds every action at scope,
// reading assignments from r (use it inside a transaction for a fresh view).
func HasPermissions(r store.Reader, principalID, scope string, actions ...string) bool {
	return rbac.HasPermissions(assignments(r), resolver(r), principalID, scope, actions...)
}

// OnAssignment has fn run, in the same transaction, after every role
// assignment PUT registered in reg is stored: a provider whose resources
// wait for a permission (a cluster identity's role on its subnet) acts on it
// at once instead of on its next pass.
func OnAssignment(reg *arm.Registry, fn func(c *arm.Call, principalID string) error) {
	k, ok := reg.Lookup(TypeRoleAssignment)
	if !ok {
		return
	}
	prev := k.AfterPut
	k.AfterPut = func(c *arm.Call) error {
		if prev != nil {
			if err := prev(c); err != nil {
				return err
			}
		}
		var doc assignmentDoc
		if ok, err := c.Load(c.ID, &doc); err != nil || !ok {
			return err
		}
		return fn(c, doc.Properties.PrincipalID)
	}
}

func roleAssignmentKind(tenantID string) *arm.Kind {
	return &arm.Kind{
		Type:       TypeRoleAssignment,
		Placement:  arm.Extension,
		ValidName:  rbac.ValidateAssignmentName,
		SyncDelete: true,
		Put: func(c *arm.Call) ([]byte, error) {
			return putAssignment(c, tenantID)
		},
		AfterDelete: func(c *arm.Call) error { c.Tx.Delete(assignmentIndexKey(c.ID)); return nil },
		List: func(c *arm.Call) ([][]byte, error) {
			f, err := rbac.ParseAssignmentFilter(c.Query.Get("$filter"))
			if err != nil {
				return nil, err
			}
			scope := c.Parsed.Scope
			if scope == "" {
				scope = "/"
			}
			var out [][]byte
			scanAssignments(c.R, func(d assignmentDoc, raw []byte) {
				if f.Matches(d.assignment(), scope) {
					out = append(out, append([]byte(nil), raw...))
				}
			})
			return out, nil
		},
	}
}

func putAssignment(c *arm.Call, tenantID string) ([]byte, error) {
	var in assignmentDoc
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	p := in.Properties
	guid, ok := rbac.RoleDefinitionGUID(p.RoleDefinitionID)
	if !ok {
		return nil, azerr.BadRequest("InvalidRoleDefinitionId", "properties.roleDefinitionId", "The role definition ID '%s' is not valid.", p.RoleDefinitionID)
	}
	def, ok := resolver(c.R)(guid)
	if !ok {
		return nil, azerr.BadRequest(rbac.CodeRoleDefinitionDoesNotExist, "properties.roleDefinitionId", "The specified role definition with ID '%s' does not exist.", guid)
	}
	principal, ok, err := directory.GetPrincipal(c.R, p.PrincipalID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, azerr.BadRequest("PrincipalNotFound", "properties.principalId",
			"Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
			p.PrincipalID, tenantID)
	}
	scope := c.Parent
	if scope == "" {
		scope = "/"
	}
	// A custom role grants only within its assignable scopes: an
	// assignment outside them would let whoever may assign there use a
	// role its owners never meant for that scope.
	if !def.AssignableAt(scope) {
		return nil, rbac.RoleDefinitionNotAssignable(guid, scope)
	}
	sub := c.Parsed.Subscription
	a := rbac.Assignment{ID: c.ID, Name: arm.LastName(c.ID), Scope: scope, RoleDefinitionID: rbac.RoleDefinitionID(sub, guid), PrincipalID: principal.ObjectID}
	if c.Existing != nil {
		var old assignmentDoc
		if err := c.DecodeExisting(&old); err != nil {
			return nil, err
		}
		og, _ := rbac.RoleDefinitionGUID(old.Properties.RoleDefinitionID)
		if !strings.EqualFold(og, guid) || !strings.EqualFold(old.Properties.PrincipalID, principal.ObjectID) {
			return nil, azerr.BadRequest("RoleAssignmentUpdateNotPermitted", "properties",
				"Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
		return c.Existing, nil
	}
	if _, dup := rbac.FindDuplicate(assignments(c.R), a); dup {
		return nil, rbac.RoleAssignmentExists()
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	ptype := p.PrincipalType
	if ptype == "" {
		ptype = principal.Type
	}
	doc := assignmentDoc{ID: c.ID, Name: a.Name, Type: TypeRoleAssignment, Properties: assignmentP{
		RoleDefinitionID: a.RoleDefinitionID, PrincipalID: principal.ObjectID, PrincipalType: ptype, Scope: scope,
		Description: p.Description, CreatedOn: now, UpdatedOn: now, CreatedBy: &c.Caller.ObjectID, UpdatedBy: &c.Caller.ObjectID,
	}}
	c.Tx.Put(assignmentIndexKey(c.ID), []byte(c.ID))
	return json.Marshal(doc)
}

// Assign creates a role assignment from inside the server (bootstrap, or a
// cluster's own assignments), skipping it when an equal one exists.
func Assign(c *arm.Call, scope, roleGUID, principalID string) error {
	sub := ""
	if p, err := arm.ParseID(scope); err == nil {
		sub = p.Subscription
	}
	a := rbac.Assignment{Scope: scope, RoleDefinitionID: rbac.RoleDefinitionID(sub, roleGUID), PrincipalID: principalID, Name: arm.NewUUID()}
	if _, dup := rbac.FindDuplicate(assignments(c.R), a); dup {
		return nil
	}
	id := rbac.AssignmentID(scope, a.Name)
	a.ID = id
	now := time.Now().UTC().Format(time.RFC3339Nano)
	doc := assignmentDoc{ID: id, Name: a.Name, Type: TypeRoleAssignment, Properties: assignmentP{
		RoleDefinitionID: a.RoleDefinitionID, PrincipalID: principalID, PrincipalType: "ServicePrincipal", Scope: scope,
		CreatedOn: now, UpdatedOn: now,
	}}
	c.Tx.Put(assignmentIndexKey(id), []byte(id))
	return c.Save(id, doc)
}

// Register adds the Microsoft.Authorization kinds and returns the Authorizer
// the front door should use.
func Register(reg *arm.Registry, tenantID string) {
	reg.Register(roleDefinitionKind())
	reg.Register(roleAssignmentKind(tenantID))
}
