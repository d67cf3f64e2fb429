package arm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
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
func passthroughKey(id string) string { return lowerKey("u/", id) }

// unknownFields returns the body's fields under "properties" that a round
// trip through a fresh value of model's type loses, as a JSON document in
// the body's shape, or nil when there are none. The key paths the model
// kept are added to known.
func unknownFields(body []byte, model any, known *knownPaths) ([]byte, error) {
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
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", model, err)
	}
	known.learn(enc)
	var kept map[string]any
	if err := json.Unmarshal(enc, &kept); err != nil {
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
	// Only a stored resource can have kept fields (a delete removes them):
	// a create skips the delete, a write the committer would do.
	drop := func() {
		if c.Existing != nil {
			c.Tx.Delete(passthroughKey(c.ID))
		}
	}
	if c.Kind.known.covers(c.Body) {
		drop()
		return nil
	}
	lost, err := unknownFields(c.Body, c.Kind.Model, &c.Kind.known)
	if err != nil {
		// The kind's Put hook decoded this body already.
		return fmt.Errorf("keep the fields sent for %s: %w", c.ID, err)
	}
	if lost == nil {
		drop()
		return nil
	}
	c.Tx.Put(passthroughKey(c.ID), lost)
	c.keptFor = c.ID
	return nil
}

// knownPaths remembers the key paths under "properties" that a kind's
// model has been seen to keep, so that a body made only of those skips the
// round trip through the model: the PUT hot path (a VNet, a route) then
// costs one scan of the body instead of two decodes and an encode. It is
// bounded, because free-form maps (tags inside properties, node labels) put
// client-chosen keys in paths; once full, bodies with new paths take the
// round trip, which is exact.
type knownPaths struct {
	mu    sync.RWMutex
	paths map[uint64]struct{}
}

// maxKnownPaths bounds a kind's knownPaths.
const maxKnownPaths = 4096

// covers reports whether every key path under "properties" in body is known.
func (k *knownPaths) covers(body []byte) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if len(k.paths) == 0 {
		return false
	}
	ok := true
	scanKeyPaths(body, func(h uint64) bool {
		if _, known := k.paths[h]; !known {
			ok = false
		}
		return ok
	})
	return ok
}

// learn records the key paths under "properties" of doc, a model's encoding.
func (k *knownPaths) learn(doc []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.paths == nil {
		k.paths = map[uint64]struct{}{}
	}
	scanKeyPaths(doc, func(h uint64) bool {
		if len(k.paths) >= maxKnownPaths {
			return false
		}
		k.paths[h] = struct{}{}
		return true
	})
}

// pathHash extends the hash of a key path by one element (FNV-1a).
func pathHash(h uint64, elem []byte) uint64 {
	const prime = 1099511628211
	h ^= '/'
	h *= prime
	for _, b := range elem {
		h ^= uint64(b)
		h *= prime
	}
	return h
}

const pathHashSeed uint64 = 14695981039346656037

var (
	arrayElem      = []byte("[]")
	propertiesHash = pathHash(pathHashSeed, []byte("properties"))
)

// scanKeyPaths calls fn with the hash of the path of every object key below
// the top-level "properties" object of doc, a valid JSON document (array
// elements are one path element, "[]"), until fn returns false. Keys are
// hashed as they are written, escapes included: a body that spells a known
// key with an escape only takes the exact round trip.
func scanKeyPaths(doc []byte, fn func(uint64) bool) {
	var stack []scanFrame
	valueHash := pathHashSeed // the path hash of the value that comes next
	expectKey := false
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '{':
			stack = append(stack, scanFrame{hash: valueHash, object: true})
			expectKey = true
		case '[':
			stack = append(stack, scanFrame{hash: valueHash})
			valueHash = pathHash(valueHash, arrayElem)
			expectKey = false
		case '}', ']':
			if len(stack) == 0 {
				return // not JSON; callers pass only decoded bodies
			}
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && !stack[n-1].object {
				valueHash = pathHash(stack[n-1].hash, arrayElem)
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				expectKey = true
			}
		case '"':
			start := i + 1
			for i++; i < len(doc) && doc[i] != '"'; i++ {
				if doc[i] == '\\' {
					i++
				}
			}
			if !expectKey {
				continue
			}
			if len(stack) == 0 {
				return // not JSON
			}
			expectKey = false
			top := stack[len(stack)-1]
			if len(stack) == 1 {
				// A top-level key: only "properties" is followed.
				valueHash = pathHash(pathHashSeed, doc[start:i])
				continue
			}
			valueHash = pathHash(top.hash, doc[start:i])
			if underProperties(stack) && !fn(valueHash) {
				return
			}
		}
	}
}

// scanFrame is an object or array that scanKeyPaths is inside: the hash of
// its path.
type scanFrame struct {
	hash   uint64
	object bool
}

// underProperties reports whether the innermost object of stack lies in
// the top-level "properties" object.
func underProperties(stack []scanFrame) bool {
	return len(stack) > 1 && stack[1].hash == propertiesHash
}
