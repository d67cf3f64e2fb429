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
