package dataplane

import (
	"cmp"
	"maps"
	"slices"
)

// diff returns the operations that turn have into want. recreated lists
// namespaces created in this pass: owner veths towards them are
// re-created even if they still seem to exist, since their old peer went
// with the old namespace.
//
// Each kind of kernel object has its own diff below. Links come first
// because the others depend on them: nothing is added on a link that will
// not exist, and a link that is (re)created holds nothing yet.
func diff(want *NSState, have *observed, recreated map[string]bool) []nsOp {
	ls := diffLinks(want.Links, have, recreated)
	ops := ls.ops
	ops = append(ops, diffSysctls(want.Sysctls, want.Links, have.Sysctls, ls)...)
	ops = append(ops, diffAddrs(want.Addrs, have.Addrs, ls)...)
	ops = append(ops, diffRoutes(want.Routes, have.Routes, ls)...)
	ops = append(ops, diffRules(want.Rules, have.Rules)...)
	ops = append(ops, diffNFT(want.NFT, have.NFTHash)...)
	ops = append(ops, diffWorkloads(want.Workloads, have.Workloads)...)
	if want.ResolvConf != have.ResolvConf {
		ops = append(ops, nsOp{Kind: opResolvConf, Value: want.ResolvConf})
	}
	sortOps(ops)
	return ops
}

// linkDiff is the outcome of diffing links, which the diffs of the things
// that live on links depend on.
type linkDiff struct {
	ops []nsOp
	// had holds the links that exist before the operations run.
	had map[string]bool
	// present holds the links that exist once the operations ran.
	present map[string]bool
	// fresh holds the links the operations (re)create: they hold no
	// addresses, routes or sysctls yet, whatever was read back.
	fresh map[string]bool
}

// diffLinks adds the wanted links that are missing, re-creates those of the
// wrong kind and the owner veths towards a recreated namespace, sets the
// MTU, master and up state of the others, and deletes the links nobody
// wants (except lo). A veth end that its owner has not made yet is left
// for later: its owner's namespace, in a lower level, makes it.
func diffLinks(want []Link, have *observed, recreated map[string]bool) linkDiff {
	ld := linkDiff{had: map[string]bool{}, present: map[string]bool{}, fresh: map[string]bool{}}
	haveLinks := map[string]Link{}
	for _, h := range have.Links {
		haveLinks[h.Name] = h
		ld.had[h.Name] = true
	}
	add := func(l Link) {
		ld.ops = append(ld.ops, nsOp{Kind: opAddLink, Link: l})
		ld.present[l.Name], ld.fresh[l.Name] = true, true
	}
	for _, l := range want {
		h, ok := haveLinks[l.Name]
		switch {
		case ok && mustRecreate(h, l, recreated):
			ld.ops = append(ld.ops, nsOp{Kind: opDelLink, Link: h})
			add(l)
		case ok:
			ld.present[l.Name] = true
			if h.MTU != l.MTU || h.Master != l.Master || !have.LinkUp[l.Name] {
				ld.ops = append(ld.ops, nsOp{Kind: opSetLink, Link: l})
			}
		case l.Owner || l.Kind == KindBridge:
			add(l)
		}
	}
	for _, h := range have.Links {
		if h.Name != linkLo && !slices.ContainsFunc(want, func(l Link) bool { return l.Name == h.Name }) {
			ld.ops = append(ld.ops, nsOp{Kind: opDelLink, Link: h})
		}
	}
	return ld
}

// mustRecreate says whether the existing link h must be deleted and made
// again as want: its kind changed (lo reads back as whatever the kernel
// calls it), or it is an owner veth whose peer namespace was recreated.
func mustRecreate(h, want Link, recreated map[string]bool) bool {
	if h.Kind != want.Kind && want.Kind != "loopback" {
		return true
	}
	return want.Owner && recreated[want.PeerNS]
}

// diffSysctls sets the sysctls whose value differs, in key order, and
// those of fresh links. A link's sysctl waits until the link exists.
func diffSysctls(want map[string]string, links []Link, have map[string]string, ls linkDiff) []nsOp {
	var ops []nsOp
	for _, k := range slices.Sorted(maps.Keys(want)) {
		v := want[k]
		dev, perLink := sysctlLink(k, links)
		if perLink && !ls.present[dev] {
			continue
		}
		if have[k] == v && !ls.fresh[dev] {
			continue
		}
		kind := opSysctl
		if perLink {
			kind = opLinkSysctl
		}
		ops = append(ops, nsOp{Kind: kind, Key: k, Value: v})
	}
	return ops
}

// diffAddrs adds the wanted addresses missing from links that will exist
// and deletes the unwanted ones from links that stay. lo's loopback
// addresses are the kernel's and stay.
func diffAddrs(want, have []Addr, ls linkDiff) []nsOp {
	var ops []nsOp
	haveAddr := map[Addr]bool{}
	for _, a := range have {
		if !ls.fresh[a.Dev] {
			haveAddr[a] = true
		}
	}
	wantAddr := map[Addr]bool{}
	for _, a := range want {
		wantAddr[a] = true
		if !haveAddr[a] && ls.present[a.Dev] {
			ops = append(ops, nsOp{Kind: opAddAddr, Addr: a})
		}
	}
	for _, a := range have {
		kernels := a.Dev == linkLo && a.Prefix.Addr().IsLoopback()
		if !wantAddr[a] && !ls.fresh[a.Dev] && ls.had[a.Dev] && !kernels {
			ops = append(ops, nsOp{Kind: opDelAddr, Addr: a})
		}
	}
	return ops
}

// diffRoutes replaces the routes that are missing or differ (a route is
// identified by table and destination) and deletes those nobody wants. A
// route through a link waits until the link exists.
func diffRoutes(want, have []Route, ls linkDiff) []nsOp {
	var ops []nsOp
	haveRoute := map[string]Route{}
	for _, r := range have {
		if r.Dev == "" || !ls.fresh[r.Dev] {
			haveRoute[r.key()] = r
		}
	}
	wantRoute := map[string]bool{}
	for _, r := range want {
		wantRoute[r.key()] = true
		if r.Dev != "" && !ls.present[r.Dev] {
			continue
		}
		if h, ok := haveRoute[r.key()]; !ok || h != r {
			ops = append(ops, nsOp{Kind: opAddRoute, Route: r})
		}
	}
	for _, r := range have {
		if !wantRoute[r.key()] {
			ops = append(ops, nsOp{Kind: opDelRoute, Route: r})
		}
	}
	return ops
}

// diffRules adds the missing rules and deletes the unwanted ones.
func diffRules(want, have []Rule) []nsOp {
	var ops []nsOp
	haveRule := setOf(have)
	for _, r := range want {
		if !haveRule[r] {
			ops = append(ops, nsOp{Kind: opAddRule, Rule: r})
		}
	}
	wantRule := setOf(want)
	for _, r := range have {
		if !wantRule[r] {
			ops = append(ops, nsOp{Kind: opDelRule, Rule: r})
		}
	}
	return ops
}

// diffNFT loads want when the table's fingerprint differs, or deletes the
// table (an opNFT with a nil NFT) when none is wanted. The opNFT's Value is
// the fingerprint of the table it replaces ("" when there is none).
func diffNFT(want *Ruleset, haveHash string) []nsOp {
	switch {
	case want == nil && haveHash != "":
		return []nsOp{{Kind: opNFT, Value: haveHash}}
	case want != nil && haveHash != want.Fingerprint():
		return []nsOp{{Kind: opNFT, NFT: want, Value: haveHash}}
	}
	return nil
}

// diffWorkloads (re)starts the workloads that are missing or differ (one
// runs per kind and port) and stops those nobody wants.
func diffWorkloads(want, have []Workload) []nsOp {
	var ops []nsOp
	haveWork := map[string]Workload{}
	for _, wl := range have {
		haveWork[workKey(wl)] = wl
	}
	wantWork := map[string]bool{}
	for _, wl := range want {
		wantWork[workKey(wl)] = true
		if h, ok := haveWork[workKey(wl)]; !ok || h.String() != wl.String() {
			ops = append(ops, nsOp{Kind: opStartWork, Work: wl})
		}
	}
	for _, wl := range have {
		if !wantWork[workKey(wl)] {
			ops = append(ops, nsOp{Kind: opStopWork, Work: wl})
		}
	}
	return ops
}

// sortOps puts ops in the order Apply runs them: by kind (deletions, then
// creations, then what refers to them), bridges before the other new links
// since ports name them as master, and otherwise in the order the diffs
// made them.
func sortOps(ops []nsOp) {
	slices.SortStableFunc(ops, func(a, b nsOp) int {
		if a.Kind == opAddLink && b.Kind == opAddLink {
			return -cmp.Compare(b2i(a.Link.Kind == KindBridge), b2i(b.Link.Kind == KindBridge))
		}
		return int(a.Kind) - int(b.Kind)
	})
}

// setOf returns the set of xs' elements.
func setOf[T comparable](xs []T) map[T]bool {
	s := make(map[T]bool, len(xs))
	for _, x := range xs {
		s[x] = true
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
