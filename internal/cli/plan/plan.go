// Package plan is `aksnet plan`, the capacity planner: how many nodes and
// pods a layout holds, what it wastes and what Azure would refuse.
package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
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

// planRange is a low–high pair.
type planRange struct {
	Low  int `json:"low"`
	High int `json:"high"`
}

type planFinding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Target   string `json:"target"`
	Message  string `json:"message"`
}

type planIPs struct {
	Total    int `json:"total"`
	Reserved int `json:"reserved"`
	Usable   int `json:"usable"`
	Used     int `json:"used"`
	Free     int `json:"free"`
}

type planHeadroom struct {
	// ScaleNodes is how many nodes can still be added with room left for
	// a surge upgrade.
	ScaleNodes int `json:"scaleNodes"`
	// SurgeNodes is the room kept for an upgrade.
	SurgeNodes int `json:"surgeNodes"`
	// SurgeFits says whether NodeCount nodes can be upgraded.
	SurgeFits bool `json:"surgeFits"`
}

// planReport is plan's answer (-o json).
type planReport struct {
	Cluster          string        `json:"cluster,omitempty"`
	NetworkPlugin    string        `json:"networkPlugin"`
	SubnetPrefix     string        `json:"subnetPrefix"`
	VNetPrefixes     []string      `json:"vnetPrefixes"`
	PodCIDR          string        `json:"podCidr,omitempty"`
	ServiceCIDR      string        `json:"serviceCidr"`
	DNSServiceIP     string        `json:"dnsServiceIP"`
	Avoid            []string      `json:"avoid"`
	MaxPodsPerNode   int           `json:"maxPodsPerNode"`
	NodeCount        int           `json:"nodeCount"`
	MaxSurge         int           `json:"maxSurge"`
	MaxNodes         int           `json:"maxNodes"`
	MaxPods          int           `json:"maxPods"`
	LimitedBy        string        `json:"limitedBy"`
	IPs              planIPs       `json:"ips"`
	RecommendedNodes planRange     `json:"recommendedNodes"`
	RecommendedPods  planRange     `json:"recommendedPods"`
	Headroom         planHeadroom  `json:"headroom"`
	RouteTableLimit  int           `json:"routeTableLimit"`
	PodCIDRCapacity  int           `json:"podCidrCapacity"`
	Findings         []planFinding `json:"findings"`
	Recommendations  []string      `json:"recommendations"`
	Valid            bool          `json:"valid"`
}

func newPlanReport(in planInput, r kubenet.PlanResult) planReport {
	p := in.plan
	rep := planReport{Cluster: in.clusterID, NetworkPlugin: r.Plugin, VNetPrefixes: []string{}, Avoid: []string{},
		MaxPodsPerNode: r.PodsPerNode, NodeCount: p.NodeCount, MaxNodes: r.MaxNodes, MaxPods: r.MaxPods, LimitedBy: r.LimitedBy,
		RecommendedNodes: planRange{r.RecommendedNodesLow, r.RecommendedNodesHigh}, RecommendedPods: planRange{r.PodsLow, r.PodsHigh},
		RouteTableLimit: r.RouteLimit, PodCIDRCapacity: r.PodCIDRCapacity, Findings: []planFinding{}, Recommendations: []string{}, Valid: true}
	if rep.NetworkPlugin == "" {
		rep.NetworkPlugin = kubenet.PlanPluginKubenet
	}
	if p.SubnetPrefix.IsValid() {
		rep.SubnetPrefix = p.SubnetPrefix.Masked().String()
		rep.IPs.Total = int(kubenet.Size(p.SubnetPrefix.Masked()))
		rep.IPs.Reserved = min(kubenet.SubnetReservedAddresses, rep.IPs.Total)
	}
	for _, v := range p.VNetPrefixes {
		rep.VNetPrefixes = append(rep.VNetPrefixes, v.Masked().String())
	}
	for _, a := range p.Avoid {
		rep.Avoid = append(rep.Avoid, a.Masked().String())
	}
	pod, svc, dns := planDefaults(p, r)
	if pod.IsValid() {
		rep.PodCIDR = pod.String()
	}
	rep.ServiceCIDR = svc.String()
	if dns.IsValid() {
		rep.DNSServiceIP = dns.String()
	}
	rep.MaxSurge = planSurge(p)
	rep.IPs.Usable, rep.IPs.Used, rep.IPs.Free = r.UsableIPs, r.UsedIPs, r.FreeIPs
	rep.Headroom = planHeadroom{SurgeNodes: rep.MaxSurge, ScaleNodes: max(r.MaxNodes-p.NodeCount-rep.MaxSurge, 0),
		SurgeFits: p.NodeCount+rep.MaxSurge <= r.MaxNodes}
	for _, f := range r.Findings {
		rep.Findings = append(rep.Findings, planFinding{Severity: f.Severity, Code: f.Code, Target: f.Target, Message: f.Message})
		if f.Severity == kubenet.SeverityError {
			rep.Valid = false
		}
	}
	rep.Recommendations = append(rep.Recommendations, r.Recommendations...)
	return rep
}

// planDefaults are the pod CIDR, service CIDR and DNS IP the planner used.
func planDefaults(p kubenet.Plan, r kubenet.PlanResult) (pod, svc netip.Prefix, dns netip.Addr) {
	if r.Plugin != kubenet.PlanPluginAzure {
		pod = p.PodCIDR.Masked()
		if !p.PodCIDR.IsValid() {
			pod = netip.MustParsePrefix(kubenet.DefaultPodCIDR)
		}
	}
	svc = p.ServiceCIDR.Masked()
	if !p.ServiceCIDR.IsValid() {
		svc = netip.MustParsePrefix(kubenet.DefaultServiceCIDR)
	}
	dns = p.DNSServiceIP
	if !dns.IsValid() {
		dns, _ = kubenet.NthAddr(svc, kubenet.DNSServiceIPOffset)
	}
	return pod, svc, dns
}

func planSurge(p kubenet.Plan) int {
	if p.MaxSurge > 0 {
		return p.MaxSurge
	}
	return kubenet.DefaultSurgeHeadroom
}

// planLayout is what the picture shows.
func planLayout(in planInput, r kubenet.PlanResult, rep planReport) planview.Layout {
	pod, svc, dns := planDefaults(in.plan, r)
	l := planview.Layout{Plugin: rep.NetworkPlugin, VNetPrefixes: in.plan.VNetPrefixes, Subnet: in.plan.SubnetPrefix.Masked(),
		SubnetName: in.subnetName, OtherSubnets: in.others, PodCIDR: pod, ServiceCIDR: svc, DNSServiceIP: dns, Avoid: in.plan.Avoid,
		Surge: rep.MaxSurge, Nodes: in.nodes, Result: r}
	if l.Nodes == nil {
		l.Nodes = planview.PlannedNodes(rep.NetworkPlugin, l.Subnet, pod, r.PodsPerNode, in.plan.NodeCount)
	}
	if in.clusterID != "" {
		l.Title = "aksnet plan: cluster " + in.clusterID[strings.LastIndexByte(in.clusterID, '/')+1:] + " (" + rep.NetworkPlugin + ", subnet " + rep.SubnetPrefix + ")"
	}
	return l
}

// planTable is the default output: the figures, then the findings and the
// recommendations.
func planTable(rep planReport) string {
	count := planview.Count
	var b strings.Builder
	vnet := "no VNet given"
	if len(rep.VNetPrefixes) > 0 {
		vnet = "VNet " + strings.Join(rep.VNetPrefixes, ", ")
	}
	pod := ""
	if rep.PodCIDR != "" {
		pod = " · pod CIDR " + rep.PodCIDR
	}
	if rep.Cluster != "" {
		fmt.Fprintf(&b, "Cluster %s\n", rep.Cluster)
	}
	fmt.Fprintf(&b, "Layout: %s · subnet %s · %s%s · service CIDR %s (DNS %s) · maxPods %d\n\n",
		rep.NetworkPlugin, rep.SubnetPrefix, vnet, pod, rep.ServiceCIDR, rep.DNSServiceIP, rep.MaxPodsPerNode)
	limit := map[string]string{kubenet.LimitSubnet: "the subnet", kubenet.LimitPodCIDR: "the pod CIDR", kubenet.LimitRouteTable: "the route table"}[rep.LimitedBy]
	span := func(lo, hi int) string {
		if lo == hi {
			return count(lo)
		}
		return count(lo) + "–" + count(hi)
	}
	verdict := "accepted: no rule is broken"
	if !rep.Valid {
		var codes []string
		for _, f := range rep.Findings {
			if f.Severity == kubenet.SeverityError {
				codes = append(codes, f.Code)
			}
		}
		verdict = "refused by Azure: " + strings.Join(codes, ", ")
	}
	rows := [][2]string{
		{"Verdict", verdict},
		{"Max nodes", fmt.Sprintf("%s (limited by %s)", count(rep.MaxNodes), limit)},
		{"Max pods", fmt.Sprintf("%s (%d per node)", count(rep.MaxPods), rep.MaxPodsPerNode)},
		{"Recommended nodes", fmt.Sprintf("%s, leaving room to scale and a surge of %d for upgrades", span(rep.RecommendedNodes.Low, rep.RecommendedNodes.High), rep.MaxSurge)},
		{"Recommended pods", span(rep.RecommendedPods.Low, rep.RecommendedPods.High)},
		{"Subnet IPs", fmt.Sprintf("%s in %s: %d reserved, %s usable, %s used, %s free", count(rep.IPs.Total), rep.SubnetPrefix, rep.IPs.Reserved, count(rep.IPs.Usable), count(rep.IPs.Used), count(rep.IPs.Free))},
	}
	head := fmt.Sprintf("%s more nodes, keeping %d for a surge upgrade", count(rep.Headroom.ScaleNodes), rep.Headroom.SurgeNodes)
	if rep.NodeCount > 0 && !rep.Headroom.SurgeFits {
		head = fmt.Sprintf("none: %d nodes plus a surge of %d exceed the %s nodes the layout holds", rep.NodeCount, rep.MaxSurge, count(rep.MaxNodes))
	}
	rows = append(rows, [2]string{"Headroom", head})
	if rep.RouteTableLimit > 0 {
		rows = append(rows, [2]string{"Route table", fmt.Sprintf("%s routes at most, one per node: %s used, %s free", count(rep.RouteTableLimit), count(rep.NodeCount), count(max(rep.RouteTableLimit-rep.NodeCount, 0)))})
	}
	if rep.PodCIDRCapacity > 0 {
		rows = append(rows, [2]string{"Pod CIDR", fmt.Sprintf("%s holds %s /24 node ranges: %s used, %s free", rep.PodCIDR, count(rep.PodCIDRCapacity), count(rep.NodeCount), count(max(rep.PodCIDRCapacity-rep.NodeCount, 0)))})
	} else if rep.NetworkPlugin == kubenet.PlanPluginAzure {
		rows = append(rows, [2]string{"Pod IPs", fmt.Sprintf("from the subnet: each node takes 1+%d addresses", rep.MaxPodsPerNode)})
	}
	var table []any
	for _, r := range rows {
		o := output.NewObject()
		o.Set("Capacity", r[0])
		o.Set("Value", r[1])
		table = append(table, o)
	}
	keep := func(v any) any { return v }
	t, _ := output.Render(table, output.Options{Format: output.Table, TableTransformer: keep})
	b.WriteString(t)
	if len(rep.Findings) == 0 {
		b.WriteString("\nNo problems found: Azure would accept this layout.\n")
	} else {
		var ft []any
		fs := append([]planFinding(nil), rep.Findings...)
		sort.SliceStable(fs, func(i, j int) bool {
			return fs[i].Severity == kubenet.SeverityError && fs[j].Severity != kubenet.SeverityError
		})
		for _, f := range fs {
			o := output.NewObject()
			o.Set("Severity", f.Severity)
			o.Set("Code", f.Code)
			o.Set("Target", f.Target)
			o.Set("Message", f.Message)
			ft = append(ft, o)
		}
		t, _ := output.Render(ft, output.Options{Format: output.Table, TableTransformer: keep})
		b.WriteString("\n")
		b.WriteString(t)
	}
	if len(rep.Recommendations) > 0 {
		b.WriteString("\nRecommendations:\n")
		for _, r := range rep.Recommendations {
			fmt.Fprintf(&b, "  - %s\n", r)
		}
	}
	return b.String()
}

// managedCluster is what the planner reads of a managed cluster.
type managedCluster struct {
	ID         string `json:"id"`
	Properties struct {
		NodeResourceGroup string `json:"nodeResourceGroup"`
		NetworkProfile    struct {
			NetworkPlugin     string `json:"networkPlugin"`
			NetworkPluginMode string `json:"networkPluginMode"`
			PodCidr           string `json:"podCidr"`
			ServiceCidr       string `json:"serviceCidr"`
			DNSServiceIP      string `json:"dnsServiceIP"`
		} `json:"networkProfile"`
		AgentPoolProfiles []struct {
			Count           int    `json:"count"`
			MaxPods         int    `json:"maxPods"`
			VnetSubnetID    string `json:"vnetSubnetID"`
			UpgradeSettings *struct {
				MaxSurge string `json:"maxSurge"`
			} `json:"upgradeSettings"`
		} `json:"agentPoolProfiles"`
	} `json:"properties"`
}

// nodeSubnet is what the planner reads of the node subnet.
type nodeSubnet struct {
	Name       string `json:"name"`
	Properties struct {
		AddressPrefix string `json:"addressPrefix"`
		RouteTable    *struct {
			ID string `json:"id"`
		} `json:"routeTable"`
	} `json:"properties"`
}

// clusterPlan reads a live cluster's layout through the API: its network
// profile and pools, its node subnet and VNet, its nodes' NICs, and the
// pod CIDRs its route table gives them.
func clusterPlan(e *command.Env, rg, name string) (planInput, error) {
	var in planInput
	r, err := e.Client.Call(http.MethodGet, e.Client.ClusterPath(rg, name), client.APIAKS, nil)
	if err != nil {
		return in, err
	}
	var mc managedCluster
	if err := json.Unmarshal(r.Body, &mc); err != nil {
		return in, fmt.Errorf("decode cluster: %w", err)
	}
	in.clusterID = mc.ID
	mc.profile(&in.plan)
	subnetID, err := clusterSubnetID(e, &mc, name)
	if err != nil {
		return in, err
	}
	sr, err := e.Client.Call(http.MethodGet, subnetID, client.APINetwork, nil)
	if err != nil {
		return in, err
	}
	var sn nodeSubnet
	if err := json.Unmarshal(sr.Body, &sn); err != nil {
		return in, fmt.Errorf("decode subnet: %w", err)
	}
	in.subnetName = sn.Name
	if in.plan.SubnetPrefix, err = netip.ParsePrefix(sn.Properties.AddressPrefix); err != nil {
		return in, &output.Error{Code: 1, Message: fmt.Sprintf("subnet %s has no address prefix", subnetID)}
	}
	if err := readVNet(e, subnetID, sn.Name, &in); err != nil {
		return in, err
	}
	in.nodes, err = clusterNodes(e, mc.Properties.NodeResourceGroup, sn.Properties.RouteTable)
	return in, err
}

// profile copies the cluster's network profile and the node count, pods and
// surge of the pools on the first pool's subnet into p.
func (mc *managedCluster) profile(p *kubenet.Plan) {
	np := mc.Properties.NetworkProfile
	p.Plugin = strings.ToLower(np.NetworkPlugin)
	if p.Plugin == kubenet.PluginAzure && strings.EqualFold(np.NetworkPluginMode, "overlay") {
		p.Plugin = kubenet.PlanPluginAzureOverlay
	}
	p.PodCIDR, _ = netip.ParsePrefix(np.PodCidr)
	p.ServiceCIDR, _ = netip.ParsePrefix(np.ServiceCidr)
	p.DNSServiceIP, _ = netip.ParseAddr(np.DNSServiceIP)
	pools := mc.Properties.AgentPoolProfiles
	if len(pools) == 0 {
		return
	}
	p.MaxPods = pools[0].MaxPods
	surge := 0
	for _, pool := range pools {
		if !strings.EqualFold(pool.VnetSubnetID, pools[0].VnetSubnetID) {
			continue
		}
		p.NodeCount += pool.Count
		if pool.UpgradeSettings != nil {
			surge = max(surge, parseMaxSurge(pool.UpgradeSettings.MaxSurge, pool.Count))
		}
	}
	p.MaxSurge = surge
}

// clusterSubnetID is the node subnet: the first pool's, or, when AKS made
// the VNet, the first subnet of the VNet in the node resource group.
func clusterSubnetID(e *command.Env, mc *managedCluster, name string) (string, error) {
	if pools := mc.Properties.AgentPoolProfiles; len(pools) > 0 && pools[0].VnetSubnetID != "" {
		return pools[0].VnetSubnetID, nil
	}
	items, err := e.Client.ListItems(e.Client.NetPath(mc.Properties.NodeResourceGroup, "virtualNetworks"), client.APINetwork)
	if err != nil {
		return "", err
	}
	subnetID := ""
	for _, it := range items {
		var v struct {
			Properties struct {
				Subnets []struct {
					ID string `json:"id"`
				} `json:"subnets"`
			} `json:"properties"`
		}
		if json.Unmarshal(it, &v) == nil && len(v.Properties.Subnets) > 0 {
			subnetID = v.Properties.Subnets[0].ID
			break
		}
	}
	if subnetID == "" {
		return "", &output.Error{Code: 1, Message: "cluster " + name + " has no node subnet to plan"}
	}
	return subnetID, nil
}

// readVNet reads the VNet of subnetID: its address space and its other
// subnets.
func readVNet(e *command.Env, subnetID, subnetName string, in *planInput) error {
	vr, err := e.Client.Call(http.MethodGet, subnetID[:strings.LastIndex(strings.ToLower(subnetID), "/subnets/")], client.APINetwork, nil)
	if err != nil {
		return err
	}
	var vnet struct {
		Properties struct {
			AddressSpace struct {
				AddressPrefixes []string `json:"addressPrefixes"`
			} `json:"addressSpace"`
			Subnets []struct {
				Name       string `json:"name"`
				Properties struct {
					AddressPrefix string `json:"addressPrefix"`
				} `json:"properties"`
			} `json:"subnets"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(vr.Body, &vnet); err != nil {
		return fmt.Errorf("decode vnet: %w", err)
	}
	for _, s := range vnet.Properties.AddressSpace.AddressPrefixes {
		if p, err := netip.ParsePrefix(s); err == nil {
			in.plan.VNetPrefixes = append(in.plan.VNetPrefixes, p)
		}
	}
	for _, s := range vnet.Properties.Subnets {
		if p, err := netip.ParsePrefix(s.Properties.AddressPrefix); err == nil && !strings.EqualFold(s.Name, subnetName) {
			in.others = append(in.others, planview.Subnet{Name: s.Name, Prefix: p})
		}
	}
	return nil
}

// clusterNodes lists the nodes (NICs) of a node resource group with the pod
// CIDRs the route table's managed routes give them.
func clusterNodes(e *command.Env, nodeRG string, rt *struct {
	ID string `json:"id"`
}) ([]planview.Node, error) {
	items, err := e.Client.ListItems(e.Client.NetPath(nodeRG, "networkInterfaces"), client.APINetwork)
	if err != nil {
		return nil, err
	}
	podCIDRs := map[string]netip.Prefix{} // node IP → pod CIDR
	if rt != nil && rt.ID != "" {
		r, err := e.Client.Call(http.MethodGet, rt.ID, client.APINetwork, nil)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Properties struct {
				Routes []struct {
					Name       string `json:"name"`
					Properties struct {
						AddressPrefix    string `json:"addressPrefix"`
						NextHopIPAddress string `json:"nextHopIpAddress"`
					} `json:"properties"`
				} `json:"routes"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(r.Body, &doc); err == nil {
			for _, rr := range doc.Properties.Routes {
				if !strings.Contains(rr.Name, kubenet.ManagedRouteSeparator) {
					continue
				}
				if p, err := netip.ParsePrefix(rr.Properties.AddressPrefix); err == nil {
					podCIDRs[rr.Properties.NextHopIPAddress] = p
				}
			}
		}
	}
	nodes := []planview.Node{}
	for _, it := range items {
		var nic struct {
			Name       string `json:"name"`
			Properties struct {
				IPConfigurations []struct {
					Properties struct {
						PrivateIPAddress string `json:"privateIPAddress"`
					} `json:"properties"`
				} `json:"ipConfigurations"`
			} `json:"properties"`
		}
		if json.Unmarshal(it, &nic) != nil || len(nic.Properties.IPConfigurations) == 0 {
			continue
		}
		ip, err := netip.ParseAddr(nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
		if err != nil {
			continue
		}
		nodes = append(nodes, planview.Node{Name: nic.Name, IP: ip, PodCIDR: podCIDRs[ip.String()]})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].IP.Less(nodes[j].IP) })
	return nodes, nil
}

// parseMaxSurge reads an agent pool's maxSurge ("1", "33%") as a node
// count for count nodes.
func parseMaxSurge(v string, count int) int {
	v = strings.TrimSpace(v)
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.ParseFloat(pct, 64)
		if err != nil {
			return 0
		}
		return int(math.Ceil(float64(count) * n / 100))
	}
	n, _ := strconv.Atoi(v)
	return max(n, 0)
}
