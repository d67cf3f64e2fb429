package plan_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli"
	"github.com/aksnet/aksnet/internal/cli/clitest"
	"github.com/google/go-cmp/cmp"
)

var updatePlanExample = flag.Bool("update-plan-example", false, "rewrite docs/plan-example.svg from the plan command")

// runPlanCLI runs `aksnet plan args...` with no server: the endpoint is a
// closed port and the state dir is empty, so any attempt to connect fails.
func runPlanCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	full := append(append([]string{"plan"}, args...), "--endpoint", "https://127.0.0.1:1", "--state-dir", t.TempDir())
	code = cli.Main(full, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// planJSON is the part of plan's JSON answer the tests compare.
type planJSON struct {
	MaxNodes         int    `json:"maxNodes"`
	MaxPods          int    `json:"maxPods"`
	LimitedBy        string `json:"limitedBy"`
	RecommendedNodes struct {
		Low, High int
	} `json:"recommendedNodes"`
	RecommendedPods struct {
		Low, High int
	} `json:"recommendedPods"`
	IPs struct {
		Usable, Used, Free int
	} `json:"ips"`
	Findings []struct {
		Severity, Code, Target, Message string
	} `json:"findings"`
	Recommendations []string `json:"recommendations"`
	Valid           bool     `json:"valid"`
}

func (p planJSON) codes() []string {
	var out []string
	for _, f := range p.Findings {
		out = append(out, f.Severity+" "+f.Code)
	}
	sort.Strings(out)
	return out
}

// TestPlanCommand runs the planner through the command line: the article's
// figures, then more layouts with overlap, reserved-range, DNS, capacity and
// route-limit findings. Each case checks the JSON answer and the exit code
// (1 when Azure would refuse the layout), and the table output's key line.
func TestPlanCommand(t *testing.T) {
	type fig struct{ maxNodes, maxPods, lo, hi, podsLo, podsHi int }
	tests := []struct {
		name  string
		args  []string
		fig   *fig
		codes []string
		exit  int
		table []string // lines the default table output contains
		rec   string   // a recommendation that must be given
	}{
		// The article's figures.
		{name: "ArticleKubenetSlash24", args: []string{"--subnet-prefix", "192.168.1.0/24", "--vnet-prefix", "192.168.0.0/16"},
			fig:   &fig{251, 27610, 188, 249, 20680, 27390},
			table: []string{"Max nodes          251 (limited by the subnet)", "Max pods           27,610 (110 per node)"}},
		{name: "ArticleAzureCNISlash24", args: []string{"--network-plugin", "azure", "--subnet-prefix", "192.168.1.0/24", "--max-pods", "30"},
			fig:   &fig{8, 240, 6, 6, 180, 180},
			table: []string{"Max nodes          8 (limited by the subnet)", "Max pods           240 (30 per node)", "from the subnet: each node takes 1+30 addresses"}},
		{name: "ArticleKubenetSlash27", args: []string{"--subnet-prefix", "192.168.1.0/27"},
			fig:   &fig{27, 2970, 20, 25, 2200, 2750},
			table: []string{"Max nodes          27 (limited by the subnet)", "Recommended nodes  20–25, leaving room to scale and a surge of 2 for upgrades", "Recommended pods   2,200–2,750"}},
		{name: "ArticleMaxPodsOver250Refused", args: []string{"--subnet-prefix", "192.168.1.0/24", "--max-pods", "300"},
			codes: []string{"error MaxPodsLimitExceeded"}, exit: 1, rec: "Set maxPods to 250 or less; add nodes to run more pods.",
			table: []string{"refused by Azure: MaxPodsLimitExceeded"}},

		// Capacity and headroom.
		{name: "Slash27With26NodesCantUpgrade", args: []string{"--subnet-prefix", "192.168.1.0/27", "--node-count", "26"},
			fig: &fig{27, 2970, 20, 25, 2200, 2750}, codes: []string{"warning InsufficientSubnetSize"},
			rec:   "Use a /26 subnet or larger: its 59 usable addresses fit 28 nodes (26 plus 2 surge nodes for upgrades).",
			table: []string{"Headroom           none: 26 nodes plus a surge of 2 exceed the 27 nodes the layout holds"}},
		{name: "Slash27With28NodesRefused", args: []string{"--subnet-prefix", "192.168.1.0/27", "--node-count", "28"},
			codes: []string{"error InsufficientSubnetSize"}, exit: 1},
		{name: "SubnetSmallerThanSlash29", args: []string{"--subnet-prefix", "192.168.1.0/30", "--node-count", "1"},
			fig: &fig{0, 0, 0, 0, 0, 0}, codes: []string{"error InsufficientSubnetSize"}, exit: 1},
		{name: "MaxSurge5", args: []string{"--subnet-prefix", "192.168.1.0/27", "--node-count", "23", "--max-surge", "5"},
			fig: &fig{27, 2970, 20, 22, 2200, 2420}, codes: []string{"warning InsufficientSubnetSize"}},
		{name: "TinyPodCIDR", args: []string{"--subnet-prefix", "192.168.1.0/24", "--pod-cidr", "10.244.0.0/24", "--node-count", "2"},
			codes: []string{"error InsufficientPodCidr"}, exit: 1,
			rec: "Use a /22 pod CIDR or larger: its 4 /24 node ranges fit 4 nodes (2 plus 2 surge nodes for upgrades)."},
		{name: "RouteTableLimit", args: []string{"--subnet-prefix", "10.240.0.0/21", "--pod-cidr", "10.0.0.0/12", "--service-cidr", "10.16.0.0/16", "--node-count", "450"},
			fig: &fig{400, 44000, 300, 398, 33000, 43780}, codes: []string{"error RoutesPerRouteTableLimitExceeded"}, exit: 1,
			table: []string{"Max nodes          400 (limited by the route table)"}},
		{name: "RaisedRouteLimit", args: []string{"--subnet-prefix", "10.240.0.0/21", "--pod-cidr", "10.0.0.0/12", "--service-cidr", "10.16.0.0/16", "--max-routes", "1000"},
			fig: &fig{1000, 110000, 750, 998, 82500, 109780}},
		{name: "MaxPodsUnder10", args: []string{"--subnet-prefix", "192.168.1.0/24", "--max-pods", "5"},
			codes: []string{"error InsufficientMaxPods"}, exit: 1},
		{name: "AzureCNIOverfull", args: []string{"--network-plugin", "azure", "--subnet-prefix", "192.168.1.0/24", "--node-count", "9"},
			codes: []string{"error InsufficientSubnetSize"}, exit: 1,
			rec: "Use a /23 subnet or larger: its 507 usable addresses fit 11 nodes (9 plus 2 surge nodes for upgrades)."},
		{name: "OverlaySlash24", args: []string{"--network-plugin", "azure-overlay", "--subnet-prefix", "192.168.1.0/24"},
			fig: &fig{251, 62750, 188, 249, 47000, 62250}},

		// Overlaps.
		{name: "ServiceCIDROverlapsSubnet", args: []string{"--subnet-prefix", "10.0.0.0/24"},
			codes: []string{"error ServiceCidrOverlapExistingSubnetsCidr"}, exit: 1,
			rec: "The service CIDR 10.0.0.0/16 can't be used (it overlaps the cluster's network): use 10.1.0.0/16 instead, with DNS service IP 10.1.0.10."},
		{name: "PodCIDROverlapsVNet", args: []string{"--subnet-prefix", "192.168.1.0/24", "--vnet-prefix", "192.168.0.0/16", "--pod-cidr", "192.168.0.0/16"},
			codes: []string{"error PodCidrOverlapExistingSubnetsCidr"}, exit: 1},
		{name: "PodCIDROverlapsServiceCIDR", args: []string{"--subnet-prefix", "192.168.1.0/24", "--pod-cidr", "10.0.0.0/16"},
			codes: []string{"error PodCidrOverlapServiceCidr"}, exit: 1},
		{name: "OnPremisesTenSlash8", args: []string{"--subnet-prefix", "10.1.0.0/24", "--vnet-prefix", "10.1.0.0/16", "--avoid", "10.0.0.0/8"},
			fig:   &fig{251, 27610, 188, 249, 20680, 27390},
			codes: []string{"warning AddressRangeInUse", "warning AddressRangeInUse", "warning AddressRangeInUse"},
			rec:   "10.0.0.0/8 is in use on-premises: use 172.16.0.0/16 for the virtual network instead of 10.1.0.0/16."},
		{name: "PeeredVNetRange", args: []string{"--subnet-prefix", "192.168.1.0/24", "--vnet-prefix", "192.168.0.0/16", "--avoid", "192.168.0.0/16", "--avoid", "203.0.113.0/24"},
			codes: []string{"warning AddressRangeInUse"},
			rec:   "192.168.0.0/16 is in use on-premises: use 10.1.0.0/16 for the virtual network instead of 192.168.0.0/16."},
		{name: "SeveralVNetPrefixes", args: []string{"--subnet-prefix", "10.1.1.0/24", "--vnet-prefix", "10.1.0.0/16,10.2.0.0/16", "--pod-cidr", "10.2.0.0/16"},
			codes: []string{"error PodCidrOverlapExistingSubnetsCidr"}, exit: 1},

		// Reserved ranges.
		{name: "ReservedServiceCIDR", args: []string{"--subnet-prefix", "192.168.1.0/24", "--service-cidr", "172.30.0.0/16"},
			codes: []string{"error ReservedAddressRangeConflict"}, exit: 1,
			rec: "The service CIDR 172.30.0.0/16 can't be used (it overlaps a reserved range): use 10.0.0.0/16 instead, with DNS service IP 10.0.0.10."},
		{name: "ReservedVNet", args: []string{"--subnet-prefix", "172.31.1.0/24", "--vnet-prefix", "172.31.0.0/16"},
			codes: []string{"error ReservedAddressRangeConflict"}, exit: 1},
		{name: "ReservedPodCIDRLinkLocal", args: []string{"--subnet-prefix", "192.168.1.0/24", "--pod-cidr", "169.254.0.0/16"},
			codes: []string{"error ReservedAddressRangeConflict"}, exit: 1},
		{name: "ReservedTestNet", args: []string{"--subnet-prefix", "192.168.1.0/24", "--service-cidr", "192.0.2.0/24"},
			codes: []string{"error ReservedAddressRangeConflict"}, exit: 1},

		// The DNS service IP.
		{name: "DNSOutsideServiceCIDR", args: []string{"--subnet-prefix", "192.168.1.0/24", "--dns-service-ip", "10.1.0.10"},
			codes: []string{"error DnsServiceIpOutOfServiceCidr"}, exit: 1},
		{name: "DNSIsKubernetesService", args: []string{"--subnet-prefix", "192.168.1.0/24", "--dns-service-ip", "10.0.0.1"},
			codes: []string{"error DnsServiceIpConflicting"}, exit: 1},
		{name: "DNSIsBroadcast", args: []string{"--subnet-prefix", "192.168.1.0/24", "--dns-service-ip", "10.0.255.255"},
			codes: []string{"error DnsBroadcastAddressConflicting"}, exit: 1},
	}
	if n := len(tests); n < 24 {
		t.Fatalf("%d layouts; the article's 4 and at least 20 more are wanted", n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runPlanCLI(t, append(tt.args, "-o", "json")...)
			if code != tt.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout: %s", code, tt.exit, errs, out)
			}
			if tt.exit != 0 && !strings.Contains(errs, "ERROR: Azure would refuse this layout: ") {
				t.Errorf("stderr %q does not say the layout is refused", errs)
			}
			var got planJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if tt.fig != nil {
				gf := fig{got.MaxNodes, got.MaxPods, got.RecommendedNodes.Low, got.RecommendedNodes.High, got.RecommendedPods.Low, got.RecommendedPods.High}
				if gf != *tt.fig {
					t.Errorf("figures %+v, want %+v", gf, *tt.fig)
				}
			}
			want := append([]string(nil), tt.codes...)
			sort.Strings(want)
			if diff := cmp.Diff(want, got.codes()); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%+v", diff, got.Findings)
			}
			if got.Valid != (tt.exit == 0) {
				t.Errorf("valid = %v with exit %d", got.Valid, code)
			}
			if tt.rec != "" && !strings.Contains(strings.Join(got.Recommendations, "\n"), tt.rec) {
				t.Errorf("recommendations %q lack %q", got.Recommendations, tt.rec)
			}
			if tt.table != nil {
				tab, _, code := runPlanCLI(t, tt.args...)
				if code != tt.exit {
					t.Errorf("table output: exit %d, want %d", code, tt.exit)
				}
				for _, line := range tt.table {
					if !strings.Contains(tab, line) {
						t.Errorf("table output lacks %q:\n%s", line, tab)
					}
				}
			}
		})
	}
}

func TestPlanCommand_Usage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "the following arguments are required: --subnet-prefix"},
		{[]string{"--subnet-prefix", "192.168.1.0"}, 2, "argument --subnet-prefix: '192.168.1.0' is not a CIDR"},
		{[]string{"--subnet-prefix", "192.168.1.0/24", "--network-plugin", "calico"}, 2, "'calico' is not a valid value for '--network-plugin'"},
		{[]string{"--subnet-prefix", "192.168.1.0/24", "-o", "png"}, 2, "Allowed values: json, jsonc, yaml, yamlc, table, tsv, none, svg."},
		{[]string{"--subnet-prefix", "192.168.1.0/24", "--dns-service-ip", "x"}, 2, "argument --dns-service-ip"},
		{[]string{"--from-cluster", "-g", "rg", "-n", "c", "--subnet-prefix", "192.168.1.0/24"}, 2, "--subnet-prefix can't be combined with --from-cluster"},
		{[]string{"--subnet-prefix", "192.168.1.0/24", "-g", "rg"}, 2, "go with --from-cluster"},
		{[]string{"--from-cluster", "-g", "rg"}, 2, "the following arguments are required: --name/-n"},
	} {
		out, errs, code := runPlanCLI(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) || out != "" {
			t.Errorf("plan %q: exit %d, stdout %q, stderr %q; want exit %d mentioning %q", c.args, code, out, errs, c.code, c.msg)
		}
	}
}

// svgLabels parses an SVG answer as XML and returns its root element name
// and every <text> label.
func TestPlanCommand_SVG(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		exit int
		want []string
	}{
		{"Article", []string{"--subnet-prefix", "192.168.1.0/24", "--vnet-prefix", "192.168.0.0/16", "--node-count", "3"}, 0,
			[]string{"VNet 192.168.0.0/16", "subnet 192.168.1.0/24", "reserved: 192.168.1.0 (network)", "node IPs: 192.168.1.4, 192.168.1.5, 192.168.1.6",
				"pod CIDR 10.244.0.0/16: 256 /24 blocks, one per node", "pod CIDR blocks in use: 10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24",
				"service CIDR 10.0.0.0/16: 65,536 ClusterIPs", "DNS 10.0.0.10", "kubernetes 10.0.0.1"}},
		{"Refused", []string{"--subnet-prefix", "10.1.0.0/24", "--vnet-prefix", "10.1.0.0/16", "--avoid", "10.0.0.0/8", "--service-cidr", "172.30.0.0/16"}, 1,
			[]string{"in use elsewhere 10.0.0.0/8", "reserved by AKS 172.30.0.0/16", "error ReservedAddressRangeConflict", "Recommendations"}},
		{"AzureCNI", []string{"--network-plugin", "azure", "--subnet-prefix", "192.168.1.0/24", "--node-count", "2"}, 0,
			[]string{"subnet 192.168.1.0/24", "Azure CNI gives every node 30 more addresses for its pods", "Pod IPs: Azure CNI takes them from the node subnet"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := runPlanCLI(t, append(c.args, "-o", "svg")...)
			if code != c.exit {
				t.Fatalf("exit %d, want %d: %s", code, c.exit, errs)
			}
			root, texts := clitest.SVGLabels(t, out)
			if root != "http://www.w3.org/2000/svg svg" {
				t.Errorf("root element %q", root)
			}
			all := strings.Join(texts, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("SVG lacks label %q", w)
				}
			}
		})
	}
}

// exampleArgs make docs/plan-example.svg, which README shows.
var exampleArgs = []string{"--subnet-prefix", "192.168.1.0/24", "--vnet-prefix", "192.168.0.0/16", "--pod-cidr", "10.244.0.0/16",
	"--service-cidr", "10.0.0.0/16", "--dns-service-ip", "10.0.0.10", "--node-count", "3", "-o", "svg"}

// TestPlanExampleSVGUpToDate keeps docs/plan-example.svg what the command
// prints (go test ./internal/cli -run PlanExample -update-plan-example
// rewrites it).
func TestPlanExampleSVGUpToDate(t *testing.T) {
	out, errs, code := runPlanCLI(t, exampleArgs...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join("..", "..", "..", "docs", "plan-example.svg")
	if *updatePlanExample {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if string(have) != out {
		t.Errorf("%s is stale: regenerate it with go test ./internal/cli -run PlanExample -update-plan-example", path)
	}
}
