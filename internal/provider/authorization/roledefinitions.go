package authorization

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/rbac"
	"github.com/aksnet/aksnet/internal/store"
)

// TypeRoleDefinition is the resource type of role definitions.
const TypeRoleDefinition = "Microsoft.Authorization/roleDefinitions"

// roleDefinitionDoc is the ARM shape of a role definition.
type roleDefinitionDoc struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties roleDefinitionP `json:"properties"`
}

type roleDefinitionP struct {
	RoleName         string       `json:"roleName"`
	Type             string       `json:"type"`
	Description      string       `json:"description"`
	AssignableScopes []string     `json:"assignableScopes"`
	Permissions      []permission `json:"permissions"`
	CreatedOn        string       `json:"createdOn,omitempty"`
	UpdatedOn        string       `json:"updatedOn,omitempty"`
	CreatedBy        *string      `json:"createdBy"`
	UpdatedBy        *string      `json:"updatedBy"`
}

type permission struct {
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func docOf(d rbac.RoleDefinition, sub string) roleDefinitionDoc {
	perms := make([]permission, 0, len(d.Permissions))
	for _, p := range d.Permissions {
		perms = append(perms, permission{nonNil(p.Actions), nonNil(p.NotActions), nonNil(p.DataActions), nonNil(p.NotDataActions)})
	}
	scopes := d.AssignableScopes
	if len(scopes) == 0 {
		scopes = []string{"/"}
	}
	return roleDefinitionDoc{
		ID:   rbac.RoleDefinitionID(sub, d.ID),
		Name: d.ID,
		Type: TypeRoleDefinition,
		Properties: roleDefinitionP{
			RoleName: d.RoleName, Type: d.RoleType, Description: d.Description,
			AssignableScopes: scopes, Permissions: perms,
			CreatedOn: "2015-02-02T21:55:09.8806423Z", UpdatedOn: "2021-11-11T20:13:47.8628684Z",
		},
	}
}

func defOf(doc roleDefinitionDoc) rbac.RoleDefinition {
	d := rbac.RoleDefinition{ID: strings.ToLower(doc.Name), RoleName: doc.Properties.RoleName, RoleType: doc.Properties.Type,
		Description: doc.Properties.Description, AssignableScopes: doc.Properties.AssignableScopes}
	for _, p := range doc.Properties.Permissions {
		d.Permissions = append(d.Permissions, rbac.Permission{Actions: p.Actions, NotActions: p.NotActions, DataActions: p.DataActions, NotDataActions: p.NotDataActions})
	}
	return d
}

func customKey(guid string) string { return "rd/" + strings.ToLower(guid) }

// resolver returns a role resolver over built-ins and the custom roles in r.
func resolver(r store.Reader) rbac.Resolver {
	return func(guid string) (rbac.RoleDefinition, bool) {
		if d, ok := rbac.BuiltInByID(guid); ok {
			return d, true
		}
		// rbac.Resolver has no error: a custom role whose record does not
		// decode grants nothing (fails closed); the role definition API
		// itself reports the damage.
		doc, ok, err := customRole(r, guid)
		if err != nil || !ok {
			return rbac.RoleDefinition{}, false
		}
		return defOf(doc), true
	}
}

// customRoles returns the custom role definitions in r that decode, and an
// error naming each one that does not.
func customRoles(r store.Reader) ([]roleDefinitionDoc, error) {
	var out []roleDefinitionDoc
	var errs []error
	r.Scan("rd/", func(_ string, v []byte) bool {
		if raw, ok := r.Get(arm.KeyOf(string(v))); ok {
			var doc roleDefinitionDoc
			if err := json.Unmarshal(raw, &doc); err != nil {
				errs = append(errs, fmt.Errorf("decode stored role definition %s: %w", v, err))
				return true
			}
			out = append(out, doc)
		}
		return true
	})
	return out, errors.Join(errs...)
}

func roleDefinitionKind() *arm.Kind {
	return &arm.Kind{
		Type:      TypeRoleDefinition,
		Placement: arm.Extension,
		ValidName: func(name string) error {
			if !rbac.IsGUID(name) {
				return azerr.BadRequest("InvalidRoleDefinitionId", "name", "The role definition ID '%s' is not valid. The role definition ID must be a GUID.", name)
			}
			return nil
		},
		Get: func(c *arm.Call) ([]byte, error) {
			name := c.Parsed.Names[len(c.Parsed.Names)-1]
			if d, ok := rbac.BuiltInByID(name); ok {
				return json.Marshal(docOf(d, c.Parsed.Subscription))
			}
			// A custom role is seen within its assignable scopes (and from
			// above them) only, as ARM resolves roles at a scope.
			doc, ok, err := customRole(c.R, name)
			if err != nil {
				return nil, err
			}
			if ok && defOf(doc).VisibleAt(readScope(c)) {
				return c.StoredDoc(doc.ID), nil
			}
			return nil, azerr.NotFound(rbac.CodeRoleDefinitionDoesNotExist, "name", "The specified role definition with ID '%s' does not exist.", name)
		},
		List: func(c *arm.Call) ([][]byte, error) {
			f, err := rbac.ParseRoleDefinitionFilter(c.Query.Get("$filter"))
			if err != nil {
				return nil, err
			}
			var out [][]byte
			for _, d := range rbac.BuiltIns() {
				if f.Matches(d) {
					raw, err := json.Marshal(docOf(d, c.Parsed.Subscription))
					if err != nil {
						return nil, fmt.Errorf("encode built-in role %s: %w", d.RoleName, err)
					}
					out = append(out, raw)
				}
			}
			scope := readScope(c)
			customs, err := customRoles(c.R)
			if err != nil {
				return nil, err
			}
			for _, doc := range customs {
				if d := defOf(doc); f.Matches(d) && d.VisibleAt(scope) {
					raw, err := json.Marshal(doc)
					if err != nil {
						return nil, fmt.Errorf("encode role definition %s: %w", doc.ID, err)
					}
					out = append(out, raw)
				}
			}
			return out, nil
		},
		Put:    putCustomRole,
		Delete: deleteCustomRole,
		AfterDelete: func(c *arm.Call) error {
			// The index names one definition per GUID; drop it only if it
			// names this one.
			key := customKey(arm.LastName(c.ID))
			if id, ok := c.Tx.Get(key); ok && strings.EqualFold(string(id), c.ID) {
				c.Tx.Delete(key)
			}
			return nil
		},
		SyncDelete: true,
	}
}

// readScope is the scope a role definition read names: the part of the path
// before /providers/Microsoft.Authorization, "/" for none.
func readScope(c *arm.Call) string {
	if c.Parsed.Scope == "" {
		return rbac.RootScope
	}
	return c.Parsed.Scope
}

// scopeOf returns the scope a role definition id is defined at.
func scopeOf(id string) string {
	i := strings.LastIndex(strings.ToLower(id), "/providers/microsoft.authorization/roledefinitions/")
	if i <= 0 {
		return rbac.RootScope
	}
	return id[:i]
}

// customRole returns the stored custom role with guid, wherever it is
// defined.
func customRole(r store.Reader, guid string) (roleDefinitionDoc, bool, error) {
	id, ok := r.Get(customKey(guid))
	if !ok {
		return roleDefinitionDoc{}, false, nil
	}
	raw, ok := r.Get(arm.KeyOf(string(id)))
	if !ok {
		return roleDefinitionDoc{}, false, nil
	}
	var doc roleDefinitionDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return roleDefinitionDoc{}, false, fmt.Errorf("decode stored role definition %s: %w", id, err)
	}
	return doc, true, nil
}

// requireEverywhere returns ARM's 403 unless the caller holds action at
// every one of scopes. A call without a caller comes from inside the server
// and is trusted.
func requireEverywhere(c *arm.Call, action string, scopes []string) error {
	if c.Caller == nil {
		return nil
	}
	// Read inside the transaction: a grant revoked a moment ago counts.
	az := rbac.NewAuthorizer(assignments(c.R), resolver(c.R))
	for _, s := range scopes {
		if err := az.Check(c.Caller.ObjectID, action, s); err != nil {
			return err
		}
	}
	return nil
}

// subscriptionExists reports whether the store holds subscription sub.
func subscriptionExists(r store.Reader) func(string) bool {
	return func(sub string) bool {
		_, ok := r.Get(arm.KeyOf(arm.SubscriptionID(sub)))
		return ok
	}
}

// checkCustomRoleBody checks what a custom role's body must have: a name,
// the Custom type (or none), valid assignable scopes and a permission.
func checkCustomRoleBody(r store.Reader, p *roleDefinitionP) error {
	if strings.TrimSpace(p.RoleName) == "" {
		return azerr.BadRequest("RoleDefinitionNameNullOrEmpty", "properties.roleName", "The role definition name cannot be null or empty.")
	}
	if p.Type != "" && !strings.EqualFold(p.Type, rbac.RoleTypeCustom) {
		return azerr.BadRequest(rbac.CodeInvalidRoleDefinitionType, "properties.type", "The role definition type '%s' is not valid: only '%s' can be created.", p.Type, rbac.RoleTypeCustom)
	}
	if err := rbac.ValidateAssignableScopes(p.AssignableScopes, subscriptionExists(r)); err != nil {
		return err
	}
	if len(p.Permissions) == 0 {
		return azerr.BadRequest("InvalidPermissions", "properties.permissions", "A custom role must have at least one permission.")
	}
	return nil
}

// checkRoleNameFree refuses roleName when a built-in role or another custom
// role than the one with id guid has it.
func checkRoleNameFree(r store.Reader, roleName, guid string) error {
	if d, ok := rbac.BuiltInByName(roleName); ok {
		return azerr.Conflict("RoleDefinitionWithSameNameExists", "properties.roleName", "A role definition named '%s' already exists (%s).", roleName, d.ID)
	}
	customs, err := customRoles(r)
	if err != nil {
		return err
	}
	for _, other := range customs {
		if strings.EqualFold(other.Properties.RoleName, roleName) && !strings.EqualFold(other.Name, guid) {
			return azerr.Conflict("RoleDefinitionWithSameNameExists", "properties.roleName", "A role definition named '%s' already exists (%s).", roleName, other.Name)
		}
	}
	return nil
}

// deleteCustomRole lets a custom role go only when the caller may delete it
// at every assignable scope and no assignment uses it.
func deleteCustomRole(c *arm.Call) error {
	var doc roleDefinitionDoc
	if err := c.DecodeExisting(&doc); err != nil {
		return err
	}
	if err := requireEverywhere(c, rbac.ActionRoleDefinitionsDelete, doc.Properties.AssignableScopes); err != nil {
		return err
	}
	for _, a := range assignments(c.R) {
		if g, ok := rbac.RoleDefinitionGUID(a.RoleDefinitionID); ok && strings.EqualFold(g, doc.Name) {
			return azerr.Conflict(rbac.CodeRoleDefinitionHasAssignments, "name",
				"There are existing role assignments referencing role '%s', for example '%s'.", doc.Name, a.ID)
		}
	}
	return nil
}

// putCustomRole stores a custom role definition. A role definition id is
// unique in the tenant: a built-in's id, or the id of a custom role defined
// at another scope, is refused. Creating or changing a role takes
// roleDefinitions/write at every assignable scope it has and had, so that
// the Owner of one resource group cannot widen, or rewrite, a role that
// grants elsewhere.
func putCustomRole(c *arm.Call) ([]byte, error) {
	if _, ok := rbac.BuiltInByID(c.Name); ok {
		return nil, rbac.RoleDefinitionExists(c.Name, "", true)
	}
	var in roleDefinitionDoc
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	p := in.Properties
	if err := checkCustomRoleBody(c.R, &p); err != nil {
		return nil, err
	}
	var oldScopes []string
	existing, updating, err := customRole(c.R, c.Name)
	if err != nil {
		return nil, err
	}
	if updating {
		if !strings.EqualFold(existing.ID, c.ID) {
			return nil, rbac.RoleDefinitionExists(c.Name, scopeOf(existing.ID), false)
		}
		oldScopes = existing.Properties.AssignableScopes
	}
	if err := requireEverywhere(c, rbac.ActionRoleDefinitionsWrite, rbac.DefinitionWriteScopes(oldScopes, p.AssignableScopes)); err != nil {
		return nil, err
	}
	if err := checkRoleNameFree(c.R, p.RoleName, c.Name); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	doc := roleDefinitionDoc{ID: c.ID, Name: arm.LastName(c.ID), Type: TypeRoleDefinition, Properties: roleDefinitionP{
		RoleName: p.RoleName, Type: rbac.RoleTypeCustom, Description: p.Description, AssignableScopes: p.AssignableScopes,
		CreatedOn: now, UpdatedOn: now,
	}}
	if c.Caller != nil {
		doc.Properties.CreatedBy, doc.Properties.UpdatedBy = &c.Caller.ObjectID, &c.Caller.ObjectID
	}
	if updating {
		doc.Properties.CreatedOn, doc.Properties.CreatedBy = existing.Properties.CreatedOn, existing.Properties.CreatedBy
	}
	for _, pm := range p.Permissions {
		doc.Properties.Permissions = append(doc.Properties.Permissions, permission{nonNil(pm.Actions), nonNil(pm.NotActions), nonNil(pm.DataActions), nonNil(pm.NotDataActions)})
	}
	c.Tx.Put(customKey(doc.Name), []byte(c.ID))
	// Azure answers 201 to an update too, and the SDK accepts nothing else.
	c.Status = http.StatusCreated
	return json.Marshal(doc)
}
