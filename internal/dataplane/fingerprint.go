package dataplane

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"strconv"
	"sync"
)

// fingerprint identifies s's content within this process: two states with
// the same fingerprint converge a namespace to the same kernel objects.
// Sets (sysctls, links, addresses, routes, rules, workloads, a zone) are
// hashed independently of their order, as the kernel holds them; a chain's
// rules in order, as nftables evaluates them.
//
// It walks the state field by field into a fast non-cryptographic hash,
// without copying or sorting anything: it runs for every namespace on
// every pass, which is what a quiet pass at hundreds of nodes costs, and
// collisions only matter against the state last converged.
func (s *NSState) fingerprint() string {
	f := fpPool.Get().(*fpHash)
	defer fpPool.Put(f)
	f.b = f.b[:0]
	f.int(s.Level)
	entries(f, s.Sysctls, (*fpHash).str)
	entries(f, s.InitSysctls, (*fpHash).str)
	f.set(len(s.Links), func(e *fpHash, i int) {
		l := s.Links[i]
		e.strs(l.Name, l.Kind, l.PeerNS, l.Peer, l.Master)
		e.ints(l.MTU, b2i(l.Owner))
	})
	f.set(len(s.Addrs), func(e *fpHash, i int) {
		e.str(s.Addrs[i].Dev)
		e.prefix(s.Addrs[i].Prefix)
	})
	f.set(len(s.Routes), func(e *fpHash, i int) {
		r := s.Routes[i]
		e.ints(r.Table)
		e.prefix(r.Dst)
		e.addr(r.Gw)
		e.strs(r.Type, r.Dev)
	})
	f.set(len(s.Rules), func(e *fpHash, i int) {
		r := s.Rules[i]
		e.ints(r.Priority, r.Table)
		e.str(r.IIF)
	})
	f.ruleset(s.NFT)
	f.set(len(s.Workloads), func(e *fpHash, i int) {
		w := s.Workloads[i]
		e.strs(w.Kind, w.Name)
		e.ints(w.Port)
		entries(e, w.Zone, (*fpHash).addr)
	})
	f.str(s.ResolvConf)
	return strconv.FormatUint(maphash.Bytes(fingerprintSeed, f.b), 16)
}

// fingerprintSeed keys fingerprint for the process's lifetime.
var fingerprintSeed = maphash.MakeSeed()

// fpPool keeps fingerprint's buffers: a fabric namespace writes tens of
// kilobytes, on every pass.
var fpPool = sync.Pool{New: func() any { return &fpHash{} }}

// fpHash collects a state's bytes to hash them once. Values are written
// unambiguously: every string carries its length and every list its
// count, so no two different states write the same bytes.
type fpHash struct {
	b []byte
	// elem collects one set element at a time; reused, so that a pass
	// does not allocate per element.
	elem *fpHash
}

func (f *fpHash) u64(v uint64) { f.b = binary.LittleEndian.AppendUint64(f.b, v) }

func (f *fpHash) int(v int) { f.u64(uint64(v)) }

// ints writes several integers.
func (f *fpHash) ints(vs ...int) {
	for _, v := range vs {
		f.int(v)
	}
}

// strs writes several strings.
func (f *fpHash) strs(ss ...string) {
	for _, s := range ss {
		f.str(s)
	}
}

func (f *fpHash) str(s string) {
	f.int(len(s))
	f.b = append(f.b, s...)
}

func (f *fpHash) addr(a netip.Addr) {
	b := a.As16() // the zero Addr and IPv4 differ by BitLen
	f.int(a.BitLen())
	f.b = append(f.b, b[:]...)
}

func (f *fpHash) prefix(p netip.Prefix) {
	f.addr(p.Addr())
	f.int(p.Bits())
}

// element returns f.elem emptied, to write one set element on its own,
// for an order-free sum of element hashes.
func (f *fpHash) element() *fpHash {
	if f.elem == nil {
		f.elem = &fpHash{}
	}
	f.elem.b = f.elem.b[:0]
	return f.elem
}

func (f *fpHash) sum() uint64 { return maphash.Bytes(fingerprintSeed, f.b) }

// set writes n elements, each written by write(i), as the count and the
// sum of their own hashes: the same whatever their order (a sum, unlike an
// exclusive or, keeps duplicates apart).
func (f *fpHash) set(n int, write func(*fpHash, int)) {
	f.int(n)
	var sum uint64
	for i := range n {
		e := f.element()
		write(e, i)
		sum += e.sum()
	}
	f.u64(sum)
}

// entries writes map m as the set of its entries, each value written by
// val.
func entries[V any](f *fpHash, m map[string]V, val func(*fpHash, V)) {
	f.int(len(m))
	var sum uint64
	for k, v := range m {
		e := f.element()
		e.str(k)
		val(e, v)
		sum += e.sum()
	}
	f.u64(sum)
}

// ruleset writes rs in order: chains and rules are evaluated in order.
func (f *fpHash) ruleset(rs *Ruleset) {
	if rs == nil {
		f.int(-1)
		return
	}
	f.int(len(rs.Chains))
	for _, c := range rs.Chains {
		f.strs(c.Name, c.Type, c.Hook)
		f.ints(c.Priority, len(c.Rules))
		for _, r := range c.Rules {
			f.int(len(r.Match))
			for _, m := range r.Match {
				f.strs(m.Kind, m.Str)
				f.prefix(m.Prefix)
				f.ints(b2i(m.Neg), int(m.Proto), int(m.Lo), int(m.Hi), int(m.Mod), len(m.Set))
				for _, p := range m.Set {
					f.prefix(p)
				}
			}
			f.strs(r.Action.Verdict, r.Action.Chain)
			f.addr(r.Action.Addr)
			f.ints(int(r.Action.Port))
		}
	}
}
