package kubenet

import (
	"net/netip"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/fabric"
)

// ParsePrefix parses s as an IPv4 CIDR ("10.244.0.0/16") the way Azure
// validates an address prefix. target is the JSON path of the field s came
// from (for example "networkProfile.podCIDR", AKS's spelling) and becomes the
// error's Target.
//
// It returns a 400 *azerr.Error with code CidrStringParseError when s is not
// CIDR notation or is an IPv6 prefix (aksnet models IPv4 only), and
// InvalidCIDRNotation when the address has host bits set, in which case the
// message suggests the masked prefix. On success the prefix is canonical:
// p == p.Masked().
func ParsePrefix(s, target string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, azerr.BadRequest(CodeCidrStringParseError, target,
			"The value %q is not a valid CIDR: expected an IPv4 address prefix such as 10.244.0.0/16.", s)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, azerr.BadRequest(CodeCidrStringParseError, target,
			"The value %q is an IPv6 address prefix; only IPv4 address prefixes are supported.", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, azerr.BadRequest(CodeInvalidCIDRNotation, target,
			"The address prefix %s has host bits set; did you mean %s?", s, m)
	}
	return p, nil
}

// ParseAddr parses s as an IPv4 address ("10.0.0.10"). target is the JSON
// path of the field s came from. It returns a 400 *azerr.Error with code
// CidrStringParseError when s is not an IPv4 address (IPv6 addresses
// included).
func ParseAddr(s, target string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, azerr.BadRequest(CodeCidrStringParseError, target,
			"The value %q is not a valid IP address: expected an IPv4 address such as 10.0.0.10.", s)
	}
	if !a.Is4() {
		return netip.Addr{}, azerr.BadRequest(CodeCidrStringParseError, target,
			"The value %q is an IPv6 address; only IPv4 addresses are supported.", s)
	}
	return a, nil
}

// Overlaps reports whether a and b share at least one address. It is false
// when either prefix is invalid or the two are of different families.
func Overlaps(a, b netip.Prefix) bool {
	return a.IsValid() && b.IsValid() && a.Masked().Overlaps(b.Masked())
}

// Contains reports whether every address of inner is also in outer (a
// prefix contains itself). It is false when either prefix is invalid or the
// two are of different families.
func Contains(outer, inner netip.Prefix) bool {
	if !outer.IsValid() || !inner.IsValid() || outer.Addr().BitLen() != inner.Addr().BitLen() {
		return false
	}
	return outer.Bits() <= inner.Bits() && outer.Masked().Contains(inner.Masked().Addr())
}

// Size returns the number of addresses in an IPv4 prefix: 256 for a /24,
// 1<<32 for 0.0.0.0/0. It returns 0 for an invalid or IPv6 prefix.
func Size(p netip.Prefix) uint64 {
	if !p.IsValid() || !p.Addr().Is4() {
		return 0
	}
	return 1 << (32 - p.Bits())
}

// LastAddr returns the last (broadcast) address of an IPv4 prefix:
// 10.0.255.255 for 10.0.0.0/16. It returns the zero Addr for an invalid or
// IPv6 prefix.
func LastAddr(p netip.Prefix) netip.Addr {
	n := Size(p)
	if n == 0 {
		return netip.Addr{}
	}
	return fromU32(toU32(p.Masked().Addr()) + uint32(n-1))
}

// NthAddr returns the address at offset n from the network address of an
// IPv4 prefix: NthAddr(10.0.0.0/16, 10) is 10.0.0.10. ok is false when n is
// negative, n is not below Size(p), or p is invalid or IPv6.
func NthAddr(p netip.Prefix, n int) (a netip.Addr, ok bool) {
	size := Size(p)
	if n < 0 || uint64(n) >= size {
		return netip.Addr{}, false
	}
	return fromU32(toU32(p.Masked().Addr()) + uint32(n)), true
}

// offsetOf returns the offset of a within p (a must be an IPv4 address in p).
func offsetOf(p netip.Prefix, a netip.Addr) uint64 {
	return uint64(toU32(a) - toU32(p.Masked().Addr()))
}

// toU32 and fromU32 are fabric's IPv4 ↔ integer conversion, named short
// for the arithmetic here.
func toU32(a netip.Addr) uint32 { return fabric.IPv4Uint(a) }

func fromU32(u uint32) netip.Addr { return fabric.IPv4FromUint(u) }
