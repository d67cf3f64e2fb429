package armtest

import (
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

// The network RP lists a VNet's virtualNetworkPeerings and a subnet's
// delegations as [] when there are none, and leaves serviceEndpoints out
// unless the client set them: the exported templates of VNets show
// "virtualNetworkPeerings": [] and subnets with "delegations": [] and no
// serviceEndpoints (issue 17, point 6). The GET bodies are read raw, since
// the SDK's models can't tell [] from absent.
func TestVNet_EmptyListsAsAzure(t *testing.T) {
	h, rg := parallelRG(t)
	if _, err := h.PutVNet(rg, "vnet1", VNetBody("10.1.0.0/16", "a=10.1.0.0/24")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.PutSubnet(rg, "vnet1", "b", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix:    to.Ptr("10.1.1.0/24"),
		ServiceEndpoints: []*armnetwork.ServiceEndpointPropertiesFormat{{Service: to.Ptr("Microsoft.Storage")}},
	}}); err != nil {
		t.Fatal(err)
	}
	vid := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet1"
	type subnet struct {
		Name       string
		Properties map[string]json.RawMessage
	}
	var vnet struct {
		Properties struct {
			VirtualNetworkPeerings json.RawMessage
			Subnets                []subnet
		}
	}
	if err := json.Unmarshal(h.Get(vid), &vnet); err != nil {
		t.Fatal(err)
	}
	if got := string(vnet.Properties.VirtualNetworkPeerings); got != "[]" {
		t.Errorf("virtualNetworkPeerings %q, want []", got)
	}
	check := func(where string, s subnet) {
		t.Helper()
		if got := string(s.Properties["delegations"]); got != "[]" {
			t.Errorf("%s: subnet %s delegations %q, want []", where, s.Name, got)
		}
		_, has := s.Properties["serviceEndpoints"]
		if want := s.Name == "b"; has != want {
			t.Errorf("%s: subnet %s has serviceEndpoints %v, want %v (only where the client set them)", where, s.Name, has, want)
		}
	}
	if len(vnet.Properties.Subnets) != 2 {
		t.Fatalf("VNet lists %d subnets, want 2", len(vnet.Properties.Subnets))
	}
	for _, s := range vnet.Properties.Subnets {
		check("VNet GET", s)
	}
	for _, n := range []string{"a", "b"} {
		var s subnet
		if err := json.Unmarshal(h.Get(vid+"/subnets/"+n), &s); err != nil {
			t.Fatal(err)
		}
		check("subnet GET", s)
	}
}

// An NSG's rules, default and custom, carry sourceAddressPrefixes,
// destinationAddressPrefixes, sourcePortRanges and destinationPortRanges as
// [] when they use the singular fields: az network nsg create and nsg rule
// create print them as [] from Azure, where a field Azure omits prints null
// (destinationApplicationSecurityGroups).
func TestNSG_RuleRangesEmptyAsAzure(t *testing.T) {
	h, rg := parallelRG(t)
	g := h.nsgWithRule(rg, "allow-https", 100)
	var got struct {
		Properties struct {
			SecurityRules, DefaultSecurityRules []struct {
				Name       string
				Properties map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(h.Get(*g.ID), &got); err != nil {
		t.Fatal(err)
	}
	rules := append(got.Properties.SecurityRules, got.Properties.DefaultSecurityRules...)
	if len(rules) != 7 {
		t.Fatalf("%d rules, want 1 custom and 6 default", len(rules))
	}
	for _, r := range rules {
		for _, k := range []string{"sourceAddressPrefixes", "destinationAddressPrefixes", "sourcePortRanges", "destinationPortRanges"} {
			if v := string(r.Properties[k]); v != "[]" {
				t.Errorf("rule %s: %s %q, want []", r.Name, k, v)
			}
		}
	}
}
