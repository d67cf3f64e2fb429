package client

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// PoolSpec is what `az aks nodepool add` asks for, as given on the command
// line.
type PoolSpec struct {
	Name           string
	Count, MaxPods int
	// Mode is checked against NodepoolModes when ModeGiven.
	Mode              string
	ModeGiven         bool
	VMSize, OSType    string
	VNetSubnetID      string
	KubernetesVersion string
	// Tags are nil when none are given.
	Tags map[string]string
}

// Validate checks s with az's validators, in az's order, for command prog,
// and sets the canonical mode and Kubernetes version.
func (s *PoolSpec) Validate(prog string) error {
	if err := ValidNodepoolName(s.Name); err != nil {
		return err
	}
	if s.ModeGiven {
		mode, err := enum(prog, "--mode", s.Mode, NodepoolModes)
		if err != nil {
			return err
		}
		s.Mode = mode
	}
	if s.VNetSubnetID != "" && !IsResourceID(s.VNetSubnetID) {
		return output.CLIError("--vnet-subnet-id is not a valid Azure resource ID.")
	}
	if s.KubernetesVersion != "" {
		v, err := K8sVersion(s.KubernetesVersion)
		if err != nil {
			return err
		}
		s.KubernetesVersion = v
	}
	return nil
}

// Body is the agent pool PUT az sends for s (validated), given the names of
// the cluster's pools: adding one that exists is an error.
func (s *PoolSpec) Body(existing []string) (map[string]any, error) {
	for _, n := range existing {
		if n == s.Name {
			return nil, output.CLIError("Node pool %s already exists, please try a different name, use 'aks nodepool list' to get current list of node pool", s.Name)
		}
	}
	windows := strings.EqualFold(s.OSType, "windows")
	if windows && len(s.Name) > 6 {
		return nil, output.CLIError("Windows nodepool name cannot be longer than 6 characters")
	}
	vmSize := s.VMSize
	if vmSize == "" {
		vmSize = "Standard_DS2_v2"
		if windows {
			vmSize = "Standard_D2s_v3"
		}
	}
	props := map[string]any{
		"count": s.Count, "vmSize": vmSize, "osType": s.OSType, "type": "VirtualMachineScaleSets", "mode": s.Mode,
		"orchestratorVersion": s.KubernetesVersion, "enableAutoScaling": false, "scaleSetPriority": "Regular",
		"scaleSetEvictionPolicy": "Delete", "spotMaxPrice": -1.0, "nodeTaints": []string{}, "upgradeSettings": map[string]any{},
		"enableNodePublicIP": false, "enableEncryptionAtHost": false, "enableUltraSSD": false, "enableFIPS": false,
	}
	SetGiven(props, "vnetSubnetID", s.VNetSubnetID)
	if s.MaxPods != 0 {
		props["maxPods"] = s.MaxPods
	}
	if s.Tags != nil {
		props["tags"] = s.Tags
	}
	return map[string]any{"properties": props}, nil
}

// PoolNames lists the names of a cluster's pools.
func (c *Client) PoolNames(rg, cluster string) ([]string, error) {
	items, err := c.ListItems(c.PoolsPath(rg, cluster), APIAKS)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, raw := range items {
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &p) == nil {
			names = append(names, p.Name)
		}
	}
	return names, nil
}

// PoolExists is az's check before deleting a node pool: an error unless
// the cluster has a pool of that name (in any case).
func (c *Client) PoolExists(rg, cluster, name string) error {
	names, err := c.PoolNames(rg, cluster)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return nil
		}
	}
	return output.CLIError("Node pool %s doesnt exist, use 'aks nodepool list' to get current node pool list", name)
}

// ScaledPool GETs the agent pool at path and returns it with its count set
// to count, as az's aks_agentpool_scale: a pool with the autoscaler, or
// already at count, is an error.
func (c *Client) ScaledPool(path string, count int) (map[string]any, error) {
	return c.Changed(path, APIAKS, func(props map[string]any) error {
		if auto, _ := props["enableAutoScaling"].(bool); auto {
			return output.CLIError("Cannot scale cluster autoscaler enabled node pool.")
		}
		if n, ok := props["count"].(json.Number); ok && n.String() == jsonInt(count) {
			return output.CLIError("The new node count is the same as the current node count.")
		}
		props["count"] = count
		return nil
	})
}

func jsonInt(n int) string { return strconv.Itoa(n) }

// enum is az's get_enum_type (see flags.Enum).
func enum(prog, option, value string, choices []string) (string, error) {
	for _, c := range choices {
		if strings.EqualFold(c, value) {
			return c, nil
		}
	}
	return "", output.UsageError(fmt.Sprintf("%s: '%s' is not a valid value for '%s'. Allowed values: %s.",
		prog, value, option, strings.Join(choices, ", ")))
}
