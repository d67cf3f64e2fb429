// Package nodepool is `aksnet aks nodepool`, az's node pool commands over a
// cluster's agentPools child resources.
package nodepool

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az aks nodepool`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("nodepool", "Commands to manage node pools in Kubernetes kubernetes cluster.",
		newAddCommand(s, g), newListCommand(s, g), newShowCommand(s, g),
		newScaleCommand(s, g), newDeleteCommand(s, g))
}

// poolFlags are the arguments every nodepool command has.
type poolFlags struct{ rg, cluster, name string }

// args declares -g and --cluster-name, and the pool's name when withName.
func (p *poolFlags) args(withName bool) func(*flags.Set) {
	return func(a *flags.Set) {
		a.String(&p.rg, "Name of resource group.", "--resource-group", "-g").Required()
		a.String(&p.cluster, "The cluster name.", "--cluster-name").Required()
		if withName {
			a.String(&p.name, "The node pool name.", "--nodepool-name", "--name", "-n").Required()
		}
	}
}

// path is the pool's id.
func (p *poolFlags) path(e *command.Env) string {
	return e.Client.PoolsPath(p.rg, p.cluster) + "/" + p.name
}

// poolTable is az's aks_agentpool_show_table_format. Like az it asks for
// osDiskSizeGB, a key the printed pool spells osDiskSizeGb.
func poolTable(v any) any {
	return output.Rows(v, func(o *output.Object) any {
		return output.Columns(o, [2]string{"name", "name"}, [2]string{"osType", "osType"}, [2]string{"kubernetesVersion", "orchestratorVersion"},
			[2]string{"vmSize", "vmSize"}, [2]string{"osDiskSizeGB", "osDiskSizeGB"}, [2]string{"count", "count"}, [2]string{"maxPods", "maxPods"},
			[2]string{"provisioningState", "provisioningState"}, [2]string{"mode", "mode"})
	})
}

func newListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	p := &poolFlags{}
	cmd := &cobra.Command{Use: "list", Short: "List node pools in the managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, p.args(false), func(e *command.Env) error {
		e.Table = poolTable
		return e.List(e.Client.PoolsPath(p.rg, p.cluster), client.APIAKS)
	})
}

func newShowCommand(s command.Streams, g *command.Globals) *cobra.Command {
	p := &poolFlags{}
	cmd := &cobra.Command{Use: "show", Short: "Show the details for a node pool in the managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, p.args(true), func(e *command.Env) error {
		if err := client.ValidNodepoolName(p.name); err != nil {
			return err
		}
		e.Table = poolTable
		return e.Show(p.path(e), client.APIAKS)
	})
}

func newScaleCommand(s command.Streams, g *command.Globals) *cobra.Command {
	p := &poolFlags{}
	count := 3
	var noWait bool
	cmd := &cobra.Command{Use: "scale", Short: "Scale the node pool in a managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		p.args(true)(a)
		a.Int(&count, "Number of nodes in the Kubernetes node pool.", "--node-count", "-c")
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		if err := client.ValidNodepoolName(p.name); err != nil {
			return err
		}
		pool, err := e.Client.ScaledPool(p.path(e), count)
		if err != nil {
			return err
		}
		return e.Put(p.path(e), client.APIAKS, pool, noWait)
	})
}

func newDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	p := &poolFlags{}
	var noWait bool
	cmd := &cobra.Command{Use: "delete", Short: "Delete the agent pool in the managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		p.args(true)(a)
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		if err := client.ValidNodepoolName(p.name); err != nil {
			return err
		}
		if err := e.Client.PoolExists(p.rg, p.cluster, p.name); err != nil {
			return err
		}
		return e.Delete(p.path(e), client.APIAKS, noWait)
	})
}
