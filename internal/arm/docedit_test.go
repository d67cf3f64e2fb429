package arm

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// refEdit is the decode-and-encode edit that the in-place functions of
// docedit.go stand for: doc is decoded into maps, the member at path is
// removed (value nil), added when absent (onlyMissing), or set, and every
// object along the path is encoded again. ok is false when doc is not JSON; a document that is not an object is
// returned as it is.
// With dropEmpty a removal that empties the enclosing object removes it too
// (an object that was empty already stays).
func refEdit(doc []byte, path []string, value json.RawMessage, onlyMissing, dropEmpty bool) (out []byte, ok bool) {
	if !json.Valid(doc) {
		return nil, false
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc, &obj); err != nil || obj == nil {
		return doc, true // not an object: nothing to edit
	}
	if len(path) == 1 {
		_, had := obj[path[0]]
		switch {
		case value == nil && had:
			delete(obj, path[0])
		case value != nil && (!had || !onlyMissing):
			obj[path[0]] = value
		default:
			return doc, true
		}
		out, err := json.Marshal(obj)
		return out, err == nil
	}
	inner, had := obj[path[0]]
	if t := bytes.TrimSpace(inner); !had || len(t) == 0 || t[0] != '{' {
		return doc, true
	}
	var members map[string]json.RawMessage
	sole := false
	if json.Unmarshal(inner, &members) == nil {
		_, sole = members[path[1]]
		sole = sole && len(members) == 1
	}
	if dropEmpty && len(path) == 2 && value == nil && sole {
		delete(obj, path[0])
	} else {
		edited, ok := refEdit(inner, path[1:], value, onlyMissing, dropEmpty)
		if !ok {
			return nil, false
		}
		obj[path[0]] = edited
	}
	out, err := json.Marshal(obj)
	return out, err == nil
}

// canonical reports whether doc is in the form aksnet stores documents
// in: what json.Marshal writes for it (members in key order, no spaces, no
// repeated names). The in-place edits give the reference's very bytes for
// such a document.
func canonical(doc []byte) bool {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return false
	}
	out, err := json.Marshal(v)
	return err == nil && bytes.Equal(out, doc)
}

func TestDocEdits(t *testing.T) {
	vnet := `{"etag":"W/\"1\"","id":"/v","location":"eastus","name":"v","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]},"provisioningState":"Succeeded","subnets":[{"name":"s"}]},"type":"T"}`
	for _, tc := range []struct {
		name, doc, want string
		edit            func([]byte) ([]byte, error)
	}{
		{"add a missing member in key order", vnet,
			`{"etag":"W/\"1\"","id":"/v","location":"eastus","name":"v","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]},"privateEndpointVNetPolicies":"Disabled","provisioningState":"Succeeded","subnets":[{"name":"s"}]},"type":"T"}`,
			func(d []byte) ([]byte, error) {
				return addMissingMember(d, []string{"properties", "privateEndpointVNetPolicies"}, `"Disabled"`)
			}},
		{"a present member keeps its value", vnet, vnet,
			func(d []byte) ([]byte, error) {
				return addMissingMember(d, []string{"properties", "provisioningState"}, `"Failed"`)
			}},
		{"add last", `{"a":{"b":1}}`, `{"a":{"b":1,"c":2}}`,
			func(d []byte) ([]byte, error) { return addMissingMember(d, []string{"a", "c"}, `2`) }},
		{"add to an empty object", `{"a":{ }}`, `{"a":{ "c":2}}`,
			func(d []byte) ([]byte, error) { return addMissingMember(d, []string{"a", "c"}, `2`) }},
		{"no enclosing object: nothing", `{"a":[1]}`, `{"a":[1]}`,
			func(d []byte) ([]byte, error) { return addMissingMember(d, []string{"a", "c"}, `2`) }},
		{"set replaces", vnet, strings.Replace(vnet, `"Succeeded"`, `"Updating"`, 1),
			func(d []byte) ([]byte, error) {
				out, _, err := setMember(d, []string{"properties", "provisioningState"}, `"Updating"`)
				return out, err
			}},
		{"delete a middle member", vnet, strings.Replace(vnet, `"provisioningState":"Succeeded",`, "", 1),
			func(d []byte) ([]byte, error) {
				return deleteMember(d, []string{"properties", "provisioningState"}, false)
			}},
		{"delete the last member", `{"a":1,"b":2}`, `{"a":1}`,
			func(d []byte) ([]byte, error) { return deleteMember(d, []string{"b"}, false) }},
		{"delete the only member", `{"a":{"b":2}}`, `{"a":{}}`,
			func(d []byte) ([]byte, error) { return deleteMember(d, []string{"a", "b"}, false) }},
		{"delete the only member and its object", `{"a":{"b":2},"c":3}`, `{"c":3}`,
			func(d []byte) ([]byte, error) { return deleteMember(d, []string{"a", "b"}, true) }},
		{"an absent member: nothing", vnet, vnet,
			func(d []byte) ([]byte, error) { return deleteMember(d, []string{"properties", "nope"}, true) }},
		{"names with escapes are read as names", `{"a\"b":{"c":1}}`, `{"a\"b":{}}`,
			func(d []byte) ([]byte, error) { return deleteMember(d, []string{`a"b`, "c"}, false) }},
		{"provisioning state", vnet, strings.Replace(vnet, `"Succeeded"`, `"Updating"`, 1),
			func(d []byte) ([]byte, error) { return withProvisioningState(d, "Updating"), nil }},
		{"provisioning state without properties", `{"id":"x"}`, `{"id":"x","properties":{"provisioningState":"Updating"}}`,
			func(d []byte) ([]byte, error) { return withProvisioningState(d, "Updating"), nil }},
		{"provisioning state into properties", `{"properties":{"a":1}}`, `{"properties":{"a":1,"provisioningState":"Updating"}}`,
			func(d []byte) ([]byte, error) { return withProvisioningState(d, "Updating"), nil }},
		{"provisioning state: properties not an object", `{"properties":null}`, `{"properties":null}`,
			func(d []byte) ([]byte, error) { return withProvisioningState(d, "Updating"), nil }},
		{"provisioning state: not JSON", `{"properties":`, `{"properties":`,
			func(d []byte) ([]byte, error) { return withProvisioningState(d, "Updating"), nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.edit([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	for _, bad := range []string{``, `{`, `{"a":}`, `{"a":1}x`, `{"a" 1}`} {
		if _, err := deleteMember([]byte(bad), []string{"a"}, false); err == nil {
			t.Errorf("deleteMember(%q): no error", bad)
		}
		if _, err := addMissingMember([]byte(bad), []string{"a", "b"}, `1`); err == nil {
			t.Errorf("addMissingMember(%q): no error", bad)
		}
	}
}

// FuzzDocEdits holds the in-place edits to the decode-and-encode reference:
// on any input they neither panic nor answer invalid JSON for valid JSON,
// fail exactly when the reference fails, and give the reference's very
// bytes for a document in the stored form (canonical).
func FuzzDocEdits(f *testing.F) {
	for _, s := range []string{
		`{"etag":"W/\"1\"","id":"/v","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/8"]},"provisioningState":"Succeeded"}}`,
		`{"a":{"b":{}},"c":[{"d":1}]}`,
		`{"properties":{"b":1}}`,
		`{}`, `{"properties":null}`, ` {"a" : {"b" : 1 } } `, `[1]`, `{"a":"\u003c"}`,
	} {
		f.Add([]byte(s), "properties.b", `"x"`)
		f.Add([]byte(s), "a.b", `{"z":[]}`)
	}
	f.Fuzz(func(t *testing.T, doc []byte, dotted, value string) {
		if dotted == "" || !json.Valid([]byte(value)) || !canonical([]byte(value)) {
			return
		}
		path := strings.Split(dotted, ".")
		valid := json.Valid(doc)
		check := func(op string, got []byte, err error, want []byte, ok bool) {
			t.Helper()
			if (err == nil) != ok {
				t.Fatalf("%s(%q, %q): err %v, reference ok %v", op, doc, dotted, err, ok)
			}
			if err != nil {
				return
			}
			if valid && !json.Valid(got) {
				t.Fatalf("%s(%q, %q) = %q: not JSON", op, doc, dotted, got)
			}
			if canonical(doc) && !bytes.Equal(got, want) {
				t.Fatalf("%s(%q, %q)\n got %s\nwant %s", op, doc, dotted, got, want)
			}
		}
		for _, drop := range []bool{false, true} {
			got, err := deleteMember(doc, path, drop)
			want, ok := refEdit(doc, path, nil, false, drop)
			check("deleteMember", got, err, want, ok)
		}
		got, err := addMissingMember(doc, path, value)
		want, ok := refEdit(doc, path, json.RawMessage(value), true, false)
		check("addMissingMember", got, err, want, ok)
		got, _, err = setMember(doc, path, value)
		want, ok = refEdit(doc, path, json.RawMessage(value), false, false)
		check("setMember", got, err, want, ok)
	})
}

// setMember, addMissingMember and deleteMember are the checkedDoc edits on
// a document they check first, as the tests drive them.
func setMember(doc []byte, path []string, value string) (out []byte, changed bool, err error) {
	d, err := check(doc)
	if err != nil {
		return nil, false, err
	}
	d, changed = d.set(path, value)
	return d.b, changed, nil
}

func addMissingMember(doc []byte, path []string, value string) ([]byte, error) {
	d, err := check(doc)
	if err != nil {
		return nil, err
	}
	return d.addMissing(path, value).b, nil
}

func deleteMember(doc []byte, path []string, dropEmpty bool) ([]byte, error) {
	d, err := check(doc)
	if err != nil {
		return nil, err
	}
	return d.remove(path, dropEmpty).b, nil
}
