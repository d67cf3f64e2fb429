package containerservice_test

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/provider/containerservice"
	"go.yaml.in/yaml/v2"
)

// stopCluster runs az aks stop's call (ManagedClustersClient.BeginStop)
// and its poller to the end.
func (h *harness) stopCluster(rg, name string) error {
	p, err := h.AKS.BeginStop(h.Ctx, rg, name, nil)
	_, err = armtest.LRO(h.Ctx, p, err)
	return err
}

// startCluster is az aks start's call (BeginStart) and its poller.
func (h *harness) startCluster(rg, name string) error {
	p, err := h.AKS.BeginStart(h.Ctx, rg, name, nil)
	_, err = armtest.LRO(h.Ctx, p, err)
	return err
}

// powerOf reads the cluster's powerState and each agent pool's, through
// the cluster and through the agentPools resources.
func (h *harness) powerOf(rg, name string) (cluster string, pools []string) {
	h.T.Helper()
	mc := h.cluster(rg, name)
	if mc.Properties.PowerState != nil {
		cluster = string(*mc.Properties.PowerState.Code)
	}
	for _, ap := range mc.Properties.AgentPoolProfiles {
		pools = append(pools, "profile "+*ap.Name+"="+string(*ap.PowerState.Code))
		res, err := h.Pools.Get(h.Ctx, rg, name, *ap.Name, nil)
		if err != nil {
			h.T.Fatalf("get agent pool %s: %v", *ap.Name, err)
		}
		pools = append(pools, "agentPool "+*ap.Name+"="+string(*res.Properties.PowerState.Code))
	}
	return cluster, pools
}

func wantPower(t *testing.T, h *harness, rg, name, want string) {
	t.Helper()
	got, pools := h.powerOf(rg, name)
	if got != want {
		t.Errorf("cluster powerState %q, want %q", got, want)
	}
	for _, p := range pools {
		if !strings.HasSuffix(p, "="+want) {
			t.Errorf("%s, want %s", p, want)
		}
	}
}

// apiServer is the server of the cluster's user kubeconfig (host:port).
func (h *harness) apiServer(rg, name string) string {
	h.T.Helper()
	r := h.credential(rg, name, "listClusterUserCredential")
	if r.Status != http.StatusOK {
		h.T.Fatalf("credentials of %s: %d %s", name, r.Status, r.Body)
	}
	var res struct {
		Kubeconfigs []struct{ Name, Value string } `json:"kubeconfigs"`
	}
	r.Decode(h.T, &res)
	raw, err := base64.StdEncoding.DecodeString(res.Kubeconfigs[0].Value)
	if err != nil {
		h.T.Fatal(err)
	}
	var kc kubeconfigDoc
	if err := yaml.Unmarshal(raw, &kc); err != nil {
		h.T.Fatal(err)
	}
	return strings.TrimPrefix(kc.Clusters[0].Cluster["server"], "https://")
}

// dials reports whether the cluster's API port accepts a connection.
func dials(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// TestStopStart drives az aks stop and az aks start through the Go SDK's
// pollers (ManagedClusters_Stop / ManagedClusters_Start: POST, 202 with a
// Location to poll, azure-rest-api-specs examples ManagedClustersStop.json
// and ManagedClustersStart.json; FinalStateVia Location in
// armcontainerservice). AKS's start-stop article
// (learn.microsoft.com/azure/aks/start-stop-cluster): stopping stops the
// control plane and the agent nodes and keeps the cluster's objects;
// powerState.code is Stopped on the cluster and on every agent pool.
func TestStopStart(t *testing.T) {
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	h.mustPutCluster(rg, "c1", kubenetCluster(n.subnetID, n.identityID, 3))
	if _, err := h.putPool(rg, "c1", "user1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](1), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser)}}); err != nil {
		t.Fatal(err)
	}
	wantPower(t, h, rg, "c1", "Running")
	addr := h.apiServer(rg, "c1")
	if !dials(addr) {
		t.Fatalf("the running cluster's API port %s refuses connections", addr)
	}
	before := h.layoutOf(rg, "c1")

	// The raw answer: 202 with the operation's URLs, as AKS's example.
	r := h.Do(http.MethodPost, h.RGID(rg)+"/providers/Microsoft.ContainerService/managedClusters/c1/stop?api-version=2024-05-01", nil)
	if r.Status != http.StatusAccepted || r.Header.Get("Location") == "" || r.Header.Get("Azure-AsyncOperation") == "" {
		t.Fatalf("stop: %d, Location %q, Azure-AsyncOperation %q, want 202 and both", r.Status, r.Header.Get("Location"), r.Header.Get("Azure-AsyncOperation"))
	}
	loc := r.Header.Get("Location")
	res := h.Do(http.MethodGet, loc[strings.Index(loc, "/subscriptions/"):], nil)
	if res.Status != http.StatusNoContent {
		t.Errorf("the stop's operation result: %d %s, want 204 (the action has no body)", res.Status, res.Body)
	}
	wantPower(t, h, rg, "c1", "Stopped")
	if mc := h.cluster(rg, "c1"); str(mc.Properties.ProvisioningState) != "Succeeded" {
		t.Errorf("provisioningState %q after stop, want Succeeded", str(mc.Properties.ProvisioningState))
	}
	// The control plane's port is closed: a client is refused at once.
	if dials(addr) {
		t.Error("the stopped cluster's API port accepts connections")
	}
	// Credentials of a stopped cluster: the same kubeconfig, and the port
	// stays closed (kubectl cannot reach a stopped cluster).
	if got := h.apiServer(rg, "c1"); got != addr {
		t.Errorf("stopped cluster's kubeconfig names %s, want %s", got, addr)
	}
	if dials(addr) {
		t.Error("a credentials request opened the stopped cluster's port")
	}
	// The nodes keep their NICs, addresses and routes, as a stopped AKS
	// cluster's deallocated instances do.
	stopped := h.layoutOf(rg, "c1")
	if a, b := nodesOf(before), nodesOf(stopped); a != b {
		t.Errorf("nodes changed by stop:\n%s\nwant\n%s", b, a)
	}
	stopped.check(t, 4)

	// Its nodes are deallocated, so there is no path to trace.
	between := containerservice.TraceRequest{From: stopped.Nodes[0].Name, To: stopped.Nodes[1].IP, Port: 10250}
	if st, _, e := h.traceCall(rg, "c1", between); st != http.StatusConflict || e.Code != "OperationNotAllowed" || !strings.Contains(e.Message, "stopped") {
		t.Errorf("trace on a stopped cluster: %d %+v, want 409 OperationNotAllowed naming the stop", st, e)
	}

	// No route controller runs on a stopped cluster: a deleted managed
	// route stays deleted until start puts it back.
	var victim string
	for name := range stopped.managedRoutes() {
		victim = name
		break
	}
	rtp := parseID(t, stopped.RouteID)
	dp, err := h.Net.NewRoutesClient().BeginDelete(h.Ctx, rtp.rg, rtp.names[0], victim, nil)
	if err := armtest.DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // a few controller passes
	if _, ok := h.routes(stopped.RouteID)[victim]; ok {
		t.Errorf("route %s came back while the cluster is stopped", victim)
	}

	if err := h.startCluster(rg, "c1"); err != nil {
		t.Fatal(err)
	}
	wantPower(t, h, rg, "c1", "Running")
	armtest.Eventually(t, 5*time.Second, func() string {
		if _, ok := h.routes(stopped.RouteID)[victim]; !ok {
			return "route " + victim + " not restored after start"
		}
		return ""
	})
	if !dials(addr) {
		t.Error("the started cluster's API port refuses connections")
	}
	h.mustTrace(rg, "c1", between)
	if a, b := nodesOf(before), nodesOf(h.layoutOf(rg, "c1")); a != b {
		t.Errorf("nodes changed by stop and start:\n%s\nwant\n%s", b, a)
	}

	// Through the SDK's pollers, to the end, twice.
	for range 2 {
		if err := h.stopCluster(rg, "c1"); err != nil {
			t.Fatalf("BeginStop: %v", err)
		}
		wantPower(t, h, rg, "c1", "Stopped")
		if err := h.startCluster(rg, "c1"); err != nil {
			t.Fatalf("BeginStart: %v", err)
		}
		wantPower(t, h, rg, "c1", "Running")
	}
	// A stopped cluster can be deleted.
	if err := h.stopCluster(rg, "c1"); err != nil {
		t.Fatal(err)
	}
	h.deleteCluster(rg, "c1")
	if h.Exists(h.RGID(rg) + "/providers/Microsoft.ContainerService/managedClusters/c1") {
		t.Error("the stopped cluster is still there after delete")
	}
}

// nodesOf lists a layout's nodes, their addresses, pod CIDRs and NICs.
func nodesOf(l layout) string {
	b, _ := json.Marshal(l.Nodes)
	return string(b)
}

// TestStopStartBadInput checks what AKS refuses around stop and start,
// with its codes and messages (Microsoft's troubleshooting article
// "Cluster pending operation (OperationNotAllowed) errors": a second stop
// answers "managed cluster is not currently running, stopping cannot be
// performed"; a start while not stopped "managed cluster is in
// Provisioning State(…) and Power State(…), starting cannot be
// performed"), that a stopped cluster takes no scale or agent pool change
// (AKS's start-stop article: start it first), that a Reader lacks the
// actions, and that nothing changes when a request is refused.
func TestStopStartBadInput(t *testing.T) {
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	h.mustPutCluster(rg, "c1", kubenetCluster(n.subnetID, n.identityID, 2))
	clusterID := h.RGID(rg) + "/providers/Microsoft.ContainerService/managedClusters/c1"

	// Start on a running cluster.
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed",
		Mentions: []string{"Provisioning State(Succeeded)", "Power State(Running)", "starting cannot be performed"}}.CheckSDK(t, h.startCluster(rg, "c1"))
	wantPower(t, h, rg, "c1", "Running")

	// A missing cluster.
	armtest.WantError{Status: http.StatusNotFound, Code: "ResourceNotFound", Mentions: []string{"nope"}}.CheckSDK(t, h.stopCluster(rg, "nope"))
	armtest.WantError{Status: http.StatusNotFound, Code: "ResourceNotFound", Mentions: []string{"nope"}}.CheckSDK(t, h.startCluster(rg, "nope"))
	armtest.WantError{Status: http.StatusNotFound, Code: "ResourceGroupNotFound"}.CheckSDK(t, h.stopCluster(rg+"-none", "c1"))

	// A Reader may read the cluster but not stop or start it.
	reader, _ := h.reader(rg)
	armtest.Eventually(t, 10*time.Second, func() string {
		if reader.clusterStatus(rg, "c1") != http.StatusOK {
			return "the Reader cannot read the cluster yet"
		}
		return ""
	})
	for _, action := range []string{"stop", "start"} {
		r := reader.Do(http.MethodPost, clusterID+"/"+action+"?api-version=2024-05-01", nil)
		armtest.WantError{Status: http.StatusForbidden, Code: "AuthorizationFailed",
			Mentions: []string{armtest.Fold("Microsoft.ContainerService/managedClusters/" + action + "/action")}}.Check(t, r.APIErr(t))
	}
	wantPower(t, h, rg, "c1", "Running")

	if _, err := h.putPool(rg, "c1", "userpool", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](1), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser)}}); err != nil {
		t.Fatal(err)
	}
	if err := h.stopCluster(rg, "c1"); err != nil {
		t.Fatal(err)
	}
	snap := h.Snapshot(clusterID, clusterID+"/agentPools/nodepool1", clusterID+"/agentPools/userpool")

	// Stop twice.
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed",
		Mentions: []string{"not currently running", "stopping cannot be performed"}}.CheckSDK(t, h.stopCluster(rg, "c1"))
	// Scale, through the cluster and through the agent pool.
	_, err := h.scaleCluster(rg, "c1", 3)
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed", Mentions: []string{"Power State(Stopped)", "scaling"}}.CheckSDK(t, err)
	_, err = h.putPool(rg, "c1", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](1), Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem)}})
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed", Mentions: []string{"Power State(Stopped)", "scaling"}}.CheckSDK(t, err)
	// Add a pool.
	_, err = h.putPool(rg, "c1", "user1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](1), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser)}})
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed", Mentions: []string{"Power State(Stopped)", "user1"}}.CheckSDK(t, err)
	// Delete a pool (a second one exists: the refusal is the stop's, not
	// the last System pool's).
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed", Mentions: []string{"Power State(Stopped)", "userpool"}}.CheckSDK(t,
		h.deletePool(rg, "c1", "userpool"))
	h.Unchanged(snap)
	if h.Exists(clusterID + "/agentPools/user1") {
		t.Error("a pool was added to the stopped cluster")
	}
	if l := h.layoutOf(rg, "c1"); len(l.Nodes) != 3 {
		t.Errorf("%d nodes after the refused changes, want 3", len(l.Nodes))
	}
	// aksnet's workload kinds stand for Kubernetes objects, which a stopped
	// cluster's unreachable API cannot take.
	for _, kind := range []string{"pods", "services"} {
		r := h.Do(http.MethodPut, clusterID+"/"+kind+"/web?api-version=2024-05-01",
			map[string]any{"properties": map[string]any{"selector": "web", "port": 80}})
		armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed", Mentions: []string{"Power State(Stopped)", "web"}}.Check(t, r.APIErr(t))
		if h.Exists(clusterID + "/" + kind + "/web") {
			t.Errorf("%s/web was created on the stopped cluster", kind)
		}
	}
	// A tags-only change is no scale: it goes through.
	mc := h.cluster(rg, "c1")
	mc.Tags = map[string]*string{"env": to.Ptr("dev")}
	if _, err := h.putCluster(rg, "c1", mc); err != nil {
		t.Errorf("a tags-only PUT on a stopped cluster: %v", err)
	}
	wantPower(t, h, rg, "c1", "Stopped")
	if mc := h.cluster(rg, "c1"); str(mc.Properties.ProvisioningState) != "Succeeded" || str(mc.Tags["env"]) != "dev" {
		t.Errorf("after the tags change: provisioningState %q, tags %v", str(mc.Properties.ProvisioningState), mc.Tags)
	}
	if err := h.startCluster(rg, "c1"); err != nil {
		t.Fatal(err)
	}
	wantPower(t, h, rg, "c1", "Running")
}

// TestStopStartDuringAnOperation: while the cluster's create is in flight
// (held by the plane's provisioning delay), stop and start are
// refused with AKS's message naming the provisioning state (Microsoft's
// "Cluster pending operation (OperationNotAllowed) errors": "managed
// cluster is in Provisioning State(Updating) and Power State(Running),
// starting cannot be performed").
func TestStopStartDuringAnOperation(t *testing.T) {
	h := slowHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	poller, err := h.AKS.BeginCreateOrUpdate(h.Ctx, rg, "c1", kubenetCluster(n.subnetID, n.identityID, 1), nil)
	if err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if got := str(h.cluster(rg, "c1").Properties.ProvisioningState); got != "Creating" {
		t.Fatalf("provisioningState %q, want Creating for the provisioning delay", got)
	}
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed",
		Mentions: []string{"Provisioning State(Creating)", "Power State(Running)", "stopping cannot be performed"}}.CheckSDK(t, h.stopCluster(rg, "c1"))
	armtest.WantError{Status: http.StatusConflict, Code: "OperationNotAllowed",
		Mentions: []string{"Provisioning State(Creating)", "Power State(Running)", "starting cannot be performed"}}.CheckSDK(t, h.startCluster(rg, "c1"))
	// The create is undisturbed: it finishes, and the cluster stops.
	if _, err := armtest.PollDone(h.Ctx, poller); err != nil {
		t.Fatal(err)
	}
	wantPower(t, h, rg, "c1", "Running")
	if err := h.stopCluster(rg, "c1"); err != nil {
		t.Fatal(err)
	}
	wantPower(t, h, rg, "c1", "Stopped")
}
