package armtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// TestLRO_NetworkPutsRunAsAzureAsyncOperations: the network RP's PUTs are
// long-running (azure-rest-api-specs, network/…/stable/2022-07-01/routeTable.json:
// RouteTables_CreateOrUpdate and Routes_CreateOrUpdate carry
// x-ms-long-running-operation with final-state-via azure-async-operation;
// virtualNetwork.json likewise for VirtualNetworks_ and Subnets_). Azure
// answers 201 on create and 200 on update with provisioningState Updating
// and an Azure-AsyncOperation URL under the resource's region
// (…/providers/Microsoft.Network/locations/{region}/operations/{id}) and no
// Location; the operation reports Succeeded and the resource's GET shows
// Succeeded. A child (subnet, route) polls in its parent's region.
func TestLRO_NetworkPutsRunAsAzureAsyncOperations(t *testing.T) {
	h, rg := parallelRG(t)
	const av = "?api-version=2022-07-01"
	rtPath := h.RGID(rg) + "/providers/Microsoft.Network/routeTables/rt1"
	vnetPath := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/v1"

	checkPut := func(what, path, body string, wantStatus int, region string) {
		t.Helper()
		r := h.Do(http.MethodPut, path+av, body)
		if r.Status != wantStatus {
			t.Fatalf("PUT %s: %d %s, want %d", what, r.Status, r.Body, wantStatus)
		}
		var doc struct {
			Properties struct {
				ProvisioningState string `json:"provisioningState"`
			} `json:"properties"`
		}
		r.Decode(t, &doc)
		if doc.Properties.ProvisioningState != "Updating" {
			t.Errorf("PUT %s: provisioningState %q, want Updating", what, doc.Properties.ProvisioningState)
		}
		if loc := r.Header.Get("Location"); loc != "" {
			t.Errorf("PUT %s: Location %q, want none (final-state-via azure-async-operation)", what, loc)
		}
		async := r.Header.Get("Azure-AsyncOperation")
		u, err := url.Parse(async)
		if err != nil || !u.IsAbs() || "https://"+u.Host != h.Env.URL || u.Query().Get("api-version") != "2022-07-01" {
			t.Fatalf("PUT %s: Azure-AsyncOperation %q is not an absolute URL on the server with the request's api-version", what, async)
		}
		wantPrefix := "/subscriptions/" + h.Sub + "/providers/Microsoft.Network/locations/" + region + "/operations/"
		if !strings.HasPrefix(u.Path, wantPrefix) {
			t.Errorf("PUT %s: operation path %s, want under %s", what, u.Path, wantPrefix)
		}
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("PUT %s: Retry-After %q, want at least 1 (azure-core's pollers)", what, r.Header.Get("Retry-After"))
		}
		op := h.Do(http.MethodGet, u.RequestURI(), nil)
		var st struct {
			Status string `json:"status"`
		}
		op.Decode(t, &st)
		if op.Status != http.StatusOK || st.Status != "Succeeded" {
			t.Errorf("PUT %s: operation %d %s, want 200 Succeeded", what, op.Status, op.Body)
		}
		g := h.Do(http.MethodGet, path+av, nil)
		g.Decode(t, &doc)
		if g.Status != http.StatusOK || doc.Properties.ProvisioningState != "Succeeded" {
			t.Errorf("GET %s after its operation: %d provisioningState %q, want 200 Succeeded", what, g.Status, doc.Properties.ProvisioningState)
		}
	}
	checkPut("route table", rtPath, `{"location":"westus2"}`, http.StatusCreated, "westus2")
	checkPut("route table again", rtPath, `{"location":"westus2","tags":{"a":"b"}}`, http.StatusOK, "westus2")
	checkPut("route", rtPath+"/routes/r1", `{"properties":{"addressPrefix":"10.1.0.0/16","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.0.4"}}`, http.StatusCreated, "westus2")
	checkPut("VNet", vnetPath, `{"location":"northeurope","properties":{"addressSpace":{"addressPrefixes":["10.60.0.0/16"]}}}`, http.StatusCreated, "northeurope")
	checkPut("subnet", vnetPath+"/subnets/s1", `{"properties":{"addressPrefix":"10.60.1.0/24"}}`, http.StatusCreated, "northeurope")
	checkPut("NSG", h.RGID(rg)+"/providers/Microsoft.Network/networkSecurityGroups/n1", `{"location":"eastus2"}`, http.StatusCreated, "eastus2")

	// A refused PUT is answered at once, with no operation.
	bad := h.Do(http.MethodPut, rtPath+"/routes/bad"+av, `{"properties":{"addressPrefix":"nope","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.0.4"}}`)
	if bad.Status != http.StatusBadRequest || bad.Header.Get("Azure-AsyncOperation") != "" {
		t.Errorf("bad route PUT: %d Azure-AsyncOperation %q, want 400 and none", bad.Status, bad.Header.Get("Azure-AsyncOperation"))
	}

	// The Go SDK's poller follows the operation and ends with the resource
	// as its final GET shows it.
	res, err := h.PutRoute(rg, "rt1", "r2", armnetwork.Route{Properties: &armnetwork.RoutePropertiesFormat{
		AddressPrefix: to.Ptr("10.2.0.0/16"), NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualAppliance), NextHopIPAddress: to.Ptr("10.0.0.5")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Properties.ProvisioningState; got != armnetwork.ProvisioningStateSucceeded {
		t.Errorf("SDK route create: provisioningState %s, want Succeeded", got)
	}
}

// TestHeaders_RateLimitRemainingOnEveryARMAnswer: Resource Manager answers
// every request, failures included, with the requests left in its window:
// x-ms-ratelimit-remaining-subscription-reads on reads,
// -subscription-writes on writes, -subscription-deletes on deletes, and the
// tenant-reads/-writes variants for a request outside a subscription
// (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
// "Remaining requests"; azure-cli recordings show 11999 reads, 1199 writes
// and 14999 deletes). The count goes down request after request.
func TestHeaders_RateLimitRemainingOnEveryARMAnswer(t *testing.T) {
	h, rg := parallelRG(t)
	const corr = "5b0c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"
	rgPath := h.RGID(rg) + "?api-version=2021-04-01"
	missing := h.RGID(rg) + "/providers/Microsoft.Network/routeTables/none?api-version=2022-07-01"
	for _, tc := range []struct {
		name, method, path string
		auth               bool
		status             int
		header             string
		budget             int
	}{
		{"read", http.MethodGet, rgPath, true, http.StatusOK, "x-ms-ratelimit-remaining-subscription-reads", 12000},
		{"404", http.MethodGet, missing, true, http.StatusNotFound, "x-ms-ratelimit-remaining-subscription-reads", 12000},
		{"401", http.MethodGet, rgPath, false, http.StatusUnauthorized, "x-ms-ratelimit-remaining-subscription-reads", 12000},
		{"write", http.MethodPut, h.RGID(rg) + "/providers/Microsoft.Network/routeTables/rl?api-version=2022-07-01", true, http.StatusCreated, "x-ms-ratelimit-remaining-subscription-writes", 1200},
		{"delete of nothing", http.MethodDelete, missing, true, http.StatusNoContent, "x-ms-ratelimit-remaining-subscription-deletes", 15000},
		{"tenant read", http.MethodGet, "/subscriptions?api-version=2019-11-01", true, http.StatusOK, "x-ms-ratelimit-remaining-tenant-reads", 12000},
		{"tenant 401", http.MethodGet, "/subscriptions?api-version=2019-11-01", false, http.StatusUnauthorized, "x-ms-ratelimit-remaining-tenant-reads", 12000},
	} {
		body := any(nil)
		if tc.method == http.MethodPut {
			body = `{"location":"eastus"}`
		}
		hdrs := []string{"x-ms-correlation-request-id", corr}
		if tc.auth {
			hdrs = append(hdrs, "Authorization", "Bearer "+h.Token())
		}
		first := DoRaw(t, h.Env, tc.method, tc.path, body, hdrs...)
		second := DoRaw(t, h.Env, tc.method, tc.path, body, hdrs...)
		if first.Status != tc.status {
			t.Errorf("%s: status %d %s, want %d", tc.name, first.Status, first.Body, tc.status)
		}
		a, errA := strconv.Atoi(first.Header.Get(tc.header))
		b, errB := strconv.Atoi(second.Header.Get(tc.header))
		if errA != nil || errB != nil || a < 0 || a >= tc.budget || b >= a {
			t.Errorf("%s: %s %q then %q, want counts below %d going down", tc.name, tc.header, first.Header.Get(tc.header), second.Header.Get(tc.header), tc.budget)
		}
		for _, r := range []RawResp{first, second} {
			if r.Header.Get("x-ms-correlation-request-id") != corr || !securityGUID.MatchString(r.Header.Get("x-ms-request-id")) {
				t.Errorf("%s: x-ms-request-id %q, x-ms-correlation-request-id %q (want the client's)", tc.name, r.Header.Get("x-ms-request-id"), r.Header.Get("x-ms-correlation-request-id"))
			}
		}
		for _, other := range []string{"x-ms-ratelimit-remaining-subscription-reads", "x-ms-ratelimit-remaining-subscription-writes",
			"x-ms-ratelimit-remaining-subscription-deletes", "x-ms-ratelimit-remaining-tenant-reads", "x-ms-ratelimit-remaining-tenant-writes"} {
			if other != tc.header && first.Header.Get(other) != "" {
				t.Errorf("%s: also %s %q; ARM sends the one of the request's scope and kind", tc.name, other, first.Header.Get(other))
			}
		}
	}
}
