package kubenet

import (
	"net/netip"
	"testing"
)

// bitScanAllocator is the baseline for BenchmarkPodCIDRAllocatorBitmapScan:
// the same bitmap as PodCIDRAllocator, searched one bit at a time from block
// 0 on every allocation, with no hint.
type bitScanAllocator struct {
	cidr   netip.Prefix
	words  []uint64
	blocks int
}

func newBitScanAllocator(podCIDR netip.Prefix) (*bitScanAllocator, error) {
	// Reuse the real constructor's checks and geometry.
	a, err := NewPodCIDRAllocator(podCIDR)
	if err != nil {
		return nil, err
	}
	return &bitScanAllocator{cidr: a.cidr, words: make([]uint64, len(a.words)), blocks: a.blocks}, nil
}

func (a *bitScanAllocator) Allocate() (netip.Prefix, error) {
	for i := 0; i < a.blocks; i++ {
		if a.words[i/64]&(1<<(i%64)) == 0 {
			a.words[i/64] |= 1 << (i % 64)
			return netip.PrefixFrom(fromU32(toU32(a.cidr.Addr())+uint32(i)<<8), NodePodCIDRBits), nil
		}
	}
	return netip.Prefix{}, errExhausted
}

func (a *bitScanAllocator) Release(p netip.Prefix) error {
	if p.Bits() != NodePodCIDRBits || p.Masked() != p || !a.cidr.Contains(p.Addr()) {
		return errExhausted
	}
	i := int(offsetOf(a.cidr, p.Addr()) >> 8)
	a.words[i/64] &^= 1 << (i % 64)
	return nil
}

type benchErr struct{}

func (benchErr) Error() string { return "exhausted" }

var errExhausted error = benchErr{}

// podAllocator is what the two benchmarks drive.
type podAllocator interface {
	Allocate() (netip.Prefix, error)
	Release(netip.Prefix) error
}

// benchAllocator allocates every /24 of a /12 (4096 blocks), releases them
// all, and allocates them all again.
func benchAllocator(b *testing.B, newAlloc func(netip.Prefix) (podAllocator, error)) {
	cidr := netip.MustParsePrefix("10.240.0.0/12")
	blocks := make([]netip.Prefix, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		a, err := newAlloc(cidr)
		if err != nil {
			b.Fatal(err)
		}
		blocks = blocks[:0]
		for range 4096 {
			p, err := a.Allocate()
			if err != nil {
				b.Fatal(err)
			}
			blocks = append(blocks, p)
		}
		if _, err := a.Allocate(); err == nil {
			b.Fatal("a full /12 handed out a 4097th /24")
		}
		for _, p := range blocks {
			if err := a.Release(p); err != nil {
				b.Fatal(err)
			}
		}
		for range 4096 {
			if _, err := a.Allocate(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkPodCIDRAllocator(b *testing.B) {
	benchAllocator(b, func(p netip.Prefix) (podAllocator, error) { return NewPodCIDRAllocator(p) })
}

func BenchmarkPodCIDRAllocatorBitmapScan(b *testing.B) {
	benchAllocator(b, func(p netip.Prefix) (podAllocator, error) { return newBitScanAllocator(p) })
}
