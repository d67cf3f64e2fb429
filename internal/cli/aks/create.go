package aks

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// createFlags are the arguments of `az aks create` that aksnet models.
type createFlags struct {
	clusterFlags
	location                           string
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

	// plugin and dnsPrefix tell whether --network-plugin and
	// --dns-name-prefix were given.
	plugin, dnsPrefix *flags.Flag
}

func newCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &createFlags{nodeCount: 3, sshKeyValue: "~/.ssh/id_rsa.pub", adminUsername: "azureuser",
		nodeVMSize: "Standard_DS2_v2", nodepoolName: "nodepool1", loadBalancerSKU: "standard"}
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
	}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args()(a)
		a.String(&f.location, "Location. Defaults to the location of the resource group.", "--location", "-l")
		f.plugin = a.String(&f.networkPlugin, "The Kubernetes network plugin to use. Allowed values: kubenet, azure, none. Defaults to kubenet.", "--network-plugin")
		a.String(&f.networkPolicy, "Network Policy Engine to use (calico; azure is not supported with kubenet).", "--network-policy")
		a.String(&f.serviceCIDR, "A CIDR notation IP range from which to assign service cluster IPs (default 10.0.0.0/16).", "--service-cidr")
		a.String(&f.dnsServiceIP, "An IP address assigned to the Kubernetes DNS service (default 10.0.0.10).", "--dns-service-ip")
		a.String(&f.podCIDR, "A CIDR notation IP range from which to assign pod IPs when kubenet is used (default 10.244.0.0/16).", "--pod-cidr")
		a.String(&f.vnetSubnetID, "The ID of a subnet in an existing VNet into which to deploy the cluster.", "--vnet-subnet-id")
		a.Int(&f.nodeCount, "Number of nodes in the Kubernetes node pool.", "--node-count", "-c")
		a.Int(&f.maxPods, "The maximum number of pods deployable to a node (kubenet default 110).", "--max-pods", "-m")
		a.String(&f.assignIdentity, "Specify an existing user assigned identity for control plane's usage.", "--assign-identity")
		a.Switch(&f.enableManagedIdentity, "Using a system assigned managed identity to manage cluster resource group (the default).", "--enable-managed-identity")
		a.Switch(&f.generateSSHKeys, "Generate SSH public and private key files if missing. The keys will be stored in the ~/.ssh directory.", "--generate-ssh-keys")
		a.String(&f.sshKeyValue, "Public key path or key contents to install on node VMs for SSH access.", "--ssh-key-value")
		a.Switch(&f.noSSHKey, "Do not use or create a local SSH key.", "--no-ssh-key", "-x")
		a.String(&f.adminUsername, "User account to create on node VMs for SSH access.", "--admin-username", "-u")
		a.NoWait(&f.noWait)
		a.String(&f.nodeVMSize, "Size of Virtual Machines to create as Kubernetes nodes.", "--node-vm-size", "-s")
		a.String(&f.kubernetesVersion, "Version of Kubernetes to use for creating the cluster, <major.minor.patch> or <major.minor>; `aksnet aks get-versions -l <location>` lists the one aksnet serves.", "--kubernetes-version", "-k")
		a.String(&f.nodepoolName, "Node pool name, up to 12 alphanumeric characters.", "--nodepool-name")
		f.dnsPrefix = a.String(&f.dnsNamePrefix, "Prefix for hostnames that are created. If not specified, generate a hostname using the managed cluster and resource group names.", "--dns-name-prefix", "-p")
		a.List(&f.tags, "Space-separated tags: key[=value].", "--tags")
		a.Switch(&f.skipSubnetRoleAssignment, "Skip role assignment for subnet (advanced networking).", "--skip-subnet-role-assignment")
		a.String(&f.nodeResourceGroup, "The node resource group is the resource group where all customer's resources will be created in, such as virtual machines.", "--node-resource-group")
		a.String(&f.loadBalancerSKU, "Azure Load Balancer SKU selection for your cluster. basic or standard.", "--load-balancer-sku")
	}, func(e *command.Env) error { return runCreate(e, f) })
}

// spec is the cluster the flags ask for.
func (f *createFlags) spec() *client.ClusterSpec {
	return &client.ClusterSpec{
		ResourceGroup: f.rg, Name: f.name, Location: f.location,
		NetworkPlugin: f.networkPlugin, NetworkPluginGiven: f.plugin.Changed(), NetworkPolicy: f.networkPolicy,
		ServiceCIDR: f.serviceCIDR, DNSServiceIP: f.dnsServiceIP, PodCIDR: f.podCIDR, VNetSubnetID: f.vnetSubnetID,
		NodeCount: f.nodeCount, MaxPods: f.maxPods, AssignIdentity: f.assignIdentity, AdminUsername: f.adminUsername,
		NodeVMSize: f.nodeVMSize, KubernetesVersion: f.kubernetesVersion, NodepoolName: f.nodepoolName,
		DNSNamePrefix: f.dnsNamePrefix, DNSNamePrefixGiven: f.dnsPrefix.Changed(), Tags: flags.Tags(f.tags),
		SkipSubnetRoleAssignment: f.skipSubnetRoleAssignment, NodeResourceGroup: f.nodeResourceGroup,
		LoadBalancerSKU: f.loadBalancerSKU, NoWait: f.noWait,
	}
}

// runCreate is az aks create: validate, find the SSH key, create the
// cluster and print it.
func runCreate(e *command.Env, f *createFlags) error {
	spec := f.spec()
	if err := spec.Validate(e.Prog); err != nil {
		return err
	}
	if !f.noSSHKey {
		key, err := aksSSHKey(e.Log, f.sshKeyValue, f.generateSSHKeys)
		if err != nil {
			return err
		}
		spec.SSHKey = key
	}
	raw, err := e.Client.CreateCluster(spec, e.Wait)
	if err != nil || raw == nil {
		return err
	}
	return e.Print(raw)
}
