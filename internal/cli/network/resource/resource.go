// Package resource holds what az's network command groups build the same
// way: the show, list and delete of a top-level resource type.
package resource

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// TopLevel is a top-level network resource type whose show, list and
// delete commands az builds the same way: -g/-n or --ids, a subscription
// list without -g, and --no-wait on delete.
type TopLevel struct {
	Type                           string // ARM type segment, e.g. "routeTables"
	NameHelp                       string // help of -n/--name
	ShowShort, ListShort, DelShort string
}

// Show is az network <type> show.
func (r TopLevel) Show(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	c := &cobra.Command{Use: "show", Short: r.ShowShort}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required().ID()
	a.String(&name, r.NameHelp, "-n", "--name").Required().ID()
	a.IDs(&ids)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.Type, name) }), client.APINetwork)
	})
	return c
}

// List is az network <type> list.
func (r TopLevel) List(s command.Streams, g *command.Globals) *cobra.Command {
	var rg string
	c := &cobra.Command{Use: "list", Short: r.ListShort}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		if rg == "" {
			return e.List(e.Client.NetSubscriptionPath(r.Type), client.APINetwork)
		}
		return e.List(e.Client.NetPath(rg, r.Type), client.APINetwork)
	})
	return c
}

// Delete is az network <type> delete.
func (r TopLevel) Delete(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	var noWait bool
	c := &cobra.Command{Use: "delete", Short: r.DelShort}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required().ID()
	a.String(&name, r.NameHelp, "-n", "--name").Required().ID()
	a.IDs(&ids)
	a.NoWait(&noWait)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		return e.DeleteAll(flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.Type, name) }), client.APINetwork, noWait)
	})
	return c
}

// Strings returns the strings of a decoded JSON list.
func Strings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
