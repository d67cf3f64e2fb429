// Package planview draws a kubenet capacity plan as an SVG picture of its
// address space: the VNet and its subnets on one scale with the pod CIDR,
// the service CIDR and the ranges to avoid; the node subnet address by
// address (the five addresses Azure reserves, the node IPs, the room kept
// for a surge upgrade); the pod CIDR's /24 blocks, one per node; and the
// service range with the kubernetes and DNS service IPs. The findings and
// recommendations of the plan are printed below.
//
// It is pure presentation over kubenet.PlanResult: no I/O, deterministic
// output (the same layout always gives the same bytes), standard library
// only besides packages kubenet and fabric (its IPv4 ↔ integer conversion). The picture is valid SVG 1.1 and every
// label is a <text> element, so it can be searched and tested.
package planview

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/kubenet"
)

// Node is a node as the picture shows it: its IP in the subnet and the /24
// it holds in the pod CIDR (invalid for Azure CNI).
type Node struct {
	Name    string
	IP      netip.Addr
	PodCIDR netip.Prefix
}

// Subnet is one subnet of the VNet.
type Subnet struct {
	Name   string
	Prefix netip.Prefix
}

// Layout is everything the picture shows. Prefixes are the plan's after
// defaults (pod CIDR, service CIDR, DNS IP filled in); Result is
// kubenet.PlanCapacity's answer for them.
type Layout struct {
	// Title heads the picture; a summary of the plugin and subnet when "".
	Title        string
	Plugin       string
	VNetPrefixes []netip.Prefix
	// Subnet is the node subnet; OtherSubnets are the VNet's other
	// subnets, drawn on the VNet bar.
	Subnet       netip.Prefix
	SubnetName   string
	OtherSubnets []Subnet
	PodCIDR      netip.Prefix
	ServiceCIDR  netip.Prefix
	DNSServiceIP netip.Addr
	Avoid        []netip.Prefix
	// Surge is how many addresses (nodes) are kept for a surge upgrade.
	Surge int
	// Nodes are the cluster's nodes, planned or live.
	Nodes  []Node
	Result kubenet.PlanResult
}

// PlannedNodes returns the n nodes a new cluster in the layout gets, as
// AKS hands them out: node i takes the i-th usable address of the subnet
// (the i×(1+maxPods)-th with Azure CNI, whose pods take the addresses in
// between) and, with kubenet or overlay, the i-th /24 of the pod CIDR.
// Nodes that don't fit are left out.
func PlannedNodes(plugin string, subnet, podCIDR netip.Prefix, podsPerNode, n int) []Node {
	step := 1
	if strings.EqualFold(plugin, kubenet.PlanPluginAzure) {
		step = 1 + max(podsPerNode, 0)
	}
	usable := kubenet.UsableHosts(subnet)
	first := kubenet.FirstUsable(subnet)
	var out []Node
	for i := 0; i < n && (i+1)*step <= usable; i++ {
		nd := Node{Name: fmt.Sprintf("node %d", i), IP: addrAdd(first, uint64(i*step))}
		if !strings.EqualFold(plugin, kubenet.PlanPluginAzure) && podCIDR.IsValid() && podCIDR.Bits() <= kubenet.NodePodCIDRBits {
			if i >= 1<<(kubenet.NodePodCIDRBits-podCIDR.Bits()) {
				break
			}
			nd.PodCIDR = netip.PrefixFrom(addrAdd(podCIDR.Masked().Addr(), uint64(i)<<8), kubenet.NodePodCIDRBits)
		}
		out = append(out, nd)
	}
	return out
}

// Count formats n with thousands separators: 27610 → "27,610".
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Colours and geometry.
const (
	width       = 1000
	margin      = 20
	inner       = width - 2*margin
	cell        = 14
	gridCols    = 64
	maxGridCell = 2048

	colVNet     = "#dbeafe"
	colSubnet   = "#60a5fa"
	colOther    = "#bfdbfe"
	colPod      = "#bbf7d0"
	colPodUsed  = "#16a34a"
	colService  = "#fde68a"
	colAvoid    = "#fca5a5"
	colReserved = "#9ca3af"
	colNode     = "#2563eb"
	colPodIP    = "#93c5fd"
	colSurge    = "#f59e0b"
	colFree     = "#ffffff"
	colBlocked  = "#e5e7eb"
	colError    = "#b91c1c"
	colWarning  = "#b45309"
	colText     = "#111827"
	colMuted    = "#4b5563"
)

// svg accumulates the picture.
type svg struct {
	b strings.Builder
	y int
}

// esc escapes text for SVG as encoding/xml's EscapeText does. It is written
// out because importing encoding/xml costs every aksnet command its package
// initialisation.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			if !xmlChar(r) {
				r = '\uFFFD'
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlChar reports whether r may appear in XML text (the Char production of
// XML 1.0).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func (s *svg) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// text writes one label. anchor is start, middle or end.
func (s *svg) text(x, y int, size int, fill, anchor, weight, label string) {
	s.printf(`<text x="%d" y="%d" font-size="%d" fill="%s" text-anchor="%s" font-weight="%s">%s</text>`+"\n", x, y, size, fill, anchor, weight, esc(label))
}

// rect writes a rectangle with a hover title.
func (s *svg) rect(x, y, w, h int, fill, stroke, title string) {
	s.printf(`<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="%s" stroke-width="1">`, x, y, w, h, fill, stroke)
	if title != "" {
		s.printf(`<title>%s</title>`, esc(title))
	}
	s.printf("</rect>\n")
}

func (s *svg) heading(label string) {
	s.y += 28
	s.text(margin, s.y, 15, colText, "start", "bold", label)
	s.y += 10
}

// SVG renders the layout.
func SVG(l Layout) []byte {
	s := &svg{}
	s.title(l)
	s.ranges(l)
	s.subnet(l)
	s.podBlocks(l)
	s.services(l)
	s.findings(l)
	s.legend()
	height := s.y + margin
	var out strings.Builder
	fmt.Fprintf(&out, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&out, `<title>%s</title>`+"\n", esc(l.titleText()))
	fmt.Fprintf(&out, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	out.WriteString(s.b.String())
	out.WriteString("</svg>\n")
	return []byte(out.String())
}

func (l Layout) titleText() string {
	if l.Title != "" {
		return l.Title
	}
	return fmt.Sprintf("aksnet plan: %s in subnet %s", l.plugin(), l.Subnet)
}

func (l Layout) plugin() string {
	if l.Plugin == "" {
		return kubenet.PlanPluginKubenet
	}
	return l.Plugin
}

func (s *svg) title(l Layout) {
	r := l.Result
	s.y = margin + 18
	s.text(margin, s.y, 20, colText, "start", "bold", l.titleText())
	s.y += 22
	limit := map[string]string{kubenet.LimitSubnet: "the subnet", kubenet.LimitPodCIDR: "the pod CIDR", kubenet.LimitRouteTable: "the route table"}[r.LimitedBy]
	s.text(margin, s.y, 13, colText, "start", "normal", fmt.Sprintf("Max %s nodes and %s pods at %d pods per node (limited by %s).",
		Count(r.MaxNodes), Count(r.MaxPods), r.PodsPerNode, limit))
	s.y += 18
	s.text(margin, s.y, 13, colText, "start", "normal", fmt.Sprintf("Recommended %s–%s nodes (%s–%s pods), leaving room to scale and a surge of %d for upgrades.",
		Count(r.RecommendedNodesLow), Count(r.RecommendedNodesHigh), Count(r.PodsLow), Count(r.PodsHigh), l.Surge))
}

// band is one row of the shared-scale range overview.
type band struct {
	label  string
	prefix netip.Prefix
	fill   string
}

func u32(a netip.Addr) uint64 { return uint64(fabric.IPv4Uint(a)) }

func addrAdd(a netip.Addr, n uint64) netip.Addr {
	return fabric.IPv4FromUint(uint32(u32(a) + n))
}

func first(p netip.Prefix) uint64 { return u32(p.Masked().Addr()) }
func size(p netip.Prefix) uint64  { return kubenet.Size(p.Masked()) }

// ranges draws every range of the layout on one linear scale, so overlaps
// line up, then the VNet with its subnets.
func (s *svg) ranges(l Layout) {
	bands := rangeBands(l)
	sc, ok := newRangeScale(bands)
	if !ok {
		return
	}
	s.heading("Address ranges (drawn by the log of their size, so small ranges show; overlapping bars share addresses)")
	for _, b := range bands {
		if !drawable(b.prefix) {
			continue
		}
		s.y += 6
		x0, x1 := sc.x(first(b.prefix)), sc.x(first(b.prefix)+size(b.prefix))
		s.text(margin, s.y+13, 12, colText, "start", "normal", b.label)
		s.rect(margin+rangeLabelW, s.y, int(sc.barW), 18, "#f9fafb", "#e5e7eb", "")
		s.rect(x0, s.y, max(x1-x0, 3), 18, b.fill, colMuted, fmt.Sprintf("%s: %s addresses", b.label, Count(int(size(b.prefix)))))
		s.y += 18
	}
	for i := range sc.weights {
		if !sc.covered[i] {
			s.printf(`<text x="%d" y="%d" font-size="11" fill="%s" text-anchor="middle">≈</text>`+"\n", (sc.xs[i]+sc.xs[i+1])/2, s.y+12, colMuted)
		}
	}
	s.y += 4
	s.text(margin, s.y+24, 11, colMuted, "start", "normal", "≈ unused address space, shortened. Pod, service and VNet ranges must not overlap each other, nor ranges in use elsewhere.")
	s.y += 24

	for _, v := range l.VNetPrefixes {
		s.vnet(l, v)
	}
}

// rangeBands lists the layout's ranges in drawing order: VNet prefixes, the
// node subnet, pod and service CIDRs, ranges in use elsewhere, then each
// range AKS reserves that overlaps one of them.
func rangeBands(l Layout) []band {
	var bands []band
	for _, v := range l.VNetPrefixes {
		bands = append(bands, band{"VNet " + v.String(), v, colVNet})
	}
	bands = append(bands, band{"subnet " + l.Subnet.String(), l.Subnet, colSubnet})
	if l.PodCIDR.IsValid() {
		bands = append(bands, band{"pod CIDR " + l.PodCIDR.String(), l.PodCIDR, colPod})
	}
	if l.ServiceCIDR.IsValid() {
		bands = append(bands, band{"service CIDR " + l.ServiceCIDR.String(), l.ServiceCIDR, colService})
	}
	for _, a := range l.Avoid {
		bands = append(bands, band{"in use elsewhere " + a.String(), a, colAvoid})
	}
	for _, r := range kubenet.ReservedRanges() {
		for _, b := range bands {
			if kubenet.Overlaps(r, b.prefix) && b.fill != colAvoid {
				bands = append(bands, band{"reserved by AKS " + r.String(), r, colAvoid})
				break
			}
		}
	}
	return bands
}

// drawable reports whether a range can be placed on the IPv4 scale.
func drawable(p netip.Prefix) bool { return p.IsValid() && p.Addr().Is4() }

// rangeLabelW is the width of the label column left of the range bars.
const rangeLabelW = 260

// rangeScale maps addresses to x positions. The breakpoints are every
// band's start and end; each stretch between two gets a width by the log of
// its size, and a gap no range covers a fixed small width: small ranges stay
// visible next to large ones, and overlaps still line up.
type rangeScale struct {
	bps     []uint64  // sorted, distinct breakpoints
	weights []float64 // weight of the stretch after each breakpoint
	covered []bool    // whether a band covers that stretch
	xs      []int     // x of each breakpoint
	barW    float64
}

// newRangeScale builds the scale for bands; ok is false when no band is
// drawable.
func newRangeScale(bands []band) (rangeScale, bool) {
	var bps []uint64
	for _, b := range bands {
		if drawable(b.prefix) {
			bps = append(bps, first(b.prefix), first(b.prefix)+size(b.prefix))
		}
	}
	if len(bps) == 0 {
		return rangeScale{}, false
	}
	slices.Sort(bps)
	bps = slices.Compact(bps)
	sc := rangeScale{bps: bps, weights: make([]float64, len(bps)-1), covered: make([]bool, len(bps)-1),
		xs: make([]int, len(bps)), barW: float64(inner - rangeLabelW)}
	total := 0.0
	for i := range sc.weights {
		sc.covered[i] = bandsCover(bands, bps[i], bps[i+1])
		if sc.covered[i] {
			sc.weights[i] = math.Log2(float64(bps[i+1]-bps[i])) + 2
		} else {
			sc.weights[i] = 3
		}
		total += sc.weights[i]
	}
	acc := 0.0
	for i := range bps {
		sc.xs[i] = margin + rangeLabelW + int(acc/total*sc.barW)
		if i < len(sc.weights) {
			acc += sc.weights[i]
		}
	}
	return sc, true
}

// bandsCover reports whether one drawable band holds all of [lo, hi).
func bandsCover(bands []band, lo, hi uint64) bool {
	for _, b := range bands {
		if drawable(b.prefix) && first(b.prefix) <= lo && hi <= first(b.prefix)+size(b.prefix) {
			return true
		}
	}
	return false
}

// x is the position of address a (as an integer) on the scale.
func (sc rangeScale) x(a uint64) int {
	i, _ := slices.BinarySearch(sc.bps, a)
	return sc.xs[min(i, len(sc.xs)-1)]
}

// vnet draws one VNet prefix with the subnets inside it, the node subnet
// first, and a line naming them.
func (s *svg) vnet(l Layout, v netip.Prefix) {
	s.heading(fmt.Sprintf("VNet %s: %s addresses", v, Count(int(size(v)))))
	s.y += 4
	s.rect(margin, s.y, inner, 30, colVNet, colMuted, "VNet "+v.String())
	subs := append([]Subnet{{Name: l.SubnetName, Prefix: l.Subnet}}, l.OtherSubnets...)
	var labels []string
	for i, sn := range subs {
		if !sn.Prefix.IsValid() || !v.Contains(sn.Prefix.Addr()) {
			continue
		}
		x := margin + int(float64(first(sn.Prefix)-first(v))/float64(size(v))*inner)
		w := max(int(float64(size(sn.Prefix))/float64(size(v))*inner), 3)
		fill := colOther
		if i == 0 {
			fill = colSubnet
		}
		s.rect(x, s.y+3, w, 24, fill, colNode, "subnet "+subnetName(sn))
		labels = append(labels, subnetLabel(sn, i == 0))
	}
	s.y += 30
	s.text(margin, s.y+14, 12, colText, "start", "normal", "subnets: "+strings.Join(labels, ", "))
	s.y += 14
}

// subnetName is a subnet's name, if it has one, and prefix.
func subnetName(sn Subnet) string {
	if sn.Name != "" {
		return sn.Name + " " + sn.Prefix.String()
	}
	return sn.Prefix.String()
}

// subnetLabel is subnetName, marked when the subnet holds the nodes.
func subnetLabel(sn Subnet, nodes bool) string {
	if nodes {
		return subnetName(sn) + " (nodes)"
	}
	return subnetName(sn)
}

// subnet draws the node subnet address by address (or, when it is large,
// as a proportional bar).
func (s *svg) subnet(l Layout) {
	p := l.Subnet.Masked()
	if !p.IsValid() || !p.Addr().Is4() {
		return
	}
	r := l.Result
	n := size(p)
	azure := strings.EqualFold(l.plugin(), kubenet.PlanPluginAzure)
	s.heading(fmt.Sprintf("Node subnet %s: %s addresses, 5 reserved, %s usable", p, Count(int(n)), Count(r.UsableIPs)))
	step := uint64(1)
	if azure {
		step = uint64(1 + max(r.PodsPerNode, 0))
	}
	m := mapSubnet(l, p, step, azure)
	s.y += 6
	if n <= maxGridCell {
		s.subnetGrid(m)
	} else {
		s.subnetBar(m)
	}
	s.y += 16
	s.text(margin, s.y, 12, colText, "start", "normal", fmt.Sprintf("reserved: %s (network), %s (default gateway), %s and %s (Azure DNS), %s (broadcast)",
		p.Addr(), addrAdd(p.Addr(), 1), addrAdd(p.Addr(), 2), addrAdd(p.Addr(), 3), kubenet.LastAddr(p)))
	s.y += 16
	label := nodeIPsLabel(l.Nodes)
	if azure {
		label += fmt.Sprintf("; Azure CNI gives every node %d more addresses for its pods", r.PodsPerNode)
	}
	s.text(margin, s.y, 12, colText, "start", "normal", label)
	s.y += 16
	s.text(margin, s.y, 12, colText, "start", "normal", fmt.Sprintf("IPs used: %s, free: %s; %d kept for a surge upgrade", Count(r.UsedIPs), Count(r.FreeIPs), l.Surge*int(step)))
}

// subnetMap is what each offset of the node subnet holds: kind is "node",
// "podip" or "surge" (absent: free), owner the node it belongs to.
type subnetMap struct {
	p     netip.Prefix
	n     uint64
	kind  map[uint64]string
	owner map[uint64]string
}

// mapSubnet places the nodes of l in p, each followed by its pod IPs under
// Azure CNI (step addresses per node in all), then the surge nodes after
// the last of them (after the reserved head when there are no nodes).
func mapSubnet(l Layout, p netip.Prefix, step uint64, azure bool) subnetMap {
	m := subnetMap{p: p, n: size(p), kind: map[uint64]string{}, owner: map[uint64]string{}}
	base, n := first(p), m.n
	var lastNode uint64
	for _, nd := range l.Nodes {
		if !nd.IP.IsValid() || !p.Contains(nd.IP) {
			continue
		}
		off := u32(nd.IP) - base
		m.kind[off], m.owner[off] = "node", nd.Name
		lastNode = max(lastNode, off)
		if azure {
			for k := uint64(1); k < step && off+k < n-1; k++ {
				m.kind[off+k], m.owner[off+k] = "podip", nd.Name
			}
			lastNode = max(lastNode, off+step-1)
		}
	}
	next := uint64(4)
	if len(l.Nodes) > 0 {
		next = lastNode + 1
	}
	for i := 0; i < l.Surge; i++ {
		for k := uint64(0); k < step && next < n-1; k++ {
			if m.kind[next] == "" {
				m.kind[next] = "surge"
			}
			next++
		}
	}
	return m
}

// reservedName is what Azure reserves the subnet offset off for: .0 to .3,
// and the last address (any other offset).
func reservedName(off uint64) string {
	switch off {
	case 0:
		return "network address"
	case 1:
		return "default gateway"
	case 2, 3:
		return "Azure DNS"
	}
	return "broadcast address"
}

// colour is the fill and hover title of the address at offset off.
func (m subnetMap) colour(off uint64) (string, string) {
	a := addrAdd(m.p.Addr(), off)
	if m.n >= 4 && (off < 4 || off == m.n-1) {
		return colReserved, a.String() + ": reserved (" + reservedName(off) + ")"
	}
	switch m.kind[off] {
	case "node":
		return colNode, a.String() + ": " + m.owner[off] + " (node IP)"
	case "podip":
		return colPodIP, a.String() + ": pod IP of " + m.owner[off] + " (Azure CNI)"
	case "surge":
		return colSurge, a.String() + ": kept free for a surge upgrade"
	}
	return colFree, a.String() + ": free"
}

// subnetGrid draws one cell per address.
func (s *svg) subnetGrid(m subnetMap) {
	cols := uint64(gridCols)
	for off := uint64(0); off < m.n; off++ {
		fill, title := m.colour(off)
		x := margin + int(off%cols)*cell
		y := s.y + int(off/cols)*cell
		s.rect(x, y, cell-2, cell-2, fill, "#d1d5db", title)
	}
	s.y += int((m.n+cols-1)/cols) * cell
}

// subnetBar draws the subnet as proportional segments: reserved head,
// nodes, surge, free, broadcast.
func (s *svg) subnetBar(m subnetMap) {
	nodes := uint64(0)
	surge := uint64(0)
	for _, k := range m.kind {
		switch k {
		case "node", "podip":
			nodes++
		case "surge":
			surge++
		}
	}
	n := m.n
	segs := []struct {
		count uint64
		fill  string
		label string
	}{{4, colReserved, "reserved .0–.3"}, {nodes, colNode, "node IPs"}, {surge, colSurge, "surge"}, {n - 5 - nodes - surge, colFree, "free"}, {1, colReserved, "broadcast"}}
	x := margin
	for i, sg := range segs {
		if sg.count == 0 {
			continue
		}
		w := max(int(float64(sg.count)/float64(n)*inner), 3)
		if sg.fill == colFree {
			w = max(margin+inner-3-x, 3) // the rest, less the broadcast address
		}
		if i == len(segs)-1 {
			w = max(margin+inner-x, 3)
		}
		s.rect(x, s.y, w, 22, sg.fill, colMuted, fmt.Sprintf("%s: %s addresses", sg.label, Count(int(sg.count))))
		x += w
	}
	s.y += 22
}

// nodeIPsLabel names the planned node IPs: all of up to six, else the
// count with the first and last.
func nodeIPsLabel(nodes []Node) string {
	ips := validNames(nodes, func(n Node) netip.Addr { return n.IP })
	return listLabel("node IPs", ips, 6, " nodes", "none planned (give --node-count)")
}

// validNames are the valid values of(node) of nodes, as strings.
func validNames[T interface {
	IsValid() bool
	String() string
}](nodes []Node, of func(Node) T) []string {
	var out []string
	for _, n := range nodes {
		if v := of(n); v.IsValid() {
			out = append(out, v.String())
		}
	}
	return out
}

// listLabel is "title: " and names: all of up to most, else their count
// (followed by unit) with the first and last; none when there are none.
func listLabel(title string, names []string, most int, unit, none string) string {
	switch {
	case len(names) > most:
		return fmt.Sprintf("%s: %d%s, %s … %s", title, len(names), unit, names[0], names[len(names)-1])
	case len(names) > 0:
		return title + ": " + strings.Join(names, ", ")
	}
	return title + ": " + none
}

// podBlocksBar draws the pod CIDR's blocks as proportional segments: used,
// free, and beyond the node limit.
func (s *svg) podBlocksBar(used, maxNodes, blocks int) {
	x := margin
	segs := []struct {
		count int
		fill  string
		label string
	}{{used, colPodUsed, "used"}, {max(min(maxNodes, blocks)-used, 0), colPod, "free"}, {max(blocks-maxNodes, 0), colBlocked, "beyond the node limit"}}
	for _, sg := range segs {
		if sg.count == 0 {
			continue
		}
		w := max(int(float64(sg.count)/float64(blocks)*inner), 3)
		s.rect(x, s.y, w, 22, sg.fill, colMuted, fmt.Sprintf("%s: %s /24 blocks", sg.label, Count(sg.count)))
		x += w
	}
	s.y += 22
}

// podBlocksLabel names the nodes' pod CIDR blocks: all of up to four, else
// the count with the first and last.
func podBlocksLabel(nodes []Node) string {
	blocks := validNames(nodes, func(n Node) netip.Prefix { return n.PodCIDR })
	return listLabel("pod CIDR blocks in use", blocks, 4, "", "none planned")
}

// podBlocks draws the pod CIDR's /24 node ranges.
func (s *svg) podBlocks(l Layout) {
	r := l.Result
	if !l.PodCIDR.IsValid() || r.PodCIDRCapacity == 0 {
		if strings.EqualFold(l.plugin(), kubenet.PlanPluginAzure) {
			s.heading("Pod IPs: Azure CNI takes them from the node subnet (above)")
		}
		return
	}
	p := l.PodCIDR.Masked()
	blocks := r.PodCIDRCapacity
	s.heading(fmt.Sprintf("pod CIDR %s: %s /24 blocks, one per node", p, Count(blocks)))
	used := map[int]string{}
	for _, nd := range l.Nodes {
		if nd.PodCIDR.IsValid() && p.Contains(nd.PodCIDR.Addr()) {
			used[int((first(nd.PodCIDR)-first(p))>>8)] = nd.Name
		}
	}
	colour := func(i int) (string, string) {
		blk := netip.PrefixFrom(addrAdd(p.Addr(), uint64(i)<<8), kubenet.NodePodCIDRBits)
		switch {
		case used[i] != "":
			return colPodUsed, blk.String() + ": " + used[i]
		case i >= r.MaxNodes:
			why := "no node can hold it (the " + r.LimitedBy + " limit)"
			return colBlocked, blk.String() + ": " + why
		}
		return colPod, blk.String() + ": free"
	}
	s.y += 6
	if blocks <= maxGridCell {
		for i := 0; i < blocks; i++ {
			fill, title := colour(i)
			s.rect(margin+(i%gridCols)*cell, s.y+(i/gridCols)*cell, cell-2, cell-2, fill, "#d1d5db", title)
		}
		s.y += (blocks + gridCols - 1) / gridCols * cell
	} else {
		s.podBlocksBar(len(used), r.MaxNodes, blocks)
	}
	s.y += 16
	label := podBlocksLabel(l.Nodes)
	if r.RouteLimit > 0 {
		label += fmt.Sprintf("; the route table holds at most %s routes, one per node", Count(r.RouteLimit))
	}
	s.text(margin, s.y, 12, colText, "start", "normal", label)
}

// services draws the service CIDR's first addresses one by one, with the
// kubernetes and DNS service IPs marked, and where the DNS IP falls.
func (s *svg) services(l Layout) {
	p := l.ServiceCIDR.Masked()
	if !p.IsValid() || !p.Addr().Is4() {
		return
	}
	n := size(p)
	s.heading(fmt.Sprintf("service CIDR %s: %s ClusterIPs", p, Count(int(n))))
	s.y += 6
	shown := min(n, uint64(48))
	dnsOff := int64(-1)
	if l.DNSServiceIP.IsValid() && p.Contains(l.DNSServiceIP) {
		dnsOff = int64(u32(l.DNSServiceIP) - first(p))
	}
	for off := uint64(0); off < shown; off++ {
		a := addrAdd(p.Addr(), off)
		fill, title := colService, a.String()+": free ClusterIP"
		switch {
		case off == 0:
			fill, title = colReserved, a.String()+": network address"
		case off == n-1:
			fill, title = colReserved, a.String()+": broadcast address"
		case off == 1:
			fill, title = colNode, a.String()+": kubernetes service (API server)"
		case int64(off) == dnsOff:
			fill, title = colPodUsed, a.String()+": DNS service IP (kube-dns)"
		}
		s.rect(margin+int(off)*cell, s.y, cell-2, cell-2, fill, "#d1d5db", title)
	}
	if n > shown {
		s.text(margin+int(shown)*cell+4, s.y+11, 12, colMuted, "start", "normal", fmt.Sprintf("… %s more, up to %s (broadcast)", Count(int(n-shown)), kubenet.LastAddr(p)))
	}
	s.y += cell + 16
	if k, ok := kubenet.NthAddr(p, 1); ok {
		s.text(margin, s.y, 12, colNode, "start", "bold", "kubernetes "+k.String())
	}
	switch {
	case !l.DNSServiceIP.IsValid():
	case dnsOff >= 0:
		s.text(margin+220, s.y, 12, colPodUsed, "start", "bold", "DNS "+l.DNSServiceIP.String())
	default:
		s.text(margin+220, s.y, 12, colError, "start", "bold", "DNS "+l.DNSServiceIP.String()+" is outside the service CIDR")
	}
	s.y += 16
	s.text(margin, s.y, 12, colText, "start", "normal", fmt.Sprintf("%s is the network address, %s the broadcast address; ClusterIPs are virtual: only kube-proxy on the nodes knows them.",
		p.Addr(), kubenet.LastAddr(p)))
}

// wrap splits text into lines of at most n characters, at spaces.
func wrap(text string, n int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > n {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

func (s *svg) findings(l Layout) {
	r := l.Result
	if len(r.Findings) == 0 {
		s.heading("Findings: none, Azure would accept this layout")
	} else {
		s.heading(fmt.Sprintf("Findings (%d)", len(r.Findings)))
	}
	for _, f := range r.Findings {
		fill, mark := colWarning, "warning"
		if f.Severity == kubenet.SeverityError {
			fill, mark = colError, "error"
		}
		for i, line := range wrap(fmt.Sprintf("%s %s (%s): %s", mark, f.Code, f.Target, f.Message), 140) {
			s.y += 16
			x := margin
			if i > 0 {
				x += 16
			}
			s.text(x, s.y, 12, fill, "start", "normal", line)
		}
	}
	if len(r.Recommendations) == 0 {
		return
	}
	s.heading("Recommendations")
	for _, rec := range r.Recommendations {
		for i, line := range wrap(rec, 140) {
			s.y += 16
			prefix, x := "→ ", margin
			if i > 0 {
				prefix, x = "", margin+16
			}
			s.text(x, s.y, 12, colText, "start", "normal", prefix+line)
		}
	}
}

func (s *svg) legend() {
	s.y += 32
	items := []struct{ fill, label string }{
		{colReserved, "reserved"}, {colNode, "node IP"}, {colPodIP, "pod IP (Azure CNI)"}, {colSurge, "surge room"},
		{colFree, "free"}, {colPodUsed, "pod CIDR block in use"}, {colPod, "free block"}, {colBlocked, "unusable"}, {colAvoid, "in use elsewhere / reserved by AKS"},
	}
	x := margin
	for _, it := range items {
		s.rect(x, s.y-10, 12, 12, it.fill, colMuted, "")
		s.text(x+16, s.y, 11, colMuted, "start", "normal", it.label)
		x += 16 + 7*len(it.label) + 14
		if x > width-160 {
			x = margin
			s.y += 18
		}
	}
}
