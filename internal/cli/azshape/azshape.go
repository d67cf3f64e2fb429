// Package azshape turns ARM JSON into the shape the Azure CLI prints.
//
// az deserialises every response into its Python SDK models and prints them
// back with the attribute names camelCased, so its output differs from the
// wire format in three ways that scripts depend on:
//
//   - properties are flattened into the resource (x-ms-client-flatten), for
//     resources and sub-resources alike, except resource groups;
//   - keys are re-cased from the Python attribute names: acronym runs become
//     one word, so privateIPAddress prints as privateIpAddress, dnsServiceIP
//     as dnsServiceIp, vnetSubnetID as vnetSubnetId, osDiskSizeGB as
//     osDiskSizeGb;
//   - every object with an id under a resource group gains a resourceGroup
//     key.
package azshape

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
)

// Shape converts one decoded ARM JSON value (maps, slices, scalars as
// encoding/json produces them) to az's shape.
func Shape(v any) any {
	return shaper{key: Key}.shape(v)
}

// ShapeAAZ converts a decoded ARM JSON value to the shape az's AAZ commands
// print (az vmss nic list in az 2.45 and later): flattened, with
// resourceGroup keys, but with the wire's key casing (privateIPAddress),
// since AAZ serializes its models by their wire names.
func ShapeAAZ(v any) any {
	return shaper{key: func(k string) string { return k }}.shape(v)
}

// shaper shapes values with key as its re-casing of keys.
type shaper struct{ key func(string) string }

func (sh shaper) shape(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return sh.shapeObject(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = sh.shape(e)
		}
		return out
	default:
		return v
	}
}

// keepNested lists objects whose values are user data, not model
// attributes: their keys are printed as they are.
var keepNested = map[string]bool{"tags": true, "userAssignedIdentities": true, "addonProfiles": false, "nodeLabels": true, "identityProfile": false}

func (sh shaper) shapeObject(m map[string]any) any {
	out := make(map[string]any, len(m))
	flatten := false
	if props, ok := m["properties"].(map[string]any); ok && isResource(m) {
		flatten = true
		for k, v := range props {
			out[sh.key(k)] = sh.shapeValue(k, v)
		}
	}
	for k, v := range m {
		if flatten && k == "properties" {
			continue
		}
		if flatten && k == "type" {
			// az keeps the resource type under "type".
			out["type"] = v
			continue
		}
		out[sh.key(k)] = sh.shapeValue(k, v)
	}
	if id, ok := m["id"].(string); ok {
		if rg := ResourceGroupOf(id); rg != "" {
			if _, has := out["resourceGroup"]; !has {
				out["resourceGroup"] = rg
			}
		}
	}
	return out
}

func (sh shaper) shapeValue(key string, v any) any {
	if keepNested[key] {
		if mm, ok := v.(map[string]any); ok {
			cp := make(map[string]any, len(mm))
			for k, x := range mm {
				cp[k] = sh.shape(x)
			}
			return cp
		}
	}
	return sh.shape(v)
}

// isResource reports whether m is an ARM resource or sub-resource whose
// properties az flattens. Resource groups keep their properties object.
func isResource(m map[string]any) bool {
	t, _ := m["type"].(string)
	if strings.EqualFold(t, "Microsoft.Resources/resourceGroups") {
		return false
	}
	_, hasID := m["id"]
	_, hasName := m["name"]
	return hasID || hasName
}

// ResourceGroupOf extracts the resource group of an id, as az's
// parse_resource_id does: only ids that name a provider's resource have
// one (a resource group's own id does not).
func ResourceGroupOf(id string) string {
	if !strings.Contains(strings.ToLower(id), "/providers/") {
		return ""
	}
	segs := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "resourceGroups") {
			return segs[i+1]
		}
	}
	return ""
}

// Key re-cases a wire key the way az prints it: split into words at case
// boundaries, treating a run of capitals as one word, then camelCase.
func Key(k string) string {
	if k == "" || strings.HasPrefix(k, "@") {
		return k
	}
	var words []string
	rs := []rune(k)
	start := 0
	for i := 1; i < len(rs); i++ {
		prev, cur := rs[i-1], rs[i]
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		boundary := (unicode.IsLower(prev) || unicode.IsDigit(prev)) && unicode.IsUpper(cur) ||
			unicode.IsUpper(prev) && unicode.IsUpper(cur) && next != 0 && unicode.IsLower(next)
		if boundary {
			words = append(words, string(rs[start:i]))
			start = i
		}
	}
	words = append(words, string(rs[start:]))
	var b strings.Builder
	for i, w := range words {
		w = strings.ToLower(w)
		if i > 0 && w != "" {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

// ShapeJSON decodes raw ARM JSON and shapes it.
func ShapeJSON(raw []byte) (any, error) {
	v, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	return Shape(v), nil
}

// Decode decodes JSON with numbers kept as written (json.Number).
func Decode(raw []byte) (any, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
