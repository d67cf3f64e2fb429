// Package watcher is `aksnet network watcher`, az network watcher: the regional Network Watcher and its next-hop query.
package watcher

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az network watcher` list and show-next-hop.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	list := command.Leaf(s, g, &cobra.Command{Use: "list", Short: "List Network Watchers."}, flags.AAZ, func(*flags.Set) {},
		func(e *command.Env) error {
			return e.List(e.Client.NetSubscriptionPath("networkWatchers"), client.APINetwork)
		})
	return command.Group("watcher", "Manage the Azure Network Watcher.", list, newWatcherShowNextHopCommand(s, g))
}

// newWatcherShowNextHopCommand mirrors `az network watcher show-next-hop`:
// the next hop of a packet leaving a VM's NIC, from the NIC's effective
// routes. --vm takes a VM, a scale set instance or a NIC, by id or by name
// (a name is looked up as a VM, then as a NIC in the resource group, then as
// a NIC anywhere in the subscription, which finds AKS nodes by node name).
// As in Azure, the watcher of the target's region (NetworkWatcher_<location>
// in NetworkWatcherRG) is used, and created when the region has none.
func newWatcherShowNextHopCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, vm, src, dst, nic string
	cmd := &cobra.Command{Use: "show-next-hop", Short: "Get information on the 'next hop' of a VM."}
	cmd.Long = `Get information on the 'next hop' of a VM.

Requires that Network Watcher is enabled for the region in which the VM is
located; aksnet enables it (NetworkWatcher_<location> in NetworkWatcherRG)
when it is not, as Azure does when a virtual network is created.`
	cmd.Example = "  aksnet network watcher show-next-hop -g MC_myResourceGroup_myAKSCluster_eastus \\\n" +
		"      --vm aks-nodepool1-12345678-vmss000000 --source-ip 192.168.1.4 --dest-ip 10.244.1.5"
	return command.Leaf(s, g, cmd, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg)
		a.String(&vm, "Name or ID of the VM (or network interface) to target. If the name of the VM is provided, the --resource-group is required.", "--vm").Required()
		a.String(&src, "Source IPv4 address.", "--source-ip").Required()
		a.String(&dst, "Destination IPv4 address.", "--dest-ip").Required()
		a.String(&nic, "Name or ID of the NIC resource to test. If the VM has multiple NICs and IP forwarding is enabled on any of them, this parameter is required.", "--nic")
	}, func(e *command.Env) error {
		w, params, err := e.Client.NextHopQuery(rg, vm, src, dst, nic)
		if err != nil {
			return err
		}
		raw, err := e.PostAction(w+"/nextHop", client.APINetwork, params)
		if err != nil {
			return err
		}
		hop, err := client.DecodeNextHop(raw)
		if err != nil {
			return err
		}
		return e.PrintValue(hop)
	})
}
