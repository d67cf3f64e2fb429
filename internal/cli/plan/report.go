package plan

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/planview"
)

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
	var b strings.Builder
	if rep.Cluster != "" {
		fmt.Fprintf(&b, "Cluster %s\n", rep.Cluster)
	}
	b.WriteString(layoutLine(rep))
	rows := capacityRows(rep)
	keep := func(v any) any { return v }
	var table []any
	for _, r := range rows {
		o := output.NewObject()
		o.Set("Capacity", r[0])
		o.Set("Value", r[1])
		table = append(table, o)
	}
	t, _ := output.Render(table, output.Options{Format: output.Table, TableTransformer: keep})
	b.WriteString(t)
	if len(rep.Findings) == 0 {
		b.WriteString("\nNo problems found: Azure would accept this layout.\n")
	} else {
		t, _ := output.Render(findingRows(rep.Findings), output.Options{Format: output.Table, TableTransformer: keep})
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

// layoutLine is the one-line summary of the layout the report is about.
func layoutLine(rep planReport) string {
	vnet := "no VNet given"
	if len(rep.VNetPrefixes) > 0 {
		vnet = "VNet " + strings.Join(rep.VNetPrefixes, ", ")
	}
	pod := ""
	if rep.PodCIDR != "" {
		pod = " · pod CIDR " + rep.PodCIDR
	}
	return fmt.Sprintf("Layout: %s · subnet %s · %s%s · service CIDR %s (DNS %s) · maxPods %d\n\n",
		rep.NetworkPlugin, rep.SubnetPrefix, vnet, pod, rep.ServiceCIDR, rep.DNSServiceIP, rep.MaxPodsPerNode)
}

// planVerdict says whether Azure accepts the layout, and if not, the codes
// of the errors it would answer.
func planVerdict(rep planReport) string {
	if rep.Valid {
		return "accepted: no rule is broken"
	}
	var codes []string
	for _, f := range rep.Findings {
		if f.Severity == kubenet.SeverityError {
			codes = append(codes, f.Code)
		}
	}
	return "refused by Azure: " + strings.Join(codes, ", ")
}

// countSpan is a range of counts, or one count when lo == hi.
func countSpan(lo, hi int) string {
	if lo == hi {
		return planview.Count(lo)
	}
	return planview.Count(lo) + "–" + planview.Count(hi)
}

// capacityRows are the figures of the report as (Capacity, Value) rows;
// the route table and pod CIDR rows appear only where they apply.
func capacityRows(rep planReport) [][2]string {
	count := planview.Count
	limit := map[string]string{kubenet.LimitSubnet: "the subnet", kubenet.LimitPodCIDR: "the pod CIDR", kubenet.LimitRouteTable: "the route table"}[rep.LimitedBy]
	rows := [][2]string{
		{"Verdict", planVerdict(rep)},
		{"Max nodes", fmt.Sprintf("%s (limited by %s)", count(rep.MaxNodes), limit)},
		{"Max pods", fmt.Sprintf("%s (%d per node)", count(rep.MaxPods), rep.MaxPodsPerNode)},
		{"Recommended nodes", fmt.Sprintf("%s, leaving room to scale and a surge of %d for upgrades", countSpan(rep.RecommendedNodes.Low, rep.RecommendedNodes.High), rep.MaxSurge)},
		{"Recommended pods", countSpan(rep.RecommendedPods.Low, rep.RecommendedPods.High)},
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
	return rows
}

// findingRows are the findings as table rows, errors first, otherwise in
// their order.
func findingRows(findings []planFinding) []any {
	var ft []any
	fs := append([]planFinding(nil), findings...)
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
	return ft
}
