package arm

import (
	"encoding/json"
	"reflect"
	"testing"

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
			got, err := unknownFields([]byte(tc.body), armnetwork.VirtualNetwork{})
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, string(got), tc.want) {
				t.Errorf("unknownFields(%s) = %s, want %s", tc.body, got, tc.want)
			}
		})
	}
	if _, err := unknownFields([]byte(`{"properties":{"addressSpace":3}}`), armnetwork.VirtualNetwork{}); err == nil {
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
