package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// ClusterSpec is what `az aks create` asks for, as given on the command
// line. Validate checks it as az does and fills in az's defaults.
type ClusterSpec struct {
	ResourceGroup, Name, Location string
	// NetworkPlugin is "" unless NetworkPluginGiven.
	NetworkPlugin      string
	NetworkPluginGiven bool
	NetworkPolicy      string
	ServiceCIDR        string
	DNSServiceIP       string
	PodCIDR            string
	VNetSubnetID       string
	NodeCount, MaxPods int
	// AssignIdentity is a user-assigned identity's id; "" for a
	// system-assigned identity.
	AssignIdentity     string
	AdminUsername      string
	NodeVMSize         string
	KubernetesVersion  string
	NodepoolName       string
	DNSNamePrefix      string
	DNSNamePrefixGiven bool
	// Tags are nil when none are given.
	Tags                     map[string]string
	SkipSubnetRoleAssignment bool
	NodeResourceGroup        string
	LoadBalancerSKU          string
	NoWait                   bool
	// SSHKey is the public key to install on the nodes; "" for none.
	SSHKey string
}

// Validate checks s with az's validators, in az's order, for command prog,
// and sets the canonical Kubernetes version, network plugin and load
// balancer SKU.
func (s *ClusterSpec) Validate(prog string) error {
	for _, check := range []func(prog string) error{s.checkNames, s.checkVersion, s.checkPlugin, s.checkOptions, s.checkNetwork} {
		if err := check(prog); err != nil {
			return err
		}
	}
	return nil
}

func (s *ClusterSpec) checkNames(string) error {
	if !ValidLinuxHostName(s.Name) {
		return output.CLIError("--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-).")
	}
	if s.DNSNamePrefixGiven && s.DNSNamePrefix == "" {
		return output.CLIError("--dns-prefix has no value")
	}
	return ValidNodepoolName(s.NodepoolName)
}

func (s *ClusterSpec) checkVersion(string) error {
	if s.KubernetesVersion == "" {
		return nil
	}
	v, err := K8sVersion(s.KubernetesVersion)
	if err != nil {
		return err
	}
	s.KubernetesVersion = v
	return nil
}

func (s *ClusterSpec) checkPlugin(prog string) error {
	if !s.NetworkPluginGiven {
		return nil
	}
	plugin, err := enum(prog, "--network-plugin", s.NetworkPlugin, NetworkPlugins)
	s.NetworkPlugin = plugin
	return err
}

func (s *ClusterSpec) checkOptions(string) error {
	s.LoadBalancerSKU = strings.ToLower(s.LoadBalancerSKU)
	if s.LoadBalancerSKU != "basic" && s.LoadBalancerSKU != "standard" {
		return output.CLIError("--load-balancer-sku can only be standard or basic")
	}
	if s.NetworkPolicy != "" && s.NetworkPolicy != strings.ToLower(s.NetworkPolicy) {
		return output.CLIError("--network-policy should be provided in lowercase")
	}
	if s.VNetSubnetID != "" && !IsResourceID(s.VNetSubnetID) {
		return output.CLIError("--vnet-subnet-id is not a valid Azure resource ID.")
	}
	if s.AssignIdentity != "" && !IsResourceID(s.AssignIdentity) {
		return output.CLIError("--assign-identity is not a valid Azure resource ID.")
	}
	return nil
}

// checkNetwork is az's get_network_plugin: the ranges and the policy need
// an explicit plugin, and the pod CIDR is kubenet's.
func (s *ClusterSpec) checkNetwork(string) error {
	networkAny := s.PodCIDR != "" || s.ServiceCIDR != "" || s.DNSServiceIP != "" || s.NetworkPolicy != ""
	if s.NetworkPlugin == "" && networkAny {
		return output.CLIError("Please explicitly specify the network plugin type")
	}
	if s.NetworkPlugin == "azure" && s.PodCIDR != "" {
		return output.CLIError("Please use kubenet as the network plugin type when pod_cidr is specified")
	}
	if s.NetworkPlugin == "" {
		s.NetworkPlugin = "kubenet"
	}
	return nil
}

// agentPool is the cluster's first (system) node pool.
func (s *ClusterSpec) agentPool() map[string]any {
	pool := map[string]any{
		"count": s.NodeCount, "vmSize": s.NodeVMSize, "osDiskSizeGB": 0, "osType": "Linux",
		"enableAutoScaling": false, "type": "VirtualMachineScaleSets", "mode": "System", "orchestratorVersion": s.KubernetesVersion,
		"upgradeSettings": map[string]any{}, "enableNodePublicIP": false, "scaleSetPriority": "Regular",
		"scaleSetEvictionPolicy": "Delete", "spotMaxPrice": -1.0, "nodeTaints": []string{},
		"enableEncryptionAtHost": false, "enableUltraSSD": false, "enableFIPS": false, "name": s.NodepoolName,
	}
	if s.VNetSubnetID != "" {
		pool["vnetSubnetID"] = s.VNetSubnetID
	}
	if s.MaxPods != 0 {
		pool["maxPods"] = s.MaxPods
	}
	return pool
}

func (s *ClusterSpec) networkProfile() map[string]any {
	np := map[string]any{"networkPlugin": s.NetworkPlugin, "outboundType": "loadBalancer", "loadBalancerSku": s.LoadBalancerSKU}
	for k, v := range map[string]string{"podCidr": s.PodCIDR, "serviceCidr": s.ServiceCIDR, "dnsServiceIP": s.DNSServiceIP, "networkPolicy": s.NetworkPolicy} {
		if v != "" {
			np[k] = v
		}
	}
	return np
}

// Body is the managed cluster PUT az sends for s (validated) in location,
// for a cluster of subscription sub.
func (s *ClusterSpec) Body(location, sub string) map[string]any {
	dnsPrefix := s.DNSNamePrefix
	if dnsPrefix == "" {
		dnsPrefix = DefaultDNSPrefix(s.Name, s.ResourceGroup, sub)
	}
	props := map[string]any{
		"kubernetesVersion": s.KubernetesVersion, "dnsPrefix": dnsPrefix, "agentPoolProfiles": []any{s.agentPool()},
		"addonProfiles": map[string]any{}, "enableRBAC": true, "networkProfile": s.networkProfile(),
		"disableLocalAccounts": false, "storageProfile": map[string]any{},
	}
	if s.SSHKey != "" {
		props["linuxProfile"] = map[string]any{"adminUsername": s.AdminUsername,
			"ssh": map[string]any{"publicKeys": []any{map[string]any{"keyData": s.SSHKey}}}}
	}
	SetGiven(props, "nodeResourceGroup", s.NodeResourceGroup)
	identity := map[string]any{"type": "SystemAssigned"}
	if s.AssignIdentity != "" {
		identity = map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{s.AssignIdentity: map[string]any{}}}
	}
	body := map[string]any{"location": location, "identity": identity, "properties": props}
	if s.Tags != nil {
		body["tags"] = s.Tags
	}
	return body
}

// CreateCluster creates the cluster s (validated) as az aks create does,
// granting the cluster identity Network Contributor on its subnet, and
// returns the final cluster; nil with NoWait. wait follows the
// long-running operation.
func (c *Client) CreateCluster(s *ClusterSpec, wait func(*Response) error) ([]byte, error) {
	location, err := c.Location(s.Location, s.ResourceGroup)
	if err != nil {
		return nil, err
	}
	// A user-assigned control plane identity must exist; az reads it (by
	// its lower-cased id) for the principal to grant the subnet role to.
	var uamiPrincipal string
	if s.AssignIdentity != "" {
		if uamiPrincipal, err = c.UserAssignedIdentity(s.AssignIdentity); err != nil {
			return nil, err
		}
	}
	body := s.Body(location, c.Subscription)
	grant := s.VNetSubnetID != "" && !s.SkipSubnetRoleAssignment
	// A user-assigned identity is known before the cluster: az grants it the
	// subnet role first, so that AKS finds the permission at creation.
	if grant && uamiPrincipal != "" {
		c.EnsureSubnetRole(s.VNetSubnetID, uamiPrincipal)
	}
	path := c.ClusterPath(s.ResourceGroup, s.Name)
	r, err := c.Call(http.MethodPut, path, APIAKS, body)
	if err != nil {
		return nil, err
	}
	if grant && uamiPrincipal == "" {
		if err := c.grantClusterIdentity(path, s.VNetSubnetID); err != nil {
			return nil, err
		}
	}
	return c.settle(path, r, s.NoWait, wait)
}

// settle follows, with wait, the operation r started on the AKS resource at
// path and returns the resource then; nil with noWait.
func (c *Client) settle(path string, r *Response, noWait bool, wait func(*Response) error) ([]byte, error) {
	if noWait {
		return nil, nil
	}
	if err := wait(r); err != nil {
		return nil, err
	}
	gr, err := c.Call(http.MethodGet, path, APIAKS, nil)
	if err != nil {
		return nil, err
	}
	return gr.Body, nil
}

// object decodes a JSON object, keeping numbers as written.
func object(raw []byte) (map[string]any, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return m, d.Decode(&m)
}

// Changed GETs the resource at path and returns it with change applied to
// its properties (added when missing): the body of the PUT of az's generic
// update (GET, change, PUT back).
func (c *Client) Changed(path, api string, change func(props map[string]any) error) (map[string]any, error) {
	r, err := c.Call(http.MethodGet, path, api, nil)
	if err != nil {
		return nil, err
	}
	doc, err := object(r.Body)
	if err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	props, _ := doc["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		doc["properties"] = props
	}
	if err := change(props); err != nil {
		return nil, err
	}
	return doc, nil
}

// grantClusterIdentity grants the system-assigned identity of the cluster
// at path the subnet role. The identity exists only once the cluster is
// put: read its principal and grant it right away, while AKS waits for it.
func (c *Client) grantClusterIdentity(path, subnet string) error {
	gr, err := c.Call(http.MethodGet, path, APIAKS, nil)
	if err != nil {
		return err
	}
	var doc struct {
		Identity struct {
			PrincipalID string `json:"principalId"`
		} `json:"identity"`
	}
	if err := json.Unmarshal(gr.Body, &doc); err != nil {
		return fmt.Errorf("decode cluster %s: %w", path, err)
	}
	if doc.Identity.PrincipalID != "" {
		c.EnsureSubnetRole(subnet, doc.Identity.PrincipalID)
	}
	return nil
}

// Location returns l, or the location of resource group rg, as az
// defaults --location.
func (c *Client) Location(l, rg string) (string, error) {
	if l != "" {
		return l, nil
	}
	return c.RGLocation(rg)
}

// ScaleCluster is az's aks_scale: GET the cluster, set the pool's count
// (pool may be "" for a cluster with one pool), PUT it back without its
// service principal profile, wait and return the final cluster; nil with
// noWait.
func (c *Client) ScaleCluster(rg, name, pool string, count int, noWait bool, wait func(*Response) error) ([]byte, error) {
	path := c.ClusterPath(rg, name)
	mc, err := c.Changed(path, APIAKS, func(props map[string]any) error { return setPoolCount(props, pool, count) })
	if err != nil {
		return nil, err
	}
	pr, err := c.Call(http.MethodPut, path, APIAKS, mc)
	if err != nil {
		return nil, err
	}
	return c.settle(path, pr, noWait, wait)
}

// setPoolCount sets the count of pool in the properties of a managed
// cluster and drops the profiles az leaves out of a scale.
func setPoolCount(props map[string]any, pool string, count int) error {
	profiles, _ := props["agentPoolProfiles"].([]any)
	if len(profiles) > 1 && pool == "" {
		return output.CLIError("There are more than one node pool in the cluster. Please specify nodepool name or use az aks nodepool command to scale node pool")
	}
	for _, p := range profiles {
		ap, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if n, _ := ap["name"].(string); n == pool || (pool == "" && len(profiles) == 1) {
			if auto, _ := ap["enableAutoScaling"].(bool); auto {
				return output.CLIError("Cannot scale cluster autoscaler enabled node pool.")
			}
			ap["count"] = count
			delete(props, "servicePrincipalProfile")
			delete(props, "aadProfile")
			return nil
		}
	}
	return output.CLIError("The nodepool \"%s\" was not found.", pool)
}
