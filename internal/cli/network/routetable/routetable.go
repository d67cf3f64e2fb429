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
		routeTableCreateCommand(s, g), routeTables.Show(s, g), routeTables.List(s, g), routeTableUpdateCommand(s, g), routeTables.Delete(s, g),
		command.Group("route", "Manage routes in a route table.",
			routeCreateCommand(s, g), routes.Show(s, g), routes.List(s, g), routeUpdateCommand(s, g), routes.Delete(s, g)))
}

// routeTableUpdateCommand is az network route-table update: the BGP
// setting and the tags; the routes and subnets stay as they are.
func routeTableUpdateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var disableBGP bool
	var bgp *flags.Flag
	return routeTables.Update(s, g, "Update a route table.", func(a *flags.Set) {
		bgp = a.Bool(&disableBGP, "Disable routes learned by BGP.  Allowed values: false, true.", "--disable-bgp-route-propagation")
	}, func(_ *command.Env, _, props map[string]any) error {
		if bgp.Changed() {
			props["disableBgpRoutePropagation"] = disableBGP
		}
		return nil
	})
}

// routeUpdateCommand is az network route-table route update: the prefix
// and next hop given change, the rest stays; --next-hop-ip-address ""
// removes the address (for a next hop type that takes none).
func routeUpdateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var prefix, hopType, hopIP string
	var prefixArg, typeArg, ipArg *flags.Flag
	return routes.Update(s, g, "Update a route in a route table.", func(a *flags.Set) {
		prefixArg = a.String(&prefix, "The destination CIDR to which the route applies.", "--address-prefix")
		ipArg = a.String(&hopIP, "The IP address packets should be forwarded to when using the VirtualAppliance hop type.", "--next-hop-ip-address")
		typeArg = a.Choice(&hopType, routeNextHopTypes, "The type of Azure hop the packet should be sent to.", "--next-hop-type")
	}, func(_ *command.Env, _, props map[string]any) error {
		if prefixArg.Changed() {
			props["addressPrefix"] = prefix
		}
		if typeArg.Changed() {
			props["nextHopType"] = hopType
		}
		if ipArg.Changed() {
			if hopIP == "" {
				delete(props, "nextHopIpAddress")
			} else {
				props["nextHopIpAddress"] = hopIP
			}
		}
		return nil
	})
}

func routeTableCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, location string
	var tags []string
	var disableBGP, noWait bool
	c := &cobra.Command{Use: "create", Short: "Create a route table."}
	var bgp *flags.Flag
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required()
		a.String(&name, "Name of the route table.", "-n", "--name").Required()
		a.String(&location, "Location. Default: the resource group's location.", "--location", "-l")
		bgp = a.Bool(&disableBGP, "Disable routes learned by BGP.  Allowed values: false, true.", "--disable-bgp-route-propagation")
		a.List(&tags, "Space-separated tags: key[=value] [key[=value] ...].", "--tags")
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		props := map[string]any{}
		if bgp.Changed() {
			props["disableBgpRoutePropagation"] = disableBGP
		}
		raw, err := routeTables.Put(e, rg, name, location, tags, props, noWait)
		if err != nil || raw == nil {
			return err
		}
		return e.Print(raw)
	})
}

func routeCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var prefix, hopType, hopIP string
	return routes.Create(s, g, "Create a route in a route table.", func(a *flags.Set) {
		a.String(&prefix, "The destination CIDR to which the route applies.", "--address-prefix")
		a.String(&hopIP, "The IP address packets should be forwarded to when using the VirtualAppliance hop type.", "--next-hop-ip-address")
		a.Choice(&hopType, routeNextHopTypes, "The type of Azure hop the packet should be sent to.", "--next-hop-type")
	}, func(*command.Env, string) (map[string]any, error) {
		props := map[string]any{}
		client.SetGiven(props, "addressPrefix", prefix)
		client.SetGiven(props, "nextHopType", hopType)
		client.SetGiven(props, "nextHopIpAddress", hopIP)
		return props, nil
	})
}

// routeTables is az network route-table's show, list and delete.
var routeTables = resource.TopLevel{Type: "routeTables", NameHelp: "Name of the route table.",
	ShowShort: "Get the details of a route table.", ListShort: "List route tables.", DelShort: "Delete a route table."}

// routes is az network route-table route's show, list and delete.
var routes = resource.Child{ParentType: "routeTables", ParentOpt: "--route-table-name", ParentHelp: "Route table name.",
	Type: "routes", NameHelp: "Route name.",
	ShowShort: "Get the details of a route in a route table.", ListShort: "List routes in a route table.", DelShort: "Delete a route from a route table."}
