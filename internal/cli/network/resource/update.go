package resource

import (
	"encoding/json"
	"fmt"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// Change edits a resource az's update command read: doc is the whole GET
// body, props its properties (never nil).
type Change func(e *command.Env, doc, props map[string]any) error

// Update is az network <type> update, as AAZ builds it: -g and -n or
// --ids, the arguments args declares, --tags and --no-wait. It GETs each
// resource, lets change edit it, PUTs it back and prints the final
// resource (nothing with --no-wait); a missing resource is az's
// ResourceNotFound (exit 3).
func (r TopLevel) Update(s command.Streams, g *command.Globals, short string, args func(*flags.Set), change Change) *cobra.Command {
	var rg, name string
	var ids, tags []string
	var noWait bool
	var tagsArg *flags.Flag
	c := &cobra.Command{Use: "update", Short: short}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required().ID()
		a.String(&name, r.NameHelp, "-n", "--name").Required().ID()
		a.IDs(&ids)
		args(a)
		tagsArg = a.List(&tags, "Space-separated tags: key[=value] [key[=value] ...]. Use \"\" to clear existing tags.", "--tags")
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		targets := flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.Type, name) })
		return e.PrintEach(targets, func(path string) (any, error) {
			return updateAt(e, path, noWait, func(e *command.Env, doc, props map[string]any) error {
				if tagsArg.Changed() {
					t := flags.Tags(tags) // empty for --tags "", which clears them
					if t == nil {
						t = map[string]string{}
					}
					doc["tags"] = t
				}
				return change(e, doc, props)
			})
		})
	})
}

// Update is az network <parent> <child> update: -g, -n and the parent's
// name or --ids, the arguments args declares and --no-wait, then as
// TopLevel.Update.
func (r Child) Update(s command.Streams, g *command.Globals, short string, args func(*flags.Set), change Change) *cobra.Command {
	var rg, name, parent string
	var ids []string
	var noWait bool
	c := &cobra.Command{Use: "update", Short: short}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		r.idArgs(&rg, &name, &parent, &ids)(a)
		args(a)
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		targets := flags.Targets(ids, func() string { return r.Path(e, rg, parent, name) })
		return e.PrintEach(targets, func(path string) (any, error) { return updateAt(e, path, noWait, change) })
	})
}

// updateAt is az's generic update of the resource at path: GET it, change
// it, PUT it back; it returns the shaped result, nil with noWait.
func updateAt(e *command.Env, path string, noWait bool, change Change) (any, error) {
	raw, err := e.Get(path, client.APINetwork)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if doc == nil {
		return nil, fmt.Errorf("decode %s: not an object", path)
	}
	props, _ := doc["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		doc["properties"] = props
	}
	if err := change(e, doc, props); err != nil {
		return nil, err
	}
	res, err := e.PutResource(path, client.APINetwork, doc, noWait)
	if err != nil || res == nil {
		return nil, err
	}
	return command.Shape(res)
}
