package kubenet

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestApplyDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   NetworkProfile
		want NetworkProfile
	}{
		{name: "Empty", in: NetworkProfile{},
			want: NetworkProfile{NetworkPlugin: "kubenet", PodCIDR: "10.244.0.0/16", ServiceCIDR: "10.0.0.0/16",
				DNSServiceIP: "10.0.0.10", LoadBalancerSKU: "standard", OutboundType: "loadBalancer"}},
		{name: "ServiceCIDRGivenDNSIsDot10", in: NetworkProfile{ServiceCIDR: "172.16.0.0/16"},
			want: NetworkProfile{NetworkPlugin: "kubenet", PodCIDR: "10.244.0.0/16", ServiceCIDR: "172.16.0.0/16",
				DNSServiceIP: "172.16.0.10", LoadBalancerSKU: "standard", OutboundType: "loadBalancer"}},
		{name: "ServiceCIDRTooSmallForDot10", in: NetworkProfile{ServiceCIDR: "172.16.0.0/29"},
			want: NetworkProfile{NetworkPlugin: "kubenet", PodCIDR: "10.244.0.0/16", ServiceCIDR: "172.16.0.0/29",
				LoadBalancerSKU: "standard", OutboundType: "loadBalancer"}},
		{name: "ServiceCIDRUnparsable", in: NetworkProfile{ServiceCIDR: "nope"},
			want: NetworkProfile{NetworkPlugin: "kubenet", PodCIDR: "10.244.0.0/16", ServiceCIDR: "nope",
				LoadBalancerSKU: "standard", OutboundType: "loadBalancer"}},
		{name: "AzureCNIHasNoPodCIDR", in: NetworkProfile{NetworkPlugin: "azure"},
			want: NetworkProfile{NetworkPlugin: "azure", ServiceCIDR: "10.0.0.0/16",
				DNSServiceIP: "10.0.0.10", LoadBalancerSKU: "standard", OutboundType: "loadBalancer"}},
		{name: "GivenValuesKept", in: NetworkProfile{NetworkPlugin: "kubenet", NetworkPolicy: "calico", PodCIDR: "10.245.0.0/16",
			ServiceCIDR: "10.1.0.0/16", DNSServiceIP: "10.1.0.53", LoadBalancerSKU: "basic", OutboundType: "userDefinedRouting"},
			want: NetworkProfile{NetworkPlugin: "kubenet", NetworkPolicy: "calico", PodCIDR: "10.245.0.0/16",
				ServiceCIDR: "10.1.0.0/16", DNSServiceIP: "10.1.0.53", LoadBalancerSKU: "basic", OutboundType: "userDefinedRouting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			ApplyDefaults(&got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ApplyDefaults (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyPoolDefaults(t *testing.T) {
	tests := []struct {
		plugin string
		in     Pool
		want   Pool
	}{
		{"kubenet", Pool{Name: "np"}, Pool{Name: "np", MaxPods: 110, OSType: "Linux"}},
		{"", Pool{}, Pool{MaxPods: DefaultMaxPods, OSType: "Linux"}},
		{"azure", Pool{}, Pool{MaxPods: 30, OSType: "Linux"}},
		{"azure-overlay", Pool{}, Pool{MaxPods: 250, OSType: "Linux"}},
		{"kubenet", Pool{MaxPods: 50, OSType: "Windows"}, Pool{MaxPods: 50, OSType: "Windows"}},
	}
	for _, tt := range tests {
		got := tt.in
		ApplyPoolDefaults(&got, tt.plugin)
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
			t.Errorf("ApplyPoolDefaults(%q) (-want +got):\n%s", tt.plugin, diff)
		}
	}
}

func TestReservedRanges_ReturnsCopy(t *testing.T) {
	r := ReservedRanges()
	want := []netip.Prefix{mp("169.254.0.0/16"), mp("172.30.0.0/16"), mp("172.31.0.0/16"), mp("192.0.2.0/24")}
	if !slices.Equal(r, want) {
		t.Fatalf("ReservedRanges() = %v, want %v", r, want)
	}
	r[0] = mp("10.0.0.0/8")
	if ReservedRanges()[0] != want[0] {
		t.Error("modifying the returned slice changed the reserved ranges")
	}
}

// articleSpec is the article's cluster: kubenet in 192.168.0.0/16, subnet
// 192.168.1.0/24, three nodes, defaults elsewhere.
func articleSpec() ClusterSpec {
	return ClusterSpec{
		Pools:        []Pool{{Name: "nodepool1", Count: 3, SubnetPrefix: mp("192.168.1.0/24")}},
		VNetPrefixes: []netip.Prefix{mp("192.168.0.0/16")},
	}
}

func TestValidate(t *testing.T) {
	const (
		np    = "networkProfile."
		pool0 = "properties.agentPoolProfiles[0]."
		pool1 = "properties.agentPoolProfiles[1]."
	)
	tests := []struct {
		name   string
		mutate func(s *ClusterSpec)
		err    wantErr
	}{
		{name: "ArticleDefaults", mutate: func(s *ClusterSpec) {}},
		{name: "ArticleExplicit", mutate: func(s *ClusterSpec) {
			s.Profile = NetworkProfile{NetworkPlugin: "kubenet", ServiceCIDR: "10.0.0.0/16", DNSServiceIP: "10.0.0.10", PodCIDR: "10.244.0.0/16"}
		}},
		{name: "NoSubnetNoVNet", mutate: func(s *ClusterSpec) { s.Pools[0].SubnetPrefix = netip.Prefix{}; s.VNetPrefixes = nil }},

		// 1. plugin
		{name: "UnknownPlugin", mutate: func(s *ClusterSpec) { s.Profile.NetworkPlugin = "flannel" },
			err: wantErr{CodeInvalidParameter, np + "networkPlugin", []string{`"flannel"`}}},
		{name: "PluginCaseInsensitive", mutate: func(s *ClusterSpec) { s.Profile.NetworkPlugin = "Kubenet" }},

		// 2. parsing
		{name: "PodCIDRUnparsable", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "10.244.0.0/33" },
			err: wantErr{CodeCidrStringParseError, np + "podCIDR", []string{"10.244.0.0/33"}}},
		{name: "PodCIDRHostBits", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "10.244.1.0/16" },
			err: wantErr{CodeInvalidCIDRNotation, np + "podCIDR", []string{"did you mean 10.244.0.0/16?"}}},
		{name: "ServiceCIDRUnparsable", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "ten/16" },
			err: wantErr{CodeCidrStringParseError, np + "serviceCIDR", []string{`"ten/16"`}}},
		{name: "ServiceCIDRIPv6", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "fd00::/108" },
			err: wantErr{CodeCidrStringParseError, np + "serviceCIDR", []string{"IPv6"}}},
		{name: "DNSUnparsable", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.0.0.x" },
			err: wantErr{CodeCidrStringParseError, np + "dnsServiceIP", []string{`"10.0.0.x"`}}},

		// 3. enumerations
		{name: "AzurePolicyWithKubenet", mutate: func(s *ClusterSpec) { s.Profile.NetworkPolicy = "azure" },
			err: wantErr{CodeNetworkPolicyAzureNotSupportedForKubenet, np + "networkPolicy", []string{"azure", "calico"}}},
		{name: "CalicoWithKubenet", mutate: func(s *ClusterSpec) { s.Profile.NetworkPolicy = "calico" }},
		{name: "CalicoCaseInsensitive", mutate: func(s *ClusterSpec) { s.Profile.NetworkPolicy = "Calico" }},
		{name: "CiliumWithKubenet", mutate: func(s *ClusterSpec) { s.Profile.NetworkPolicy = "cilium" },
			err: wantErr{CodeInvalidParameter, np + "networkPolicy", []string{`"cilium"`}}},
		{name: "AzurePolicyWithAzureCNI", mutate: func(s *ClusterSpec) { s.Profile.NetworkPlugin = "azure"; s.Profile.NetworkPolicy = "azure" }},
		{name: "UnknownLoadBalancerSKU", mutate: func(s *ClusterSpec) { s.Profile.LoadBalancerSKU = "premium" },
			err: wantErr{CodeInvalidParameter, np + "loadBalancerSku", []string{`"premium"`}}},
		{name: "BasicLoadBalancer", mutate: func(s *ClusterSpec) { s.Profile.LoadBalancerSKU = "Basic" }},
		{name: "UnknownOutboundType", mutate: func(s *ClusterSpec) { s.Profile.OutboundType = "natInstance" },
			err: wantErr{CodeInvalidParameter, np + "outboundType", []string{`"natInstance"`}}},
		{name: "UserDefinedRouting", mutate: func(s *ClusterSpec) { s.Profile.OutboundType = "userDefinedRouting" }},

		// 4. kubenet features
		{name: "WindowsPool", mutate: func(s *ClusterSpec) {
			s.Pools = append(s.Pools, Pool{Name: "win", Count: 1, OSType: "Windows", Index: 1, SubnetPrefix: mp("192.168.1.0/24")})
		}, err: wantErr{CodeAzureCNIOnlyForWindows, pool1 + "osType", []string{`"win"`}}},
		{name: "WindowsPoolWithAzureCNI", mutate: func(s *ClusterSpec) {
			s.Profile.NetworkPlugin = "azure"
			s.Pools = append(s.Pools, Pool{Name: "win", Count: 1, OSType: "Windows", Index: 1, SubnetPrefix: mp("192.168.1.0/24")})
		}},
		{name: "VirtualNodes", mutate: func(s *ClusterSpec) { s.VirtualNodeAddon = true },
			err: wantErr{CodeVirtualNodesNotSupportedWithKubenet, "properties.addonProfiles.aciConnectorLinux", []string{"kubenet"}}},
		{name: "VirtualNodesWithAzureCNI", mutate: func(s *ClusterSpec) { s.Profile.NetworkPlugin = "azure"; s.VirtualNodeAddon = true }},

		// 5. reserved ranges
		{name: "ReservedServiceCIDR", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "172.30.0.0/16" },
			err: wantErr{CodeReservedAddressRangeConflict, np + "serviceCIDR", []string{"service CIDR 172.30.0.0/16", "reserved range 172.30.0.0/16"}}},
		{name: "ReservedServiceCIDRPartly", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "172.16.0.0/12" },
			err: wantErr{CodeReservedAddressRangeConflict, np + "serviceCIDR", []string{"172.16.0.0/12", "172.30.0.0/16"}}},
		{name: "ReservedPodCIDR", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "169.254.0.0/16" },
			err: wantErr{CodeReservedAddressRangeConflict, np + "podCIDR", []string{"pod CIDR 169.254.0.0/16"}}},
		{name: "ReservedPodCIDRInside", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "172.31.128.0/17" },
			err: wantErr{CodeReservedAddressRangeConflict, np + "podCIDR", []string{"172.31.0.0/16"}}},
		{name: "ReservedVNet", mutate: func(s *ClusterSpec) {
			s.VNetPrefixes = []netip.Prefix{mp("192.0.2.0/24")}
			s.Pools[0].SubnetPrefix = mp("192.0.2.0/27")
		}, err: wantErr{CodeReservedAddressRangeConflict, pool0 + "vnetSubnetID", []string{"virtual network address prefix 192.0.2.0/24"}}},
		{name: "ReservedSubnetWithoutVNet", mutate: func(s *ClusterSpec) {
			s.VNetPrefixes = nil
			s.Pools[0].SubnetPrefix = mp("172.31.1.0/24")
		}, err: wantErr{CodeReservedAddressRangeConflict, pool0 + "vnetSubnetID", []string{`subnet of agent pool "nodepool1" 172.31.1.0/24`}}},
		{name: "NextToReservedIsFine", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "172.29.0.0/16" }},

		// 6. service CIDR overlaps
		{name: "ServiceCIDROverlapsSubnet", mutate: func(s *ClusterSpec) {
			s.Profile.ServiceCIDR, s.Profile.DNSServiceIP = "192.168.1.0/24", "192.168.1.10"
		}, err: wantErr{CodeServiceCidrOverlapExistingSubnetsCidr, np + "serviceCIDR",
			[]string{"service CIDR 192.168.1.0/24", `subnet 192.168.1.0/24 of agent pool "nodepool1"`}}},
		{name: "ServiceCIDROverlapsVNet", mutate: func(s *ClusterSpec) {
			s.VNetPrefixes = []netip.Prefix{mp("10.0.0.0/8")}
			s.Pools[0].SubnetPrefix = mp("10.240.0.0/16")
		}, err: wantErr{CodeServiceCidrOverlapExistingSubnetsCidr, np + "serviceCIDR",
			[]string{"10.0.0.0/16", "virtual network address prefix 10.0.0.0/8"}}},
		{name: "ServiceCIDROverlapsSecondVNetPrefix", mutate: func(s *ClusterSpec) {
			s.VNetPrefixes = append(s.VNetPrefixes, mp("10.0.128.0/17"))
		}, err: wantErr{CodeServiceCidrOverlapExistingSubnetsCidr, np + "serviceCIDR", []string{"10.0.128.0/17"}}},

		// 7. pod CIDR overlaps
		{name: "PodCIDROverlapsVNet", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "192.168.0.0/16" },
			err: wantErr{CodePodCidrOverlapExistingSubnetsCidr, np + "podCIDR", []string{"pod CIDR 192.168.0.0/16", "192.168.1.0/24"}}},
		{name: "PodCIDROverlapsOtherPoolSubnet", mutate: func(s *ClusterSpec) {
			s.Pools = append(s.Pools, Pool{Name: "pool2", Count: 1, Index: 1, SubnetPrefix: mp("10.244.5.0/24")})
			s.VNetPrefixes = append(s.VNetPrefixes, mp("10.244.5.0/24"))
		}, err: wantErr{CodePodCidrOverlapExistingSubnetsCidr, np + "podCIDR", []string{`subnet 10.244.5.0/24 of agent pool "pool2"`}}},
		{name: "PodCIDROverlapsServiceCIDR", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "10.0.0.0/16" },
			err: wantErr{CodePodCidrOverlapServiceCidr, np + "podCIDR", []string{"pod CIDR 10.0.0.0/16", "service CIDR 10.0.0.0/16"}}},
		{name: "PodCIDRInsideServiceCIDR", mutate: func(s *ClusterSpec) {
			s.Profile.ServiceCIDR, s.Profile.PodCIDR = "10.0.0.0/8", "10.244.0.0/16"
		}, err: wantErr{CodePodCidrOverlapServiceCidr, np + "podCIDR", []string{"10.0.0.0/8"}}},

		// 8. DNS service IP
		{name: "DNSOutsideServiceCIDR", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.1.0.10" },
			err: wantErr{CodeDnsServiceIpOutOfServiceCidr, np + "dnsServiceIP", []string{"10.1.0.10", "10.0.0.0/16"}}},
		{name: "DNSOutsideGivenServiceCIDR", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "172.16.0.0/16"; s.Profile.DNSServiceIP = "10.0.0.10" },
			err: wantErr{CodeDnsServiceIpOutOfServiceCidr, np + "dnsServiceIP", []string{"172.16.0.0/16"}}},
		{name: "DNSDefaultFollowsServiceCIDR", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "172.16.0.0/16" }},
		{name: "DNSNetworkAddress", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.0.0.0" },
			err: wantErr{CodeDnsServiceIpConflicting, np + "dnsServiceIP", []string{"10.0.0.0", "network address"}}},
		{name: "DNSKubernetesService", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.0.0.1" },
			err: wantErr{CodeDnsServiceIpConflicting, np + "dnsServiceIP", []string{"10.0.0.1", "kubernetes service"}}},
		{name: "DNSDot2IsFine", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.0.0.2" }},
		{name: "DNSBroadcast", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.0.255.255" },
			err: wantErr{CodeDnsBroadcastAddressConflicting, np + "dnsServiceIP", []string{"10.0.255.255", "broadcast"}}},
		{name: "DNSLastUsable", mutate: func(s *ClusterSpec) { s.Profile.DNSServiceIP = "10.0.255.254" }},
		{name: "ServiceCIDRTooSmallForDefaultDNS", mutate: func(s *ClusterSpec) { s.Profile.ServiceCIDR = "10.0.0.0/29" },
			err: wantErr{CodeDnsServiceIpOutOfServiceCidr, np + "dnsServiceIP", []string{"10.0.0.0/29", "too small"}}},

		// 9. pools
		{name: "NegativeCount", mutate: func(s *ClusterSpec) { s.Pools[0].Count = -1 },
			err: wantErr{CodeInvalidParameter, pool0 + "count", []string{"-1"}}},
		{name: "ZeroCount", mutate: func(s *ClusterSpec) { s.Pools[0].Count = 0 }},
		{name: "MaxPodsTooLow", mutate: func(s *ClusterSpec) { s.Pools[0].MaxPods = 9 },
			err: wantErr{CodeInsufficientMaxPods, pool0 + "maxPods", []string{"9", "minimum of 10"}}},
		{name: "MaxPodsNegative", mutate: func(s *ClusterSpec) { s.Pools[0].MaxPods = -5 },
			err: wantErr{CodeInsufficientMaxPods, pool0 + "maxPods", []string{"-5"}}},
		{name: "MaxPodsMinimum", mutate: func(s *ClusterSpec) { s.Pools[0].MaxPods = 10 }},
		{name: "MaxPodsMaximum", mutate: func(s *ClusterSpec) { s.Pools[0].MaxPods = 250 }},
		{name: "MaxPodsTooHigh", mutate: func(s *ClusterSpec) { s.Pools[0].MaxPods = 251 },
			err: wantErr{CodeMaxPodsLimitExceeded, pool0 + "maxPods", []string{"251", "maximum of 250"}}},
		{name: "MaxPodsTooHighSecondPool", mutate: func(s *ClusterSpec) {
			s.Pools = append(s.Pools, Pool{Name: "big", Count: 1, MaxPods: 400, Index: 1})
		}, err: wantErr{CodeMaxPodsLimitExceeded, pool1 + "maxPods", []string{`"big"`}}},

		// 10. subnet size
		{name: "SmallestSubnetFull", mutate: func(s *ClusterSpec) { s.Pools[0].SubnetPrefix = mp("192.168.1.0/29") }},
		{name: "SmallestSubnetOverfull", mutate: func(s *ClusterSpec) {
			s.Pools[0].SubnetPrefix, s.Pools[0].Count = mp("192.168.1.0/29"), 4
		}, err: wantErr{CodeInsufficientSubnetSize, pool0 + "count", []string{"192.168.1.0/29", "3 usable", "need 4"}}},
		{name: "KubenetSlash24Has251Nodes", mutate: func(s *ClusterSpec) { s.Pools[0].Count = 251 }},
		{name: "KubenetSlash24Not252", mutate: func(s *ClusterSpec) { s.Pools[0].Count = 252 },
			err: wantErr{CodeInsufficientSubnetSize, pool0 + "count", []string{"251 usable", "need 252"}}},
		{name: "AzureCNISlash24Has8Nodes", mutate: func(s *ClusterSpec) { s.Profile.NetworkPlugin = "azure"; s.Pools[0].Count = 8 }},
		{name: "AzureCNISlash24Not9", mutate: func(s *ClusterSpec) { s.Profile.NetworkPlugin = "azure"; s.Pools[0].Count = 9 },
			err: wantErr{CodeInsufficientSubnetSize, pool0 + "count", []string{"need 279", "31 addresses each"}}},
		{name: "PoolsShareSubnet", mutate: func(s *ClusterSpec) {
			s.Pools[0].SubnetPrefix, s.Pools[0].Count = mp("192.168.1.0/27"), 20
			s.Pools = append(s.Pools,
				Pool{Name: "other", Count: 100, Index: 1, SubnetPrefix: mp("192.168.2.0/24")},
				Pool{Name: "third", Count: 8, Index: 2, SubnetPrefix: mp("192.168.1.0/27")})
		}, err: wantErr{CodeInsufficientSubnetSize, "properties.agentPoolProfiles[2].count", []string{"27 usable", "need 28", `"third"`}}},

		// 11. pod CIDR capacity
		{name: "PodCIDRHoldsEveryNode", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.244.0.0/22"
			s.Pools[0].Count = 4
		}},
		{name: "PodCIDRTooSmall", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.244.0.0/22"
			s.Pools[0].Count = 3
			s.Pools = append(s.Pools, Pool{Name: "two", Count: 2, Index: 1})
		}, err: wantErr{CodeInsufficientPodCidr, np + "podCIDR", []string{"10.244.0.0/22", "holds 4", "5 nodes", "/21"}}},
		{name: "PodCIDRSmallerThan24", mutate: func(s *ClusterSpec) { s.Profile.PodCIDR = "10.244.0.0/25"; s.Pools[0].Count = 0 },
			err: wantErr{CodeInsufficientPodCidr, np + "podCIDR", []string{"10.244.0.0/25", "smaller than a /24"}}},
		{name: "OverlayPodCIDRTooSmall", mutate: func(s *ClusterSpec) {
			s.Profile.NetworkPlugin, s.Profile.PodCIDR = "azure", "10.244.0.0/24"
			s.Pools[0].Count = 2
		}, err: wantErr{CodeInsufficientPodCidr, np + "podCIDR", []string{"holds 1"}}},

		// 12. routes
		{name: "RouteLimitExactly", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.128.0.0/9"
			s.Pools[0].SubnetPrefix, s.Pools[0].Count = mp("192.168.0.0/22"), 400
		}},
		{name: "RouteLimitExceeded", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.128.0.0/9"
			s.Pools[0].SubnetPrefix, s.Pools[0].Count = mp("192.168.0.0/22"), 300
			s.Pools = append(s.Pools, Pool{Name: "pool2", Count: 101, Index: 1, SubnetPrefix: mp("192.168.4.0/24")})
		}, err: wantErr{CodeRoutesPerRouteTableLimitExceeded, pool1 + "count", []string{"401 routes", "401 nodes", "at most 400"}}},
		{name: "RouteLimitWithCustomRoutes", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.128.0.0/9"
			s.Pools[0].SubnetPrefix, s.Pools[0].Count = mp("192.168.0.0/22"), 395
			s.CustomRoutes = 6
		}, err: wantErr{CodeRoutesPerRouteTableLimitExceeded, pool0 + "count", []string{"401 routes", "395 nodes", "6 custom routes"}}},
		{name: "RouteLimitRaised", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.128.0.0/9"
			s.Pools[0].SubnetPrefix, s.Pools[0].Count = mp("192.168.0.0/22"), 1000
			s.MaxRoutes = 1000
		}},
		{name: "RouteLimitNotForAzureCNI", mutate: func(s *ClusterSpec) {
			s.Profile.NetworkPlugin = "azure"
			s.Pools[0].SubnetPrefix, s.Pools[0].Count, s.Pools[0].MaxPods = mp("192.168.0.0/17"), 401, 10
		}},

		// Order: the earliest check wins.
		{name: "OrderPolicyBeforeWindows", mutate: func(s *ClusterSpec) {
			s.Profile.NetworkPolicy = "azure"
			s.Pools[0].OSType = "Windows"
		}, err: wantErr{CodeNetworkPolicyAzureNotSupportedForKubenet, np + "networkPolicy", nil}},
		{name: "OrderWindowsBeforeReserved", mutate: func(s *ClusterSpec) {
			s.Profile.ServiceCIDR = "172.30.0.0/16"
			s.Pools[0].OSType = "windows"
		}, err: wantErr{CodeAzureCNIOnlyForWindows, pool0 + "osType", nil}},
		{name: "OrderReservedBeforeOverlap", mutate: func(s *ClusterSpec) {
			s.Profile.ServiceCIDR, s.Profile.DNSServiceIP = "192.168.1.0/24", "192.168.1.10"
			s.Profile.PodCIDR = "169.254.0.0/16"
		}, err: wantErr{CodeReservedAddressRangeConflict, np + "podCIDR", nil}},
		{name: "OrderMaxPodsBeforePodCapacity", mutate: func(s *ClusterSpec) {
			s.Profile.PodCIDR = "10.244.0.0/24"
			s.Pools[0].MaxPods = 300
		}, err: wantErr{CodeMaxPodsLimitExceeded, pool0 + "maxPods", nil}},
		{name: "OrderParseBeforeEverything", mutate: func(s *ClusterSpec) {
			s.Profile.DNSServiceIP = "x"
			s.VirtualNodeAddon = true
		}, err: wantErr{CodeCidrStringParseError, np + "dnsServiceIP", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := articleSpec()
			tt.mutate(&s)
			before := s.Profile
			tt.err.check(t, Validate(s))
			if s.Profile != before {
				t.Error("Validate modified its argument")
			}
		})
	}
}

func TestValidate_DoesNotModifyPools(t *testing.T) {
	s := articleSpec()
	Validate(s)
	if s.Pools[0].MaxPods != 0 || s.Pools[0].OSType != "" {
		t.Errorf("Validate applied defaults to the caller's pools: %+v", s.Pools[0])
	}
}

func TestValidateUpdate(t *testing.T) {
	const np = "networkProfile."
	created := NetworkProfile{NetworkPlugin: "kubenet", PodCIDR: "10.244.0.0/16", ServiceCIDR: "10.0.0.0/16", DNSServiceIP: "10.0.0.10"}
	tests := []struct {
		name     string
		old, new NetworkProfile
		err      wantErr
	}{
		{name: "Unchanged", old: created, new: created},
		{name: "FieldsLeftOut", old: created, new: NetworkProfile{}},
		{name: "OtherFieldsMayChange", old: created, new: NetworkProfile{NetworkPolicy: "calico", OutboundType: "userDefinedRouting"}},
		{name: "PluginCase", old: created, new: NetworkProfile{NetworkPlugin: "Kubenet"}},
		{name: "OldDefaultsApplied", old: NetworkProfile{}, new: created},
		{name: "PodCIDR", old: created, new: NetworkProfile{PodCIDR: "10.245.0.0/16"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "podCIDR", []string{"'podCidr'", "10.244.0.0/16", "10.245.0.0/16"}}},
		{name: "PodCIDRFromDefault", old: NetworkProfile{}, new: NetworkProfile{PodCIDR: "10.245.0.0/16"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "podCIDR", []string{"10.244.0.0/16", "10.245.0.0/16"}}},
		{name: "ServiceCIDR", old: created, new: NetworkProfile{ServiceCIDR: "10.1.0.0/16"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "serviceCIDR", []string{"10.0.0.0/16", "10.1.0.0/16"}}},
		{name: "DNSServiceIP", old: created, new: NetworkProfile{DNSServiceIP: "10.0.0.11"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "dnsServiceIP", []string{"10.0.0.10", "10.0.0.11"}}},
		{name: "NetworkPlugin", old: created, new: NetworkProfile{NetworkPlugin: "azure"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "networkPlugin", []string{"kubenet", "azure"}}},
		{name: "PluginReportedFirst", old: created, new: NetworkProfile{NetworkPlugin: "azure", PodCIDR: "10.245.0.0/16"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "networkPlugin", nil}},
		{name: "PodCIDRUnparsableDiffers", old: created, new: NetworkProfile{PodCIDR: "garbage"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "podCIDR", []string{"garbage"}}},
		{name: "PodCIDRAddedToAzureCNI", old: NetworkProfile{NetworkPlugin: "azure"}, new: NetworkProfile{PodCIDR: "10.244.0.0/16"},
			err: wantErr{CodePropertyChangeNotAllowed, np + "podCIDR", []string{"not set", "10.244.0.0/16"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.err.check(t, ValidateUpdate(tt.old, tt.new))
		})
	}
}
