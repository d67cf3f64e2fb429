package client

import (
	"encoding/json"
	"fmt"
	"net/http"

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
