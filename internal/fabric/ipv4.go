package fabric

import (
	"encoding/binary"
	"net/netip"
)

// IPv4Uint returns the IPv4 address a as a big-endian integer, so that
// address arithmetic (the n-th address of a prefix, the offset of an address
// in it, an interval of a set) is integer arithmetic. a must be an IPv4
// address; an IPv4-mapped IPv6 address is read as its IPv4 address. It is
// the one IPv4-to-integer conversion of aksnet: the kubenet arithmetic, the
// plan view and the data plane's nftables sets all use it.
func IPv4Uint(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

// IPv4FromUint is the inverse of IPv4Uint: the IPv4 address whose
// big-endian integer is u.
func IPv4FromUint(u uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], u)
	return netip.AddrFrom4(b)
}
