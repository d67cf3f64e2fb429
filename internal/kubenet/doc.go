// Package kubenet is the domain core of aksnet's AKS kubenet emulation. It
// holds the rules of Azure's "Use kubenet networking with your own IP address
// ranges" article and the arithmetic behind them, and nothing else:
//
//   - CIDR parsing and arithmetic (cidr.go): ParsePrefix, ParseAddr,
//     Overlaps, Contains, LastAddr, NthAddr and Size.
//   - Subnet IP address management as Azure does it (ipam.go): five reserved
//     addresses per subnet (.0, .1, .2, .3 and the broadcast address), so
//     the first node gets .4, and lowest-free allocation.
//   - The pod-CIDR allocator (podcidr.go): one /24 of the cluster pod CIDR
//     per node, lowest free block first (10.244.0.0/24, 10.244.1.0/24, …).
//   - Pod IP allocation within a node's pod CIDR (podrange.go), by the CNI
//     host-local plugin's rules: round robin after the last address handed
//     out, never the network, gateway (.1) or broadcast address.
//   - Network-profile validation (profile.go): defaults (ApplyDefaults) and
//     the create-time (Validate) and update-time (ValidateUpdate) rules.
//   - The capacity planner (capacity.go): how many nodes and pods a layout
//     holds, with findings and recommendations.
//   - Route reconciliation (routes.go): desired node routes versus the routes
//     observed in the cluster's route table, as the Kubernetes cloud
//     provider's route controller does it.
//   - Azure's naming conventions (names.go): node resource group, route
//     table, VMSS and instance names.
//
// Every rule violation is returned as an *azerr.Error with Azure's error
// code, a message that names the offending values, and a Target holding the
// JSON path of the offending request field (for example
// "networkProfile.podCIDR", as AKS spells it). The codes are listed in codes.go;
// where Azure has no public code for a rule, the constant's documentation
// says so and aksnet names one in Azure's style.
//
// The package is pure: it performs no I/O, keeps no global mutable state and
// imports only the standard library, azerr and fabric (for its IPv4 ↔
// integer conversion). Addresses are IPv4; IPv6 input
// is rejected with an error rather than mishandled.
package kubenet
