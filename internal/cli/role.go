package cli

import (
	"bytes"
	"crypto/rand"
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
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

func init() {
	rootCommands = append(rootCommands, command.Lazy{Name: "role", Build: newRoleCommand})
}

const (
	rbacAssignmentsSegment = "/providers/Microsoft.Authorization/roleAssignments"
	rbacDefinitionsSegment = "/providers/Microsoft.Authorization/roleDefinitions"

	// rbacScopeWarning is az's warning when role assignment create has no
	// --scope.
	rbacScopeWarning = "--scope argument will become required for creating a role assignment in the breaking change " +
		"release of the fall of 2023. Please explicitly specify --scope."
)

// rbacPrincipalTypes are the --assignee-principal-type choices az offers.
var rbacPrincipalTypes = []string{"User", "Group", "ServicePrincipal", "ForeignGroup"}

// rbacODataTypes maps Graph's @odata.type to ARM's principalType.
var rbacODataTypes = map[string]string{
	"#microsoft.graph.user":             "User",
	"#microsoft.graph.servicePrincipal": "ServicePrincipal",
	"#microsoft.graph.group":            "Group",
}

// newRoleCommand mirrors `az role`.
func newRoleCommand(s Streams, g *command.Globals) *cobra.Command {
	assignment := command.Group("assignment", "Manage role assignments.",
		newRoleAssignmentCreateCommand(s, g), newRoleAssignmentListCommand(s, g), newRoleAssignmentDeleteCommand(s, g))
	definition := command.Group("definition", "Manage role definitions.", newRoleDefinitionListCommand(s, g))
	return command.Group("role", "Manage Azure role-based access control (Azure RBAC).", assignment, definition)
}

const (
	rbacScopeHelp = "Scope at which the role assignment or definition applies to, e.g., " +
		"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333, " +
		"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup, or " +
		"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup/providers/Microsoft.Compute/virtualMachines/myVM."
	rbacGroupHelp    = "Use it only if the role or assignment was added at the level of a resource group."
	rbacAssigneeHelp = "Represent a user, group, or service principal. Supported format: object id, user sign-in name, or service principal name."
)

func newRoleAssignmentCreateCommand(s Streams, g *command.Globals) *cobra.Command {
	var role, assignee, objectID, principalType, scope, rg, description, condition, conditionVersion, name string
	cmd := &cobra.Command{Use: "create", Short: "Create a new role assignment for a user, group, or service principal."}
	a := newRbacArgs(cmd)
	a.String(&role, "role", "", "Role name or id.")
	a.String(&assignee, "assignee", "", rbacAssigneeHelp)
	a.String(&objectID, "assignee-object-id", "", "Use this parameter instead of '--assignee' to bypass Graph API invocation in case of insufficient privileges. "+
		"This parameter only works with object ids for users, groups, service principals, and managed identities. "+
		"For managed identities use the principal id. For service principals, use the object id and not the app id.")
	a.String(&principalType, "assignee-principal-type", "", "Use with --assignee-object-id to avoid errors caused by propagation latency in Microsoft Graph. Allowed values: "+strings.Join(rbacPrincipalTypes, ", ")+".")
	a.String(&scope, "scope", "", rbacScopeHelp)
	a.String(&rg, "resource-group", "g", rbacGroupHelp)
	a.String(&description, "description", "", "Description of role assignment.")
	a.String(&condition, "condition", "", "Condition under which the user can be granted permission.")
	a.String(&conditionVersion, "condition-version", "", "Version of the condition syntax. If --condition is specified without --condition-version, default to 2.0.")
	a.String(&name, "name", "n", "A GUID for the role assignment. It must be unique and different for each role assignment. If omitted, a new GUID is generated.")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		pt, err := rbacEnumArg(e.Prog, "--assignee-principal-type", principalType, rbacPrincipalTypes...)
		if err != nil {
			return err
		}
		if err := required("--role", role); err != nil {
			return err
		}
		if scope == "" {
			e.Log.Warn("%s", rbacScopeWarning)
		}
		if (assignee != "") == (objectID != "") {
			return rbacCLIError("usage error: --assignee STRING | --assignee-object-id GUID")
		}
		if pt != "" && objectID == "" {
			return rbacCLIError("usage error: --assignee-object-id GUID --assignee-principal-type TYPE")
		}
		if condition != "" && conditionVersion == "" {
			conditionVersion = "2.0"
		}
		if conditionVersion != "" && condition == "" {
			return rbacCLIError("usage error: When --condition-version is set, --condition must be set as well.")
		}
		oid := objectID
		if assignee != "" {
			if oid, pt, err = e.rbacResolveAssignee(assignee, true); err != nil {
				return err
			}
		} else if pt == "" {
			e.Log.Warn("RBAC service might reject creating role assignment without --assignee-principal-type in the future. " +
				"Better to specify --assignee-principal-type manually.")
			pt = e.rbacPrincipalTypeOf(oid)
		}
		raw, err := e.rbacCreateAssignment(role, oid, rg, scope, pt, description, condition, conditionVersion, name)
		if err != nil {
			if !rbacAssignmentExists(err) {
				return err
			}
			// Idempotent, as az: answer with the existing assignment.
			found, lerr := e.rbacListAssignments(assignee, role, rg, scope, false, false, false)
			if lerr != nil {
				return lerr
			}
			for _, f := range found {
				if strings.EqualFold(rbacStr(f, "principalId"), oid) {
					return e.PrintValue(f)
				}
			}
			if len(found) == 0 {
				return err
			}
			return e.PrintValue(found[0])
		}
		v, err := rbacShapeObject(raw)
		if err != nil {
			return err
		}
		return e.PrintValue(v)
	})
	return cmd
}

func newRoleAssignmentListCommand(s Streams, g *command.Globals) *cobra.Command {
	var assignee, role, scope, rg string
	var inherited, all, groups, classic bool
	cmd := &cobra.Command{Use: "list", Short: "List role assignments."}
	a := newRbacArgs(cmd)
	a.String(&assignee, "assignee", "", rbacAssigneeHelp)
	a.String(&role, "role", "", "Role name or id.")
	a.String(&scope, "scope", "", rbacScopeHelp)
	a.String(&rg, "resource-group", "g", rbacGroupHelp)
	a.Bool(&inherited, "include-inherited", "", "Include assignments applied on parent scopes.")
	a.Bool(&all, "all", "", "Show all assignments under the current subscription.")
	a.Bool(&groups, "include-groups", "", "Include extra assignments to the groups of which the user is a member(transitively).")
	a.ThreeState(&classic, "include-classic-administrators", "List default role assignments for subscription classic administrators, aka co-admins.")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		out, err := e.rbacListAssignments(assignee, role, rg, scope, inherited, all, groups)
		if err != nil {
			return err
		}
		// Classic administrators are not modelled: there are none to add.
		e.Table = rbacTable([2]string{"Principal", "principalName"}, [2]string{"Role", "roleDefinitionName"}, [2]string{"Scope", "scope"})
		list := make([]any, len(out))
		for i, o := range out {
			list[i] = o
		}
		return e.PrintValue(list)
	})
	return cmd
}

func newRoleAssignmentDeleteCommand(s Streams, g *command.Globals) *cobra.Command {
	var ids []string
	var assignee, role, scope, rg string
	var inherited, yes bool
	cmd := &cobra.Command{Use: "delete", Short: "Delete role assignments."}
	a := newRbacArgs(cmd)
	a.Nargs(&ids, "ids", "", "Space-separated role assignment ids.")
	a.String(&assignee, "assignee", "", rbacAssigneeHelp)
	a.String(&role, "role", "", "Role name or id.")
	a.String(&scope, "scope", "", rbacScopeHelp)
	a.String(&rg, "resource-group", "g", rbacGroupHelp)
	a.Bool(&inherited, "include-inherited", "", "Include assignments applied on parent scopes.")
	a.Bool(&yes, "yes", "y", "Continue to delete all assignments under the subscription.")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		if len(ids) > 0 {
			for _, o := range []struct {
				set  bool
				name string
			}{{assignee != "", "--assignee"}, {role != "", "--role"}, {rg != "", "--resource-group"}, {scope != "", "--scope"}, {inherited, "--include-inherited"}} {
				if o.set {
					e.Log.Warn("option '%s' will be ignored due to use of '--ids'.", o.name)
				}
			}
			for _, id := range ids {
				if err := e.Delete(rbacScopePath(id), apiAuthorization, false); err != nil {
					return err
				}
			}
			return nil
		}
		if assignee == "" && role == "" && rg == "" && scope == "" && !yes {
			if !command.IsTerminal(e.Streams.In) {
				return rbacCLIError("Unable to prompt for confirmation as no tty available. Use --yes.")
			}
			fmt.Fprint(e.Streams.Err, "This will delete all role assignments under the subscription. Are you sure? (y/N): ")
			var answer string
			_, _ = fmt.Fscanln(e.Streams.In, &answer)
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				return nil
			}
		}
		sc, err := e.rbacBuildScope(rg, scope)
		if err != nil {
			return err
		}
		found, err := e.rbacSearchAssignments(sc, assignee, role, inherited, false)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return rbacCLIError("No matched assignments were found to delete")
		}
		for _, f := range found {
			if err := e.Delete(rbacStr(f, "id"), apiAuthorization, false); err != nil {
				return err
			}
		}
		return nil
	})
	return cmd
}

func newRoleDefinitionListCommand(s Streams, g *command.Globals) *cobra.Command {
	var name, scope, rg string
	var customOnly bool
	cmd := &cobra.Command{Use: "list", Short: "List role definitions."}
	a := newRbacArgs(cmd)
	a.String(&name, "name", "n", "The role's name.")
	a.String(&scope, "scope", "", rbacScopeHelp)
	a.String(&rg, "resource-group", "g", rbacGroupHelp)
	a.ThreeState(&customOnly, "custom-role-only", "Custom roles only(vs. build-in ones).")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		sc, err := e.rbacBuildScope(rg, scope)
		if err != nil {
			return err
		}
		defs, err := e.rbacRoleDefinitions(sc, "")
		if err != nil {
			return err
		}
		out := []any{}
		for _, d := range defs {
			if name != "" && rbacStr(d, "name") != name && rbacStr(d, "roleName") != name {
				continue
			}
			if customOnly && rbacStr(d, "roleType") != "CustomRole" {
				continue
			}
			out = append(out, d)
		}
		e.Table = rbacTable([2]string{"Name", "roleName"}, [2]string{"Type", "type"}, [2]string{"Description", "description"})
		return e.PrintValue(out)
	})
	return cmd
}

// rbacTable is an az table transformer that picks keys into named columns.
func rbacTable(cols ...[2]string) func(any) any {
	return func(v any) any {
		list, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, 0, len(list))
		for _, item := range list {
			o, ok := item.(*output.Object)
			if !ok {
				continue
			}
			row := output.NewObject()
			for _, c := range cols {
				x, _ := o.Get(c[1])
				row.Set(c[0], x)
			}
			out = append(out, row)
		}
		return out
	}
}

// rbacStr reads a string key of a shaped object.
func rbacStr(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// rbacDecode decodes ARM JSON keeping numbers as they are.
func rbacDecode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, rbacCLIError("decode response: %v", err)
	}
	return v, nil
}

// rbacShapeObject shapes one ARM object as az prints it.
func rbacShapeObject(raw []byte) (map[string]any, error) {
	v, err := rbacDecode(raw)
	if err != nil {
		return nil, err
	}
	m, _ := azshape.Shape(v).(map[string]any)
	if m == nil {
		return nil, rbacCLIError("decode response: not an object")
	}
	rbacPyTimes(m, "createdOn", "updatedOn")
	return m, nil
}

// rbacNewGUID returns a random (version 4) GUID, az's uuid.uuid4().
func rbacNewGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// The patterns are compiled on first use: package-level work slows every
// command.
var rbacGUIDPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i:\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?)$`)
})

// rbacIsGUID is az's is_guid.
func rbacIsGUID(s string) bool { return rbacGUIDPattern().MatchString(s) }

// rbacValidResourceID is a structural check of an ARM id, as
// is_valid_resource_id: /subscriptions/{id}[/resourceGroups/{rg}]
// [/providers/{ns}/{type}/{name}[/{type}/{name}...]].
func rbacValidResourceID(id string) bool {
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

// rbacScopePath is a scope or id as a request path: az's SDK puts it after
// one slash ("/{scope}/providers/...").
func rbacScopePath(scope string) string {
	return "/" + strings.Trim(scope, "/")
}

// rbacPyTimes rewrites the RFC 3339 times of an az model as Python's
// datetime.isoformat() prints them (microseconds, "+00:00"), as az's
// todict does.
func rbacPyTimes(m map[string]any, keys ...string) {
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

// rbacBuildScope is az's _build_role_scope.
func (e *env) rbacBuildScope(rg, scope string) (string, error) {
	switch {
	case scope != "":
		if rg != "" {
			return "", rbacCLIError("Resource group \"%s\" is redundant because scope is supplied", rg)
		}
		if strings.HasPrefix(scope, "/subscriptions/") && !rbacValidResourceID(scope) {
			return "", rbacCLIError("Invalid scope. Please use --help to view the valid format.")
		}
		return scope, nil
	case rg != "":
		return e.Client.RGPath(rg), nil
	}
	return "/subscriptions/" + e.Client.Subscription, nil
}

var rbacRoleIDPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^/subscriptions/.+/providers/Microsoft.Authorization/roleDefinitions/`)
})

// rbacResolveRoleID is az's _resolve_role_id: a full role definition id as
// it is, a GUID under the subscription, else a name looked up at scope.
func (e *env) rbacResolveRoleID(role, scope string) (string, error) {
	if rbacRoleIDPattern().MatchString(role) {
		return role, nil
	}
	if rbacIsGUID(role) {
		return "/subscriptions/" + e.Client.Subscription + rbacDefinitionsSegment + "/" + role, nil
	}
	if scope == "" {
		scope = "/subscriptions/" + e.Client.Subscription
	}
	defs, err := e.rbacRoleDefinitions(scope, fmt.Sprintf("roleName eq '%s'", role))
	if err != nil {
		return "", err
	}
	switch len(defs) {
	case 0:
		return "", rbacCLIError("Role '%s' doesn't exist.", role)
	case 1:
		return rbacStr(defs[0], "id"), nil
	}
	ids := make([]string, len(defs))
	for i, d := range defs {
		ids[i] = "'" + rbacStr(d, "id") + "'"
	}
	return "", rbacCLIError("More than one role matches the given name '%s'. Please pick a value from '[%s]'", role, strings.Join(ids, ", "))
}

// rbacRoleDefinitions lists the role definitions at scope, shaped as az
// prints them (properties.type becomes roleType, az's role_type).
func (e *env) rbacRoleDefinitions(scope, filter string) ([]map[string]any, error) {
	path := rbacScopePath(scope) + rbacDefinitionsSegment
	if filter != "" {
		path += "?" + url.Values{"$filter": {filter}}.Encode()
	}
	items, err := e.Client.ListItems(path, apiAuthorization)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(items))
	for _, raw := range items {
		v, err := rbacDecode(raw)
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
			rbacPyTimes(m, "createdOn", "updatedOn")
			out = append(out, m)
		}
	}
	return out, nil
}

// rbacGraph sends a Microsoft Graph request. Transport failures are
// errors; Graph's answers, errors included, are returned.
func (e *env) rbacGraph(method, path string, body any) (*client.Response, error) {
	return e.Client.Do(method, path, "", body)
}

// rbacGraphErr is az's GraphError: Graph's message, exit code 1. It
// unwraps to the *output.Error the error handler prints.
type rbacGraphErr struct{ err *output.Error }

func (g *rbacGraphErr) Error() string { return g.err.Error() }
func (g *rbacGraphErr) Unwrap() error { return g.err }

func rbacGraphError(r *client.Response) error {
	ae := output.ParseARMError(r.Status, r.Body)
	msg := ae.Message
	if msg == "" {
		msg = ae.Error()
	}
	return &rbacGraphErr{&output.Error{Code: 1, Message: msg}}
}

// rbacGraphValues calls Graph and returns its "value" list.
func (e *env) rbacGraphValues(method, path string, body any) ([]map[string]any, *client.Response, error) {
	r, err := e.rbacGraph(method, path, body)
	if err != nil {
		return nil, nil, err
	}
	if r.Status >= 400 {
		return nil, r, rbacGraphError(r)
	}
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		return nil, r, rbacCLIError("decode Graph response: %v", err)
	}
	return page.Value, r, nil
}

// rbacGraphFilter is a Graph collection path with an OData $filter.
func rbacGraphFilter(collection, filter string) string {
	return "/v1.0/" + collection + "?" + url.Values{"$filter": {filter}}.Encode()
}

// rbacObjectStubs is az's _get_object_stubs: directoryObjects/getByIds, at
// most 1000 ids a call.
func (e *env) rbacObjectStubs(ids []string) ([]map[string]any, error) {
	var out []map[string]any
	for i := 0; i < len(ids); i += 1000 {
		end := min(i+1000, len(ids))
		body := map[string]any{"ids": ids[i:end], "types": []string{"user", "group", "servicePrincipal", "directoryObjectPartnerReference"}}
		vals, _, err := e.rbacGraphValues(http.MethodPost, "/v1.0/directoryObjects/getByIds", body)
		if err != nil {
			return nil, err
		}
		out = append(out, vals...)
	}
	return out, nil
}

// rbacResolveAssignee is az's _resolve_object_id_and_type: a service
// principal name (an appId among them), else an object id confirmed by
// getByIds. Users do not exist in aksnet's directory, so sign-in names are
// not looked up.
func (e *env) rbacResolveAssignee(assignee string, fallbackToObjectID bool) (string, string, error) {
	id, ptype, err := e.rbacLookupAssignee(assignee)
	if err == nil {
		return id, ptype, nil
	}
	var ge *rbacGraphErr
	if !errors.As(err, &ge) {
		return "", "", err
	}
	e.Log.Warn("Failed to query %s by invoking Graph API. If you don't have permission to query Graph API, please "+
		"specify --assignee-object-id and --assignee-principal-type.", assignee)
	if fallbackToObjectID && rbacIsGUID(assignee) {
		e.Log.Warn("Assuming %s as an object ID.", assignee)
		return assignee, "", nil
	}
	return "", "", err
}

func (e *env) rbacLookupAssignee(assignee string) (string, string, error) {
	sps, _, err := e.rbacGraphValues(http.MethodGet, rbacGraphFilter("servicePrincipals", fmt.Sprintf("servicePrincipalNames/any(c:c eq '%s')", assignee)), nil)
	if err != nil {
		return "", "", err
	}
	if len(sps) > 0 {
		return rbacStr(sps[0], "id"), "ServicePrincipal", nil
	}
	if rbacIsGUID(assignee) {
		objs, err := e.rbacObjectStubs([]string{assignee})
		if err != nil {
			return "", "", err
		}
		if len(objs) > 0 {
			return rbacStr(objs[0], "id"), rbacODataTypes[rbacStr(objs[0], "@odata.type")], nil
		}
	}
	return "", "", rbacCLIError("Cannot find user or service principal in graph database for '%s'. If the assignee is an appId, "+
		"make sure the corresponding service principal is created with 'az ad sp create --id %s'.", assignee, assignee)
}

// rbacPrincipalTypeOf is az's _get_principal_type_from_object_id: the
// principal type Graph knows for an object id, or "" (None).
func (e *env) rbacPrincipalTypeOf(objectID string) string {
	objs, err := e.rbacObjectStubs([]string{objectID})
	if err != nil {
		e.Log.Warn("Failed to query --assignee-principal-type for --assignee-object-id %s by invoking Graph API.", objectID)
		return ""
	}
	if len(objs) > 0 {
		return rbacODataTypes[rbacStr(objs[0], "@odata.type")]
	}
	return ""
}

// rbacCreateAssignment is az's _create_role_assignment with an already
// resolved principal: it PUTs a new assignment and returns the ARM body.
func (e *env) rbacCreateAssignment(role, principalID, rg, scope, principalType, description, condition, conditionVersion, name string) ([]byte, error) {
	if name == "" {
		name = rbacNewGUID()
	}
	sc, err := e.rbacBuildScope(rg, scope)
	if err != nil {
		return nil, err
	}
	roleID, err := e.rbacResolveRoleID(role, sc)
	if err != nil {
		return nil, err
	}
	props := map[string]any{"roleDefinitionId": roleID, "principalId": principalID}
	if principalType != "" {
		props["principalType"] = principalType
	}
	if description != "" {
		props["description"] = description
	}
	if condition != "" {
		props["condition"] = condition
		props["conditionVersion"] = conditionVersion
	}
	path := rbacScopePath(sc) + rbacAssignmentsSegment + "/" + name
	r, err := e.Client.Call(http.MethodPut, path, apiAuthorization, map[string]any{"properties": props})
	if err != nil {
		return nil, err
	}
	return r.Body, nil
}

// rbacAssignmentExists is az's _error_caused_by_role_assignment_exists.
func rbacAssignmentExists(err error) bool {
	var ae output.ARMError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Status == http.StatusConflict && (ae.Code == "RoleAssignmentExists" || strings.Contains(ae.Message, "role assignment already exists"))
}

// rbacSearchAssignments is az's _search_role_assignments; scope "" means
// the whole subscription (--all).
func (e *env) rbacSearchAssignments(scope, assignee, role string, inherited, groups bool) ([]map[string]any, error) {
	objectID := ""
	if assignee != "" {
		var err error
		if objectID, _, err = e.rbacResolveAssignee(assignee, true); err != nil {
			return nil, err
		}
	}
	var path string
	switch {
	case scope != "":
		f := "atScope()"
		if objectID != "" && groups {
			f += fmt.Sprintf(" and assignedTo('%s')", objectID)
		}
		path = rbacScopePath(scope) + rbacAssignmentsSegment + "?" + url.Values{"$filter": {f}}.Encode()
	case objectID != "":
		f := fmt.Sprintf("principalId eq '%s'", objectID)
		if groups {
			f = fmt.Sprintf("assignedTo('%s')", objectID)
		}
		path = "/subscriptions/" + e.Client.Subscription + rbacAssignmentsSegment + "?" + url.Values{"$filter": {f}}.Encode()
	default:
		path = "/subscriptions/" + e.Client.Subscription + rbacAssignmentsSegment
	}
	items, err := e.Client.ListItems(path, apiAuthorization)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, raw := range items {
		m, err := rbacShapeObject(raw)
		if err != nil {
			return nil, err
		}
		as := rbacStr(m, "scope")
		if scope != "" && !strings.EqualFold(as, scope) &&
			!(inherited && strings.HasPrefix(strings.ToLower(scope), strings.ToLower(as))) {
			continue
		}
		out = append(out, m)
	}
	if len(out) > 0 && role != "" {
		roleID, err := e.rbacResolveRoleID(role, scope)
		if err != nil {
			return nil, err
		}
		kept := out[:0]
		for _, m := range out {
			if strings.EqualFold(rbacStr(m, "roleDefinitionId"), roleID) {
				kept = append(kept, m)
			}
		}
		out = kept
	}
	if objectID != "" && !groups {
		kept := out[:0]
		for _, m := range out {
			if strings.EqualFold(rbacStr(m, "principalId"), objectID) {
				kept = append(kept, m)
			}
		}
		out = kept
	}
	return out, nil
}

// rbacListAssignments is az's list_role_assignments: the assignments with
// roleDefinitionName and principalName filled in.
func (e *env) rbacListAssignments(assignee, role, rg, scope string, inherited, all, groups bool) ([]map[string]any, error) {
	if all {
		if rg != "" || scope != "" {
			return nil, rbacCLIError("group or scope are not required when --all is used")
		}
		scope = ""
	} else {
		var err error
		if scope, err = e.rbacBuildScope(rg, scope); err != nil {
			return nil, err
		}
	}
	results, err := e.rbacSearchAssignments(scope, assignee, role, inherited, groups)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return []map[string]any{}, nil
	}
	defScope := scope
	if defScope == "" {
		defScope = "/subscriptions/" + e.Client.Subscription
	}
	defs, err := e.rbacRoleDefinitions(defScope, "")
	if err != nil {
		return nil, err
	}
	names := map[string]any{}
	for _, d := range defs {
		names[strings.ToLower(rbacStr(d, "id"))] = d["roleName"]
	}
	var principals []string
	seen := map[string]bool{}
	for _, r := range results {
		if _, ok := r["roleDefinitionName"]; !ok {
			r["roleDefinitionName"] = names[strings.ToLower(rbacStr(r, "roleDefinitionId"))]
		}
		if p := rbacStr(r, "principalId"); p != "" && !seen[p] {
			seen[p] = true
			principals = append(principals, p)
		}
	}
	if len(principals) > 0 {
		stubs, err := e.rbacObjectStubs(principals)
		if err != nil {
			// Failing to name principals must not fail the listing.
			e.Log.Info("Failed to resolve graph object information per error '%s'", err)
		} else {
			display := map[string]string{}
			for _, s := range stubs {
				display[rbacStr(s, "id")] = rbacDisplayableName(s)
			}
			for _, r := range results {
				if rbacStr(r, "principalName") == "" {
					r["principalName"] = display[rbacStr(r, "principalId")]
				}
			}
		}
	}
	return results, nil
}

// rbacDisplayableName is az's _get_displayable_name of a Graph object.
func rbacDisplayableName(o map[string]any) string {
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
	return rbacStr(o, "displayName")
}
