package kubenet

import (
	"net/netip"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	const target = "properties.addressPrefix"
	checkParse(t, "ParsePrefix", ParsePrefix, target, []parseCase[netip.Prefix]{
		{name: "PodDefault", in: "10.244.0.0/16", want: mp("10.244.0.0/16")},
		{name: "Host", in: "10.1.2.3/32", want: mp("10.1.2.3/32")},
		{name: "Everything", in: "0.0.0.0/0", want: mp("0.0.0.0/0")},
		{name: "HostBitsSet", in: "192.168.1.5/24", err: wantErr{CodeInvalidCIDRNotation, target,
			[]string{"The address prefix 192.168.1.5/24 has host bits set; did you mean 192.168.1.0/24?"}}},
		{name: "HostBitsSetWide", in: "10.244.1.0/16", err: wantErr{CodeInvalidCIDRNotation, target, []string{"did you mean 10.244.0.0/16?"}}},
		{name: "NoLength", in: "10.0.0.0", err: wantErr{CodeCidrStringParseError, target, []string{`"10.0.0.0"`}}},
		{name: "Garbage", in: "not-a-cidr", err: wantErr{CodeCidrStringParseError, target, []string{`"not-a-cidr"`}}},
		{name: "Empty", in: "", err: wantErr{CodeCidrStringParseError, target, nil}},
		{name: "LengthTooLong", in: "10.0.0.0/33", err: wantErr{CodeCidrStringParseError, target, nil}},
		{name: "OctetTooBig", in: "10.0.0.256/24", err: wantErr{CodeCidrStringParseError, target, nil}},
		{name: "SpaceAround", in: " 10.0.0.0/8", err: wantErr{CodeCidrStringParseError, target, nil}},
		{name: "IPv6", in: "fd00::/64", err: wantErr{CodeCidrStringParseError, target, []string{"IPv6", "fd00::/64"}}},
		{name: "IPv4MappedIPv6", in: "::ffff:10.0.0.0/104", err: wantErr{CodeCidrStringParseError, target, []string{"IPv6"}}},
	})
}

func TestParseAddr(t *testing.T) {
	const target = "properties.networkProfile.dnsServiceIP"
	checkParse(t, "ParseAddr", ParseAddr, target, []parseCase[netip.Addr]{
		{name: "DNSDefault", in: "10.0.0.10", want: ma("10.0.0.10")},
		{name: "OctetTooBig", in: "10.0.0.256", err: wantErr{CodeCidrStringParseError, target, []string{`"10.0.0.256"`}}},
		{name: "Prefix", in: "10.0.0.0/8", err: wantErr{CodeCidrStringParseError, target, nil}},
		{name: "Empty", in: "", err: wantErr{CodeCidrStringParseError, target, nil}},
		{name: "IPv6", in: "fe80::1", err: wantErr{CodeCidrStringParseError, target, []string{"IPv6"}}},
		{name: "IPv4MappedIPv6", in: "::ffff:10.0.0.10", err: wantErr{CodeCidrStringParseError, target, []string{"IPv6"}}},
	})
}

// parseCase is a case of ParsePrefix or ParseAddr: want, or the error.
type parseCase[T comparable] struct {
	name string
	in   string
	want T
	err  wantErr
}

func checkParse[T comparable](t *testing.T, name string, parse func(s, target string) (T, error), target string, tests []parseCase[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.in, target)
			tt.err.check(t, err)
			if got != tt.want {
				t.Errorf("%s(%q) = %v, want %v", name, tt.in, got, tt.want)
			}
		})
	}
}

// TestOverlapsAndContains checks both predicates on each pair of prefixes:
// Contains(a, b) (a is the outer prefix, b the inner) implies Overlaps(a, b),
// and Overlaps is symmetric.
func TestOverlapsAndContains(t *testing.T) {
	tests := []struct {
		name               string
		a, b               netip.Prefix
		overlaps, contains bool
	}{
		{"Same", mp("10.0.0.0/16"), mp("10.0.0.0/16"), true, true},
		{"Inside", mp("10.0.0.0/8"), mp("10.244.0.0/16"), true, true},
		{"InsideReversed", mp("10.244.0.0/16"), mp("10.0.0.0/8"), true, false},
		{"Subnet", mp("192.168.0.0/16"), mp("192.168.1.0/24"), true, true},
		{"SubnetReversed", mp("192.168.1.0/24"), mp("192.168.0.0/16"), true, false},
		{"Adjacent", mp("10.0.0.0/16"), mp("10.1.0.0/16"), false, false},
		{"Disjoint", mp("192.168.0.0/16"), mp("10.0.0.0/8"), false, false},
		{"Outside", mp("192.168.0.0/16"), mp("192.169.0.0/24"), false, false},
		{"PartlyOutside", mp("10.0.0.0/24"), mp("10.0.0.0/23"), true, false},
		{"LastAddress", mp("10.0.255.255/32"), mp("10.0.0.0/16"), true, false},
		{"Host", mp("10.0.0.0/24"), mp("10.0.0.255/32"), true, true},
		{"HostBitsIgnored", mp("10.0.0.5/24"), mp("10.0.0.128/25"), true, true},
		{"Everything", mp("0.0.0.0/0"), mp("203.0.113.0/24"), true, true},
		{"InvalidOuter", netip.Prefix{}, mp("0.0.0.0/0"), false, false},
		{"InvalidInner", mp("10.0.0.0/8"), netip.Prefix{}, false, false},
		{"FamiliesV6InV4", mp("::/0"), mp("0.0.0.0/0"), false, false},
		{"FamiliesV4InV6", mp("0.0.0.0/0"), mp("fd00::/64"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Overlaps(tt.a, tt.b); got != tt.overlaps {
				t.Errorf("Overlaps(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.overlaps)
			}
			if got := Overlaps(tt.b, tt.a); got != tt.overlaps {
				t.Errorf("Overlaps(%v, %v) = %v, want %v", tt.b, tt.a, got, tt.overlaps)
			}
			if got := Contains(tt.a, tt.b); got != tt.contains {
				t.Errorf("Contains(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.contains)
			}
		})
	}
}

func TestSize(t *testing.T) {
	checkPrefixFunc(t, "Size", Size, []prefixCase[uint64]{
		{mp("10.0.0.0/24"), 256},
		{mp("10.0.0.0/27"), 32},
		{mp("10.0.0.0/32"), 1},
		{mp("10.0.0.0/8"), 1 << 24},
		{mp("0.0.0.0/0"), 1 << 32},
		{netip.Prefix{}, 0},
		{mp("fd00::/120"), 0},
	})
}

func TestLastAddr(t *testing.T) {
	checkPrefixFunc(t, "LastAddr", LastAddr, []prefixCase[netip.Addr]{
		{mp("10.0.0.0/16"), ma("10.0.255.255")},
		{mp("192.168.1.0/24"), ma("192.168.1.255")},
		{mp("192.168.1.0/29"), ma("192.168.1.7")},
		{mp("192.168.1.9/32"), ma("192.168.1.9")},
		{mp("0.0.0.0/0"), ma("255.255.255.255")},
		{mp("10.0.0.77/24"), ma("10.0.0.255")},
		{netip.Prefix{}, netip.Addr{}},
		{mp("fd00::/64"), netip.Addr{}},
	})
}

// prefixCase is a case of a function of one prefix.
type prefixCase[T comparable] struct {
	p    netip.Prefix
	want T
}

func checkPrefixFunc[T comparable](t *testing.T, name string, f func(netip.Prefix) T, tests []prefixCase[T]) {
	t.Helper()
	for _, tt := range tests {
		if got := f(tt.p); got != tt.want {
			t.Errorf("%s(%v) = %v, want %v", name, tt.p, got, tt.want)
		}
	}
}

func TestNthAddr(t *testing.T) {
	tests := []struct {
		p      netip.Prefix
		n      int
		want   netip.Addr
		wantOK bool
	}{
		{mp("10.0.0.0/16"), 10, ma("10.0.0.10"), true},
		{mp("10.0.0.0/16"), 0, ma("10.0.0.0"), true},
		{mp("10.0.0.0/16"), 256, ma("10.0.1.0"), true},
		{mp("10.0.0.0/16"), 65535, ma("10.0.255.255"), true},
		{mp("10.0.0.0/16"), 65536, netip.Addr{}, false},
		{mp("10.0.0.0/16"), -1, netip.Addr{}, false},
		{mp("192.168.1.0/29"), 4, ma("192.168.1.4"), true},
		{mp("192.168.1.0/29"), 10, netip.Addr{}, false},
		{mp("255.255.255.0/24"), 255, ma("255.255.255.255"), true},
		{netip.Prefix{}, 0, netip.Addr{}, false},
	}
	for _, tt := range tests {
		got, ok := NthAddr(tt.p, tt.n)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("NthAddr(%v, %d) = %v, %v; want %v, %v", tt.p, tt.n, got, ok, tt.want, tt.wantOK)
		}
	}
}
