// Package identity is `aksnet identity`, az's managed identity commands.
package identity

import (
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az identity` (managed service identities).
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("identity", "Managed Identities.",
		newCreateCommand(s, g), newShowCommand(s, g), newListCommand(s, g), newDeleteCommand(s, g))
}

type createFlags struct {
	name, rg, location string
	tags               []string
}

func newCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &createFlags{}
	cmd := &cobra.Command{Use: "create", Short: "Create Identities."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.String(&f.name, "The name of the identity resource.", "--name", "-n").Required()
		a.String(&f.rg, "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.", "--resource-group", "-g").Required()
		a.String(&f.location, "Location. Values from: `az account list-locations`. You can configure the default location using `az configure --defaults location=<location>`. When not specified, the location of the resource group will be used.", "--location", "-l")
		a.List(&f.tags, "Space-separated tags: key[=value] [key[=value] ...]. Use \"\" to clear existing tags.", "--tags")
	}, func(e *command.Env) error {
		// az's get_default_location_from_resource_group.
		location, err := e.Location(f.location, f.rg)
		if err != nil {
			return err
		}
		r, err := e.Client.Call(http.MethodPut, e.Client.ResourcePath(f.rg, client.TypeUserAssignedIdentity, f.name), client.APIMSI,
			client.ResourceGroup(location, flags.Tags(f.tags)))
		if err != nil {
			return err
		}
		return printIdentity(e, r.Body)
	})
}

// ids resolves --ids or -g/-n, as az's id_part arguments do.
func ids(e *command.Env, ids []string, rg, name string) ([]string, error) {
	if len(ids) == 0 {
		var missing []string
		if rg == "" {
			missing = append(missing, "--resource-group")
		}
		if name == "" {
			missing = append(missing, "--name")
		}
		if len(missing) > 0 {
			return nil, output.CLIError("(%s | --ids) are required", strings.Join(missing, " "))
		}
		return []string{e.Client.ResourcePath(rg, client.TypeUserAssignedIdentity, name)}, nil
	}
	if rg != "" {
		e.Log.Warn("option '--resource-group' will be ignored due to use of '--ids'.")
	}
	if name != "" {
		e.Log.Warn("option '--name' will be ignored due to use of '--ids'.")
	}
	return ids, nil
}

// idFlags are az's arguments that name identities: -n and -g, or --ids
// (see ids).
type idFlags struct {
	name, rg string
	ids      []string
}

// args declares -n and -g, and --ids.
func (f *idFlags) args() func(*flags.Set) {
	return func(a *flags.Set) {
		a.String(&f.name, "The name of the identity resource.", "--name", "-n")
		a.String(&f.rg, "Name of resource group.", "--resource-group", "-g")
		a.List(&f.ids, "One or more resource IDs (space-delimited). It should be a complete resource ID containing all information of 'Resource Id' arguments. You should provide either --ids or other 'Resource Id' arguments.", "--ids")
	}
}

// idsCommand is a command over the identities the arguments name: run gets
// their ids.
func idsCommand(s command.Streams, g *command.Globals, use, short string, run func(e *command.Env, ids []string) error) *cobra.Command {
	f := &idFlags{}
	cmd := &cobra.Command{Use: use, Short: short}
	return command.Leaf(s, g, cmd, flags.Knack, f.args(), func(e *command.Env) error {
		list, err := ids(e, f.ids, f.rg, f.name)
		if err != nil {
			return err
		}
		return run(e, list)
	})
}

func newShowCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return idsCommand(s, g, "show", "Get an identity.", func(e *command.Env, ids []string) error {
		return e.ShowEach(ids, client.APIMSI, shape)
	})
}

func newListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg string
	cmd := &cobra.Command{Use: "list", Short: "List user assigned identities."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.String(&rg, "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.", "--resource-group", "-g")
	}, func(e *command.Env) error {
		path := e.Client.SubscriptionPath() + "/providers/" + client.TypeUserAssignedIdentity
		if rg != "" {
			path = e.Client.RGPath(rg) + "/providers/" + client.TypeUserAssignedIdentity
		}
		items, err := e.Client.ListItems(path, client.APIMSI)
		if err != nil {
			return err
		}
		out := make([]any, 0, len(items))
		for _, raw := range items {
			v, err := shape(raw)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return e.PrintValue(out)
	})
}

func newDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return idsCommand(s, g, "delete", "Delete an identity.", func(e *command.Env, ids []string) error {
		for _, id := range ids {
			// The MSI API deletes synchronously (200 or 204); az prints
			// nothing.
			if _, err := e.Client.Call(http.MethodDelete, id, client.APIMSI, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// shape shapes a user-assigned identity as az prints it: the properties
// (clientId, principalId, tenantId) flattened, resourceGroup added, and
// tags always present ({} when the resource has none).
func shape(raw []byte) (any, error) {
	v, err := azshape.ShapeJSON(raw)
	if err != nil {
		return nil, output.CLIError("decode identity: %v", err)
	}
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["tags"]; !ok || t == nil {
			m["tags"] = map[string]any{}
		}
	}
	return v, nil
}

func printIdentity(e *command.Env, raw []byte) error {
	v, err := shape(raw)
	if err != nil {
		return err
	}
	return e.PrintValue(v)
}
