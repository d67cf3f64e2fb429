package cli

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// netTopLevel is a top-level network resource type whose show, list and
// delete commands az builds the same way: -g/-n or --ids, a subscription
// list without -g, and --no-wait on delete.
type netTopLevel struct {
	typ                            string // ARM type segment, e.g. "routeTables"
	nameHelp                       string // help of -n/--name
	showShort, listShort, delShort string
}

func (r netTopLevel) show(s Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	c, a := newNetCommand("show", r.showShort)
	a.resourceGroup(&rg).req().id()
	a.str(&name, r.nameHelp, "-n", "--name").req().id()
	a.withIDs(&ids)
	netRun(s, g, a, func(e *env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.typ, name) }), apiNetwork)
	})
	return c
}

func (r netTopLevel) list(s Streams, g *command.Globals) *cobra.Command {
	var rg string
	c, a := newNetCommand("list", r.listShort)
	a.resourceGroup(&rg)
	netRun(s, g, a, func(e *env) error {
		if rg == "" {
			return e.List(e.Client.NetSubscriptionPath(r.typ), apiNetwork)
		}
		return e.List(e.Client.NetPath(rg, r.typ), apiNetwork)
	})
	return c
}

func (r netTopLevel) delete(s Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	var noWait bool
	c, a := newNetCommand("delete", r.delShort)
	a.resourceGroup(&rg).req().id()
	a.str(&name, r.nameHelp, "-n", "--name").req().id()
	a.withIDs(&ids)
	a.noWait(&noWait)
	netRun(s, g, a, func(e *env) error {
		return e.DeleteAll(flags.Targets(ids, func() string { return e.Client.NetPath(rg, r.typ, name) }), apiNetwork, noWait)
	})
	return c
}

var (
	netNSGs = netTopLevel{typ: "networkSecurityGroups", nameHelp: "Name of the network security group.",
		showShort: "Get information about a network security group.", listShort: "List network security groups.", delShort: "Delete a network security group."}
	netRouteTables = netTopLevel{typ: "routeTables", nameHelp: "Name of the route table.",
		showShort: "Get the details of a route table.", listShort: "List route tables.", delShort: "Delete a route table."}
	netVNets = netTopLevel{typ: "virtualNetworks", nameHelp: "The virtual network (VNet) name.",
		showShort: "Get the details of a virtual network.", delShort: "Delete a virtual network."}
)
