package kubenet

import (
	"math/bits"
	"net/netip"

	"github.com/aksnet/aksnet/internal/azerr"
)

// NodePodCIDRBits is the prefix length of the pod range each kubenet node
// gets from the cluster pod CIDR: a /24, so 10.244.0.0/16 holds 256 nodes.
const NodePodCIDRBits = 24

// targetPodCIDR is the JSON path of the cluster pod CIDR.
const targetPodCIDR = targetNetworkProfile + "podCIDR"

// PodCIDRAllocator gives each node the lowest free /24 of the cluster pod
// CIDR: for 10.244.0.0/16 the first node gets 10.244.0.0/24, the second
// 10.244.1.0/24, and a block released by a deleted node is the next one
// handed out. The zero value is not usable; build one with
// NewPodCIDRAllocator. It is not safe for concurrent use.
//
// The blocks are a bitmap of 64-bit words. Allocate finds a free block with
// one bits.TrailingZeros64 per word, starting at a hint: the index of the
// lowest word that may have a free bit.
type PodCIDRAllocator struct {
	cidr   netip.Prefix
	words  []uint64 // bit i of word w set: block w*64+i is in use
	blocks int
	used   int
	hint   int // every word below hint is full
}

// NewPodCIDRAllocator returns an allocator with every /24 of podCIDR free.
// A pod CIDR smaller than a /24 can't hold even one node and gives a 400
// *azerr.Error with code InsufficientPodCidr; an invalid or IPv6 prefix
// gives CidrStringParseError. Both have Target
// "properties.networkProfile.podCidr". Host bits of podCIDR are ignored.
func NewPodCIDRAllocator(podCIDR netip.Prefix) (*PodCIDRAllocator, error) {
	if !podCIDR.IsValid() || !podCIDR.Addr().Is4() {
		return nil, azerr.BadRequest(CodeCidrStringParseError, targetPodCIDR,
			"The pod CIDR %q is not an IPv4 address prefix.", podCIDR)
	}
	if podCIDR.Bits() > NodePodCIDRBits {
		return nil, azerr.BadRequest(CodeInsufficientPodCidr, targetPodCIDR,
			"The pod CIDR %s is smaller than a /%d, the range each node gets, so it can't hold any node.",
			podCIDR.Masked(), NodePodCIDRBits)
	}
	n := 1 << (NodePodCIDRBits - podCIDR.Bits())
	a := &PodCIDRAllocator{cidr: podCIDR.Masked(), blocks: n, words: make([]uint64, (n+63)/64)}
	if r := n % 64; r != 0 {
		// Mark the bits past the last block as used so the word search
		// never returns them.
		a.words[len(a.words)-1] = ^uint64(0) << r
	}
	return a, nil
}

// CIDR returns the cluster pod CIDR (masked).
func (a *PodCIDRAllocator) CIDR() netip.Prefix { return a.cidr }

// Capacity returns how many /24 blocks the pod CIDR holds: how many nodes it
// can serve.
func (a *PodCIDRAllocator) Capacity() int { return a.blocks }

// Free returns how many /24 blocks are not in use.
func (a *PodCIDRAllocator) Free() int { return a.blocks - a.used }

// Allocate takes the lowest free /24 block and returns it. When every block
// is in use it returns a 400 *azerr.Error with code InsufficientPodCidr and
// Target "properties.networkProfile.podCidr".
func (a *PodCIDRAllocator) Allocate() (netip.Prefix, error) {
	for w := a.hint; w < len(a.words); w++ {
		if free := ^a.words[w]; free != 0 {
			b := bits.TrailingZeros64(free)
			a.words[w] |= 1 << b
			a.used++
			a.hint = w
			return a.block(w*64 + b), nil
		}
	}
	a.hint = len(a.words)
	return netip.Prefix{}, azerr.BadRequest(CodeInsufficientPodCidr, targetPodCIDR,
		"The pod CIDR %s is exhausted: all %d /%d node ranges are in use.", a.cidr, a.blocks, NodePodCIDRBits)
}

// Release returns block p to the free pool; releasing a free block does
// nothing. It returns a 400 *azerr.Error with code InvalidParameter when p is
// not one of the /24 blocks of the pod CIDR.
func (a *PodCIDRAllocator) Release(p netip.Prefix) error {
	i, err := a.index(p)
	if err != nil {
		return err
	}
	w, m := i/64, uint64(1)<<(i%64)
	if a.words[w]&m != 0 {
		a.words[w] &^= m
		a.used--
		if w < a.hint {
			a.hint = w
		}
	}
	return nil
}

// MarkUsed marks block p as in use, for example when rebuilding the
// allocator from the pod CIDRs of existing nodes; marking a block already in
// use does nothing. It returns a 400 *azerr.Error with code InvalidParameter
// when p is not one of the /24 blocks of the pod CIDR.
func (a *PodCIDRAllocator) MarkUsed(p netip.Prefix) error {
	i, err := a.index(p)
	if err != nil {
		return err
	}
	w, m := i/64, uint64(1)<<(i%64)
	if a.words[w]&m == 0 {
		a.words[w] |= m
		a.used++
	}
	return nil
}

// InUse reports whether p is a /24 block of the pod CIDR that is in use.
func (a *PodCIDRAllocator) InUse(p netip.Prefix) bool {
	i, err := a.index(p)
	return err == nil && a.words[i/64]&(1<<(i%64)) != 0
}

// block returns the i-th /24 of the pod CIDR.
func (a *PodCIDRAllocator) block(i int) netip.Prefix {
	return netip.PrefixFrom(fromU32(toU32(a.cidr.Addr())+uint32(i)<<(32-NodePodCIDRBits)), NodePodCIDRBits)
}

// index returns the block number of p, or an error when p is not one of the
// pod CIDR's /24 blocks.
func (a *PodCIDRAllocator) index(p netip.Prefix) (int, error) {
	if !p.IsValid() || p.Bits() != NodePodCIDRBits || p.Masked() != p || !a.cidr.Contains(p.Addr()) {
		return 0, azerr.BadRequest(CodeInvalidParameter, targetPodCIDR,
			"%s is not a /%d node range of the pod CIDR %s.", p, NodePodCIDRBits, a.cidr)
	}
	return int(offsetOf(a.cidr, p.Addr()) >> (32 - NodePodCIDRBits)), nil
}
