// Package nic is `aksnet network nic`, az network nic: the nodes' network interfaces and their effective routes.
package nic

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/network/resource"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az network nic` list and show: the network
// interfaces are the nodes' NICs, created by the cluster provisioner.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("nic", "Manage network interfaces.", nics.List(s, g), nics.Show(s, g), nicUpdateCommand(s, g), newNICShowEffectiveRouteTableCommand(s, g))
}

// nicUpdateCommand is az network nic update with --ip-forwarding and
// --tags: a NIC that stops forwarding drops the packets it routes for
// others, a kubenet node's pod traffic among them.
func nicUpdateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var forwarding bool
	var fwd *flags.Flag
	return nics.Update(s, g, "Update a network interface.", func(a *flags.Set) {
		fwd = a.Bool(&forwarding, "Enable IP forwarding.  Allowed values: false, true.", "--ip-forwarding")
	}, func(_ *command.Env, _, props map[string]any) error {
		if fwd.Changed() {
			props["enableIPForwarding"] = forwarding
		}
		return nil
	})
}

// nics is az network nic's list and show.
var nics = resource.TopLevel{Type: "networkInterfaces", NameHelp: "Name of the network interface (NIC).",
	ShowShort: "Get the details of a network interface.", ListShort: "List network interfaces."}
