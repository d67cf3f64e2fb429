package client

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// validSpec is az aks create -g rg -n c with az's defaults.
func validSpec() ClusterSpec {
	return ClusterSpec{ResourceGroup: "rg", Name: "c", NodeCount: 3, AdminUsername: "azureuser", NodeVMSize: "Standard_DS2_v2",
		NodepoolName: "nodepool1", LoadBalancerSKU: "standard"}
}

// TestClusterSpec_Validate_Errors checks az's validators, in az's order:
// the first failing one answers, with az's message and exit code (1 for a
// CLIError, 2 for a usage error).
func TestClusterSpec_Validate_Errors(t *testing.T) {
	subnet := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
	for _, c := range []struct {
		name   string
		change func(*ClusterSpec)
		code   int
		msg    string
	}{
		{"bad name", func(s *ClusterSpec) { s.Name = "-c" }, 1, "--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-)."},
		{"empty dns prefix", func(s *ClusterSpec) { s.DNSNamePrefixGiven = true }, 1, "--dns-prefix has no value"},
		{"long pool name", func(s *ClusterSpec) { s.NodepoolName = "nodepool12345" }, 1, "--nodepool-name can contain at most 12 characters"},
		{"pool name", func(s *ClusterSpec) { s.NodepoolName = "pool-1" }, 1, "--nodepool-name should contain only alphanumeric characters"},
		{"version", func(s *ClusterSpec) { s.KubernetesVersion = "1" }, 1, `--kubernetes-version should be the full version number or major.minor version number, such as "1.7.12" or "1.7"`},
		{"plugin", func(s *ClusterSpec) { s.NetworkPlugin, s.NetworkPluginGiven = "calico", true }, 2,
			"aksnet aks create: 'calico' is not a valid value for '--network-plugin'. Allowed values: kubenet, azure, none."},
		{"empty plugin", func(s *ClusterSpec) { s.NetworkPluginGiven = true }, 2,
			"aksnet aks create: '' is not a valid value for '--network-plugin'. Allowed values: kubenet, azure, none."},
		{"sku", func(s *ClusterSpec) { s.LoadBalancerSKU = "premium" }, 1, "--load-balancer-sku can only be standard or basic"},
		{"policy case", func(s *ClusterSpec) { s.NetworkPolicy = "Calico" }, 1, "--network-policy should be provided in lowercase"},
		{"subnet id", func(s *ClusterSpec) { s.VNetSubnetID = "mySubnet" }, 1, "--vnet-subnet-id is not a valid Azure resource ID."},
		{"identity id", func(s *ClusterSpec) { s.AssignIdentity = "myIdentity" }, 1, "--assign-identity is not a valid Azure resource ID."},
		{"ranges without plugin", func(s *ClusterSpec) { s.PodCIDR = "10.244.0.0/16" }, 1, "Please explicitly specify the network plugin type"},
		{"pod cidr with azure", func(s *ClusterSpec) {
			s.NetworkPlugin, s.NetworkPluginGiven, s.PodCIDR = "Azure", true, "10.244.0.0/16"
		}, 1,
			"Please use kubenet as the network plugin type when pod_cidr is specified"},
		// The name is checked before the subnet id.
		{"order", func(s *ClusterSpec) { s.Name, s.VNetSubnetID = "-c", "x" }, 1, "--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-)."},
		{"valid subnet, bad sku", func(s *ClusterSpec) { s.VNetSubnetID, s.LoadBalancerSKU = subnet, "x" }, 1, "--load-balancer-sku can only be standard or basic"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := validSpec()
			c.change(&s)
			err := s.Validate("aksnet aks create")
			var oe *output.Error
			if !errors.As(err, &oe) || oe.Code != c.code || oe.Message != c.msg {
				t.Errorf("Validate = %#v, want code %d %q", err, c.code, c.msg)
			}
		})
	}
}

// TestClusterSpec_Validate_Canonical checks the values Validate settles:
// the plugin's spelling and default, the version without its v, the SKU in
// lower case.
func TestClusterSpec_Validate_Canonical(t *testing.T) {
	for _, c := range []struct {
		name                string
		plugin              string
		given               bool
		version, sku        string
		wantPlugin, wantVer string
		wantSKU             string
	}{
		{"defaults", "", false, "", "standard", "kubenet", "", "standard"},
		{"case", "KUBENET", true, "v1.32.7", "Basic", "kubenet", "1.32.7", "basic"},
		{"azure", "azure", true, "1.31", "STANDARD", "azure", "1.31", "standard"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := validSpec()
			s.NetworkPlugin, s.NetworkPluginGiven, s.KubernetesVersion, s.LoadBalancerSKU = c.plugin, c.given, c.version, c.sku
			if err := s.Validate("aksnet aks create"); err != nil {
				t.Fatal(err)
			}
			if s.NetworkPlugin != c.wantPlugin || s.KubernetesVersion != c.wantVer || s.LoadBalancerSKU != c.wantSKU {
				t.Errorf("plugin %q version %q sku %q, want %q %q %q", s.NetworkPlugin, s.KubernetesVersion, s.LoadBalancerSKU, c.wantPlugin, c.wantVer, c.wantSKU)
			}
		})
	}
}

// TestClusterSpec_Body checks the managed cluster az sends: the optional
// pieces appear only when asked for.
func TestClusterSpec_Body(t *testing.T) {
	s := validSpec()
	if err := s.Validate("aksnet aks create"); err != nil {
		t.Fatal(err)
	}
	body := s.Body("eastus", "00000000-1111")
	props := body["properties"].(map[string]any)
	if body["location"] != "eastus" || props["dnsPrefix"] != "c-rg-000000" {
		t.Errorf("location %v dnsPrefix %v", body["location"], props["dnsPrefix"])
	}
	for _, k := range []string{"linuxProfile", "nodeResourceGroup"} {
		if _, ok := props[k]; ok {
			t.Errorf("%s without asking", k)
		}
	}
	if _, ok := body["tags"]; ok {
		t.Error("tags without asking")
	}
	if !reflect.DeepEqual(body["identity"], map[string]any{"type": "SystemAssigned"}) {
		t.Errorf("identity %v", body["identity"])
	}
	np := props["networkProfile"].(map[string]any)
	if !reflect.DeepEqual(np, map[string]any{"networkPlugin": "kubenet", "outboundType": "loadBalancer", "loadBalancerSku": "standard"}) {
		t.Errorf("networkProfile %v", np)
	}
	pool := props["agentPoolProfiles"].([]any)[0].(map[string]any)
	if _, ok := pool["vnetSubnetID"]; ok {
		t.Error("vnetSubnetID without asking")
	}
	if _, ok := pool["maxPods"]; ok {
		t.Error("maxPods without asking")
	}

	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i"
	subnet := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
	s.SSHKey, s.NodeResourceGroup, s.Tags, s.AssignIdentity, s.VNetSubnetID, s.MaxPods = "ssh-rsa AAAA", "MC_x", map[string]string{}, id, subnet, 30
	s.PodCIDR, s.DNSNamePrefix = "10.244.0.0/16", "myprefix"
	body = s.Body("eastus", "00000000-1111")
	props = body["properties"].(map[string]any)
	if props["dnsPrefix"] != "myprefix" || props["nodeResourceGroup"] != "MC_x" {
		t.Errorf("dnsPrefix %v nodeResourceGroup %v", props["dnsPrefix"], props["nodeResourceGroup"])
	}
	if _, ok := body["tags"]; !ok {
		t.Error("--tags \"\" must send empty tags")
	}
	want := map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{id: map[string]any{}}}
	if !reflect.DeepEqual(body["identity"], want) {
		t.Errorf("identity %v", body["identity"])
	}
	lp := props["linuxProfile"].(map[string]any)
	if lp["adminUsername"] != "azureuser" {
		t.Errorf("linuxProfile %v", lp)
	}
	pool = props["agentPoolProfiles"].([]any)[0].(map[string]any)
	if pool["vnetSubnetID"] != subnet || pool["maxPods"] != 30 {
		t.Errorf("pool %v", pool)
	}
	if props["networkProfile"].(map[string]any)["podCidr"] != "10.244.0.0/16" {
		t.Errorf("networkProfile %v", props["networkProfile"])
	}
}

// TestPoolSpec checks nodepool add's validation and body.
func TestPoolSpec(t *testing.T) {
	for _, c := range []struct {
		name     string
		spec     PoolSpec
		existing []string
		code     int
		msg      string
		vmSize   string
	}{
		{"mode", PoolSpec{Name: "p", Mode: "system", ModeGiven: true, OSType: "Linux"}, nil, 0, "", "Standard_DS2_v2"},
		{"bad mode", PoolSpec{Name: "p", Mode: "spot", ModeGiven: true}, nil, 2,
			"aksnet aks nodepool add: 'spot' is not a valid value for '--mode'. Allowed values: System, User, Gateway.", ""},
		{"bad name", PoolSpec{Name: "p-1"}, nil, 1, "--nodepool-name should contain only alphanumeric characters", ""},
		{"exists", PoolSpec{Name: "p"}, []string{"nodepool1", "p"}, 1,
			"Node pool p already exists, please try a different name, use 'aks nodepool list' to get current list of node pool", ""},
		{"windows name", PoolSpec{Name: "winpool1", OSType: "Windows"}, nil, 1, "Windows nodepool name cannot be longer than 6 characters", ""},
		{"windows size", PoolSpec{Name: "win1", OSType: "windows"}, nil, 0, "", "Standard_D2s_v3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.spec
			err := s.Validate("aksnet aks nodepool add")
			var body map[string]any
			if err == nil {
				body, err = s.Body(c.existing)
			}
			if c.code != 0 {
				var oe *output.Error
				if !errors.As(err, &oe) || oe.Code != c.code || oe.Message != c.msg {
					t.Fatalf("err = %#v, want code %d %q", err, c.code, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			props := body["properties"].(map[string]any)
			if props["vmSize"] != c.vmSize {
				t.Errorf("vmSize %v, want %s", props["vmSize"], c.vmSize)
			}
			if c.spec.ModeGiven && props["mode"] != "System" {
				t.Errorf("mode %v, want System", props["mode"])
			}
		})
	}
}
