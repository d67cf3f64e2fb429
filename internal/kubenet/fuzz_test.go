package kubenet

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
)

// prefixSeeds are the article's prefixes (VNet 192.168.0.0/16, subnet
// 192.168.1.0/24, service CIDR 10.0.0.0/16, pod CIDR 10.244.0.0/16), AKS's
// defaults and reserved ranges, and near-valid values: host bits set, IPv6,
// 4-in-6, zones, leading zeros, out-of-range bits, spaces.
var prefixSeeds = []string{
	"192.168.0.0/16", "192.168.1.0/24", "10.0.0.0/16", "10.244.0.0/16", "10.224.0.0/12",
	"169.254.0.0/16", "172.30.0.0/16", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.10/32",
	"10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "/16", "10.0.0/16", "010.0.0.0/16",
	"10.0.0.0/016", "fd00::/8", "::ffff:10.0.0.0/104", "10.0.0.0%eth0/16", " 10.0.0.0/16", "10.0.0.0/16 ",
	"10.0.0.0\x00/16", "", "10.0.0.0", "1.2.3.4/8/8",
}

// addrSeeds are the article's DNS service IP 10.0.0.10, a next-hop
// appliance address, and near-valid values.
var addrSeeds = []string{
	"10.0.0.10", "192.168.1.4", "10.0.0.0", "255.255.255.255", "0.0.0.0", "168.63.129.16",
	"10.0.0.256", "10.0.0", "010.0.0.10", "::1", "::ffff:10.0.0.10", "fe80::1%eth0", "10.0.0.10%eth0",
	"10.0.0.10/32", " 10.0.0.10", "", "1.2.3.4.5",
}

// FuzzParsePrefix checks ParsePrefix on any string: it never panics; a
// failure is a 400 azerr naming the value, with the given target, and only
// non-canonical or non-IPv4 prefixes fail; a success is a canonical IPv4
// prefix whose String parses back to itself, and the CIDR helpers agree on
// it.
func FuzzParsePrefix(f *testing.F) {
	const target = "properties.networkProfile.podCidr"
	fuzzParse(f, "ParsePrefix", ParsePrefix, target, prefixSeeds,
		func(t *testing.T, s string, err error) {
			if np, nerr := netip.ParsePrefix(s); nerr == nil && np.Addr().Is4() && np.Masked() == np {
				t.Fatalf("ParsePrefix(%q) refused a canonical IPv4 prefix: %v", s, err)
			}
		},
		func(t *testing.T, s string, p netip.Prefix) {
			if !p.IsValid() || !p.Addr().Is4() || p.Masked() != p {
				t.Fatalf("ParsePrefix(%q) = %v: not a canonical IPv4 prefix", s, p)
			}
			n := Size(p)
			if n != 1<<(32-p.Bits()) {
				t.Fatalf("Size(%v) = %d", p, n)
			}
			last := LastAddr(p)
			if nth, ok := NthAddr(p, int(n-1)); !ok || nth != last || !p.Contains(last) {
				t.Fatalf("LastAddr(%v) = %v, NthAddr(size-1) = %v, %v", p, last, nth, ok)
			}
			if _, ok := NthAddr(p, int(n)); ok {
				t.Fatalf("NthAddr(%v, %d) is inside the prefix", p, n)
			}
			if !Contains(p, p) || !Overlaps(p, p) {
				t.Fatalf("%v does not contain or overlap itself", p)
			}
		})
}

// FuzzParseAddr checks ParseAddr on any string: it never panics; a failure
// is a 400 azerr naming the value; a success is an IPv4 address whose String
// parses back to itself, and its /32 is a valid prefix.
func FuzzParseAddr(f *testing.F) {
	const target = "properties.networkProfile.dnsServiceIP"
	fuzzParse(f, "ParseAddr", ParseAddr, target, addrSeeds, nil,
		func(t *testing.T, s string, a netip.Addr) {
			if !a.Is4() || a.Zone() != "" {
				t.Fatalf("ParseAddr(%q) = %v: not an IPv4 address", s, a)
			}
			p := netip.PrefixFrom(a, 32)
			if q, err := ParsePrefix(p.String(), target); err != nil || q != p {
				t.Fatalf("ParsePrefix(%q) = %v, %v; want %v", p.String(), q, err, p)
			}
		})
}

// fuzzParse fuzzes parse, named name, from seeds. On every string parse must
// not panic. A failure is a 400 azerr naming the value with target, and
// refused (when set) checks that the value deserved it. A success parses
// back to itself from its String, and accepted checks the rest of what
// holds of it.
func fuzzParse[T interface {
	comparable
	String() string
}](f *testing.F, name string, parse func(s, target string) (T, error), target string, seeds []string,
	refused func(t *testing.T, s string, err error), accepted func(t *testing.T, s string, v T)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parse(s, target)
		if err != nil {
			checkBadRequest(t, err, s, target)
			if refused != nil {
				refused(t, s, err)
			}
			return
		}
		accepted(t, s, v)
		if w, err := parse(v.String(), target); err != nil || w != v {
			t.Fatalf("%s(%q) = %v, but %s(%q) = %v, %v", name, s, v, name, v.String(), w, err)
		}
	})
}

// checkBadRequest checks that err is a 400 azerr with target and a message
// naming s (as is or quoted).
func checkBadRequest(t *testing.T, err error, s, target string) {
	t.Helper()
	e, ok := azerr.As(err)
	if !ok {
		t.Fatalf("error for %q is not an *azerr.Error: %v", s, err)
	}
	if e.Status != http.StatusBadRequest || e.Code == "" || e.Target != target {
		t.Fatalf("error for %q: status %d code %q target %q", s, e.Status, e.Code, e.Target)
	}
	if !strings.Contains(e.Message, s) && !strings.Contains(e.Message, strconv.Quote(s)) {
		t.Fatalf("error message %q does not name the value %q", e.Message, s)
	}
}
