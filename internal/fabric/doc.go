// Package fabric models the parts of Azure's software-defined network that a
// kubenet cluster depends on: the effective route table of a subnet or NIC
// (system routes merged with user-defined routes), longest-prefix-match
// selection of a next hop, Network Watcher's nextHop answer, network security
// group (NSG) evaluation, and a hop-by-hop trace of one packet through a
// kubenet node, its NIC and the fabric.
//
// The package is pure: it performs no I/O, keeps no global state and imports
// only the standard library and azerr. Every function is deterministic, so the
// same inputs always give the same routes, verdicts and traces.
//
// Names and strings follow Azure exactly where Azure shows them to users:
// next-hop types ("VirtualAppliance", "VnetLocal", "Internet",
// "VirtualNetworkGateway", "None"), route sources ("Default", "User"), route
// states ("Active", "Invalid"), the six default NSG rules and their
// priorities, and the NSG validation error codes of the network resource
// provider (for example "SecurityRuleInvalidPriority").
//
// Where the model has to choose between readings of Azure behaviour, the
// choice is stated on the function that makes it. In short:
//
//   - The reserved ranges 10/8, 172.16/12, 192.168/16 and 100.64/10 have a
//     system route with next hop None unless the VNet address space covers the
//     whole range; a VNet prefix inside such a range leaves the None route in
//     place and wins over it by longest prefix match (see SystemRoutes).
//   - Route selection is longest prefix match; at equal prefix a user route
//     beats a BGP route, which beats a system route (see Table).
//   - NSGs are evaluated NIC first then subnet for outbound traffic, and
//     subnet first then NIC for inbound traffic, as Azure documents (see
//     Trace).
//   - The VirtualNetwork service tag covers the VNet address space, the
//     prefixes of user-defined routes and the host's virtual IP
//     168.63.129.16; Internet is every address outside it (see TagContext).
package fabric
