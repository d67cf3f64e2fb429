package containerservice

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/compute"
	"github.com/aksnet/aksnet/internal/provider/network"
)

// publicIPRange is where outbound public IPs come from: TEST-NET-2, which
// exists only inside aksnet's namespaces.
var publicIPRange = netip.MustParsePrefix("198.51.100.0/24")

func pipKey(a netip.Addr) string { return "cs-pip/" + a.String() }

// createNodeResourceGroup creates the node resource group and the resources
// AKS puts in it before any node exists: NSG, route table (when the subnet
// has none), outbound load balancer and public IP, kubelet identity, and a
// VNet when the cluster brings none.
func (p *Provider) createNodeResourceGroup(c *arm.Call, st *clusterState, clusterName string) error {
	rg := armresources.ResourceGroup{
		ID: to.Ptr(st.NodeRGID), Name: to.Ptr(arm.LastName(st.NodeRGID)), Type: to.Ptr("Microsoft.Resources/resourceGroups"),
		Location: to.Ptr(st.Location), ManagedBy: to.Ptr(st.ClusterID),
		Tags:       map[string]*string{"aks-managed-cluster-name": to.Ptr(clusterName), "aks-managed-cluster-rg": to.Ptr(arm.ParentOf(st.ClusterID)[strings.LastIndexByte(arm.ParentOf(st.ClusterID), '/')+1:])},
		Properties: &armresources.ResourceGroupProperties{ProvisioningState: to.Ptr("Succeeded")},
	}
	if c.Exists(st.NodeRGID) {
		return nodeResourceGroupExists(arm.LastName(st.NodeRGID), arm.LastName(arm.ParentOf(st.NodeRGID)))
	}
	if err := c.Save(st.NodeRGID, rg); err != nil {
		return err
	}
	loc := st.Location
	nsgID := st.NodeRGID + "/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-" + st.ID8 + "-nsg"
	if err := network.CreateNSG(c, nsgID, loc); err != nil {
		return err
	}
	st.NSGID = nsgID
	if st.RouteTableID == "" {
		rtID := st.NodeRGID + "/providers/Microsoft.Network/routeTables/" + kubenet.RouteTableName(st.ID8)
		if err := network.CreateRouteTable(c, rtID, loc); err != nil {
			return err
		}
		st.RouteTableID = rtID
		for _, sn := range st.SubnetIDs {
			if err := network.SetSubnetRouteTable(c, sn, rtID); err != nil {
				return err
			}
		}
	}
	c.Tx.Put(routeTableOwnerKey(st.RouteTableID), []byte(st.ClusterID))
	pip, err := p.allocatePublicIP(c, st)
	if err != nil {
		return err
	}
	pipID := st.NodeRGID + "/providers/Microsoft.Network/publicIPAddresses/" + arm.NewUUID()
	if err := c.Save(pipID, armnetwork.PublicIPAddress{
		ID: to.Ptr(pipID), Name: to.Ptr(arm.LastName(pipID)), Type: to.Ptr(network.TypePublicIP), Location: to.Ptr(loc), Etag: to.Ptr(arm.NewETag()),
		SKU:  &armnetwork.PublicIPAddressSKU{Name: to.Ptr(armnetwork.PublicIPAddressSKUNameStandard), Tier: to.Ptr(armnetwork.PublicIPAddressSKUTierRegional)},
		Tags: map[string]*string{"aks-managed-type": to.Ptr("aks-slb-managed-outbound-ip")},
		Properties: &armnetwork.PublicIPAddressPropertiesFormat{IPAddress: to.Ptr(pip.String()), PublicIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodStatic),
			PublicIPAddressVersion: to.Ptr(armnetwork.IPVersionIPv4), ProvisioningState: to.Ptr(armnetwork.ProvisioningStateSucceeded)},
	}); err != nil {
		return err
	}
	c.Tx.Put(pipKey(pip), []byte(pipID))
	lbID := st.NodeRGID + "/providers/Microsoft.Network/loadBalancers/kubernetes"
	if err := c.Save(lbID, armnetwork.LoadBalancer{
		ID: to.Ptr(lbID), Name: to.Ptr("kubernetes"), Type: to.Ptr(network.TypeLoadBalancer), Location: to.Ptr(loc), Etag: to.Ptr(arm.NewETag()),
		SKU: &armnetwork.LoadBalancerSKU{Name: to.Ptr(armnetwork.LoadBalancerSKUNameStandard), Tier: to.Ptr(armnetwork.LoadBalancerSKUTierRegional)},
		Properties: &armnetwork.LoadBalancerPropertiesFormat{
			FrontendIPConfigurations: []*armnetwork.FrontendIPConfiguration{{ID: to.Ptr(lbID + "/frontendIPConfigurations/" + arm.LastName(pipID)), Name: to.Ptr(arm.LastName(pipID)),
				Properties: &armnetwork.FrontendIPConfigurationPropertiesFormat{PublicIPAddress: &armnetwork.PublicIPAddress{ID: to.Ptr(pipID)}}}},
			BackendAddressPools: []*armnetwork.BackendAddressPool{{ID: to.Ptr(lbID + "/backendAddressPools/aksOutboundBackendPool"), Name: to.Ptr("aksOutboundBackendPool")}},
			OutboundRules: []*armnetwork.OutboundRule{{ID: to.Ptr(lbID + "/outboundRules/aksOutboundRule"), Name: to.Ptr("aksOutboundRule"),
				Properties: &armnetwork.OutboundRulePropertiesFormat{Protocol: to.Ptr(armnetwork.LoadBalancerOutboundRuleProtocolAll), AllocatedOutboundPorts: to.Ptr[int32](0), IdleTimeoutInMinutes: to.Ptr[int32](30)}}},
			ProvisioningState: to.Ptr(armnetwork.ProvisioningStateSucceeded),
		},
	}); err != nil {
		return err
	}
	c.SetRefs(lbID, pipID)
	// The kubelet identity AKS creates for the nodes.
	kid := st.NodeRGID + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + clusterName + "-agentpool"
	kp := directory.NewManagedPrincipal(p.tenantID, clusterName+"-agentpool", kid)
	if err := directory.PutPrincipal(c.Tx, kp); err != nil {
		return err
	}
	return c.Save(kid, map[string]any{
		"id": kid, "name": clusterName + "-agentpool", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": loc,
		"properties": map[string]string{"tenantId": p.tenantID, "principalId": kp.ObjectID, "clientId": kp.AppID},
	})
}

// allocatePublicIP takes the lowest free address of publicIPRange.
func (p *Provider) allocatePublicIP(c *arm.Call, st *clusterState) (netip.Addr, error) {
	for a := publicIPRange.Addr().Next(); publicIPRange.Contains(a) && a != kubenet.LastAddr(publicIPRange); a = a.Next() {
		if _, used := c.R.Get(pipKey(a)); !used {
			return a, nil
		}
	}
	return netip.Addr{}, azerr.Conflict("PublicIPCountLimitReached", "networkProfile.loadBalancerProfile",
		"No free public IP is left in %s for the outbound load balancer of cluster %s.", publicIPRange, arm.LastName(st.ClusterID))
}

// releasePublicIPs frees the outbound addresses of the public IPs in the
// node resource group, which goes with the cluster.
func releasePublicIPs(c *arm.Call, nodeRGID string) {
	c.ScanTopLevel(nodeRGID, func(id string, raw []byte) bool {
		if !strings.EqualFold(arm.TypeOfID(id), network.TypePublicIP) {
			return true
		}
		var pip publicIPDoc
		if json.Unmarshal(raw, &pip) == nil && pip.Properties.IPAddress.IsValid() {
			c.Tx.Delete(pipKey(pip.Properties.IPAddress))
		}
		return true
	})
}

// addNodes adds n nodes to pool, allocating their addresses from the pool's
// subnet (lowest free first) and a /24 of the pod CIDR each (lowest free
// first), and creates their instances and NICs.
func (p *Provider) addNodes(c *arm.Call, st *clusterState, pool *poolState, n int, target string) error {
	if n <= 0 {
		return nil
	}
	sn, err := network.LookupSubnet(c, pool.SubnetID, target)
	if err != nil {
		return err
	}
	vmss := kubenet.VMSSName(pool.Name, st.ID8)
	names := make([]string, n)
	owners := make([]string, n)
	for i := range n {
		names[i] = kubenet.InstanceName(vmss, pool.NextIndex+i)
		vmID := pool.VMSSID + "/virtualMachines/" + strconv.Itoa(pool.NextIndex+i)
		owners[i] = network.VMSSIPConfigRef(compute.NICID(vmID, vmss) + "/ipConfigurations/ipconfig1")
	}
	ips, err := network.AllocateIPs(c, sn, owners, target)
	if err != nil {
		return err
	}
	alloc, err := kubenet.NewPodCIDRAllocator(st.PodCIDR)
	if err != nil {
		return err
	}
	for _, used := range st.usedPodCIDRs() {
		if err := alloc.MarkUsed(used); err != nil {
			return fmt.Errorf("cluster %s: stored node pod CIDR %s: %w", st.ClusterID, used, err)
		}
	}
	for i := range n {
		block, err := alloc.Allocate()
		if err != nil {
			if e, ok := azerr.As(err); ok {
				e.Target = target
			}
			return err
		}
		idx := pool.NextIndex
		pool.NextIndex++
		vm := compute.NewInstance(pool.VMSSID, strconv.Itoa(idx), names[i], st.Location, pool.VMSize)
		vmID := *vm.ID
		nicID := compute.NICID(vmID, vmss)
		// The instance first: the NIC is its child.
		if err := c.Save(vmID, vm); err != nil {
			return err
		}
		if err := network.SaveNIC(c, network.NICSpec{ID: nicID, Location: st.Location, SubnetID: sn.ID, IP: ips[i], IPForwarding: true,
			NSGID: st.NSGID, VirtualMachID: vmID, Tags: map[string]*string{"aks-managed-poolName": to.Ptr(pool.Name)}}); err != nil {
			return err
		}
		pool.Nodes = append(pool.Nodes, nodeState{Name: names[i], Index: idx, IP: ips[i], PodCIDR: block, NICID: nicID, VMID: vmID})
	}
	if err := network.RenderSubnet(c, sn.ID); err != nil {
		return err
	}
	if err := network.RenderNSG(c, st.NSGID); err != nil {
		return err
	}
	return p.saveScaleSet(c, st, pool)
}

// removeNodes removes the n newest nodes of pool, releasing their
// addresses and pod CIDRs; the route controller then drops their routes.
// The pods on a removed node go with it, as Kubernetes deletes the pods of a
// deleted Node, so that their addresses are free when the pod CIDR is
// handed to a new node.
func (p *Provider) removeNodes(c *arm.Call, st *clusterState, pool *poolState, n int) error {
	pods := Pods(c.R, st.ClusterID)
	for ; n > 0 && len(pool.Nodes) > 0; n-- {
		last := pool.Nodes[len(pool.Nodes)-1]
		for _, pod := range pods {
			if strings.EqualFold(pod.Node, last.Name) {
				if err := c.Delete(st.ClusterID+"/pods/"+pod.Name, ""); err != nil {
					return fmt.Errorf("delete pod %s of removed node %s: %w", pod.Name, last.Name, err)
				}
			}
		}
		// The NIC first (a node made before nodes were scale set
		// instances has a standalone one), then the instance.
		if err := c.Delete(last.NICID, ""); err != nil {
			return err
		}
		if err := c.Delete(last.VMID, ""); err != nil {
			return err
		}
		pool.Nodes = pool.Nodes[:len(pool.Nodes)-1]
	}
	return p.saveScaleSet(c, st, pool)
}

func (p *Provider) saveScaleSet(c *arm.Call, st *clusterState, pool *poolState) error {
	ss := compute.NewScaleSet(pool.VMSSID, st.Location, pool.VMSize, pool.Name, pool.SubnetID, st.NSGID, len(pool.Nodes))
	var old armcompute.VirtualMachineScaleSet
	ok, err := c.Load(pool.VMSSID, &old)
	if err != nil {
		return err
	}
	if ok && old.Properties != nil {
		ss.Properties.UniqueID, ss.Tags = old.Properties.UniqueID, old.Tags
	}
	return c.Save(pool.VMSSID, ss)
}

// createManagedVNet creates the VNet AKS makes when the cluster brings no
// subnet: aks-vnet-<id8> 10.224.0.0/12 with subnet aks-subnet 10.224.0.0/16.
func createManagedVNet(c *arm.Call, st *clusterState) (string, error) {
	vnetID := st.NodeRGID + "/providers/Microsoft.Network/virtualNetworks/aks-vnet-" + st.ID8
	subnetID := vnetID + "/subnets/aks-subnet"
	if err := network.CreateManagedVNet(c, vnetID, subnetID, st.Location, netip.MustParsePrefix("10.224.0.0/12"), netip.MustParsePrefix("10.224.0.0/16")); err != nil {
		return "", err
	}
	return subnetID, nil
}
