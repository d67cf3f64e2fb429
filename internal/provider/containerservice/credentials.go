package containerservice

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubeconfig"
	"github.com/aksnet/aksnet/internal/kubenodes"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// The credential actions of a managed cluster (POST …/managedClusters/{name}/<action>).
// ARM authorizes them as Microsoft.ContainerService/managedClusters/<action>/action,
// the actions AKS's built-in roles grant (learn.microsoft.com/azure/aks/concepts-identity,
// "AKS cluster identity permissions": Azure Kubernetes Service Cluster Admin Role allows
// listClusterAdminCredential/action, Cluster User Role listClusterUserCredential/action;
// REST: ManagedClusters_ListClusterUserCredentials and siblings), so a Reader, who holds
// only */read, gets 403 AuthorizationFailed.
const (
	actionListUserCredential       = "listClusterUserCredential"
	actionListAdminCredential      = "listClusterAdminCredential"
	actionListMonitoringCredential = "listClusterMonitoringUserCredential"
)

// CodeKubeUnavailable is aksnet's code when a cluster's Kubernetes control
// plane cannot be provided (aksnet-kube is not built); AKS has no such case.
const CodeKubeUnavailable = "KubernetesControlPlaneUnavailable"

// credentialKind is one of the three credentials.
type credentialKind struct {
	// result is the kubeconfigs[].name AKS answers: clusterUser,
	// clusterAdmin or clusterMonitoringUser.
	result string
	// userPrefix names the kubeconfig's user: <prefix>_<rg>_<name>.
	userPrefix string
	// cn and groups are the client certificate's subject.
	cn     string
	groups []string
}

// On a cluster without Entra ID integration AKS's user credential is, like
// the admin one, a client certificate in system:masters; only the user's
// name differs (clusterUser_… / clusterAdmin_…, the names az merges into
// ~/.kube/config; azure-cli acs/_helpers.py renames a context whose user
// starts with clusterAdmin to <name>-admin). The monitoring user gets
// Kubernetes' built-in system:monitoring group, which may read the health
// and metrics endpoints only.
var (
	userCredential       = credentialKind{result: "clusterUser", userPrefix: "clusterUser", cn: "masterclient", groups: []string{"system:masters"}}
	adminCredential      = credentialKind{result: "clusterAdmin", userPrefix: "clusterAdmin", cn: "masterclient", groups: []string{"system:masters"}}
	monitoringCredential = credentialKind{result: "clusterMonitoringUser", userPrefix: "clusterMonitoringUser", cn: "clusterMonitoringUser", groups: []string{"system:monitoring"}}
)

// CredentialResults is the answer of the credential actions, AKS's
// CredentialResults.
type CredentialResults struct {
	Kubeconfigs []CredentialResult `json:"kubeconfigs"`
}

// CredentialResult is one kubeconfig, base64-encoded in value.
type CredentialResult struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// credentials answers one credential action: a kubeconfig for the
// cluster's own Kubernetes API, started in the background if it is not
// running (kubectl's first request waits for it).
func (p *Provider) credentials(kind credentialKind) func(*arm.Call) (int, any, error) {
	return func(c *arm.Call) (int, any, error) {
		if err := checkLocalAccounts(c); err != nil {
			return 0, nil, err
		}
		if p.opts.Kube == nil {
			return 0, nil, azerr.New(http.StatusConflict, CodeKubeUnavailable, "", "This aksnet server runs without Kubernetes control planes.")
		}
		kc, ok, err := kubeClusterOf(c, c.ID)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return 0, nil, azerr.NotFound("ResourceNotFound", "name", "The managed cluster '%s' was not found.", arm.LastName(c.ID))
		}
		acc, err := p.opts.Kube.Access(kc)
		if err != nil {
			if errors.Is(err, kubesup.ErrNoBinary) {
				return 0, nil, azerr.New(http.StatusConflict, CodeKubeUnavailable, "", "Cannot list the credentials of cluster '%s': %s", kc.Name, err.Error())
			}
			return 0, nil, azerr.New(http.StatusConflict, CodeKubeUnavailable, "", "The Kubernetes control plane of cluster '%s' could not be prepared: %s", kc.Name, err.Error())
		}
		certPEM, keyPEM, err := acc.CA.KeptClientCert(kind.result, kind.cn, kind.groups...)
		if err != nil {
			return 0, nil, err
		}
		rg := c.Parsed.ResourceGroup
		if parent := arm.ParentOf(c.ID); parent != "" {
			rg = arm.LastName(parent) // the group as stored, not as the request spells it
		}
		cfg, err := kubeconfig.Build(kubeconfig.Params{Name: kc.Name, User: kind.userPrefix + "_" + rg + "_" + kc.Name,
			Server: acc.Server, TLSServerName: acc.TLSServerName, CAPEM: acc.CA.CertPEM, CertPEM: certPEM, KeyPEM: keyPEM})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, CredentialResults{Kubeconfigs: []CredentialResult{{Name: kind.result, Value: base64.StdEncoding.EncodeToString(cfg)}}}, nil
	}
}

// checkLocalAccounts refuses the credential actions of a cluster created
// with properties.disableLocalAccounts, as AKS does: 400 BadRequest,
// "Getting static credential is not allowed because this cluster is set
// to disable local accounts." (the answer quoted in
// hashicorp/terraform-provider-azurerm#15489 and Azure/bicep#11601). On a
// cluster without Microsoft Entra integration, which is every aksnet
// cluster, that holds for the user credential too, not only --admin
// (learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad:
// "any attempt to authenticate with user or admin credentials will
// fail"), and for the monitoring user's certificate.
func checkLocalAccounts(c *arm.Call) error {
	var mc struct {
		Properties struct {
			DisableLocalAccounts *bool `json:"disableLocalAccounts"`
		} `json:"properties"`
	}
	if err := c.DecodeExisting(&mc); err != nil {
		return err
	}
	if d := mc.Properties.DisableLocalAccounts; d != nil && *d {
		return azerr.BadRequest("BadRequest", "", "Getting static credential is not allowed because this cluster is set to disable local accounts.")
	}
	return nil
}

// kubeClusterOf describes cluster id for its control plane: name, fqdn,
// service CIDR and one Node per VMSS instance.
func kubeClusterOf(c *arm.Call, id string) (kubesup.Cluster, bool, error) {
	st, ok, err := loadState(c.R, id)
	if err != nil || !ok {
		return kubesup.Cluster{}, false, err
	}
	var mc armcontainerservice.ManagedCluster
	if ok, err := c.Load(st.ClusterID, &mc); err != nil || !ok {
		return kubesup.Cluster{}, false, err
	}
	kc := kubesup.Cluster{ID: st.ClusterID, Name: arm.LastName(st.ClusterID), ServiceCIDR: st.ServiceCIDR, DNSServiceIP: st.DNSServiceIP,
		Nodes: desiredNodes(st), Stopped: st.Stopped, PowerSeq: st.PowerSeq}
	if mc.Properties != nil {
		kc.FQDN = str(mc.Properties.Fqdn)
	}
	return kc, true, nil
}

// desiredNodes is one Node per VMSS instance of st, as AKS's kubelet and
// cloud-provider-azure register it: the instance's computer name, the
// NIC's IP, the /24 aksnet allocated (the route table's prefix), the
// providerID with the node resource group in lower case, and AKS's labels.
func desiredNodes(st *clusterState) []kubesup.Node {
	sub, nodeRG := "", arm.LastName(st.NodeRGID)
	if id, err := arm.ParseID(st.NodeRGID); err == nil {
		sub = id.Subscription
	}
	// Until the cluster identity holds its role on the subnet, the route
	// controller can write no route: every Node says why, in the words of
	// the authorization failure it would meet.
	noRoute := ""
	if !st.PermissionsOK {
		noRoute = linkedAuthorizationFailed(st.PrincipalID, subnetActions[0], strings.Join(st.SubnetIDs, ","), "identity").Error()
	}
	out := []kubesup.Node{}
	for _, pool := range st.Pools {
		vmss := arm.LastName(pool.VMSSID)
		for _, n := range pool.Nodes {
			out = append(out, kubesup.Node{
				Name: n.Name, Pool: pool.Name, InternalIP: n.IP, PodCIDR: n.PodCIDR, MaxPods: pool.MaxPods,
				ProviderID: kubenodes.ProviderID(sub, nodeRG, vmss, n.Index),
				NoRoute:    noRoute,
				Labels: map[string]string{
					"kubernetes.azure.com/cluster":     nodeRG,
					"kubernetes.azure.com/mode":        strings.ToLower(pool.Mode),
					"node.kubernetes.io/instance-type": pool.VMSize,
					"topology.kubernetes.io/region":    st.Location,
					// Instances outside availability zones are in fault
					// domain 0, which cloud-provider-azure reports as zone "0".
					"topology.kubernetes.io/zone": "0",
				},
			})
		}
	}
	return out
}
