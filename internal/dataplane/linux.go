//go:build linux

package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/nftables"
	mnl "github.com/mdlayher/netlink"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// routeProtocol marks the routes aksnet installs (rtm_protocol), so that
// reading back ignores the kernel's own connected and local routes.
const routeProtocol = netlink.RouteProtocol(79)

// Linux is the Plane over the real kernel.
type Linux struct {
	*reconciler
	k *linuxKernel
}

// NewLinux returns the Linux data plane. It fails when the process lacks
// the privileges (see CheckPrivileges).
func NewLinux(opts Options) (*Linux, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	if err := CheckPrivileges(); err != nil {
		return nil, err
	}
	k := &linuxKernel{handles: map[string]*nsHandle{}, work: newWorkloads(opts.Logger)}
	return &Linux{reconciler: &reconciler{k: k, names: Names{Prefix: opts.Prefix}, log: opts.Logger, workers: opts.Workers, spread: opts.ResyncSpread}, k: k}, nil
}

// Set implements Plane.
func (l *Linux) Set(ctx context.Context, d Desired) error { return l.set(ctx, d) }

// Update implements Plane.
func (l *Linux) Update(ctx context.Context, d Desired) error { return l.update(ctx, d) }

// Close implements Plane: workloads stop and handles close; namespaces stay
// for the next process to adopt. A raised neighbour table is restored.
func (l *Linux) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.k.work.stopAll()
	l.k.closeHandles()
	return l.k.releaseNeighbours()
}

// Cleanup deletes every namespace with the plane's prefix (and so every
// link in them) and restores the neighbour table.
func (l *Linux) Cleanup(ctx context.Context) error {
	err := l.cleanup(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.k.work.stopAll()
	l.k.closeHandles()
	return errors.Join(err, removeEtcNetns(l.names.Prefix), l.k.releaseNeighbours())
}

// PodNetns returns the path of the namespace a pod's processes run in.
func (l *Linux) PodNetns(clusterID, pod, node string, hostNetwork bool) string {
	return l.names.PodNetns(clusterID, pod, node, hostNetwork)
}

// Names returns the plane's naming.
func (l *Linux) Names() Names { return l.names }

// Cleanup removes every namespace whose name starts with prefix (default
// DefaultPrefix), for `aksnet serve --dataplane netns --cleanup`, and
// restores neighbour-table thresholds a crashed process left raised.
func Cleanup(ctx context.Context, prefix string) error {
	l, err := NewLinux(Options{Prefix: prefix})
	if err != nil {
		return err
	}
	return errors.Join(l.Cleanup(ctx), restoreNeighboursFromFile())
}

// nsHandle holds a namespace's file descriptor and the sockets opened in it.
type nsHandle struct {
	ino uint64
	fd  netns.NsHandle
	nl  *netlink.Handle
	nft *nftables.Conn
}

func (h *nsHandle) close() {
	if h.nl != nil {
		h.nl.Close()
	}
	if h.nft != nil {
		_ = h.nft.CloseLasting()
	}
	_ = h.fd.Close()
}

type linuxKernel struct {
	mu      sync.Mutex
	handles map[string]*nsHandle
	work    *workloads
	raised  bool
}

// handle returns the open handle of namespace name, reopening it when the
// namespace bound under that name changed.
func (k *linuxKernel) handle(name string) (*nsHandle, error) {
	ino, err := nsInode(name)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	h := k.handles[name]
	k.mu.Unlock()
	if h != nil && h.ino == ino {
		return h, nil
	}
	if h != nil {
		// Deleted, or unbound, by hand: its workloads hold the old
		// namespace alive until they stop.
		k.forget(name)
		if err := removeUnbound(name); err != nil {
			return nil, err // missing now: the next pass makes it again
		}
	}
	fd, err := netns.GetFromPath(filepath.Join(NetnsDir, name))
	if err != nil {
		return nil, err
	}
	nh := &nsHandle{ino: ino, fd: fd}
	if nh.nl, err = netlink.NewHandleAt(fd, unix.NETLINK_ROUTE); err != nil {
		nh.close()
		return nil, fmt.Errorf("netlink handle in %s: %w", name, err)
	}
	if nh.nft, err = nftables.New(nftables.WithNetNSFd(int(fd)), nftables.AsLasting(), nftables.WithSockOptions(bigBuffers)); err != nil {
		nh.close()
		return nil, fmt.Errorf("nftables in %s: %w", name, err)
	}
	k.mu.Lock()
	if old := k.handles[name]; old != nil && old.ino == ino {
		k.mu.Unlock()
		nh.close()
		return old, nil
	}
	k.handles[name] = nh
	k.mu.Unlock()
	return nh, nil
}

// forget stops the workloads of namespace name and closes its handle, so
// that a namespace deleted by hand is really freed (its sockets would keep
// it, and its veths, alive).
func (k *linuxKernel) forget(name string) {
	k.work.stopNS(name)
	closeKey(&k.mu, k.handles, name)
}

func (k *linuxKernel) closeHandles() {
	closeRemoved(&k.mu, k.handles, func(string) bool { return true })
}

// closeKey is closeRemoved of the one entry key.
func closeKey[V interface{ close() }](mu *sync.Mutex, m map[string]V, key string) {
	mu.Lock()
	v, ok := m[key]
	delete(m, key)
	mu.Unlock()
	if ok {
		v.close()
	}
}

// closeRemoved removes, holding mu, the entries of m whose key match
// accepts, and closes them once mu is released: closing waits for
// goroutines and file descriptors, which must not hold up the lock.
func closeRemoved[V interface{ close() }](mu *sync.Mutex, m map[string]V, match func(key string) bool) {
	mu.Lock()
	var removed []V
	for key, v := range m {
		if match(key) {
			removed = append(removed, v)
			delete(m, key)
		}
	}
	mu.Unlock()
	for _, v := range removed {
		v.close()
	}
}

// ListNS lists the namespaces, checking the binding of those the kernel
// holds no handle to: handle checks a namespace's binding when it is next
// read, which for one untouched by changes is its turn in the resync.
// Handles to namespaces no longer listed (deleted by hand) are released,
// with their workloads, which would keep them alive.
func (k *linuxKernel) ListNS(prefix string) ([]string, error) {
	k.mu.Lock()
	names, err := listNamedNSKnown(prefix, func(name string) bool { return k.handles[name] != nil })
	var gone []string
	if err == nil {
		listed := make(map[string]bool, len(names))
		for _, n := range names {
			listed[n] = true
		}
		for name := range k.handles {
			if strings.HasPrefix(name, prefix) && !listed[name] {
				gone = append(gone, name)
			}
		}
	}
	k.mu.Unlock()
	for _, name := range gone {
		k.forget(name)
	}
	return names, err
}

func (k *linuxKernel) CreateNS(name string, sysctls map[string]string) error {
	return createNamedNS(name, sysctls)
}

func (k *linuxKernel) DeleteNS(name string) error {
	k.forget(name)
	return errors.Join(deleteNamedNS(name), writeResolvConf(name, ""))
}

func (k *linuxKernel) Read(name string, want *NSState, fresh bool) (*observed, error) {
	h, err := k.handle(name)
	if err != nil {
		return nil, err
	}
	o := &observed{LinkUp: map[string]bool{}, NSState: NSState{Sysctls: map[string]string{}}}
	byIndex, err := readLinks(h, o)
	if err != nil {
		return nil, err
	}
	if fresh {
		// Nothing but links (veth ends other levels made), lo's address
		// and the creation-time sysctls can be there yet.
		o.Addrs = []Addr{{Dev: linkLo, Prefix: netip.MustParsePrefix("127.0.0.1/8")}}
		for k, v := range nsSysctls(want) {
			o.Sysctls[k] = v
		}
		return o, nil
	}
	if o.Addrs, err = readAddrs(h, byIndex); err != nil {
		return nil, err
	}
	if o.Routes, err = readRoutes(h, byIndex); err != nil {
		return nil, err
	}
	if o.Rules, err = readRules(h); err != nil {
		return nil, err
	}
	if err := readSysctls(h, want.Sysctls, o.Sysctls); err != nil {
		return nil, err
	}
	if o.NFTHash, err = readNFTHash(h.nft); err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	o.Workloads = k.work.list(name, h.ino)
	if o.ResolvConf, err = readResolvConf(name); err != nil {
		return nil, err
	}
	return o, nil
}

// readLinks fills o's links and their up state, and returns the links'
// names by index, which addresses and routes refer to them by.
func readLinks(h *nsHandle, o *observed) (map[int]string, error) {
	links, err := h.nl.LinkList()
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("links: %w", err)
	}
	byIndex := map[int]string{}
	for _, l := range links {
		byIndex[l.Attrs().Index] = l.Attrs().Name
	}
	for _, l := range links {
		a := l.Attrs()
		kind := l.Type()
		if a.Name == linkLo {
			kind = "loopback"
		}
		o.Links = append(o.Links, Link{Name: a.Name, Kind: kind, MTU: a.MTU, Master: byIndex[a.MasterIndex]})
		o.LinkUp[a.Name] = a.Flags&net.FlagUp != 0
	}
	return byIndex, nil
}

// readAddrs returns the namespace's IPv4 addresses.
func readAddrs(h *nsHandle, byIndex map[int]string) ([]Addr, error) {
	addrs, err := h.nl.AddrList(nil, netlink.FAMILY_V4)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("addresses: %w", err)
	}
	var out []Addr
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if !ok {
			continue
		}
		ones, _ := a.Mask.Size()
		out = append(out, Addr{Dev: byIndex[a.LinkIndex], Prefix: netip.PrefixFrom(ip, ones)})
	}
	return out, nil
}

// readRoutes returns the IPv4 routes aksnet made (its protocol number), in
// every table.
func readRoutes(h *nsHandle, byIndex map[int]string) ([]Route, error) {
	routes, err := h.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: routeProtocol}, netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("routes: %w", err)
	}
	var out []Route
	for _, r := range routes {
		kr := Route{Table: r.Table, Type: RouteUnicast, Dev: byIndex[r.LinkIndex], Dst: defaultRoute}
		if r.Dst != nil {
			ip, ok := netip.AddrFromSlice(r.Dst.IP.To4())
			if !ok {
				return nil, fmt.Errorf("routes: an IPv4 route to %v", r.Dst)
			}
			ones, _ := r.Dst.Mask.Size()
			kr.Dst = netip.PrefixFrom(ip, ones)
		}
		if r.Type == unix.RTN_BLACKHOLE {
			kr.Type, kr.Dev = RouteBlackhole, ""
		}
		if gw, ok := netip.AddrFromSlice(r.Gw.To4()); ok {
			kr.Gw = gw
		}
		out = append(out, kr)
	}
	return out, nil
}

// readRules returns the IPv4 rules in aksnet's priority range.
func readRules(h *nsHandle) ([]Rule, error) {
	rules, err := h.nl.RuleList(netlink.FAMILY_V4)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("rules: %w", err)
	}
	var out []Rule
	for _, r := range rules {
		if r.Priority >= ruleBase && r.Priority < ruleBase+1000 {
			out = append(out, Rule{Priority: r.Priority, IIF: r.IifName, Table: r.Table})
		}
	}
	return out, nil
}

// readSysctls reads the sysctls want names into have, in one visit to the
// namespace. A key that reads empty (a link's that does not exist yet) is
// left out.
func readSysctls(h *nsHandle, want, have map[string]string) error {
	if len(want) == 0 {
		return nil
	}
	keys := make([]string, 0, len(want))
	for key := range want {
		keys = append(keys, key)
	}
	vals := make([]string, len(keys))
	if err := inNS(h.fd, func() error {
		for i, key := range keys {
			vals[i], _ = readSysctl(key) // a missing per-link key reads as ""
		}
		return nil
	}); err != nil {
		return err
	}
	for i, key := range keys {
		switch {
		case vals[i] != "":
			have[key] = vals[i]
		case strings.HasPrefix(key, "net/ipv6/") && !ipv6Available():
			have[key] = want[key] // a kernel without IPv6 has nothing to turn off
		}
	}
	return nil
}

func (k *linuxKernel) Apply(name string, ops []nsOp) error {
	h, err := k.handle(name)
	if err != nil {
		return err
	}
	lc := &linkCache{h: h}
	for i := 0; i < len(ops); i++ {
		op := ops[i]
		if op.Kind == opSysctl || op.Kind == opLinkSysctl {
			// One visit to the namespace for a run of sysctls.
			j := i
			for j < len(ops) && ops[j].Kind == op.Kind {
				j++
			}
			batch := ops[i:j]
			if err := inNS(h.fd, func() error {
				for _, o := range batch {
					if err := writeSysctl(o.Key, o.Value); err != nil {
						return fmt.Errorf("%s: %w", o, err)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			i = j - 1
			continue
		}
		if err := k.apply(name, h, lc, op); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil
}

// linkCache holds a namespace's links by name during one Apply, read with
// one dump instead of a lookup per operation.
type linkCache struct {
	h     *nsHandle
	links map[string]netlink.Link
}

// linkGone reports whether err says the link does not exist (any more).
func linkGone(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, unix.ENODEV)
}

func (c *linkCache) get(name string) (netlink.Link, error) {
	if c.links == nil {
		ls, err := c.h.nl.LinkList()
		if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
			return nil, err
		}
		c.links = map[string]netlink.Link{}
		for _, l := range ls {
			c.links[l.Attrs().Name] = l
		}
	}
	if l, ok := c.links[name]; ok {
		return l, nil
	}
	return c.h.nl.LinkByName(name)
}

func (c *linkCache) put(l netlink.Link) {
	if c.links != nil {
		c.links[l.Attrs().Name] = l
	}
}

func (c *linkCache) drop(name string) {
	if c.links != nil {
		delete(c.links, name)
	}
}

func (k *linuxKernel) apply(name string, h *nsHandle, lc *linkCache, op nsOp) error {
	switch op.Kind {
	case opDelLink:
		// A veth whose peer's namespace was deleted goes with it, but the
		// kernel tears namespaces down in the background: the link read
		// back a moment ago may be gone by now. Deleting is idempotent.
		l, err := lc.get(op.Link.Name)
		if linkGone(err) {
			lc.drop(op.Link.Name)
			return nil
		}
		if err != nil {
			return err
		}
		lc.drop(op.Link.Name)
		if err := h.nl.LinkDel(l); err != nil && !linkGone(err) {
			return err
		}
		return nil
	case opAddLink:
		l, err := k.addLink(h, lc, op.Link)
		if err == nil {
			lc.put(l)
		}
		return err
	case opSetLink:
		return setLink(h, lc, op.Link)
	case opAddAddr, opDelAddr:
		return changeAddr(h, lc, op.Addr, op.Kind == opDelAddr)
	case opAddRoute, opDelRoute:
		return changeRoute(h, lc, op.Route, op.Kind == opDelRoute)
	case opAddRule, opDelRule:
		return changeRule(h, op.Rule, op.Kind == opDelRule)
	case opNFT:
		return loadNFT(h.nft, op.NFT, op.Value != "")
	case opResolvConf:
		return writeResolvConf(name, op.Value)
	case opStartWork:
		return k.work.start(name, h, op.Work)
	case opStopWork:
		k.work.stop(name, op.Work)
		return nil
	}
	return fmt.Errorf("unknown operation %d", op.Kind)
}

// setLink gives an existing link want's MTU and master and sets it up.
func setLink(h *nsHandle, lc *linkCache, want Link) error {
	l, err := lc.get(want.Name)
	if err != nil {
		return err
	}
	a := l.Attrs()
	if a.MTU != want.MTU {
		if err := h.nl.LinkSetMTU(l, want.MTU); err != nil {
			return err
		}
	}
	if want.Master == "" && a.MasterIndex != 0 {
		if err := h.nl.LinkSetNoMaster(l); err != nil {
			return err
		}
	} else if want.Master != "" {
		m, err := lc.get(want.Master)
		if err != nil {
			return err
		}
		if a.MasterIndex != m.Attrs().Index {
			if err := h.nl.LinkSetMasterByIndex(l, m.Attrs().Index); err != nil {
				return err
			}
		}
	}
	return h.nl.LinkSetUp(l)
}

// changeAddr adds a, or deletes it when del is set.
func changeAddr(h *nsHandle, lc *linkCache, a Addr, del bool) error {
	l, err := lc.get(a.Dev)
	if err != nil {
		return err
	}
	na := &netlink.Addr{IPNet: ipNet(a.Prefix)}
	if del {
		return h.nl.AddrDel(l, na)
	}
	return h.nl.AddrAdd(l, na)
}

// changeRoute replaces r (adding it when it is missing), or deletes it when
// del is set.
func changeRoute(h *nsHandle, lc *linkCache, r Route, del bool) error {
	nr, err := netlinkRoute(lc, r)
	if err != nil {
		return err
	}
	if del {
		return h.nl.RouteDel(nr)
	}
	return h.nl.RouteReplace(nr)
}

// changeRule adds r, or deletes it when del is set.
func changeRule(h *nsHandle, r Rule, del bool) error {
	nr := netlink.NewRule()
	nr.Family, nr.Priority, nr.IifName, nr.Table = netlink.FAMILY_V4, r.Priority, r.IIF, r.Table
	if del {
		return h.nl.RuleDel(nr)
	}
	return h.nl.RuleAdd(nr)
}

func (k *linuxKernel) addLink(h *nsHandle, lc *linkCache, l Link) (netlink.Link, error) {
	attrs := netlink.LinkAttrs{Name: l.Name, MTU: l.MTU, Flags: net.FlagUp}
	if l.Master != "" {
		m, err := lc.get(l.Master)
		if err != nil {
			return nil, fmt.Errorf("master %s: %w", l.Master, err)
		}
		attrs.MasterIndex = m.Attrs().Index
	}
	switch l.Kind {
	case KindBridge:
		br := &netlink.Bridge{LinkAttrs: attrs}
		return br, h.nl.LinkAdd(br)
	case KindVeth:
		peer, err := k.handle(l.PeerNS)
		if err != nil {
			return nil, fmt.Errorf("peer namespace %s: %w", l.PeerNS, err)
		}
		// A stale end of an earlier pair in the peer namespace blocks the
		// name; remove it (deleting it also removes its own peer).
		if old, err := peer.nl.LinkByName(l.Peer); err == nil {
			if err := peer.nl.LinkDel(old); err != nil {
				return nil, fmt.Errorf("remove stale %s in %s: %w", l.Peer, l.PeerNS, err)
			}
		}
		// Both ends start down; the peer comes up first, then this end,
		// so that neither end is ever up without carrier: the kernel
		// deactivates such a device (linkwatch, a synchronize_rcu under
		// rtnl), which would serialise hundreds of veths.
		attrs.Flags = 0
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: l.Peer, PeerNamespace: netlink.NsFd(int(peer.fd)), PeerMTU: uint32(l.MTU)}
		if err := h.nl.LinkAdd(veth); err != nil {
			return nil, err
		}
		pl, err := peer.nl.LinkByName(l.Peer)
		if err != nil {
			return nil, fmt.Errorf("peer %s in %s: %w", l.Peer, l.PeerNS, err)
		}
		if err := peer.nl.LinkSetUp(pl); err != nil {
			return nil, fmt.Errorf("peer %s up: %w", l.Peer, err)
		}
		if err := h.nl.LinkSetUp(veth); err != nil {
			return nil, err
		}
		if l.Master != "" {
			// Hairpin, as kubenet sets it: a pod reaching itself through
			// a service comes back out of its own bridge port.
			return veth, h.nl.LinkSetHairpin(veth, true)
		}
		return veth, nil
	}
	return nil, fmt.Errorf("cannot create a %s link", l.Kind)
}

// nftBuffer sizes the nftables socket's buffers: a 400-node fabric's table
// goes to the kernel as one atomic batch of a few megabytes. The FORCE
// variants (CAP_NET_ADMIN) pass the host's wmem_max/rmem_max without
// changing them.
const nftBuffer = 32 << 20

func bigBuffers(c *mnl.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = errors.Join(unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, nftBuffer),
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, nftBuffer))
	}); err != nil {
		return err
	}
	return serr
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func netlinkRoute(lc *linkCache, r Route) (*netlink.Route, error) {
	nr := &netlink.Route{Table: r.Table, Dst: ipNet(r.Dst), Protocol: routeProtocol, Family: netlink.FAMILY_V4}
	if r.Type == RouteBlackhole {
		nr.Type = unix.RTN_BLACKHOLE
		return nr, nil
	}
	l, err := lc.get(r.Dev)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", r.Dev, err)
	}
	nr.LinkIndex = l.Attrs().Index
	if r.Gw.IsValid() {
		nr.Gw = r.Gw.AsSlice()
		nr.Flags = int(netlink.FLAG_ONLINK)
	} else {
		nr.Scope = netlink.SCOPE_LINK
	}
	return nr, nil
}
