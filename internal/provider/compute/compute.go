// Package compute is the part of Microsoft.Compute that AKS provisions in a
// cluster's node resource group: virtual machine scale sets, one per agent
// pool, and their instances, one per node. The container service provider
// writes them; clients read them through ARM.
package compute

import (
	"encoding/json"
	"fmt"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// Resource types of this provider.
const (
	TypeVMSS   = "Microsoft.Compute/virtualMachineScaleSets"
	TypeVMSSVM = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
)

// ScaleSet is the document of a node pool's scale set.
type ScaleSet struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	SKU        SKU               `json:"sku"`
	Properties ScaleSetProps     `json:"properties"`
}

// SKU is a scale set's size and capacity.
type SKU struct {
	Name     string `json:"name"`
	Tier     string `json:"tier"`
	Capacity int    `json:"capacity"`
}

// ScaleSetProps are a scale set's properties.
type ScaleSetProps struct {
	ProvisioningState     string             `json:"provisioningState"`
	OrchestrationMode     string             `json:"orchestrationMode"`
	UniqueID              string             `json:"uniqueId"`
	Overprovision         bool               `json:"overprovision"`
	VirtualMachineProfile *ScaleSetVMProfile `json:"virtualMachineProfile,omitempty"`
}

// ScaleSetVMProfile is the model of the scale set's instances; aksnet keeps
// its network profile, the one network interface configuration every
// instance's NIC is made from.
type ScaleSetVMProfile struct {
	NetworkProfile ScaleSetNetworkProfile `json:"networkProfile"`
}

// ScaleSetNetworkProfile lists the scale set's network interface
// configurations.
type ScaleSetNetworkProfile struct {
	NetworkInterfaceConfigurations []NICConfig `json:"networkInterfaceConfigurations"`
}

// NICConfig is a scale set network interface configuration (the compute
// swagger's VirtualMachineScaleSetNetworkConfiguration).
type NICConfig struct {
	Name       string         `json:"name"`
	Properties NICConfigProps `json:"properties"`
}

// NICConfigProps are a network interface configuration's properties.
type NICConfigProps struct {
	Primary                     bool         `json:"primary"`
	EnableAcceleratedNetworking bool         `json:"enableAcceleratedNetworking"`
	EnableIPForwarding          bool         `json:"enableIPForwarding"`
	NetworkSecurityGroup        *SubResource `json:"networkSecurityGroup,omitempty"`
	IPConfigurations            []IPConfig   `json:"ipConfigurations"`
}

// IPConfig is a scale set IP configuration.
type IPConfig struct {
	Name       string        `json:"name"`
	Properties IPConfigProps `json:"properties"`
}

// IPConfigProps are an IP configuration's properties.
type IPConfigProps struct {
	Primary                 bool        `json:"primary"`
	PrivateIPAddressVersion string      `json:"privateIPAddressVersion"`
	Subnet                  SubResource `json:"subnet"`
}

// SubResource references another resource by id.
type SubResource struct {
	ID string `json:"id"`
}

// Instance is the document of one node (a scale set VM).
type Instance struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	InstanceID string            `json:"instanceId"`
	Tags       map[string]string `json:"tags,omitempty"`
	SKU        *SKU              `json:"sku,omitempty"`
	Properties InstanceProps     `json:"properties"`
}

// InstanceProps are an instance's properties.
type InstanceProps struct {
	ProvisioningState  string         `json:"provisioningState"`
	LatestModelApplied bool           `json:"latestModelApplied"`
	VMID               string         `json:"vmId"`
	OSProfile          OSProfile      `json:"osProfile"`
	NetworkProfile     NetworkProfile `json:"networkProfile"`
}

// OSProfile carries the node's computer name, which Kubernetes uses as the
// node name.
type OSProfile struct {
	ComputerName  string `json:"computerName"`
	AdminUsername string `json:"adminUsername"`
}

// NetworkProfile lists an instance's NICs.
type NetworkProfile struct {
	NetworkInterfaces []NICRef `json:"networkInterfaces"`
}

// NICRef references a NIC.
type NICRef struct {
	ID         string          `json:"id"`
	Properties map[string]bool `json:"properties,omitempty"`
}

// NewScaleSet returns a scale set document: capacity instances whose NICs
// (one each, named after the scale set, with IP configuration ipconfig1 as
// AKS names them) sit in subnetID, forward IP (kubenet's nodes route pod
// traffic) and carry NSG nsgID ("" for none).
func NewScaleSet(id, location, vmSize, pool, subnetID, nsgID string, capacity int) ScaleSet {
	nic := NICConfig{Name: NICName(arm.LastName(id)), Properties: NICConfigProps{Primary: true, EnableIPForwarding: true,
		IPConfigurations: []IPConfig{{Name: "ipconfig1", Properties: IPConfigProps{Primary: true, PrivateIPAddressVersion: "IPv4", Subnet: SubResource{ID: subnetID}}}}}}
	if nsgID != "" {
		nic.Properties.NetworkSecurityGroup = &SubResource{ID: nsgID}
	}
	return ScaleSet{ID: id, Name: arm.LastName(id), Type: TypeVMSS, Location: location,
		Tags: map[string]string{"aks-managed-poolName": pool, "aks-managed-createOperationID": arm.NewUUID()},
		SKU:  SKU{Name: vmSize, Tier: "Standard", Capacity: capacity},
		Properties: ScaleSetProps{ProvisioningState: "Succeeded", OrchestrationMode: "Uniform", UniqueID: arm.NewUUID(),
			VirtualMachineProfile: &ScaleSetVMProfile{NetworkProfile: ScaleSetNetworkProfile{NetworkInterfaceConfigurations: []NICConfig{nic}}}}}
}

// NewInstance returns the document of instance instanceID of scale set
// vmssID, whose computer (node) name is computerName; its NIC is
// NICID(its id, the scale set's name).
func NewInstance(vmssID, instanceID, computerName, location, vmSize string) Instance {
	nicID := NICID(vmssID+"/virtualMachines/"+instanceID, arm.LastName(vmssID))
	return Instance{
		ID: vmssID + "/virtualMachines/" + instanceID, Name: arm.LastName(vmssID) + "_" + instanceID, Type: TypeVMSSVM,
		Location: location, InstanceID: instanceID, SKU: &SKU{Name: vmSize, Tier: "Standard"},
		Properties: InstanceProps{ProvisioningState: "Succeeded", LatestModelApplied: true, VMID: arm.NewUUID(),
			OSProfile:      OSProfile{ComputerName: computerName, AdminUsername: "azureuser"},
			NetworkProfile: NetworkProfile{NetworkInterfaces: []NICRef{{ID: nicID, Properties: map[string]bool{"primary": true}}}}},
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
