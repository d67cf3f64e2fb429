// Package nic is `aksnet network nic`, az network nic: the nodes' network interfaces and their effective routes.
package nic

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az network nic` list and show: the network
// interfaces are the nodes' NICs, created by the cluster provisioner.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var listRG string
	list := &cobra.Command{Use: "list", Short: "List network interfaces."}
	la := flags.New(list, flags.AAZ)
	la.ResourceGroup(&listRG)
	la.Done()
	list.RunE = command.RunE(s, g, la, func(e *command.Env) error {
		if listRG == "" {
			return e.List(e.Client.NetSubscriptionPath("networkInterfaces"), client.APINetwork)
		}
		return e.List(e.Client.NetPath(listRG, "networkInterfaces"), client.APINetwork)
	})

	var rg, name string
	var ids []string
	show := &cobra.Command{Use: "show", Short: "Get the details of a network interface."}
	sa := flags.New(show, flags.AAZ)
	sa.ResourceGroup(&rg).Required().ID()
	sa.String(&name, "Name of the network interface (NIC).", "-n", "--name").Required().ID()
	sa.IDs(&ids)
	sa.Done()
	show.RunE = command.RunE(s, g, sa, func(e *command.Env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return e.Client.NetPath(rg, "networkInterfaces", name) }), client.APINetwork)
	})
	return command.Group("nic", "Manage network interfaces.", list, show, newNICShowEffectiveRouteTableCommand(s, g))
}
