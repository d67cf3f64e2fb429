// Package nodes keeps a cluster's Kubernetes Nodes in step with the VMSS instances aksnet manages.
//
// aksnetd writes the desired Nodes to a JSON file (schema: File); the Mirror creates, updates and
// drains-then-deletes Nodes to match it, and renews every Node's Lease in kube-node-lease so the
// node-lifecycle controller sees them alive. The pod CIDR in the file is the one aksnet allocated
// (the route table's prefix and the data plane's cbr0 subnet); the controller-manager's node IPAM is
// off, so it is the only one.
package nodes

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// FileName is the spec file's name inside aksnet-kube's data dir.
const FileName = "nodes.json"

// File is the node spec file, written by aksnetd (atomically: a temporary file, then a rename) and
// read by aksnet-kube. Example:
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
	// PodCIDR is the /24 (or other prefix) aksnet allocated to the node.
	PodCIDR netip.Prefix `json:"podCIDR"`
	// ProviderID is the instance's id as the Azure cloud provider writes it (see ProviderID).
	ProviderID string `json:"providerID"`
	// MaxPods is the pool's maxPods; it becomes the pods capacity and allocatable.
	MaxPods int `json:"maxPods"`
	// Labels are set on the Node as given; they add to or override the derived labels
	// (kubernetes.io/hostname, agentpool, kubernetes.azure.com/agentpool, kubernetes.io/os=linux,
	// kubernetes.io/arch=amd64).
	Labels map[string]string `json:"labels,omitempty"`
	// CPU and Memory are resource quantities for capacity; defaults 2 and 7Gi (Standard_DS2_v2).
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// Defaults for capacity when the spec leaves them out.
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

// ReadFile reads and validates the spec file. It returns os.ErrNotExist (wrapped) when the file is
// absent.
func ReadFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("node spec: %w", err)
	}
	return Parse(b)
}

// Parse decodes and validates a spec file's contents.
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

// Validate checks every node and that names, IPs and pod CIDRs are not shared.
func (f File) Validate() error {
	var errs []error
	names := map[string]bool{}
	ips := map[netip.Addr]string{}
	var cidrs []Node
	for i, n := range f.Nodes {
		if err := n.validate(); err != nil {
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

func (n Node) validate() error {
	if msgs := validation.IsDNS1123Subdomain(n.Name); len(msgs) > 0 {
		return fmt.Errorf("name %q: %s", n.Name, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsDNS1123Label(n.Pool); len(msgs) > 0 {
		return fmt.Errorf("%s: pool %q: %s", n.Name, n.Pool, strings.Join(msgs, "; "))
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
	if err := n.validateLabels(); err != nil {
		return err
	}
	for what, q := range map[string]string{"cpu": n.CPU, "memory": n.Memory} {
		if q == "" {
			continue
		}
		if _, err := resource.ParseQuantity(q); err != nil {
			return fmt.Errorf("%s: %s %q: %w", n.Name, what, q, err)
		}
	}
	return nil
}

// validateLabels checks that the labels' keys and values are ones a Node can carry.
func (n Node) validateLabels() error {
	for k, v := range n.Labels {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			return fmt.Errorf("%s: label key %q: %s", n.Name, k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
			return fmt.Errorf("%s: label %s value %q: %s", n.Name, k, v, strings.Join(msgs, "; "))
		}
	}
	return nil
}
