package network

import (
	"strings"
	"testing"
)

func TestChildID(t *testing.T) {
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt/routes/node-001"
	for _, tt := range []struct {
		name, doc, want, wantErr string
	}{
		{name: "after the etag", doc: `{"etag":"W/\"a\"","id":"` + id + `","name":"node-001"}`, want: id},
		{name: "escaped id: decoded", doc: `{"etag":"W/\"a\"","id":"/x/\u0026y","name":"y"}`, want: "/x/&y"},
		{name: "id elsewhere: decoded", doc: `{"etag":"W/\"a\"","name":"n","id":"` + id + `"}`, want: id},
		{name: "no id", doc: `{"etag":"W/\"a\"","name":"n"}`, wantErr: "has no id"},
		{name: "empty id", doc: `{"etag":"W/\"a\"","id":"","name":"n"}`, wantErr: "has no id"},
		{name: "damaged", doc: `{"etag":"W/\"a\"","name":`, wantErr: "decode a stored child"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, end := leadingETag([]byte(tt.doc))
			if end == 0 {
				t.Fatalf("no leading etag in %s", tt.doc)
			}
			got, err := childID([]byte(tt.doc), end)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("childID = %q, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("childID = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestWithoutProperties: a re-render drops a parent's inline children from
// its stored document before decoding it; everything else stays as stored.
func TestWithoutProperties(t *testing.T) {
	rt := `{"etag":"W/\"1\"","id":"/rt","properties":{"disableBgpRoutePropagation":false,"routes":[{"name":"r1"},{"name":"r2"}],"subnets":[{"id":"/s"}]},"type":"T"}`
	for _, tc := range []struct {
		doc   string
		names []string
		want  string
	}{
		{rt, []string{"routes"}, `{"etag":"W/\"1\"","id":"/rt","properties":{"disableBgpRoutePropagation":false,"subnets":[{"id":"/s"}]},"type":"T"}`},
		{rt, []string{"routes", "subnets"}, `{"etag":"W/\"1\"","id":"/rt","properties":{"disableBgpRoutePropagation":false},"type":"T"}`},
		{rt, []string{"securityRules"}, rt},
		{`{"id":"/x"}`, []string{"routes"}, `{"id":"/x"}`},
		{`{"id":"/x","properties":null}`, []string{"routes"}, `{"id":"/x","properties":null}`},
	} {
		got, err := withoutProperties([]byte(tc.doc), tc.names)
		if err != nil || string(got) != tc.want {
			t.Errorf("withoutProperties(%s, %v) = %s, %v; want %s", tc.doc, tc.names, got, err, tc.want)
		}
	}
	if _, err := withoutProperties([]byte(`{"properties":{"routes":[`), []string{"routes"}); err == nil {
		t.Error("withoutProperties of a damaged document: no error")
	}
}

// TestReadRouteBrief: a route PUT reads each sibling's name and prefix
// alone; a damaged sibling is an error, never a route left out of the
// checks.
func TestReadRouteBrief(t *testing.T) {
	stored := `{"etag":"W/\"1\"","id":"/rt/routes/r1","name":"r1","properties":{"addressPrefix":"10.244.1.0/24","nextHopIpAddress":"10.240.0.5","nextHopType":"VirtualAppliance","provisioningState":"Succeeded"},"type":"Microsoft.Network/routeTables/routes"}`
	for _, tc := range []struct {
		doc, name, prefix string
		bad               bool
	}{
		{doc: stored, name: "r1", prefix: "10.244.1.0/24"},
		{doc: `{"name":"x","properties":{"addressPrefix":"Internet"}}`, bad: true}, // service tags are refused on PUT, never stored
		{doc: `{"name":"x"}`, name: "x"},
		{doc: `{"name":"x","properties":{"addressPrefix":""}}`, name: "x"},
		{doc: `{"name":1}`, bad: true},
		{doc: `{"name":"x","properties":{"addressPrefix":7}}`, bad: true},
		{doc: `{"name":"x","properties":{"addressPrefix":"10.0.0.0/33"}}`, bad: true},
		{doc: `{"name":"x","prop`, bad: true},
	} {
		b, err := readRouteBrief([]byte(tc.doc))
		if tc.bad {
			if err == nil {
				t.Errorf("readRouteBrief(%s) = %+v, want an error", tc.doc, b)
			}
			continue
		}
		if err != nil || b.Name != tc.name || (tc.prefix == "") != !b.AddressPrefix.IsValid() || tc.prefix != "" && b.AddressPrefix.String() != tc.prefix {
			t.Errorf("readRouteBrief(%s) = %+v, %v; want %s %s", tc.doc, b, err, tc.name, tc.prefix)
		}
	}
}
