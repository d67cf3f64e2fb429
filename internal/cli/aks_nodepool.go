package cli

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// newAKSNodepoolCommand mirrors `az aks nodepool`, over the cluster's
// agentPools child resources.
func newAKSNodepoolCommand(s Streams, g *command.Globals) *cobra.Command {
	return command.Group("nodepool", "Commands to manage node pools in Kubernetes kubernetes cluster.",
		newAKSNodepoolAddCommand(s, g), newAKSNodepoolListCommand(s, g), newAKSNodepoolShowCommand(s, g),
		newAKSNodepoolScaleCommand(s, g), newAKSNodepoolDeleteCommand(s, g))
}

// aksPoolsPath is the agentPools collection of a cluster.
func (e *env) aksPoolsPath(rg, cluster string) string {
	return e.aksClusterPath(rg, cluster) + "/agentPools"
}

// aksPoolFlags binds the arguments every nodepool command has.
type aksPoolFlags struct{ rg, cluster, name string }

func (p *aksPoolFlags) bind(cmd *cobra.Command, withName bool) {
	fl := cmd.Flags()
	fl.StringVarP(&p.rg, "resource-group", "g", "", "Name of resource group.")
	fl.StringVar(&p.cluster, "cluster-name", "", "The cluster name.")
	if withName {
		fl.StringVarP(&p.name, "name", "n", "", "The node pool name.")
		fl.StringVar(&p.name, "nodepool-name", "", "The node pool name.")
	}
}

func (p *aksPoolFlags) check(withName bool) error {
	if !withName {
		return required("--resource-group/-g", p.rg, "--cluster-name", p.cluster)
	}
	if err := required("--resource-group/-g", p.rg, "--cluster-name", p.cluster, "--nodepool-name/--name/-n", p.name); err != nil {
		return err
	}
	return aksValidNodepoolName(p.name)
}

// aksPoolTable is az's aks_agentpool_show_table_format. Like az it asks for
// osDiskSizeGB, a key the printed pool spells osDiskSizeGb.
func aksPoolTable(v any) any {
	row := func(item any) any {
		o, ok := item.(*output.Object)
		if !ok {
			return item
		}
		r := output.NewObject()
		for _, kv := range [][2]string{{"name", "name"}, {"osType", "osType"}, {"kubernetesVersion", "orchestratorVersion"},
			{"vmSize", "vmSize"}, {"osDiskSizeGB", "osDiskSizeGB"}, {"count", "count"}, {"maxPods", "maxPods"},
			{"provisioningState", "provisioningState"}, {"mode", "mode"}} {
			x, _ := o.Get(kv[1])
			r.Set(kv[0], x)
		}
		return r
	}
	if l, ok := v.([]any); ok {
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = row(x)
		}
		return out
	}
	return []any{row(v)}
}

// aksPoolNames lists the names of a cluster's pools.
func (e *env) aksPoolNames(rg, cluster string) ([]string, error) {
	items, err := e.Client.ListItems(e.aksPoolsPath(rg, cluster), apiAKS)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, raw := range items {
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &p) == nil {
			names = append(names, p.Name)
		}
	}
	return names, nil
}

func newAKSNodepoolAddCommand(s Streams, g *command.Globals) *cobra.Command {
	p := &aksPoolFlags{}
	var count, maxPods int
	var mode, vmSize, osType, subnet, k8s string
	var tags []string
	var noWait bool
	cmd := &cobra.Command{
		Use: "add", Short: "Add a node pool to the managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, cmd *cobra.Command, _ []string) error {
			if err := p.check(true); err != nil {
				return err
			}
			if cmd.Flags().Changed("mode") {
				var err error
				if mode, err = aksEnum(e, "--mode", mode, aksNodepoolModes); err != nil {
					return err
				}
			}
			if subnet != "" && !aksIsResourceID(subnet) {
				return aksCLIError("--vnet-subnet-id is not a valid Azure resource ID.")
			}
			if k8s != "" {
				var err error
				if k8s, err = aksK8sVersion(k8s); err != nil {
					return err
				}
			}
			names, err := e.aksPoolNames(p.rg, p.cluster)
			if err != nil {
				return err
			}
			for _, n := range names {
				if n == p.name {
					return aksCLIError("Node pool %s already exists, please try a different name, use 'aks nodepool list' to get current list of node pool", p.name)
				}
			}
			if strings.EqualFold(osType, "windows") && len(p.name) > 6 {
				return aksCLIError("Windows nodepool name cannot be longer than 6 characters")
			}
			if vmSize == "" {
				vmSize = "Standard_DS2_v2"
				if strings.EqualFold(osType, "windows") {
					vmSize = "Standard_D2s_v3"
				}
			}
			props := map[string]any{
				"count": count, "vmSize": vmSize, "osType": osType, "type": "VirtualMachineScaleSets", "mode": mode,
				"orchestratorVersion": k8s, "enableAutoScaling": false, "scaleSetPriority": "Regular",
				"scaleSetEvictionPolicy": "Delete", "spotMaxPrice": -1.0, "nodeTaints": []string{}, "upgradeSettings": map[string]any{},
				"enableNodePublicIP": false, "enableEncryptionAtHost": false, "enableUltraSSD": false, "enableFIPS": false,
			}
			if subnet != "" {
				props["vnetSubnetID"] = subnet
			}
			if maxPods != 0 {
				props["maxPods"] = maxPods
			}
			if len(tags) > 0 {
				props["tags"] = flags.Tags(tags)
			}
			return e.Put(e.aksPoolsPath(p.rg, p.cluster)+"/"+p.name, apiAKS, map[string]any{"properties": props}, noWait)
		}),
	}
	p.bind(cmd, true)
	fl := cmd.Flags()
	fl.IntVarP(&count, "node-count", "c", 3, "Number of nodes in the Kubernetes agent pool.")
	fl.IntVarP(&maxPods, "max-pods", "m", 0, "The maximum number of pods deployable to a node.")
	fl.StringVar(&mode, "mode", "User", "The mode for a node pool which defines a node pool's primary function. Allowed values: System, User, Gateway.")
	fl.StringVarP(&vmSize, "node-vm-size", "s", "", "Size of Virtual Machines to create as Kubernetes nodes.")
	fl.StringVar(&osType, "os-type", "Linux", "The OS Type. Linux or Windows (Windows is not supported with kubenet).")
	fl.StringVar(&subnet, "vnet-subnet-id", "", "The ID of a subnet in an existing VNet into which to assign nodes in the cluster.")
	fl.StringVarP(&k8s, "kubernetes-version", "k", "", "Version of Kubernetes to use for creating the node pool.")
	fl.StringSliceVar(&tags, "tags", nil, "Space-separated tags: key[=value].")
	fl.BoolVar(&noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	return cmd
}

func newAKSNodepoolListCommand(s Streams, g *command.Globals) *cobra.Command {
	p := &aksPoolFlags{}
	cmd := &cobra.Command{
		Use: "list", Short: "List node pools in the managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := p.check(false); err != nil {
				return err
			}
			e.Table = aksPoolTable
			return e.List(e.aksPoolsPath(p.rg, p.cluster), apiAKS)
		}),
	}
	p.bind(cmd, false)
	return cmd
}

func newAKSNodepoolShowCommand(s Streams, g *command.Globals) *cobra.Command {
	p := &aksPoolFlags{}
	cmd := &cobra.Command{
		Use: "show", Short: "Show the details for a node pool in the managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := p.check(true); err != nil {
				return err
			}
			e.Table = aksPoolTable
			return e.Show(e.aksPoolsPath(p.rg, p.cluster)+"/"+p.name, apiAKS)
		}),
	}
	p.bind(cmd, true)
	return cmd
}

func newAKSNodepoolScaleCommand(s Streams, g *command.Globals) *cobra.Command {
	p := &aksPoolFlags{}
	var count int
	var noWait bool
	cmd := &cobra.Command{
		Use: "scale", Short: "Scale the node pool in a managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := p.check(true); err != nil {
				return err
			}
			path := e.aksPoolsPath(p.rg, p.cluster) + "/" + p.name
			r, err := e.Client.Call(http.MethodGet, path, apiAKS, nil)
			if err != nil {
				return err
			}
			var pool map[string]any
			d := json.NewDecoder(strings.NewReader(string(r.Body)))
			d.UseNumber()
			if err := d.Decode(&pool); err != nil {
				return err
			}
			props, _ := pool["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
				pool["properties"] = props
			}
			if auto, _ := props["enableAutoScaling"].(bool); auto {
				return aksCLIError("Cannot scale cluster autoscaler enabled node pool.")
			}
			if n, ok := props["count"].(json.Number); ok && n.String() == aksJSONInt(count) {
				return aksCLIError("The new node count is the same as the current node count.")
			}
			props["count"] = count
			return e.Put(path, apiAKS, pool, noWait)
		}),
	}
	p.bind(cmd, true)
	cmd.Flags().IntVarP(&count, "node-count", "c", 3, "Number of nodes in the Kubernetes node pool.")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	return cmd
}

func aksJSONInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func newAKSNodepoolDeleteCommand(s Streams, g *command.Globals) *cobra.Command {
	p := &aksPoolFlags{}
	var noWait bool
	cmd := &cobra.Command{
		Use: "delete", Short: "Delete the agent pool in the managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := p.check(true); err != nil {
				return err
			}
			names, err := e.aksPoolNames(p.rg, p.cluster)
			if err != nil {
				return err
			}
			found := false
			for _, n := range names {
				if strings.EqualFold(n, p.name) {
					found = true
				}
			}
			if !found {
				return aksCLIError("Node pool %s doesnt exist, use 'aks nodepool list' to get current node pool list", p.name)
			}
			return e.Delete(e.aksPoolsPath(p.rg, p.cluster)+"/"+p.name, apiAKS, noWait)
		}),
	}
	p.bind(cmd, true)
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	return cmd
}
