package arm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Fields a client sends that the kind's model does not know are kept.
//
// aksnet decodes every body into the Azure SDK's model of its api-version
// (Kind.Model), which silently drops what a newer api-version added: an
// azurerm built for a newer AKS api sends properties.nodeProvisioningProfile,
// which the model has no field for, reads the cluster back without it and
// plans a change forever. Azure, which knows that api-version, stores and
// returns the field. So a PUT records the body's properties that the model
// does not know (what a round trip through the model loses) in a sidecar
// record, and every save of the resource's document, by the PUT itself or
// any later re-render, puts them back where the document has nothing at
// that path. A PUT replaces the sidecar, as it replaces the resource: a
// field left out of the next PUT is gone.
//
// Only what the model does not know is kept, never a known field that the
// provider chose to drop or derive: a stale read-only value a client echoes
// (a subnet's ipConfigurations) must not come back. aksnet can't tell a
// newer api-version's field from a misspelled one, so both are kept; Azure
// would ignore the latter. Arrays are atomic: unknown fields inside array
// elements (a pool in agentPoolProfiles) are not kept, because the render
// may order the elements differently.

// passthroughKey is the store key of id's kept fields, a JSON object in
// the document's shape.
func passthroughKey(id string) string { return "u/" + strings.ToLower(id) }

// unknownFields returns the body's fields under "properties" that a round
// trip through a fresh value of model's type loses, as a JSON document in
// the body's shape, or nil when there are none.
func unknownFields(body []byte, model any) ([]byte, error) {
	var sent map[string]any
	if err := json.Unmarshal(body, &sent); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	props, ok := sent["properties"].(map[string]any)
	if !ok {
		return nil, nil
	}
	v := reflect.New(reflect.TypeOf(model)).Interface()
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("decode body into %T: %w", model, err)
	}
	known, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", model, err)
	}
	var kept map[string]any
	if err := json.Unmarshal(known, &kept); err != nil {
		return nil, fmt.Errorf("decode %T: %w", model, err)
	}
	knownProps, _ := kept["properties"].(map[string]any)
	lost := missing(props, knownProps)
	if len(lost) == 0 {
		return nil, nil
	}
	return json.Marshal(map[string]any{"properties": lost})
}

// missing returns the fields of sent that have is missing, recursing into
// objects both hold; null values are not fields.
func missing(sent, has map[string]any) map[string]any {
	var out map[string]any
	for k, v := range sent {
		if v == nil {
			continue
		}
		var sub any
		if h, ok := has[k]; !ok || h == nil {
			sub = v
		} else {
			so, ok1 := v.(map[string]any)
			ho, ok2 := h.(map[string]any)
			if !ok1 || !ok2 {
				continue
			}
			m := missing(so, ho)
			if len(m) == 0 {
				continue
			}
			sub = m
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = sub
	}
	return out
}

// fillAbsent returns doc with the fields of kept that doc has nothing at
// (absent or null) added, recursing into objects both hold.
func fillAbsent(doc, kept []byte) ([]byte, error) {
	var d, k map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	if err := json.Unmarshal(kept, &k); err != nil {
		return nil, fmt.Errorf("decode kept fields: %w", err)
	}
	lost := missing(k, d)
	if len(lost) == 0 {
		return doc, nil
	}
	merge(d, lost)
	return json.Marshal(d)
}

// merge adds add's fields into into, recursing into objects both hold.
func merge(into, add map[string]any) {
	for k, v := range add {
		if io, ok := into[k].(map[string]any); ok {
			if ao, ok := v.(map[string]any); ok {
				merge(io, ao)
				continue
			}
		}
		into[k] = v
	}
}

// keepUnknown records the fields of c's PUT body that its kind's model does
// not know, replacing what an earlier PUT kept, before the document is saved.
func keepUnknown(c *Call) error {
	lost, err := unknownFields(c.Body, c.Kind.Model)
	if err != nil {
		// The kind's Put hook decoded this body already.
		return fmt.Errorf("keep the fields sent for %s: %w", c.ID, err)
	}
	if lost == nil {
		c.Tx.Delete(passthroughKey(c.ID))
		return nil
	}
	c.Tx.Put(passthroughKey(c.ID), lost)
	return nil
}
