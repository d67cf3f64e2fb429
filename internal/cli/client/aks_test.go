package client

import "testing"

func TestAKSHelpers(t *testing.T) {
	for id, want := range map[string]bool{
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s":      true,
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i": true,
		"/subscriptions/s/resourceGroups/rg": false, "mySubnet": false, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks": false,
	} {
		if got := IsResourceID(id); got != want {
			t.Errorf("IsResourceID(%q) = %v", id, got)
		}
	}
	for in, want := range map[[3]string]string{
		{"myAKSCluster", "myResourceGroup", "00000000-1111"}:             "myAKSClust-myResourceGroup-000000",
		{"1cluster", "my_rg.with.dots-and-a-very-long-name", "abcdef12"}: "a1cluster-myrgwithdots-and-abcdef",
	} {
		if got := DefaultDNSPrefix(in[0], in[1], in[2]); got != want {
			t.Errorf("DefaultDNSPrefix(%v) = %q, want %q", in, got, want)
		}
	}
}
