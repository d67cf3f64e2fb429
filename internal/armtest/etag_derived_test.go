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

// Issue 17, point 3: children carry their parent's etag, as the network RP
// does. azure-powershell's recorded sessions (src/Network/Network.Test/
// SessionRecords/…): in TestVirtualNetworkSubnetRouteTableCRUD a VNet GET
// (api-version 2020-08-01) answers ETag W/"48698969-…" and each of its
// three inline subnets has etag W/"48698969-…"; in TestRouteTableRouteCRUD
// adding route2 to a table gives route1 and route2 alike the table's new
// etag W/"c61fcdb8-…"; in TestNetworkSecurityGroupSecurityRuleCRUD an NSG's
// securityRules and defaultSecurityRules all carry its etag
// W/"12dd4c38-…". So a child's If-Match and If-None-Match are its
// parent's etag: 412 PreconditionFailed and 304 Not Modified follow it.
func TestETag_ChildrenCarryTheParentsETag(t *testing.T) {
	h, rg := parallelRG(t)
	const av = "?api-version=2024-05-01"
	vn := h.VNet(rg, "vnet1", "10.72.0.0/16", "s1=10.72.1.0/24", "s2=10.72.2.0/24")
	vnetID := *vn.ID
	s1, s2 := vnetID+"/subnets/s1", vnetID+"/subnets/s2"
	rt, err := h.PutRouteTable(rg, "rt1", armnetwork.RouteTable{})
	if err != nil {
		t.Fatal(err)
	}
	rtID := *rt.ID
	if _, err := h.PutRoute(rg, "rt1", "r1", armnetwork.Route{Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeNone, "")}); err != nil {
		t.Fatal(err)
	}
	g := h.nsgWithRule(rg, "web", 200)
	nsgID := *g.ID

	// family checks that the parent's GET and each child's GET (header and
	// body) and the parent's inline children carry one etag, and returns it.
	family := func(what, parentID string, lists []string, children ...string) string {
		t.Helper()
		r := h.Do(http.MethodGet, parentID+av, nil)
		var top struct {
			Etag       string                     `json:"etag"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		r.Decode(t, &top)
		if top.Etag == "" || r.Header.Get("ETag") != top.Etag {
			t.Fatalf("%s: GET %s: ETag header %q, body etag %q", what, parentID, r.Header.Get("ETag"), top.Etag)
		}
		for _, l := range lists {
			var items []struct{ Etag, ID string }
			if err := json.Unmarshal(top.Properties[l], &items); err != nil || len(items) == 0 {
				t.Fatalf("%s: GET %s: properties.%s: %v (%s)", what, parentID, l, err, top.Properties[l])
			}
			for _, it := range items {
				if it.Etag != top.Etag {
					t.Errorf("%s: GET %s: properties.%s %s has etag %q, want the parent's %q", what, parentID, l, it.ID, it.Etag, top.Etag)
				}
			}
		}
		for _, id := range children {
			r := h.Do(http.MethodGet, id+av, nil)
			var child struct{ Etag string }
			r.Decode(t, &child)
			if child.Etag != top.Etag || r.Header.Get("ETag") != top.Etag {
				t.Errorf("%s: GET %s: etag %q, header %q; want the parent's %q", what, id, child.Etag, r.Header.Get("ETag"), top.Etag)
			}
		}
		return top.Etag
	}

	ve := family("VNet", vnetID, []string{"subnets"}, s1, s2)
	re := family("route table", rtID, []string{"routes"}, rtID+"/routes/r1")
	ne := family("NSG", nsgID, []string{"securityRules", "defaultSecurityRules"},
		nsgID+"/securityRules/web", nsgID+"/defaultSecurityRules/DenyAllInBound")

	// A conditional GET of a child answers 304 on the parent's etag.
	if r := h.Do(http.MethodGet, s1+av, nil, "If-None-Match", ve); r.Status != http.StatusNotModified || r.Header.Get("ETag") != ve {
		t.Errorf("GET subnet If-None-Match the VNet's etag: %d, ETag %q; want 304 with it", r.Status, r.Header.Get("ETag"))
	}

	// A sibling's change gives every child, and the parent, a new etag.
	if _, err := h.PutRoute(rg, "rt1", "r2", armnetwork.Route{Properties: route("10.244.1.0/24", armnetwork.RouteNextHopTypeNone, "")}); err != nil {
		t.Fatal(err)
	}
	re2 := family("route table after r2", rtID, []string{"routes"}, rtID+"/routes/r1", rtID+"/routes/r2")
	if re2 == re {
		t.Errorf("route table: the etag stayed %s after a route PUT", re)
	}
	if r := h.Do(http.MethodGet, rtID+"/routes/r1"+av, nil, "If-None-Match", re); r.Status != http.StatusOK {
		t.Errorf("GET r1 If-None-Match the table's old etag: %d, want 200", r.Status)
	}
	// If-Match on a child: the parent's old etag is refused with 412, its
	// current one goes through.
	body := map[string]any{"properties": map[string]string{"addressPrefix": "10.244.0.0/24", "nextHopType": "None"}}
	if r := h.Do(http.MethodPut, rtID+"/routes/r1"+av, body, "If-Match", re); r.Status != http.StatusPreconditionFailed || r.APIErr(t).Code != "PreconditionFailed" {
		t.Errorf("PUT r1 If-Match the table's old etag: %d %s; want 412 PreconditionFailed", r.Status, r.Body)
	}
	if r := h.Do(http.MethodDelete, rtID+"/routes/r2"+av, nil, "If-Match", re); r.Status != http.StatusPreconditionFailed {
		t.Errorf("DELETE r2 If-Match the table's old etag: %d %s; want 412", r.Status, r.Body)
	}
	if r := h.Do(http.MethodPut, rtID+"/routes/r1"+av, body, "If-Match", re2); r.Status != http.StatusOK {
		t.Errorf("PUT r1 If-Match the table's etag: %d %s; want 200", r.Status, r.Body)
	}
	// A route PUT is a write of its table, as in the network RP: even the
	// same route again gives the table and all its routes a new etag.
	if got := family("route table after the same r1", rtID, []string{"routes"}, rtID+"/routes/r1", rtID+"/routes/r2"); got == re2 {
		t.Errorf("route table: a route PUT kept the etag %s", re2)
	}

	// A subnet PUT conditioned on the VNet's etag; afterwards its sibling
	// carries the VNet's new etag too.
	sub := armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.72.2.0/24"), RouteTable: &armnetwork.RouteTable{ID: to.Ptr(rtID)}}}
	if r := h.Do(http.MethodPut, s2+av, sub, "If-Match", ve); r.Status != http.StatusOK {
		t.Fatalf("PUT s2 If-Match the VNet's etag: %d %s", r.Status, r.Body)
	}
	if ve2 := family("VNet after s2", vnetID, []string{"subnets"}, s1, s2); ve2 == ve {
		t.Errorf("VNet: the etag stayed %s after a subnet changed", ve)
	}
	if r := h.Do(http.MethodPut, s1+av, map[string]any{"properties": map[string]string{"addressPrefix": "10.72.1.0/24"}}, "If-Match", ve); r.Status != http.StatusPreconditionFailed {
		t.Errorf("PUT s1 If-Match the VNet's old etag: %d %s; want 412", r.Status, r.Body)
	}

	// An NSG rule PUT gives the default rules the NSG's new etag.
	if _, err := h.PutSecurityRule(rg, "nsg1", "extra", armnetwork.SecurityRule{Properties: &armnetwork.SecurityRulePropertiesFormat{
		Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP), Access: to.Ptr(armnetwork.SecurityRuleAccessDeny), Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound),
		Priority: to.Ptr[int32](300), SourceAddressPrefix: to.Ptr("*"), DestinationAddressPrefix: to.Ptr("*"), SourcePortRange: to.Ptr("*"), DestinationPortRange: to.Ptr("22"),
	}}); err != nil {
		t.Fatal(err)
	}
	if ne2 := family("NSG after a rule", nsgID, []string{"securityRules", "defaultSecurityRules"}, nsgID+"/securityRules/extra", nsgID+"/defaultSecurityRules/AllowVnetInBound"); ne2 == ne {
		t.Errorf("NSG: the etag stayed %s after a rule PUT", ne)
	}
}
