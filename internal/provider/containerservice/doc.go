// Package containerservice is the Microsoft.ContainerService provider:
// AKS managed clusters and their agent pools, with the kubenet network
// plugin behaving as Azure's article "Configure kubenet networking in Azure
// Kubernetes Service (AKS)" describes.
//
// A PUT validates the request against the kubenet rules (package kubenet),
// allocates node IPs from the subnet and a /24 of the pod CIDR per node, and
// provisions the node resource group (scale sets, instances, NICs, NSG,
// route table, load balancer, public IP, kubelet identity) in the same
// transaction, so concurrent creates can never hand out an address twice.
// The route controller then keeps one route per node in the cluster's route
// table; a cluster's long-running operation succeeds once every node has its
// route and the cluster identity holds the permissions AKS needs.
package containerservice
