package dataplane

import (
	"fmt"
	"net/netip"

	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/kubenet"
)

const (
	testVNet    = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/myAKSVnet"
	testSubnet  = testVNet + "/subnets/myAKSSubnet"
	testCluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"
	testNSG     = "/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg"
)

var (
	mp = netip.MustParsePrefix
	ma = netip.MustParseAddr
)

// fixture builds the article's layout: VNet 192.168.0.0/16, subnet
// 192.168.1.0/24, a kubenet cluster with n nodes (192.168.1.4…), pod CIDR
// 10.244.0.0/16, service CIDR 10.0.0.0/16, DNS 10.0.0.10, and the route
// table AKS writes (one VirtualAppliance route per node) plus extra UDRs.
type fixture struct {
	nodes     int
	udrs      []fabric.Route
	skipNode  int // a node whose managed route is missing (-1: none)
	subnetNSG *NSG
	pods      []Pod
	services  []kubenet.Service
	noDNS     bool
	// big lays nodes out for hundreds of nodes: subnet 192.168.0.0/20 and
	// pod CIDR 10.244.0.0/14.
	big bool
	// noForward lists nodes whose NIC has IP forwarding off.
	noForward map[int]bool
}

func nodeName(i int) string { return fmt.Sprintf("aks-nodepool1-12345678-vmss%06d", i) }

func nodeIP(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 168, 1, byte(4 + i)}) }

func podCIDR(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24)
}

func bigNodeIP(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{192, 168, byte((4 + i) / 256), byte((4 + i) % 256)})
}

func bigPodCIDR(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(244 + i/256), byte(i % 256), 0}), 24)
}

func podIP(node, n int) netip.Addr { return netip.AddrFrom4([4]byte{10, 244, byte(node), byte(n)}) }

func (f fixture) desired() Desired {
	subnet, clusterPods := mp("192.168.1.0/24"), mp("10.244.0.0/16")
	nodeIP, podCIDR := nodeIP, podCIDR
	if f.big {
		subnet, clusterPods, nodeIP, podCIDR = mp("192.168.0.0/20"), mp("10.244.0.0/14"), bigNodeIP, bigPodCIDR
	}
	vnetPrefixes := []netip.Prefix{mp("192.168.0.0/16")}
	udrs := append([]fabric.Route(nil), f.udrs...)
	for i := range f.nodes {
		if i == f.skipNode {
			continue
		}
		udrs = append(udrs, fabric.Route{Name: nodeName(i) + "____1024400" + fmt.Sprint(i) + "24", Prefix: podCIDR(i), NextHopType: fabric.VirtualAppliance, NextHopIP: nodeIP(i)})
	}
	nsg := &NSG{ID: testNSG}
	v := VNet{ID: testVNet, Prefixes: vnetPrefixes, Subnets: []Subnet{{ID: testSubnet, Prefix: subnet,
		Routes: fabric.EffectiveRoutes(vnetPrefixes, udrs), NSG: f.subnetNSG}}}
	c := Cluster{ID: testCluster, VNet: testVNet, PodCIDR: clusterPods, ServiceCIDR: mp("10.0.0.0/16"),
		DNSServiceIP: ma("10.0.0.10"), PublicIP: ma("198.51.100.1")}
	for i := range f.nodes {
		nic := fmt.Sprintf("/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/networkInterfaces/%s", nodeName(i))
		v.NICs = append(v.NICs, NIC{ID: nic, Subnet: testSubnet, IP: nodeIP(i), IPForwarding: !f.noForward[i], NSG: nsg})
		c.Nodes = append(c.Nodes, Node{Name: nodeName(i), NIC: nic, IP: nodeIP(i), PodCIDR: podCIDR(i), Gateway: gatewayOf(subnet)})
	}
	if !f.noDNS && f.nodes > 0 {
		c.Pods = append(c.Pods, Pod{Name: "coredns", Node: nodeName(0), IP: podIP(0, 254), DNS: true})
	}
	c.Pods = append(c.Pods, f.pods...)
	c.Services = f.services
	return Desired{VNets: []VNet{v}, Clusters: []Cluster{c}}
}
