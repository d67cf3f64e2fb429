package client

import "testing"

// az vnet create reserves a /24 at the VNet's first address unless the
// prefix is already that small.
func TestDefaultSubnetPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/16":    "10.0.0.0/24",
		"192.168.0.0/24": "192.168.0.0/24",
		"192.168.1.0/26": "192.168.1.0/26",
		"10.1.2.0":       "10.1.2.0",
		"10.1.2.0/x":     "10.1.2.0/x",
	} {
		if got := DefaultSubnetPrefix(in); got != want {
			t.Errorf("DefaultSubnetPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
