// Package resource holds what az's network command groups build the same
// way: the show, list and delete of a top-level resource type, and its
// create request.
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
	// ListTable is az's table transformer of the list, if it has one.
	ListTable func(any) any
}

// Show is az network <type> show.
func (r TopLevel) Show(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	c := &cobra.Command{Use: "show", Short: r.ShowShort}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required().ID()
		a.String(&name, r.NameHelp, "-n", "--name").Required().ID()
		a.IDs(&ids)
	}, func(e *command.Env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.Type, name) }), client.APINetwork)
	})
}

// List is az network <type> list.
func (r TopLevel) List(s command.Streams, g *command.Globals) *cobra.Command {
	var rg string
	c := &cobra.Command{Use: "list", Short: r.ListShort}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg)
	}, func(e *command.Env) error {
		e.Table = r.ListTable
		return e.List(e.Client.ListPath(rg, "Microsoft.Network/"+r.Type), client.APINetwork)
	})
}

// Delete is az network <type> delete.
func (r TopLevel) Delete(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	var noWait bool
	c := &cobra.Command{Use: "delete", Short: r.DelShort}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required().ID()
		a.String(&name, r.NameHelp, "-n", "--name").Required().ID()
		a.IDs(&ids)
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		return e.DeleteAll(flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.Type, name) }), client.APINetwork, noWait)
	})
}

// Put is az network <type> create's request: a PUT of the resource name in
// rg with props (none when nil), in location (the resource group's when
// "", as az defaults it) and with the tags. It returns the final resource,
// or nil with noWait.
func (r TopLevel) Put(e *command.Env, rg, name, location string, tags []string, props map[string]any, noWait bool) ([]byte, error) {
	loc, err := e.Client.Location(location, rg)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"location": loc}
	if props != nil {
		body["properties"] = props
	}
	if len(tags) > 0 {
		body["tags"] = flags.Tags(tags)
	}
	return e.PutResource(e.Client.NetPath(rg, r.Type, name), client.APINetwork, body, noWait)
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

// Child is a resource type under a top-level one (a VNet's subnets, a
// route table's routes) whose show, list and delete az builds the same
// way: -g, -n and the parent's name, or --ids.
type Child struct {
	ParentType string // ARM type segment of the parent, e.g. "routeTables"
	ParentOpt  string // the parent's option, e.g. "--route-table-name"
	ParentHelp string // its help
	Type       string // ARM type segment, e.g. "routes"
	NameHelp   string // help of -n/--name
	// ParentFirst puts the parent's option before -g and -n, where az
	// declares it first (it orders az's "are required" messages).
	ParentFirst bool

	ShowShort, ListShort, DelShort string
}

// Path is the id of the child name of parent in rg.
func (r Child) Path(e *command.Env, rg, parent, name string) string {
	return e.Client.NetPath(rg, r.ParentType, parent, r.Type, name)
}

// idArgs declares -g, -n and the parent's name as parts of the id, and
// --ids.
func (r Child) idArgs(rg, name, parent *string, ids *[]string) func(*flags.Set) {
	return func(a *flags.Set) {
		if r.ParentFirst {
			a.String(parent, r.ParentHelp, r.ParentOpt).Required().ID()
		}
		a.ResourceGroup(rg).Required().ID()
		a.String(name, r.NameHelp, "-n", "--name").Required().ID()
		if !r.ParentFirst {
			a.String(parent, r.ParentHelp, r.ParentOpt).Required().ID()
		}
		a.IDs(ids)
	}
}

// Create is az network <parent> <child> create: -g, -n and the parent's
// name (all required), the arguments args declares, and --no-wait. It PUTs
// the properties props builds from them (see Put); rg is -g's value.
func (r Child) Create(s command.Streams, g *command.Globals, short string, args func(*flags.Set), props func(e *command.Env, rg string) (map[string]any, error)) *cobra.Command {
	var rg, name, parent string
	var noWait bool
	c := &cobra.Command{Use: "create", Short: short}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		if r.ParentFirst {
			a.String(&parent, r.ParentHelp, r.ParentOpt).Required()
		}
		a.ResourceGroup(&rg).Required()
		a.String(&name, r.NameHelp, "-n", "--name").Required()
		if !r.ParentFirst {
			a.String(&parent, r.ParentHelp, r.ParentOpt).Required()
		}
		args(a)
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		p, err := props(e, rg)
		if err != nil {
			return err
		}
		return r.Put(e, rg, parent, name, p, noWait)
	})
}

// Put is az network <parent> <child> create's request: a PUT of the child
// name of parent in rg with props. It prints the final resource (nothing
// with noWait).
func (r Child) Put(e *command.Env, rg, parent, name string, props map[string]any, noWait bool) error {
	return e.Put(r.Path(e, rg, parent, name), client.APINetwork, map[string]any{"name": name, "properties": props}, noWait)
}

// Show is az network <parent> <child> show.
func (r Child) Show(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, parent string
	var ids []string
	c := &cobra.Command{Use: "show", Short: r.ShowShort}
	return command.Leaf(s, g, c, flags.AAZ, r.idArgs(&rg, &name, &parent, &ids), func(e *command.Env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return r.Path(e, rg, parent, name) }), client.APINetwork)
	})
}

// List is az network <parent> <child> list.
func (r Child) List(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, parent string
	c := &cobra.Command{Use: "list", Short: r.ListShort}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required()
		a.String(&parent, r.ParentHelp, r.ParentOpt).Required()
	}, func(e *command.Env) error {
		return e.List(e.Client.NetPath(rg, r.ParentType, parent, r.Type), client.APINetwork)
	})
}

// Delete is az network <parent> <child> delete.
func (r Child) Delete(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, parent string
	var ids []string
	var noWait bool
	c := &cobra.Command{Use: "delete", Short: r.DelShort}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		r.idArgs(&rg, &name, &parent, &ids)(a)
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		return e.DeleteAll(flags.Targets(ids, func() string { return r.Path(e, rg, parent, name) }), client.APINetwork, noWait)
	})
}
