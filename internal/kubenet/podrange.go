package kubenet

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrPodRangeFull is returned when every usable address of a pod range is
// taken.
var ErrPodRangeFull = errors.New("no free pod address in range")

// PodRange is one node's pod CIDR as the CNI host-local IPAM plugin, which
// kubenet uses, hands it out: the network address, the gateway (.1) and the
// broadcast address are never handed out; allocation is round robin,
// starting after the last address reserved and wrapping to the start of the
// range; an address is free again once its pod is deleted.
//
// It is pure: the caller keeps the addresses in use and the last reserved
// address (host-local keeps them on disk; aksnet keeps them in its store)
// and passes them in.
type PodRange struct {
	// Subnet is the pod CIDR, e.g. 10.244.1.0/24.
	Subnet netip.Prefix
	// Reserved are addresses that are never allocated besides the network,
	// gateway and broadcast addresses (aksnet keeps the last usable address
	// of every node for the cluster-DNS pod).
	Reserved []netip.Addr
}

// Gateway returns the range's gateway, the first address after the network
// address (.1), which the node's bridge holds.
func (r PodRange) Gateway() netip.Addr { return r.Subnet.Masked().Addr().Next() }

// First returns the first allocatable address (.2 in a /24).
func (r PodRange) First() netip.Addr { return r.Gateway().Next() }

// Last returns the last allocatable address: the one before broadcast.
func (r PodRange) Last() netip.Addr { return LastAddr(r.Subnet).Prev() }

// Contains reports whether a is an allocatable address of the range.
func (r PodRange) Contains(a netip.Addr) bool {
	if !r.Subnet.Contains(a) || a.Less(r.First()) || r.Last().Less(a) {
		return false
	}
	for _, x := range r.Reserved {
		if x == a {
			return false
		}
	}
	return true
}

// Next returns the address host-local hands out next: the first free
// allocatable address after last (or from the start of the range when last
// is not in it), wrapping around once. used holds the addresses taken.
func (r PodRange) Next(used []netip.Addr, last netip.Addr) (netip.Addr, error) {
	if !r.Subnet.Addr().Is4() || r.Subnet.Bits() > 30 {
		return netip.Addr{}, fmt.Errorf("pod range %s has no room for pods", r.Subnet)
	}
	taken := make(map[netip.Addr]bool, len(used))
	for _, a := range used {
		taken[a] = true
	}
	start := r.First()
	if r.Subnet.Contains(last) && !last.Less(r.First()) && last.Less(r.Last()) {
		start = last.Next()
	}
	a := start
	for {
		if r.Contains(a) && !taken[a] {
			return a, nil
		}
		a = a.Next()
		if r.Last().Less(a) {
			a = r.First()
		}
		if a == start {
			return netip.Addr{}, fmt.Errorf("%w %s", ErrPodRangeFull, r.Subnet)
		}
	}
}
