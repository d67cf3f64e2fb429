package planview

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/google/go-cmp/cmp"
)

// svgDoc is a parsed picture: its root attributes, every label and every
// hover title.
type svgDoc struct {
	root   xml.StartElement
	texts  []string
	titles []string
	rects  int
}

// parseSVG checks that b is well-formed XML with an <svg> root in the SVG
// namespace and collects its labels.
func parseSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var doc svgDoc
	var stack []string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				doc.root = x
			}
			stack = append(stack, x.Name.Local)
			text.Reset()
			if x.Name.Local == "rect" {
				doc.rects++
			}
		case xml.CharData:
			text.Write(x)
		case xml.EndElement:
			switch x.Name.Local {
			case "text":
				doc.texts = append(doc.texts, text.String())
			case "title":
				doc.titles = append(doc.titles, text.String())
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		}
	}
	if doc.root.Name.Local != "svg" || doc.root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element %v, want svg in the SVG namespace", doc.root.Name)
	}
	attrs := map[string]string{}
	for _, a := range doc.root.Attr {
		attrs[a.Name.Local] = a.Value
	}
	for _, k := range []string{"width", "height", "viewBox"} {
		if attrs[k] == "" {
			t.Errorf("svg has no %s", k)
		}
	}
	return doc
}

func (d svgDoc) hasText(sub string) bool {
	for _, s := range d.texts {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func (d svgDoc) countTitles(prefix string) int {
	n := 0
	for _, s := range d.titles {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func mp(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func layoutFor(plan kubenet.Plan, nodes int) Layout {
	r := kubenet.PlanCapacity(plan)
	pod := plan.PodCIDR
	if !pod.IsValid() && r.Plugin != kubenet.PlanPluginAzure {
		pod = mp(kubenet.DefaultPodCIDR)
	}
	svc := plan.ServiceCIDR
	if !svc.IsValid() {
		svc = mp(kubenet.DefaultServiceCIDR)
	}
	dns := plan.DNSServiceIP
	if !dns.IsValid() {
		dns, _ = kubenet.NthAddr(svc, 10)
	}
	return Layout{Plugin: r.Plugin, VNetPrefixes: plan.VNetPrefixes, Subnet: plan.SubnetPrefix, PodCIDR: pod, ServiceCIDR: svc,
		DNSServiceIP: dns, Avoid: plan.Avoid, Surge: 2, Result: r,
		Nodes: PlannedNodes(r.Plugin, plan.SubnetPrefix, pod, r.PodsPerNode, nodes)}
}

func TestSVG_Article(t *testing.T) {
	l := layoutFor(kubenet.Plan{SubnetPrefix: mp("192.168.1.0/24"), VNetPrefixes: []netip.Prefix{mp("192.168.0.0/16")}, NodeCount: 3}, 3)
	doc := parseSVG(t, SVG(l))
	for _, want := range []string{
		"VNet 192.168.0.0/16", "subnet 192.168.1.0/24", "pod CIDR 10.244.0.0/16", "service CIDR 10.0.0.0/16",
		"reserved: 192.168.1.0 (network), 192.168.1.1 (default gateway), 192.168.1.2 and 192.168.1.3 (Azure DNS), 192.168.1.255 (broadcast)",
		"node IPs: 192.168.1.4, 192.168.1.5, 192.168.1.6",
		"pod CIDR blocks in use: 10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24",
		"kubernetes 10.0.0.1", "DNS 10.0.0.10",
		"Max 251 nodes and 27,610 pods at 110 pods per node",
		"Findings: none",
	} {
		if !doc.hasText(want) {
			t.Errorf("no label %q in %q", want, doc.texts)
		}
	}
	// One cell per subnet address: 5 reserved, 3 nodes, 2 kept for surge.
	if got := doc.countTitles("192.168.1."); got != 256 {
		t.Errorf("%d subnet cells, want 256", got)
	}
	doc.wantCells(t, map[string]int{": reserved (": 5, "(node IP)": 3, "kept free for a surge upgrade": 2})
	// One cell per /24 of the pod CIDR, three of them used.
	if got := doc.countTitles("10.244."); got != 256 {
		t.Errorf("%d pod CIDR cells, want 256", got)
	}
	if diff := cmp.Diff([]string{"10.244.0.0/24: node 0", "10.244.1.0/24: node 1", "10.244.2.0/24: node 2"}, filter(doc.titles, "/24: node ")); diff != "" {
		t.Errorf("used pod CIDR blocks (-want +got):\n%s", diff)
	}
	if !bytes.Equal(SVG(l), SVG(l)) {
		t.Error("SVG is not deterministic")
	}
}

// wantCells checks how many cell titles contain each substring.
func (d svgDoc) wantCells(t *testing.T, want map[string]int) {
	t.Helper()
	for sub, n := range want {
		if got := len(filter(d.titles, sub)); got != n {
			t.Errorf("%d cells titled …%q…, want %d", got, sub, n)
		}
	}
}

func filter(ss []string, sub string) []string {
	var out []string
	for _, s := range ss {
		if strings.Contains(s, sub) {
			out = append(out, s)
		}
	}
	return out
}

func TestSVG_Findings(t *testing.T) {
	l := layoutFor(kubenet.Plan{SubnetPrefix: mp("10.1.0.0/24"), VNetPrefixes: []netip.Prefix{mp("10.1.0.0/16")},
		ServiceCIDR: mp("172.30.0.0/16"), DNSServiceIP: netip.MustParseAddr("10.2.0.10"), Avoid: []netip.Prefix{mp("10.0.0.0/8")}}, 0)
	doc := parseSVG(t, SVG(l))
	for _, want := range []string{
		"in use elsewhere 10.0.0.0/8", "reserved by AKS 172.30.0.0/16", "DNS 10.2.0.10 is outside the service CIDR",
		"error ReservedAddressRangeConflict", "error DnsServiceIpOutOfServiceCidr", "warning AddressRangeInUse",
		"→ 10.0.0.0/8 is in use on-premises: use 172.16.0.0/16 for the virtual network instead of 10.1.0.0/16.",
		"node IPs: none planned",
	} {
		if !doc.hasText(want) {
			t.Errorf("no label %q in %q", want, doc.texts)
		}
	}
}

func TestSVG_AzureCNIAndLargeSubnet(t *testing.T) {
	// Azure CNI: each node takes 1+30 addresses of the subnet.
	l := layoutFor(kubenet.Plan{Plugin: "azure", SubnetPrefix: mp("192.168.1.0/24"), MaxPods: 30, NodeCount: 2}, 2)
	doc := parseSVG(t, SVG(l))
	// The surge keeps 2 nodes of 31 addresses free.
	doc.wantCells(t, map[string]int{"(node IP)": 2, "pod IP of node": 60, "kept free for a surge upgrade": 62})
	if !doc.hasText("Pod IPs: Azure CNI takes them from the node subnet") {
		t.Error("no Azure CNI pod IP label")
	}
	// A /16 is drawn as a proportional bar, not 65,536 cells.
	l = layoutFor(kubenet.Plan{SubnetPrefix: mp("10.240.0.0/16"), PodCIDR: mp("10.0.0.0/12"), ServiceCIDR: mp("10.16.0.0/16"), NodeCount: 10}, 10)
	b := SVG(l)
	doc = parseSVG(t, b)
	if doc.rects > 6000 || len(b) > 1<<20 {
		t.Errorf("%d rects, %d bytes for a /16", doc.rects, len(b))
	}
	for _, want := range []string{"Node subnet 10.240.0.0/16: 65,536 addresses, 5 reserved, 65,531 usable", "pod CIDR 10.0.0.0/12: 4,096 /24 blocks, one per node", "node IPs: 10 nodes, 10.240.0.4 … 10.240.0.13"} {
		if !doc.hasText(want) {
			t.Errorf("no label %q", want)
		}
	}
}

func TestSVG_EscapesText(t *testing.T) {
	l := layoutFor(kubenet.Plan{SubnetPrefix: mp("192.168.1.0/24")}, 0)
	l.Title = `a <b> & "c"`
	doc := parseSVG(t, SVG(l))
	if !doc.hasText(`a <b> & "c"`) {
		t.Errorf("title not escaped and restored: %q", doc.texts[:1])
	}
}

func TestPlannedNodes(t *testing.T) {
	got := PlannedNodes("kubenet", mp("192.168.1.0/29"), mp("10.244.0.0/16"), 110, 5)
	if len(got) != 3 { // a /29 has 3 usable addresses
		t.Fatalf("%d nodes in a /29, want 3", len(got))
	}
	if got[2].IP != netip.MustParseAddr("192.168.1.6") || got[2].PodCIDR != mp("10.244.2.0/24") {
		t.Errorf("third node %+v", got[2])
	}
	az := PlannedNodes("azure", mp("192.168.1.0/24"), netip.Prefix{}, 30, 10)
	if len(az) != 8 || az[1].IP != netip.MustParseAddr("192.168.1.35") || az[1].PodCIDR.IsValid() {
		t.Errorf("Azure CNI nodes %+v", az)
	}
	if n := PlannedNodes("kubenet", mp("192.168.0.0/22"), mp("10.244.0.0/23"), 110, 10); len(n) != 2 {
		t.Errorf("%d nodes with a /23 pod CIDR, want 2", len(n))
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 27610: "27,610", 1022750: "1,022,750", -4096: "-4,096"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestEscMatchesEncodingXML checks the hand-written escaper against
// encoding/xml's on text with every special and some invalid characters.
func TestEscMatchesEncodingXML(t *testing.T) {
	for _, s := range []string{"", "plain 10.244.0.0/16", `a<b>&"c"'d'`, "tab\tnl\ncr\r", "bell\x07 nul\x00", "bad utf8 \xff\xfe", "snow ☃ \U0001F600", "\uFFFE"} {
		var want strings.Builder
		_ = xml.EscapeText(&want, []byte(s))
		if got := esc(s); got != want.String() {
			t.Errorf("esc(%q) = %q, want %q", s, got, want.String())
		}
	}
}

func TestNodeLabels(t *testing.T) {
	// nodes(n) are n nodes from 10.0.0.4 with pod CIDRs from 10.244.0.0/24.
	nodes := func(n int) []Node {
		var out []Node
		for i := range n {
			out = append(out, Node{IP: netip.AddrFrom4([4]byte{10, 0, 0, byte(4 + i)}),
				PodCIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24)})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		label func([]Node) string
		nodes []Node
		want  string
	}{
		{"nodeIPsLabel", nodeIPsLabel, nil, "node IPs: none planned (give --node-count)"},
		{"nodeIPsLabel", nodeIPsLabel, []Node{{Name: "no IP"}}, "node IPs: none planned (give --node-count)"},
		{"nodeIPsLabel", nodeIPsLabel, nodes(2), "node IPs: 10.0.0.4, 10.0.0.5"},
		{"nodeIPsLabel", nodeIPsLabel, nodes(6), "node IPs: 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9"},
		{"nodeIPsLabel", nodeIPsLabel, nodes(7), "node IPs: 7 nodes, 10.0.0.4 … 10.0.0.10"},
		{"podBlocksLabel", podBlocksLabel, []Node{{Name: "no pod CIDR"}}, "pod CIDR blocks in use: none planned"},
		{"podBlocksLabel", podBlocksLabel, nodes(4), "pod CIDR blocks in use: 10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24, 10.244.3.0/24"},
		{"podBlocksLabel", podBlocksLabel, nodes(5), "pod CIDR blocks in use: 5, 10.244.0.0/24 … 10.244.4.0/24"},
	} {
		if got := tc.label(tc.nodes); got != tc.want {
			t.Errorf("%s(%v) = %q, want %q", tc.name, tc.nodes, got, tc.want)
		}
	}
}

func TestSubnetLabel(t *testing.T) {
	p := mp("10.0.1.0/24")
	for _, tc := range []struct {
		sn    Subnet
		nodes bool
		want  string
	}{
		{Subnet{Prefix: p}, false, "10.0.1.0/24"},
		{Subnet{Name: "aks", Prefix: p}, false, "aks 10.0.1.0/24"},
		{Subnet{Name: "aks", Prefix: p}, true, "aks 10.0.1.0/24 (nodes)"},
	} {
		if got := subnetLabel(tc.sn, tc.nodes); got != tc.want {
			t.Errorf("subnetLabel(%v, %v) = %q, want %q", tc.sn, tc.nodes, got, tc.want)
		}
	}
}
