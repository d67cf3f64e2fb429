// Package aks is `aksnet aks`, az's managed Kubernetes cluster commands,
// with the node pool, trace and test workload groups in its subpackages.
package aks

import (
	"github.com/aksnet/aksnet/internal/cli/aks/nodepool"
	"github.com/aksnet/aksnet/internal/cli/aks/trace"
	"github.com/aksnet/aksnet/internal/cli/aks/workload"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az aks`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	aks := command.Group("aks", "Manage Azure Kubernetes Services.",
		newCreateCommand(s, g), newShowCommand(s, g), newListCommand(s, g),
		newScaleCommand(s, g), newDeleteCommand(s, g), newStopCommand(s, g), newStartCommand(s, g), newGetCredentialsCommand(s, g), newGetVersionsCommand(s, g), nodepool.NewCommand(s, g), trace.NewCommand(s, g))
	aks.AddCommand(workload.NewCommands(s, g)...)
	return aks
}

// aksClusterTable is az's aks_show_table_format / aks_list_table_format.
func aksClusterTable(v any) any {
	return output.Rows(v, func(o *output.Object) any {
		get := func(k string) any { x, _ := o.Get(k); return x }
		r := output.NewObject()
		for _, k := range []string{"name", "location", "resourceGroup", "kubernetesVersion", "currentKubernetesVersion", "provisioningState"} {
			r.Set(k, get(k))
		}
		fqdn := get("fqdn")
		if s, _ := fqdn.(string); s == "" {
			fqdn = get("privateFqdn")
		}
		r.Set("fqdn", fqdn)
		return r
	})
}

// clusterFlags are the -g and -n that name a cluster.
type clusterFlags struct{ rg, name string }

// args declares -g and -n.
func (f *clusterFlags) args() func(*flags.Set) {
	return func(a *flags.Set) {
		a.String(&f.rg, "Name of resource group.", "--resource-group", "-g").Required()
		a.String(&f.name, "Name of the managed cluster.", "--name", "-n").Required()
	}
}

func newShowCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &clusterFlags{}
	cmd := &cobra.Command{Use: "show", Short: "Show the details for a managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, f.args(), func(e *command.Env) error {
		e.Table = aksClusterTable
		return e.Show(e.Client.ClusterPath(f.rg, f.name), client.APIAKS)
	})
}

func newListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg string
	cmd := &cobra.Command{Use: "list", Short: "List managed Kubernetes clusters.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		a.String(&rg, "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.", "--resource-group", "-g")
	}, func(e *command.Env) error {
		e.Table = aksClusterTable
		return e.List(e.Client.ListPath(rg, "Microsoft.ContainerService/managedClusters"), client.APIAKS)
	})
}

type scaleFlags struct {
	clusterFlags
	pool   string
	count  int
	noWait bool
}

func newScaleCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &scaleFlags{}
	cmd := &cobra.Command{Use: "scale", Short: "Scale the node pool in a managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args()(a)
		a.Int(&f.count, "Number of nodes in the Kubernetes node pool.", "--node-count", "-c").Required()
		a.String(&f.pool, "Node pool name, up to 12 alphanumeric characters.", "--nodepool-name")
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		if err := client.ValidNodepoolName(f.pool); err != nil {
			return err
		}
		raw, err := e.Client.ScaleCluster(f.rg, f.name, f.pool, f.count, f.noWait, e.Wait)
		if err != nil || raw == nil {
			return err
		}
		return e.Print(raw)
	})
}

type deleteFlags struct {
	clusterFlags
	yes, noWait bool
}

func newDeleteCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &deleteFlags{}
	cmd := &cobra.Command{Use: "delete", Short: "Delete a managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args()(a)
		a.Switch(&f.yes, "Do not prompt for confirmation.", "--yes", "-y")
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		if err := e.Confirm(f.yes); err != nil {
			return err
		}
		return e.Delete(e.Client.ClusterPath(f.rg, f.name), client.APIAKS, f.noWait)
	})
}
