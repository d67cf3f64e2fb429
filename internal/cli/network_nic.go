package cli

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

func init() {
	networkCommands = append(networkCommands, command.Lazy{Name: "nic", Build: newNICCommand})
}

// newNICCommand mirrors `az network nic` list and show: the network
// interfaces are the nodes' NICs, created by the cluster provisioner.
func newNICCommand(s Streams, g *command.Globals) *cobra.Command {
	var listRG string
	list, la := newNetCommand("list", "List network interfaces.")
	la.resourceGroup(&listRG)
	netRun(s, g, la, func(e *env) error {
		if listRG == "" {
			return e.List(e.Client.NetSubscriptionPath("networkInterfaces"), apiNetwork)
		}
		return e.List(e.Client.NetPath(listRG, "networkInterfaces"), apiNetwork)
	})

	var rg, name string
	var ids []string
	show, sa := newNetCommand("show", "Get the details of a network interface.")
	sa.resourceGroup(&rg).req().id()
	sa.str(&name, "Name of the network interface (NIC).", "-n", "--name").req().id()
	sa.withIDs(&ids)
	netRun(s, g, sa, func(e *env) error {
		return e.ShowIDs(flags.Targets(ids, func() string { return e.Client.NetPath(rg, "networkInterfaces", name) }), apiNetwork)
	})
	return command.Group("nic", "Manage network interfaces.", list, show, newNICShowEffectiveRouteTableCommand(s, g))
}
