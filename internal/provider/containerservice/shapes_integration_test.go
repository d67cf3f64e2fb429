package containerservice_test

import (
	"encoding/json"
	"testing"

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
// The v6 SDK model has no dockerBridgeCidr (gone from the newer
// api-versions), so none is filled.
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
