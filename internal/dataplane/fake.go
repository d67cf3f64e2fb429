package dataplane

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Fake is a Plane over an in-memory kernel. It keeps real state: veth
// pairs exist in two namespaces and vanish together, deleting a namespace
// takes its links' peers with it, addresses and routes need their link. Its
// String prints the state as `ip`-like lines, so tests can compare states
// with cmp.Diff.
type Fake struct {
	*reconciler
	k *fakeKernel
}

// NewFake returns a Fake with the given options (Prefix defaults to
// DefaultPrefix).
func NewFake(opts Options) (*Fake, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	k := &fakeKernel{ns: map[string]*fakeNS{}}
	return &Fake{reconciler: &reconciler{k: k, names: Names{Prefix: opts.Prefix}, log: opts.Logger, workers: opts.Workers, spread: opts.ResyncSpread}, k: k}, nil
}

// Set implements Plane.
func (f *Fake) Set(ctx context.Context, d Desired) error { return f.set(ctx, d) }

// Update implements Plane.
func (f *Fake) Update(ctx context.Context, d Desired) error { return f.update(ctx, d) }

// Close implements Plane: the fake's workloads stop, its namespaces stay.
func (f *Fake) Close() error {
	f.k.mu.Lock()
	defer f.k.mu.Unlock()
	for _, ns := range f.k.ns {
		ns.Workloads = nil
	}
	return nil
}

// Cleanup deletes every namespace.
func (f *Fake) Cleanup(ctx context.Context) error { return f.cleanup(ctx) }

// String prints the fake kernel's state.
func (f *Fake) String() string {
	f.k.mu.Lock()
	defer f.k.mu.Unlock()
	w := World{}
	for name, ns := range f.k.ns {
		s := ns.NSState.clone()
		for i := range s.Links {
			if !ns.up[s.Links[i].Name] {
				s.Links[i].Kind += " (down)"
			}
		}
		if ns.nftHash != "" && ns.NFT == nil {
			s.Workloads = append(s.Workloads, Workload{Kind: "nft-foreign"})
		}
		w[name] = s
	}
	return w.String()
}

// Namespaces lists the fake's namespaces.
func (f *Fake) Namespaces() []string {
	f.k.mu.Lock()
	defer f.k.mu.Unlock()
	return slices.Sorted(maps.Keys(f.k.ns))
}

// Mutate runs fn on the state of namespace ns, as a person editing the
// kernel by hand would (tests use it to make drift). It reports whether ns
// exists.
func (f *Fake) Mutate(ns string, fn func(s *NSState)) bool {
	f.k.mu.Lock()
	defer f.k.mu.Unlock()
	n, ok := f.k.ns[ns]
	if ok {
		fn(&n.NSState)
		n.nftHash = n.NFT.Fingerprint()
	}
	return ok
}

// DeleteNamespace deletes ns by hand, as `ip netns del` would.
func (f *Fake) DeleteNamespace(ns string) {
	f.k.mu.Lock()
	defer f.k.mu.Unlock()
	f.k.deleteLocked(ns)
}

// PodNetns returns the namespace path a pod's processes run in.
func (f *Fake) PodNetns(clusterID, pod, node string, hostNetwork bool) string {
	return f.names.PodNetns(clusterID, pod, node, hostNetwork)
}

type fakeNS struct {
	NSState
	up      map[string]bool
	peer    map[string][2]string // link → peer namespace, peer link
	nftHash string
}

type fakeKernel struct {
	mu sync.Mutex
	ns map[string]*fakeNS
}

func (k *fakeKernel) ListNS(prefix string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for name := range k.ns {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (k *fakeKernel) CreateNS(name string, sysctls map[string]string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.ns[name]; ok {
		return fmt.Errorf("namespace %s exists", name)
	}
	k.ns[name] = &fakeNS{NSState: NSState{Sysctls: maps.Clone(sysctls), InitSysctls: map[string]string{}, Links: []Link{{Name: linkLo, Kind: "loopback", MTU: 65536}}},
		up: map[string]bool{linkLo: true}, peer: map[string][2]string{}}
	return nil
}

func (k *fakeKernel) DeleteNS(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.ns[name]; !ok {
		return fmt.Errorf("namespace %s: no such namespace", name)
	}
	k.deleteLocked(name)
	return nil
}

func (k *fakeKernel) deleteLocked(name string) {
	ns := k.ns[name]
	if ns == nil {
		return
	}
	for l := range ns.peer {
		k.delLinkLocked(name, l)
	}
	delete(k.ns, name)
}

// delLinkLocked deletes a link and, for a veth, its peer.
func (k *fakeKernel) delLinkLocked(nsName, link string) {
	ns := k.ns[nsName]
	if ns == nil {
		return
	}
	p, hasPeer := ns.peer[link]
	ns.Links = slices.DeleteFunc(ns.Links, func(l Link) bool { return l.Name == link })
	ns.Addrs = slices.DeleteFunc(ns.Addrs, func(a Addr) bool { return a.Dev == link })
	ns.Routes = slices.DeleteFunc(ns.Routes, func(r Route) bool { return r.Dev == link })
	for k2 := range ns.Sysctls {
		if strings.Contains(k2, "/"+link+"/") {
			delete(ns.Sysctls, k2)
		}
	}
	for i := range ns.Links {
		if ns.Links[i].Master == link {
			ns.Links[i].Master = ""
		}
	}
	delete(ns.peer, link)
	delete(ns.up, link)
	if hasPeer {
		k.delLinkLocked(p[0], p[1])
	}
}

func (k *fakeKernel) Read(name string, want *NSState, _ bool) (*observed, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ns, ok := k.ns[name]
	if !ok {
		return nil, fmt.Errorf("namespace %s: no such namespace", name)
	}
	o := &observed{NSState: *ns.NSState.clone(), LinkUp: maps.Clone(ns.up), NFTHash: ns.nftHash}
	o.Sysctls = map[string]string{}
	for key := range want.Sysctls {
		if v, ok := ns.Sysctls[key]; ok {
			o.Sysctls[key] = v
		}
	}
	for i := range o.Links {
		o.Links[i].Owner, o.Links[i].PeerNS, o.Links[i].Peer = false, "", ""
	}
	return o, nil
}

func (k *fakeKernel) hasLink(ns *fakeNS, name string) bool {
	return slices.ContainsFunc(ns.Links, func(l Link) bool { return l.Name == name })
}

func (k *fakeKernel) Apply(name string, ops []nsOp) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	ns, ok := k.ns[name]
	if !ok {
		return fmt.Errorf("namespace %s: no such namespace", name)
	}
	for _, op := range ops {
		if err := k.apply(name, ns, op); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil
}

func (k *fakeKernel) apply(name string, ns *fakeNS, op nsOp) error {
	var err error
	switch op.Kind {
	case opDelLink:
		if !k.hasLink(ns, op.Link.Name) {
			return fmt.Errorf("no such link")
		}
		k.delLinkLocked(name, op.Link.Name)
	case opAddLink:
		err = k.addLink(name, ns, op.Link)
	case opSetLink:
		err = ns.setLink(op.Link)
	case opSysctl, opLinkSysctl:
		if dev, per := sysctlLink(op.Key, ns.Links); per && !k.hasLink(ns, dev) {
			return fmt.Errorf("no such file")
		}
		ns.Sysctls[op.Key] = op.Value
	case opAddAddr, opDelAddr:
		err = k.changeAddr(ns, op.Addr, op.Kind == opDelAddr)
	case opAddRoute, opDelRoute:
		err = k.changeRoute(ns, op.Route, op.Kind == opDelRoute)
	case opAddRule, opDelRule:
		err = ns.changeRule(op.Rule, op.Kind == opDelRule)
	case opNFT:
		ns.NFT, ns.nftHash = op.NFT, op.NFT.Fingerprint()
	case opResolvConf:
		ns.ResolvConf = op.Value
	case opStartWork, opStopWork:
		ns.Workloads = slices.DeleteFunc(ns.Workloads, func(w Workload) bool { return workKey(w) == workKey(op.Work) })
		if op.Kind == opStartWork {
			ns.Workloads = append(ns.Workloads, op.Work)
		}
	}
	if err != nil {
		return err
	}
	ns.sortState()
	return nil
}

// addLink adds l to namespace name, and a veth's peer to its namespace, as
// a kernel refuses to: when it exists, its master or its peer namespace is
// missing, or its peer exists.
func (k *fakeKernel) addLink(name string, ns *fakeNS, l Link) error {
	if k.hasLink(ns, l.Name) {
		return fmt.Errorf("link exists")
	}
	if l.Master != "" && !k.hasLink(ns, l.Master) {
		return fmt.Errorf("no master %s", l.Master)
	}
	if l.Kind == KindVeth {
		peer, ok := k.ns[l.PeerNS]
		if !ok {
			return fmt.Errorf("peer namespace %s missing", l.PeerNS)
		}
		if k.hasLink(peer, l.Peer) {
			return fmt.Errorf("peer link %s exists in %s", l.Peer, l.PeerNS)
		}
		peer.Links = append(peer.Links, Link{Name: l.Peer, Kind: KindVeth, MTU: l.MTU})
		peer.peer[l.Peer] = [2]string{name, l.Name}
		ns.peer[l.Name] = [2]string{l.PeerNS, l.Peer}
	}
	stored := l
	stored.Owner, stored.PeerNS, stored.Peer = false, "", ""
	ns.Links = append(ns.Links, stored)
	ns.up[l.Name] = true
	return nil
}

// setLink gives an existing link l's MTU and master and sets it up.
func (ns *fakeNS) setLink(l Link) error {
	for i := range ns.Links {
		if ns.Links[i].Name == l.Name {
			ns.Links[i].MTU, ns.Links[i].Master = l.MTU, l.Master
			ns.up[l.Name] = true
			return nil
		}
	}
	return fmt.Errorf("no such link")
}

// changeAddr adds a, or deletes it when del is set.
func (k *fakeKernel) changeAddr(ns *fakeNS, a Addr, del bool) error {
	i := slices.Index(ns.Addrs, a)
	switch {
	case del && i < 0:
		return fmt.Errorf("no such address")
	case del:
		ns.Addrs = slices.Delete(ns.Addrs, i, i+1)
	case !k.hasLink(ns, a.Dev):
		return fmt.Errorf("no such device")
	case i >= 0:
		return fmt.Errorf("address exists")
	default:
		ns.Addrs = append(ns.Addrs, a)
	}
	return nil
}

// changeRoute replaces r (a route is identified by table and destination),
// or deletes it when del is set.
func (k *fakeKernel) changeRoute(ns *fakeNS, r Route, del bool) error {
	if del {
		n := len(ns.Routes)
		ns.Routes = slices.DeleteFunc(ns.Routes, func(h Route) bool { return h == r })
		if len(ns.Routes) == n {
			return fmt.Errorf("no such route")
		}
		return nil
	}
	if r.Dev != "" && !k.hasLink(ns, r.Dev) {
		return fmt.Errorf("no such device")
	}
	ns.Routes = slices.DeleteFunc(ns.Routes, func(h Route) bool { return h.key() == r.key() })
	ns.Routes = append(ns.Routes, r)
	return nil
}

// changeRule adds r, or deletes it when del is set.
func (ns *fakeNS) changeRule(r Rule, del bool) error {
	if !del {
		ns.Rules = append(ns.Rules, r)
		return nil
	}
	i := slices.Index(ns.Rules, r)
	if i < 0 {
		return fmt.Errorf("no such rule")
	}
	ns.Rules = slices.Delete(ns.Rules, i, i+1)
	return nil
}

// EnsureNeighbours does nothing: the fake has no neighbour table.
func (k *fakeKernel) EnsureNeighbours(int) error { return nil }
