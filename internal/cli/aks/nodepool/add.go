package nodepool

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// addFlags are the arguments of `az aks nodepool add` that aksnet models.
type addFlags struct {
	poolFlags
	count, maxPods                    int
	mode, vmSize, osType, subnet, k8s string
	tags                              []string
	noWait                            bool
	modeFlag                          *flags.Flag
}

func newAddCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &addFlags{count: 3, mode: "User", osType: "Linux"}
	cmd := &cobra.Command{Use: "add", Short: "Add a node pool to the managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args(true)(a)
		a.Int(&f.count, "Number of nodes in the Kubernetes agent pool.", "--node-count", "-c")
		a.Int(&f.maxPods, "The maximum number of pods deployable to a node.", "--max-pods", "-m")
		f.modeFlag = a.String(&f.mode, "The mode for a node pool which defines a node pool's primary function. Allowed values: System, User, Gateway.", "--mode")
		a.String(&f.vmSize, "Size of Virtual Machines to create as Kubernetes nodes.", "--node-vm-size", "-s")
		a.String(&f.osType, "The OS Type. Linux or Windows (Windows is not supported with kubenet).", "--os-type")
		a.String(&f.subnet, "The ID of a subnet in an existing VNet into which to assign nodes in the cluster.", "--vnet-subnet-id")
		a.String(&f.k8s, "Version of Kubernetes to use for creating the node pool.", "--kubernetes-version", "-k")
		a.List(&f.tags, "Space-separated tags: key[=value].", "--tags")
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		spec := f.spec(e.Prog)
		if err := spec.Validate(e.Prog); err != nil {
			return err
		}
		names, err := e.Client.PoolNames(f.rg, f.cluster)
		if err != nil {
			return err
		}
		body, err := spec.Body(names)
		if err != nil {
			return err
		}
		return e.Put(f.path(e), client.APIAKS, body, f.noWait)
	})
}

// spec is the pool the flags ask for.
func (f *addFlags) spec(string) *client.PoolSpec {
	return &client.PoolSpec{Name: f.name, Count: f.count, MaxPods: f.maxPods, Mode: f.mode, ModeGiven: f.modeFlag.Changed(),
		VMSize: f.vmSize, OSType: f.osType, VNetSubnetID: f.subnet, KubernetesVersion: f.k8s, Tags: flags.Tags(f.tags)}
}
