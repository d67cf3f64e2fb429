package kubenet

import (
	"net/netip"
	"testing"
)

func TestValidateRangesReturnsTheParsedRanges(t *testing.T) {
	pool := Pool{Name: "nodepool1", Count: 3, SubnetPrefix: netip.MustParsePrefix("192.168.1.0/24")}
	vnet := []netip.Prefix{netip.MustParsePrefix("192.168.0.0/16")}
	for _, tc := range []struct {
		name string
		prof NetworkProfile
		want Ranges
	}{
		{"kubenet defaults", NetworkProfile{}, Ranges{PodCIDR: netip.MustParsePrefix("10.244.0.0/16"),
			ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), DNSServiceIP: netip.MustParseAddr("10.0.0.10")}},
		{"given ranges", NetworkProfile{PodCIDR: "10.10.0.0/16", ServiceCIDR: "172.16.0.0/16"}, Ranges{PodCIDR: netip.MustParsePrefix("10.10.0.0/16"),
			ServiceCIDR: netip.MustParsePrefix("172.16.0.0/16"), DNSServiceIP: netip.MustParseAddr("172.16.0.10")}},
		{"azure CNI has no pod CIDR", NetworkProfile{NetworkPlugin: PluginAzure}, Ranges{
			ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), DNSServiceIP: netip.MustParseAddr("10.0.0.10")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValidateRanges(ClusterSpec{Profile: tc.prof, Pools: []Pool{pool}, VNetPrefixes: vnet})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ValidateRanges = %+v, want %+v", got, tc.want)
			}
		})
	}
	got, err := ValidateRanges(ClusterSpec{Profile: NetworkProfile{PodCIDR: "10.244.0.0/33"}, Pools: []Pool{pool}, VNetPrefixes: vnet})
	if err == nil || got != (Ranges{}) {
		t.Errorf("bad pod CIDR: ValidateRanges = %+v, %v; want zero Ranges and an error", got, err)
	}
}
