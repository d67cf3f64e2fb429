// Package kubenodes is the one declaration of nodes.json, the file through which aksnetd tells a
// cluster's control plane (aksnet-kube, the kube module) which Nodes the cluster has: one per VMSS
// instance. aksnetd writes it (internal/kubesup, from internal/provider/containerservice's state);
// aksnet-kube's node mirror (kube/nodes) reads it and keeps the Nodes in step.
//
// The package has no Kubernetes dependency, so aksnetd stays free of it: Validate checks what the
// schema itself promises, and the reader adds the checks that need Kubernetes's own rules (name and
// label syntax, resource quantities).
package kubenodes

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// FileName is the file's name inside aksnet-kube's data dir.
const FileName = "nodes.json"

// File is the content of nodes.json. aksnetd writes it atomically (a temporary file, then a
// rename); aksnet-kube polls it. Example:
//
//	{"nodes": [{
//	  "name": "aks-nodepool1-12345678-vmss000000",
//	  "pool": "nodepool1",
//	  "internalIP": "10.240.0.4",
//	  "podCIDR": "10.244.0.0/24",
//	  "providerID": "azure:///subscriptions/<sub>/resourceGroups/mc_rg_c_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/0",
//	  "maxPods": 110,
//	  "labels": {"kubernetes.azure.com/cluster": "MC_rg_c_eastus", "kubernetes.azure.com/mode": "system",
//	             "node.kubernetes.io/instance-type": "Standard_DS2_v2",
//	             "topology.kubernetes.io/region": "eastus", "topology.kubernetes.io/zone": "0"},
//	  "cpu": "2", "memory": "7Gi"
//	}]}
//
// A missing file means "no spec yet": Nodes are left alone. An empty list removes every Node the
// mirror created.
type File struct {
	Nodes []Node `json:"nodes"`
}

// Node is one desired Node: one VMSS instance.
type Node struct {
	// Name is the VMSS instance's computer name, e.g. aks-nodepool1-12345678-vmss000000.
	Name string `json:"name"`
	// Pool is the agent pool's name; it becomes the agentpool and kubernetes.azure.com/agentpool labels.
	Pool string `json:"pool"`
	// InternalIP is the NIC's private IP.
	InternalIP netip.Addr `json:"internalIP"`
	// PodCIDR is the prefix aksnet allocated to the node: the route table's prefix and the data
	// plane's cbr0 subnet. It is the only pod CIDR: the controller-manager's node IPAM is off.
	PodCIDR netip.Prefix `json:"podCIDR"`
	// ProviderID is the instance's id as the Azure cloud provider writes it (see ProviderID).
	ProviderID string `json:"providerID"`
	// MaxPods is the pool's maxPods; it becomes the pods capacity and allocatable.
	MaxPods int `json:"maxPods"`
	// Labels are set on the Node as given; they add to or override the derived labels
	// (kubernetes.io/hostname, agentpool, kubernetes.azure.com/agentpool, kubernetes.io/os=linux,
	// kubernetes.io/arch=amd64).
	Labels map[string]string `json:"labels,omitempty"`
	// CPU and Memory are resource quantities for capacity; "" means DefaultCPU and DefaultMemory.
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
	// NoRoute says why the node has no route in the cluster's route table, as the route
	// controller would report it; "" when it has one. A Node with NoRoute is NetworkUnavailable
	// (reason NoRouteCreated) and gets a FailedToCreateRoute event with this message.
	NoRoute string `json:"noRoute,omitempty"`
}

// Capacity of a Node whose CPU or Memory is "": a Standard_DS2_v2, AKS's default VM size.
const (
	DefaultCPU    = "2"
	DefaultMemory = "7Gi"
)

// ProviderID builds the Azure cloud provider's id of a VMSS instance. AKS writes the node resource
// group in lower case (cloud-provider-azure lowercases it); the rest keeps its case.
func ProviderID(subscription, nodeResourceGroup, vmss string, instance int) string {
	return fmt.Sprintf("azure:///subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachineScaleSets/%s/virtualMachines/%d",
		subscription, strings.ToLower(nodeResourceGroup), vmss, instance)
}

// Marshal encodes f as aksnetd writes it: indented, and with "nodes": [] (never null) when there
// are none, since an empty list is an instruction (remove every Node) and not an absence.
func Marshal(f File) ([]byte, error) {
	if f.Nodes == nil {
		f.Nodes = []Node{}
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, fmt.Errorf("node spec: %w", err)
	}
	return b, nil
}

// Parse decodes a file's contents and validates them (Validate).
func Parse(b []byte) (File, error) {
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("node spec: %w", err)
	}
	if err := f.Validate(); err != nil {
		return File{}, err
	}
	return f, nil
}

// Validate checks every node (Node.Validate) and that no two share a name, an internal IP or
// overlapping pod CIDRs. Every problem is reported, each naming its node.
func (f File) Validate() error {
	var errs []error
	names := map[string]bool{}
	ips := map[netip.Addr]string{}
	var cidrs []Node
	for i, n := range f.Nodes {
		if err := n.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("node spec: nodes[%d]: %w", i, err))
			continue
		}
		if names[n.Name] {
			errs = append(errs, fmt.Errorf("node spec: nodes[%d]: name %q is used twice", i, n.Name))
		}
		names[n.Name] = true
		if other, ok := ips[n.InternalIP]; ok {
			errs = append(errs, fmt.Errorf("node spec: nodes[%d]: internalIP %s is also %s's", i, n.InternalIP, other))
		}
		ips[n.InternalIP] = n.Name
		for _, o := range cidrs {
			if o.PodCIDR.Overlaps(n.PodCIDR) {
				errs = append(errs, fmt.Errorf("node spec: nodes[%d]: podCIDR %s overlaps %s of %s", i, n.PodCIDR, o.PodCIDR, o.Name))
			}
		}
		cidrs = append(cidrs, n)
	}
	return errors.Join(errs...)
}

// Validate checks what the schema promises of one node: a name and a pool, an IPv4 internal IP, an
// IPv4 network prefix as pod CIDR, an Azure providerID and maxPods in 1-250.
func (n Node) Validate() error {
	if n.Name == "" {
		return errors.New("a node has no name")
	}
	if n.Pool == "" {
		return fmt.Errorf("%s: no pool", n.Name)
	}
	if !n.InternalIP.Is4() {
		return fmt.Errorf("%s: internalIP %q is not an IPv4 address", n.Name, n.InternalIP)
	}
	if !n.PodCIDR.IsValid() || !n.PodCIDR.Addr().Is4() || n.PodCIDR.Masked() != n.PodCIDR {
		return fmt.Errorf("%s: podCIDR %q is not an IPv4 network prefix", n.Name, n.PodCIDR)
	}
	if !strings.HasPrefix(n.ProviderID, "azure:///") {
		return fmt.Errorf("%s: providerID %q does not start with azure:///", n.Name, n.ProviderID)
	}
	// kubenet's maxPods range is 10-250 at the ARM edge; accept any value a Node can carry.
	if n.MaxPods < 1 || n.MaxPods > 250 {
		return fmt.Errorf("%s: maxPods %d is not in 1-250", n.Name, n.MaxPods)
	}
	return nil
}
