package cli

import (
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

func init() {
	rootCommands = append(rootCommands, command.Lazy{Name: "identity", Build: newIdentityCommand})
}

const typeUserAssignedIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities"

// newIdentityCommand mirrors `az identity` (managed service identities).
func newIdentityCommand(s Streams, g *command.Globals) *cobra.Command {
	return command.Group("identity", "Managed Identities.",
		newIdentityCreateCommand(s, g), newIdentityShowCommand(s, g), newIdentityListCommand(s, g), newIdentityDeleteCommand(s, g))
}

func newIdentityCreateCommand(s Streams, g *command.Globals) *cobra.Command {
	var name, rg, location string
	var tags []string
	cmd := &cobra.Command{Use: "create", Short: "Create Identities."}
	a := newRbacArgs(cmd)
	a.String(&name, "name", "n", "The name of the identity resource.")
	a.String(&rg, "resource-group", "g", "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.")
	a.String(&location, "location", "l", "Location. Values from: `az account list-locations`. You can configure the default location using `az configure --defaults location=<location>`. When not specified, the location of the resource group will be used.")
	a.Nargs(&tags, "tags", "", "Space-separated tags: key[=value] [key[=value] ...]. Use \"\" to clear existing tags.")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		if err := required("--name/-n", name, "--resource-group/-g", rg); err != nil {
			return err
		}
		if location == "" {
			// az's get_default_location_from_resource_group.
			l, err := e.Client.RGLocation(rg)
			if err != nil {
				return err
			}
			location = l
		}
		body := map[string]any{"location": location}
		if tags != nil {
			body["tags"] = flags.Tags(tags)
		}
		r, err := e.Client.Call(http.MethodPut, e.Client.ResourcePath(rg, typeUserAssignedIdentity, name), apiMSI, body)
		if err != nil {
			return err
		}
		return e.printIdentity(r.Body)
	})
	return cmd
}

// identityIDs resolves --ids or -g/-n, as az's id_part arguments do.
func (e *env) identityIDs(ids []string, rg, name string) ([]string, error) {
	if len(ids) == 0 {
		var missing []string
		if rg == "" {
			missing = append(missing, "--resource-group")
		}
		if name == "" {
			missing = append(missing, "--name")
		}
		if len(missing) > 0 {
			return nil, rbacCLIError("(%s | --ids) are required", strings.Join(missing, " "))
		}
		return []string{e.Client.ResourcePath(rg, typeUserAssignedIdentity, name)}, nil
	}
	if rg != "" {
		e.Log.Warn("option '--resource-group' will be ignored due to use of '--ids'.")
	}
	if name != "" {
		e.Log.Warn("option '--name' will be ignored due to use of '--ids'.")
	}
	return ids, nil
}

// identityIDArgs declares az's arguments that name identities: -n and -g,
// or --ids (see identityIDs).
func identityIDArgs(a *rbacArgs, name, rg *string, ids *[]string) {
	a.String(name, "name", "n", "The name of the identity resource.")
	a.String(rg, "resource-group", "g", "Name of resource group.")
	a.Nargs(ids, "ids", "", "One or more resource IDs (space-delimited). It should be a complete resource ID containing all information of 'Resource Id' arguments. You should provide either --ids or other 'Resource Id' arguments.")
}

func newIdentityShowCommand(s Streams, g *command.Globals) *cobra.Command {
	var name, rg string
	var ids []string
	cmd := &cobra.Command{Use: "show", Short: "Get an identity."}
	a := newRbacArgs(cmd)
	identityIDArgs(a, &name, &rg, &ids)
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		list, err := e.identityIDs(ids, rg, name)
		if err != nil {
			return err
		}
		var out []any
		for _, id := range list {
			r, err := e.Client.Call(http.MethodGet, id, apiMSI, nil)
			if err != nil {
				return err
			}
			v, err := shapeIdentity(r.Body)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		if len(out) == 1 {
			return e.PrintValue(out[0])
		}
		return e.PrintValue(out)
	})
	return cmd
}

func newIdentityListCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg string
	cmd := &cobra.Command{Use: "list", Short: "List user assigned identities."}
	a := newRbacArgs(cmd)
	a.String(&rg, "resource-group", "g", "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		path := "/subscriptions/" + e.Client.Subscription + "/providers/" + typeUserAssignedIdentity
		if rg != "" {
			path = e.Client.RGPath(rg) + "/providers/" + typeUserAssignedIdentity
		}
		items, err := e.Client.ListItems(path, apiMSI)
		if err != nil {
			return err
		}
		out := make([]any, 0, len(items))
		for _, raw := range items {
			v, err := shapeIdentity(raw)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return e.PrintValue(out)
	})
	return cmd
}

func newIdentityDeleteCommand(s Streams, g *command.Globals) *cobra.Command {
	var name, rg string
	var ids []string
	cmd := &cobra.Command{Use: "delete", Short: "Delete an identity."}
	a := newRbacArgs(cmd)
	identityIDArgs(a, &name, &rg, &ids)
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		list, err := e.identityIDs(ids, rg, name)
		if err != nil {
			return err
		}
		for _, id := range list {
			// The MSI API deletes synchronously (200 or 204); az prints
			// nothing.
			if _, err := e.Client.Call(http.MethodDelete, id, apiMSI, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return cmd
}

// shapeIdentity shapes a user-assigned identity as az prints it: the
// properties (clientId, principalId, tenantId) flattened, resourceGroup
// added, and tags always present ({} when the resource has none).
func shapeIdentity(raw []byte) (any, error) {
	v, err := azshape.ShapeJSON(raw)
	if err != nil {
		return nil, rbacCLIError("decode identity: %v", err)
	}
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["tags"]; !ok || t == nil {
			m["tags"] = map[string]any{}
		}
	}
	return v, nil
}

func (e *env) printIdentity(raw []byte) error {
	v, err := shapeIdentity(raw)
	if err != nil {
		return err
	}
	return e.PrintValue(v)
}
