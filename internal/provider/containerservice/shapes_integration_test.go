package containerservice_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksnet/aksnet/internal/armtest"
)

// The load balancer profile comes back as the client sent it: az aks create
// --load-balancer-idle-timeout / --load-balancer-outbound-ports and
// Terraform's idle_timeout_in_minutes / outbound_ports_allocated send
// idleTimeoutInMinutes and allocatedOutboundPorts, and a GET that drops
// them makes Terraform plan a change on every run (issue 17, point 6). AKS
// fills only what the client left out: one managed outbound IP, as in a
// kubenet cluster's GET (loadBalancerProfile {managedOutboundIPs {count 1},
// effectiveOutboundIPs}), with no idleTimeoutInMinutes of its own.
func TestCluster_KeepsLoadBalancerProfile(t *testing.T) {
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	mc := kubenetCluster(n.subnetID, n.identityID, 1)
	mc.Properties.NetworkProfile.LoadBalancerProfile = &armcontainerservice.ManagedClusterLoadBalancerProfile{
		IdleTimeoutInMinutes: to.Ptr[int32](10), AllocatedOutboundPorts: to.Ptr[int32](1024),
	}
	h.mustPutCluster(n.rg, "c", mc)
	lb := h.cluster(n.rg, "c").Properties.NetworkProfile.LoadBalancerProfile
	if lb == nil {
		t.Fatal("no loadBalancerProfile")
	}
	if got := i32p(lb.IdleTimeoutInMinutes); got != 10 {
		t.Errorf("idleTimeoutInMinutes %d, want 10 as sent", got)
	}
	if got := i32p(lb.AllocatedOutboundPorts); got != 1024 {
		t.Errorf("allocatedOutboundPorts %d, want 1024 as sent", got)
	}
	if lb.ManagedOutboundIPs == nil || i32p(lb.ManagedOutboundIPs.Count) != 1 {
		t.Errorf("managedOutboundIPs %+v, want count 1 (AKS's default)", lb.ManagedOutboundIPs)
	}
	if len(lb.EffectiveOutboundIPs) != 1 {
		t.Errorf("effectiveOutboundIPs %d, want the one managed IP", len(lb.EffectiveOutboundIPs))
	}

	// An update takes new values (az aks update --load-balancer-idle-timeout).
	upd := h.cluster(n.rg, "c")
	upd.Properties.NetworkProfile.LoadBalancerProfile.IdleTimeoutInMinutes = to.Ptr[int32](20)
	h.mustPutCluster(n.rg, "c", upd)
	lb = h.cluster(n.rg, "c").Properties.NetworkProfile.LoadBalancerProfile
	if got, ports := i32p(lb.IdleTimeoutInMinutes), i32p(lb.AllocatedOutboundPorts); got != 20 || ports != 1024 {
		t.Errorf("after the update: idleTimeoutInMinutes %d allocatedOutboundPorts %d, want 20 and 1024", got, ports)
	}

	// A client that sends none gets none: AKS adds no idle timeout.
	m2 := h.vnet(n.rg, "v2", "10.50.0.0/16", "s=10.50.1.0/24")
	h.Grant(m2[""], n.principal, networkContributor)
	h.mustPutCluster(n.rg, "c2", kubenetCluster(m2["s"], n.identityID, 1))
	lb = h.cluster(n.rg, "c2").Properties.NetworkProfile.LoadBalancerProfile
	if lb == nil || lb.IdleTimeoutInMinutes != nil || lb.AllocatedOutboundPorts != nil || lb.ManagedOutboundIPs == nil || i32p(lb.ManagedOutboundIPs.Count) != 1 {
		t.Errorf("unset profile rendered as %+v, want managedOutboundIPs count 1 and no idle timeout or ports", lb)
	}
}

func i32p(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

// A create that sends none of them gets AKS's defaults, as a kubenet
// cluster's GET shows them (a kubenet cluster's raw GET posted publicly,
// Kubernetes 1.27.7 in eastus, and the `az aks create` outputs in the AKS
// quickstarts of MicrosoftDocs/azure-docs):
// storageProfile {diskCSIDriver, fileCSIDriver, snapshotController:
// {enabled: true}}, oidcIssuerProfile {enabled: false}, and on each pool enableAutoScaling false and
// scaleDownMode Delete, both in the cluster and in the agentPools resource.
// supportPlan and dockerBridgeCidr depend on the api-version: see
// TestCluster_VersionedFields.
func TestCluster_AKSDefaults(t *testing.T) {
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 1))
	id := h.RGID(n.rg) + "/providers/Microsoft.ContainerService/managedClusters/c"
	type pool struct {
		EnableAutoScaling *bool
		ScaleDownMode     string
	}
	var got struct {
		Properties struct {
			StorageProfile    map[string]map[string]any
			OidcIssuerProfile map[string]any
			AgentPoolProfiles []pool
		}
	}
	if err := json.Unmarshal(h.Get(id), &got); err != nil {
		t.Fatal(err)
	}
	p := got.Properties
	for _, k := range []string{"diskCSIDriver", "fileCSIDriver", "snapshotController"} {
		if p.StorageProfile[k]["enabled"] != true {
			t.Errorf("storageProfile.%s %v, want {enabled: true}", k, p.StorageProfile[k])
		}
	}
	if len(p.StorageProfile) != 3 {
		t.Errorf("storageProfile %v, want the disk and file drivers and the snapshot controller only", p.StorageProfile)
	}
	if len(p.OidcIssuerProfile) != 1 || p.OidcIssuerProfile["enabled"] != false {
		t.Errorf("oidcIssuerProfile %v, want {enabled: false}", p.OidcIssuerProfile)
	}
	var ap struct{ Properties pool }
	if err := json.Unmarshal(h.Get(id+"/agentPools/nodepool1"), &ap); err != nil {
		t.Fatal(err)
	}
	for what, pl := range map[string]pool{"agentPoolProfiles[0]": p.AgentPoolProfiles[0], "agentPools/nodepool1": ap.Properties} {
		if pl.EnableAutoScaling == nil || *pl.EnableAutoScaling || pl.ScaleDownMode != "Delete" {
			t.Errorf("%s: enableAutoScaling %v scaleDownMode %q, want false and Delete", what, pl.EnableAutoScaling, pl.ScaleDownMode)
		}
	}
}

// The members only some api-versions have, through the HTTPS API (issue 17,
// point 6). supportPlan came with 2023-05-01: from there on a cluster
// created without it shows AKS's default KubernetesOfficial (the swagger of
// 2023-05-01, the Go SDK's KubernetesSupportPlan), and az 2.45's 2022-11-01
// shows none. networkProfile.dockerBridgeCidr went with 2023-04-01
// (Azure/AKS#3534, "Starting from April 2023 with the release of the
// 2023-04-01 AKS API version, the Docker Bridge CIDR field functionality
// will be removed"): 2022-11-01 shows it, 172.17.0.1/16 (the swagger's
// default) or what the client sent, and later api-versions do not. GET,
// LIST and the PUT's answer alike.
func TestCluster_VersionedFields(t *testing.T) {
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 1))
	id := h.RGID(n.rg) + "/providers/Microsoft.ContainerService/managedClusters/c"
	type shape struct {
		Properties struct {
			SupportPlan    *string
			NetworkProfile map[string]any
		}
	}
	check := func(what string, raw []byte, plan, bridge string) {
		t.Helper()
		var got shape
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v (%s)", what, err, raw)
		}
		gotPlan := "<none>"
		if got.Properties.SupportPlan != nil {
			gotPlan = *got.Properties.SupportPlan
		}
		gotBridge, ok := got.Properties.NetworkProfile["dockerBridgeCidr"].(string)
		if !ok {
			gotBridge = "<none>"
		}
		if gotPlan != plan || gotBridge != bridge {
			t.Errorf("%s: supportPlan %s dockerBridgeCidr %s, want %s and %s", what, gotPlan, gotBridge, plan, bridge)
		}
	}
	for _, tc := range []struct{ version, plan, bridge string }{
		{"2022-11-01", "<none>", "172.17.0.1/16"},
		{"2023-03-02-preview", "<none>", "172.17.0.1/16"},
		{"2023-04-01", "<none>", "<none>"},
		{"2023-05-01", "KubernetesOfficial", "<none>"},
		{"2025-02-01", "KubernetesOfficial", "<none>"},
	} {
		r := h.Do(http.MethodGet, id+"?api-version="+tc.version, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET at %s: %d %s", tc.version, r.Status, r.Body)
		}
		check("GET at "+tc.version, r.Body, tc.plan, tc.bridge)
		r = h.Do(http.MethodGet, h.RGID(n.rg)+"/providers/Microsoft.ContainerService/managedClusters?api-version="+tc.version, nil)
		var list struct{ Value []json.RawMessage }
		r.Decode(t, &list)
		if len(list.Value) != 1 {
			t.Fatalf("LIST at %s: %d clusters", tc.version, len(list.Value))
		}
		check("LIST at "+tc.version, list.Value[0], tc.plan, tc.bridge)
	}

	// A client of 2022-11-01 that sends a dockerBridgeCidr reads it back
	// there, in the PUT's answer and the GET, and not at 2025-02-01.
	raw := h.Do(http.MethodGet, id+"?api-version=2022-11-01", nil).Body
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["properties"].(map[string]any)["networkProfile"].(map[string]any)["dockerBridgeCidr"] = "172.18.0.1/16"
	r := h.Do(http.MethodPut, id+"?api-version=2022-11-01", doc)
	if r.Status != http.StatusOK {
		t.Fatalf("PUT at 2022-11-01: %d %s", r.Status, r.Body)
	}
	check("PUT answer at 2022-11-01", r.Body, "<none>", "172.18.0.1/16")
	armtest.Eventually(t, 10*time.Second, func() string {
		var st struct {
			Properties struct{ ProvisioningState string }
		}
		_ = json.Unmarshal(h.Do(http.MethodGet, id+"?api-version=2025-02-01", nil).Body, &st)
		if st.Properties.ProvisioningState != "Succeeded" {
			return "provisioningState " + st.Properties.ProvisioningState
		}
		return ""
	})
	check("GET at 2022-11-01 after the PUT", h.Do(http.MethodGet, id+"?api-version=2022-11-01", nil).Body, "<none>", "172.18.0.1/16")
	check("GET at 2025-02-01 after the PUT", h.Do(http.MethodGet, id+"?api-version=2025-02-01", nil).Body, "KubernetesOfficial", "<none>")
}

// Ids AKS generates into a cluster keep AKS's casing (issue 17, point 6):
// identityProfile.kubeletidentity.resourceId names the node resource
// group's kubelet identity with the resourceGroups segment in lower case
// ("/subscriptions/…/resourcegroups/MC_…/providers/Microsoft.ManagedIdentity/
// userAssignedIdentities/<cluster>-agentpool", as public az aks create and
// az aks show outputs print it), while effectiveOutboundIPs keep
// resourceGroups, as the same outputs do.
func TestCluster_GeneratedIDCasing(t *testing.T) {
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	mc := h.mustPutCluster(n.rg, "casing", kubenetCluster(n.subnetID, n.identityID, 1))
	p := mc.Properties
	kid := p.IdentityProfile["kubeletidentity"]
	want := "/subscriptions/" + h.Env.Creds.SubscriptionID + "/resourcegroups/" + *p.NodeResourceGroup +
		"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/casing-agentpool"
	if kid == nil || str(kid.ResourceID) != want {
		t.Errorf("kubeletidentity %+v, want resourceId %s", kid, want)
	}
	if kid != nil && !h.Exists(str(kid.ResourceID)) {
		t.Errorf("the kubelet identity %s does not resolve", str(kid.ResourceID))
	}
	ips := p.NetworkProfile.LoadBalancerProfile.EffectiveOutboundIPs
	if len(ips) != 1 || !strings.Contains(str(ips[0].ID), "/resourceGroups/"+*p.NodeResourceGroup+"/") {
		t.Errorf("effectiveOutboundIPs %v, want one id with resourceGroups", ips)
	}
}
