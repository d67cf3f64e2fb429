package kubenet

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUsableHosts(t *testing.T) {
	tests := []struct {
		p    netip.Prefix
		want int
	}{
		{mp("192.168.1.0/24"), 251},
		{mp("192.168.1.0/27"), 27},
		{mp("192.168.1.0/29"), 3},
		{mp("192.168.1.0/28"), 11},
		{mp("192.168.0.0/16"), 65531},
		{mp("10.0.0.0/8"), 16777211},
		{mp("192.168.1.0/30"), 0},
		{mp("192.168.1.1/32"), 0},
		{netip.Prefix{}, 0},
		{mp("fd00::/64"), 0},
	}
	for _, tt := range tests {
		if got := UsableHosts(tt.p); got != tt.want {
			t.Errorf("UsableHosts(%v) = %d, want %d", tt.p, got, tt.want)
		}
	}
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = ma(s)
	}
	return out
}

func TestSubnetIPAM_Allocate(t *testing.T) {
	const target = "properties.agentPoolProfiles[0].count"
	tests := []struct {
		name     string
		prefix   string
		used     []netip.Addr
		n        int
		want     []netip.Addr
		err      wantErr
		wantFree int // after the call
	}{
		{name: "FirstNodeIsDot4", prefix: "192.168.1.0/24", n: 3,
			want: addrs("192.168.1.4", "192.168.1.5", "192.168.1.6"), wantFree: 248},
		{name: "FillsGaps", prefix: "192.168.1.0/24", used: addrs("192.168.1.4", "192.168.1.6"), n: 3,
			want: addrs("192.168.1.5", "192.168.1.7", "192.168.1.8"), wantFree: 246},
		{name: "IgnoresReservedOutsideAndDuplicates", prefix: "192.168.1.0/24",
			used: addrs("192.168.1.0", "192.168.1.1", "192.168.1.3", "192.168.1.255", "10.0.0.4", "192.168.1.9", "192.168.1.9"),
			n:    1, want: addrs("192.168.1.4"), wantFree: 249},
		{name: "SmallestSubnetAll", prefix: "10.0.0.0/29", n: 3,
			want: addrs("10.0.0.4", "10.0.0.5", "10.0.0.6"), wantFree: 0},
		{name: "SmallestSubnetTooMany", prefix: "10.0.0.0/29", n: 4, wantFree: 3,
			err: wantErr{CodeSubnetIsFull, target, []string{"10.0.0.0/29", "4 IP addresses are needed", "only 3 of its 3"}}},
		{name: "AllOrNothing", prefix: "10.0.0.0/27", n: 3, wantFree: 2,
			used: addrs("10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11",
				"10.0.0.12", "10.0.0.13", "10.0.0.14", "10.0.0.15", "10.0.0.16", "10.0.0.17", "10.0.0.18", "10.0.0.19",
				"10.0.0.20", "10.0.0.21", "10.0.0.22", "10.0.0.23", "10.0.0.24", "10.0.0.25", "10.0.0.26", "10.0.0.27", "10.0.0.29"),
			err: wantErr{CodeSubnetIsFull, target, []string{"3 IP addresses are needed", "only 2 of its 27"}}},
		{name: "LastUsableBeforeBroadcast", prefix: "10.0.0.0/29", used: addrs("10.0.0.4", "10.0.0.5"), n: 1,
			want: addrs("10.0.0.6"), wantFree: 0},
		{name: "TooSmallSubnet", prefix: "10.0.0.0/30", n: 1, wantFree: 0,
			err: wantErr{CodeSubnetIsFull, target, []string{"only 0 of its 0"}}},
		{name: "Zero", prefix: "10.0.0.0/24", n: 0, want: []netip.Addr{}, wantFree: 251},
		{name: "Negative", prefix: "10.0.0.0/24", n: -1, wantFree: 251,
			err: wantErr{CodeInvalidParameter, target, []string{"-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSubnetIPAM(mp(tt.prefix), tt.used)
			got, err := s.Allocate(tt.n, target)
			tt.err.check(t, err)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("Allocate(%d) mismatch (-want +got):\n%s", tt.n, diff)
			}
			if s.Free() != tt.wantFree {
				t.Errorf("Free() = %d, want %d", s.Free(), tt.wantFree)
			}
		})
	}
}

func TestSubnetIPAM_Release(t *testing.T) {
	s := NewSubnetIPAM(mp("192.168.1.0/24"), nil)
	if _, err := s.Allocate(5, "t"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		addr netip.Addr
		want bool
	}{
		{"InUse", ma("192.168.1.5"), true},
		{"Twice", ma("192.168.1.5"), false},
		{"Free", ma("192.168.1.100"), false},
		{"Reserved", ma("192.168.1.1"), false},
		{"Broadcast", ma("192.168.1.255"), false},
		{"Outside", ma("10.0.0.4"), false},
		{"Invalid", netip.Addr{}, false},
	}
	for _, tt := range tests {
		if got := s.Release(tt.addr); got != tt.want {
			t.Errorf("%s: Release(%v) = %v, want %v", tt.name, tt.addr, got, tt.want)
		}
	}
	if s.Free() != 247 || s.Capacity() != 251 {
		t.Errorf("Free, Capacity = %d, %d; want 247, 251", s.Free(), s.Capacity())
	}
	if s.InUse(ma("192.168.1.5")) || !s.InUse(ma("192.168.1.6")) {
		t.Errorf("InUse wrong after release")
	}
	// The released address is the lowest free one again.
	got, err := s.Allocate(2, "t")
	if err != nil {
		t.Fatal(err)
	}
	if want := addrs("192.168.1.5", "192.168.1.9"); !cmp.Equal(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })) {
		t.Errorf("Allocate after Release = %v, want %v", got, want)
	}
}
