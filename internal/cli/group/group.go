// Package group is `aksnet group`, az's resource group commands.
package group

import (
	"net/http"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az group`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("group", "Manage resource groups.",
		newCreateCommand(s, g), newShowCommand(s, g), newListCommand(s, g), newDeleteCommand(s, g), newExistsCommand(s, g))
}

type createFlags struct {
	name, location string
	tags           []string
}

func newCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &createFlags{}
	cmd := &cobra.Command{Use: "create", Short: "Create a new resource group.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		a.String(&f.name, "Name of the new resource group.", "--name", "-n", "--resource-group", "-g").Required()
		a.String(&f.location, "Location.", "--location", "-l").Required()
		a.List(&f.tags, "Space-separated tags: key[=value].", "--tags")
	}, func(e *command.Env) error {
		return e.Put(e.Client.RGPath(f.name), client.APIResources, client.ResourceGroup(f.location, flags.Tags(f.tags)), false)
	})
}

// nameArg declares the -n/-g of the commands that address one group.
func nameArg(name *string) func(*flags.Set) {
	return func(a *flags.Set) {
		a.String(name, "Name of the resource group.", "--name", "-n", "--resource-group", "-g").Required()
	}
}

func newShowCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{Use: "show", Short: "Gets a resource group.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, nameArg(&name), func(e *command.Env) error {
		return e.Show(e.Client.RGPath(name), client.APIResources)
	})
}

func newListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List resource groups.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(*flags.Set) {}, func(e *command.Env) error {
		return e.List(e.Client.SubscriptionPath()+"/resourcegroups", client.APIResources)
	})
}

type deleteFlags struct {
	name        string
	yes, noWait bool
}

func newDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &deleteFlags{}
	cmd := &cobra.Command{Use: "delete", Short: "Delete a resource group.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		nameArg(&f.name)(a)
		a.Switch(&f.yes, "Do not prompt for confirmation.", "--yes", "-y")
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		if err := e.Confirm(f.yes); err != nil {
			return err
		}
		return e.Delete(e.Client.RGPath(f.name), client.APIResources, f.noWait)
	})
}

// newExistsCommand is az group exists: HEAD on the group (204 or 404, as
// az's check_existence sends it), printing true or false.
func newExistsCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{Use: "exists", Short: "Check if a resource group exists.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, nameArg(&name), func(e *command.Env) error {
		r, err := e.Client.Do(http.MethodHead, e.Client.RGPath(name), client.APIResources, nil)
		if err != nil {
			return err
		}
		switch {
		case r.Status == http.StatusNotFound:
			return e.PrintValue(false)
		case r.Status >= 400:
			return output.ParseARMError(r.Status, r.Body)
		}
		return e.PrintValue(true)
	})
}
