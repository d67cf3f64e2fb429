package dataplane

import (
	"context"
	"net/netip"
	"slices"
	"testing"
)

// TestUpdate_Incremental: Update reads back only what changed, plus a
// rotating 1/ResyncSpread share of the rest, and still repairs drift: a
// namespace deleted by hand at the next Update, a route deleted by hand in
// an unchanged namespace within ResyncSpread Updates.
func TestUpdate_Incremental(t *testing.T) {
	const spread = 4
	f, err := NewFake(Options{Prefix: "aksnet-", ResyncSpread: spread})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	podA := Pod{Name: "pod-a", Node: nodeName(0), IP: podIP(0, 2)}
	podB := Pod{Name: "pod-b", Node: nodeName(1), IP: podIP(1, 2)}
	base := fixture{nodes: 10, skipNode: -1, pods: []Pod{podA}}.desired()
	if err := f.Update(ctx, base); err != nil {
		t.Fatal(err)
	}
	all := len(f.Namespaces())
	if got := f.LastStats().Read; got != all {
		t.Fatalf("the first Update read %d namespaces, want all %d", got, all)
	}
	want := f.String()

	// Nothing changed: a share of the namespaces, and every one of them
	// within spread Updates.
	for range spread {
		if err := f.Update(ctx, base); err != nil {
			t.Fatal(err)
		}
		share := (all + spread - 1) / spread
		if got := f.LastStats().Read; got != share {
			t.Errorf("an idle Update read %d of %d namespaces, want %d", got, all, share)
		}
	}
	if f.String() != want {
		t.Errorf("idle Updates changed the plane")
	}

	// A pod on node 1: its namespace, node 1's (its veth and bridge port)
	// and the resync share; nothing else is read.
	withB := fixture{nodes: 10, skipNode: -1, pods: []Pod{podA, podB}}.desired()
	if err := f.Update(ctx, withB); err != nil {
		t.Fatal(err)
	}
	share := (all + 1 - 2 + spread - 1) / spread
	if got := f.LastStats().Read; got > 2+share+1 {
		t.Errorf("adding a pod read %d namespaces, want at most the pod's, its node's, the DNS pod's and a share of %d", got, share)
	}
	full, err := NewFake(Options{Prefix: "aksnet-"})
	if err != nil {
		t.Fatal(err)
	}
	if err := full.Set(ctx, withB); err != nil {
		t.Fatal(err)
	}
	if f.String() != full.String() {
		t.Errorf("Update after a pod add differs from a full Set:\n%s\nwant\n%s", f.String(), full.String())
	}

	// Drift: a namespace deleted by hand is back at the next Update.
	victim := f.names.Pod(testCluster, "pod-b")
	f.DeleteNamespace(victim)
	if err := f.Update(ctx, withB); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.Namespaces(), victim) || f.String() != full.String() {
		t.Errorf("a namespace deleted by hand was not restored by the next Update")
	}

	// Drift in a namespace nobody changes: repaired within spread Updates.
	fabric := f.names.VNet(testVNet)
	if !f.Mutate(fabric, func(s *NSState) { s.Routes = s.Routes[:len(s.Routes)-1] }) {
		t.Fatalf("no fabric namespace among %v", f.Namespaces())
	}
	repaired := -1
	for i := range spread + 1 {
		if err := f.Update(ctx, withB); err != nil {
			t.Fatal(err)
		}
		if f.String() == full.String() {
			repaired = i + 1
			break
		}
	}
	if repaired < 0 {
		t.Errorf("a route deleted by hand was not repaired within %d Updates", spread+1)
	}
	t.Logf("route drift repaired after %d Updates", repaired)
}

// TestFingerprint: every part of a namespace's state is in its
// fingerprint, and list order is not.
func TestFingerprint(t *testing.T) {
	base := func() *NSState {
		return &NSState{Level: levelNode, Sysctls: map[string]string{sysForward: "1"},
			InitSysctls: map[string]string{sysIPv6OffAll: "1"},
			Links:       []Link{{Name: "a", Kind: KindVeth}, {Name: "b", Kind: KindBridge}},
			Addrs:       []Addr{{Dev: "a", Prefix: mp("10.1.0.1/24")}, {Dev: "b", Prefix: mp("10.2.0.1/24")}},
			Routes:      []Route{{Table: MainTable, Dst: mp("10.0.0.0/8"), Type: RouteUnicast, Dev: "a"}},
			Rules:       []Rule{{Priority: 1000, IIF: "a", Table: 10001}},
			NFT: &Ruleset{Chains: []*Chain{{Name: "c", Type: "filter", Hook: "forward", Rules: []NFRule{
				{Match: []Match{saddr(mp("10.0.0.0/8"))}, Action: Action{Verdict: VDrop}},
				{Match: []Match{{Kind: MDaddr, Set: []netip.Prefix{mp("10.0.0.0/8"), mp("10.3.0.0/16")}}}, Action: Action{Verdict: VDNAT, Addr: ma("10.0.0.9"), Port: 80}}}}}},
			Workloads: []Workload{{Kind: WorkDNS, Port: DNSPort, Zone: map[string]netip.Addr{"a.": ma("10.0.0.1")}},
				{Kind: WorkEcho, Port: EchoPort, Name: "web"}},
			ResolvConf: "nameserver 10.0.0.10\n"}
	}
	fp := base().fingerprint()
	reordered := base()
	reordered.Links[0], reordered.Links[1] = reordered.Links[1], reordered.Links[0]
	reordered.Addrs[0], reordered.Addrs[1] = reordered.Addrs[1], reordered.Addrs[0]
	reordered.Workloads[0], reordered.Workloads[1] = reordered.Workloads[1], reordered.Workloads[0]
	if reordered.fingerprint() != fp {
		t.Error("list order changes the fingerprint")
	}
	for name, change := range map[string]func(s *NSState){
		"sysctl":      func(s *NSState) { s.Sysctls[sysForward] = "0" },
		"link":        func(s *NSState) { s.Links[0].MTU = 1400 },
		"route":       func(s *NSState) { s.Routes[0].Dst = mp("10.1.0.0/16") },
		"nft rule":    func(s *NSState) { s.NFT.Chains[0].Rules[0].Action.Verdict = VAccept },
		"dns zone":    func(s *NSState) { s.Workloads[0].Zone["b."] = ma("10.0.0.2") },
		"resolv.conf": func(s *NSState) { s.ResolvConf = "" },
		"level":       func(s *NSState) { s.Level = levelPod },
		"init sysctl": func(s *NSState) { s.InitSysctls[sysIPv6OffAll] = "0" },
		"link owner":  func(s *NSState) { s.Links[0].Owner = true },
		"link master": func(s *NSState) { s.Links[0].Master = "b" },
		"addr":        func(s *NSState) { s.Addrs[0].Prefix = mp("10.1.0.2/24") },
		"route gw":    func(s *NSState) { s.Routes[0].Gw = ma("10.0.0.1") },
		"rule table":  func(s *NSState) { s.Rules[0].Table = 10002 },
		"chain hook":  func(s *NSState) { s.NFT.Chains[0].Hook = "input" },
		"rule order": func(s *NSState) {
			r := s.NFT.Chains[0].Rules
			r[0], r[1] = r[1], r[0]
		},
		"match set":        func(s *NSState) { s.NFT.Chains[0].Rules[1].Match[0].Set[1] = mp("10.4.0.0/16") },
		"match negation":   func(s *NSState) { s.NFT.Chains[0].Rules[0].Match[0].Neg = true },
		"dnat port":        func(s *NSState) { s.NFT.Chains[0].Rules[1].Action.Port = 81 },
		"dnat address":     func(s *NSState) { s.NFT.Chains[0].Rules[1].Action.Addr = ma("10.0.0.8") },
		"no table":         func(s *NSState) { s.NFT = nil },
		"echo name":        func(s *NSState) { s.Workloads[1].Name = "api" },
		"workload removed": func(s *NSState) { s.Workloads = s.Workloads[:1] },
	} {
		s := base()
		change(s)
		if s.fingerprint() == fp {
			t.Errorf("a %s change keeps the fingerprint", name)
		}
	}
}
