// Package role is `aksnet role`, az's role assignment and definition
// commands; the Graph and Authorization requests are the client's.
package role

import (
	"fmt"
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

func newRoleAssignmentCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var role, assignee, objectID, principalType, scope, rg, description, condition, conditionVersion, name string
	cmd := &cobra.Command{Use: "create", Short: "Create a new role assignment for a user, group, or service principal."}
	a := flags.New(cmd, flags.Knack)
	a.String(&role, "Role name or id.", "--role").Required()
	a.String(&assignee, rbacAssigneeHelp, "--assignee")
	a.String(&objectID, "Use this parameter instead of '--assignee' to bypass Graph API invocation in case of insufficient privileges. "+
		"This parameter only works with object ids for users, groups, service principals, and managed identities. "+
		"For managed identities use the principal id. For service principals, use the object id and not the app id.", "--assignee-object-id")
	a.String(&principalType, "Use with --assignee-object-id to avoid errors caused by propagation latency in Microsoft Graph. Allowed values: "+strings.Join(client.PrincipalTypes, ", ")+".", "--assignee-principal-type")
	a.String(&scope, rbacScopeHelp, "--scope")
	a.String(&rg, rbacGroupHelp, "--resource-group", "-g")
	a.String(&description, "Description of role assignment.", "--description")
	a.String(&condition, "Condition under which the user can be granted permission.", "--condition")
	a.String(&conditionVersion, "Version of the condition syntax. If --condition is specified without --condition-version, default to 2.0.", "--condition-version")
	a.String(&name, "A GUID for the role assignment. It must be unique and different for each role assignment. If omitted, a new GUID is generated.", "--name", "-n")
	a.Done()
	cmd.RunE = command.Run(s, g, func(e *command.Env, _ *cobra.Command, _ []string) error {
		pt := principalType
		var err error
		if pt != "" {
			if pt, err = flags.Enum(e.Prog, "--assignee-principal-type", principalType, client.PrincipalTypes); err != nil {
				return err
			}
		}
		// az checks the principal type's choices while parsing, before the
		// required arguments.
		if err := a.Check(e.Prog, nil); err != nil {
			return err
		}
		if scope == "" {
			e.Log.Warn("%s", client.ScopeWarning)
		}
		if (assignee != "") == (objectID != "") {
			return output.CLIError("usage error: --assignee STRING | --assignee-object-id GUID")
		}
		if pt != "" && objectID == "" {
			return output.CLIError("usage error: --assignee-object-id GUID --assignee-principal-type TYPE")
		}
		if condition != "" && conditionVersion == "" {
			conditionVersion = "2.0"
		}
		if conditionVersion != "" && condition == "" {
			return output.CLIError("usage error: When --condition-version is set, --condition must be set as well.")
		}
		oid := objectID
		if assignee != "" {
			if oid, pt, err = e.Client.ResolveAssignee(assignee, true); err != nil {
				return err
			}
		} else if pt == "" {
			e.Log.Warn("RBAC service might reject creating role assignment without --assignee-principal-type in the future. " +
				"Better to specify --assignee-principal-type manually.")
			pt = e.Client.PrincipalTypeOf(oid)
		}
		raw, err := e.Client.CreateAssignment(role, oid, rg, scope, pt, description, condition, conditionVersion, name)
		if err != nil {
			if !client.AssignmentExists(err) {
				return err
			}
			// Idempotent, as az: answer with the existing assignment.
			found, lerr := e.Client.ListAssignments(assignee, role, rg, scope, false, false, false)
			if lerr != nil {
				return lerr
			}
			for _, f := range found {
				if strings.EqualFold(client.Str(f, "principalId"), oid) {
					return e.PrintValue(f)
				}
			}
			if len(found) == 0 {
				return err
			}
			return e.PrintValue(found[0])
		}
		v, err := client.ShapeObject(raw)
		if err != nil {
			return err
		}
		return e.PrintValue(v)
	})
	return cmd
}

func newRoleAssignmentListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var assignee, role, scope, rg string
	var inherited, all, groups, classic bool
	cmd := &cobra.Command{Use: "list", Short: "List role assignments."}
	a := flags.New(cmd, flags.Knack)
	a.String(&assignee, rbacAssigneeHelp, "--assignee")
	a.String(&role, "Role name or id.", "--role")
	a.String(&scope, rbacScopeHelp, "--scope")
	a.String(&rg, rbacGroupHelp, "--resource-group", "-g")
	a.Switch(&inherited, "Include assignments applied on parent scopes.", "--include-inherited")
	a.Switch(&all, "Show all assignments under the current subscription.", "--all")
	a.Switch(&groups, "Include extra assignments to the groups of which the user is a member(transitively).", "--include-groups")
	a.Bool(&classic, "List default role assignments for subscription classic administrators, aka co-admins.", "--include-classic-administrators")
	a.Done()
	cmd.RunE = command.Run(s, g, func(e *command.Env, _ *cobra.Command, _ []string) error {
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
	return cmd
}

func newRoleAssignmentDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var ids []string
	var assignee, role, scope, rg string
	var inherited, yes bool
	cmd := &cobra.Command{Use: "delete", Short: "Delete role assignments."}
	a := flags.New(cmd, flags.Knack)
	a.List(&ids, "Space-separated role assignment ids.", "--ids")
	a.String(&assignee, rbacAssigneeHelp, "--assignee")
	a.String(&role, "Role name or id.", "--role")
	a.String(&scope, rbacScopeHelp, "--scope")
	a.String(&rg, rbacGroupHelp, "--resource-group", "-g")
	a.Switch(&inherited, "Include assignments applied on parent scopes.", "--include-inherited")
	a.Switch(&yes, "Continue to delete all assignments under the subscription.", "--yes", "-y")
	a.Done()
	cmd.RunE = command.Run(s, g, func(e *command.Env, _ *cobra.Command, _ []string) error {
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
				if err := e.Delete(client.ScopePath(id), client.APIAuthorization, false); err != nil {
					return err
				}
			}
			return nil
		}
		if assignee == "" && role == "" && rg == "" && scope == "" && !yes {
			if !command.IsTerminal(e.Streams.In) {
				return output.CLIError("Unable to prompt for confirmation as no tty available. Use --yes.")
			}
			fmt.Fprint(e.Streams.Err, "This will delete all role assignments under the subscription. Are you sure? (y/N): ")
			var answer string
			_, _ = fmt.Fscanln(e.Streams.In, &answer)
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				return nil
			}
		}
		sc, err := e.Client.BuildScope(rg, scope)
		if err != nil {
			return err
		}
		found, err := e.Client.SearchAssignments(sc, assignee, role, inherited, false)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return output.CLIError("No matched assignments were found to delete")
		}
		for _, f := range found {
			if err := e.Delete(client.Str(f, "id"), client.APIAuthorization, false); err != nil {
				return err
			}
		}
		return nil
	})
	return cmd
}

func newRoleDefinitionListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var name, scope, rg string
	var customOnly bool
	cmd := &cobra.Command{Use: "list", Short: "List role definitions."}
	a := flags.New(cmd, flags.Knack)
	a.String(&name, "The role's name.", "--name", "-n")
	a.String(&scope, rbacScopeHelp, "--scope")
	a.String(&rg, rbacGroupHelp, "--resource-group", "-g")
	a.Bool(&customOnly, "Custom roles only(vs. build-in ones).", "--custom-role-only")
	a.Done()
	cmd.RunE = command.Run(s, g, func(e *command.Env, _ *cobra.Command, _ []string) error {
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
