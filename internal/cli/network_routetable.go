package cli

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

func init() {
	networkCommands = append(networkCommands, command.Lazy{Name: "route-table", Build: newRouteTableCommand})
}

// routeNextHopTypes are the values az accepts for --next-hop-type.
var routeNextHopTypes = []string{"Internet", "None", "VirtualAppliance", "VirtualNetworkGateway", "VnetLocal"}

// newRouteTableCommand mirrors `az network route-table`.
func newRouteTableCommand(s Streams, g *command.Globals) *cobra.Command {
	return command.Group("route-table", "Manage route tables.",
		routeTableCreateCommand(s, g), netRouteTables.show(s, g), netRouteTables.list(s, g), netRouteTables.delete(s, g),
		command.Group("route", "Manage routes in a route table.",
			routeCreateCommand(s, g), routeShowCommand(s, g), routeListCommand(s, g), routeDeleteCommand(s, g)))
}

func routeTableCreateCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name, location string
	var tags []string
	var disableBGP, noWait bool
	c, a := newNetCommand("create", "Create a route table.")
	a.resourceGroup(&rg).req()
	a.str(&name, "Name of the route table.", "-n", "--name").req()
	a.str(&location, "Location. Default: the resource group's location.", "--location", "-l")
	bgp := a.boolean(&disableBGP, "Disable routes learned by BGP.  Allowed values: false, true.", "--disable-bgp-route-propagation")
	a.list(&tags, "Space-separated tags: key[=value] [key[=value] ...].", "--tags")
	a.noWait(&noWait)
	netRun(s, g, a, func(e *env) error {
		loc, err := e.Location(location, rg)
		if err != nil {
			return err
		}
		props := map[string]any{}
		if bgp.set {
			props["disableBgpRoutePropagation"] = disableBGP
		}
		body := map[string]any{"location": loc, "properties": props}
		if len(tags) > 0 {
			body["tags"] = flags.Tags(tags)
		}
		raw, err := e.PutResource(e.Client.NetPath(rg, "routeTables", name), apiNetwork, body, noWait)
		if err != nil || raw == nil {
			return err
		}
		return e.Print(raw)
	})
	return c
}

// routePath is the id of route name in route table table.
func (e *env) routePath(rg, table, name string) string {
	return e.Client.NetPath(rg, "routeTables", table, "routes", name)
}

func routeCreateCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name, table, prefix, hopType, hopIP string
	var noWait bool
	c, a := newNetCommand("create", "Create a route in a route table.")
	a.resourceGroup(&rg).req()
	a.str(&name, "Route name.", "-n", "--name").req()
	a.str(&table, "Route table name.", "--route-table-name").req()
	a.str(&prefix, "The destination CIDR to which the route applies.", "--address-prefix")
	a.str(&hopIP, "The IP address packets should be forwarded to when using the VirtualAppliance hop type.", "--next-hop-ip-address")
	a.choice(&hopType, routeNextHopTypes, "The type of Azure hop the packet should be sent to.", "--next-hop-type")
	a.noWait(&noWait)
	netRun(s, g, a, func(e *env) error {
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
		raw, err := e.PutResource(e.routePath(rg, table, name), apiNetwork, map[string]any{"name": name, "properties": props}, noWait)
		if err != nil || raw == nil {
			return err
		}
		return e.Print(raw)
	})
	return c
}

func routeShowCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name, table string
	var ids []string
	c, a := newNetCommand("show", "Get the details of a route in a route table.")
	a.resourceGroup(&rg).req().id()
	a.str(&name, "Route name.", "-n", "--name").req().id()
	a.str(&table, "Route table name.", "--route-table-name").req().id()
	a.withIDs(&ids)
	netRun(s, g, a, func(e *env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return e.routePath(rg, table, name) }), apiNetwork)
	})
	return c
}

func routeListCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, table string
	c, a := newNetCommand("list", "List routes in a route table.")
	a.resourceGroup(&rg).req()
	a.str(&table, "Route table name.", "--route-table-name").req()
	netRun(s, g, a, func(e *env) error {
		return e.List(e.Client.NetPath(rg, "routeTables", table, "routes"), apiNetwork)
	})
	return c
}

func routeDeleteCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name, table string
	var ids []string
	var noWait bool
	c, a := newNetCommand("delete", "Delete a route from a route table.")
	a.resourceGroup(&rg).req().id()
	a.str(&name, "Route name.", "-n", "--name").req().id()
	a.str(&table, "Route table name.", "--route-table-name").req().id()
	a.withIDs(&ids)
	a.noWait(&noWait)
	netRun(s, g, a, func(e *env) error {
		return e.DeleteAll(flags.Targets(ids, func() string { return e.routePath(rg, table, name) }), apiNetwork, noWait)
	})
	return c
}
