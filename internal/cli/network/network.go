// Package network is `aksnet network`, az's network command groups, each in
// its own subpackage; only the group the command line names is built.
package network

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/network/nic"
	"github.com/aksnet/aksnet/internal/cli/network/nsg"
	"github.com/aksnet/aksnet/internal/cli/network/routetable"
	"github.com/aksnet/aksnet/internal/cli/network/vnet"
	"github.com/aksnet/aksnet/internal/cli/network/watcher"
	"github.com/spf13/cobra"
)

// groups are az network's command groups that aksnet mirrors.
var groups = []command.Lazy{
	{Name: "nic", Build: nic.NewCommand},
	{Name: "nsg", Build: nsg.NewCommand},
	{Name: "route-table", Build: routetable.NewCommand},
	{Name: "vnet", Build: vnet.NewCommand},
	{Name: "watcher", Build: watcher.NewCommand},
}

// NewCommand mirrors `az network`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("network", "Manage Azure Network resources.", command.Branch(s, g, "network", groups)...)
}
