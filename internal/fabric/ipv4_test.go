package fabric

import (
	"net/netip"
	"testing"
)

func TestIPv4UintRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want uint32
	}{
		{"0.0.0.0", 0},
		{"0.0.0.1", 1},
		{"10.244.1.0", 10<<24 | 244<<16 | 1<<8},
		{"192.168.1.5", 192<<24 | 168<<16 | 1<<8 | 5},
		{"255.255.255.255", ^uint32(0)},
		{"::ffff:10.0.0.10", 10<<24 | 10},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := IPv4Uint(a); got != tc.want {
			t.Errorf("IPv4Uint(%s) = %#x, want %#x", tc.addr, got, tc.want)
		}
		if back := IPv4FromUint(tc.want); back != a.Unmap() {
			t.Errorf("IPv4FromUint(%#x) = %s, want %s", tc.want, back, a.Unmap())
		}
	}
}
