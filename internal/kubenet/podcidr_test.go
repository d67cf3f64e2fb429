package kubenet

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewPodCIDRAllocator(t *testing.T) {
	tests := []struct {
		name     string
		cidr     netip.Prefix
		capacity int
		err      wantErr
	}{
		{name: "Default", cidr: mp("10.244.0.0/16"), capacity: 256},
		{name: "Slash24", cidr: mp("10.244.0.0/24"), capacity: 1},
		{name: "Slash20", cidr: mp("10.244.0.0/20"), capacity: 16},
		{name: "Slash12", cidr: mp("10.240.0.0/12"), capacity: 4096},
		{name: "Slash8", cidr: mp("10.0.0.0/8"), capacity: 65536},
		{name: "HostBitsMasked", cidr: mp("10.244.7.0/16"), capacity: 256},
		{name: "SmallerThan24", cidr: mp("10.244.0.0/25"),
			err: wantErr{CodeInsufficientPodCidr, targetPodCIDR, []string{"10.244.0.0/25", "/24"}}},
		{name: "Host", cidr: mp("10.244.0.1/32"), err: wantErr{CodeInsufficientPodCidr, targetPodCIDR, nil}},
		{name: "Invalid", cidr: netip.Prefix{}, err: wantErr{CodeCidrStringParseError, targetPodCIDR, nil}},
		{name: "IPv6", cidr: mp("fd00::/56"), err: wantErr{CodeCidrStringParseError, targetPodCIDR, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewPodCIDRAllocator(tt.cidr)
			tt.err.check(t, err)
			if err != nil {
				return
			}
			if a.Capacity() != tt.capacity || a.Free() != tt.capacity {
				t.Errorf("Capacity, Free = %d, %d; want %d", a.Capacity(), a.Free(), tt.capacity)
			}
			if a.CIDR() != tt.cidr.Masked() {
				t.Errorf("CIDR() = %v, want %v", a.CIDR(), tt.cidr.Masked())
			}
		})
	}
}

// allocN allocates n blocks and returns them as strings.
func allocN(t *testing.T, a *PodCIDRAllocator, n int) []string {
	t.Helper()
	var out []string
	for range n {
		p, err := a.Allocate()
		if err != nil {
			t.Fatalf("Allocate: %v", err)
		}
		out = append(out, p.String())
	}
	return out
}

func TestPodCIDRAllocator_Allocate_ArticleSequence(t *testing.T) {
	a, err := NewPodCIDRAllocator(mp("10.244.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"}
	if diff := cmp.Diff(want, allocN(t, a, 3)); diff != "" {
		t.Errorf("first three nodes (-want +got):\n%s", diff)
	}
	if a.Free() != 253 {
		t.Errorf("Free() = %d, want 253", a.Free())
	}
}

func TestPodCIDRAllocator_Allocate_Exhausted(t *testing.T) {
	for _, cidr := range []string{"10.244.0.0/22", "10.244.0.0/20", "10.244.0.0/18", "10.244.0.0/17"} {
		t.Run(cidr, func(t *testing.T) {
			a, err := NewPodCIDRAllocator(mp(cidr))
			if err != nil {
				t.Fatal(err)
			}
			got := allocN(t, a, a.Capacity())
			if last, want := got[len(got)-1], LastAddr(mp(cidr)); last != netip.PrefixFrom(want, 24).Masked().String() {
				t.Errorf("last block %s, want the one holding %v", last, want)
			}
			_, err = a.Allocate()
			wantErr{CodeInsufficientPodCidr, targetPodCIDR, []string{cidr, "exhausted"}}.check(t, err)
			if a.Free() != 0 {
				t.Errorf("Free() = %d, want 0", a.Free())
			}
		})
	}
}

func TestPodCIDRAllocator_Release(t *testing.T) {
	a, err := NewPodCIDRAllocator(mp("10.244.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	allocN(t, a, 200)
	tests := []struct {
		name string
		p    netip.Prefix
		err  wantErr
	}{
		{name: "InUse", p: mp("10.244.130.0/24")},
		{name: "InUseLow", p: mp("10.244.7.0/24")},
		{name: "AlreadyFree", p: mp("10.244.250.0/24")},
		{name: "NotSlash24", p: mp("10.244.0.0/23"), err: wantErr{CodeInvalidParameter, targetPodCIDR, []string{"10.244.0.0/23"}}},
		{name: "HostBits", p: mp("10.244.3.1/24"), err: wantErr{CodeInvalidParameter, targetPodCIDR, nil}},
		{name: "Outside", p: mp("10.245.0.0/24"), err: wantErr{CodeInvalidParameter, targetPodCIDR, nil}},
		{name: "Invalid", p: netip.Prefix{}, err: wantErr{CodeInvalidParameter, targetPodCIDR, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.err.check(t, a.Release(tt.p))
		})
	}
	if a.Free() != 58 {
		t.Errorf("Free() = %d, want 58 (256-200+2)", a.Free())
	}
	if a.InUse(mp("10.244.7.0/24")) || !a.InUse(mp("10.244.8.0/24")) {
		t.Error("InUse wrong after Release")
	}
	// Released blocks come back lowest first, then allocation continues.
	want := []string{"10.244.7.0/24", "10.244.130.0/24", "10.244.200.0/24"}
	if diff := cmp.Diff(want, allocN(t, a, 3)); diff != "" {
		t.Errorf("reallocation (-want +got):\n%s", diff)
	}
}

func TestPodCIDRAllocator_MarkUsed(t *testing.T) {
	a, err := NewPodCIDRAllocator(mp("10.244.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.3.0/24", "10.244.3.0/24"} {
		if err := a.MarkUsed(mp(p)); err != nil {
			t.Fatalf("MarkUsed(%s): %v", p, err)
		}
	}
	if a.Free() != 253 {
		t.Errorf("Free() = %d, want 253: marking a block twice counts once", a.Free())
	}
	wantErr{CodeInvalidParameter, targetPodCIDR, nil}.check(t, a.MarkUsed(mp("10.0.0.0/24")))
	want := []string{"10.244.2.0/24", "10.244.4.0/24"}
	if diff := cmp.Diff(want, allocN(t, a, 2)); diff != "" {
		t.Errorf("allocation after MarkUsed (-want +got):\n%s", diff)
	}
}

// TestPodCIDRAllocator_MatchesBitScan drives the word-level allocator and the
// bit-by-bit baseline with the same random operations and requires the same
// answers.
func TestPodCIDRAllocator_MatchesBitScan(t *testing.T) {
	for _, cidr := range []string{"10.244.0.0/24", "10.244.0.0/19", "10.244.0.0/18", "10.240.0.0/14"} {
		t.Run(cidr, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			fast, err := NewPodCIDRAllocator(mp(cidr))
			if err != nil {
				t.Fatal(err)
			}
			slow, err := newBitScanAllocator(mp(cidr))
			if err != nil {
				t.Fatal(err)
			}
			var held []netip.Prefix
			for i := range 5000 {
				if len(held) > 0 && rng.IntN(3) == 0 {
					j := rng.IntN(len(held))
					p := held[j]
					held = append(held[:j], held[j+1:]...)
					if e1, e2 := fast.Release(p), slow.Release(p); (e1 == nil) != (e2 == nil) {
						t.Fatalf("op %d: Release(%v) = %v, baseline %v", i, p, e1, e2)
					}
					continue
				}
				p1, e1 := fast.Allocate()
				p2, e2 := slow.Allocate()
				if p1 != p2 || (e1 == nil) != (e2 == nil) {
					t.Fatalf("op %d: Allocate() = %v, %v; baseline %v, %v", i, p1, e1, p2, e2)
				}
				if e1 == nil {
					held = append(held, p1)
				}
				if fast.Free() != fast.Capacity()-len(held) {
					t.Fatalf("op %d: Free() = %d, want %d", i, fast.Free(), fast.Capacity()-len(held))
				}
			}
		})
	}
}
