package kubenet

import "net/netip"

// Service is a ClusterIP service as kubenet's data plane carries it: its
// cluster IP in the cluster's service CIDR, the port it answers on and the
// pods' port it forwards to. The control plane stores it, the path trace
// follows it and the data plane DNATs it.
type Service struct {
	Name      string
	ClusterIP netip.Addr
	// Protocol is "TCP" (default) or "UDP".
	Protocol   string
	Port       int
	TargetPort int
	// Selector selects the pods whose name starts with it.
	Selector string
}
