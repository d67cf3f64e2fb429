package kubenet

import (
	"net/netip"

	"github.com/aksnet/aksnet/internal/azerr"
)

const (
	// SubnetReservedAddresses is how many addresses Azure keeps in every
	// subnet: the network address, .1 (default gateway), .2 and .3 (Azure
	// DNS) and the broadcast address. The first address a node gets is .4.
	SubnetReservedAddresses = 5
	// SmallestSubnetBits is the longest prefix Azure accepts for a subnet:
	// a /29, which has 3 usable addresses.
	SmallestSubnetBits = 29
	// firstUsableOffset is the offset of the first usable address (.4).
	firstUsableOffset = 4
)

// UsableHosts returns how many addresses of subnet prefix p Azure lets
// resources use: Size(p) minus the 5 reserved addresses. A /24 gives 251, a
// /27 gives 27 and a /29 gives 3. Prefixes longer than /29, invalid and IPv6
// prefixes give 0.
func UsableHosts(p netip.Prefix) int {
	if !p.IsValid() || !p.Addr().Is4() || p.Bits() > SmallestSubnetBits {
		return 0
	}
	return int(Size(p) - SubnetReservedAddresses)
}

// SubnetIPAM hands out the addresses of one Azure subnet, lowest free address
// first, never one of the five reserved addresses. The zero value is not
// usable; build one with NewSubnetIPAM. It is not safe for concurrent use.
type SubnetIPAM struct {
	prefix netip.Prefix
	// used holds the offsets (from the network address) of the usable
	// addresses in use.
	used map[uint64]struct{}
	// hint is a lower bound on the lowest free offset.
	hint uint64
	// end is one past the last usable offset (the broadcast offset).
	end uint64
}

// NewSubnetIPAM returns an allocator for subnet prefix with the addresses in
// used already taken (for example the primary IPs of existing NICs).
// Addresses outside the prefix, reserved addresses and duplicates in used are
// ignored. A prefix longer than /29, or an invalid or IPv6 prefix, gives an
// allocator with no free addresses.
func NewSubnetIPAM(prefix netip.Prefix, used []netip.Addr) *SubnetIPAM {
	s := &SubnetIPAM{prefix: prefix.Masked(), used: make(map[uint64]struct{}, len(used)), hint: firstUsableOffset}
	if UsableHosts(prefix) > 0 {
		s.end = Size(prefix) - 1
	} else {
		s.end = firstUsableOffset
	}
	for _, a := range used {
		if off, ok := s.offset(a); ok {
			s.used[off] = struct{}{}
		}
	}
	return s
}

// Capacity returns how many addresses of the subnet are usable: UsableHosts.
func (s *SubnetIPAM) Capacity() int { return int(s.end - firstUsableOffset) }

// Free returns how many usable addresses are not in use.
func (s *SubnetIPAM) Free() int { return s.Capacity() - len(s.used) }

// InUse reports whether a is a usable address of the subnet that is in use.
func (s *SubnetIPAM) InUse(a netip.Addr) bool {
	off, ok := s.offset(a)
	if !ok {
		return false
	}
	_, in := s.used[off]
	return in
}

// Allocate takes the n lowest free addresses and returns them in ascending
// order. It is all or nothing: when fewer than n addresses are free it takes
// none and returns a 400 *azerr.Error with code SubnetIsFull whose message
// names the subnet, how many addresses are needed and how many are free, and
// whose Target is target (the request field that asked for the addresses,
// for example "properties.agentPoolProfiles[0].count"). A negative n is an
// InvalidParameter error; n == 0 returns no addresses and no error.
func (s *SubnetIPAM) Allocate(n int, target string) ([]netip.Addr, error) {
	if n < 0 {
		return nil, azerr.BadRequest(CodeInvalidParameter, target,
			"Cannot allocate %d IP addresses from subnet %s: the count must not be negative.", n, s.prefix)
	}
	if free := s.Free(); n > free {
		return nil, azerr.BadRequest(CodeSubnetIsFull, target,
			"Subnet %s is full: %d IP addresses are needed but only %d of its %d usable addresses are free.",
			s.prefix, n, free, s.Capacity())
	}
	out := make([]netip.Addr, 0, n)
	off := s.hint
	for len(out) < n {
		if _, taken := s.used[off]; !taken {
			s.used[off] = struct{}{}
			a, _ := NthAddr(s.prefix, int(off))
			out = append(out, a)
		}
		off++
	}
	s.hint = off
	return out, nil
}

// Release returns a to the free pool. Releasing an address that is not in
// use, is reserved or lies outside the subnet does nothing; Release reports
// whether a was in use.
func (s *SubnetIPAM) Release(a netip.Addr) bool {
	off, ok := s.offset(a)
	if !ok {
		return false
	}
	if _, in := s.used[off]; !in {
		return false
	}
	delete(s.used, off)
	if off < s.hint {
		s.hint = off
	}
	return true
}

// offset returns the offset of a in the subnet when a is a usable address.
func (s *SubnetIPAM) offset(a netip.Addr) (uint64, bool) {
	if !a.Is4() || !s.prefix.Contains(a) {
		return 0, false
	}
	off := offsetOf(s.prefix, a)
	if off < firstUsableOffset || off >= s.end {
		return 0, false
	}
	return off, true
}

// FirstUsable returns the first address Azure lets a resource use in subnet
// p: the network address plus 4.
func FirstUsable(p netip.Prefix) netip.Addr {
	a, _ := NthAddr(p.Masked(), firstUsableOffset)
	return a
}
