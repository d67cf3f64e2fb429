package client

import (
	"encoding/json"
	"testing"
)

// az prints a next hop's absent or empty fields as null.
func TestDecodeNextHop(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"nextHopType":"VirtualAppliance","nextHopIpAddress":"192.168.1.4","routeTableId":"/rt"}`,
			`{"nextHopIpAddress":"192.168.1.4","nextHopType":"VirtualAppliance","routeTableId":"/rt"}`},
		{`{"nextHopType":"Internet","nextHopIpAddress":"","routeTableId":"System Route"}`,
			`{"nextHopIpAddress":null,"nextHopType":"Internet","routeTableId":"System Route"}`},
		{`{"nextHopType":"None"}`, `{"nextHopIpAddress":null,"nextHopType":"None","routeTableId":null}`},
	} {
		h, err := DecodeNextHop([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		got, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("DecodeNextHop(%s) prints %s, want %s", tc.in, got, tc.want)
		}
	}
	if _, err := DecodeNextHop([]byte(`[`)); err == nil {
		t.Error("DecodeNextHop of bad JSON: no error")
	}
}
