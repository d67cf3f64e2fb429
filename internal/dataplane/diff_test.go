package dataplane

import (
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diffCase is one row of the per-kind diff tables: the state a namespace
// should hold, the state it holds, and the operations one kind's diff
// must return.
type diffCase struct {
	name       string
	want, have NSState
	down       []string        // links read back down
	recreated  map[string]bool // namespaces created in this pass
	ops        []string        // the kind's operations, as nsOp.String
}

const (
	diffNS   = "aksnet-t"
	diffPeer = "aksnet-peer"
)

var (
	lo      = Link{Name: linkLo, Kind: "loopback", MTU: 65536}
	cbr0    = Link{Name: linkCbr0, Kind: KindBridge, MTU: MTU}
	ownerV  = Link{Name: "avethpod", Kind: KindVeth, Owner: true, PeerNS: diffPeer, Peer: linkEth0, Master: linkCbr0, MTU: MTU}
	plainV  = Link{Name: "avethpod", Kind: KindVeth, Master: linkCbr0, MTU: MTU}
	eth0    = Link{Name: linkEth0, Kind: KindVeth, MTU: MTU}
	loAddr  = Addr{Dev: linkLo, Prefix: mp("127.0.0.1/8")}
	cbrAddr = Addr{Dev: linkCbr0, Prefix: mp("10.244.0.1/24")}
	ethAddr = Addr{Dev: linkEth0, Prefix: mp("10.244.0.2/32")}
	dflt    = Route{Table: MainTable, Dst: mp("0.0.0.0/0"), Type: RouteUnicast, Gw: ma("169.254.1.1"), Dev: linkEth0}
	hole    = Route{Table: 100, Dst: mp("10.0.0.0/8"), Type: RouteBlackhole}
)

// observed is have as a kernel reads it back: every link up but those in
// down, the nftables table as its fingerprint.
func (c diffCase) observed() *observed {
	o := &observed{NSState: *c.have.clone(), LinkUp: map[string]bool{}, NFTHash: c.have.NFT.Fingerprint()}
	for _, l := range o.Links {
		o.LinkUp[l.Name] = true
	}
	for _, l := range c.down {
		o.LinkUp[l] = false
	}
	if o.Sysctls == nil {
		o.Sysctls = map[string]string{}
	}
	return o
}

// runDiffCases checks each case's operations as kind returns them, then
// that the whole diff, applied to the fake kernel holding have, succeeds
// and leaves nothing to do: the fake refuses what a kernel refuses
// (an address on a missing link, a port before its bridge).
func runDiffCases(t *testing.T, cases []diffCase, kind func(want *NSState, have *observed, ls linkDiff) []nsOp) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			have := c.observed()
			got := []string{}
			for _, op := range kind(&c.want, have, diffLinks(c.want.Links, have, c.recreated)) {
				got = append(got, op.String())
			}
			if c.ops == nil {
				c.ops = []string{}
			}
			if d := cmp.Diff(c.ops, got); d != "" {
				t.Errorf("operations (-want +got):\n%s", d)
			}

			k := &fakeKernel{ns: map[string]*fakeNS{
				diffNS:   {NSState: *c.have.clone(), up: maps.Clone(have.LinkUp), peer: map[string][2]string{}, nftHash: have.NFTHash},
				diffPeer: {up: map[string]bool{}, peer: map[string][2]string{}},
			}}
			if k.ns[diffNS].Sysctls == nil {
				k.ns[diffNS].Sysctls = map[string]string{}
			}
			if err := k.Apply(diffNS, diff(&c.want, have, c.recreated)); err != nil {
				t.Fatalf("fake kernel refused the diff: %v", err)
			}
			again, err := k.Read(diffNS, &c.want, false)
			if err != nil {
				t.Fatal(err)
			}
			if ops := diff(&c.want, again, nil); len(ops) != 0 {
				t.Errorf("after applying the diff, a second diff still has %v", ops)
			}
		})
	}
}

func TestDiffLinks(t *testing.T) {
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{Links: []Link{lo, cbr0}},
		have: NSState{Links: []Link{lo, cbr0}},
	}, {
		name: "bridge made before its owner port, whatever the order wanted",
		want: NSState{Links: []Link{lo, ownerV, cbr0}},
		have: NSState{Links: []Link{lo}},
		ops:  []string{"add " + cbr0.String(), "add " + ownerV.String()},
	}, {
		name: "a veth end waits for its owner",
		want: NSState{Links: []Link{lo, eth0}},
		have: NSState{Links: []Link{lo}},
	}, {
		name: "a link of another kind is made again",
		want: NSState{Links: []Link{lo, cbr0}},
		have: NSState{Links: []Link{lo, {Name: linkCbr0, Kind: "dummy", MTU: MTU}}},
		ops:  []string{"del link cbr0 dummy mtu 1500 up", "add " + cbr0.String()},
	}, {
		name: "lo is never made again, whatever its kind reads as",
		want: NSState{Links: []Link{lo}},
		have: NSState{Links: []Link{{Name: linkLo, Kind: "device", MTU: 65536}}},
	}, {
		name:      "an owner veth towards a recreated namespace is made again",
		want:      NSState{Links: []Link{cbr0, ownerV}},
		have:      NSState{Links: []Link{cbr0, plainV}},
		recreated: map[string]bool{diffPeer: true},
		ops:       []string{"del " + plainV.String(), "add " + ownerV.String()},
	}, {
		name: "an owner veth towards a namespace that stays is kept",
		want: NSState{Links: []Link{cbr0, ownerV}},
		have: NSState{Links: []Link{cbr0, plainV}},
	}, {
		name: "mtu, master and up state are set",
		want: NSState{Links: []Link{cbr0, plainV, eth0}},
		have: NSState{Links: []Link{cbr0, {Name: "avethpod", Kind: KindVeth, MTU: 1400}, eth0}},
		down: []string{linkEth0},
		ops:  []string{"set " + plainV.String(), "set " + eth0.String()},
	}, {
		name: "unwanted links go, lo stays",
		want: NSState{},
		have: NSState{Links: []Link{lo, cbr0}},
		ops:  []string{"del " + cbr0.String()},
	}}, func(_ *NSState, _ *observed, ls linkDiff) []nsOp { sortOps(ls.ops); return ls.ops })
}

func TestDiffSysctls(t *testing.T) {
	fwd := "net/ipv4/ip_forward"
	proxy := "net/ipv4/conf/" + linkCbr0 + "/proxy_arp"
	ethProxy := "net/ipv4/conf/" + linkEth0 + "/proxy_arp"
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{Links: []Link{cbr0}, Sysctls: map[string]string{fwd: "1", proxy: "1"}},
		have: NSState{Links: []Link{cbr0}, Sysctls: map[string]string{fwd: "1", proxy: "1"}},
	}, {
		name: "differing values are set, in key order",
		want: NSState{Links: []Link{cbr0}, Sysctls: map[string]string{proxy: "1", fwd: "1"}},
		have: NSState{Links: []Link{cbr0}, Sysctls: map[string]string{fwd: "0"}},
		ops:  []string{"set sysctl " + proxy + "=1", "set sysctl " + fwd + "=1"},
	}, {
		name: "a link's sysctl waits for the link",
		want: NSState{Links: []Link{eth0}, Sysctls: map[string]string{ethProxy: "1"}},
		have: NSState{},
	}, {
		name: "a fresh link's sysctl is set even though the old link had it",
		want: NSState{Links: []Link{cbr0}, Sysctls: map[string]string{proxy: "1"}},
		have: NSState{Links: []Link{{Name: linkCbr0, Kind: "dummy", MTU: MTU}}, Sysctls: map[string]string{proxy: "1"}},
		ops:  []string{"set sysctl " + proxy + "=1"},
	}}, func(want *NSState, have *observed, ls linkDiff) []nsOp {
		return diffSysctls(want.Sysctls, want.Links, have.Sysctls, ls)
	})
}

func TestDiffAddrs(t *testing.T) {
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{Links: []Link{lo, cbr0}, Addrs: []Addr{cbrAddr}},
		have: NSState{Links: []Link{lo, cbr0}, Addrs: []Addr{loAddr, cbrAddr}},
	}, {
		name: "missing addresses are added, unwanted ones deleted, lo's loopback kept",
		want: NSState{Links: []Link{lo, cbr0}, Addrs: []Addr{cbrAddr}},
		have: NSState{Links: []Link{lo, cbr0}, Addrs: []Addr{loAddr, {Dev: linkCbr0, Prefix: mp("10.244.9.1/24")}}},
		ops:  []string{"add " + cbrAddr.String(), "del addr 10.244.9.1/24 dev cbr0"},
	}, {
		name: "an address waits for its link",
		want: NSState{Links: []Link{eth0}, Addrs: []Addr{ethAddr}},
		have: NSState{},
	}, {
		name: "a re-created link gets its address again",
		want: NSState{Links: []Link{cbr0}, Addrs: []Addr{cbrAddr}},
		have: NSState{Links: []Link{{Name: linkCbr0, Kind: "dummy", MTU: MTU}}, Addrs: []Addr{cbrAddr}},
		ops:  []string{"add " + cbrAddr.String()},
	}}, func(want *NSState, have *observed, ls linkDiff) []nsOp { return diffAddrs(want.Addrs, have.Addrs, ls) })
}

func TestDiffRoutes(t *testing.T) {
	viaOther := dflt
	viaOther.Gw = ma("169.254.9.9")
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{Links: []Link{eth0}, Routes: []Route{dflt, hole}},
		have: NSState{Links: []Link{eth0}, Routes: []Route{dflt, hole}},
	}, {
		name: "missing and differing routes are replaced, unwanted ones deleted",
		want: NSState{Links: []Link{eth0}, Routes: []Route{dflt}},
		have: NSState{Links: []Link{eth0}, Routes: []Route{viaOther, hole}},
		ops:  []string{"replace " + dflt.String(), "del " + hole.String()},
	}, {
		name: "a blackhole needs no link",
		want: NSState{Routes: []Route{hole}},
		have: NSState{},
		ops:  []string{"replace " + hole.String()},
	}, {
		name: "a route waits for its link",
		want: NSState{Links: []Link{eth0}, Routes: []Route{dflt}},
		have: NSState{},
	}}, func(want *NSState, have *observed, ls linkDiff) []nsOp {
		return diffRoutes(want.Routes, have.Routes, ls)
	})
}

func TestDiffRules(t *testing.T) {
	r1 := Rule{Priority: 1001, IIF: "aksnetc0a80104", Table: 100}
	r2 := Rule{Priority: 1002, IIF: "aksnetc0a80105", Table: 100}
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{Rules: []Rule{r1}},
		have: NSState{Rules: []Rule{r1}},
	}, {
		name: "missing rules are added, unwanted ones deleted",
		want: NSState{Rules: []Rule{r1}},
		have: NSState{Rules: []Rule{r2}},
		ops:  []string{"add " + r1.String(), "del " + r2.String()},
	}}, func(want *NSState, have *observed, _ linkDiff) []nsOp { return diffRules(want.Rules, have.Rules) })
}

func TestDiffNFT(t *testing.T) {
	drop := &Ruleset{Chains: []*Chain{{Name: "forward", Type: "filter", Hook: "forward", Rules: []NFRule{{Action: Action{Verdict: "drop"}}}}}}
	accept := &Ruleset{Chains: []*Chain{{Name: "forward", Type: "filter", Hook: "forward"}}}
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{NFT: drop},
		have: NSState{NFT: drop},
	}, {
		name: "a differing table is loaded",
		want: NSState{NFT: drop},
		have: NSState{NFT: accept},
		ops:  []string{"load nft table " + drop.Hash()},
	}, {
		name: "an unwanted table is deleted",
		want: NSState{},
		have: NSState{NFT: accept},
		ops:  []string{"delete nft table"},
	}, {
		name: "no table, none wanted",
	}}, func(want *NSState, have *observed, _ linkDiff) []nsOp {
		ops := diffNFT(want.NFT, have.NFTHash)
		for _, op := range ops {
			if op.Value != have.NFTHash {
				t.Errorf("%s replaces %q, read back %q", op, op.Value, have.NFTHash)
			}
		}
		return ops
	})
}

func TestDiffWorkloads(t *testing.T) {
	echo := Workload{Kind: WorkEcho, Port: 8080, Name: "pod-a"}
	renamed := Workload{Kind: WorkEcho, Port: 8080, Name: "pod-b"}
	dns := Workload{Kind: WorkDNS, Port: 53}
	runDiffCases(t, []diffCase{{
		name: "in sync",
		want: NSState{Workloads: []Workload{echo}},
		have: NSState{Workloads: []Workload{echo}},
	}, {
		name: "missing and differing workloads are started, unwanted ones stopped",
		want: NSState{Workloads: []Workload{renamed}},
		have: NSState{Workloads: []Workload{echo, dns}},
		ops:  []string{"start " + renamed.String(), "stop " + dns.String()},
	}}, func(want *NSState, have *observed, _ linkDiff) []nsOp {
		return diffWorkloads(want.Workloads, have.Workloads)
	})
}
