package dataplane

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// Kernel-level model: what one network namespace holds. compile produces it
// from Desired; the kernel implementations read it back and apply diffs.

// Namespace levels, processed in order: a veth is created by its owner
// end, in a lower level, and configured on the other end afterwards. The
// internet namespace owns its links to the fabrics; a node owns its NIC's
// veth to the fabric (so the fabric's many NIC links are created by the
// nodes in parallel) and its pods' veths. Fabrics and pods only configure.
const (
	levelInet   = 0
	levelNode   = 1
	levelFabric = 2
	levelPod    = 2
	levelLast   = 2
)

// MTU is the MTU of every link; the same end to end.
const MTU = 1500

// MainTable is the kernel's main routing table.
const MainTable = 254

// Link kinds.
const (
	KindVeth   = "veth"
	KindBridge = "bridge"
)

// Link is one interface of a namespace.
type Link struct {
	Name string
	Kind string
	// Owner is set on the end of a veth pair that creates the pair; the
	// other end only configures itself once it exists.
	Owner bool
	// PeerNS and Peer name the other end of a veth (Owner only).
	PeerNS, Peer string
	// Master is the bridge the link is a port of.
	Master string
	MTU    int
}

func (l Link) String() string {
	s := "link " + l.Name + " " + l.Kind
	if l.Owner {
		s += " peer " + l.PeerNS + "/" + l.Peer
	}
	if l.Master != "" {
		s += " master " + l.Master
	}
	return s + fmt.Sprintf(" mtu %d up", l.MTU)
}

// Addr is an IPv4 address on a link.
type Addr struct {
	Dev    string
	Prefix netip.Prefix
}

func (a Addr) String() string { return "addr " + a.Prefix.String() + " dev " + a.Dev }

// Route types.
const (
	RouteUnicast   = "unicast"
	RouteBlackhole = "blackhole"
)

// Route is one route aksnet manages (kernel routes of connected prefixes
// are not modelled).
type Route struct {
	Table int
	Dst   netip.Prefix
	Type  string
	Gw    netip.Addr
	Dev   string
}

func (r Route) String() string {
	s := "route"
	if r.Table != MainTable {
		s += fmt.Sprintf(" table %d", r.Table)
	}
	if r.Type == RouteBlackhole {
		return s + " blackhole " + r.Dst.String()
	}
	dst := r.Dst.String()
	if r.Dst.Bits() == 0 {
		dst = "default"
	}
	s += " " + dst
	if r.Gw.IsValid() {
		s += " via " + r.Gw.String()
	}
	s += " dev " + r.Dev
	if r.Gw.IsValid() {
		s += " onlink"
	}
	return s
}

func (r Route) key() string { return fmt.Sprintf("%d|%s", r.Table, r.Dst) }

// Rule is one policy routing rule selecting a table by ingress interface.
type Rule struct {
	Priority int
	IIF      string
	Table    int
}

func (r Rule) String() string {
	return fmt.Sprintf("rule %d: iif %s lookup %d", r.Priority, r.IIF, r.Table)
}

// Workload kinds.
const (
	WorkEcho = "echo"
	WorkDNS  = "dns"
)

// Workload is a server aksnet runs inside a namespace: the HTTP echo of a
// pod (or of the internet host) or the cluster DNS.
type Workload struct {
	Kind string
	Port int
	// Name is what the echo answers as its pod name.
	Name string
	// Zone holds the DNS records (fully qualified name → address).
	Zone map[string]netip.Addr
}

func (w Workload) String() string {
	s := fmt.Sprintf("workload %s :%d", w.Kind, w.Port)
	if w.Name != "" {
		s += " " + w.Name
	}
	for _, k := range slices.Sorted(maps.Keys(w.Zone)) {
		s += fmt.Sprintf(" %s=%s", k, w.Zone[k])
	}
	return s
}

// NSState is everything aksnet manages in one namespace.
type NSState struct {
	Level   int
	Sysctls map[string]string
	// InitSysctls are set when the namespace is created and not read back
	// afterwards (IPv6 off): checking them on every pass would cost a
	// thread switch into every namespace.
	InitSysctls map[string]string
	Links       []Link
	Addrs       []Addr
	Routes      []Route
	Rules       []Rule
	// NFT is the namespace's nftables table; nil when it has none.
	NFT       *Ruleset
	Workloads []Workload
	// ResolvConf is the resolv.conf that programs run in the namespace
	// see, kept as iproute2 keeps a named namespace's /etc files:
	// EtcNetnsDir/NAME/resolv.conf, which `ip netns exec` and `aks pod
	// exec` bind over /etc/resolv.conf. "" means none.
	ResolvConf string
}

// sortState puts every list in a canonical order.
func (s *NSState) sortState() {
	slices.SortFunc(s.Links, func(a, b Link) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Addrs, func(a, b Addr) int {
		return cmp.Or(cmp.Compare(a.Dev, b.Dev), a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
	})
	slices.SortFunc(s.Routes, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), a.Dst.Addr().Compare(b.Dst.Addr()), cmp.Compare(a.Dst.Bits(), b.Dst.Bits()))
	})
	slices.SortFunc(s.Rules, func(a, b Rule) int { return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.IIF, b.IIF)) })
	slices.SortFunc(s.Workloads, func(a, b Workload) int { return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Kind, b.Kind)) })
}

// Lines renders the namespace as `ip`-like lines, in canonical order.
func (s *NSState) Lines() []string {
	c := s.clone()
	c.sortState()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c.InitSysctls)) {
		out = append(out, "sysctl (at creation) "+k+"="+c.InitSysctls[k])
	}
	for _, k := range slices.Sorted(maps.Keys(c.Sysctls)) {
		out = append(out, "sysctl "+k+"="+c.Sysctls[k])
	}
	for _, l := range c.Links {
		out = append(out, l.String())
	}
	for _, a := range c.Addrs {
		out = append(out, a.String())
	}
	for _, r := range c.Routes {
		out = append(out, r.String())
	}
	for _, r := range c.Rules {
		out = append(out, r.String())
	}
	if c.NFT != nil {
		for _, l := range strings.Split(strings.TrimRight(c.NFT.String(), "\n"), "\n") {
			out = append(out, "nft "+l)
		}
	}
	for _, w := range c.Workloads {
		out = append(out, w.String())
	}
	if c.ResolvConf != "" {
		out = append(out, "resolv.conf "+strings.Join(strings.Split(strings.TrimSpace(c.ResolvConf), "\n"), "; "))
	}
	return out
}

func (s *NSState) clone() *NSState {
	c := *s
	c.Sysctls = maps.Clone(s.Sysctls)
	c.InitSysctls = maps.Clone(s.InitSysctls)
	c.Links = slices.Clone(s.Links)
	c.Addrs = slices.Clone(s.Addrs)
	c.Routes = slices.Clone(s.Routes)
	c.Rules = slices.Clone(s.Rules)
	c.Workloads = slices.Clone(s.Workloads)
	return &c
}

// World is the state of every namespace aksnet manages, by name.
type World map[string]*NSState

// String renders w as one block of lines per namespace, sorted by name.
func (w World) String() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(w)) {
		b.WriteString("netns " + name + "\n")
		for _, l := range w[name].Lines() {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}
