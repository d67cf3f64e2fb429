package azshape

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"privateIPAddress": "privateIpAddress", "dnsServiceIP": "dnsServiceIp", "vnetSubnetID": "vnetSubnetId",
		"osDiskSizeGB": "osDiskSizeGb", "enableIPForwarding": "enableIpForwarding", "IPConfigurations": "ipConfigurations",
		"azurePortalFQDN": "azurePortalFqdn", "podCidr": "podCidr", "etag": "etag", "eTag": "eTag", "id": "id",
		"enableFIPS": "enableFips", "nextHopIpAddress": "nextHopIpAddress", "maxPods": "maxPods", "resourceGuid": "resourceGuid",
		"@odata.type": "@odata.type",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShape_FlattensResourcesNotGroups(t *testing.T) {
	in := map[string]any{
		"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks",
		"tags": map[string]any{"myTag": "x"},
		"properties": map[string]any{
			"subnets": []any{map[string]any{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s1", "name": "s1",
				"properties": map[string]any{"addressPrefix": "192.168.1.0/24", "privateEndpointNetworkPolicies": "Disabled"}}},
		},
	}
	want := map[string]any{
		"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks",
		"tags": map[string]any{"myTag": "x"}, "resourceGroup": "rg",
		"subnets": []any{map[string]any{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s1", "name": "s1",
			"addressPrefix": "192.168.1.0/24", "privateEndpointNetworkPolicies": "Disabled", "resourceGroup": "rg"}},
	}
	if diff := cmp.Diff(want, Shape(in)); diff != "" {
		t.Errorf("Shape (-want +got):\n%s", diff)
	}
	rg := map[string]any{"id": "/subscriptions/s/resourceGroups/rg", "name": "rg", "type": "Microsoft.Resources/resourceGroups",
		"properties": map[string]any{"provisioningState": "Succeeded"}}
	got := Shape(rg).(map[string]any)
	if _, ok := got["properties"]; !ok {
		t.Errorf("resource group lost its properties object: %v", got)
	}
	if _, ok := got["resourceGroup"]; ok {
		t.Errorf("az prints no resourceGroup for a resource group; got %v", got["resourceGroup"])
	}
}
