package arm

import (
	"strings"
	"testing"
)

func TestDocID(t *testing.T) {
	tests := []struct {
		doc     string
		want    string
		wantErr bool
	}{
		{doc: `{"id":"/subscriptions/s/resourceGroups/rg"}`, want: "/subscriptions/s/resourceGroups/rg"},
		{doc: `{"etag":"W/\"x\"","extendedLocation":{"id":"no","name":"n"},"id":"/a/b","properties":{"id":"no"}}`, want: "/a/b"},
		{doc: `{"properties":{"id":"nested"},"name":"n"}`, want: ""},
		{doc: `{"id":null}`, want: ""},
		{doc: `{}`, want: ""},
		{doc: `[]`, wantErr: true},
		{doc: ``, wantErr: true},
		{doc: `{"id":7}`, wantErr: true},
		{doc: `{"etag":`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := docID([]byte(tt.doc))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("docID(%s) = %q, %v; want %q, error %v", tt.doc, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDocString(t *testing.T) {
	doc := []byte(`{"etag":"W/\"1\"","id":"/a","location":"eastus","properties":{"location":"nested","etag":"nested"},"tags":{}}`)
	for key, want := range map[string]string{"etag": `W/"1"`, "id": "/a", "location": "eastus", "name": ""} {
		if got, err := docString(doc, key); err != nil || got != want {
			t.Errorf("docString(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
	if got := docETag([]byte(`not json`)); got != "" {
		t.Errorf("docETag of a damaged document = %q, want none", got)
	}
}

// TestLowerKey: a store key is its prefix and the lower-cased id, for ids
// in ASCII (the one-allocation path) and beyond it (strings.ToLower).
func TestLowerKey(t *testing.T) {
	for _, s := range []string{"", "/Subscriptions/ABC/resourceGroups/RG1", "already/lower", "Ünïcode/ÄKS", "mixed-Ω-Name", "\xff\xfeBAD"} {
		if got, want := lowerKey("r/", s), "r/"+strings.ToLower(s); got != want {
			t.Errorf("lowerKey(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestCheckUserAssignedIdentities_AnyCase: encoding/json reads a member
// name in any case, so the check that skips bodies without an identity must
// too: a bad key is refused however "identity" is written.
func TestCheckUserAssignedIdentities_AnyCase(t *testing.T) {
	for _, body := range []string{
		`{"identity":{"userAssignedIdentities":{"bad":{}}}}`,
		`{"IDENTITY":{"userAssignedIdentities":{"bad":{}}}}`,
		`{"IdEnTiTy":{"userAssignedIdentities":{"bad":{}}}}`,
		`{"\u0069dentity":{"userAssignedIdentities":{"bad":{}}}}`,
	} {
		if err := checkUserAssignedIdentities([]byte(body)); err == nil {
			t.Errorf("checkUserAssignedIdentities(%s): no error", body)
		}
	}
	for _, body := range []string{`{"location":"eastus"}`, `{"properties":{"identityish":1}}`, ``} {
		if err := checkUserAssignedIdentities([]byte(body)); err != nil {
			t.Errorf("checkUserAssignedIdentities(%s) = %v", body, err)
		}
	}
}
