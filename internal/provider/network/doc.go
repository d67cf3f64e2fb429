// Package network is the Microsoft.Network provider: virtual networks and
// subnets, route tables and routes, network security groups and rules,
// network interfaces, and the load balancers and public IPs AKS provisions.
//
// Child resources (subnets, routes, security rules) are stored on their own
// and rendered inline into their parent's document after every change, so a
// GET of either answers from one stored document. Back-references (a route
// table's subnets, a subnet's IP configurations) are rendered from the
// reference index the same way.
package network
