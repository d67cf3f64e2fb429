// Package compute is the part of Microsoft.Compute that AKS provisions in a
// cluster's node resource group: virtual machine scale sets, one per agent
// pool, and their instances, one per node. The container service provider
// writes them; clients read them through ARM.
package compute

import (
	"encoding/json"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// Resource types of this provider.
const (
	TypeVMSS   = "Microsoft.Compute/virtualMachineScaleSets"
	TypeVMSSVM = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
)

// NewScaleSet returns the document of a node pool's scale set (the SDK's
// model, as the compute RP answers it): capacity instances of size vmSize
// whose NICs (one each, named after the scale set, with IP configuration
// ipconfig1, as AKS names them) sit in subnetID, forward IP (kubenet's nodes
// route pod traffic) and carry NSG nsgID ("" for none).
func NewScaleSet(id, location, vmSize, pool, subnetID, nsgID string, capacity int) armcompute.VirtualMachineScaleSet {
	nic := &armcompute.VirtualMachineScaleSetNetworkConfiguration{
		Name: to.Ptr(NICName(arm.LastName(id))),
		Properties: &armcompute.VirtualMachineScaleSetNetworkConfigurationProperties{
			Primary: to.Ptr(true), EnableIPForwarding: to.Ptr(true), EnableAcceleratedNetworking: to.Ptr(false),
			IPConfigurations: []*armcompute.VirtualMachineScaleSetIPConfiguration{{
				Name: to.Ptr("ipconfig1"),
				Properties: &armcompute.VirtualMachineScaleSetIPConfigurationProperties{Primary: to.Ptr(true),
					PrivateIPAddressVersion: to.Ptr(armcompute.IPVersionIPv4), Subnet: &armcompute.APIEntityReference{ID: to.Ptr(subnetID)}},
			}},
		},
	}
	if nsgID != "" {
		nic.Properties.NetworkSecurityGroup = &armcompute.SubResource{ID: to.Ptr(nsgID)}
	}
	return armcompute.VirtualMachineScaleSet{
		ID: to.Ptr(id), Name: to.Ptr(arm.LastName(id)), Type: to.Ptr(TypeVMSS), Location: to.Ptr(location),
		Tags: map[string]*string{"aks-managed-poolName": to.Ptr(pool), "aks-managed-createOperationID": to.Ptr(arm.NewUUID())},
		SKU:  &armcompute.SKU{Name: to.Ptr(vmSize), Tier: to.Ptr("Standard"), Capacity: to.Ptr(int64(capacity))},
		Properties: &armcompute.VirtualMachineScaleSetProperties{
			ProvisioningState: to.Ptr("Succeeded"), OrchestrationMode: to.Ptr(armcompute.OrchestrationModeUniform),
			UniqueID: to.Ptr(arm.NewUUID()), Overprovision: to.Ptr(false),
			VirtualMachineProfile: &armcompute.VirtualMachineScaleSetVMProfile{
				NetworkProfile: &armcompute.VirtualMachineScaleSetNetworkProfile{
					NetworkInterfaceConfigurations: []*armcompute.VirtualMachineScaleSetNetworkConfiguration{nic},
				},
			},
		},
	}
}

// NewInstance returns the document of instance instanceID of scale set
// vmssID (the SDK's model), whose computer (node) name is computerName; its
// NIC is NICID(its id, the scale set's name).
func NewInstance(vmssID, instanceID, computerName, location, vmSize string) armcompute.VirtualMachineScaleSetVM {
	id := vmssID + "/virtualMachines/" + instanceID
	return armcompute.VirtualMachineScaleSetVM{
		ID: to.Ptr(id), Name: to.Ptr(arm.LastName(vmssID) + "_" + instanceID), Type: to.Ptr(TypeVMSSVM),
		Location: to.Ptr(location), InstanceID: to.Ptr(instanceID), SKU: &armcompute.SKU{Name: to.Ptr(vmSize), Tier: to.Ptr("Standard")},
		Properties: &armcompute.VirtualMachineScaleSetVMProperties{
			ProvisioningState: to.Ptr("Succeeded"), LatestModelApplied: to.Ptr(true), VMID: to.Ptr(arm.NewUUID()),
			OSProfile: &armcompute.OSProfile{ComputerName: to.Ptr(computerName), AdminUsername: to.Ptr("azureuser")},
			NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{
				ID: to.Ptr(NICID(id, arm.LastName(vmssID))), Properties: &armcompute.NetworkInterfaceReferenceProperties{Primary: to.Ptr(true)},
			}}},
		},
	}
}

// NICName is the name of every instance's network interface in scale set
// vmssName: AKS names the scale set's one network interface configuration
// after the scale set, so node 0 of aks-nodepool1-12345678-vmss has
// …/virtualMachines/0/networkInterfaces/aks-nodepool1-12345678-vmss.
func NICName(vmssName string) string { return vmssName }

// NICID returns the id of the network interface of the instance vmID of
// scale set vmssName.
func NICID(vmID, vmssName string) string { return vmID + "/networkInterfaces/" + NICName(vmssName) }

// Register adds the Microsoft.Compute kinds. PUT is refused: AKS owns them,
// as on Azure, where changing them directly is unsupported. They are deleted
// with their node resource group.
//
// A scale set's delete deletes its instances one by one, and an instance's
// its network interfaces, so that each NIC's own delete hooks run (its
// address goes back to the subnet): deleting a subtree wholesale would skip
// them.
func Register(reg *arm.Registry) {
	readOnly := func(c *arm.Call) ([]byte, error) {
		return nil, azerr.Conflict("OperationNotAllowed", "", "%s is managed by AKS; change the agent pool instead.", c.Name)
	}
	reg.Register(&arm.Kind{Type: TypeVMSS, Tracked: true, ListBySubscription: true, Put: readOnly,
		Delete: func(c *arm.Call) error { return deleteChildren(c, "virtualMachines") }})
	reg.Register(&arm.Kind{Type: TypeVMSSVM, Put: readOnly,
		Delete: func(c *arm.Call) error { return deleteChildren(c, "networkInterfaces") }})
}

// deleteChildren deletes the children of c.ID of the given type segment,
// each through its kind's hooks.
func deleteChildren(c *arm.Call, childType string) error {
	var ids []string
	var err error
	c.ScanChildren(c.ID, childType, func(raw []byte) bool {
		var doc struct {
			ID string `json:"id"`
		}
		if e := json.Unmarshal(raw, &doc); e != nil || doc.ID == "" {
			err = fmt.Errorf("decode a stored child of %s in %s: %v", c.ID, childType, e)
			return false
		}
		ids = append(ids, doc.ID)
		return true
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := c.Delete(id, c.ID); err != nil {
			return err
		}
	}
	return nil
}
