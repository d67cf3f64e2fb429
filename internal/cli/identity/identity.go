// Package identity is `aksnet identity`, az's managed identity commands.
package identity

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
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
		v, err := e.Client.CreateIdentity(f.rg, f.name, f.location, flags.Tags(f.tags))
		if err != nil {
			return err
		}
		return e.PrintValue(v)
	})
}

// idFlags are az's arguments that name identities: -n and -g, or --ids
// (see client.IdentityIDs).
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
		list, err := e.Client.IdentityIDs(f.ids, f.rg, f.name)
		if err != nil {
			return err
		}
		return run(e, list)
	})
}

func newShowCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return idsCommand(s, g, "show", "Get an identity.", func(e *command.Env, ids []string) error {
		return e.PrintEach(ids, e.Client.Identity)
	})
}

func newListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg string
	cmd := &cobra.Command{Use: "list", Short: "List user assigned identities."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.String(&rg, "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.", "--resource-group", "-g")
	}, func(e *command.Env) error {
		out, err := e.Client.Identities(rg)
		if err != nil {
			return err
		}
		return e.PrintValue(out)
	})
}

func newDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return idsCommand(s, g, "delete", "Delete an identity.", func(e *command.Env, ids []string) error {
		for _, id := range ids {
			// az prints nothing.
			if err := e.Client.DeleteIdentity(id); err != nil {
				return err
			}
		}
		return nil
	})
}
