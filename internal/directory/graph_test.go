package directory

import (
	"net/http"
	"strings"
	"testing"
)

func TestGraphRouteMatches(t *testing.T) {
	for _, tc := range []struct {
		path, method string
		want         string // the handler's route, "" for 405
	}{
		{"", http.MethodGet, "list"},
		{"", http.MethodPost, "create"},
		{"", http.MethodDelete, ""},
		{"id", http.MethodGet, "get"},
		{"id", http.MethodPatch, "patch"},
		{"id", http.MethodDelete, "delete"},
		{"id", http.MethodPost, ""},
		{"id/removePassword", http.MethodPost, "removePassword"},
		{"id/REMOVEPASSWORD", http.MethodPost, "removePassword"}, // Graph's segments ignore case
		{"id/removePassword", http.MethodGet, ""},
		{"id/addPassword", http.MethodPost, "addPassword"},
		{"id/owners", http.MethodGet, "owners"},
		{"id/owners/$ref", http.MethodPost, "addOwner"},
		{"id/owners/$REF", http.MethodPost, ""}, // $ref is matched exactly
		{"id/owners/owner/$ref", http.MethodDelete, "removeOwner"},
		{"id/owners/owner", http.MethodDelete, ""},
		{"id/other", http.MethodPost, ""},
	} {
		var rest []string
		if tc.path != "" {
			rest = strings.Split(tc.path, "/")
		}
		got := ""
		for i, rt := range appRoutes {
			if rt.matches(rest, tc.method) {
				got = []string{"list", "create", "get", "patch", "delete", "removePassword", "addPassword", "owners", "addOwner", "removeOwner"}[i]
				break
			}
		}
		if got != tc.want {
			t.Errorf("%s /applications/%s routes to %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
