package arm

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func TestUnknownFields(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"nothing unknown", `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]}}}`, ``},
		{"no properties", `{"location":"eastus"}`, ``},
		{"unknown top-level fields are not kept", `{"location":"eastus","futureTopLevel":1}`, ``},
		{"an unknown property", `{"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]},"futureField":{"mode":"Auto"}}}`,
			`{"properties":{"futureField":{"mode":"Auto"}}}`},
		{"an unknown field in a known object", `{"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"],"futureList":["a"]}}}`,
			`{"properties":{"addressSpace":{"futureList":["a"]}}}`},
		{"null is not a field", `{"properties":{"futureField":null}}`, ``},
		{"known fields are never kept, even read-only ones", `{"properties":{"provisioningState":"Succeeded","resourceGuid":"x","subnets":[{"name":"a","properties":{"futureField":1}}]}}`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unknownFields([]byte(tc.body), armnetwork.VirtualNetwork{}, &knownPaths{})
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, string(got), tc.want) {
				t.Errorf("unknownFields(%s) = %s, want %s", tc.body, got, tc.want)
			}
		})
	}
	if _, err := unknownFields([]byte(`{"properties":{"addressSpace":3}}`), armnetwork.VirtualNetwork{}, &knownPaths{}); err == nil {
		t.Error("a body the model can't decode: no error")
	}
}

func TestFillAbsent(t *testing.T) {
	for _, tc := range []struct {
		name, doc, kept, want string
	}{
		{"added", `{"id":"x","properties":{"a":1}}`, `{"properties":{"b":{"c":2}}}`, `{"id":"x","properties":{"a":1,"b":{"c":2}}}`},
		{"the document wins", `{"properties":{"b":{"c":3}}}`, `{"properties":{"b":{"c":2,"d":4}}}`, `{"properties":{"b":{"c":3,"d":4}}}`},
		{"a null in the document is nothing", `{"properties":{"b":null}}`, `{"properties":{"b":1}}`, `{"properties":{"b":1}}`},
		{"a scalar is not merged into", `{"properties":{"b":"s"}}`, `{"properties":{"b":{"c":1}}}`, `{"properties":{"b":"s"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fillAbsent([]byte(tc.doc), []byte(tc.kept))
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, string(got), tc.want) {
				t.Errorf("fillAbsent = %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := fillAbsent([]byte(`{`), []byte(`{}`)); err == nil {
		t.Error("a damaged document: no error")
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	if a == "" || b == "" {
		return a == b
	}
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// refKeyPaths is scanKeyPaths by decoding: the hashes of the key paths
// under the top-level "properties".
func refKeyPaths(t testing.TB, doc []byte) map[uint64]bool {
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	out := map[uint64]bool{}
	var walk func(h uint64, v any)
	walk = func(h uint64, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				kh := pathHash(h, []byte(k))
				out[kh] = true
				walk(kh, e)
			}
		case []any:
			for _, e := range x {
				walk(pathHash(h, arrayElem), e)
			}
		}
	}
	if p, ok := v["properties"]; ok {
		walk(propertiesHash, p)
	}
	return out
}

func scanned(doc []byte) map[uint64]bool {
	out := map[uint64]bool{}
	scanKeyPaths(doc, func(h uint64) bool { out[h] = true; return true })
	return out
}

func TestScanKeyPaths(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		`{"properties":{}}`,
		`{"location":"x","properties":{"a":1,"b":{"c":[1,{"d":2}],"e":"s\"}{,:"},"f":[[{"g":null}]]},"tags":{"h":"i"}}`,
		`{"tags":{"properties":{"x":1}},"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]}}}`,
		` { "properties" : { "a" : { "b" : 1 } , "c" : [ ] } } `,
		`{"properties":{"subnets":[{"name":"a","properties":{"x":1}},{"name":"b","properties":{"y":2}}]}}`,
	} {
		got, want := scanned([]byte(doc)), refKeyPaths(t, []byte(doc))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: scanned %d paths, decoding finds %d", doc, len(got), len(want))
		}
	}
}

func TestKnownPaths_Covers(t *testing.T) {
	var k knownPaths
	body := []byte(`{"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]}}}`)
	if k.covers(body) {
		t.Error("an empty set covers a body")
	}
	if _, err := unknownFields(body, armnetwork.VirtualNetwork{}, &k); err != nil {
		t.Fatal(err)
	}
	if !k.covers(body) {
		t.Error("a body the model kept whole is not covered after a round trip")
	}
	for _, b := range []string{
		`{"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"],"future":1}}}`,
		`{"properties":{"future":{"addressSpace":1}}}`,
		`{"properties":{"\u0061ddressSpace":{}}}`,
	} {
		if k.covers([]byte(b)) {
			t.Errorf("%s is covered", b)
		}
	}
	if !k.covers([]byte(`{"location":"x","tags":{"new":"y"},"properties":{}}`)) {
		t.Error("keys outside properties are not followed, yet they made the body uncovered")
	}
}

// FuzzScanKeyPaths: the scan never panics, and on JSON it finds every key
// path that decoding finds.
func FuzzScanKeyPaths(f *testing.F) {
	f.Add([]byte(`{"properties":{"a":[{"b":1}],"c":"\\"}"}}`))
	f.Add([]byte(`}]"`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		got := scanned(doc) // must not panic on anything
		var v map[string]any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		// Decoding rewrites an escaped or invalid-UTF-8 key, the scan hashes
		// it as written: such a key's path is never among the learned ones
		// (the model writes plain names), so its body takes the exact round
		// trip. The property below is for keys written plainly.
		if !utf8.Valid(doc) || bytes.ContainsRune(doc, '\\') {
			return
		}
		// A duplicate key's earlier value is discarded by decoding but
		// scanned: more paths only send a body to the exact round trip.
		for h := range refKeyPaths(t, doc) {
			if !got[h] {
				t.Fatalf("%q: decoding finds a path the scan missed", doc)
			}
		}
	})
}
