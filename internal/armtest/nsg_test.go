package armtest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func rule(prio int32, dir armnetwork.SecurityRuleDirection) *armnetwork.SecurityRulePropertiesFormat {
	return &armnetwork.SecurityRulePropertiesFormat{
		Priority:                 to.Ptr(prio),
		Direction:                to.Ptr(dir),
		Access:                   to.Ptr(armnetwork.SecurityRuleAccessAllow),
		Protocol:                 to.Ptr(armnetwork.SecurityRuleProtocolTCP),
		SourceAddressPrefix:      to.Ptr("VirtualNetwork"),
		SourcePortRange:          to.Ptr("*"),
		DestinationAddressPrefix: to.Ptr("10.244.0.0/16"),
		DestinationPortRange:     to.Ptr("443"),
	}
}

func ruleNames(rs []*armnetwork.SecurityRule) []string {
	return names(rs, func(r *armnetwork.SecurityRule) *string { return r.Name })
}

func TestNSG_DefaultAndCustomRules(t *testing.T) {
	h, rg := parallelRG(t)
	g := h.nsgWithRule(rg, "allow-https", 100)
	if *g.Type != "Microsoft.Network/networkSecurityGroups" || *g.Properties.ProvisioningState != armnetwork.ProvisioningStateSucceeded {
		t.Errorf("nsg %s %v", *g.Type, *g.Properties.ProvisioningState)
	}
	if n := ruleNames(g.Properties.SecurityRules); !slices.Equal(n, []string{"allow-https"}) {
		t.Errorf("securityRules %v", n)
	}
	type def struct {
		dir    armnetwork.SecurityRuleDirection
		prio   int32
		access armnetwork.SecurityRuleAccess
	}
	wantDefaults := map[string]def{
		"AllowVnetInBound":              {armnetwork.SecurityRuleDirectionInbound, 65000, armnetwork.SecurityRuleAccessAllow},
		"AllowAzureLoadBalancerInBound": {armnetwork.SecurityRuleDirectionInbound, 65001, armnetwork.SecurityRuleAccessAllow},
		"DenyAllInBound":                {armnetwork.SecurityRuleDirectionInbound, 65500, armnetwork.SecurityRuleAccessDeny},
		"AllowVnetOutBound":             {armnetwork.SecurityRuleDirectionOutbound, 65000, armnetwork.SecurityRuleAccessAllow},
		"AllowInternetOutBound":         {armnetwork.SecurityRuleDirectionOutbound, 65001, armnetwork.SecurityRuleAccessAllow},
		"DenyAllOutBound":               {armnetwork.SecurityRuleDirectionOutbound, 65500, armnetwork.SecurityRuleAccessDeny},
	}
	checkDefaults := func(rs []*armnetwork.SecurityRule) {
		t.Helper()
		if len(rs) != len(wantDefaults) {
			t.Errorf("%d default rules %v, want 6", len(rs), ruleNames(rs))
		}
		for _, r := range rs {
			w, ok := wantDefaults[*r.Name]
			if !ok {
				t.Errorf("unexpected default rule %s", *r.Name)
				continue
			}
			p := r.Properties
			if *p.Direction != w.dir || *p.Priority != w.prio || *p.Access != w.access || *r.ID != *g.ID+"/defaultSecurityRules/"+*r.Name {
				t.Errorf("default rule %s: %s %d %s %s", *r.Name, *p.Direction, *p.Priority, *p.Access, *r.ID)
			}
		}
	}
	checkDefaults(g.Properties.DefaultSecurityRules)
	// The NSG lists its default rules in the network RP's order, inbound
	// then outbound, each by priority, as in the NetworkSecurityGroupCreate
	// example of azure-rest-api-specs (az network nsg show prints them so).
	azureOrder := []string{"AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
		"AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"}
	if n := ruleNames(g.Properties.DefaultSecurityRules); !slices.Equal(n, azureOrder) {
		t.Errorf("defaultSecurityRules in order %v, want %v", n, azureOrder)
	}
	if got, err := h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg1", nil); err != nil {
		t.Fatal(err)
	} else if n := ruleNames(got.Properties.DefaultSecurityRules); !slices.Equal(n, azureOrder) {
		t.Errorf("GET: defaultSecurityRules in order %v, want %v", n, azureOrder)
	}

	dr, err := h.Net.NewDefaultSecurityRulesClient().Get(h.Ctx, rg, "nsg1", "DenyAllInBound", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *dr.Properties.Priority != 65500 || *dr.Properties.Access != armnetwork.SecurityRuleAccessDeny {
		t.Errorf("DenyAllInBound: %+v", dr.Properties)
	}
	checkDefaults(ListAll(h, h.Net.NewDefaultSecurityRulesClient().NewListPager(rg, "nsg1", nil),
		func(p armnetwork.DefaultSecurityRulesClientListResponse) []*armnetwork.SecurityRule { return p.Value }))

	// Rules as child resources join the NSG; an update keeps the defaults.
	if _, err := h.PutSecurityRule(rg, "nsg1", "allow-dns", armnetwork.SecurityRule{Properties: rule(4096, armnetwork.SecurityRuleDirectionOutbound)}); err != nil {
		t.Fatal(err)
	}
	got, err := h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := ruleNames(got.Properties.SecurityRules); !slices.Equal(n, []string{"allow-dns", "allow-https"}) {
		t.Errorf("after child PUT securityRules %v", n)
	}
	checkDefaults(got.Properties.DefaultSecurityRules)
	// GET → PUT back (read-only fields, default rules and all) keeps both.
	echo, err := h.PutNSG(rg, "nsg1", got.SecurityGroup)
	if err != nil {
		t.Fatalf("echo PUT of the NSG refused: %v", err)
	}
	if n := ruleNames(echo.Properties.SecurityRules); len(n) != 2 {
		t.Errorf("after echo PUT securityRules %v", n)
	}
	checkDefaults(echo.Properties.DefaultSecurityRules)
	// Deleting a custom rule re-renders the NSG.
	dp, err := h.Net.NewSecurityRulesClient().BeginDelete(h.Ctx, rg, "nsg1", "allow-dns", nil)
	if err := DeleteLRO(h.Ctx, dp, err); err != nil {
		t.Fatal(err)
	}
	got, _ = h.Net.NewSecurityGroupsClient().Get(h.Ctx, rg, "nsg1", nil)
	if n := ruleNames(got.Properties.SecurityRules); !slices.Equal(n, []string{"allow-https"}) {
		t.Errorf("after deleting allow-dns securityRules %v", n)
	}
	// Default rules can't be deleted.
	r := h.Do(http.MethodDelete, *g.ID+"/defaultSecurityRules/DenyAllInBound?api-version=2024-05-01", nil)
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("DELETE of a default rule answered %d", r.Status)
	} else {
		want{Status: http.StatusBadRequest, Code: "CannotModifyDefaultSecurityRule", Mentions: []string{"DenyAllInBound"}}.Check(t, r.APIErr(t))
	}
}

func TestNSG_PriorityRange(t *testing.T) {
	h, rg := parallelRG(t)
	g := h.nsgWithRule(rg, "existing", 200)
	for _, tc := range []struct {
		prio int32
		ok   bool
	}{{99, false}, {100, true}, {101, true}, {4095, true}, {4096, true}, {4097, false}, {0, false}, {-1, false}, {65000, false}} {
		t.Run(fmt.Sprint(tc.prio), func(t *testing.T) {
			name := fmt.Sprintf("p%d", tc.prio)
			before := h.Snapshot(*g.ID)
			_, err := h.PutSecurityRule(rg, "nsg1", name, armnetwork.SecurityRule{Properties: rule(tc.prio, armnetwork.SecurityRuleDirectionOutbound)})
			if tc.ok {
				if err != nil {
					t.Fatalf("priority %d refused: %v", tc.prio, err)
				}
				dp, err := h.Net.NewSecurityRulesClient().BeginDelete(h.Ctx, rg, "nsg1", name, nil)
				if err := DeleteLRO(h.Ctx, dp, err); err != nil {
					t.Fatal(err)
				}
				return
			}
			prio := fmt.Sprint(tc.prio)
			wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "SecurityRuleInvalidPriority", Target: "properties.priority", Mentions: []string{prio}})
			h.Unchanged(before)
			if h.Exists(*g.ID + "/securityRules/" + name) {
				t.Error("refused rule was created")
			}
			// Inline in the NSG, the target names the rule's index.
			_, err = h.PutNSG(rg, "nsg1", armnetwork.SecurityGroup{Properties: &armnetwork.SecurityGroupPropertiesFormat{
				SecurityRules: []*armnetwork.SecurityRule{
					{Name: to.Ptr("existing"), Properties: rule(200, armnetwork.SecurityRuleDirectionInbound)},
					{Name: to.Ptr(name), Properties: rule(tc.prio, armnetwork.SecurityRuleDirectionInbound)},
				},
			}})
			wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "SecurityRuleInvalidPriority", Target: "properties.securityRules[1].properties.priority", Mentions: []string{prio}})
			h.Unchanged(before)
		})
	}

	// Two rules may not share a priority in one direction.
	before := h.Snapshot(*g.ID)
	_, err := h.PutSecurityRule(rg, "nsg1", "clash", armnetwork.SecurityRule{Properties: rule(200, armnetwork.SecurityRuleDirectionInbound)})
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "SecurityRuleConflict", Target: "properties.priority", Mentions: []string{"200", "existing"}})
	h.Unchanged(before)
	if _, err := h.PutSecurityRule(rg, "nsg1", "other-direction", armnetwork.SecurityRule{Properties: rule(200, armnetwork.SecurityRuleDirectionOutbound)}); err != nil {
		t.Errorf("same priority in the other direction refused: %v", err)
	}
}
