package kubenet

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// planFigures is the numeric part of a PlanResult.
type planFigures struct {
	MaxNodes, MaxPods, Usable, Used, Free int
	Low, High, PodsLow, PodsHigh          int
	PodCap, RouteLimit                    int
	LimitedBy                             string
}

// used is f with n addresses used and free left.
func (f planFigures) used(n, free int) planFigures {
	f.Used, f.Free = n, free
	return f
}

func figuresOf(r PlanResult) planFigures {
	return planFigures{
		MaxNodes: r.MaxNodes, MaxPods: r.MaxPods, Usable: r.UsableIPs, Used: r.UsedIPs, Free: r.FreeIPs,
		Low: r.RecommendedNodesLow, High: r.RecommendedNodesHigh, PodsLow: r.PodsLow, PodsHigh: r.PodsHigh,
		PodCap: r.PodCIDRCapacity, RouteLimit: r.RouteLimit, LimitedBy: r.LimitedBy,
	}
}

// findingKey is "severity code target".
func findingKeys(r PlanResult) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Severity+" "+f.Code+" "+f.Target)
	}
	return out
}

func TestPlanCapacity(t *testing.T) {
	const (
		np    = "networkProfile."
		pool0 = "properties.agentPoolProfiles[0]."
	)
	// The figures of layouts several cases share: the article's kubenet
	// /24 and /27 at the defaults, and a kubenet /21 with a /12 pod CIDR,
	// which the route table limits.
	var (
		kubenet24 = planFigures{MaxNodes: 251, MaxPods: 27610, Usable: 251, Free: 251, Low: 188, High: 249,
			PodsLow: 20680, PodsHigh: 27390, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet}
		kubenet27 = planFigures{MaxNodes: 27, MaxPods: 2970, Usable: 27, Free: 27, Low: 20, High: 25,
			PodsLow: 2200, PodsHigh: 2750, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet}
		routeLimited = planFigures{MaxNodes: 400, MaxPods: 44000, Usable: 2043, Free: 2043, Low: 300, High: 398,
			PodsLow: 33000, PodsHigh: 43780, PodCap: 4096, RouteLimit: 400, LimitedBy: LimitRouteTable}
	)
	const routeRec = "A route table holds at most 400 routes, one per kubenet node: split the workload across clusters " +
		"or use Azure CNI overlay (azure-overlay), which needs no routes."
	vnet := func(ps ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, p := range ps {
			out = append(out, mp(p))
		}
		return out
	}
	tests := []struct {
		name     string
		plan     Plan
		want     planFigures
		findings []string
		recs     []string
	}{
		// The article's figures.
		{name: "ArticleKubenetSlash24",
			plan: Plan{Plugin: "kubenet", SubnetPrefix: mp("192.168.1.0/24"), VNetPrefixes: vnet("192.168.0.0/16")},
			want: kubenet24},
		{name: "ArticleAzureCNISlash24",
			plan: Plan{Plugin: "azure", SubnetPrefix: mp("192.168.1.0/24"), MaxPods: 30},
			want: planFigures{MaxNodes: 8, MaxPods: 240, Usable: 251, Free: 251, Low: 6, High: 6,
				PodsLow: 180, PodsHigh: 180, LimitedBy: LimitSubnet}},
		{name: "ArticleAzureCNIDefaultMaxPodsIs30",
			plan: Plan{Plugin: "azure", SubnetPrefix: mp("192.168.1.0/24")},
			want: planFigures{MaxNodes: 8, MaxPods: 240, Usable: 251, Free: 251, Low: 6, High: 6,
				PodsLow: 180, PodsHigh: 180, LimitedBy: LimitSubnet}},
		{name: "ArticleKubenetSlash27",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/27")},
			want: kubenet27},

		// More layouts.
		{name: "Slash27With25NodesHasRoom",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/27"), NodeCount: 25},
			want: kubenet27.used(25, 2)},
		{name: "Slash27With26NodesCantUpgrade",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/27"), NodeCount: 26},
			want:     kubenet27.used(26, 1),
			findings: []string{"warning InsufficientSubnetSize " + pool0 + "count"},
			recs:     []string{"Use a /26 subnet or larger: its 59 usable addresses fit 28 nodes (26 plus 2 surge nodes for upgrades)."}},
		{name: "Slash27With28NodesFails",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/27"), NodeCount: 28},
			want:     kubenet27.used(28, 0),
			findings: []string{"error InsufficientSubnetSize " + pool0 + "count"},
			recs:     []string{"Use a /26 subnet or larger: its 59 usable addresses fit 30 nodes (28 plus 2 surge nodes for upgrades)."}},
		{name: "Slash27WithMaxSurge5",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/27"), MaxSurge: 5, NodeCount: 23},
			want: planFigures{MaxNodes: 27, MaxPods: 2970, Usable: 27, Used: 23, Free: 4, Low: 20, High: 22,
				PodsLow: 2200, PodsHigh: 2420, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet},
			findings: []string{"warning InsufficientSubnetSize " + pool0 + "count"},
			recs:     []string{"Use a /26 subnet or larger: its 59 usable addresses fit 28 nodes (23 plus 5 surge nodes for upgrades)."}},
		{name: "SmallestSubnet",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/29")},
			want: planFigures{MaxNodes: 3, MaxPods: 330, Usable: 3, Free: 3, Low: 1, High: 1,
				PodsLow: 110, PodsHigh: 110, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet}},
		{name: "SubnetTooSmallForAzure",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/30"), NodeCount: 1},
			want:     planFigures{Used: 1, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet},
			findings: []string{"error InsufficientSubnetSize " + pool0 + "count"},
			recs:     []string{"Use a /29 subnet or larger: its 3 usable addresses fit 3 nodes (1 plus 2 surge nodes for upgrades)."}},
		{name: "KubenetLimitedByDefaultPodCIDR",
			plan: Plan{SubnetPrefix: mp("10.240.0.0/22")},
			want: planFigures{MaxNodes: 256, MaxPods: 28160, Usable: 1019, Free: 1019, Low: 192, High: 254,
				PodsLow: 21120, PodsHigh: 27940, PodCap: 256, RouteLimit: 400, LimitedBy: LimitPodCIDR}},
		{name: "KubenetLimitedByRouteTable",
			plan: Plan{SubnetPrefix: mp("10.240.0.0/21"), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16")},
			want: routeLimited},
		{name: "KubenetRaisedRouteLimit",
			plan: Plan{SubnetPrefix: mp("10.240.0.0/21"), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16"), MaxRoutes: 1000},
			want: planFigures{MaxNodes: 1000, MaxPods: 110000, Usable: 2043, Free: 2043, Low: 750, High: 998,
				PodsLow: 82500, PodsHigh: 109780, PodCap: 4096, RouteLimit: 1000, LimitedBy: LimitRouteTable}},
		{name: "KubenetOverRouteLimit",
			plan:     Plan{SubnetPrefix: mp("10.240.0.0/21"), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16"), NodeCount: 450},
			want:     routeLimited.used(450, 1593),
			findings: []string{"error RoutesPerRouteTableLimitExceeded " + pool0 + "count"},
			recs:     []string{routeRec}},
		{name: "KubenetNearRouteLimit",
			plan:     Plan{SubnetPrefix: mp("10.240.0.0/21"), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16"), NodeCount: 399},
			want:     routeLimited.used(399, 1644),
			findings: []string{"warning RoutesPerRouteTableLimitExceeded " + pool0 + "count"},
			recs:     []string{routeRec}},
		{name: "KubenetBigSubnetTieGoesToSubnet",
			plan: Plan{SubnetPrefix: mp("10.240.0.0/24"), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16"), MaxRoutes: 251},
			want: planFigures{MaxNodes: 251, MaxPods: 27610, Usable: 251, Free: 251, Low: 188, High: 249,
				PodsLow: 20680, PodsHigh: 27390, PodCap: 4096, RouteLimit: 251, LimitedBy: LimitSubnet}},
		{name: "KubenetMaxPods250",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/24"), MaxPods: 250},
			want: planFigures{MaxNodes: 251, MaxPods: 62750, Usable: 251, Free: 251, Low: 188, High: 249,
				PodsLow: 47000, PodsHigh: 62250, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet}},
		{name: "KubenetMaxPodsOver250",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/24"), MaxPods: 300},
			want: planFigures{MaxNodes: 251, MaxPods: 75300, Usable: 251, Free: 251, Low: 188, High: 249,
				PodsLow: 56400, PodsHigh: 74700, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet},
			findings: []string{"error MaxPodsLimitExceeded " + pool0 + "maxPods"},
			recs:     []string{"Set maxPods to 250 or less; add nodes to run more pods."}},
		{name: "KubenetMaxPodsUnder10",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/24"), MaxPods: 5},
			want: planFigures{MaxNodes: 251, MaxPods: 1255, Usable: 251, Free: 251, Low: 188, High: 249,
				PodsLow: 940, PodsHigh: 1245, PodCap: 256, RouteLimit: 400, LimitedBy: LimitSubnet},
			findings: []string{"error InsufficientMaxPods " + pool0 + "maxPods"},
			recs:     []string{"Set maxPods to at least 10."}},
		{name: "AzureCNIMaxPods110",
			plan: Plan{Plugin: "azure", SubnetPrefix: mp("192.168.1.0/24"), MaxPods: 110},
			want: planFigures{MaxNodes: 2, MaxPods: 220, Usable: 251, Free: 251, LimitedBy: LimitSubnet}},
		{name: "AzureCNISlash21",
			plan: Plan{Plugin: "azure", SubnetPrefix: mp("10.240.0.0/21"), NodeCount: 10},
			want: planFigures{MaxNodes: 65, MaxPods: 1950, Usable: 2043, Used: 310, Free: 1733, Low: 48, High: 63,
				PodsLow: 1440, PodsHigh: 1890, LimitedBy: LimitSubnet}},
		{name: "AzureCNIFullSubnetCantUpgrade",
			plan: Plan{Plugin: "Azure", SubnetPrefix: mp("192.168.1.0/24"), NodeCount: 8},
			want: planFigures{MaxNodes: 8, MaxPods: 240, Usable: 251, Used: 248, Free: 3, Low: 6, High: 6,
				PodsLow: 180, PodsHigh: 180, LimitedBy: LimitSubnet},
			findings: []string{"warning InsufficientSubnetSize " + pool0 + "count"},
			recs:     []string{"Use a /23 subnet or larger: its 507 usable addresses fit 10 nodes (8 plus 2 surge nodes for upgrades)."}},
		{name: "AzureCNIOverfull",
			plan: Plan{Plugin: "azure", SubnetPrefix: mp("192.168.1.0/24"), NodeCount: 9},
			want: planFigures{MaxNodes: 8, MaxPods: 240, Usable: 251, Used: 279, Free: 0, Low: 6, High: 6,
				PodsLow: 180, PodsHigh: 180, LimitedBy: LimitSubnet},
			findings: []string{"error InsufficientSubnetSize " + pool0 + "count"},
			recs:     []string{"Use a /23 subnet or larger: its 507 usable addresses fit 11 nodes (9 plus 2 surge nodes for upgrades)."}},
		{name: "OverlaySlash24",
			plan: Plan{Plugin: "azure-overlay", SubnetPrefix: mp("192.168.1.0/24")},
			want: planFigures{MaxNodes: 251, MaxPods: 62750, Usable: 251, Free: 251, Low: 188, High: 249,
				PodsLow: 47000, PodsHigh: 62250, PodCap: 256, LimitedBy: LimitSubnet}},
		{name: "OverlayLimitedByPodCIDR",
			plan: Plan{Plugin: "azure-overlay", SubnetPrefix: mp("10.240.0.0/20"), MaxPods: 110},
			want: planFigures{MaxNodes: 256, MaxPods: 28160, Usable: 4091, Free: 4091, Low: 192, High: 254,
				PodsLow: 21120, PodsHigh: 27940, PodCap: 256, LimitedBy: LimitPodCIDR}},
		{name: "OverlayNoRouteLimit",
			plan: Plan{Plugin: "azure-overlay", SubnetPrefix: mp("10.240.0.0/20"), PodCIDR: mp("10.128.0.0/10"), NodeCount: 1000},
			want: planFigures{MaxNodes: 4091, MaxPods: 1022750, Usable: 4091, Used: 1000, Free: 3091, Low: 3068, High: 4089,
				PodsLow: 767000, PodsHigh: 1022250, PodCap: 16384, LimitedBy: LimitSubnet}},
		{name: "TinyPodCIDR",
			plan: Plan{SubnetPrefix: mp("192.168.1.0/24"), PodCIDR: mp("10.244.0.0/24"), NodeCount: 2},
			want: planFigures{MaxNodes: 1, MaxPods: 110, Usable: 251, Used: 2, Free: 249, Low: 0, High: 0,
				PodCap: 1, RouteLimit: 400, LimitedBy: LimitPodCIDR},
			findings: []string{"error InsufficientPodCidr " + np + "podCIDR"},
			recs:     []string{"Use a /22 pod CIDR or larger: its 4 /24 node ranges fit 4 nodes (2 plus 2 surge nodes for upgrades)."}},
		{name: "PodCIDRFullCantUpgrade",
			plan: Plan{SubnetPrefix: mp("192.168.0.0/23"), VNetPrefixes: vnet("192.168.0.0/16"), NodeCount: 255},
			want: planFigures{MaxNodes: 256, MaxPods: 28160, Usable: 507, Used: 255, Free: 252, Low: 192, High: 254,
				PodsLow: 21120, PodsHigh: 27940, PodCap: 256, RouteLimit: 400, LimitedBy: LimitPodCIDR},
			findings: []string{"warning InsufficientPodCidr " + np + "podCIDR"},
			recs:     []string{"Use a /15 pod CIDR or larger: its 512 /24 node ranges fit 257 nodes (255 plus 2 surge nodes for upgrades)."}},
		{name: "ServiceCIDROverlapsSubnet",
			plan:     Plan{SubnetPrefix: mp("10.0.0.0/24")},
			want:     kubenet24,
			findings: []string{"error ServiceCidrOverlapExistingSubnetsCidr " + np + "serviceCIDR"},
			recs: []string{"The service CIDR 10.0.0.0/16 can't be used (it overlaps the cluster's network): " +
				"use 10.1.0.0/16 instead, with DNS service IP 10.1.0.10."}},
		{name: "PodCIDROverlapsVNet",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/24"), VNetPrefixes: vnet("192.168.0.0/16"), PodCIDR: mp("192.168.0.0/16")},
			want:     kubenet24,
			findings: []string{"error PodCidrOverlapExistingSubnetsCidr " + np + "podCIDR"},
			recs:     []string{"The pod CIDR 192.168.0.0/16 can't be used (it overlaps the cluster's network): use 10.1.0.0/16 instead."}},
		{name: "ReservedServiceCIDR",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/24"), VNetPrefixes: vnet("192.168.0.0/16"), ServiceCIDR: mp("172.30.0.0/16")},
			want:     kubenet24,
			findings: []string{"error ReservedAddressRangeConflict " + np + "serviceCIDR"},
			recs: []string{"The service CIDR 172.30.0.0/16 can't be used (it overlaps a reserved range): " +
				"use 10.0.0.0/16 instead, with DNS service IP 10.0.0.10."}},
		{name: "ReservedVNet",
			plan:     Plan{SubnetPrefix: mp("172.31.1.0/24"), VNetPrefixes: vnet("172.31.0.0/16")},
			want:     kubenet24,
			findings: []string{"error ReservedAddressRangeConflict " + pool0 + "vnetSubnetID"},
			recs: []string{"The virtual network 172.31.0.0/16 can't be used (it overlaps the reserved range 172.31.0.0/16): " +
				"use 10.1.0.0/16 instead."}},
		{name: "OnPremisesTenSlash8",
			plan: Plan{SubnetPrefix: mp("10.1.0.0/24"), VNetPrefixes: vnet("10.1.0.0/16"), Avoid: vnet("10.0.0.0/8")},
			want: kubenet24,
			findings: []string{
				"warning AddressRangeInUse " + pool0 + "vnetSubnetID",
				"warning AddressRangeInUse " + np + "podCIDR",
				"warning AddressRangeInUse " + np + "serviceCIDR",
			},
			recs: []string{
				"10.0.0.0/8 is in use on-premises: use 172.16.0.0/16 for the virtual network instead of 10.1.0.0/16.",
				"10.0.0.0/8 is in use on-premises: use 172.17.0.0/16 for the pod CIDR instead of 10.244.0.0/16.",
				"10.0.0.0/8 is in use on-premises: use 172.18.0.0/16 for the service CIDR instead of 10.0.0.0/16, with DNS service IP 172.18.0.10.",
			}},
		{name: "OnPremisesOnlyVNet",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/24"), VNetPrefixes: vnet("192.168.0.0/16"), Avoid: vnet("192.168.0.0/16", "203.0.113.0/24")},
			want:     kubenet24,
			findings: []string{"warning AddressRangeInUse " + pool0 + "vnetSubnetID"},
			recs:     []string{"192.168.0.0/16 is in use on-premises: use 10.1.0.0/16 for the virtual network instead of 192.168.0.0/16."}},
		{name: "OnPremisesSubnetWithoutVNet",
			plan: Plan{Plugin: "azure", SubnetPrefix: mp("10.50.0.0/24"), Avoid: vnet("10.50.0.0/20", "10.0.0.0/16", "10.1.0.0/16")},
			want: planFigures{MaxNodes: 8, MaxPods: 240, Usable: 251, Free: 251, Low: 6, High: 6,
				PodsLow: 180, PodsHigh: 180, LimitedBy: LimitSubnet},
			findings: []string{"warning AddressRangeInUse " + pool0 + "vnetSubnetID", "warning AddressRangeInUse " + np + "serviceCIDR"},
			recs: []string{
				"10.50.0.0/20 is in use on-premises: use 10.2.0.0/24 for the subnet instead of 10.50.0.0/24.",
				"10.0.0.0/16 is in use on-premises: use 10.3.0.0/16 for the service CIDR instead of 10.0.0.0/16, with DNS service IP 10.3.0.10.",
			}},
		{name: "DNSOutsideServiceCIDR",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/24"), DNSServiceIP: ma("10.1.0.10")},
			want:     kubenet24,
			findings: []string{"error DnsServiceIpOutOfServiceCidr " + np + "dnsServiceIP"}},
		{name: "HostBitsMasked",
			plan: Plan{SubnetPrefix: mp("192.168.1.77/27")},
			want: kubenet27},
		{name: "UnknownPlugin",
			plan:     Plan{Plugin: "calico", SubnetPrefix: mp("192.168.1.0/24")},
			findings: []string{"error InvalidParameter " + np + "networkPlugin"}},
		{name: "NoSubnet",
			plan:     Plan{},
			findings: []string{"error InvalidParameter " + pool0 + "vnetSubnetID"}},
		{name: "IPv6Subnet",
			plan:     Plan{SubnetPrefix: mp("fd00::/64")},
			findings: []string{"error CidrStringParseError " + pool0 + "vnetSubnetID"}},
		{name: "IPv6PodCIDR",
			plan:     Plan{SubnetPrefix: mp("192.168.1.0/24"), PodCIDR: mp("fd00::/56")},
			want:     planFigures{MaxNodes: 0, Usable: 251, Free: 251, RouteLimit: 400, LimitedBy: LimitPodCIDR},
			findings: []string{"error CidrStringParseError " + np + "podCIDR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := PlanCapacity(tt.plan)
			if diff := cmp.Diff(tt.want, figuresOf(r)); diff != "" {
				t.Errorf("figures (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.findings, findingKeys(r)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%+v", diff, r.Findings)
			}
			if diff := cmp.Diff(tt.recs, r.Recommendations); diff != "" {
				t.Errorf("recommendations (-want +got):\n%s", diff)
			}
			for _, f := range r.Findings {
				if f.Message == "" {
					t.Errorf("finding %s has no message", f.Code)
				}
			}
		})
	}
}

// TestPlanCapacity_FindingsMatchValidate checks that the planner reports a
// Validate error with Validate's code, target and message.
func TestPlanCapacity_FindingsMatchValidate(t *testing.T) {
	r := PlanCapacity(Plan{SubnetPrefix: mp("192.168.1.0/27"), NodeCount: 30})
	err := Validate(ClusterSpec{Pools: []Pool{{Name: "nodepool1", Count: 30, SubnetPrefix: mp("192.168.1.0/27")}}})
	wantErr{CodeInsufficientSubnetSize, "properties.agentPoolProfiles[0].count", nil}.check(t, err)
	if len(r.Findings) != 1 || r.Findings[0].Message != err.Error()[len(CodeInsufficientSubnetSize)+2:] {
		t.Errorf("planner finding %+v does not carry Validate's message %q", r.Findings, err)
	}
}

// TestPlanCapacity_RecommendedRange checks the headroom rule on every kubenet
// subnet size: High leaves the surge, Low a quarter, and Low <= High <= Max.
func TestPlanCapacity_RecommendedRange(t *testing.T) {
	for bits := 29; bits >= 20; bits-- {
		r := PlanCapacity(Plan{SubnetPrefix: netip.PrefixFrom(ma("10.240.0.0"), bits), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16")})
		if r.RecommendedNodesHigh != max(r.MaxNodes-DefaultSurgeHeadroom, 0) {
			t.Errorf("/%d: High = %d, want MaxNodes-2 = %d", bits, r.RecommendedNodesHigh, r.MaxNodes-2)
		}
		if r.RecommendedNodesLow > r.RecommendedNodesHigh || r.RecommendedNodesLow != min(r.MaxNodes*3/4, r.RecommendedNodesHigh) {
			t.Errorf("/%d: Low = %d, High = %d, MaxNodes = %d", bits, r.RecommendedNodesLow, r.RecommendedNodesHigh, r.MaxNodes)
		}
	}
}

func TestFreeRange(t *testing.T) {
	tests := []struct {
		name    string
		bits    int
		exclude []netip.Prefix
		want    netip.Prefix
		ok      bool
	}{
		{"Empty", 16, nil, mp("10.0.0.0/16"), true},
		{"SkipsExcluded", 16, []netip.Prefix{mp("10.0.0.0/15")}, mp("10.2.0.0/16"), true},
		{"SkipsSmallExcluded", 16, []netip.Prefix{mp("10.0.77.0/24")}, mp("10.1.0.0/16"), true},
		{"TenSlash8Used", 16, []netip.Prefix{mp("10.0.0.0/8")}, mp("172.16.0.0/16"), true},
		{"SkipsReservedInsideSlash12", 16, append(ReservedRanges(), mp("10.0.0.0/8"), mp("172.16.0.0/13"), mp("172.24.0.0/14"), mp("172.28.0.0/15")),
			mp("192.168.0.0/16"), true},
		{"WholeSlash8", 8, nil, mp("10.0.0.0/8"), true},
		{"Slash12NeedsCleanBlock", 12, append(ReservedRanges(), mp("10.0.0.0/8")), netip.Prefix{}, false},
		{"AllUsed", 24, []netip.Prefix{mp("10.0.0.0/8"), mp("172.16.0.0/12"), mp("192.168.0.0/16")}, netip.Prefix{}, false},
		{"TooBig", 7, nil, netip.Prefix{}, false},
		{"Invalid", 33, nil, netip.Prefix{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := freeRange(tt.bits, tt.exclude)
			if got != tt.want || ok != tt.ok {
				t.Errorf("freeRange(/%d) = %v, %v; want %v, %v", tt.bits, got, ok, tt.want, tt.ok)
			}
		})
	}
}
