package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// SecurityRules are the rules of the network security groups at nsgs, in
// order, as one JSON list: each group's own rules, then, with
// includeDefault, its default rules (az's list_nsg_rules reads them from
// the group).
func (c *Client) SecurityRules(nsgs []string, includeDefault bool) ([]byte, error) {
	rules := []json.RawMessage{}
	for _, path := range nsgs {
		r, err := c.Call(http.MethodGet, path, APINetwork, nil)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Properties struct {
				SecurityRules        []json.RawMessage `json:"securityRules"`
				DefaultSecurityRules []json.RawMessage `json:"defaultSecurityRules"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			return nil, fmt.Errorf("decode response: %w", err)
		}
		rules = append(rules, doc.Properties.SecurityRules...)
		if includeDefault {
			rules = append(rules, doc.Properties.DefaultSecurityRules...)
		}
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	return raw, nil
}

// DecodeEffectiveRoutes decodes a NIC's effectiveRouteTable answer with
// the keys az's model prints: nextLink (null) next to value ([] when
// absent).
func DecodeEffectiveRoutes(raw []byte) (any, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		if _, ok := m["nextLink"]; !ok {
			m["nextLink"] = json.RawMessage("null")
		}
		if _, ok := m["value"]; !ok {
			m["value"] = json.RawMessage("[]")
		}
		if shaped, err := json.Marshal(m); err == nil {
			raw = shaped
		}
	}
	v, err := output.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return v, nil
}

// SetOneOrMany sets az's singular property for one value and the plural
// one for several (_handle_plural_or_singular); no value sets neither.
func SetOneOrMany(props map[string]any, singular, plural string, values []string) {
	switch len(values) {
	case 0:
	case 1:
		props[singular] = values[0]
	default:
		props[plural] = values
	}
}

// SubnetSpec is a new subnet as az network vnet create and vnet subnet
// create ask for it.
type SubnetSpec struct {
	Prefixes []string
	// NSG and RouteTable are names (in the subnet's resource group) or
	// ids; "" for none.
	NSG, RouteTable string
}

// SubnetProperties are the properties of the PUT of spec's subnet in rg,
// with az's defaults for the private endpoint and link service policies.
func (c *Client) SubnetProperties(rg string, spec SubnetSpec) map[string]any {
	props := map[string]any{
		"privateEndpointNetworkPolicies":    "Disabled",
		"privateLinkServiceNetworkPolicies": "Enabled",
	}
	SetOneOrMany(props, "addressPrefix", "addressPrefixes", spec.Prefixes)
	if spec.NSG != "" {
		props["networkSecurityGroup"] = map[string]any{"id": c.NetRef(spec.NSG, rg, "networkSecurityGroups")}
	}
	if spec.RouteTable != "" {
		props["routeTable"] = map[string]any{"id": c.NetRef(spec.RouteTable, rg, "routeTables")}
	}
	return props
}

// DefaultSubnetPrefix is az's default for vnet create's --subnet-prefixes:
// the VNet's first address prefix's address with a /24, or the prefix
// itself when it is already /24 or longer.
func DefaultSubnetPrefix(vnetPrefix string) string {
	addr, bits, ok := strings.Cut(vnetPrefix, "/")
	if !ok {
		return vnetPrefix
	}
	n := 0
	for _, c := range bits {
		if c < '0' || c > '9' {
			return vnetPrefix
		}
		n = n*10 + int(c-'0')
	}
	if n < 24 {
		return addr + "/24"
	}
	return addr + "/" + bits
}
