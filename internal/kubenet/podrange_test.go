package kubenet

import (
	"errors"
	"net/netip"
	"testing"
)

func TestPodRange_Next_RoundRobin(t *testing.T) {
	r := PodRange{Subnet: netip.MustParsePrefix("10.244.1.0/29")}
	var used []netip.Addr
	last := netip.Addr{}
	var got []string
	for range 5 {
		a, err := r.Next(used, last)
		if err != nil {
			t.Fatal(err)
		}
		used, last = append(used, a), a
		got = append(got, a.String())
	}
	want := []string{"10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.5", "10.244.1.6"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("allocation %d = %s, want %s (all %v)", i, got[i], want[i], got)
		}
	}
	if _, err := r.Next(used, last); !errors.Is(err, ErrPodRangeFull) {
		t.Fatalf("full range: err = %v, want ErrPodRangeFull", err)
	}
	// Release .3: round robin wraps to it, not back to .2's neighbour order.
	used = []netip.Addr{used[0], used[2], used[3], used[4]}
	a, err := r.Next(used, last)
	if err != nil || a.String() != "10.244.1.3" {
		t.Fatalf("after release = %v, %v; want 10.244.1.3", a, err)
	}
}

func TestPodRange_Next_ContinuesAfterLast(t *testing.T) {
	r := PodRange{Subnet: netip.MustParsePrefix("10.244.0.0/24"), Reserved: []netip.Addr{netip.MustParseAddr("10.244.0.254")}}
	// .2 was released, .3 still used, last reserved .3: next is .4, not .2.
	a, err := r.Next([]netip.Addr{netip.MustParseAddr("10.244.0.3")}, netip.MustParseAddr("10.244.0.3"))
	if err != nil || a.String() != "10.244.0.4" {
		t.Fatalf("Next = %v, %v; want 10.244.0.4", a, err)
	}
	// After .253 the reserved .254 is skipped and allocation wraps to .2.
	a, err = r.Next(nil, netip.MustParseAddr("10.244.0.253"))
	if err != nil || a.String() != "10.244.0.2" {
		t.Fatalf("Next after .253 = %v, %v; want 10.244.0.2", a, err)
	}
	if r.Gateway().String() != "10.244.0.1" || r.Last().String() != "10.244.0.254" {
		t.Fatalf("gateway %s last %s", r.Gateway(), r.Last())
	}
}
