package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none", "TSV", "Json"} {
		f, err := ParseFormat("aksnet network vnet list", s)
		if err != nil || string(f) != strings.ToLower(s) {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	tests := []struct {
		value, msg string
		recs       []string
	}{
		{"tabel", "aksnet network vnet list: 'tabel' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.", []string{"Did you mean 'table' ?"}},
		{"XML", "aksnet network vnet list: 'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.", nil},
	}
	for _, tc := range tests {
		_, err := ParseFormat("aksnet network vnet list", tc.value)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("ParseFormat(%q) error %v is not *Error", tc.value, err)
		}
		if diff := cmp.Diff(&Error{Message: tc.msg, Recommendations: tc.recs, Code: 2}, e); diff != "" {
			t.Errorf("ParseFormat(%q) (-want +got):\n%s", tc.value, diff)
		}
	}
}

func TestCompileQuery(t *testing.T) {
	if err := CompileQuery("[?provisioningState=='Succeeded'].{Name:name, Prefix:addressPrefix}"); err != nil {
		t.Fatalf("valid query: %v", err)
	}
	tests := map[string]string{
		"[":          "argument --query: invalid jmespath_type value: '['",
		"":           "argument --query: invalid jmespath_type value: ''",
		"[?a=='b'":   `argument --query: invalid jmespath_type value: "[?a=='b'"`,
		"foo(\tbar(": `argument --query: invalid jmespath_type value: 'foo(\tbar('`,
	}
	for q, want := range tests {
		err := CompileQuery(q)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("CompileQuery(%q) = %v, want *Error", q, err)
		}
		if e.Message != want || e.Code != 2 || len(e.Recommendations) != 1 || e.Recommendations[0] != QueryReference {
			t.Errorf("CompileQuery(%q) = %+v, want message %q, code 2 and the query reference", q, e, want)
		}
	}
}

func TestQueryRuntimeError(t *testing.T) {
	err := Write(&bytes.Buffer{}, []byte(`{"a": 5}`), JSON, "length(a)", false)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not *Error", err)
	}
	if !strings.HasPrefix(e.Message, "Invalid jmespath query supplied for `--query`: ") || e.Code != 1 {
		t.Errorf("got %+v", e)
	}
}

// A null result prints nothing in any format, as knack skips a None result.
func TestNullResultPrintsNothing(t *testing.T) {
	for _, f := range Formats {
		for _, tc := range []struct {
			result any
			query  string
		}{
			{nil, ""},
			{[]byte(""), ""},
			{[]byte("null"), ""},
			{[]byte(`{"name": "x"}`), "missing"},
		} {
			var buf bytes.Buffer
			if err := Write(&buf, tc.result, f, tc.query, true); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if buf.Len() != 0 {
				t.Errorf("%s %v %q printed %q", f, tc.result, tc.query, buf.String())
			}
		}
	}
}

func TestNoneFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []byte(`[{"name":"a"}]`), None, "", false); err != nil || buf.Len() != 0 {
		t.Errorf("none printed %q, %v", buf.String(), err)
	}
}

func TestJSONCWithoutColourIsJSON(t *testing.T) {
	doc := []byte(`{"b": 1, "a": "x"}`)
	plain, err := Render(doc, Options{Format: JSON})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{JSONC} {
		got, err := Render(doc, Options{Format: f})
		if err != nil || got != plain {
			t.Errorf("%s without colour = %q, %v; want %q", f, got, err, plain)
		}
	}
	if got, _ := Render(doc, Options{Format: YAMLC, Color: true}); got != "a: x\nb: 1\n" {
		t.Errorf("yamlc = %q", got)
	}
}

// Go values are accepted as well as JSON text.
func TestGoValues(t *testing.T) {
	type route struct {
		Name             string  `json:"name"`
		AddressPrefix    string  `json:"addressPrefix"`
		NextHopIPAddress *string `json:"nextHopIpAddress"`
	}
	obj := NewObject()
	obj.Set("zeta", true)
	obj.Set("alpha", json.Number("1.50"))
	tests := []struct {
		name   string
		result any
		format Format
		want   string
	}{
		{"struct field order is the key order for tsv", route{Name: "r1", AddressPrefix: "10.244.0.0/24"}, TSV, "10.244.0.0/24\tr1\tNone\n"},
		{"map", map[string]any{"b": 2, "a": []int{1}}, JSON, "{\n  \"a\": [\n    1\n  ],\n  \"b\": 2\n}\n"},
		{"string", "plain", TSV, "plain\n"},
		{"raw message", json.RawMessage(`"/subscriptions/s"`), TSV, "/subscriptions/s\n"},
		{"Object", obj, JSON, "{\n  \"alpha\": 1.5,\n  \"zeta\": true\n}\n"},
		{"slice of any", []any{true, nil, json.Number("3")}, TSV, "true\nNone\n3\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.result, tc.format, "", false); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeKeepsOrder(t *testing.T) {
	v, err := Decode([]byte(`{"z": 1, "a": {"y": 2, "b": 3}, "z2": [], "a": 4}`))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if diff := cmp.Diff([]string{"z", "a", "z2"}, o.Keys()); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	// A repeated key keeps its first place and its last value, as in Python.
	if a, _ := o.Get("a"); a != json.Number("4") {
		t.Errorf("a = %v", a)
	}
	b, err := json.Marshal(o)
	if err != nil || string(b) != `{"z":1,"a":4,"z2":[]}` {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
	if _, err := Decode([]byte(`{"a": 1} x`)); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestTableTransformer(t *testing.T) {
	doc := []byte(`[{"name": "c1", "location": "eastus", "agentPoolProfiles": [{"count": 3}, {"count": 2}]}]`)
	transform := func(result any) any {
		var rows []any
		for _, item := range result.([]any) {
			c := item.(*Object)
			row := NewObject()
			name, _ := c.Get("name")
			pools, _ := c.Get("agentPoolProfiles")
			row.Set("Name", name)
			row.Set("Pools", len(pools.([]any)))
			rows = append(rows, row)
		}
		return rows
	}
	got, err := Render(doc, Options{Format: Table, TableTransformer: transform})
	if err != nil {
		t.Fatal(err)
	}
	want := "Name    Pools\n------  -------\nc1      2\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transformed (-want +got):\n%s", diff)
	}
	// With a query the transformer is not used, as in az.
	got, err = Render(doc, Options{Format: Table, Query: "[].{N: name}", TableTransformer: transform})
	if err != nil {
		t.Fatal(err)
	}
	if want := "N\n---\nc1\n"; got != want {
		t.Errorf("with query = %q, want %q", got, want)
	}
}

func TestTableUnavailable(t *testing.T) {
	// Rows without columns print an empty line (checked against knack).
	for _, doc := range []string{`[]`, `[{}, {}]`, `[{"id": "x", "etag": "y", "tags": {}}]`} {
		if got, err := Render([]byte(doc), Options{Format: Table}); err != nil || got != "\n" {
			t.Errorf("%s: got %q, %v", doc, got, err)
		}
	}
	// A transformer whose result has no JSON form gives knack's error.
	_, err := Render([]byte(`[{"name": "a"}]`), Options{Format: Table, TableTransformer: func(any) any { return make(chan int) }})
	if !errors.Is(err, errTableUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestMultilineTableCell(t *testing.T) {
	got, err := Render([]byte(`[{"name": "a", "message": "line one\nline two"}, {"name": "b", "message": "x"}]`), Options{Format: Table})
	if err != nil {
		t.Fatal(err)
	}
	// Checked against tabulate 0.9.0.
	want := "Message    Name\n---------  ------\nline one   a\nline two\nx          b\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPythonFloatRepr(t *testing.T) {
	tests := map[float64]string{
		0: "0.0", 1: "1.0", -2.5: "-2.5", 0.1: "0.1", 1e16: "1e+16", 1e15: "1000000000000000.0",
		1e-4: "0.0001", 1e-5: "1e-05", 123456789.125: "123456789.125", 1.5e300: "1.5e+300",
	}
	for f, want := range tests {
		if got := pyFloatRepr(f); got != want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", f, got, want)
		}
	}
}

// The number of a query that calls functions is an int when integral,
// whatever floats the input has, so length() counts print as Python's ints.
func TestQueryFunctionNumbers(t *testing.T) {
	got, err := Render([]byte(`[{"weight": 2.0}, {"weight": 1.5}]`), Options{Format: TSV, Query: "length(@)"})
	if err != nil || got != "2\n" {
		t.Errorf("length = %q, %v", got, err)
	}
	got, err = Render([]byte(`[{"weight": 2.0}, {"weight": 1.5}]`), Options{Format: TSV, Query: "[].weight"})
	if err != nil || got != "2.0\n1.5\n" {
		t.Errorf("weights = %q, %v", got, err)
	}
}

// Rows applies a transformer's row to each object, a single result making
// a one-row list; Columns picks and renames keys, null for a missing one.
func TestRowsAndColumns(t *testing.T) {
	row := func(o *Object) any { return Columns(o, [2]string{"Name", "name"}, [2]string{"Count", "count"}) }
	for _, tc := range []struct{ in, want string }{
		{`[{"name":"a","count":3,"x":1},{"name":"b"}]`, `[{"Name":"a","Count":3},{"Name":"b","Count":null}]`},
		{`{"name":"a","count":1}`, `[{"Name":"a","Count":1}]`},
		{`["kept",{"name":"c"}]`, `["kept",{"Name":"c","Count":null}]`},
		{`[]`, `[]`},
	} {
		v, err := Decode([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(Rows(v, row))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("Rows(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
