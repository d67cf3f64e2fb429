// Package compute is the part of Microsoft.Compute that AKS provisions in a
// cluster's node resource group: virtual machine scale sets, one per agent
// pool, and their instances, one per node. The container service provider
// writes them; clients read them through ARM.
package compute

import (
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
	ProvisioningState string `json:"provisioningState"`
	OrchestrationMode string `json:"orchestrationMode"`
	UniqueID          string `json:"uniqueId"`
	Overprovision     bool   `json:"overprovision"`
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

// NewScaleSet returns a scale set document.
func NewScaleSet(id, location, vmSize, pool string, capacity int) ScaleSet {
	return ScaleSet{ID: id, Name: arm.LastName(id), Type: TypeVMSS, Location: location,
		Tags:       map[string]string{"aks-managed-poolName": pool, "aks-managed-createOperationID": arm.NewUUID()},
		SKU:        SKU{Name: vmSize, Tier: "Standard", Capacity: capacity},
		Properties: ScaleSetProps{ProvisioningState: "Succeeded", OrchestrationMode: "Uniform", UniqueID: arm.NewUUID()}}
}

// NewInstance returns the document of instance instanceID of scale set
// vmssID, whose computer (node) name is computerName and NIC nicID.
func NewInstance(vmssID, instanceID, computerName, location, vmSize, nicID string) Instance {
	return Instance{
		ID: vmssID + "/virtualMachines/" + instanceID, Name: arm.LastName(vmssID) + "_" + instanceID, Type: TypeVMSSVM,
		Location: location, InstanceID: instanceID, SKU: &SKU{Name: vmSize, Tier: "Standard"},
		Properties: InstanceProps{ProvisioningState: "Succeeded", LatestModelApplied: true, VMID: arm.NewUUID(),
			OSProfile:      OSProfile{ComputerName: computerName, AdminUsername: "azureuser"},
			NetworkProfile: NetworkProfile{NetworkInterfaces: []NICRef{{ID: nicID, Properties: map[string]bool{"primary": true}}}}},
	}
}

// Register adds the Microsoft.Compute kinds. PUT is refused: AKS owns them,
// as on Azure, where changing them directly is unsupported. They are deleted
// with their node resource group.
func Register(reg *arm.Registry) {
	readOnly := func(c *arm.Call) ([]byte, error) {
		return nil, azerr.Conflict("OperationNotAllowed", "", "%s is managed by AKS; change the agent pool instead.", c.Name)
	}
	reg.Register(&arm.Kind{Type: TypeVMSS, Tracked: true, ListBySubscription: true, Put: readOnly})
	reg.Register(&arm.Kind{Type: TypeVMSSVM, Put: readOnly})
}
