package client

import (
	"encoding/json"
	"fmt"
)

// API versions of the VM scale set reads: the compute RP's for scale sets
// and their instances, as az 2.45 reads them, and the network RP's for the
// scale set network interface operations, as az 2.45's vmss nic list sends
// it (the swagger's NetworkInterfaces_ListVirtualMachineScaleSetNetworkInterfaces
// and friends; the Azure SDKs send 2018-10-01).
const (
	APICompute = "2022-11-01"
	APIVMSSNIC = "2016-03-30"
)

// ComputePath returns the id of the Microsoft.Compute resource at parts
// ("virtualMachineScaleSets", name, …) in rg.
func (c *Client) ComputePath(rg string, parts ...string) string {
	p := c.RGPath(rg) + "/providers/Microsoft.Compute"
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

// ScaleSetNICs lists the network interfaces of every instance of every VM
// scale set in rg, scale set by scale set: a plain network interface list
// of the group does not show them, as on Azure.
func (c *Client) ScaleSetNICs(rg string) ([]json.RawMessage, error) {
	sets, err := c.ListItems(c.ComputePath(rg, "virtualMachineScaleSets"), APICompute)
	if err != nil {
		return nil, err
	}
	var all []json.RawMessage
	for _, raw := range sets {
		var ss struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &ss); err != nil || ss.Name == "" {
			return nil, fmt.Errorf("decode a scale set of %s: %v", rg, err)
		}
		nics, err := c.ListItems(c.ComputePath(rg, "virtualMachineScaleSets", ss.Name, "networkInterfaces"), APIVMSSNIC)
		if err != nil {
			return nil, err
		}
		all = append(all, nics...)
	}
	return all, nil
}
