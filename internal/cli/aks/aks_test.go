package aks_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/aks"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/clitest"
	"github.com/aksnet/aksnet/internal/kubenet"
)

func TestAKSCreateShowScaleDelete(t *testing.T) {
	a := clitest.New(t)
	subnets := a.Network("myResourceGroup", "myAKSSubnet=192.168.1.0/24")
	subnet := subnets["myAKSSubnet"]

	out, errs, code := a.Run("aks", "create", "--resource-group", "myResourceGroup", "--name", "myAKSCluster",
		"--network-plugin", "kubenet", "--service-cidr", "10.0.0.0/16", "--dns-service-ip", "10.0.0.10",
		"--pod-cidr", "10.244.0.0/16", "--vnet-subnet-id", subnet, "--generate-ssh-keys")
	if code != 0 {
		t.Fatalf("aks create: exit %d\n%s\n%s", code, out, errs)
	}
	home := os.Getenv("HOME")
	priv, pub := filepath.Join(home, ".ssh", "id_rsa"), filepath.Join(home, ".ssh", "id_rsa.pub")
	wantWarn := "WARNING: SSH key files '" + priv + "' and '" + pub + "' have been generated under ~/.ssh to allow SSH access to the VM."
	if !strings.Contains(errs, wantWarn) {
		t.Errorf("stderr lacks az's key warning %q:\n%s", wantWarn, errs)
	}
	if b, err := os.ReadFile(priv); err != nil || !strings.HasPrefix(string(b), "-----BEGIN RSA PRIVATE KEY-----") {
		t.Errorf("private key: %v %.40q", err, b)
	}
	if st, err := os.Stat(priv); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode: %v %v", err, st)
	}
	pubKey, err := os.ReadFile(pub)
	if err != nil || !aks.IsSSHRSAPublicKey(string(pubKey)) || !strings.HasPrefix(string(pubKey), "ssh-rsa ") {
		t.Errorf("public key: %v %q", err, pubKey)
	}

	mc := clitest.DecodeJSON(t, out)
	// The keys and casing az prints for a managed cluster: properties
	// flattened, acronyms re-cased, resourceGroup added.
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"name"}, "myAKSCluster"},
		{[]any{"resourceGroup"}, "myResourceGroup"},
		{[]any{"location"}, "eastus"},
		{[]any{"type"}, "Microsoft.ContainerService/ManagedClusters"},
		{[]any{"provisioningState"}, "Succeeded"},
		{[]any{"nodeResourceGroup"}, "MC_myResourceGroup_myAKSCluster_eastus"},
		{[]any{"servicePrincipalProfile", "clientId"}, "msi"},
		{[]any{"identity", "type"}, "SystemAssigned"},
		{[]any{"enableRbac"}, true},
		{[]any{"dnsPrefix"}, client.DefaultDNSPrefix("myAKSCluster", "myResourceGroup", a.Env.Creds.SubscriptionID)},
		{[]any{"networkProfile", "networkPlugin"}, "kubenet"},
		{[]any{"networkProfile", "podCidr"}, "10.244.0.0/16"},
		{[]any{"networkProfile", "serviceCidr"}, "10.0.0.0/16"},
		{[]any{"networkProfile", "dnsServiceIp"}, "10.0.0.10"},
		{[]any{"networkProfile", "outboundType"}, "loadBalancer"},
		{[]any{"networkProfile", "loadBalancerSku"}, "standard"},
		{[]any{"agentPoolProfiles", 0, "name"}, "nodepool1"},
		{[]any{"agentPoolProfiles", 0, "count"}, 3.0},
		{[]any{"agentPoolProfiles", 0, "maxPods"}, 110.0},
		{[]any{"agentPoolProfiles", 0, "vmSize"}, "Standard_DS2_v2"},
		{[]any{"agentPoolProfiles", 0, "mode"}, "System"},
		{[]any{"agentPoolProfiles", 0, "osType"}, "Linux"},
		{[]any{"agentPoolProfiles", 0, "type"}, "VirtualMachineScaleSets"},
		{[]any{"agentPoolProfiles", 0, "vnetSubnetId"}, subnet},
		{[]any{"agentPoolProfiles", 0, "osDiskSizeGb"}, 128.0},
		{[]any{"agentPoolProfiles", 0, "enableNodePublicIp"}, false},
		{[]any{"linuxProfile", "adminUsername"}, "azureuser"},
		{[]any{"linuxProfile", "ssh", "publicKeys", 0, "keyData"}, string(pubKey)},
	} {
		if got := clitest.At(mc, c.path...); got != c.want {
			t.Errorf("%v = %#v, want %#v", c.path, got, c.want)
		}
	}
	for _, k := range []string{"id", "fqdn", "azurePortalFqdn", "kubernetesVersion", "currentKubernetesVersion", "maxAgentPools", "powerState", "sku", "identityProfile"} {
		if clitest.At(mc, k) == nil {
			t.Errorf("cluster lacks %q", k)
		}
	}
	if p, _ := clitest.At(mc, "identity", "principalId").(string); p == "" {
		t.Errorf("identity.principalId is empty")
	}
	// Wire spellings must not leak into az's shape.
	raw := out
	for _, k := range []string{`"properties"`, `"dnsServiceIP"`, `"vnetSubnetID"`, `"osDiskSizeGB"`, `"enableRBAC"`, `"azurePortalFQDN"`} {
		if strings.Contains(raw, k) {
			t.Errorf("output has wire key %s", k)
		}
	}

	// The CLI granted Network Contributor on the subnet to the cluster
	// identity (the cluster could not have succeeded otherwise).
	principal := clitest.At(mc, "identity", "principalId").(string)
	r, err := a.C.Call(http.MethodGet, subnet+"/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()", client.APIAuthorization, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Body), principal) || !strings.Contains(string(r.Body), client.NetworkContributor) {
		t.Errorf("no Network Contributor assignment for %s on the subnet:\n%s", principal, r.Body)
	}

	a.Want("MC_myResourceGroup_myAKSCluster_eastus\n", "aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query", "nodeResourceGroup", "-o", "tsv")
	a.Want("10.0.0.10\n", "aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query", "networkProfile.dnsServiceIp", "-o", "tsv")
	a.Want(subnet+"\n", "aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query", "agentPoolProfiles[0].vnetSubnetId", "-o", "tsv")
	table := a.OK("aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "-o", "table")
	lines := strings.Split(table, "\n")
	if hdr := strings.Fields(lines[0]); strings.Join(hdr, " ") != "Name Location ResourceGroup KubernetesVersion CurrentKubernetesVersion ProvisioningState Fqdn" {
		t.Errorf("table header = %q", lines[0])
	}
	if !strings.HasPrefix(lines[2], "myAKSCluster  eastus") {
		t.Errorf("table row = %q", lines[2])
	}

	list := clitest.DecodeJSON(t, a.OK("aks", "list", "-g", "myResourceGroup"))
	if l, _ := list.([]any); len(l) != 1 || clitest.At(l, 0, "name") != "myAKSCluster" || clitest.At(l, 0, "networkProfile", "podCidr") != "10.244.0.0/16" {
		t.Errorf("aks list -g = %v", list)
	}
	a.Want("myAKSCluster\n", "aks", "list", "--query", "[].name", "-o", "tsv")

	// Scale: GET, count, PUT, wait; the output is the scaled cluster.
	scaled := clitest.DecodeJSON(t, a.OK("aks", "scale", "-g", "myResourceGroup", "-n", "myAKSCluster", "--node-count", "4"))
	if clitest.At(scaled, "agentPoolProfiles", 0, "count") != 4.0 || clitest.At(scaled, "provisioningState") != "Succeeded" {
		t.Errorf("after scale: count %v state %v", clitest.At(scaled, "agentPoolProfiles", 0, "count"), clitest.At(scaled, "provisioningState"))
	}
	_, errs, code = a.Run("aks", "scale", "-g", "myResourceGroup", "-n", "myAKSCluster", "-c", "2", "--nodepool-name", "nopool")
	if code != 1 || errs != "ERROR: The nodepool \"nopool\" was not found.\n" {
		t.Errorf("scale of a missing pool: exit %d %q", code, errs)
	}

	// Node pools, as agentPools children.
	pool := clitest.DecodeJSON(t, a.OK("aks", "nodepool", "add", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool", "--node-count", "2", "--max-pods", "50"))
	for _, c := range []struct {
		k    string
		want any
	}{{"name", "userpool"}, {"count", 2.0}, {"maxPods", 50.0}, {"mode", "User"}, {"osType", "Linux"}, {"vnetSubnetId", subnet},
		{"resourceGroup", "myResourceGroup"}, {"type", "Microsoft.ContainerService/managedClusters/agentPools"}} {
		if got := clitest.At(pool, c.k); got != c.want {
			t.Errorf("nodepool add: %s = %#v, want %#v", c.k, got, c.want)
		}
	}
	_, errs, code = a.Run("aks", "nodepool", "add", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool")
	if code != 1 || !strings.Contains(errs, "ERROR: Node pool userpool already exists, please try a different name") {
		t.Errorf("second nodepool add: exit %d %q", code, errs)
	}
	names := a.OK("aks", "nodepool", "list", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "--query", "[].name", "-o", "tsv")
	got := strings.Fields(names)
	sort.Strings(got)
	if strings.Join(got, ",") != "nodepool1,userpool" {
		t.Errorf("nodepool list = %q", names)
	}
	ptable := a.OK("aks", "nodepool", "show", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool", "-o", "table")
	if hdr := strings.Fields(strings.Split(ptable, "\n")[0]); strings.Join(hdr, " ") != "Name OsType KubernetesVersion VmSize Count MaxPods ProvisioningState Mode" {
		t.Errorf("nodepool table header = %q", hdr)
	}
	a.Want("3\n", "aks", "nodepool", "scale", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool", "-c", "3", "--query", "count", "-o", "tsv")
	_, errs, code = a.Run("aks", "nodepool", "scale", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool", "-c", "3")
	if code != 1 || errs != "ERROR: The new node count is the same as the current node count.\n" {
		t.Errorf("nodepool scale to the same count: exit %d %q", code, errs)
	}
	_, errs, code = a.Run("aks", "nodepool", "add", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "win", "--os-type", "Windows")
	if code != 1 || !strings.Contains(errs, "ERROR: ("+kubenet.CodeAzureCNIOnlyForWindows+") ") || !strings.Contains(errs, "\nCode: "+kubenet.CodeAzureCNIOnlyForWindows+"\nMessage: ") {
		t.Errorf("windows pool on kubenet: exit %d %q", code, errs)
	}
	a.OK("aks", "nodepool", "delete", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool")
	_, errs, code = a.Run("aks", "nodepool", "delete", "-g", "myResourceGroup", "--cluster-name", "myAKSCluster", "-n", "userpool")
	if code != 1 || errs != "ERROR: Node pool userpool doesnt exist, use 'aks nodepool list' to get current node pool list\n" {
		t.Errorf("delete of a missing pool: exit %d %q", code, errs)
	}

	// A second kubenet cluster can't share the subnet.
	_, errs, code = a.Run("aks", "create", "-g", "myResourceGroup", "-n", "second", "--vnet-subnet-id", subnet)
	if code != 1 || !strings.Contains(errs, "ERROR: (SubnetInUseByAnotherCluster) ") {
		t.Errorf("second cluster on the subnet: exit %d %q", code, errs)
	}

	// Delete prompts without --yes (no terminal here: az's NoTTY error).
	_, errs, code = a.Run("aks", "delete", "-g", "myResourceGroup", "-n", "myAKSCluster")
	if code != 1 || !strings.Contains(errs, "Unable to prompt for confirmation as no tty available. Use --yes.") {
		t.Errorf("delete without --yes: exit %d %q", code, errs)
	}
	if out := a.OK("aks", "delete", "-g", "myResourceGroup", "-n", "myAKSCluster", "--yes"); out != "" {
		t.Errorf("delete printed %q", out)
	}
	_, errs, code = a.Run("aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster")
	if code != 3 || !strings.HasPrefix(errs, "ERROR: (ResourceNotFound) ") {
		t.Errorf("show after delete: exit %d %q", code, errs)
	}
}

func TestAKSCreateUserAssignedIdentity(t *testing.T) {
	a := clitest.New(t)
	a.SSHKeys()
	subnets := a.Network("rg", "s1=192.168.1.0/24")
	idPath := a.RGID("rg") + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
	a.Put(idPath, client.APIMSI, map[string]any{"location": "eastus"})

	// A missing identity is az's ResourceNotFoundError, before any PUT.
	_, errs, code := a.Run("aks", "create", "-g", "rg", "-n", "c1", "--vnet-subnet-id", subnets["s1"],
		"--assign-identity", a.RGID("rg")+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nope", "--generate-ssh-keys")
	if code != 3 || errs != "ERROR: Identity 'nope' not found.\n" {
		t.Errorf("missing identity: exit %d %q", code, errs)
	}
	// The identity holds no role yet: like az, the CLI grants Network
	// Contributor on the subnet before creating the cluster.
	out, errs, code := a.Run("aks", "create", "-g", "rg", "-n", "c1", "--node-count", "3", "--network-plugin", "kubenet",
		"--vnet-subnet-id", subnets["s1"], "--assign-identity", idPath, "--enable-managed-identity", "--generate-ssh-keys", "-o", "json")
	if code != 0 {
		t.Fatalf("create with --assign-identity: exit %d\n%s\n%s", code, out, errs)
	}
	mc := clitest.DecodeJSON(t, out)
	if clitest.At(mc, "identity", "type") != "UserAssigned" || clitest.At(mc, "provisioningState") != "Succeeded" ||
		clitest.At(mc, "networkProfile", "podCidr") != "10.244.0.0/16" || clitest.At(mc, "networkProfile", "dnsServiceIp") != "10.0.0.10" {
		t.Errorf("cluster: identity %v state %v network %v", clitest.At(mc, "identity"), clitest.At(mc, "provisioningState"), clitest.At(mc, "networkProfile"))
	}
	uai, _ := clitest.At(mc, "identity", "userAssignedIdentities").(map[string]any)
	if len(uai) != 1 {
		t.Errorf("userAssignedIdentities = %v", uai)
	}
	for k, v := range uai {
		if !strings.EqualFold(k, idPath) || clitest.At(v, "principalId") == nil || clitest.At(v, "clientId") == nil {
			t.Errorf("userAssignedIdentities entry %s = %v", k, v)
		}
	}

	principal := ""
	for _, v := range uai {
		principal, _ = clitest.At(v, "principalId").(string)
	}
	if n := a.SubnetAssignments(subnets["s1"], principal); n != 1 {
		t.Errorf("%d Network Contributor assignments for %s on s1, want the one the CLI made", n, principal)
	}

	// An identity that already holds the role above the subnet (on the
	// VNet, as the article assigns it) gets no second assignment.
	id2 := a.RGID("rg") + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id2"
	a.Put(id2, client.APIMSI, map[string]any{"location": "eastus"})
	r, err := a.C.Call(http.MethodGet, id2, client.APIMSI, nil)
	if err != nil {
		t.Fatal(err)
	}
	var idDoc struct {
		Properties struct{ PrincipalID string } `json:"properties"`
	}
	_ = json.Unmarshal(r.Body, &idDoc)
	vnet := a.RGID("rg") + "/providers/Microsoft.Network/virtualNetworks/myAKSVnet"
	a.Put(vnet+"/providers/Microsoft.Authorization/roleAssignments/"+client.NewUUID(), client.APIAuthorization, map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + a.Env.Creds.SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + client.NetworkContributor,
		"principalId":      idDoc.Properties.PrincipalID, "principalType": "ServicePrincipal"}})
	a.Put(vnet+"/subnets/s2", client.APINetwork, map[string]any{"properties": map[string]any{"addressPrefix": "192.168.2.0/24"}})
	a.OK("aks", "create", "-g", "rg", "-n", "c3", "--vnet-subnet-id", vnet+"/subnets/s2", "--assign-identity", id2, "-o", "none")
	if n := a.SubnetAssignments(vnet+"/subnets/s2", idDoc.Properties.PrincipalID); n != 1 {
		t.Errorf("%d Network Contributor assignments at or above s2 for id2, want only the VNet's", n)
	}

	// --no-wait prints nothing and returns while the cluster provisions.
	subnets2 := a.Network("rg2", "s1=192.168.1.0/24")
	out, errs, code = a.Run("aks", "create", "-g", "rg2", "-n", "c2", "--vnet-subnet-id", subnets2["s1"], "--no-wait")
	if code != 0 || out != "" {
		t.Errorf("--no-wait: exit %d %q %q", code, out, errs)
	}
}

func TestAKSErrors(t *testing.T) {
	a := clitest.New(t)
	a.SSHKeys()
	subnet := a.Network("rg", "s1=192.168.1.0/24")["s1"]
	base := []string{"aks", "create", "-g", "rg", "-n", "c", "--vnet-subnet-id", subnet, "--generate-ssh-keys", "--network-plugin", "kubenet"}

	// Each kubenet validation rule surfaces as az prints an ARM error:
	// ERROR: (Code) Message / Code: / Message:, exit 1.
	for _, c := range []struct {
		code string
		args []string
	}{
		{kubenet.CodeServiceCidrOverlapExistingSubnetsCidr, []string{"--service-cidr", "192.168.0.0/16", "--dns-service-ip", "192.168.0.10"}},
		{kubenet.CodeDnsServiceIpOutOfServiceCidr, []string{"--service-cidr", "10.0.0.0/16", "--dns-service-ip", "10.1.0.10"}},
		{kubenet.CodeDnsServiceIpConflicting, []string{"--service-cidr", "10.0.0.0/16", "--dns-service-ip", "10.0.0.1"}},
		{kubenet.CodeDnsBroadcastAddressConflicting, []string{"--service-cidr", "10.0.0.0/16", "--dns-service-ip", "10.0.255.255"}},
		{kubenet.CodePodCidrOverlapExistingSubnetsCidr, []string{"--pod-cidr", "192.168.0.0/16"}},
		{kubenet.CodePodCidrOverlapServiceCidr, []string{"--pod-cidr", "10.0.0.0/16"}},
		{kubenet.CodeInsufficientPodCidr, []string{"--pod-cidr", "10.244.0.0/24", "--node-count", "3"}},
		{kubenet.CodeCidrStringParseError, []string{"--pod-cidr", "10.244.0.0/33"}},
		{kubenet.CodeReservedAddressRangeConflict, []string{"--pod-cidr", "172.30.0.0/16"}},
		{kubenet.CodeNetworkPolicyAzureNotSupportedForKubenet, []string{"--network-policy", "azure"}},
		{kubenet.CodeInsufficientMaxPods, []string{"--max-pods", "5"}},
		{kubenet.CodeMaxPodsLimitExceeded, []string{"--max-pods", "251"}},
	} {
		t.Run(c.code, func(t *testing.T) {
			out, errs, code := a.Run(append(append([]string{}, base...), c.args...)...)
			if code != 1 || out != "" {
				t.Fatalf("exit %d stdout %q stderr %q", code, out, errs)
			}
			lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
			if len(lines) < 3 || !strings.HasPrefix(lines[0], "ERROR: ("+c.code+") ") {
				t.Fatalf("stderr = %q", errs)
			}
			msg := strings.TrimPrefix(lines[0], "ERROR: ("+c.code+") ")
			if lines[1] != "Code: "+c.code || lines[2] != "Message: "+msg {
				t.Errorf("stderr = %q", errs)
			}
		})
	}

	// Checks az makes itself: an az error, exit 1.
	for _, c := range []struct {
		name, msg string
		args      []string
	}{
		{"policy-case", "ERROR: --network-policy should be provided in lowercase\n", []string{"--network-policy", "Calico"}},
		{"subnet-id", "ERROR: --vnet-subnet-id is not a valid Azure resource ID.\n", []string{"--vnet-subnet-id", "mySubnet"}},
		{"identity-id", "ERROR: --assign-identity is not a valid Azure resource ID.\n", []string{"--assign-identity", "myIdentity"}},
		{"pool-name", "ERROR: --nodepool-name can contain at most 12 characters\n", []string{"--nodepool-name", "averylongpoolname"}},
		{"pool-chars", "ERROR: --nodepool-name should contain only alphanumeric characters\n", []string{"--nodepool-name", "pool-1"}},
		{"k8s-version", "ERROR: --kubernetes-version should be the full version number or major.minor version number, such as \"1.7.12\" or \"1.7\"\n", []string{"-k", "latest"}},
		{"name", "ERROR: --name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-).\n", []string{"-n", "bad.name"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := a.Run(append(append([]string{}, base...), c.args...)...)
			if code != 1 || out != "" || errs != c.msg {
				t.Errorf("exit %d stdout %q stderr %q, want %q", code, out, errs, c.msg)
			}
		})
	}
	t.Run("plugin-required", func(t *testing.T) {
		_, errs, code := a.Run("aks", "create", "-g", "rg", "-n", "c", "--pod-cidr", "10.244.0.0/16", "--generate-ssh-keys")
		if code != 1 || errs != "ERROR: Please explicitly specify the network plugin type\n" {
			t.Errorf("exit %d %q", code, errs)
		}
	})
	t.Run("azure-pod-cidr", func(t *testing.T) {
		_, errs, code := a.Run("aks", "create", "-g", "rg", "-n", "c", "--network-plugin", "azure", "--pod-cidr", "10.244.0.0/16", "--generate-ssh-keys")
		if code != 1 || errs != "ERROR: Please use kubenet as the network plugin type when pod_cidr is specified\n" {
			t.Errorf("exit %d %q", code, errs)
		}
	})
	t.Run("no-ssh-key", func(t *testing.T) {
		t.Setenv("HOME", t.TempDir())
		_, errs, code := a.Run("aks", "create", "-g", "rg", "-n", "c")
		if code != 1 || errs != "ERROR: An RSA key file or key value must be supplied to SSH Key Value. You can use --generate-ssh-keys to let CLI generate one for you\n" {
			t.Errorf("exit %d %q", code, errs)
		}
	})
	t.Run("missing-group", func(t *testing.T) {
		_, errs, code := a.Run("aks", "create", "-g", "nogroup", "-n", "c", "--generate-ssh-keys")
		if code != 3 || !strings.HasPrefix(errs, "ERROR: (ResourceGroupNotFound) ") {
			t.Errorf("exit %d %q", code, errs)
		}
	})

	// Usage errors: exit 2.
	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"required", "ERROR: the following arguments are required: --name/-n\n", []string{"aks", "create", "-g", "rg"}},
		{"required-both", "ERROR: the following arguments are required: --resource-group/-g, --name/-n\n", []string{"aks", "show"}},
		{"scale-count", "ERROR: the following arguments are required: --node-count/-c\n", []string{"aks", "scale", "-g", "rg", "-n", "c"}},
		{"plugin-choice", "ERROR: aksnet aks create: 'flannel' is not a valid value for '--network-plugin'. Allowed values: kubenet, azure, none.\n",
			[]string{"aks", "create", "-g", "rg", "-n", "c", "--network-plugin", "flannel"}},
		{"mode-choice", "ERROR: aksnet aks nodepool add: 'worker' is not a valid value for '--mode'. Allowed values: System, User, Gateway.\n",
			[]string{"aks", "nodepool", "add", "-g", "rg", "--cluster-name", "c", "-n", "p", "--mode", "worker"}},
		{"pool-required", "ERROR: the following arguments are required: --cluster-name, --nodepool-name/--name/-n\n", []string{"aks", "nodepool", "show", "-g", "rg"}},
		{"int", "", []string{"aks", "create", "-g", "rg", "-n", "c", "--node-count", "three"}},
		{"unknown-flag", "", []string{"aks", "create", "-g", "rg", "-n", "c", "--bogus"}},
		{"unknown-command", "", []string{"aks", "upgradex"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := a.Run(c.args...)
			if code != 2 || out != "" || !strings.HasPrefix(errs, "ERROR: ") || (c.want != "" && errs != c.want) {
				t.Errorf("exit %d stdout %q stderr %q, want %q", code, out, errs, c.want)
			}
		})
	}
}
