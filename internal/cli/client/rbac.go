package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/output"
)

const (
	AssignmentsSegment = "/providers/Microsoft.Authorization/roleAssignments"
	DefinitionsSegment = "/providers/Microsoft.Authorization/roleDefinitions"

	// ScopeWarning is az's warning when role assignment create has no
	// --scope.
	ScopeWarning = "--scope argument will become required for creating a role assignment in the breaking change " +
		"release of the fall of 2023. Please explicitly specify --scope."
)

// PrincipalTypes are the --assignee-principal-type choices az offers.
var PrincipalTypes = []string{"User", "Group", "ServicePrincipal", "ForeignGroup"}

// ODataTypes maps Graph's @odata.type to ARM's principalType.
var ODataTypes = map[string]string{
	"#microsoft.graph.user":             "User",
	"#microsoft.graph.servicePrincipal": "ServicePrincipal",
	"#microsoft.graph.group":            "Group",
}

// Str reads a string key of a shaped object.
func Str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// SetGiven sets m[key] to value unless value is "": az leaves an optional
// argument that was not given out of the request body.
func SetGiven(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// decode decodes ARM JSON keeping numbers as they are.
func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, output.CLIError("decode response: %v", err)
	}
	return v, nil
}

// ShapeObject shapes one ARM object as az prints it.
func ShapeObject(raw []byte) (map[string]any, error) {
	v, err := decode(raw)
	if err != nil {
		return nil, err
	}
	m, _ := azshape.Shape(v).(map[string]any)
	if m == nil {
		return nil, output.CLIError("decode response: not an object")
	}
	pyTimes(m, "createdOn", "updatedOn")
	return m, nil
}

// The patterns are compiled on first use: package-level work slows every
// command.
var guidPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i:\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?)$`)
})

// isGUID is az's is_guid.
func isGUID(s string) bool { return guidPattern().MatchString(s) }

// validResourceID is a structural check of an ARM id, as
// is_valid_resource_id: /subscriptions/{id}[/resourceGroups/{rg}]
// [/providers/{ns}/{type}/{name}[/{type}/{name}...]].
func validResourceID(id string) bool {
	segs := strings.Split(strings.TrimPrefix(id, "/"), "/")
	for _, s := range segs {
		if s == "" {
			return false
		}
	}
	if len(segs) < 2 || !strings.EqualFold(segs[0], "subscriptions") {
		return false
	}
	rest := segs[2:]
	if len(rest) >= 2 && strings.EqualFold(rest[0], "resourceGroups") {
		rest = rest[2:]
	}
	if len(rest) == 0 {
		return true
	}
	return strings.EqualFold(rest[0], "providers") && len(rest) >= 4 && len(rest)%2 == 0
}

// ScopePath is a scope or id as a request path: az's SDK puts it after
// one slash ("/{scope}/providers/...").
func ScopePath(scope string) string {
	return "/" + strings.Trim(scope, "/")
}

// pyTimes rewrites the RFC 3339 times of an az model as Python's
// datetime.isoformat() prints them (microseconds, "+00:00"), as az's
// todict does.
func pyTimes(m map[string]any, keys ...string) {
	for _, k := range keys {
		s, ok := m[k].(string)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			continue
		}
		t = t.Truncate(time.Microsecond)
		layout := "2006-01-02T15:04:05"
		if t.Nanosecond() != 0 {
			layout += ".000000"
		}
		m[k] = t.Format(layout + "-07:00")
	}
}

// BuildScope is az's _build_role_scope.
func (c *Client) BuildScope(rg, scope string) (string, error) {
	switch {
	case scope != "":
		if rg != "" {
			return "", output.CLIError("Resource group \"%s\" is redundant because scope is supplied", rg)
		}
		if strings.HasPrefix(scope, "/subscriptions/") && !validResourceID(scope) {
			return "", output.CLIError("Invalid scope. Please use --help to view the valid format.")
		}
		return scope, nil
	case rg != "":
		return c.RGPath(rg), nil
	}
	return "/subscriptions/" + c.Subscription, nil
}

var roleIDPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^/subscriptions/.+/providers/Microsoft.Authorization/roleDefinitions/`)
})

// resolveRoleID is az's _resolve_role_id: a full role definition id as
// it is, a GUID under the subscription, else a name looked up at scope.
func (c *Client) resolveRoleID(role, scope string) (string, error) {
	if roleIDPattern().MatchString(role) {
		return role, nil
	}
	if isGUID(role) {
		return "/subscriptions/" + c.Subscription + DefinitionsSegment + "/" + role, nil
	}
	if scope == "" {
		scope = "/subscriptions/" + c.Subscription
	}
	defs, err := c.RoleDefinitions(scope, fmt.Sprintf("roleName eq '%s'", role))
	if err != nil {
		return "", err
	}
	switch len(defs) {
	case 0:
		return "", output.CLIError("Role '%s' doesn't exist.", role)
	case 1:
		return Str(defs[0], "id"), nil
	}
	ids := make([]string, len(defs))
	for i, d := range defs {
		ids[i] = "'" + Str(d, "id") + "'"
	}
	return "", output.CLIError("More than one role matches the given name '%s'. Please pick a value from '[%s]'", role, strings.Join(ids, ", "))
}

// RoleDefinitions lists the role definitions at scope, shaped as az
// prints them (properties.type becomes roleType, az's role_type).
func (c *Client) RoleDefinitions(scope, filter string) ([]map[string]any, error) {
	path := ScopePath(scope) + DefinitionsSegment
	if filter != "" {
		path += "?" + url.Values{"$filter": {filter}}.Encode()
	}
	items, err := c.ListItems(path, APIAuthorization)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(items))
	for _, raw := range items {
		v, err := decode(raw)
		if err != nil {
			return nil, err
		}
		if m, ok := v.(map[string]any); ok {
			if p, ok := m["properties"].(map[string]any); ok {
				if t, ok := p["type"]; ok {
					p["roleType"] = t
					delete(p, "type")
				}
			}
		}
		m, _ := azshape.Shape(v).(map[string]any)
		if m != nil {
			pyTimes(m, "createdOn", "updatedOn")
			out = append(out, m)
		}
	}
	return out, nil
}

// CreateAssignment is az's _create_role_assignment with an already
// resolved principal: it PUTs a new assignment and returns the ARM body.
func (c *Client) CreateAssignment(role, principalID, rg, scope, principalType, description, condition, conditionVersion, name string) ([]byte, error) {
	if name == "" {
		name = NewUUID()
	}
	sc, err := c.BuildScope(rg, scope)
	if err != nil {
		return nil, err
	}
	roleID, err := c.resolveRoleID(role, sc)
	if err != nil {
		return nil, err
	}
	props := map[string]any{"roleDefinitionId": roleID, "principalId": principalID}
	SetGiven(props, "principalType", principalType)
	SetGiven(props, "description", description)
	if condition != "" {
		props["condition"] = condition
		props["conditionVersion"] = conditionVersion
	}
	path := ScopePath(sc) + AssignmentsSegment + "/" + name
	r, err := c.Call(http.MethodPut, path, APIAuthorization, map[string]any{"properties": props})
	if err != nil {
		return nil, err
	}
	return r.Body, nil
}

// AssignmentExists is az's _error_caused_by_role_assignment_exists.
func AssignmentExists(err error) bool {
	var ae output.ARMError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Status == http.StatusConflict && (ae.Code == "RoleAssignmentExists" || strings.Contains(ae.Message, "role assignment already exists"))
}

// SearchAssignments is az's _search_role_assignments; scope "" means
// the whole subscription (--all).
func (c *Client) SearchAssignments(scope, assignee, role string, inherited, groups bool) ([]map[string]any, error) {
	objectID := ""
	if assignee != "" {
		var err error
		if objectID, _, err = c.ResolveAssignee(assignee, true); err != nil {
			return nil, err
		}
	}
	items, err := c.ListItems(c.assignmentsQuery(scope, objectID, groups), APIAuthorization)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, raw := range items {
		m, err := ShapeObject(raw)
		if err != nil {
			return nil, err
		}
		as := Str(m, "scope")
		if scope != "" && !strings.EqualFold(as, scope) &&
			!(inherited && strings.HasPrefix(strings.ToLower(scope), strings.ToLower(as))) {
			continue
		}
		out = append(out, m)
	}
	if len(out) > 0 && role != "" {
		roleID, err := c.resolveRoleID(role, scope)
		if err != nil {
			return nil, err
		}
		out = keepEqual(out, "roleDefinitionId", roleID)
	}
	if objectID != "" && !groups {
		out = keepEqual(out, "principalId", objectID)
	}
	return out, nil
}

// assignmentsQuery is the role assignment list az asks for: at scope, or
// the subscription's, filtered by principal (or, with groups, by what is
// assigned to it).
func (c *Client) assignmentsQuery(scope, objectID string, groups bool) string {
	switch {
	case scope != "":
		f := "atScope()"
		if objectID != "" && groups {
			f += fmt.Sprintf(" and assignedTo('%s')", objectID)
		}
		return ScopePath(scope) + AssignmentsSegment + "?" + url.Values{"$filter": {f}}.Encode()
	case objectID != "":
		f := fmt.Sprintf("principalId eq '%s'", objectID)
		if groups {
			f = fmt.Sprintf("assignedTo('%s')", objectID)
		}
		return "/subscriptions/" + c.Subscription + AssignmentsSegment + "?" + url.Values{"$filter": {f}}.Encode()
	}
	return "/subscriptions/" + c.Subscription + AssignmentsSegment
}

// keepEqual keeps the objects whose key equals value, ignoring case.
func keepEqual(objs []map[string]any, key, value string) []map[string]any {
	kept := objs[:0]
	for _, m := range objs {
		if strings.EqualFold(Str(m, key), value) {
			kept = append(kept, m)
		}
	}
	return kept
}

// ListAssignments is az's list_role_assignments: the assignments with
// roleDefinitionName and principalName filled in.
func (c *Client) ListAssignments(assignee, role, rg, scope string, inherited, all, groups bool) ([]map[string]any, error) {
	if all {
		if rg != "" || scope != "" {
			return nil, output.CLIError("group or scope are not required when --all is used")
		}
		scope = ""
	} else {
		var err error
		if scope, err = c.BuildScope(rg, scope); err != nil {
			return nil, err
		}
	}
	results, err := c.SearchAssignments(scope, assignee, role, inherited, groups)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return []map[string]any{}, nil
	}
	if err := c.nameRoles(results, scope); err != nil {
		return nil, err
	}
	c.namePrincipals(results)
	return results, nil
}

// nameRoles adds roleDefinitionName to assignments, from the role
// definitions at scope (the subscription when "").
func (c *Client) nameRoles(results []map[string]any, scope string) error {
	if scope == "" {
		scope = "/subscriptions/" + c.Subscription
	}
	defs, err := c.RoleDefinitions(scope, "")
	if err != nil {
		return err
	}
	names := map[string]any{}
	for _, d := range defs {
		names[strings.ToLower(Str(d, "id"))] = d["roleName"]
	}
	for _, r := range results {
		if _, ok := r["roleDefinitionName"]; !ok {
			r["roleDefinitionName"] = names[strings.ToLower(Str(r, "roleDefinitionId"))]
		}
	}
	return nil
}

// namePrincipals adds principalName to assignments from Graph; failing to
// name principals must not fail the listing.
func (c *Client) namePrincipals(results []map[string]any) {
	var principals []string
	seen := map[string]bool{}
	for _, r := range results {
		if p := Str(r, "principalId"); p != "" && !seen[p] {
			seen[p] = true
			principals = append(principals, p)
		}
	}
	if len(principals) == 0 {
		return
	}
	stubs, err := c.objectStubs(principals)
	if err != nil {
		c.log.Info("Failed to resolve graph object information per error '%s'", err)
		return
	}
	display := map[string]string{}
	for _, s := range stubs {
		display[Str(s, "id")] = displayableName(s)
	}
	for _, r := range results {
		if Str(r, "principalName") == "" {
			r["principalName"] = display[Str(r, "principalId")]
		}
	}
}

// displayableName is az's _get_displayable_name of a Graph object.
func displayableName(o map[string]any) string {
	if upn, ok := o["userPrincipalName"].(string); ok {
		return upn
	}
	if names, ok := o["servicePrincipalNames"].([]any); ok {
		if len(names) > 0 {
			s, _ := names[0].(string)
			return s
		}
		return ""
	}
	return Str(o, "displayName")
}
