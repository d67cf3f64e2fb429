package armtest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// etagOf reads the etag of the GET body of id.
func (h *Harness) etagOf(id string) string {
	h.T.Helper()
	var doc struct {
		Etag string `json:"etag"`
	}
	if err := json.Unmarshal(h.Get(id), &doc); err != nil || doc.Etag == "" {
		h.T.Fatalf("GET %s: no etag (%v)", id, err)
	}
	return doc.Etag
}

// Issue 17, point 3: a resource's ETag changes whenever anything in its GET
// body changes, derived content included: a route table after a route PUT
// or a subnet association, a subnet after a NIC takes an address in it, and
// the VNet that embeds that subnet. The network RP's swagger defines etag
// on each of them as "A unique read-only string that changes whenever the
// resource is updated" (azure-rest-api-specs, specification/network/
// resource-manager/Microsoft.Network/stable/2024-05-01/routeTable.json,
// virtualNetwork.json). A write that changes nothing in the body keeps the
// ETag, so a conditional GET still answers 304 (RFC 9110 section 13.1.2).
func TestETag_ChangesWithDerivedContent(t *testing.T) {
	h, rg := parallelRG(t)
	const av = "?api-version=2024-05-01"
	rt, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{})
	if err != nil {
		t.Fatal(err)
	}
	rtID := *rt.ID
	vn := h.VNet(rg, "vnet1", "10.70.0.0/16", "s1=10.70.1.0/24")
	vnetID, subnetID := *vn.ID, *vn.Properties.Subnets[0].ID

	changed := func(what, id, before string) string {
		t.Helper()
		after := h.etagOf(id)
		if after == before {
			t.Errorf("%s: the etag of %s stayed %s", what, id, before)
		}
		if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", before); r.Status != http.StatusOK {
			t.Errorf("%s: GET %s If-None-Match the old etag: %d, want 200", what, id, r.Status)
		}
		if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", after); r.Status != http.StatusNotModified {
			t.Errorf("%s: GET %s If-None-Match the new etag: %d, want 304", what, id, r.Status)
		}
		return after
	}
	same := func(what, id, before string) {
		t.Helper()
		if after := h.etagOf(id); after != before {
			t.Errorf("%s: the etag of %s changed from %s to %s with nothing in its body", what, id, before, after)
		}
	}

	// A route PUT changes the table's body (its routes).
	e := h.etagOf(rtID)
	if _, err := h.PutRoute(rg, "rt1", "r1", armnetwork.Route{Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeNone, "")}); err != nil {
		t.Fatal(err)
	}
	e = changed("route PUT", rtID, e)

	// Associating a subnet changes the table's body (its subnets).
	s := armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.70.1.0/24"), RouteTable: &armnetwork.RouteTable{ID: to.Ptr(rtID)}}}
	if _, err := h.PutSubnet(rg, "vnet1", "s1", s); err != nil {
		t.Fatal(err)
	}
	e = changed("subnet association", rtID, e)

	// The same subnet PUT again re-renders the table with the same body.
	if _, err := h.PutSubnet(rg, "vnet1", "s1", s); err != nil {
		t.Fatal(err)
	}
	same("the same association again", rtID, e)
	// A write conditioned on that ETag still goes through.
	if r := h.Do(http.MethodPut, rtID+av, map[string]any{"location": "eastus", "properties": map[string]any{"routes": []any{
		map[string]any{"name": "r1", "properties": map[string]string{"addressPrefix": "10.244.0.0/24", "nextHopType": "None"}},
	}}}, "If-Match", e); r.Status != http.StatusOK {
		t.Errorf("route table PUT If-Match its current etag: %d %s", r.Status, r.Body)
	}

	// A NIC taking an address in the subnet changes the subnet's body (its
	// ipConfigurations) and so the VNet's, which embeds the subnet.
	se, ve := h.etagOf(subnetID), h.etagOf(vnetID)
	if _, err := h.PutNIC(rg, "nic1", subnetID); err != nil {
		t.Fatal(err)
	}
	changed("NIC create", subnetID, se)
	changed("NIC create", vnetID, ve)
}

// A network RP GET sends the resource's etag as its ETag header too: the
// azure-cli recording src/azure-cli/azure/cli/command_modules/network/tests/
// latest/recordings/test_natgateway_basic.yaml shows GET publicIPAddresses/pip
// answering header etag W/"00271a8e-…" with body "etag":"W/\"00271a8e-…\"".
// A 304 carries it as well (RFC 9110 section 15.4.5).
func TestETag_GetSendsTheHeader(t *testing.T) {
	h, rg := parallelRG(t)
	const av = "?api-version=2024-05-01"
	v := h.VNet(rg, "vnet1", "10.71.0.0/16", "s1=10.71.1.0/24")
	for _, id := range []string{*v.ID, *v.Properties.Subnets[0].ID} {
		r := h.Do(http.MethodGet, id+av, nil)
		var doc struct {
			Etag string `json:"etag"`
		}
		r.Decode(t, &doc)
		if got := r.Header.Get("ETag"); doc.Etag == "" || got != doc.Etag {
			t.Errorf("GET %s: ETag header %q, body etag %q; want the same", id, got, doc.Etag)
		}
		r = h.Do(http.MethodGet, id+av, nil, "If-None-Match", doc.Etag)
		if r.Status != http.StatusNotModified || r.Header.Get("ETag") != doc.Etag || len(r.Body) != 0 {
			t.Errorf("GET %s If-None-Match its etag: %d, ETag %q, %d body bytes; want 304 with the ETag and no body", id, r.Status, r.Header.Get("ETag"), len(r.Body))
		}
	}
}
