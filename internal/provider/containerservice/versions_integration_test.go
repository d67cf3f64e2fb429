package containerservice_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// orchestrators is ContainerServices_ListOrchestrators's answer
// (azure-rest-api-specs Microsoft.ContainerService stable/2019-08-01,
// examples/ContainerServiceListOrchestrators.json).
type orchestrators struct {
	ID, Name, Type string
	Properties     struct {
		Orchestrators []struct {
			OrchestratorType, OrchestratorVersion string
			Default                               *bool
			IsPreview                             *bool
			Upgrades                              []map[string]any
		}
	}
}

// listOrchestrators sends what az 2.45's aks get-versions sends
// (azure-mgmt-containerservice v2017_07_01 list_orchestrators: api-version
// 2019-04-01, resource-type=managedClusters) through the Go SDK's ARM
// pipeline, which no longer has the operation: bearer token, request id,
// error handling as for any SDK call.
func listOrchestrators(h *harness, location string) (orchestrators, error) {
	h.T.Helper()
	client, err := azarm.NewClient("aksnet.test", "v0.0.1", h.Cred, h.Env.ClientOptions())
	if err != nil {
		h.T.Fatal(err)
	}
	req, err := runtime.NewRequest(h.Ctx, http.MethodGet, runtime.JoinPaths(h.Env.URL,
		"/subscriptions/"+url.PathEscape(h.Sub)+"/providers/Microsoft.ContainerService/locations/"+url.PathEscape(location)+"/orchestrators"))
	if err != nil {
		h.T.Fatal(err)
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", "2019-04-01")
	q.Set("resource-type", "managedClusters")
	req.Raw().URL.RawQuery = q.Encode()
	resp, err := client.Pipeline().Do(req)
	if err != nil {
		return orchestrators{}, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return orchestrators{}, runtime.NewResponseError(resp)
	}
	var o orchestrators
	return o, runtime.UnmarshalAsJSON(resp, &o)
}

// TestGetVersionsListsTheServedVersion: both reads az aks get-versions
// uses list exactly the version aksnet-kube serves (kubesup.Version, which
// matches kube/go.mod), as the region's default, with no upgrade.
func TestGetVersionsListsTheServedVersion(t *testing.T) {
	h := newHarness(t)

	o, err := listOrchestrators(h, "eastus")
	if err != nil {
		t.Fatalf("list orchestrators: %v", err)
	}
	if want := "/subscriptions/" + h.Sub + "/providers/Microsoft.ContainerService/locations/eastus/orchestrators"; o.ID != want ||
		o.Name != "default" || o.Type != "Microsoft.ContainerService/locations/orchestrators" {
		t.Errorf("orchestrators id %q name %q type %q, want %q default Microsoft.ContainerService/locations/orchestrators", o.ID, o.Name, o.Type, want)
	}
	if len(o.Properties.Orchestrators) != 1 {
		t.Fatalf("orchestrators %+v, want the one served version", o.Properties.Orchestrators)
	}
	v := o.Properties.Orchestrators[0]
	if v.OrchestratorType != "Kubernetes" || v.OrchestratorVersion != kubesup.Version || v.Default == nil || !*v.Default || v.IsPreview != nil || v.Upgrades != nil {
		t.Errorf("orchestrator %+v, want Kubernetes %s, default, not preview, no upgrades", v, kubesup.Version)
	}
	// A display name is a location too; the id names it in ARM's form.
	if o, err := listOrchestrators(h, "East US"); err != nil || !strings.HasSuffix(o.ID, "/locations/eastus/orchestrators") {
		t.Errorf("list orchestrators in 'East US': %v, id %q", err, o.ID)
	}

	res, err := h.AKS.ListKubernetesVersions(h.Ctx, "westeurope", nil)
	if err != nil {
		t.Fatalf("list Kubernetes versions: %v", err)
	}
	if len(res.Values) != 1 {
		t.Fatalf("kubernetesVersions has %d values, want the one served minor", len(res.Values))
	}
	kv := res.Values[0]
	if str(kv.Version) != kubesup.MinorVersion() || kv.IsDefault == nil || !*kv.IsDefault || kv.IsPreview != nil {
		t.Errorf("version %q isDefault %v isPreview %v, want %s, default, not preview", str(kv.Version), kv.IsDefault, kv.IsPreview, kubesup.MinorVersion())
	}
	if len(kv.PatchVersions) != 1 || kv.PatchVersions[kubesup.Version] == nil || len(kv.PatchVersions[kubesup.Version].Upgrades) != 0 {
		t.Errorf("patchVersions %v, want only %s with no upgrades", kv.PatchVersions, kubesup.Version)
	}
	if kv.Capabilities == nil || len(kv.Capabilities.SupportPlan) == 0 {
		t.Errorf("capabilities %+v, want a support plan", kv.Capabilities)
	}
}

// TestGetVersionsBadInput: an unknown region is ARM's 400
// NoRegisteredProviderFound naming it (Azure/azure-cli#10100), a missing
// subscription 404 SubscriptionNotFound, a principal with no role 403 on
// the read action (a Reader holds */read and may list), and a write 405.
func TestGetVersionsBadInput(t *testing.T) {
	h := newHarness(t)

	_, err := listOrchestrators(h, "atlantis")
	want{Status: http.StatusBadRequest, Code: "NoRegisteredProviderFound", Target: "location", Mentions: []string{"atlantis", "locations/orchestrators", "eastus"}}.CheckSDK(t, err)
	_, err = h.AKS.ListKubernetesVersions(h.Ctx, "atlantis", nil)
	want{Status: http.StatusBadRequest, Code: "NoRegisteredProviderFound", Target: "location", Mentions: []string{"atlantis", "locations/kubernetesVersions"}}.CheckSDK(t, err)

	missing := "00000000-0000-0000-0000-00000000dead"
	r := h.Do(http.MethodGet, "/subscriptions/"+missing+"/providers/Microsoft.ContainerService/locations/eastus/kubernetesVersions?api-version=2025-02-01", nil)
	armtest.WantError{Status: http.StatusNotFound, Code: "SubscriptionNotFound", Mentions: []string{missing}}.Check(t, r.APIErr(t))

	r = h.Do(http.MethodPut, "/subscriptions/"+h.Sub+"/providers/Microsoft.ContainerService/locations/eastus/orchestrators?api-version=2019-04-01", "{}")
	if r.Status != http.StatusMethodNotAllowed {
		t.Errorf("PUT orchestrators: %d %s, want 405", r.Status, r.Body)
	}

	// A principal with no role is refused; once it is a Reader on the
	// subscription, it may list.
	spID, cred := newPrincipal(h, "versions-"+strings.ToLower(armtest.RGName(t)))
	nobody := &harness{h.As(cred)}
	_, err = nobody.AKS.ListKubernetesVersions(h.Ctx, "eastus", nil)
	want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{armtest.Fold("Microsoft.ContainerService/locations/kubernetesVersions/read")}}.CheckSDK(t, err)
	_, err = listOrchestrators(nobody, "eastus")
	want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{armtest.Fold("Microsoft.ContainerService/locations/orchestrators/read")}}.CheckSDK(t, err)
	h.Grant("/subscriptions/"+h.Sub, spID, readerRole)
	armtest.Eventually(t, 10*time.Second, func() string {
		if _, err := nobody.AKS.ListKubernetesVersions(h.Ctx, "eastus", nil); err != nil {
			return "a Reader cannot list Kubernetes versions: " + err.Error()
		}
		if _, err := listOrchestrators(nobody, "eastus"); err != nil {
			return "a Reader cannot list orchestrators: " + err.Error()
		}
		return ""
	})
}

// newPrincipal creates an application and its service principal with a
// password, and returns the principal's object id and a credential for it.
func newPrincipal(h *harness, name string) (string, azcore.TokenCredential) {
	h.T.Helper()
	var a struct{ ID, AppID string }
	h.Do(http.MethodPost, "/v1.0/applications", map[string]string{"displayName": name}).Decode(h.T, &a)
	var sp struct{ ID string }
	h.Do(http.MethodPost, "/v1.0/servicePrincipals", map[string]string{"appId": a.AppID}).Decode(h.T, &sp)
	var secret struct{ SecretText string }
	h.Do(http.MethodPost, "/v1.0/applications/"+a.ID+"/addPassword", map[string]any{"passwordCredential": map[string]string{"displayName": "t"}}).Decode(h.T, &secret)
	if a.AppID == "" || sp.ID == "" || secret.SecretText == "" {
		h.T.Fatalf("service principal %s not created", name)
	}
	return sp.ID, h.Env.CredentialFor(h.T, a.AppID, secret.SecretText)
}

// TestClusterVersions: a cluster gets the served version by default and
// accepts it in full or as its <major.minor> alias — kubernetesVersion
// keeps what was asked, currentKubernetesVersion is the full served
// version, as the spec describes (managedClusters.json 2024-05-01:
// "When <major.minor> is specified, the latest supported GA patch version
// is chosen automatically"; currentKubernetesVersion "will contain the
// full <major.minor.patch> version being used"). Any other version is
// AKS's 400, for the cluster (K8sVersionNotSupported) and for an agent
// pool, in the cluster or on its own (AgentPoolK8sVersionNotSupported,
// Azure/application-gateway-kubernetes-ingress#783), and nothing is
// created.
func TestClusterVersions(t *testing.T) {
	h, rg := newHarnessRG(t)
	n := h.articleNetwork(rg)

	mc := h.mustPutCluster(rg, "dflt", kubenetCluster(n.subnetID, n.identityID, 1))
	checkVersions(t, mc, kubesup.Version, kubesup.Version)

	// kubenet clusters can't share a subnet.
	s2 := h.mustPutSubnet(rg, "myAKSVnet", "s2", "192.168.2.0/24", "")
	alias := kubenetCluster(*s2.ID, n.identityID, 1)
	alias.Properties.KubernetesVersion = to.Ptr(kubesup.MinorVersion())
	mc = h.mustPutCluster(rg, "alias", alias)
	checkVersions(t, mc, kubesup.MinorVersion(), kubesup.MinorVersion())
	// Sending the document back unchanged (az aks update) is no upgrade.
	mc = h.mustPutCluster(rg, "alias", alias)
	checkVersions(t, mc, kubesup.MinorVersion(), kubesup.MinorVersion())

	old := kubenetCluster(n.subnetID, n.identityID, 1)
	old.Properties.KubernetesVersion = to.Ptr("1.20.7")
	_, err := h.putCluster(rg, "old", old)
	want{Status: http.StatusBadRequest, Code: "K8sVersionNotSupported", Target: "properties.kubernetesVersion", Mentions: []string{"1.20.7", "az aks get-versions"}}.CheckSDK(t, err)
	if s := h.clusterStatus(rg, "old"); s != http.StatusNotFound {
		t.Errorf("the refused cluster answers %d, want 404", s)
	}

	oldPool := kubenetCluster(n.subnetID, n.identityID, 1)
	oldPool.Properties.AgentPoolProfiles[0].OrchestratorVersion = to.Ptr("1.36.9")
	_, err = h.putCluster(rg, "oldpool", oldPool)
	want{Status: http.StatusBadRequest, Code: "AgentPoolK8sVersionNotSupported", Target: "properties.agentPoolProfiles[0].orchestratorVersion", Mentions: []string{"1.36.9"}}.CheckSDK(t, err)
	if s := h.clusterStatus(rg, "oldpool"); s != http.StatusNotFound {
		t.Errorf("the refused cluster answers %d, want 404", s)
	}

	pool := func(v string) armcontainerservice.AgentPool {
		return armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](1), VMSize: to.Ptr("Standard_DS2_v2"), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser),
			OSType: to.Ptr(armcontainerservice.OSTypeLinux), VnetSubnetID: to.Ptr(n.subnetID), OrchestratorVersion: to.Ptr(v)}}
	}
	_, err = h.putPool(rg, "dflt", "np2", pool("v"+kubesup.Version))
	want{Status: http.StatusBadRequest, Code: "AgentPoolK8sVersionNotSupported", Target: "properties.orchestratorVersion", Mentions: []string{"v" + kubesup.Version}}.CheckSDK(t, err)
	if _, err := h.Pools.Get(h.Ctx, rg, "dflt", "np2", nil); !isNotFound(err) {
		t.Errorf("the refused pool: %v, want 404", err)
	}
	ap, err := h.putPool(rg, "dflt", "np2", pool(kubesup.MinorVersion()))
	if err != nil {
		t.Fatalf("add a pool at %s: %v", kubesup.MinorVersion(), err)
	}
	if got, cur := str(ap.Properties.OrchestratorVersion), str(ap.Properties.CurrentOrchestratorVersion); got != kubesup.MinorVersion() || cur != kubesup.Version {
		t.Errorf("pool orchestratorVersion %q current %q, want %s and %s", got, cur, kubesup.MinorVersion(), kubesup.Version)
	}
}

// checkVersions checks a cluster's and its pools' versions: asked is
// kubernetesVersion, pool the pools' orchestratorVersion; the current
// ones are always the served version.
func checkVersions(t *testing.T, mc armcontainerservice.ManagedCluster, asked, pool string) {
	t.Helper()
	p := mc.Properties
	if str(p.KubernetesVersion) != asked || str(p.CurrentKubernetesVersion) != kubesup.Version {
		t.Errorf("%s: kubernetesVersion %q currentKubernetesVersion %q, want %s and %s", str(mc.Name), str(p.KubernetesVersion), str(p.CurrentKubernetesVersion), asked, kubesup.Version)
	}
	for _, ap := range p.AgentPoolProfiles {
		if str(ap.OrchestratorVersion) != pool || str(ap.CurrentOrchestratorVersion) != kubesup.Version {
			t.Errorf("%s/%s: orchestratorVersion %q current %q, want %s and %s", str(mc.Name), str(ap.Name), str(ap.OrchestratorVersion), str(ap.CurrentOrchestratorVersion), pool, kubesup.Version)
		}
	}
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// TestClusterVersionsBeforeABump: a cluster stored with a version aksnet
// no longer serves (made before kubesup.Version changed) can still be
// updated with that version unchanged — az aks update sends it back, and
// that is no upgrade — and its currentKubernetesVersion then says what is
// served; changing it to another unserved version is refused.
func TestClusterVersionsBeforeABump(t *testing.T) {
	h, rg := newHarnessRG(t)
	n := h.articleNetwork(rg)
	mc := h.mustPutCluster(rg, "c1", kubenetCluster(n.subnetID, n.identityID, 1))
	const before = "1.32.7"
	if err := h.Env.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		var doc armcontainerservice.ManagedCluster
		if ok, err := c.Load(*mc.ID, &doc); err != nil || !ok {
			return fmt.Errorf("load %s: %v %v", *mc.ID, ok, err)
		}
		doc.Properties.KubernetesVersion, doc.Properties.CurrentKubernetesVersion = to.Ptr(before), to.Ptr(before)
		for _, ap := range doc.Properties.AgentPoolProfiles {
			ap.OrchestratorVersion, ap.CurrentOrchestratorVersion = to.Ptr(before), to.Ptr(before)
		}
		return c.Save(*mc.ID, doc)
	}); err != nil {
		t.Fatal(err)
	}
	stored := h.cluster(rg, "c1")
	if str(stored.Properties.KubernetesVersion) != before {
		t.Fatalf("the stored cluster says %q, want %s", str(stored.Properties.KubernetesVersion), before)
	}
	stored.Properties.AgentPoolProfiles[0].Count = to.Ptr[int32](2)
	mc, err := h.putCluster(rg, "c1", stored)
	if err != nil {
		t.Fatalf("update at the stored version %s: %v", before, err)
	}
	checkVersions(t, mc, before, before)

	mc.Properties.KubernetesVersion = to.Ptr("1.33.0")
	_, err = h.putCluster(rg, "c1", mc)
	want{Status: http.StatusBadRequest, Code: "K8sVersionNotSupported", Target: "properties.kubernetesVersion", Mentions: []string{"1.33.0", "c1"}}.CheckSDK(t, err)
	if got := str(h.cluster(rg, "c1").Properties.KubernetesVersion); got != before {
		t.Errorf("after the refused change the cluster says %q, want %s", got, before)
	}
}

// A cluster stored by an aksnet that served another Kubernetes version
// shows what aksnet-kube serves now from the first read after the upgrade,
// not from its next change.
func TestCurrentVersionAfterAnUpgradeOfAksnet(t *testing.T) {
	dir := t.TempDir()
	e := armtest.Start(t, armtest.Options{StateDir: dir})
	h := harnessOn(t, e)
	n := h.articleNetwork(armtest.RGName(t))
	mc := h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 1))
	// What an earlier aksnet stored: its served version, on the cluster and its pool.
	old := strings.ReplaceAll(string(h.Get(*mc.ID)), `"`+kubesup.Version+`"`, `"1.32.7"`)
	h.Damage(arm.KeyOf(*mc.ID), []byte(old))
	if got := str(h.cluster(n.rg, "c").Properties.CurrentKubernetesVersion); got != "1.32.7" {
		t.Fatalf("the stored document says %q", got)
	}
	armtest.StopQuickly(e)
	e = armtest.Start(t, armtest.Options{StateDir: dir})
	h = harnessOn(t, e)
	got := h.cluster(n.rg, "c")
	if v := str(got.Properties.CurrentKubernetesVersion); v != kubesup.Version {
		t.Errorf("currentKubernetesVersion %q after the restart, want %q", v, kubesup.Version)
	}
	if v := str(got.Properties.AgentPoolProfiles[0].CurrentOrchestratorVersion); v != kubesup.Version {
		t.Errorf("the pool's currentOrchestratorVersion %q after the restart, want %q", v, kubesup.Version)
	}
}
