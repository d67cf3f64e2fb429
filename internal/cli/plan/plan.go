// Package plan is `aksnet plan`, the capacity planner: how many nodes and
// pods a layout holds, what it wastes and what Azure would refuse.
package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/planview"
	"github.com/spf13/cobra"
)

// planFlags are the inputs of `aksnet plan`.
type planFlags struct {
	plugin                              string
	subnet, podCIDR, serviceCIDR, dnsIP string
	vnet, avoid                         []string
	maxPods, nodeCount, maxSurge        int
	maxRoutes                           int
	fromCluster                         bool
	rg, name                            string
	args                                *flags.Set
}

// svgFormat is plan's extra output format.
const svgFormat = "svg"

// NewCommand is aksnet's capacity planner: how many nodes and pods a
// layout holds, what it wastes and what Azure would refuse, with the API's
// error codes and concrete fixes. Pure arithmetic (kubenet.PlanCapacity):
// it needs no server, except with --from-cluster, which reads a live
// cluster's layout through the API.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &planFlags{plugin: kubenet.PlanPluginKubenet}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Plan the address space of an AKS cluster: capacity, headroom, conflicts and fixes.",
		Long: `Plan the address space of an AKS cluster (kubenet, Azure CNI or Azure CNI overlay).

It reports the most nodes and pods the layout holds and what limits them (the
subnet, the pod CIDR or the route table), the IPs used and free, the node
count to stay within to keep room for scaling and a surge upgrade, every rule
Azure would refuse the layout for (with the API's error codes) or that would
hurt later, and concrete fixes, such as a free private range to use instead
of one in use on-premises.

-o table (the default), json (maxNodes, maxPods and the rest) or svg (a
picture of the address space). The exit code is 1 when Azure would refuse
the layout. With --from-cluster -g RG -n NAME the live cluster's layout is
read through the API (its subnet, VNet, nodes and pod CIDRs).`,
		Example: `  aksnet plan --subnet-prefix 192.168.1.0/24 --vnet-prefix 192.168.0.0/16
  aksnet plan --network-plugin azure --subnet-prefix 192.168.1.0/24 --max-pods 30
  aksnet plan --subnet-prefix 10.1.0.0/24 --vnet-prefix 10.1.0.0/16 --avoid 10.0.0.0/8 -o json
  aksnet plan --subnet-prefix 192.168.1.0/27 --node-count 3 -o svg > plan.svg
  aksnet plan --from-cluster -g myResourceGroup -n myAKSCluster`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd, s, g, f) },
	}
	a := flags.New(cmd, flags.Cobra)
	a.String(&f.plugin, "Network plugin: kubenet, azure (Azure CNI) or azure-overlay.", "--network-plugin")
	a.String(&f.subnet, "Address prefix of the node subnet, e.g. 192.168.1.0/24.", "--subnet-prefix")
	a.Int(&f.maxPods, "Maximum pods per node (default 110 for kubenet, 30 for azure, 250 for azure-overlay).", "--max-pods")
	a.Int(&f.nodeCount, "Nodes the cluster will run.", "--node-count")
	a.Int(&f.maxSurge, "Extra nodes an upgrade adds at once (default 2).", "--max-surge")
	a.String(&f.podCIDR, "Pod CIDR (kubenet and overlay; default 10.244.0.0/16).", "--pod-cidr")
	a.String(&f.serviceCIDR, "Service CIDR (default 10.0.0.0/16).", "--service-cidr")
	a.String(&f.dnsIP, "DNS service IP (default the .10 of the service CIDR).", "--dns-service-ip")
	a.List(&f.vnet, "Address prefix of the VNet; repeat for several.", "--vnet-prefix")
	a.List(&f.avoid, "A range in use elsewhere (on-premises, peered networks) that the layout must not overlap; repeat for several.", "--avoid")
	a.Int(&f.maxRoutes, "Routes a route table may hold (default 400).", "--max-routes")
	a.Switch(&f.fromCluster, "Evaluate the layout of the live cluster named by -g and -n.", "--from-cluster")
	// -g and -n are required with --from-cluster only (clusterInput).
	a.String(&f.rg, "Resource group of the cluster (with --from-cluster).", "--resource-group", "-g").Required()
	a.String(&f.name, "Name of the cluster (with --from-cluster).", "--name", "-n").Required()
	a.Done()
	f.args = a
	return cmd
}

// planInput is a layout to evaluate: the planner's input, the picture's
// extras, and where it came from.
type planInput struct {
	plan       kubenet.Plan
	subnetName string
	others     []planview.Subnet
	nodes      []planview.Node // live nodes; planned ones when nil
	clusterID  string
}

// pluginChoices are --network-plugin's values.
var pluginChoices = []string{kubenet.PlanPluginKubenet, kubenet.PlanPluginAzure, kubenet.PlanPluginAzureOverlay}

func runPlan(cmd *cobra.Command, s command.Streams, g *command.Globals, f *planFlags) error {
	format, e, err := planEnv(cmd, s, g)
	if err != nil {
		return err
	}
	plugin, err := flags.Enum(e.Prog, "--network-plugin", f.plugin, pluginChoices)
	if err != nil {
		return err
	}
	var in planInput
	if f.fromCluster {
		in, err = clusterInput(e, cmd, f)
	} else {
		in, err = flagsInput(f, plugin)
	}
	if err != nil {
		return err
	}
	if err := f.limits(cmd, &in.plan); err != nil {
		return err
	}
	res := kubenet.PlanCapacity(in.plan)
	rep := newPlanReport(in, res)
	if err := writePlan(e, format, in, res, rep); err != nil {
		return err
	}
	if !rep.Valid {
		var codes []string
		for _, f := range rep.Findings {
			if f.Severity == kubenet.SeverityError {
				codes = append(codes, f.Code)
			}
		}
		return &output.Error{Code: 1, Message: fmt.Sprintf("Azure would refuse this layout: %s.", strings.Join(codes, ", "))}
	}
	return nil
}

// planEnv is the command's environment: plan prints a table unless -o says
// otherwise, and knows one more format, svg.
func planEnv(cmd *cobra.Command, s command.Streams, g *command.Globals) (string, *command.Env, error) {
	format := strings.ToLower(g.Output)
	if fl := cmd.Flag("output"); fl != nil && !fl.Changed {
		format = string(output.Table)
	}
	gg := *g
	if format == svgFormat {
		gg.Output = string(output.JSON)
	} else {
		gg.Output = format
	}
	e, err := command.NewEnv(cmd, s, &gg, false)
	if err != nil {
		if format != svgFormat && strings.Contains(err.Error(), "is not a valid value for '--output'") {
			return "", nil, &output.Error{Code: 2, Message: fmt.Sprintf("%s: '%s' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none, svg.", cmd.CommandPath(), format)}
		}
		return "", nil, err
	}
	return format, e, nil
}

// clusterInput reads the layout of the cluster -g/-n names (--from-cluster),
// which no layout flag may accompany.
func clusterInput(e *command.Env, cmd *cobra.Command, f *planFlags) (planInput, error) {
	if err := f.args.Check(e.Prog, nil); err != nil {
		return planInput{}, err
	}
	for _, name := range []string{"subnet-prefix", "vnet-prefix", "pod-cidr", "service-cidr", "dns-service-ip", "network-plugin", "max-pods", "node-count"} {
		if cmd.Flag(name).Changed {
			return planInput{}, output.UsageError(fmt.Sprintf("usage error: --%s can't be combined with --from-cluster, which reads it from the cluster", name))
		}
	}
	if err := e.Connect(); err != nil {
		return planInput{}, err
	}
	return clusterPlan(e, f.rg, f.name)
}

// flagsInput is the layout the flags describe.
func flagsInput(f *planFlags, plugin string) (planInput, error) {
	var in planInput
	if f.rg != "" || f.name != "" {
		return in, output.UsageError("usage error: -g/--resource-group and -n/--name go with --from-cluster")
	}
	if strings.TrimSpace(f.subnet) == "" {
		return in, output.UsageError("the following arguments are required: --subnet-prefix")
	}
	in.plan.Plugin = plugin
	in.plan.MaxPods, in.plan.NodeCount = f.maxPods, f.nodeCount
	var err error
	for _, p := range []struct {
		flag, value string
		to          *netip.Prefix
	}{{"--subnet-prefix", f.subnet, &in.plan.SubnetPrefix}, {"--pod-cidr", f.podCIDR, &in.plan.PodCIDR}, {"--service-cidr", f.serviceCIDR, &in.plan.ServiceCIDR}} {
		if *p.to, err = planPrefix(p.flag, p.value); err != nil {
			return in, err
		}
	}
	if f.dnsIP != "" {
		if in.plan.DNSServiceIP, err = netip.ParseAddr(f.dnsIP); err != nil || !in.plan.DNSServiceIP.Is4() {
			return in, output.UsageError(fmt.Sprintf("argument --dns-service-ip: '%s' is not an IPv4 address", f.dnsIP))
		}
	}
	in.plan.VNetPrefixes, err = planPrefixes("--vnet-prefix", f.vnet)
	return in, err
}

// planPrefixes parses the values of a repeated CIDR flag.
func planPrefixes(flag string, values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		p, err := planPrefix(flag, v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// limits applies the flags both kinds of input take: ranges to avoid, the
// surge and the route limit; none of the counts may be negative.
func (f *planFlags) limits(cmd *cobra.Command, p *kubenet.Plan) error {
	avoid, err := planPrefixes("--avoid", f.avoid)
	if err != nil {
		return err
	}
	p.Avoid = append(p.Avoid, avoid...)
	if cmd.Flag("max-surge").Changed {
		p.MaxSurge = f.maxSurge
	}
	if f.maxRoutes != 0 {
		p.MaxRoutes = f.maxRoutes
	}
	if p.MaxPods < 0 || p.NodeCount < 0 || p.MaxSurge < 0 || p.MaxRoutes < 0 {
		return output.UsageError("usage error: --max-pods, --node-count, --max-surge and --max-routes can't be negative")
	}
	return nil
}

// writePlan prints the report as an SVG picture, a table or in the output
// format.
func writePlan(e *command.Env, format string, in planInput, res kubenet.PlanResult, rep planReport) error {
	switch {
	case format == svgFormat:
		_, err := e.Streams.Out.Write(planview.SVG(planLayout(in, res, rep)))
		return err
	case e.Format == output.Table && e.Globals.Query == "":
		_, err := fmt.Fprint(e.Streams.Out, planTable(rep))
		return err
	default:
		return e.PrintValue(rep)
	}
}

// planPrefix parses a CIDR flag; "" is no prefix. Host bits are allowed
// (the planner masks them), as in az's own arguments.
func planPrefix(flag, v string) (netip.Prefix, error) {
	if strings.TrimSpace(v) == "" {
		return netip.Prefix{}, nil
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(v))
	if err != nil {
		return netip.Prefix{}, output.UsageError(fmt.Sprintf("argument %s: '%s' is not a CIDR such as 10.244.0.0/16", flag, v))
	}
	return p, nil
}
