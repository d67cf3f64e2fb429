package network

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// The network interfaces of VM scale set instances. The network RP serves
// them under the compute path of their instance (the Microsoft.Network
// swagger's NetworkInterfaces_GetVirtualMachineScaleSetNetworkInterface,
// …_ListVirtualMachineScaleSetVMNetworkInterfaces and
// …_ListVirtualMachineScaleSetNetworkInterfaces, api-version 2018-10-01):
//
//	…/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss}/virtualMachines/{i}/networkInterfaces/{nic}
//	…/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss}/networkInterfaces
//
// Their documents are network interfaces (type
// Microsoft.Network/networkInterfaces) and they are not top-level resources:
// a network interface list of their resource group does not show them.
const (
	// TypeVMSSNetworkInterface is the ARM path type of an instance's NIC,
	// and so the type its RBAC read action is named after.
	TypeVMSSNetworkInterface = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces"
	// TypeVMSSNetworkInterfaces is the scale set's list of all its
	// instances' NICs; it has no instances of its own.
	TypeVMSSNetworkInterfaces = "Microsoft.Compute/virtualMachineScaleSets/networkInterfaces"
)

// IsNetworkInterface reports whether id names a network interface, standalone
// or of a scale set instance.
func IsNetworkInterface(id string) bool {
	t := arm.TypeOfID(id)
	return strings.EqualFold(t, TypeNetworkInterface) || strings.EqualFold(t, TypeVMSSNetworkInterface)
}

// nicRefs returns the network interfaces, of both kinds, that refer to
// target (a subnet, an NSG), sorted.
func nicRefs(c *arm.Call, target string) []string {
	var out []string
	for _, id := range c.RefsTo(target) {
		if IsNetworkInterface(id) {
			out = append(out, id)
		}
	}
	return sortedIDs(out)
}

// VMSSIPConfigRef is how the network RP names a scale set instance's IP
// configuration ipcID in its subnet's ipConfigurations: everything after the
// subscription in upper case but the "resourceGroups" and "ipConfigurations"
// segments, as az network vnet subnet show prints an AKS node's, e.g.
//
//	/subscriptions/{sub}/resourceGroups/MC_RG_AKS_NORTHEUROPE/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/AKS-SYSTEM-29940087-VMSS/VIRTUALMACHINES/0/NETWORKINTERFACES/AKS-SYSTEM-29940087-VMSS/ipConfigurations/IPCONFIG1
//
// (public az outputs of AKS subnets, kubenet and Azure CNI alike). The NIC
// itself keeps its id's casing in its own document.
func VMSSIPConfigRef(ipcID string) string {
	segs := strings.Split(strings.TrimPrefix(ipcID, "/"), "/")
	for i := 3; i < len(segs); i++ {
		if i == len(segs)-2 && strings.EqualFold(segs[i], "ipConfigurations") {
			continue
		}
		segs[i] = strings.ToUpper(segs[i])
	}
	return "/" + strings.Join(segs, "/")
}

// vmssNetworkInterfaceKind is an instance's NIC: read-only (AKS writes it
// through the provisioner), deleted with its instance, and it frees its
// address and re-renders its subnet and NSG as a standalone NIC does.
func (p *Provider) vmssNetworkInterfaceKind() *arm.Kind {
	return &arm.Kind{
		Type:    TypeVMSSNetworkInterface,
		Display: "Network interface",
		Put:     vmssNICReadOnly,
		Actions: map[string]func(*arm.Call) (int, any, error){"effectiveroutetable": p.effectiveRouteTable},
		AfterDelete: func(c *arm.Call) error {
			releaseNICAddresses(c, c.Existing)
			return renderNICLinks(c, c.Existing)
		},
	}
}

// vmssNetworkInterfacesKind is the scale set-wide list of its instances'
// NICs, in instance order.
func (p *Provider) vmssNetworkInterfacesKind() *arm.Kind {
	return &arm.Kind{
		Type: TypeVMSSNetworkInterfaces,
		Put:  vmssNICReadOnly,
		// No single NIC lives at …/virtualMachineScaleSets/{vmss}/networkInterfaces/{nic}.
		Get:  func(*arm.Call) ([]byte, error) { return nil, nil },
		List: listVMSSNetworkInterfaces,
	}
}

func vmssNICReadOnly(c *arm.Call) ([]byte, error) {
	return nil, azerr.Conflict("OperationNotAllowed", "", "Network interface %s belongs to a virtual machine scale set instance; change the scale set (the AKS agent pool) instead.", c.Name)
}

// listVMSSNetworkInterfaces answers GET …/virtualMachineScaleSets/{vmss}/networkInterfaces.
func listVMSSNetworkInterfaces(c *arm.Call) ([][]byte, error) {
	vmss := c.Parent
	if !c.Exists(vmss) {
		if rg := arm.ResourceGroupID(c.Parsed.Subscription, c.Parsed.ResourceGroup); !c.Exists(rg) {
			return nil, azerr.NotFound("ResourceGroupNotFound", "resourceGroupName", "Resource group '%s' could not be found.", c.Parsed.ResourceGroup)
		}
		return nil, azerr.NotFound("ParentResourceNotFound", "id", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", arm.LastName(vmss))
	}
	var vms []string
	var err error
	c.ScanChildren(vmss, "virtualMachines", func(raw []byte) bool {
		var vm struct {
			ID string `json:"id"`
		}
		if e := json.Unmarshal(raw, &vm); e != nil || vm.ID == "" {
			err = fmt.Errorf("decode a stored instance of %s: %v", vmss, e)
			return false
		}
		vms = append(vms, vm.ID)
		return true
	})
	if err != nil {
		return nil, err
	}
	// Instances by number, as the compute RP lists them (the store's order
	// puts 10 before 2).
	slices.SortFunc(vms, func(a, b string) int {
		x, _ := strconv.Atoi(arm.LastName(a))
		y, _ := strconv.Atoi(arm.LastName(b))
		return cmp.Or(cmp.Compare(x, y), strings.Compare(a, b))
	})
	items := [][]byte{}
	for _, vm := range vms {
		c.ScanChildren(vm, "networkInterfaces", func(raw []byte) bool {
			items = append(items, append([]byte(nil), raw...))
			return true
		})
	}
	return items, nil
}
