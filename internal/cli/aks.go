package cli

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

func init() {
	rootCommands = append(rootCommands, command.Lazy{Name: "aks", Build: newAKSCommand})
}

// aksNetworkContributor is the built-in Network Contributor role, the role
// az grants the cluster identity on the cluster's subnet.
const aksNetworkContributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"

// Choices of az's enum arguments, in az's order.
var (
	aksNetworkPlugins = []string{"kubenet", "azure", "none"}
	aksNodepoolModes  = []string{"System", "User", "Gateway"}
)

// newAKSCommand mirrors `az aks`.
func newAKSCommand(s Streams, g *command.Globals) *cobra.Command {
	aks := command.Group("aks", "Manage Azure Kubernetes Services.",
		newAKSCreateCommand(s, g), newAKSShowCommand(s, g), newAKSListCommand(s, g),
		newAKSScaleCommand(s, g), newAKSDeleteCommand(s, g), newAKSNodepoolCommand(s, g), newAKSTraceCommand(s, g))
	aks.AddCommand(aksDataplaneCommands(s, g)...)
	return aks
}

// aksCreateFlags are the arguments of `az aks create` that aksnet models.
type aksCreateFlags struct {
	rg, name, location                 string
	networkPlugin, networkPolicy       string
	serviceCIDR, dnsServiceIP          string
	podCIDR, vnetSubnetID              string
	nodeCount, maxPods                 int
	assignIdentity                     string
	enableManagedIdentity              bool
	generateSSHKeys, noSSHKey          bool
	sshKeyValue, adminUsername         string
	noWait                             bool
	nodeVMSize, kubernetesVersion      string
	nodepoolName, dnsNamePrefix        string
	tags                               []string
	skipSubnetRoleAssignment           bool
	nodeResourceGroup, loadBalancerSKU string
}

func newAKSCreateCommand(s Streams, g *command.Globals) *cobra.Command {
	f := &aksCreateFlags{}
	cmd := &cobra.Command{
		Use: "create", Short: "Create a new managed Kubernetes cluster.", Args: cobra.NoArgs,
		Long: `Create a new managed Kubernetes cluster.

With --vnet-subnet-id and a system-assigned identity, the command grants the
cluster identity Network Contributor on the subnet after the cluster is put,
as the Azure CLI does. A user-assigned identity (--assign-identity) is looked
up first and gets the same role unless it already holds it there.`,
		Example: `  aksnet aks create -g myResourceGroup -n myAKSCluster --network-plugin kubenet \
      --service-cidr 10.0.0.0/16 --dns-service-ip 10.0.0.10 --pod-cidr 10.244.0.0/16 \
      --vnet-subnet-id $SUBNET_ID --generate-ssh-keys`,
		RunE: cmdRun(s, g, func(e *env, cmd *cobra.Command, _ []string) error {
			return runAKSCreate(e, cmd, f)
		}),
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.rg, "resource-group", "g", "", "Name of resource group.")
	fl.StringVarP(&f.name, "name", "n", "", "Name of the managed cluster.")
	fl.StringVarP(&f.location, "location", "l", "", "Location. Defaults to the location of the resource group.")
	fl.StringVar(&f.networkPlugin, "network-plugin", "", "The Kubernetes network plugin to use. Allowed values: kubenet, azure, none. Defaults to kubenet.")
	fl.StringVar(&f.networkPolicy, "network-policy", "", "Network Policy Engine to use (calico; azure is not supported with kubenet).")
	fl.StringVar(&f.serviceCIDR, "service-cidr", "", "A CIDR notation IP range from which to assign service cluster IPs (default 10.0.0.0/16).")
	fl.StringVar(&f.dnsServiceIP, "dns-service-ip", "", "An IP address assigned to the Kubernetes DNS service (default 10.0.0.10).")
	fl.StringVar(&f.podCIDR, "pod-cidr", "", "A CIDR notation IP range from which to assign pod IPs when kubenet is used (default 10.244.0.0/16).")
	fl.StringVar(&f.vnetSubnetID, "vnet-subnet-id", "", "The ID of a subnet in an existing VNet into which to deploy the cluster.")
	fl.IntVarP(&f.nodeCount, "node-count", "c", 3, "Number of nodes in the Kubernetes node pool.")
	fl.IntVarP(&f.maxPods, "max-pods", "m", 0, "The maximum number of pods deployable to a node (kubenet default 110).")
	fl.StringVar(&f.assignIdentity, "assign-identity", "", "Specify an existing user assigned identity for control plane's usage.")
	fl.BoolVar(&f.enableManagedIdentity, "enable-managed-identity", false, "Using a system assigned managed identity to manage cluster resource group (the default).")
	fl.BoolVar(&f.generateSSHKeys, "generate-ssh-keys", false, "Generate SSH public and private key files if missing. The keys will be stored in the ~/.ssh directory.")
	fl.StringVar(&f.sshKeyValue, "ssh-key-value", "~/.ssh/id_rsa.pub", "Public key path or key contents to install on node VMs for SSH access.")
	fl.BoolVarP(&f.noSSHKey, "no-ssh-key", "x", false, "Do not use or create a local SSH key.")
	fl.StringVarP(&f.adminUsername, "admin-username", "u", "azureuser", "User account to create on node VMs for SSH access.")
	fl.BoolVar(&f.noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	fl.StringVarP(&f.nodeVMSize, "node-vm-size", "s", "Standard_DS2_v2", "Size of Virtual Machines to create as Kubernetes nodes.")
	fl.StringVarP(&f.kubernetesVersion, "kubernetes-version", "k", "", "Version of Kubernetes to use for creating the cluster, such as \"1.32.7\".")
	fl.StringVar(&f.nodepoolName, "nodepool-name", "nodepool1", "Node pool name, up to 12 alphanumeric characters.")
	fl.StringVarP(&f.dnsNamePrefix, "dns-name-prefix", "p", "", "Prefix for hostnames that are created. If not specified, generate a hostname using the managed cluster and resource group names.")
	fl.StringSliceVar(&f.tags, "tags", nil, "Space-separated tags: key[=value].")
	fl.BoolVar(&f.skipSubnetRoleAssignment, "skip-subnet-role-assignment", false, "Skip role assignment for subnet (advanced networking).")
	fl.StringVar(&f.nodeResourceGroup, "node-resource-group", "", "The node resource group is the resource group where all customer's resources will be created in, such as virtual machines.")
	fl.StringVar(&f.loadBalancerSKU, "load-balancer-sku", "standard", "Azure Load Balancer SKU selection for your cluster. basic or standard.")
	return cmd
}

// aksLinuxHostName is az's validate_linux_host_name. The patterns are
// compiled when used, keeping them out of every command's start-up.
func aksLinuxHostName(name string) bool {
	return regexp.MustCompile(`^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$`).MatchString(name)
}

// aksK8sVersion is az's validate_k8s_version: the version without a
// leading v, or an error.
func aksK8sVersion(v string) (string, error) {
	m := regexp.MustCompile(`^[v|V]?(\d+\.\d+(?:\.\d+)?)$`).FindStringSubmatch(v)
	if m == nil {
		return "", aksCLIError(`--kubernetes-version should be the full version number or major.minor version number, such as "1.7.12" or "1.7"`)
	}
	return m[1], nil
}

// aksCLIError is an az CLIError: "ERROR: message", exit 1.
func aksCLIError(format string, args ...any) error {
	return &output.Error{Code: 1, Message: fmt.Sprintf(format, args...)}
}

// aksEnum is az's get_enum_type: a case-insensitive choice, answered with
// the canonical spelling; anything else is a usage error (exit 2).
func aksEnum(e *env, flag, value string, choices []string) (string, error) {
	for _, c := range choices {
		if strings.EqualFold(c, value) {
			return c, nil
		}
	}
	return "", output.UsageError(fmt.Sprintf("%s: '%s' is not a valid value for '%s'. Allowed values: %s.",
		e.Prog, value, flag, strings.Join(choices, ", ")))
}

// aksValidNodepoolName is az's _validate_nodepool_name.
func aksValidNodepoolName(name string) error {
	if name == "" {
		return nil
	}
	if len(name) > 12 {
		return aksCLIError("--nodepool-name can contain at most 12 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return aksCLIError("--nodepool-name should contain only alphanumeric characters")
		}
	}
	return nil
}

// aksIsResourceID is msrestazure's is_valid_resource_id: a subscription,
// a resource group, a provider namespace, a type and a name.
func aksIsResourceID(id string) bool {
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

// aksSubscriptionOf returns the subscription of a resource id.
func aksSubscriptionOf(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		return segs[1]
	}
	return ""
}

// aksClusterPath is the id of cluster name in rg.
func (e *env) aksClusterPath(rg, name string) string {
	return e.Client.ResourcePath(rg, "Microsoft.ContainerService/managedClusters", name)
}

// aksDefaultDNSPrefix is az's _get_default_dns_prefix: up to 10 characters
// of the cluster name (starting with a letter), 16 of the resource group and
// 6 of the subscription.
func aksDefaultDNSPrefix(name, rg, sub string) string {
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

// aksIsSSHRSAPublicKey is az's is_valid_ssh_rsa_public_key: the key type
// is repeated at the start of the decoded key blob.
func aksIsSSHRSAPublicKey(s string) bool {
	parts := strings.Fields(s)
	if len(parts) < 2 {
		return false
	}
	data, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil || len(data) < 4 {
		return false
	}
	n := int(binary.BigEndian.Uint32(data[:4]))
	return n <= len(data)-4 && string(data[4:4+n]) == parts[0]
}

// aksExpandHome is os.path.expanduser for a leading "~".
func aksExpandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// aksSSHKey is az's validate_ssh_key: the public key from a file or the
// value itself, generating ~/.ssh/id_rsa{,.pub} with --generate-ssh-keys.
func aksSSHKey(e *env, value string, generate bool) (string, error) {
	if value == "" {
		value = "~/.ssh/id_rsa.pub"
	}
	path := aksExpandHome(value)
	if raw, err := os.ReadFile(path); err == nil {
		e.Log.Info("Use existing SSH public key file: %s", path)
		return strings.TrimSpace(string(raw)), nil
	}
	if aksIsSSHRSAPublicKey(value) {
		return value, nil
	}
	if !generate {
		return "", aksCLIError("An RSA key file or key value must be supplied to SSH Key Value. You can use --generate-ssh-keys to let CLI generate one for you")
	}
	priv := path + ".private"
	if strings.HasSuffix(strings.ToLower(path), ".pub") {
		priv = path[:len(path)-4]
	}
	pub, reused, err := aksGenerateSSHKeys(priv, path)
	if err != nil {
		return "", &output.Error{Code: 1, Message: fmt.Sprintf("Unable to generate SSH keys: %v", err)}
	}
	if reused {
		e.Log.Warn("Private SSH key file '%s' was found in the directory: '%s'. A paired public key file '%s' will be generated.", priv, filepath.Dir(priv), path)
		return pub, nil
	}
	e.Log.Warn("SSH key files '%s' and '%s' have been generated under ~/.ssh to allow SSH access to the VM. "+
		"If using machines without permanent storage like Azure Cloud Shell without an attached file share, back up your keys to a safe location", priv, path)
	return pub, nil
}

func runAKSCreate(e *env, cmd *cobra.Command, f *aksCreateFlags) error {
	if err := required("--resource-group/-g", f.rg, "--name/-n", f.name); err != nil {
		return err
	}
	if !aksLinuxHostName(f.name) {
		return aksCLIError("--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-).")
	}
	if cmd.Flags().Changed("dns-name-prefix") && f.dnsNamePrefix == "" {
		return aksCLIError("--dns-prefix has no value")
	}
	if err := aksValidNodepoolName(f.nodepoolName); err != nil {
		return err
	}
	k8s := f.kubernetesVersion
	if k8s != "" {
		var err error
		if k8s, err = aksK8sVersion(k8s); err != nil {
			return err
		}
	}
	plugin := ""
	if cmd.Flags().Changed("network-plugin") {
		var err error
		if plugin, err = aksEnum(e, "--network-plugin", f.networkPlugin, aksNetworkPlugins); err != nil {
			return err
		}
	}
	lbSKU := strings.ToLower(f.loadBalancerSKU)
	if lbSKU != "basic" && lbSKU != "standard" {
		return aksCLIError("--load-balancer-sku can only be standard or basic")
	}
	if f.networkPolicy != "" && f.networkPolicy != strings.ToLower(f.networkPolicy) {
		return aksCLIError("--network-policy should be provided in lowercase")
	}
	if f.vnetSubnetID != "" && !aksIsResourceID(f.vnetSubnetID) {
		return aksCLIError("--vnet-subnet-id is not a valid Azure resource ID.")
	}
	if f.assignIdentity != "" && !aksIsResourceID(f.assignIdentity) {
		return aksCLIError("--assign-identity is not a valid Azure resource ID.")
	}
	// az's get_network_plugin: the ranges and the policy need an explicit
	// plugin, and the pod CIDR is kubenet's.
	networkAny := f.podCIDR != "" || f.serviceCIDR != "" || f.dnsServiceIP != "" || f.networkPolicy != ""
	if plugin == "" && networkAny {
		return aksCLIError("Please explicitly specify the network plugin type")
	}
	if plugin == "azure" && f.podCIDR != "" {
		return aksCLIError("Please use kubenet as the network plugin type when pod_cidr is specified")
	}
	if plugin == "" {
		plugin = "kubenet"
	}
	var keyData string
	if !f.noSSHKey {
		var err error
		if keyData, err = aksSSHKey(e, f.sshKeyValue, f.generateSSHKeys); err != nil {
			return err
		}
	}

	location := f.location
	if location == "" {
		var err error
		if location, err = e.Client.RGLocation(f.rg); err != nil {
			return err
		}
	}
	// A user-assigned control plane identity must exist; az reads it (by
	// its lower-cased id) for the principal to grant the subnet role to.
	var uamiPrincipal string
	if f.assignIdentity != "" {
		p, err := e.aksUserAssignedIdentity(f.assignIdentity)
		if err != nil {
			return err
		}
		uamiPrincipal = p
	}

	pool := map[string]any{
		"count": f.nodeCount, "vmSize": f.nodeVMSize, "osDiskSizeGB": 0, "osType": "Linux",
		"enableAutoScaling": false, "type": "VirtualMachineScaleSets", "mode": "System", "orchestratorVersion": k8s,
		"upgradeSettings": map[string]any{}, "enableNodePublicIP": false, "scaleSetPriority": "Regular",
		"scaleSetEvictionPolicy": "Delete", "spotMaxPrice": -1.0, "nodeTaints": []string{},
		"enableEncryptionAtHost": false, "enableUltraSSD": false, "enableFIPS": false, "name": f.nodepoolName,
	}
	if f.vnetSubnetID != "" {
		pool["vnetSubnetID"] = f.vnetSubnetID
	}
	if f.maxPods != 0 {
		pool["maxPods"] = f.maxPods
	}
	np := map[string]any{"networkPlugin": plugin, "outboundType": "loadBalancer", "loadBalancerSku": lbSKU}
	for k, v := range map[string]string{"podCidr": f.podCIDR, "serviceCidr": f.serviceCIDR, "dnsServiceIP": f.dnsServiceIP, "networkPolicy": f.networkPolicy} {
		if v != "" {
			np[k] = v
		}
	}
	dnsPrefix := f.dnsNamePrefix
	if dnsPrefix == "" {
		dnsPrefix = aksDefaultDNSPrefix(f.name, f.rg, e.Client.Subscription)
	}
	props := map[string]any{
		"kubernetesVersion": k8s, "dnsPrefix": dnsPrefix, "agentPoolProfiles": []any{pool},
		"addonProfiles": map[string]any{}, "enableRBAC": true, "networkProfile": np,
		"disableLocalAccounts": false, "storageProfile": map[string]any{},
	}
	if keyData != "" {
		props["linuxProfile"] = map[string]any{"adminUsername": f.adminUsername,
			"ssh": map[string]any{"publicKeys": []any{map[string]any{"keyData": keyData}}}}
	}
	if f.nodeResourceGroup != "" {
		props["nodeResourceGroup"] = f.nodeResourceGroup
	}
	identity := map[string]any{"type": "SystemAssigned"}
	if f.assignIdentity != "" {
		identity = map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{f.assignIdentity: map[string]any{}}}
	}
	body := map[string]any{"location": location, "identity": identity, "properties": props}
	if len(f.tags) > 0 {
		body["tags"] = flags.Tags(f.tags)
	}

	grant := f.vnetSubnetID != "" && !f.skipSubnetRoleAssignment
	// A user-assigned identity is known before the cluster: az grants it the
	// subnet role first, so that AKS finds the permission at creation.
	if grant && uamiPrincipal != "" {
		e.aksEnsureSubnetRole(f.vnetSubnetID, uamiPrincipal)
	}
	path := e.aksClusterPath(f.rg, f.name)
	r, err := e.Client.Call(http.MethodPut, path, apiAKS, body)
	if err != nil {
		return err
	}
	// A system-assigned identity exists only once the cluster is put: read
	// its principal and grant it the subnet role right away, while AKS
	// waits for it.
	if grant && uamiPrincipal == "" {
		gr, err := e.Client.Call(http.MethodGet, path, apiAKS, nil)
		if err != nil {
			return err
		}
		var doc struct {
			Identity struct {
				PrincipalID string `json:"principalId"`
			} `json:"identity"`
		}
		_ = json.Unmarshal(gr.Body, &doc)
		if doc.Identity.PrincipalID != "" {
			e.aksEnsureSubnetRole(f.vnetSubnetID, doc.Identity.PrincipalID)
		}
	}
	if f.noWait {
		return nil
	}
	if err := e.Wait(r); err != nil {
		return err
	}
	return e.Show(path, apiAKS)
}

// aksUserAssignedIdentity GETs a user-assigned identity by id and returns
// its principal id; a missing one is az's ResourceNotFoundError.
func (e *env) aksUserAssignedIdentity(id string) (string, error) {
	lower := strings.ToLower(id)
	m := regexp.MustCompile(`/subscriptions/(.*?)/resourcegroups/(.*?)/providers/microsoft.managedidentity/userassignedidentities/(.*)`).FindStringSubmatch(lower)
	if m == nil {
		return "", aksCLIError("Cannot parse identity name from provided resource id '%s'.", lower)
	}
	r, err := e.Client.Do(http.MethodGet, lower, apiMSI, nil)
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
	_ = json.Unmarshal(r.Body, &doc)
	return doc.Properties.PrincipalID, nil
}

// aksEnsureSubnetRole grants principal Network Contributor on subnet unless
// it already holds it there (at the subnet or above: atScope()). Like az it
// only warns when the assignment can't be made; a duplicate (409
// RoleAssignmentExists) is success.
func (e *env) aksEnsureSubnetRole(subnet, principal string) {
	items, err := e.Client.ListItems(subnet+"/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()", apiAuthorization)
	if err == nil {
		for _, raw := range items {
			var a struct {
				Properties struct {
					RoleDefinitionID string `json:"roleDefinitionId"`
					PrincipalID      string `json:"principalId"`
				} `json:"properties"`
			}
			if json.Unmarshal(raw, &a) == nil && strings.EqualFold(a.Properties.PrincipalID, principal) &&
				strings.HasSuffix(strings.ToLower(a.Properties.RoleDefinitionID), aksNetworkContributor) {
				e.Log.Info("The cluster identity %s already holds Network Contributor on %s", principal, subnet)
				return
			}
		}
	}
	body := map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + aksSubscriptionOf(subnet) + "/providers/Microsoft.Authorization/roleDefinitions/" + aksNetworkContributor,
		"principalId":      principal, "principalType": "ServicePrincipal",
	}}
	r, err := e.Client.Do(http.MethodPut, subnet+"/providers/Microsoft.Authorization/roleAssignments/"+aksNewUUID(), apiAuthorization, body)
	if err == nil && r.Status < 400 {
		return
	}
	if err == nil && r.Status == http.StatusConflict && output.ParseARMError(r.Status, r.Body).Code == "RoleAssignmentExists" {
		return
	}
	if err == nil {
		e.Log.Debug("role assignment failed: %s", output.ParseARMError(r.Status, r.Body).Error())
	}
	e.Log.Warn("Could not create a role assignment for subnet. Are you an Owner on this subscription?")
}

// aksNewUUID returns a random (version 4) UUID, the name az gives a new role
// assignment.
func aksNewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// aksClusterTable is az's aks_show_table_format / aks_list_table_format.
func aksClusterTable(v any) any {
	row := func(item any) any {
		o, ok := item.(*output.Object)
		if !ok {
			return item
		}
		get := func(k string) any { x, _ := o.Get(k); return x }
		r := output.NewObject()
		for _, k := range []string{"name", "location", "resourceGroup", "kubernetesVersion", "currentKubernetesVersion", "provisioningState"} {
			r.Set(k, get(k))
		}
		fqdn := get("fqdn")
		if s, _ := fqdn.(string); s == "" {
			fqdn = get("privateFqdn")
		}
		r.Set("fqdn", fqdn)
		return r
	}
	if l, ok := v.([]any); ok {
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = row(x)
		}
		return out
	}
	return []any{row(v)}
}

func newAKSShowCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	cmd := &cobra.Command{
		Use: "show", Short: "Show the details for a managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := required("--resource-group/-g", rg, "--name/-n", name); err != nil {
				return err
			}
			e.Table = aksClusterTable
			return e.Show(e.aksClusterPath(rg, name), apiAKS)
		}),
	}
	cmd.Flags().StringVarP(&rg, "resource-group", "g", "", "Name of resource group.")
	cmd.Flags().StringVarP(&name, "name", "n", "", "Name of the managed cluster.")
	return cmd
}

func newAKSListCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg string
	cmd := &cobra.Command{
		Use: "list", Short: "List managed Kubernetes clusters.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			e.Table = aksClusterTable
			if rg != "" {
				return e.List(e.Client.RGPath(rg)+"/providers/Microsoft.ContainerService/managedClusters", apiAKS)
			}
			return e.List("/subscriptions/"+e.Client.Subscription+"/providers/Microsoft.ContainerService/managedClusters", apiAKS)
		}),
	}
	cmd.Flags().StringVarP(&rg, "resource-group", "g", "", "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.")
	return cmd
}

func newAKSScaleCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name, pool string
	var count int
	var noWait bool
	cmd := &cobra.Command{
		Use: "scale", Short: "Scale the node pool in a managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, cmd *cobra.Command, _ []string) error {
			countArg := ""
			if cmd.Flags().Changed("node-count") {
				countArg = "set"
			}
			if err := required("--resource-group/-g", rg, "--name/-n", name, "--node-count/-c", countArg); err != nil {
				return err
			}
			if err := aksValidNodepoolName(pool); err != nil {
				return err
			}
			return runAKSScale(e, rg, name, pool, count, noWait)
		}),
	}
	fl := cmd.Flags()
	fl.StringVarP(&rg, "resource-group", "g", "", "Name of resource group.")
	fl.StringVarP(&name, "name", "n", "", "Name of the managed cluster.")
	fl.IntVarP(&count, "node-count", "c", 0, "Number of nodes in the Kubernetes node pool.")
	fl.StringVar(&pool, "nodepool-name", "", "Node pool name, up to 12 alphanumeric characters.")
	fl.BoolVar(&noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	return cmd
}

// runAKSScale is az's aks_scale: GET the cluster, set the pool's count, PUT
// it back without its service principal profile, wait, and print it.
func runAKSScale(e *env, rg, name, pool string, count int, noWait bool) error {
	path := e.aksClusterPath(rg, name)
	r, err := e.Client.Call(http.MethodGet, path, apiAKS, nil)
	if err != nil {
		return err
	}
	var mc map[string]any
	d := json.NewDecoder(strings.NewReader(string(r.Body)))
	d.UseNumber()
	if err := d.Decode(&mc); err != nil {
		return fmt.Errorf("decode cluster: %w", err)
	}
	props, _ := mc["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	profiles, _ := props["agentPoolProfiles"].([]any)
	if len(profiles) > 1 && pool == "" {
		return aksCLIError("There are more than one node pool in the cluster. Please specify nodepool name or use az aks nodepool command to scale node pool")
	}
	for _, p := range profiles {
		ap, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if n, _ := ap["name"].(string); n == pool || (pool == "" && len(profiles) == 1) {
			if auto, _ := ap["enableAutoScaling"].(bool); auto {
				return aksCLIError("Cannot scale cluster autoscaler enabled node pool.")
			}
			ap["count"] = count
			delete(props, "servicePrincipalProfile")
			delete(props, "aadProfile")
			pr, err := e.Client.Call(http.MethodPut, path, apiAKS, mc)
			if err != nil {
				return err
			}
			if noWait {
				return nil
			}
			if err := e.Wait(pr); err != nil {
				return err
			}
			return e.Show(path, apiAKS)
		}
	}
	return aksCLIError("The nodepool \"%s\" was not found.", pool)
}

func newAKSDeleteCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var yes, noWait bool
	cmd := &cobra.Command{
		Use: "delete", Short: "Delete a managed Kubernetes cluster.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := required("--resource-group/-g", rg, "--name/-n", name); err != nil {
				return err
			}
			if err := e.Confirm(yes); err != nil {
				return err
			}
			return e.Delete(e.aksClusterPath(rg, name), apiAKS, noWait)
		}),
	}
	fl := cmd.Flags()
	fl.StringVarP(&rg, "resource-group", "g", "", "Name of resource group.")
	fl.StringVarP(&name, "name", "n", "", "Name of the managed cluster.")
	fl.BoolVarP(&yes, "yes", "y", false, "Do not prompt for confirmation.")
	fl.BoolVar(&noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	return cmd
}
