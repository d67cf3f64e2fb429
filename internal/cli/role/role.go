// Package role is `aksnet role`, az's role assignment and definition
// commands; the Graph and Authorization requests are the client's.
package role

import (
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az role`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
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

// createFlags are the arguments of `az role assignment create`.
type createFlags struct {
	role, assignee, objectID, principalType, scope, rg string
	description, condition, conditionVersion, name     string
}

func newRoleAssignmentCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &createFlags{}
	cmd := &cobra.Command{Use: "create", Short: "Create a new role assignment for a user, group, or service principal."}
	a := flags.New(cmd, flags.Knack)
	a.String(&f.role, "Role name or id.", "--role").Required()
	a.String(&f.assignee, rbacAssigneeHelp, "--assignee")
	a.String(&f.objectID, "Use this parameter instead of '--assignee' to bypass Graph API invocation in case of insufficient privileges. "+
		"This parameter only works with object ids for users, groups, service principals, and managed identities. "+
		"For managed identities use the principal id. For service principals, use the object id and not the app id.", "--assignee-object-id")
	a.String(&f.principalType, "Use with --assignee-object-id to avoid errors caused by propagation latency in Microsoft Graph. Allowed values: "+strings.Join(client.PrincipalTypes, ", ")+".", "--assignee-principal-type")
	a.String(&f.scope, rbacScopeHelp, "--scope")
	a.String(&f.rg, rbacGroupHelp, "--resource-group", "-g")
	a.String(&f.description, "Description of role assignment.", "--description")
	a.String(&f.condition, "Condition under which the user can be granted permission.", "--condition")
	a.String(&f.conditionVersion, "Version of the condition syntax. If --condition is specified without --condition-version, default to 2.0.", "--condition-version")
	a.String(&f.name, "A GUID for the role assignment. It must be unique and different for each role assignment. If omitted, a new GUID is generated.", "--name", "-n")
	a.Done()
	cmd.RunE = command.Run(s, g, func(e *command.Env, _ *cobra.Command, _ []string) error {
		pt, err := f.check(e, a)
		if err != nil {
			return err
		}
		oid, pt, err := f.principal(e, pt)
		if err != nil {
			return err
		}
		raw, err := e.Client.CreateAssignment(f.role, oid, f.rg, f.scope, pt, f.description, f.condition, f.conditionVersion, f.name)
		if err != nil {
			return f.existing(e, err, oid)
		}
		v, err := client.ShapeObject(raw)
		if err != nil {
			return err
		}
		return e.PrintValue(v)
	})
	return cmd
}

// check is az's argument checks, in its order; it returns the principal
// type's canonical spelling and defaults --condition-version.
func (f *createFlags) check(e *command.Env, a *flags.Set) (string, error) {
	pt := f.principalType
	if pt != "" {
		var err error
		if pt, err = flags.Enum(e.Prog, "--assignee-principal-type", f.principalType, client.PrincipalTypes); err != nil {
			return "", err
		}
	}
	// az checks the principal type's choices while parsing, before the
	// required arguments.
	if err := a.Check(e.Prog, nil); err != nil {
		return "", err
	}
	if f.scope == "" {
		e.Log.Warn("%s", client.ScopeWarning)
	}
	if (f.assignee != "") == (f.objectID != "") {
		return "", output.CLIError("usage error: --assignee STRING | --assignee-object-id GUID")
	}
	if pt != "" && f.objectID == "" {
		return "", output.CLIError("usage error: --assignee-object-id GUID --assignee-principal-type TYPE")
	}
	if f.condition != "" && f.conditionVersion == "" {
		f.conditionVersion = "2.0"
	}
	if f.conditionVersion != "" && f.condition == "" {
		return "", output.CLIError("usage error: When --condition-version is set, --condition must be set as well.")
	}
	return pt, nil
}

// principal resolves --assignee, or the principal type of
// --assignee-object-id when none is given.
func (f *createFlags) principal(e *command.Env, pt string) (string, string, error) {
	if f.assignee != "" {
		return e.Client.ResolveAssignee(f.assignee, true)
	}
	if pt == "" {
		e.Log.Warn("RBAC service might reject creating role assignment without --assignee-principal-type in the future. " +
			"Better to specify --assignee-principal-type manually.")
		pt = e.Client.PrincipalTypeOf(f.objectID)
	}
	return f.objectID, pt, nil
}

// existing answers a create that failed with err: an assignment that
// exists already is printed, as az's create is idempotent.
func (f *createFlags) existing(e *command.Env, err error, oid string) error {
	if !client.AssignmentExists(err) {
		return err
	}
	found, lerr := e.Client.ListAssignments(f.assignee, f.role, f.rg, f.scope, false, false, false)
	if lerr != nil {
		return lerr
	}
	for _, a := range found {
		if strings.EqualFold(client.Str(a, "principalId"), oid) {
			return e.PrintValue(a)
		}
	}
	if len(found) == 0 {
		return err
	}
	return e.PrintValue(found[0])
}

func newRoleAssignmentListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var assignee, role, scope, rg string
	var inherited, all, groups, classic bool
	cmd := &cobra.Command{Use: "list", Short: "List role assignments."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.String(&assignee, rbacAssigneeHelp, "--assignee")
		a.String(&role, "Role name or id.", "--role")
		a.String(&scope, rbacScopeHelp, "--scope")
		a.String(&rg, rbacGroupHelp, "--resource-group", "-g")
		a.Switch(&inherited, "Include assignments applied on parent scopes.", "--include-inherited")
		a.Switch(&all, "Show all assignments under the current subscription.", "--all")
		a.Switch(&groups, "Include extra assignments to the groups of which the user is a member(transitively).", "--include-groups")
		a.Bool(&classic, "List default role assignments for subscription classic administrators, aka co-admins.", "--include-classic-administrators")
	}, func(e *command.Env) error {
		out, err := e.Client.ListAssignments(assignee, role, rg, scope, inherited, all, groups)
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
}

// deleteFlags are the arguments of `az role assignment delete`.
type deleteFlags struct {
	ids                       []string
	assignee, role, scope, rg string
	inherited, yes            bool
}

func newRoleAssignmentDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &deleteFlags{}
	cmd := &cobra.Command{Use: "delete", Short: "Delete role assignments."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.List(&f.ids, "Space-separated role assignment ids.", "--ids")
		a.String(&f.assignee, rbacAssigneeHelp, "--assignee")
		a.String(&f.role, "Role name or id.", "--role")
		a.String(&f.scope, rbacScopeHelp, "--scope")
		a.String(&f.rg, rbacGroupHelp, "--resource-group", "-g")
		a.Switch(&f.inherited, "Include assignments applied on parent scopes.", "--include-inherited")
		a.Switch(&f.yes, "Continue to delete all assignments under the subscription.", "--yes", "-y")
	}, func(e *command.Env) error {
		if len(f.ids) > 0 {
			return f.deleteIDs(e)
		}
		if ok, err := f.confirmAll(e); !ok || err != nil {
			return err
		}
		sc, err := e.Client.BuildScope(f.rg, f.scope)
		if err != nil {
			return err
		}
		found, err := e.Client.SearchAssignments(sc, f.assignee, f.role, f.inherited, false)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return output.CLIError("No matched assignments were found to delete")
		}
		for _, a := range found {
			if err := e.Delete(client.Str(a, "id"), client.APIAuthorization, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteIDs deletes the assignments --ids names, warning about the
// options it makes moot.
func (f *deleteFlags) deleteIDs(e *command.Env) error {
	for _, o := range []struct {
		set  bool
		name string
	}{{f.assignee != "", "--assignee"}, {f.role != "", "--role"}, {f.rg != "", "--resource-group"}, {f.scope != "", "--scope"}, {f.inherited, "--include-inherited"}} {
		if o.set {
			e.Log.Warn("option '%s' will be ignored due to use of '--ids'.", o.name)
		}
	}
	for _, id := range f.ids {
		if err := e.Delete(client.ScopePath(id), client.APIAuthorization, false); err != nil {
			return err
		}
	}
	return nil
}

// confirmAll asks before deleting every assignment of the subscription
// (no filter and no --yes); false means the answer was no.
func (f *deleteFlags) confirmAll(e *command.Env) (bool, error) {
	if f.assignee != "" || f.role != "" || f.rg != "" || f.scope != "" || f.yes {
		return true, nil
	}
	return e.Ask("This will delete all role assignments under the subscription. Are you sure? (y/N): ")
}

func newRoleDefinitionListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var name, scope, rg string
	var customOnly bool
	cmd := &cobra.Command{Use: "list", Short: "List role definitions."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.String(&name, "The role's name.", "--name", "-n")
		a.String(&scope, rbacScopeHelp, "--scope")
		a.String(&rg, rbacGroupHelp, "--resource-group", "-g")
		a.Bool(&customOnly, "Custom roles only(vs. build-in ones).", "--custom-role-only")
	}, func(e *command.Env) error {
		sc, err := e.Client.BuildScope(rg, scope)
		if err != nil {
			return err
		}
		defs, err := e.Client.RoleDefinitions(sc, "")
		if err != nil {
			return err
		}
		out := []any{}
		for _, d := range defs {
			if name != "" && client.Str(d, "name") != name && client.Str(d, "roleName") != name {
				continue
			}
			if customOnly && client.Str(d, "roleType") != "CustomRole" {
				continue
			}
			out = append(out, d)
		}
		e.Table = rbacTable([2]string{"Name", "roleName"}, [2]string{"Type", "type"}, [2]string{"Description", "description"})
		return e.PrintValue(out)
	})
}

// rbacTable is an az table transformer that picks keys into named columns.
func rbacTable(cols ...[2]string) func(any) any {
	return func(v any) any {
		return output.Rows(v, func(o *output.Object) any { return output.Columns(o, cols...) })
	}
}
