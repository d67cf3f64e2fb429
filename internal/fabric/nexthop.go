package fabric

import "net/netip"

// NextHopResult is Network Watcher's answer to a nextHop query, field for
// field: the next-hop type, the next-hop IP address (set only for
// VirtualAppliance, empty otherwise, as Azure returns it) and the route table
// the chosen route came from ("System Route" for a system route, the route
// table's resource id for a user route).
type NextHopResult struct {
	NextHopType  NextHopType `json:"nextHopType"`
	NextHopIP    string      `json:"nextHopIpAddress,omitempty"`
	RouteTableID string      `json:"routeTableId,omitempty"`
}

// NextHop answers Network Watcher's nextHop for a packet from src to dst
// leaving a NIC whose effective routes are t.
//
// Azure routes on the destination only; src names the NIC the query is about
// (t must be that NIC's table) and does not change the answer. When no route
// matches (only possible with a table that lacks the 0.0.0.0/0 system route,
// or an invalid dst) the packet is dropped, reported as next hop "None" with
// no route table.
func NextHop(t *Table, src, dst netip.Addr) NextHopResult {
	_ = src
	r, ok := t.Lookup(dst)
	return nextHopFor(r, ok)
}

// nextHopFor renders a selected route as Network Watcher reports it.
func nextHopFor(r Route, ok bool) NextHopResult {
	if !ok {
		return NextHopResult{NextHopType: None}
	}
	res := NextHopResult{NextHopType: r.NextHopType, RouteTableID: r.RouteTableID}
	if r.IsSystem() {
		res.RouteTableID = SystemRouteTableID
	}
	if r.NextHopType == VirtualAppliance && r.NextHopIP.IsValid() {
		res.NextHopIP = r.NextHopIP.String()
	}
	return res
}
