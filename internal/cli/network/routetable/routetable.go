// Package routetable is `aksnet network route-table`, az network route-table: route tables and their routes.
package routetable

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/network/resource"
	"github.com/spf13/cobra"
)

// routeNextHopTypes are the values az accepts for --next-hop-type.
var routeNextHopTypes = []string{"Internet", "None", "VirtualAppliance", "VirtualNetworkGateway", "VnetLocal"}

// NewCommand mirrors `az network route-table`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("route-table", "Manage route tables.",
		routeTableCreateCommand(s, g), routeTables.Show(s, g), routeTables.List(s, g), routeTables.Delete(s, g),
		command.Group("route", "Manage routes in a route table.",
			routeCreateCommand(s, g), routeShowCommand(s, g), routeListCommand(s, g), routeDeleteCommand(s, g)))
}

func routeTableCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, location string
	var tags []string
	var disableBGP, noWait bool
	c := &cobra.Command{Use: "create", Short: "Create a route table."}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required()
	a.String(&name, "Name of the route table.", "-n", "--name").Required()
	a.String(&location, "Location. Default: the resource group's location.", "--location", "-l")
	bgp := a.Bool(&disableBGP, "Disable routes learned by BGP.  Allowed values: false, true.", "--disable-bgp-route-propagation")
	a.List(&tags, "Space-separated tags: key[=value] [key[=value] ...].", "--tags")
	a.NoWait(&noWait)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		loc, err := e.Location(location, rg)
		if err != nil {
			return err
		}
		props := map[string]any{}
		if bgp.Changed() {
			props["disableBgpRoutePropagation"] = disableBGP
		}
		body := map[string]any{"location": loc, "properties": props}
		if len(tags) > 0 {
			body["tags"] = flags.Tags(tags)
		}
		raw, err := e.PutResource(e.Client.NetPath(rg, "routeTables", name), client.APINetwork, body, noWait)
		if err != nil || raw == nil {
			return err
		}
		return e.Print(raw)
	})
	return c
}

// routePath is the id of route name in route table table.
func routePath(e *command.Env, rg, table, name string) string {
	return e.Client.NetPath(rg, "routeTables", table, "routes", name)
}

func routeCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, table, prefix, hopType, hopIP string
	var noWait bool
	c := &cobra.Command{Use: "create", Short: "Create a route in a route table."}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required()
	a.String(&name, "Route name.", "-n", "--name").Required()
	a.String(&table, "Route table name.", "--route-table-name").Required()
	a.String(&prefix, "The destination CIDR to which the route applies.", "--address-prefix")
	a.String(&hopIP, "The IP address packets should be forwarded to when using the VirtualAppliance hop type.", "--next-hop-ip-address")
	a.Choice(&hopType, routeNextHopTypes, "The type of Azure hop the packet should be sent to.", "--next-hop-type")
	a.NoWait(&noWait)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		props := map[string]any{}
		if prefix != "" {
			props["addressPrefix"] = prefix
		}
		if hopType != "" {
			props["nextHopType"] = hopType
		}
		if hopIP != "" {
			props["nextHopIpAddress"] = hopIP
		}
		raw, err := e.PutResource(routePath(e, rg, table, name), client.APINetwork, map[string]any{"name": name, "properties": props}, noWait)
		if err != nil || raw == nil {
			return err
		}
		return e.Print(raw)
	})
	return c
}

func routeShowCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, table string
	var ids []string
	c := &cobra.Command{Use: "show", Short: "Get the details of a route in a route table."}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required().ID()
	a.String(&name, "Route name.", "-n", "--name").Required().ID()
	a.String(&table, "Route table name.", "--route-table-name").Required().ID()
	a.IDs(&ids)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return routePath(e, rg, table, name) }), client.APINetwork)
	})
	return c
}

func routeListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, table string
	c := &cobra.Command{Use: "list", Short: "List routes in a route table."}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required()
	a.String(&table, "Route table name.", "--route-table-name").Required()
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		return e.List(e.Client.NetPath(rg, "routeTables", table, "routes"), client.APINetwork)
	})
	return c
}

func routeDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, table string
	var ids []string
	var noWait bool
	c := &cobra.Command{Use: "delete", Short: "Delete a route from a route table."}
	a := flags.New(c, flags.AAZ)
	a.ResourceGroup(&rg).Required().ID()
	a.String(&name, "Route name.", "-n", "--name").Required().ID()
	a.String(&table, "Route table name.", "--route-table-name").Required().ID()
	a.IDs(&ids)
	a.NoWait(&noWait)
	a.Done()
	c.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		return e.DeleteAll(flags.Targets(ids, func() string { return routePath(e, rg, table, name) }), client.APINetwork, noWait)
	})
	return c
}

// routeTables is az network route-table's show, list and delete.
var routeTables = resource.TopLevel{Type: "routeTables", NameHelp: "Name of the route table.",
	ShowShort: "Get the details of a route table.", ListShort: "List route tables.", DelShort: "Delete a route table."}
