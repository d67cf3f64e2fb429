package arm

import "testing"

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
