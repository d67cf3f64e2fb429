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
