package nic

import (
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/network/resource"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// newNICShowEffectiveRouteTableCommand mirrors `az network nic
// show-effective-route-table`: the routes the fabric applies to a NIC, the
// system routes of its VNet merged with its subnet's route table. az's table
// output shows Source, State, Address Prefix, Next Hop Type and Next Hop IP.
func newNICShowEffectiveRouteTableCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	cmd := &cobra.Command{Use: "show-effective-route-table", Short: "Show the effective route table applied to a network interface."}
	return command.Leaf(s, g, cmd, flags.AAZ, func(a *flags.Set) {
		cmd.Example = "  aksnet network nic show-effective-route-table -g MC_myResourceGroup_myAKSCluster_eastus -n aks-nodepool1-12345678-vmss000000 -o table"
		a.ResourceGroup(&rg).Required().ID()
		a.String(&name, "Name of the network interface (NIC).", "-n", "--name").Required().ID()
		a.IDs(&ids)
	}, func(e *command.Env) error {
		e.Table = effectiveRouteTable
		nics := flags.Targets(ids, func() string { return e.Client.NetPath(rg, "networkInterfaces", name) })
		return e.PrintEach(nics, func(nic string) (any, error) {
			raw, err := e.PostAction(nic+"/effectiveRouteTable", client.APINetwork, nil)
			if err != nil {
				return nil, err
			}
			return client.DecodeEffectiveRoutes(raw)
		})
	})
}

// effectiveRouteTable is az's transform_effective_route_table.
func effectiveRouteTable(v any) any {
	list, _ := v.(*output.Object)
	if list == nil {
		return v
	}
	routes, _ := list.Get("value")
	items, _ := routes.([]any)
	rows := make([]any, 0, len(items))
	join := func(x any) string { return strings.Join(resource.Strings(x), " ") }
	for _, it := range items {
		o, ok := it.(*output.Object)
		if !ok {
			continue
		}
		get := func(k string) any { x, _ := o.Get(k); return x }
		r := output.NewObject()
		r.Set("Source", get("source"))
		r.Set("State", get("state"))
		r.Set("Address Prefix", join(get("addressPrefix")))
		r.Set("Next Hop Type", get("nextHopType"))
		r.Set("Next Hop IP", join(get("nextHopIpAddress")))
		rows = append(rows, r)
	}
	return rows
}
