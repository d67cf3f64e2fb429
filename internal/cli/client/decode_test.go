package client

import (
	"encoding/json"
	"testing"
)

// The decoders give the keys az's models print: a next hop's absent or
// empty fields are null; an effective route list has nextLink (null) and
// value.
func TestDecoders(t *testing.T) {
	nextHop := func(raw []byte) (any, error) { return DecodeNextHop(raw) }
	for _, tc := range []struct {
		name   string
		decode func([]byte) (any, error)
		in     string
		want   string
	}{
		{"next hop", nextHop, `{"nextHopType":"VirtualAppliance","nextHopIpAddress":"192.168.1.4","routeTableId":"/rt"}`,
			`{"nextHopIpAddress":"192.168.1.4","nextHopType":"VirtualAppliance","routeTableId":"/rt"}`},
		{"next hop without address", nextHop, `{"nextHopType":"Internet","nextHopIpAddress":"","routeTableId":"System Route"}`,
			`{"nextHopIpAddress":null,"nextHopType":"Internet","routeTableId":"System Route"}`},
		{"next hop None", nextHop, `{"nextHopType":"None"}`, `{"nextHopIpAddress":null,"nextHopType":"None","routeTableId":null}`},
		{"effective routes", DecodeEffectiveRoutes, `{"value":[{"source":"Default","state":"Active"}]}`,
			`{"nextLink":null,"value":[{"source":"Default","state":"Active"}]}`},
		{"no effective routes", DecodeEffectiveRoutes, `{}`, `{"nextLink":null,"value":[]}`},
		{"effective routes with a next link", DecodeEffectiveRoutes, `{"nextLink":"x","value":[]}`, `{"nextLink":"x","value":[]}`},
	} {
		v, err := tc.decode([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%s: %s prints %s, want %s", tc.name, tc.in, got, tc.want)
		}
		if _, err := tc.decode([]byte(`{`)); err == nil {
			t.Errorf("%s: bad JSON: no error", tc.name)
		}
	}
}
