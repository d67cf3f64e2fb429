package network

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/fabric"
)

func (p *Provider) nsgKind() *arm.Kind {
	k := trackedKind(TypeNSG, nsgNameRule, p.putNSG)
	k.Display, k.InUseCode = "Network security group", "InUseNetworkSecurityGroupCannotBeDeleted"
	k.Model = armnetwork.SecurityGroup{}
	return k
}

// nsgRulesInline are an NSG body's inline custom rules.
var nsgRulesInline = &inlineChildren[armnetwork.SecurityRule, *armnetwork.SecurityRule]{
	inlineList: inlineList{
		path:    "properties.securityRules",
		rule:    ruleNameRule,
		missing: "The security rule at %s has no name.",
		twice:   "Security rule name %s appears more than once in %s.",
	},
	childType: "securityRules",
	name:      func(r *armnetwork.SecurityRule) *string { return r.Name },
	check: func(t, name string, r *armnetwork.SecurityRule) (*armnetwork.SecurityRule, error) {
		return r, validateSecurityRule(name, r.Properties, t)
	},
	conflicts: func(_ string, rules []*armnetwork.SecurityRule) error { return checkPriorityConflicts(rules) },
	save: func(c *arm.Call, r *armnetwork.SecurityRule) error {
		return saveSecurityRule(c, c.ID+"/securityRules/"+*r.Name, TypeSecurityRule, r.Properties)
	},
}

// putNSG creates or replaces an NSG; the body's securityRules are the
// complete set of custom rules. Azure's six default rules are always present
// as defaultSecurityRules.
func (p *Provider) putNSG(c *arm.Call) ([]byte, error) {
	var g armnetwork.SecurityGroup
	if err := c.Decode(&g); err != nil {
		return nil, err
	}
	loc, err := trackedEnvelope(c, g.Location)
	if err != nil {
		return nil, err
	}
	props := orDefault(g.Properties, armnetwork.SecurityGroupPropertiesFormat{})
	if err := nsgRulesInline.replace(c, props.SecurityRules); err != nil {
		return nil, err
	}
	if c.Existing == nil {
		for _, d := range fabric.DefaultRules() {
			if err := saveSecurityRule(c, c.ID+"/defaultSecurityRules/"+d.Name, TypeDefaultSecurityRule, defaultRuleProps(d)); err != nil {
				return nil, err
			}
		}
	}
	out := armnetwork.SecurityGroup{
		ID:       to.Ptr(c.ID),
		Name:     to.Ptr(arm.LastName(c.ID)),
		Type:     to.Ptr(TypeNSG),
		Location: to.Ptr(loc),
		Tags:     g.Tags,
		Etag:     to.Ptr(arm.NewETag()),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{
			ProvisioningState: succeeded(),
			ResourceGUID:      to.Ptr(resourceGUID(c)),
		},
	}
	return renderNSG(c, &out)
}

// TypeDefaultSecurityRule is the type of an NSG's default rules.
const TypeDefaultSecurityRule = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules"

func defaultRuleProps(d fabric.SecurityRule) *armnetwork.SecurityRulePropertiesFormat {
	desc := map[string]string{
		"AllowVnetInBound":              "Allow inbound traffic from all VMs in VNET",
		"AllowAzureLoadBalancerInBound": "Allow inbound traffic from azure load balancer",
		"DenyAllInBound":                "Deny all inbound traffic",
		"AllowVnetOutBound":             "Allow outbound traffic from all VMs to all VMs in VNET",
		"AllowInternetOutBound":         "Allow outbound traffic from all VMs to Internet",
		"DenyAllOutBound":               "Deny all outbound traffic",
	}[d.Name]
	return &armnetwork.SecurityRulePropertiesFormat{
		Description:              to.Ptr(desc),
		Protocol:                 to.Ptr(armnetwork.SecurityRuleProtocolAsterisk),
		SourcePortRange:          to.Ptr("*"),
		DestinationPortRange:     to.Ptr("*"),
		SourceAddressPrefix:      to.Ptr(d.SourcePrefixes[0]),
		DestinationAddressPrefix: to.Ptr(d.DestPrefixes[0]),
		Access:                   to.Ptr(armnetwork.SecurityRuleAccess(d.Access)),
		Priority:                 to.Ptr(int32(d.Priority)),
		Direction:                to.Ptr(armnetwork.SecurityRuleDirection(d.Direction)),
	}
}

// ToFabricRule converts a stored rule to the fabric model.
func ToFabricRule(name string, p *armnetwork.SecurityRulePropertiesFormat) fabric.SecurityRule {
	r := fabric.SecurityRule{Name: name}
	if p == nil {
		return r
	}
	if p.Priority != nil {
		r.Priority = int(*p.Priority)
	}
	r.Direction, r.Access, r.Protocol = deref(p.Direction), deref(p.Access), deref(p.Protocol)
	r.SourcePrefixes = oneOrMany(p.SourceAddressPrefix, p.SourceAddressPrefixes)
	r.DestPrefixes = oneOrMany(p.DestinationAddressPrefix, p.DestinationAddressPrefixes)
	r.SourcePorts = oneOrMany(p.SourcePortRange, p.SourcePortRanges)
	r.DestPorts = oneOrMany(p.DestinationPortRange, p.DestinationPortRanges)
	return r
}

func oneOrMany(one *string, many []*string) []string {
	var out []string
	if one != nil && *one != "" {
		out = append(out, *one)
	}
	for _, s := range many {
		if s != nil && *s != "" {
			out = append(out, *s)
		}
	}
	return out
}

func validateSecurityRule(name string, p *armnetwork.SecurityRulePropertiesFormat, target string) error {
	if p == nil {
		return azerr.BadRequest("SecurityRuleParametersMissing", joinTarget(target, "properties"), "Security rule %s has no properties.", name)
	}
	return fabric.ValidateRule(ToFabricRule(name, p), target)
}

// checkPriorityConflicts refuses two custom rules with one priority and
// direction, as Azure does.
func checkPriorityConflicts(rules []*armnetwork.SecurityRule) error {
	seen := map[string]string{}
	for i, r := range rules {
		f := ToFabricRule(*r.Name, r.Properties)
		key := strings.ToLower(f.Direction) + "/" + itoa(f.Priority)
		if other, dup := seen[key]; dup {
			return azerr.BadRequest("SecurityRuleConflict", "properties.securityRules["+itoa(i)+"].properties.priority",
				"Security rules %s and %s have the same priority %d and direction %s.", other, f.Name, f.Priority, f.Direction)
		}
		seen[key] = f.Name
	}
	return nil
}

func saveSecurityRule(c *arm.Call, id, typ string, p *armnetwork.SecurityRulePropertiesFormat) error {
	var old armnetwork.SecurityRule
	if ok, _ := c.Load(id, &old); ok && old.ID != nil {
		id = *old.ID
	}
	props := *p
	props.ProvisioningState = succeeded()
	f := ToFabricRule(arm.LastName(id), p)
	props.Protocol = to.Ptr(armnetwork.SecurityRuleProtocol(f.Protocol))
	props.Access = to.Ptr(armnetwork.SecurityRuleAccess(canon(f.Access, "Allow", "Deny")))
	props.Direction = to.Ptr(armnetwork.SecurityRuleDirection(canon(f.Direction, "Inbound", "Outbound")))
	// The network RP lists a rule's plural prefixes and port ranges, []
	// when the rule uses the singular field (az network nsg show and nsg
	// rule create print "sourceAddressPrefixes": [] for default and custom
	// rules alike).
	props.SourceAddressPrefixes = orEmpty(props.SourceAddressPrefixes)
	props.DestinationAddressPrefixes = orEmpty(props.DestinationAddressPrefixes)
	props.SourcePortRanges = orEmpty(props.SourcePortRanges)
	props.DestinationPortRanges = orEmpty(props.DestinationPortRanges)
	return c.Save(id, armnetwork.SecurityRule{
		ID:         to.Ptr(id),
		Name:       to.Ptr(arm.LastName(id)),
		Type:       to.Ptr(typ),
		Etag:       to.Ptr(arm.NewETag()),
		Properties: &props,
	})
}

func canon(s string, values ...string) string {
	for _, v := range values {
		if strings.EqualFold(s, v) {
			return v
		}
	}
	return s
}

// renderNSG stores g with its rules, subnets and NICs inline.
func renderNSG(c *arm.Call, g *armnetwork.SecurityGroup) ([]byte, error) {
	if g.Properties == nil {
		g.Properties = &armnetwork.SecurityGroupPropertiesFormat{}
	}
	g.Properties.SecurityRules = childDocs[armnetwork.SecurityRule](c, *g.ID, "securityRules")
	g.Properties.DefaultSecurityRules = inAzureOrder(childDocs[armnetwork.SecurityRule](c, *g.ID, "defaultSecurityRules"))
	g.Properties.Subnets = subnetRefs(c, *g.ID)
	g.Properties.NetworkInterfaces = []*armnetwork.Interface{}
	for _, id := range nicRefs(c, *g.ID) {
		g.Properties.NetworkInterfaces = append(g.Properties.NetworkInterfaces, &armnetwork.Interface{ID: to.Ptr(id)})
	}
	return saveDoc(c, *g.ID, g, "securityRules", "defaultSecurityRules")
}

// inAzureOrder sorts default rules as the network RP lists them: inbound
// before outbound, each by priority (AllowVnetInBound,
// AllowAzureLoadBalancerInBound, DenyAllInBound, AllowVnetOutBound,
// AllowInternetOutBound, DenyAllOutBound in the NetworkSecurityGroupCreate
// example of azure-rest-api-specs), not in the store's name order.
func inAzureOrder(rules []*armnetwork.SecurityRule) []*armnetwork.SecurityRule {
	key := func(r *armnetwork.SecurityRule) (int, int32) {
		if r.Properties == nil {
			return 2, 0
		}
		dir := 1
		if r.Properties.Direction != nil && *r.Properties.Direction == armnetwork.SecurityRuleDirectionInbound {
			dir = 0
		}
		var prio int32
		if r.Properties.Priority != nil {
			prio = *r.Properties.Priority
		}
		return dir, prio
	}
	slices.SortStableFunc(rules, func(a, b *armnetwork.SecurityRule) int {
		da, pa := key(a)
		db, pb := key(b)
		return cmp.Or(cmp.Compare(da, db), cmp.Compare(pa, pb))
	})
	return rules
}

// RenderNSG re-renders the stored NSG id.
func RenderNSG(c *arm.Call, id string) error { return rerender(c, id, renderNSG) }

// NSGRules returns the custom rules of the stored NSG id in the fabric model.
func NSGRules(c *arm.Call, id string) []fabric.SecurityRule {
	var out []fabric.SecurityRule
	c.ScanChildren(id, "securityRules", func(raw []byte) bool {
		var r armnetwork.SecurityRule
		if json.Unmarshal(raw, &r) == nil {
			out = append(out, ToFabricRule(deref(r.Name), r.Properties))
		}
		return true
	})
	return out
}

func (p *Provider) securityRuleKind() *arm.Kind {
	return &arm.Kind{
		Type:         TypeSecurityRule,
		Model:        armnetwork.SecurityRule{},
		ValidName:    ruleNameRule.Check,
		NotFoundCode: "NotFound",
		Put: func(c *arm.Call) ([]byte, error) {
			var r armnetwork.SecurityRule
			if err := c.Decode(&r); err != nil {
				return nil, err
			}
			if err := validateSecurityRule(c.Name, r.Properties, ""); err != nil {
				return nil, err
			}
			all := []*armnetwork.SecurityRule{{Name: to.Ptr(c.Name), Properties: r.Properties}}
			c.ScanChildren(c.Parent, "securityRules", func(raw []byte) bool {
				var o armnetwork.SecurityRule
				if json.Unmarshal(raw, &o) == nil && !strings.EqualFold(deref(o.Name), c.Name) {
					all = append(all, &o)
				}
				return true
			})
			if err := checkPriorityConflicts(all); err != nil {
				if e, ok := azerr.As(err); ok {
					e.Target = "properties.priority"
				}
				return nil, err
			}
			if err := saveSecurityRule(c, c.ID, TypeSecurityRule, r.Properties); err != nil {
				return nil, err
			}
			return c.StoredDoc(c.ID), nil
		},
		AfterPut: func(c *arm.Call) error {
			if err := renewETag(c, c.Parent); err != nil {
				return err
			}
			return RenderNSG(c, c.Parent)
		},
		AfterDelete: func(c *arm.Call) error { return RenderNSG(c, c.Parent) },
	}
}

func (p *Provider) defaultSecurityRuleKind() *arm.Kind {
	return &arm.Kind{
		Type:         TypeDefaultSecurityRule,
		NotFoundCode: "NotFound",
		Delete: func(c *arm.Call) error {
			return azerr.BadRequest("CannotModifyDefaultSecurityRule", "name", "Default security rule %s can't be deleted.", c.Name)
		},
	}
}
