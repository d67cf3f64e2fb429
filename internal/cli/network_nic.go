package cli

import (
	"github.com/spf13/cobra"
)

func init() { networkCommands = append(networkCommands, lazyCommand{"nic", newNICCommand}) }

// newNICCommand mirrors `az network nic` list and show: the network
// interfaces are the nodes' NICs, created by the cluster provisioner.
func newNICCommand(s Streams, g *globalFlags) *cobra.Command {
	var listRG string
	list, la := newNetCommand("list", "List network interfaces.")
	la.resourceGroup(&listRG)
	netRun(s, g, la, func(e *env) error {
		if listRG == "" {
			return e.list(e.netSubscriptionPath("networkInterfaces"), apiNetwork)
		}
		return e.list(e.netPath(listRG, "networkInterfaces"), apiNetwork)
	})

	var rg, name string
	var ids []string
	show, sa := newNetCommand("show", "Get the details of a network interface.")
	sa.resourceGroup(&rg).req().id()
	sa.str(&name, "Name of the network interface (NIC).", "-n", "--name").req().id()
	sa.withIDs(&ids)
	netRun(s, g, sa, func(e *env) error {
		return e.netShowIDs(netTargets(ids, func() string { return e.netPath(rg, "networkInterfaces", name) }))
	})
	return group("nic", "Manage network interfaces.", list, show, newNICShowEffectiveRouteTableCommand(s, g))
}
