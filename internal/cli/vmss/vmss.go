// Package vmss is `aksnet vmss`, az vmss's reads of the scale sets AKS
// makes for its agent pools: list, list-instances and nic list.
package vmss

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// rgHelp is az's help of -g.
const rgHelp = "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`."

// NewCommand mirrors `az vmss` list, list-instances and nic list.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("vmss", "Manage groupings of virtual machines in an Azure Virtual Machine Scale Set (VMSS).",
		newListCommand(s, g), newListInstancesCommand(s, g),
		command.Group("nic", "Manage network interfaces of a VMSS.", newNICListCommand(s, g)))
}

// newListCommand is az vmss list [-g]: the scale sets of a group, or of the
// subscription without -g.
func newListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg string
	c := &cobra.Command{Use: "list", Short: "List Virtual Machine Scale Sets."}
	return command.Leaf(s, g, c, flags.Knack, func(a *flags.Set) {
		a.String(&rg, rgHelp, "--resource-group", "-g")
	}, func(e *command.Env) error {
		return e.List(e.Client.ListPath(rg, "Microsoft.Compute/virtualMachineScaleSets"), client.APICompute)
	})
}

// newListInstancesCommand is az vmss list-instances -g -n.
func newListInstancesCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	c := &cobra.Command{Use: "list-instances", Short: "Get a list of all virtual machines in a VM scale sets."}
	return command.Leaf(s, g, c, flags.Knack, func(a *flags.Set) {
		a.String(&rg, rgHelp, "--resource-group", "-g").Required()
		a.String(&name, "Scale set name. You can configure the default using `az configure --defaults vmss=<name>`.", "--name", "-n", "--virtual-machine-scale-set-name").Required()
	}, func(e *command.Env) error {
		return e.List(e.Client.ComputePath(rg, "virtualMachineScaleSets", name, "virtualMachines"), client.APICompute)
	})
}

// newNICListCommand is az vmss nic list -g --vmss-name (an AAZ command in
// az 2.45): the network interfaces of every instance of the scale set.
func newNICListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	c := &cobra.Command{Use: "list", Short: "Get all network interfaces in a virtual machine scale set."}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required()
		a.String(&name, "Scale set name. You can configure the default using `az configure --defaults vmss=<name>`", "--vmss-name", "--virtual-machine-scale-set-name").Required()
	}, func(e *command.Env) error {
		return e.ListAAZ(e.Client.ComputePath(rg, "virtualMachineScaleSets", name, "networkInterfaces"), client.APIVMSSNIC)
	})
}
