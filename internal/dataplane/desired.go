package dataplane

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/kubenet"
)

// Desired is the whole data plane as the control plane wants it.
type Desired struct {
	VNets    []VNet
	Clusters []Cluster
}

// VNet is one virtual network: its address space, its subnets and the NICs
// in them.
type VNet struct {
	// ID is the VNet's resource id; the fabric namespace is named after it.
	ID       string
	Prefixes []netip.Prefix
	Subnets  []Subnet
	NICs     []NIC
}

// Subnet is one subnet of a VNet.
type Subnet struct {
	ID     string
	Prefix netip.Prefix
	// Routes is the subnet's effective route table, as
	// fabric.EffectiveRoutes computes it (system routes and UDRs).
	Routes []fabric.Route
	// NSG is the NSG associated with the subnet, nil when none.
	NSG *NSG
}

// NSG is a network security group: its custom rules (Azure's default rules
// are always added).
type NSG struct {
	ID    string
	Rules []fabric.SecurityRule
}

// NIC is a network interface. Only NICs a node uses are realised.
type NIC struct {
	ID     string
	Subnet string // subnet id
	IP     netip.Addr
	// IPForwarding allows the NIC to send traffic whose source is not its
	// own address (Azure's enableIPForwarding).
	IPForwarding bool
	NSG          *NSG
}

// Cluster is one kubenet cluster.
type Cluster struct {
	ID string
	// VNet is the id of the VNet the nodes' NICs are in.
	VNet         string
	PodCIDR      netip.Prefix
	ServiceCIDR  netip.Prefix
	DNSServiceIP netip.Addr
	// PublicIP is the outbound load balancer's frontend address (from
	// 198.51.100.0/24); pod and node traffic to the internet leaves with it.
	PublicIP netip.Addr
	Nodes    []Node
	Pods     []Pod
	Services []kubenet.Service
}

// Node is one cluster node.
type Node struct {
	Name string
	// NIC is the id of the node's NIC in the cluster's VNet.
	NIC     string
	IP      netip.Addr
	PodCIDR netip.Prefix
	// Gateway is the subnet's gateway (.1), the node's default route.
	Gateway netip.Addr
}

// Pod is a test workload on a node.
type Pod struct {
	Name string
	Node string
	// IP is the pod's address from the node's pod CIDR; for a host-network
	// pod it is the node's IP.
	IP          netip.Addr
	HostNetwork bool
	// DNS marks the cluster-DNS pod, which serves cluster.local on :53.
	DNS bool
}

// Validate reports the first inconsistency in d: references to unknown
// VNets, subnets, NICs or nodes, addresses outside their ranges, duplicate
// names.
func (d Desired) Validate() error {
	vnets, nics, err := validateVNets(d.VNets)
	if err != nil {
		return err
	}
	for i := range d.Clusters {
		c := &d.Clusters[i]
		if vnets[strings.ToLower(c.VNet)] == nil && len(c.Nodes) > 0 {
			return fmt.Errorf("cluster %s: unknown vnet %s", c.ID, c.VNet)
		}
		nodes, err := validateNodes(c, nics)
		if err != nil {
			return err
		}
		if err := validatePods(c, nodes); err != nil {
			return err
		}
		if err := validateServices(c); err != nil {
			return err
		}
	}
	return nil
}

// validateVNets checks that VNet ids are unique, subnet prefixes IPv4 and
// NICs unique and inside their subnet, and returns the VNets and NICs by
// lower-cased id.
func validateVNets(vs []VNet) (map[string]*VNet, map[string]*NIC, error) {
	vnets := map[string]*VNet{}
	nics := map[string]*NIC{}
	for i := range vs {
		v := &vs[i]
		key := strings.ToLower(v.ID)
		if v.ID == "" || vnets[key] != nil {
			return nil, nil, fmt.Errorf("vnet %q: empty or duplicate id", v.ID)
		}
		vnets[key] = v
		subnets := map[string]Subnet{}
		for _, s := range v.Subnets {
			if !s.Prefix.IsValid() || !s.Prefix.Addr().Is4() {
				return nil, nil, fmt.Errorf("subnet %s: invalid prefix %s", s.ID, s.Prefix)
			}
			subnets[strings.ToLower(s.ID)] = s
		}
		for j := range v.NICs {
			n := &v.NICs[j]
			s, ok := subnets[strings.ToLower(n.Subnet)]
			switch {
			case !ok:
				return nil, nil, fmt.Errorf("nic %s: subnet %s is not in vnet %s", n.ID, n.Subnet, v.ID)
			case !s.Prefix.Contains(n.IP):
				return nil, nil, fmt.Errorf("nic %s: ip %s outside subnet %s", n.ID, n.IP, s.Prefix)
			case nics[strings.ToLower(n.ID)] != nil:
				return nil, nil, fmt.Errorf("nic %s: duplicate", n.ID)
			}
			nics[strings.ToLower(n.ID)] = n
		}
	}
	return vnets, nics, nil
}

// validateNodes checks that c's nodes are unique, on a known NIC with the
// NIC's address, with a pod CIDR that has room, and returns them by name.
func validateNodes(c *Cluster, nics map[string]*NIC) (map[string]Node, error) {
	nodes := map[string]Node{}
	for _, n := range c.Nodes {
		nic := nics[strings.ToLower(n.NIC)]
		switch {
		case nic == nil:
			return nil, fmt.Errorf("cluster %s node %s: unknown nic %s", c.ID, n.Name, n.NIC)
		case nic.IP != n.IP:
			return nil, fmt.Errorf("cluster %s node %s: ip %s differs from its nic's %s", c.ID, n.Name, n.IP, nic.IP)
		case !n.PodCIDR.IsValid() || n.PodCIDR.Bits() > 30:
			return nil, fmt.Errorf("cluster %s node %s: invalid pod cidr %s", c.ID, n.Name, n.PodCIDR)
		}
		if _, dup := nodes[n.Name]; dup {
			return nil, fmt.Errorf("cluster %s: duplicate node %s", c.ID, n.Name)
		}
		nodes[n.Name] = n
	}
	return nodes, nil
}

// validatePods checks that c's pods are unique and on a known node, a
// host-network pod with its node's address, any other with an allocatable
// address of its node's pod CIDR (not the network address or the gateway).
func validatePods(c *Cluster, nodes map[string]Node) error {
	pods := map[string]bool{}
	for _, p := range c.Pods {
		n, ok := nodes[p.Node]
		switch {
		case !ok:
			return fmt.Errorf("cluster %s pod %s: unknown node %s", c.ID, p.Name, p.Node)
		case pods[p.Name]:
			return fmt.Errorf("cluster %s: duplicate pod %s", c.ID, p.Name)
		case p.HostNetwork && p.IP != n.IP:
			return fmt.Errorf("cluster %s pod %s: host-network pod ip %s is not its node's %s", c.ID, p.Name, p.IP, n.IP)
		case !p.HostNetwork && (!n.PodCIDR.Contains(p.IP) || p.IP == n.PodCIDR.Masked().Addr().Next()):
			return fmt.Errorf("cluster %s pod %s: ip %s not allocatable in %s", c.ID, p.Name, p.IP, n.PodCIDR)
		}
		pods[p.Name] = true
	}
	return nil
}

// validateServices checks that c's services have a cluster IP in the
// service CIDR and valid ports.
func validateServices(c *Cluster) error {
	for _, s := range c.Services {
		if !c.ServiceCIDR.Contains(s.ClusterIP) {
			return fmt.Errorf("cluster %s service %s: cluster ip %s outside %s", c.ID, s.Name, s.ClusterIP, c.ServiceCIDR)
		}
		if s.Port <= 0 || s.Port > 65535 || s.TargetPort <= 0 || s.TargetPort > 65535 {
			return fmt.Errorf("cluster %s service %s: invalid ports %d→%d", c.ID, s.Name, s.Port, s.TargetPort)
		}
	}
	return nil
}
