package containerservice

import (
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// AKS's error codes for a Kubernetes version it does not serve: on the
// cluster's kubernetesVersion, and on an agent pool's orchestratorVersion.
const (
	CodeK8sVersionNotSupported          = "K8sVersionNotSupported"
	CodeAgentPoolK8sVersionNotSupported = "AgentPoolK8sVersionNotSupported"
)

// supportedVersionsHint ends both of AKS's messages.
const supportedVersionsHint = "Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list"

// servedVersion resolves v, a kubernetesVersion or orchestratorVersion as
// a client sent it, to the full version aksnet serves. AKS accepts the
// full <major.minor.patch> and the <major.minor> alias, which picks the
// newest GA patch of that minor; aksnet serves one version (kubesup.Version),
// so "1.37.2" and "1.37" resolve to 1.37.2 and anything else is refused.
func servedVersion(v string) (string, bool) {
	if v == kubesup.Version || v == kubesup.MinorVersion() {
		return kubesup.Version, true
	}
	return "", false
}

// checkClusterVersion refuses a managed cluster PUT whose kubernetesVersion,
// or any agentPoolProfiles[].orchestratorVersion, aksnet does not serve. A
// version equal to the stored one passes: an update that leaves the version
// alone (az aks update sends the whole document back) is not an upgrade,
// and AKS lets a cluster on an out-of-support version be updated. The
// stored document is c.Existing, nil on create.
func checkClusterVersion(c *arm.Call, mc *armcontainerservice.ManagedCluster) error {
	var old armcontainerservice.ManagedCluster
	if c.Existing != nil {
		if err := c.DecodeExisting(&old); err != nil {
			return err
		}
	}
	if old.Properties == nil {
		old.Properties = &armcontainerservice.ManagedClusterProperties{}
	}
	props := mc.Properties
	if v := str(props.KubernetesVersion); v != "" && v != str(old.Properties.KubernetesVersion) {
		if _, ok := servedVersion(v); !ok {
			// AKS's words for the cluster (preflight validation, seen in
			// Azure/Microsoft-Defender-for-Cloud#923, 2024).
			return azerr.BadRequest(CodeK8sVersionNotSupported, "properties.kubernetesVersion",
				"Managed cluster %s has invalid version %s. %s.", arm.LastName(c.ID), v, supportedVersionsHint)
		}
	}
	storedPool := map[string]string{}
	for _, ap := range old.Properties.AgentPoolProfiles {
		if ap != nil {
			storedPool[strings.ToLower(str(ap.Name))] = str(ap.OrchestratorVersion)
		}
	}
	for i, ap := range props.AgentPoolProfiles {
		if ap == nil {
			continue
		}
		if err := checkPoolVersion(str(ap.OrchestratorVersion), storedPool[strings.ToLower(str(ap.Name))],
			fmt.Sprintf("properties.agentPoolProfiles[%d].orchestratorVersion", i)); err != nil {
			return err
		}
	}
	return nil
}

// checkPoolVersion refuses an agent pool's orchestratorVersion v that
// aksnet does not serve, unless it is the pool's stored one.
func checkPoolVersion(v, stored, target string) error {
	if v == "" || v == stored {
		return nil
	}
	if _, ok := servedVersion(v); ok {
		return nil
	}
	// AKS's words for an agent pool (Azure/application-gateway-kubernetes-ingress#783).
	return azerr.BadRequest(CodeAgentPoolK8sVersionNotSupported, target, "Version %s is not supported in this region. %s", v, supportedVersionsHint)
}

// checkAgentPoolVersion is checkPoolVersion for a PUT of the agentPools
// resource, whose stored document (if any) is c.Existing.
func checkAgentPoolVersion(c *arm.Call, props *armcontainerservice.ManagedClusterAgentPoolProfileProperties) error {
	var old armcontainerservice.AgentPool
	if c.Existing != nil {
		if err := c.DecodeExisting(&old); err != nil {
			return err
		}
	}
	stored := ""
	if old.Properties != nil {
		stored = str(old.Properties.OrchestratorVersion)
	}
	return checkPoolVersion(str(props.OrchestratorVersion), stored, "properties.orchestratorVersion")
}

// registerVersionReads adds az aks get-versions's two reads to reg: the
// orchestrators list az 2.45 calls and the kubernetesVersions list newer
// clients call. Both list the one version aksnet serves, in every region.
func registerVersionReads(reg *arm.Registry) {
	reg.RegisterLocationRead(&arm.LocationRead{Namespace: "Microsoft.ContainerService", Type: "orchestrators", Read: listOrchestrators})
	reg.RegisterLocationRead(&arm.LocationRead{Namespace: "Microsoft.ContainerService", Type: "kubernetesVersions", Read: listKubernetesVersions})
}

// orchestratorList is ContainerServices_ListOrchestrators's answer,
// OrchestratorVersionProfileListResult (azure-rest-api-specs
// Microsoft.ContainerService stable/2019-08-01 containerService.json,
// example ContainerServiceListOrchestrators.json). The Go SDK dropped the
// operation, so the shape is declared here.
type orchestratorList struct {
	ID         string                 `json:"id"`
	Name       string                 `json:"name"`
	Type       string                 `json:"type"`
	Properties orchestratorListFields `json:"properties"`
}

type orchestratorListFields struct {
	Orchestrators []orchestratorVersionProfile `json:"orchestrators"`
}

// orchestratorVersionProfile is one version; upgrades is omitted when
// there is none, as in the spec's example for the newest version.
type orchestratorVersionProfile struct {
	OrchestratorType    string                `json:"orchestratorType"`
	OrchestratorVersion string                `json:"orchestratorVersion"`
	Default             *bool                 `json:"default,omitempty"`
	IsPreview           *bool                 `json:"isPreview,omitempty"`
	Upgrades            []orchestratorProfile `json:"upgrades,omitempty"`
}

type orchestratorProfile struct {
	OrchestratorType    string `json:"orchestratorType"`
	OrchestratorVersion string `json:"orchestratorVersion"`
	IsPreview           *bool  `json:"isPreview,omitempty"`
}

// listOrchestrators answers GET
// /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/orchestrators,
// which az 2.45's aks get-versions sends (list_orchestrators with
// resource-type=managedClusters, api-version 2019-04-01). The
// resource-type filter changes nothing: only Kubernetes is served.
func listOrchestrators(c arm.LocationCall) (any, error) {
	return orchestratorList{
		ID:   arm.SubscriptionID(c.Subscription) + "/providers/Microsoft.ContainerService/locations/" + c.Location + "/orchestrators",
		Name: "default", Type: "Microsoft.ContainerService/locations/orchestrators",
		Properties: orchestratorListFields{Orchestrators: []orchestratorVersionProfile{
			{OrchestratorType: "Kubernetes", OrchestratorVersion: kubesup.Version, Default: to.Ptr(true)},
		}},
	}, nil
}

// listKubernetesVersions answers GET
// /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions
// (ManagedClusters_ListKubernetesVersions; the shape of azure-rest-api-specs
// aks/stable/2024-05-01/examples/KubernetesVersions_List.json): the served
// minor, default, with its one patch and no upgrade.
func listKubernetesVersions(arm.LocationCall) (any, error) {
	return armcontainerservice.KubernetesVersionListResult{Values: []*armcontainerservice.KubernetesVersion{{
		Version:   to.Ptr(kubesup.MinorVersion()),
		IsDefault: to.Ptr(true),
		Capabilities: &armcontainerservice.KubernetesVersionCapabilities{
			SupportPlan: []*armcontainerservice.KubernetesSupportPlan{to.Ptr(armcontainerservice.KubernetesSupportPlanKubernetesOfficial)},
		},
		PatchVersions: map[string]*armcontainerservice.KubernetesPatchVersion{kubesup.Version: {Upgrades: []*string{}}},
	}}}, nil
}
