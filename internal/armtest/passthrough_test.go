package armtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// A client built for a newer api-version than aksnet's SDK models sends
// fields those models don't know; Azure keeps them, so aksnet does: after
// the PUT, after re-renders caused by other writes, and until a PUT leaves
// them out. Known settings with no effect here (privateEndpointVNetPolicies,
// which azurerm sends as "Disabled") are kept too; Terraform plans a change
// forever otherwise (issue 18).
func TestPassthrough_FieldsAClientSentAreKept(t *testing.T) {
	h, rg := parallelRG(t)
	id := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet1"
	body := map[string]any{"location": "eastus", "properties": map[string]any{
		"addressSpace":                map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}, "futureNested": []any{map[string]any{"size": "256"}}},
		"privateEndpointVNetPolicies": "Basic",
		"flowTimeoutInMinutes":        10,
		"futureSetting":               map[string]any{"mode": "Manual", "nested": map[string]any{"a": 1}},
	}}
	if r := h.Do(http.MethodPut, id+"?api-version=2024-05-01", body); r.Status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	type vnet struct {
		Properties struct {
			AddressSpace struct {
				AddressPrefixes []string
				FutureNested    []map[string]any
			}
			PrivateEndpointVNetPolicies string
			FlowTimeoutInMinutes        int
			FutureSetting               map[string]any
			Subnets                     []struct{ Name string }
		}
	}
	read := func() vnet {
		t.Helper()
		var v vnet
		if err := json.Unmarshal(h.Get(id), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	check := func(when string, v vnet) {
		t.Helper()
		p := v.Properties
		if p.PrivateEndpointVNetPolicies != "Basic" || p.FlowTimeoutInMinutes != 10 {
			t.Errorf("%s: privateEndpointVNetPolicies %q, flowTimeoutInMinutes %d; want Basic, 10", when, p.PrivateEndpointVNetPolicies, p.FlowTimeoutInMinutes)
		}
		if p.FutureSetting["mode"] != "Manual" || p.FutureSetting["nested"] == nil {
			t.Errorf("%s: futureSetting %v, want it as sent", when, p.FutureSetting)
		}
		if len(p.AddressSpace.FutureNested) != 1 || len(p.AddressSpace.AddressPrefixes) != 1 {
			t.Errorf("%s: addressSpace %+v, want the prefix and the unknown field beside it", when, p.AddressSpace)
		}
	}
	check("after the PUT", read())
	// A subnet PUT re-renders the VNet from its model.
	if _, err := h.PutSubnet(rg, "vnet1", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.1.0.0/24")}}); err != nil {
		t.Fatal(err)
	}
	v := read()
	check("after a subnet PUT", v)
	if len(v.Properties.Subnets) != 1 {
		t.Errorf("the VNet lists %d subnets, want 1", len(v.Properties.Subnets))
	}
	// A tags PATCH keeps them too.
	if r := h.Do(http.MethodPatch, id+"?api-version=2024-05-01", map[string]any{"tags": map[string]string{"a": "b"}}); r.Status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", r.Status, r.Body)
	}
	check("after a tags PATCH", read())

	// A PUT without them removes them, as it replaces the resource.
	body["properties"] = map[string]any{"addressSpace": map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}},
		"subnets": []any{map[string]any{"name": "s1", "properties": map[string]any{"addressPrefix": "10.1.0.0/24"}}}}
	if r := h.Do(http.MethodPut, id+"?api-version=2024-05-01", body); r.Status != http.StatusOK {
		t.Fatalf("second PUT: %d %s", r.Status, r.Body)
	}
	if _, err := h.PutSubnet(rg, "vnet1", "s2", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.1.1.0/24")}}); err != nil {
		t.Fatal(err)
	}
	// privateEndpointVNetPolicies falls back to the network RP's default.
	if p := read().Properties; p.FutureSetting != nil || p.PrivateEndpointVNetPolicies != "Disabled" || p.AddressSpace.FutureNested != nil {
		t.Errorf("after a PUT without them: %+v, want no future fields and privateEndpointVNetPolicies Disabled", p)
	}
	// An api-version before the member's (2024-05-01) does not show it: az
	// 2.45 reads VNets at 2022-01-01.
	if r := h.Do(http.MethodGet, id+"?api-version=2022-01-01", nil); r.Status != http.StatusOK || strings.Contains(string(r.Body), "privateEndpointVNetPolicies") {
		t.Errorf("GET at 2022-01-01: %d %s, want no privateEndpointVNetPolicies", r.Status, r.Body)
	}
}
