package containerservice_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/armtest"
)

// TestSkipPollingDelayOnlyWhenDone: go-azure-sdk (Terraform's azurerm)
// waits before its first poll unless the response carries
// X-Go-Azure-Sdk-Skip-Polling-Delay: true (hashicorp/go-azure-sdk
// sdk/client/client.go SkipPollingDelayHeader; pollers.Poller
// skipPollingDelay). aksnet sends it on every write whose work has ended —
// a synchronous PUT, an asynchronous PUT or DELETE finished inside the
// request, a DELETE of nothing — and never while an operation runs, so a
// poller never spins on work in flight (the poll that sees it end stops the
// poller, and needs no hint).
func TestSkipPollingDelayOnlyWhenDone(t *testing.T) {
	skip := func(r armtest.RawResp) bool { return r.Header.Get(arm.SkipPollingDelayHeader) == "true" }
	h, rg := newHarnessRG(t)
	rgID := h.RGID(rg)
	vnetID := rgID + "/providers/Microsoft.Network/virtualNetworks/vnet1"
	steps := []struct {
		what, method, path string
		body               any
		status             int
	}{
		{"group PUT (synchronous)", http.MethodPut, rgID + "?api-version=2022-09-01", map[string]any{"location": "eastus"}, http.StatusOK},
		{"VNet PUT (asynchronous, done inside the request)", http.MethodPut, vnetID + "?api-version=2025-01-01",
			map[string]any{"location": "eastus", "properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}}}}, http.StatusCreated},
		{"VNet DELETE", http.MethodDelete, vnetID + "?api-version=2025-01-01", nil, http.StatusAccepted},
		{"VNet DELETE of nothing", http.MethodDelete, vnetID + "?api-version=2025-01-01", nil, http.StatusNoContent},
	}
	for _, s := range steps {
		r := h.Do(s.method, s.path, s.body)
		if r.Status != s.status {
			t.Fatalf("%s: %d %s, want %d", s.what, r.Status, r.Body, s.status)
		}
		if !skip(r) {
			t.Errorf("%s: no %s: true (headers %v)", s.what, arm.SkipPollingDelayHeader, r.Header)
		}
	}

	// A cluster create held in flight: no hint until its operation ends.
	sh := slowHarness(t)
	srg := armtest.RGName(t, "slow")
	sh.MkRG(srg)
	subnets := sh.vnet(srg, "vnet", "192.168.0.0/16", "nodes=192.168.1.0/24")
	mc := sh.identityCluster(srg, subnets[""], subnets["nodes"], 1)
	clusterID := sh.RGID(srg) + "/providers/Microsoft.ContainerService/managedClusters/slow"
	r := sh.Do(http.MethodPut, clusterID+"?api-version=2025-10-01", mc)
	if r.Status != http.StatusCreated {
		t.Fatalf("cluster PUT: %d %s", r.Status, r.Body)
	}
	if skip(r) {
		t.Errorf("cluster PUT in flight carries %s", arm.SkipPollingDelayHeader)
	}
	op := r.Header.Get("Azure-AsyncOperation")
	path := op[len(sh.Env.URL):]
	deadline := time.Now().Add(slowProvisioning + 30*time.Second)
	running := 0
	for {
		p := sh.Do(http.MethodGet, path, nil)
		var st struct{ Status string }
		p.Decode(t, &st)
		if st.Status == "InProgress" {
			running++
			if skip(p) {
				t.Fatalf("poll of a running operation carries %s", arm.SkipPollingDelayHeader)
			}
		} else {
			if st.Status != "Succeeded" {
				t.Fatalf("operation ended %s: %s", st.Status, p.Body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the create did not end")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if running == 0 {
		t.Error("the create was never seen in flight")
	}
}
