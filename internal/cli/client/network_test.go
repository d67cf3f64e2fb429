package client

import (
	"encoding/json"
	"testing"
)

// az's model prints an effective route list with nextLink (null) and value.
func TestDecodeEffectiveRoutes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"value":[{"source":"Default","state":"Active"}]}`, `{"nextLink":null,"value":[{"source":"Default","state":"Active"}]}`},
		{`{}`, `{"nextLink":null,"value":[]}`},
		{`{"nextLink":"x","value":[]}`, `{"nextLink":"x","value":[]}`},
	} {
		v, err := DecodeEffectiveRoutes([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		got, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("DecodeEffectiveRoutes(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if _, err := DecodeEffectiveRoutes([]byte(`{`)); err == nil {
		t.Error("bad JSON: no error")
	}
}
