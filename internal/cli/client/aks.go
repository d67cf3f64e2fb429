package client

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// NetworkContributor is the id of the built-in Network Contributor role, the role az
// grants the cluster identity on the cluster's subnet.
const NetworkContributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"

// Choices of az's enum arguments, in az's order.
var (
	NetworkPlugins = []string{"kubenet", "azure", "none"}
	NodepoolModes  = []string{"System", "User", "Gateway"}
)

// ClusterPath is the id of managed cluster name in rg.
func (c *Client) ClusterPath(rg, name string) string {
	return c.ResourcePath(rg, "Microsoft.ContainerService/managedClusters", name)
}

// PoolsPath is the agentPools collection of a cluster.
func (c *Client) PoolsPath(rg, cluster string) string {
	return c.ClusterPath(rg, cluster) + "/agentPools"
}

// ClusterCredential is the kubeconfig of cluster name in rg: its user
// credential, or with admin its admin credential (POST
// listClusterUserCredential or listClusterAdminCredential).
func (c *Client) ClusterCredential(rg, name string, admin bool) ([]byte, error) {
	action := "listClusterUserCredential"
	if admin {
		action = "listClusterAdminCredential"
	}
	r, err := c.Call(http.MethodPost, c.ClusterPath(rg, name)+"/"+action, APIAKS, nil)
	if err != nil {
		return nil, err
	}
	var res struct {
		Kubeconfigs []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"kubeconfigs"`
	}
	if err := json.Unmarshal(r.Body, &res); err != nil || len(res.Kubeconfigs) == 0 {
		return nil, &output.Error{Code: 1, Message: "No Kubernetes credentials found."}
	}
	cfg, err := base64.StdEncoding.DecodeString(res.Kubeconfigs[0].Value)
	if err != nil {
		return nil, &output.Error{Code: 1, Message: fmt.Sprintf("The credentials of cluster %s are not valid base64: %v", name, err)}
	}
	return cfg, nil
}

// ValidLinuxHostName is az's validate_linux_host_name. The pattern is
// compiled when used, keeping it out of every command's start-up.
func ValidLinuxHostName(name string) bool {
	return regexp.MustCompile(`^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$`).MatchString(name)
}

// K8sVersion is az's validate_k8s_version: the version without a leading
// v, or an error.
func K8sVersion(v string) (string, error) {
	m := regexp.MustCompile(`^[v|V]?(\d+\.\d+(?:\.\d+)?)$`).FindStringSubmatch(v)
	if m == nil {
		return "", output.CLIError(`--kubernetes-version should be the full version number or major.minor version number, such as "1.7.12" or "1.7"`)
	}
	return m[1], nil
}

// ValidNodepoolName is az's _validate_nodepool_name.
func ValidNodepoolName(name string) error {
	if name == "" {
		return nil
	}
	if len(name) > 12 {
		return output.CLIError("--nodepool-name can contain at most 12 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return output.CLIError("--nodepool-name should contain only alphanumeric characters")
		}
	}
	return nil
}

// IsResourceID is msrestazure's is_valid_resource_id: a subscription, a
// resource group, a provider namespace, a type and a name.
func IsResourceID(id string) bool {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if !strings.HasPrefix(id, "/") || len(segs) < 8 || len(segs)%2 != 0 {
		return false
	}
	if !strings.EqualFold(segs[0], "subscriptions") || !strings.EqualFold(segs[2], "resourceGroups") || !strings.EqualFold(segs[4], "providers") {
		return false
	}
	for _, s := range segs {
		if s == "" {
			return false
		}
	}
	return true
}

// subscriptionOf returns the subscription of a resource id.
func subscriptionOf(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		return segs[1]
	}
	return ""
}

// DefaultDNSPrefix is az's _get_default_dns_prefix: up to 10 characters of
// the cluster name (starting with a letter), 16 of the resource group and 6
// of the subscription.
func DefaultDNSPrefix(name, rg, sub string) string {
	clean := regexp.MustCompile(`[^A-Za-z0-9-]`)
	clip := func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	}
	namePart := clip(clean.ReplaceAllString(name, ""), 10)
	if namePart == "" || !(namePart[0] >= 'a' && namePart[0] <= 'z' || namePart[0] >= 'A' && namePart[0] <= 'Z') {
		namePart = clip("a"+namePart, 10)
	}
	return namePart + "-" + clip(clean.ReplaceAllString(rg, ""), 16) + "-" + clip(sub, 6)
}

// NewUUID returns a random (version 4) UUID, the name az gives a new role
// assignment.
func NewUUID() string {
	var b [16]byte
	// crypto/rand.Read never returns an error: it crashes the program
	// instead (Go 1.24 and later).
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// UserAssignedIdentity GETs a user-assigned identity by id and returns its
// principal id; a missing one is az's ResourceNotFoundError.
func (c *Client) UserAssignedIdentity(id string) (string, error) {
	lower := strings.ToLower(id)
	m := regexp.MustCompile(`/subscriptions/(.*?)/resourcegroups/(.*?)/providers/microsoft.managedidentity/userassignedidentities/(.*)`).FindStringSubmatch(lower)
	if m == nil {
		return "", output.CLIError("Cannot parse identity name from provided resource id '%s'.", lower)
	}
	r, err := c.Do(http.MethodGet, lower, APIMSI, nil)
	if err != nil {
		return "", err
	}
	if r.Status == http.StatusNotFound {
		return "", &output.Error{Code: 3, Message: fmt.Sprintf("Identity '%s' not found.", m[3])}
	}
	if r.Status >= 400 {
		return "", output.ParseARMError(r.Status, r.Body)
	}
	var doc struct {
		Properties struct {
			PrincipalID string `json:"principalId"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return "", fmt.Errorf("decode identity %s: %w", m[3], err)
	}
	return doc.Properties.PrincipalID, nil
}

// EnsureSubnetRole grants principal Network Contributor on subnet unless it
// already holds it there (at the subnet or above: atScope()). Like az it
// only warns when the assignment can't be made; a duplicate (409
// RoleAssignmentExists) is success.
func (c *Client) EnsureSubnetRole(subnet, principal string) {
	if c.holdsNetworkContributor(subnet, principal) {
		c.log.Info("The cluster identity %s already holds Network Contributor on %s", principal, subnet)
		return
	}
	body := map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + subscriptionOf(subnet) + "/providers/Microsoft.Authorization/roleDefinitions/" + NetworkContributor,
		"principalId":      principal, "principalType": "ServicePrincipal",
	}}
	r, err := c.Do(http.MethodPut, subnet+"/providers/Microsoft.Authorization/roleAssignments/"+NewUUID(), APIAuthorization, body)
	if err == nil && r.Status < 400 {
		return
	}
	if err == nil && r.Status == http.StatusConflict && output.ParseARMError(r.Status, r.Body).Code == "RoleAssignmentExists" {
		return
	}
	if err == nil {
		c.log.Debug("role assignment failed: %s", output.ParseARMError(r.Status, r.Body).Error())
	}
	c.log.Warn("Could not create a role assignment for subnet. Are you an Owner on this subscription?")
}

// holdsNetworkContributor reports whether principal holds Network
// Contributor at subnet or above; a failed lookup answers false.
func (c *Client) holdsNetworkContributor(subnet, principal string) bool {
	items, err := c.ListItems(subnet+"/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()", APIAuthorization)
	if err != nil {
		return false
	}
	for _, raw := range items {
		var a struct {
			Properties struct {
				RoleDefinitionID string `json:"roleDefinitionId"`
				PrincipalID      string `json:"principalId"`
			} `json:"properties"`
		}
		if json.Unmarshal(raw, &a) == nil && strings.EqualFold(a.Properties.PrincipalID, principal) &&
			strings.HasSuffix(strings.ToLower(a.Properties.RoleDefinitionID), NetworkContributor) {
			return true
		}
	}
	return false
}

// Pod is an aksnet test pod (…/managedClusters/{name}/pods/{pod}) as the
// server returns it.
type Pod struct {
	Name, Node, IP string
	HostNetwork    bool
	// Netns is the path of the pod's network namespace; "" without the
	// netns data plane.
	Netns string
}

// DecodePod decodes a pod document.
func DecodePod(raw []byte) (Pod, error) {
	var d struct {
		Name       string `json:"name"`
		Properties struct {
			NodeName    string `json:"nodeName"`
			PodIP       string `json:"podIP"`
			HostNetwork bool   `json:"hostNetwork"`
			Netns       string `json:"netns"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return Pod{}, fmt.Errorf("decode pod: %w", err)
	}
	p := d.Properties
	return Pod{Name: d.Name, Node: p.NodeName, IP: p.PodIP, HostNetwork: p.HostNetwork, Netns: p.Netns}, nil
}
