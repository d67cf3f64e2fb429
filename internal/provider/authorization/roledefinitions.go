package authorization

import (
	"encoding/json"
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

// Resolver returns a role resolver over built-ins and the custom roles in r.
func Resolver(r store.Reader) rbac.Resolver {
	return func(guid string) (rbac.RoleDefinition, bool) {
		if d, ok := rbac.BuiltInByID(guid); ok {
			return d, true
		}
		id, ok := r.Get(customKey(guid))
		if !ok {
			return rbac.RoleDefinition{}, false
		}
		raw, ok := r.Get(arm.KeyOf(string(id)))
		if !ok {
			return rbac.RoleDefinition{}, false
		}
		var doc roleDefinitionDoc
		if json.Unmarshal(raw, &doc) != nil {
			return rbac.RoleDefinition{}, false
		}
		return defOf(doc), true
	}
}

// customRoles returns the custom role definitions in r.
func customRoles(r store.Reader) []roleDefinitionDoc {
	var out []roleDefinitionDoc
	r.Scan("rd/", func(_ string, v []byte) bool {
		if raw, ok := r.Get(arm.KeyOf(string(v))); ok {
			var doc roleDefinitionDoc
			if json.Unmarshal(raw, &doc) == nil {
				out = append(out, doc)
			}
		}
		return true
	})
	return out
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
			if id, ok := c.R.Get(customKey(name)); ok {
				return c.StoredDoc(string(id)), nil
			}
			return nil, azerr.NotFound("RoleDefinitionDoesNotExist", "name", "The specified role definition with ID '%s' does not exist.", name)
		},
		List: func(c *arm.Call) ([][]byte, error) {
			f, err := rbac.ParseRoleDefinitionFilter(c.Query.Get("$filter"))
			if err != nil {
				return nil, err
			}
			var out [][]byte
			for _, d := range rbac.BuiltIns() {
				if f.Matches(d) {
					raw, _ := json.Marshal(docOf(d, c.Parsed.Subscription))
					out = append(out, raw)
				}
			}
			for _, doc := range customRoles(c.R) {
				if f.Matches(defOf(doc)) {
					raw, _ := json.Marshal(doc)
					out = append(out, raw)
				}
			}
			return out, nil
		},
		Put:         putCustomRole,
		AfterDelete: func(c *arm.Call) error { c.Tx.Delete(customKey(arm.LastName(c.ID))); return nil },
		SyncDelete:  true,
	}
}

// putCustomRole stores a custom role definition.
func putCustomRole(c *arm.Call) ([]byte, error) {
	if _, ok := rbac.BuiltInByID(c.Name); ok {
		return nil, azerr.BadRequest("RoleDefinitionUpdateNotPermitted", "name", "Built-in role definition %s cannot be changed.", c.Name)
	}
	var in roleDefinitionDoc
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	p := in.Properties
	if strings.TrimSpace(p.RoleName) == "" {
		return nil, azerr.BadRequest("RoleDefinitionNameNullOrEmpty", "properties.roleName", "The role definition name cannot be null or empty.")
	}
	if len(p.AssignableScopes) == 0 {
		return nil, azerr.BadRequest("InvalidAssignableScopes", "properties.assignableScopes", "A custom role must have at least one assignable scope.")
	}
	if len(p.Permissions) == 0 {
		return nil, azerr.BadRequest("InvalidPermissions", "properties.permissions", "A custom role must have at least one permission.")
	}
	if d, ok := rbac.BuiltInByName(p.RoleName); ok {
		return nil, azerr.Conflict("RoleDefinitionWithSameNameExists", "properties.roleName", "A role definition named '%s' already exists (%s).", p.RoleName, d.ID)
	}
	for _, other := range customRoles(c.R) {
		if strings.EqualFold(other.Properties.RoleName, p.RoleName) && !strings.EqualFold(other.Name, c.Name) {
			return nil, azerr.Conflict("RoleDefinitionWithSameNameExists", "properties.roleName", "A role definition named '%s' already exists (%s).", p.RoleName, other.Name)
		}
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	doc := roleDefinitionDoc{ID: c.ID, Name: arm.LastName(c.ID), Type: TypeRoleDefinition, Properties: roleDefinitionP{
		RoleName: p.RoleName, Type: rbac.RoleTypeCustom, Description: p.Description, AssignableScopes: p.AssignableScopes,
		CreatedOn: now, UpdatedOn: now, CreatedBy: &c.Caller.ObjectID, UpdatedBy: &c.Caller.ObjectID,
	}}
	for _, pm := range p.Permissions {
		doc.Properties.Permissions = append(doc.Properties.Permissions, permission{nonNil(pm.Actions), nonNil(pm.NotActions), nonNil(pm.DataActions), nonNil(pm.NotDataActions)})
	}
	c.Tx.Put(customKey(doc.Name), []byte(c.ID))
	// Azure answers 201 to an update too, and the SDK accepts nothing else.
	c.Status = http.StatusCreated
	return json.Marshal(doc)
}
