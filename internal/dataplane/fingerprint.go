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
	f.strMap(s.Sysctls)
	f.strMap(s.InitSysctls)
	f.set(len(s.Links), func(e *fpHash, i int) {
		l := s.Links[i]
		e.str(l.Name)
		e.str(l.Kind)
		e.bool(l.Owner)
		e.str(l.PeerNS)
		e.str(l.Peer)
		e.str(l.Master)
		e.int(l.MTU)
	})
	f.set(len(s.Addrs), func(e *fpHash, i int) {
		e.str(s.Addrs[i].Dev)
		e.prefix(s.Addrs[i].Prefix)
	})
	f.set(len(s.Routes), func(e *fpHash, i int) {
		r := s.Routes[i]
		e.int(r.Table)
		e.prefix(r.Dst)
		e.str(r.Type)
		e.addr(r.Gw)
		e.str(r.Dev)
	})
	f.set(len(s.Rules), func(e *fpHash, i int) {
		r := s.Rules[i]
		e.int(r.Priority)
		e.str(r.IIF)
		e.int(r.Table)
	})
	f.ruleset(s.NFT)
	f.set(len(s.Workloads), func(e *fpHash, i int) {
		w := s.Workloads[i]
		e.str(w.Kind)
		e.int(w.Port)
		e.str(w.Name)
		e.zone(w.Zone)
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

func (f *fpHash) bool(v bool) {
	if v {
		f.b = append(f.b, 1)
	} else {
		f.b = append(f.b, 0)
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

func (f *fpHash) strMap(m map[string]string) {
	f.int(len(m))
	var sum uint64
	for k, v := range m {
		e := f.element()
		e.str(k)
		e.str(v)
		sum += e.sum()
	}
	f.u64(sum)
}

func (f *fpHash) zone(m map[string]netip.Addr) {
	f.int(len(m))
	var sum uint64
	for k, v := range m {
		e := f.element()
		e.str(k)
		e.addr(v)
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
		f.str(c.Name)
		f.str(c.Type)
		f.str(c.Hook)
		f.int(c.Priority)
		f.int(len(c.Rules))
		for _, r := range c.Rules {
			f.int(len(r.Match))
			for _, m := range r.Match {
				f.str(m.Kind)
				f.bool(m.Neg)
				f.str(m.Str)
				f.prefix(m.Prefix)
				f.int(len(m.Set))
				for _, p := range m.Set {
					f.prefix(p)
				}
				f.int(int(m.Proto))
				f.int(int(m.Lo))
				f.int(int(m.Hi))
				f.u64(uint64(m.Mod))
			}
			f.str(r.Action.Verdict)
			f.str(r.Action.Chain)
			f.addr(r.Action.Addr)
			f.int(int(r.Action.Port))
		}
	}
}
