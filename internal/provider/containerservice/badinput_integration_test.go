package containerservice_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/armtest"
)

// badFixture is one bad-input case's network: VNet "vnet" with subnets s1
// and s2, and a user-assigned identity with Network Contributor on the
// resource group (so on the VNet and any route table in it).
type badFixture struct {
	h          *harness
	rg         string
	vnetID     string
	subnets    map[string]string // by name
	identityID string
	principal  string
	rts        map[string]string // route tables made by setup, by name
}

type badCase struct {
	name string
	// space and s1 override the VNet space (192.168.0.0/16) and subnet s1
	// (192.168.1.0/24); s2 is 192.168.2.0/24 unless space is set.
	space, s1 string
	limited   bool // run on the plane with a small route limit
	noRole    bool // the identity gets no role
	// setup prepares more state before the snapshot.
	setup func(f *badFixture)
	// mutate turns the valid 3-node cluster in s1 into the bad request.
	mutate func(f *badFixture, mc *armcontainerservice.ManagedCluster)
	want   want
	// occupied: s1 is legitimately in use after setup, so no valid cluster
	// can follow the refused one.
	occupied bool
}

func network1(mc *armcontainerservice.ManagedCluster) *armcontainerservice.NetworkProfile {
	return mc.Properties.NetworkProfile
}

func setCIDRs(svc, dns, pod string) func(*badFixture, *armcontainerservice.ManagedCluster) {
	return func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
		np := network1(mc)
		if svc != "" {
			np.ServiceCidr = to.Ptr(svc)
		}
		if dns != "" {
			np.DNSServiceIP = to.Ptr(dns)
		}
		if pod != "" {
			np.PodCidr = to.Ptr(pod)
		}
	}
}

// AKS's targets for the network profile: no "properties." and the CIDR
// fields in AKS's spelling, as AKS answers them ("target":
// "networkProfile.serviceCIDR" on ServiceCidrOverlapExistingSubnetsCidr in
// public Terraform runs; "networkProfile.podCIDR" in
// Azure/AKS-Construction#403 and #701).
const (
	tSvc  = "networkProfile.serviceCIDR"
	tPod  = "networkProfile.podCIDR"
	tDNS  = "networkProfile.dnsServiceIP"
	tSub0 = "properties.agentPoolProfiles[0].vnetSubnetID"
	tCnt0 = "properties.agentPoolProfiles[0].count"
)

func badCreateCases() []badCase {
	reserved := []struct{ cidr, dns, vnetSubnet string }{
		{"169.254.0.0/16", "169.254.0.10", "169.254.1.0/24"},
		{"172.30.0.0/16", "172.30.0.10", "172.30.1.0/24"},
		{"172.31.0.0/16", "172.31.0.10", "172.31.1.0/24"},
		{"192.0.2.0/24", "192.0.2.10", "192.0.2.0/25"},
	}
	var cases []badCase
	for _, r := range reserved {
		cases = append(cases,
			badCase{name: "reserved service " + r.cidr, mutate: setCIDRs(r.cidr, r.dns, ""),
				want: want{Status: 400, Code: "ReservedAddressRangeConflict", Target: tSvc, Mentions: []string{r.cidr, "service CIDR"}}},
			badCase{name: "reserved pod " + r.cidr, mutate: setCIDRs("", "", r.cidr),
				want: want{Status: 400, Code: "ReservedAddressRangeConflict", Target: tPod, Mentions: []string{r.cidr, "pod CIDR"}}},
			badCase{name: "reserved vnet " + r.cidr, space: r.cidr, s1: r.vnetSubnet,
				want: want{Status: 400, Code: "ReservedAddressRangeConflict", Target: tSub0, Mentions: []string{r.cidr, "virtual network"}}},
		)
	}
	cases = append(cases, []badCase{
		{name: "reserved inside a larger vnet", space: "172.16.0.0/12", s1: "172.16.1.0/24",
			want: want{Status: 400, Code: "ReservedAddressRangeConflict", Target: tSub0, Mentions: []string{"172.16.0.0/12", "172.30.0.0/16"}}},
		{name: "service overlaps subnet", mutate: setCIDRs("192.168.1.0/24", "192.168.1.10", ""),
			want: want{Status: 400, Code: "ServiceCidrOverlapExistingSubnetsCidr", Target: tSvc, Mentions: []string{"192.168.1.0/24"}}},
		{name: "service overlaps vnet", mutate: setCIDRs("192.168.100.0/24", "192.168.100.10", ""),
			want: want{Status: 400, Code: "ServiceCidrOverlapExistingSubnetsCidr", Target: tSvc, Mentions: []string{"192.168.100.0/24", "192.168.0.0/16"}}},
		{name: "pod overlaps subnet", mutate: setCIDRs("", "", "192.168.0.0/20"),
			want: want{Status: 400, Code: "PodCidrOverlapExistingSubnetsCidr", Target: tPod, Mentions: []string{"192.168.0.0/20", "192.168.1.0/24"}}},
		{name: "pod overlaps vnet", mutate: setCIDRs("", "", "192.168.128.0/17"),
			want: want{Status: 400, Code: "PodCidrOverlapExistingSubnetsCidr", Target: tPod, Mentions: []string{"192.168.128.0/17", "192.168.0.0/16"}}},
		{name: "pod overlaps service", mutate: setCIDRs("", "", "10.0.0.0/8"),
			want: want{Status: 400, Code: "PodCidrOverlapServiceCidr", Target: tPod, Mentions: []string{"10.0.0.0/8", "10.0.0.0/16"}}},
		{name: "dns outside service", mutate: setCIDRs("", "10.1.0.10", ""),
			want: want{Status: 400, Code: "DnsServiceIpOutOfServiceCidr", Target: tDNS, Mentions: []string{"10.1.0.10", "10.0.0.0/16"}}},
		{name: "dns network address", mutate: setCIDRs("", "10.0.0.0", ""),
			want: want{Status: 400, Code: "DnsServiceIpConflicting", Target: tDNS, Mentions: []string{"10.0.0.0", "10.0.0.0/16"}}},
		{name: "dns .1", mutate: setCIDRs("", "10.0.0.1", ""),
			want: want{Status: 400, Code: "DnsServiceIpConflicting", Target: tDNS, Mentions: []string{"10.0.0.1", "kubernetes"}}},
		{name: "dns broadcast", mutate: setCIDRs("", "10.0.255.255", ""),
			want: want{Status: 400, Code: "DnsBroadcastAddressConflicting", Target: tDNS, Mentions: []string{"10.0.255.255", "10.0.0.0/16"}}},
		{name: "unparsable service cidr", mutate: setCIDRs("10.0.0.0/33", "", ""),
			want: want{Status: 400, Code: "CidrStringParseError", Target: tSvc, Mentions: []string{"10.0.0.0/33"}}},
		{name: "maxPods 9", mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles[0].MaxPods = to.Ptr[int32](9)
		}, want: want{Status: 400, Code: "InsufficientMaxPods", Target: "properties.agentPoolProfiles[0].maxPods", Mentions: []string{"9", "10"}}},
		// AKS's floor of 30 pods per pool (maxPods × count), see
		// TestMinPodsPerPool.
		{name: "maxPods 10 on 2 nodes", mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles[0].MaxPods = to.Ptr[int32](10)
			mc.Properties.AgentPoolProfiles[0].Count = to.Ptr[int32](2)
		}, want: want{Status: 400, Code: "InsufficientPodsPerNodePool", Target: "properties.agentPoolProfiles[0].count", Mentions: []string{"20", "30"}}},
		{name: "maxPods 251", mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles[0].MaxPods = to.Ptr[int32](251)
		}, want: want{Status: 400, Code: "MaxPodsLimitExceeded", Target: "properties.agentPoolProfiles[0].maxPods", Mentions: []string{"251", "250"}}},
		{name: "pod cidr too small for the nodes", mutate: setCIDRs("", "", "10.244.0.0/23"),
			want: want{Status: 400, Code: "InsufficientPodCidr", Target: tPod, Mentions: []string{"10.244.0.0/23", "3 nodes"}}},
		{name: "pod cidr smaller than a node range", mutate: setCIDRs("", "", "10.244.0.0/25"),
			want: want{Status: 400, Code: "InsufficientPodCidr", Target: tPod, Mentions: []string{"10.244.0.0/25"}}},
		{name: "subnet full", s1: "192.168.1.0/29", occupied: true,
			setup: func(f *badFixture) { f.h.NIC(f.rg, "somebody", f.subnets["s1"]) },
			want:  want{Status: 400, Code: "SubnetIsFull", Target: tCnt0, Mentions: []string{"192.168.1.0/29", "3 IP addresses are needed", "2"}}},
		{name: "subnet too small", s1: "192.168.1.0/29", mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles[0].Count = to.Ptr[int32](4)
		}, want: want{Status: 400, Code: "InsufficientSubnetSize", Target: tCnt0, Mentions: []string{"192.168.1.0/29", "3 usable", "4"}}},
		{name: "route limit", limited: true, mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles[0].Count = to.Ptr[int32](limitedRoutes + 1)
		}, want: want{Status: 400, Code: "RoutesPerRouteTableLimitExceeded", Target: tCnt0, Mentions: []string{strconv.Itoa(limitedRoutes + 1), "at most " + strconv.Itoa(limitedRoutes)}}},
		{name: "route limit counts custom routes", limited: true,
			setup: func(f *badFixture) {
				rt := f.h.routeTable(f.rg, "byo", "fw=0.0.0.0/0>192.168.2.4", "onprem=10.100.0.0/16>VirtualNetworkGateway")
				f.h.mustPutSubnet(f.rg, "vnet", "s1", "192.168.1.0/24", rt)
				f.rts["byo"] = rt
			},
			want: want{Status: 400, Code: "RoutesPerRouteTableLimitExceeded", Target: tCnt0, Mentions: []string{"3 nodes", "2 custom routes", "at most " + strconv.Itoa(limitedRoutes)}}},
		{name: "windows pool", mutate: func(f *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles = append(mc.Properties.AgentPoolProfiles, &armcontainerservice.ManagedClusterAgentPoolProfile{
				Name: to.Ptr("win"), Count: to.Ptr[int32](1), OSType: to.Ptr(armcontainerservice.OSTypeWindows),
				Mode: to.Ptr(armcontainerservice.AgentPoolModeUser), VnetSubnetID: to.Ptr(f.subnets["s1"])})
		}, want: want{Status: 400, Code: "AzureCNIOnlyForWindows", Target: "properties.agentPoolProfiles[1].osType", Mentions: []string{"win", "kubenet"}}},
		{name: "network policy azure", mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			network1(mc).NetworkPolicy = to.Ptr(armcontainerservice.NetworkPolicyAzure)
		}, want: want{Status: 400, Code: "NetworkPolicyAzureNotSupportedForKubenet", Target: "networkProfile.networkPolicy", Mentions: []string{"azure", "calico"}}},
		{name: "virtual nodes", mutate: func(_ *badFixture, mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AddonProfiles = map[string]*armcontainerservice.ManagedClusterAddonProfile{
				"aciConnectorLinux": {Enabled: to.Ptr(true), Config: map[string]*string{"SubnetName": to.Ptr("s2")}}}
		}, want: want{Status: 400, Code: "VirtualNodesNotSupportedWithKubenet", Target: "properties.addonProfiles.aciConnectorLinux", Mentions: []string{"aciConnectorLinux", "kubenet"}}},
		{name: "second cluster on the subnet", occupied: true,
			setup: func(f *badFixture) {
				f.h.mustPutCluster(f.rg, "first", kubenetCluster(f.subnets["s1"], f.identityID, 1))
			},
			want: want{Status: 400, Code: "SubnetInUseByAnotherCluster", Target: tSub0, Mentions: []string{"s1", "first"}}},
		{name: "route table of another cluster",
			setup: func(f *badFixture) {
				rt := f.h.routeTable(f.rg, "shared")
				f.h.mustPutSubnet(f.rg, "vnet", "s1", "192.168.1.0/24", rt)
				f.h.mustPutSubnet(f.rg, "vnet", "s2", "192.168.2.0/24", rt)
				f.rts["shared"] = rt
				f.h.mustPutCluster(f.rg, "first", kubenetCluster(f.subnets["s1"], f.identityID, 1))
			},
			mutate: func(f *badFixture, mc *armcontainerservice.ManagedCluster) {
				mc.Properties.AgentPoolProfiles[0].VnetSubnetID = to.Ptr(f.subnets["s2"])
			},
			occupied: true,
			want:     want{Status: 400, Code: "RouteTableInUseByAnotherCluster", Target: tSub0, Mentions: []string{"shared", "first"}}},
		{name: "route table AKS made for another cluster",
			setup: func(f *badFixture) {
				f.h.mustPutCluster(f.rg, "first", kubenetCluster(f.subnets["s1"], f.identityID, 1))
				rt := str(f.h.subnet(f.subnets["s1"]).Properties.RouteTable.ID)
				f.h.mustPutSubnet(f.rg, "vnet", "s2", "192.168.2.0/24", rt)
				f.rts["aks"] = rt
			},
			mutate: func(f *badFixture, mc *armcontainerservice.ManagedCluster) {
				mc.Properties.AgentPoolProfiles[0].VnetSubnetID = to.Ptr(f.subnets["s2"])
			},
			occupied: true,
			want:     want{Status: 400, Code: "RouteTableInUseByAnotherCluster", Target: tSub0, Mentions: []string{"-routetable", "first"}}},
		{name: "subnets with different route tables",
			setup: func(f *badFixture) {
				a, b := f.h.routeTable(f.rg, "rta"), f.h.routeTable(f.rg, "rtb")
				f.h.mustPutSubnet(f.rg, "vnet", "s1", "192.168.1.0/24", a)
				f.h.mustPutSubnet(f.rg, "vnet", "s2", "192.168.2.0/24", b)
				f.rts["rta"], f.rts["rtb"] = a, b
			},
			mutate: secondPoolIn("s2"),
			want:   want{Status: 400, Code: "ExistingRouteTableNotAssociatedWithSubnet", Target: "properties.agentPoolProfiles[1].vnetSubnetID", Mentions: []string{"s2", "rta", "rtb"}}},
		{name: "one subnet with a route table, one without",
			setup: func(f *badFixture) {
				a := f.h.routeTable(f.rg, "rta")
				f.h.mustPutSubnet(f.rg, "vnet", "s1", "192.168.1.0/24", a)
				f.rts["rta"] = a
			},
			mutate: secondPoolIn("s2"),
			want:   want{Status: 400, Code: "ExistingRouteTableNotAssociatedWithSubnet", Target: "properties.agentPoolProfiles[1].vnetSubnetID", Mentions: []string{"s2", "rta"}}},
		{name: "identity without permission", noRole: true,
			want: want{Status: http.StatusForbidden, Code: "LinkedAuthorizationFailed", Target: tSub0,
				Mentions: []string{"Microsoft.Network/virtualNetworks/subnets/join/action", "s1"}}},
		{name: "identity without write on the route table", noRole: true,
			setup: func(f *badFixture) {
				rt := f.h.routeTable(f.rg, "byo", "fw=0.0.0.0/0>192.168.2.4")
				f.h.mustPutSubnet(f.rg, "vnet", "s1", "192.168.1.0/24", rt)
				f.rts["byo"] = rt
				f.h.Grant(f.vnetID, f.principal, networkContributor)
			},
			want: want{Status: 400, Code: "CustomRouteTableMissingPermission", Target: tSub0, Mentions: []string{"byo", "Microsoft.Network/routeTables/write"}}},
	}...)
	return cases
}

func secondPoolIn(subnet string) func(*badFixture, *armcontainerservice.ManagedCluster) {
	return func(f *badFixture, mc *armcontainerservice.ManagedCluster) {
		mc.Properties.AgentPoolProfiles = append(mc.Properties.AgentPoolProfiles, &armcontainerservice.ManagedClusterAgentPoolProfile{
			Name: to.Ptr("pool2"), Count: to.Ptr[int32](1), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser), VnetSubnetID: to.Ptr(f.subnets[subnet])})
	}
}

// netSnapshot is what a refused create must leave alone: the subnets' IP
// configurations and route tables, and every route table's routes.
func (f *badFixture) snapshot() map[string]string {
	f.h.T.Helper()
	out := map[string]string{}
	for name, id := range f.subnets {
		sn := f.h.subnet(id)
		var ipcs []string
		for _, c := range sn.Properties.IPConfigurations {
			ipcs = append(ipcs, strings.ToLower(str(c.ID)))
		}
		slices.Sort(ipcs)
		rt := ""
		if sn.Properties.RouteTable != nil {
			rt = strings.ToLower(str(sn.Properties.RouteTable.ID))
		}
		out["subnet "+name] = "ipconfigs=" + strings.Join(ipcs, ",") + " routeTable=" + rt
		if rt != "" {
			f.rts[rt] = rt
		}
	}
	for _, rt := range f.rts {
		var names []string
		for n, r := range f.h.routes(rt) {
			names = append(names, n+">"+str(r.Properties.AddressPrefix)+">"+str(r.Properties.NextHopIPAddress))
		}
		slices.Sort(names)
		out["routes "+strings.ToLower(rt)] = strings.Join(names, ",")
	}
	return out
}

// TestIntegrationBadInput sends each invalid request through the real HTTP
// API and checks Azure's code, a message naming the values, the target, and
// that nothing was stored or allocated.
func TestIntegrationBadInput(t *testing.T) {
	t.Parallel()
	t.Run("create", func(t *testing.T) {
		for _, tc := range badCreateCases() {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				runBadCreate(t, tc)
			})
		}
	})
	t.Run("update", testBadUpdates)
	t.Run("calico accepted", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		n := h.articleNetwork(armtest.RGName(t))
		mc := kubenetCluster(n.subnetID, n.identityID, 2)
		mc.Properties.NetworkProfile.NetworkPolicy = to.Ptr(armcontainerservice.NetworkPolicyCalico)
		got := h.mustPutCluster(n.rg, "calico", mc)
		if p := got.Properties.NetworkProfile.NetworkPolicy; p == nil || *p != armcontainerservice.NetworkPolicyCalico {
			t.Errorf("networkPolicy %v, want calico", p)
		}
		h.layoutOf(n.rg, "calico").check(t, 2)
	})
}

func runBadCreate(t *testing.T, tc badCase) {
	h := newHarness(t)
	if tc.limited {
		h = limitedHarness(t)
	}
	space, s1, s2 := "192.168.0.0/16", "192.168.1.0/24", "192.168.2.0/24"
	if tc.space != "" {
		space, s2 = tc.space, ""
	}
	if tc.s1 != "" {
		s1 = tc.s1
	}
	f := &badFixture{h: h, rg: armtest.RGName(t), rts: map[string]string{}}
	h.MkRG(f.rg)
	subnets := []string{"s1=" + s1}
	if s2 != "" {
		subnets = append(subnets, "s2="+s2)
	}
	ids := h.vnet(f.rg, "vnet", space, subnets...)
	f.vnetID = ids[""]
	delete(ids, "")
	f.subnets = ids
	f.identityID, f.principal = h.Identity(f.rg, "clusterIdentity")
	if !tc.noRole {
		h.Grant("/subscriptions/"+h.Sub+"/resourceGroups/"+f.rg, f.principal, networkContributor)
	}
	if tc.setup != nil {
		tc.setup(f)
	}
	before := f.snapshot()

	mc := kubenetCluster(f.subnets["s1"], f.identityID, 3)
	if tc.mutate != nil {
		tc.mutate(f, &mc)
	}
	_, err := h.putCluster(f.rg, "bad", mc)
	w := tc.want
	if tc.noRole && w.Code == "LinkedAuthorizationFailed" {
		w.Mentions = append(w.Mentions, f.principal)
	}
	w.CheckSDK(t, err)

	// Nothing stored, nothing allocated.
	if code := h.clusterStatus(f.rg, "bad"); code != http.StatusNotFound {
		t.Errorf("GET refused cluster: %d, want 404", code)
	}
	if h.RGExists("MC_" + f.rg + "_bad_eastus") {
		t.Error("refused cluster left its node resource group")
	}
	after := f.snapshot()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("refused create changed %s:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}
	if tc.occupied || tc.space != "" || tc.noRole || t.Failed() {
		return
	}
	// The subnet is as free as before: a valid cluster gets its first
	// addresses and pod CIDRs.
	h.mustPutCluster(f.rg, "good", kubenetCluster(f.subnets["s1"], f.identityID, 1))
	l := h.layoutOf(f.rg, "good")
	l.check(t, 1)
	if ips, cidrs := l.ipsAndCIDRs(); len(ips) != 1 || ips[0] != seqIPs(strings.TrimSuffix(s1, s1[strings.LastIndexByte(s1, '.'):])+".4", 1)[0] || cidrs[0] != "10.244.0.0/24" {
		t.Errorf("valid cluster after the refused one got IPs %v CIDRs %v", ips, cidrs)
	}
}

// testBadUpdates refuses changes to a created cluster's fixed properties
// and to its subnet's route table, and checks the cluster is untouched.
func testBadUpdates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	rg := n.rg
	s2 := h.mustPutSubnet(rg, "myAKSVnet", "s2", "192.168.2.0/24", "")
	other := h.routeTable(rg, "other")
	h.mustPutCluster(rg, "c", kubenetCluster(n.subnetID, n.identityID, 3))
	base := h.layoutOf(rg, "c")
	base.check(t, 3)
	baseIPs, baseCIDRs := base.ipsAndCIDRs()

	unchanged := func(t *testing.T) {
		t.Helper()
		l := h.withT(t).layoutOf(rg, "c")
		l.check(t, 3)
		ips, cidrs := l.ipsAndCIDRs()
		if !slices.Equal(ips, baseIPs) || !slices.Equal(cidrs, baseCIDRs) {
			t.Errorf("nodes changed: IPs %v CIDRs %v, were %v %v", ips, cidrs, baseIPs, baseCIDRs)
		}
		np := l.Cluster.Properties.NetworkProfile
		if str(np.PodCidr) != "10.244.0.0/16" || str(np.ServiceCidr) != "10.0.0.0/16" || str(np.DNSServiceIP) != "10.0.0.10" || *np.NetworkPlugin != armcontainerservice.NetworkPluginKubenet {
			t.Errorf("network profile changed: %s %s %s %s", str(np.PodCidr), str(np.ServiceCidr), str(np.DNSServiceIP), *np.NetworkPlugin)
		}
		if got := str(l.Cluster.Properties.AgentPoolProfiles[0].VnetSubnetID); !strings.EqualFold(got, n.subnetID) {
			t.Errorf("pool subnet changed to %s", got)
		}
		if !strings.EqualFold(l.RouteID, base.RouteID) {
			t.Errorf("subnet route table changed from %s to %s", base.RouteID, l.RouteID)
		}
		if got := str(l.Cluster.Properties.ProvisioningState); got != "Succeeded" {
			t.Errorf("provisioningState %q after a refused update", got)
		}
	}
	clusterCases := []struct {
		name   string
		mutate func(mc *armcontainerservice.ManagedCluster)
		want   want
	}{
		{"podCidr", func(mc *armcontainerservice.ManagedCluster) {
			mc.Properties.NetworkProfile.PodCidr = to.Ptr("10.245.0.0/16")
		},
			want{Status: 400, Code: "PropertyChangeNotAllowed", Target: tPod, Mentions: []string{"podCidr", "10.244.0.0/16", "10.245.0.0/16"}}},
		{"serviceCidr", func(mc *armcontainerservice.ManagedCluster) {
			mc.Properties.NetworkProfile.ServiceCidr = to.Ptr("10.1.0.0/16")
			mc.Properties.NetworkProfile.DNSServiceIP = to.Ptr("10.1.0.10")
		}, want{Status: 400, Code: "PropertyChangeNotAllowed", Target: tSvc, Mentions: []string{"serviceCidr", "10.0.0.0/16", "10.1.0.0/16"}}},
		{"dnsServiceIP", func(mc *armcontainerservice.ManagedCluster) {
			mc.Properties.NetworkProfile.DNSServiceIP = to.Ptr("10.0.0.20")
		},
			want{Status: 400, Code: "PropertyChangeNotAllowed", Target: tDNS, Mentions: []string{"dnsServiceIP", "10.0.0.10", "10.0.0.20"}}},
		{"networkPlugin", func(mc *armcontainerservice.ManagedCluster) {
			mc.Properties.NetworkProfile.NetworkPlugin = to.Ptr(armcontainerservice.NetworkPluginAzure)
		}, want{Status: 400, Code: "PropertyChangeNotAllowed", Target: "networkProfile.networkPlugin", Mentions: []string{"kubenet", "azure"}}},
		{"pool subnet", func(mc *armcontainerservice.ManagedCluster) { mc.Properties.AgentPoolProfiles[0].VnetSubnetID = s2.ID },
			want{Status: 400, Code: "PropertyChangeNotAllowed", Target: tSub0, Mentions: []string{"vnetSubnetID", "myAKSSubnet", "s2"}}},
		{"pool subnet with a scale", func(mc *armcontainerservice.ManagedCluster) {
			mc.Properties.AgentPoolProfiles[0].VnetSubnetID = s2.ID
			mc.Properties.AgentPoolProfiles[0].Count = to.Ptr[int32](5)
		}, want{Status: 400, Code: "PropertyChangeNotAllowed", Target: tSub0, Mentions: []string{"vnetSubnetID"}}},
	}
	for _, tc := range clusterCases {
		t.Run(tc.name, func(t *testing.T) {
			h := h.withT(t)
			mc := h.cluster(rg, "c")
			tc.mutate(&mc)
			_, err := h.putCluster(rg, "c", mc)
			tc.want.CheckSDK(t, err)
			unchanged(t)
		})
	}
	t.Run("agentPool subnet", func(t *testing.T) {
		h := h.withT(t)
		_, err := h.putPool(rg, "c", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](3), VnetSubnetID: s2.ID, Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem)}})
		want{Status: 400, Code: "PropertyChangeNotAllowed", Target: "properties.vnetSubnetID", Mentions: []string{"s2"}}.CheckSDK(t, err)
		unchanged(t)
	})
	// The network RP lets a user detach or replace the subnet's route table
	// (the subnet PUT succeeds); AKS then refuses its own operations on the
	// cluster with CustomRouteTableInvalidUpdateAttempt until the
	// association is restored (docs: "Bring your own subnet and route
	// table with kubenet": the route table must stay associated; the code
	// comes from AKS operations, not from the subnet PUT).
	refusedUntilRestored := func(t *testing.T, mentions ...string) {
		t.Helper()
		h := h.withT(t)
		mc := h.cluster(rg, "c")
		mc.Properties.AgentPoolProfiles[0].Count = to.Ptr[int32](4)
		_, err := h.putCluster(rg, "c", mc)
		want{Status: 400, Code: "CustomRouteTableInvalidUpdateAttempt", Mentions: append([]string{"myAKSSubnet", base.RouteID}, mentions...)}.CheckSDK(t, err)
		_, err = h.putPool(rg, "c", "nodepool1", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
			Count: to.Ptr[int32](4), Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem)}})
		want{Status: 400, Code: "CustomRouteTableInvalidUpdateAttempt", Mentions: []string{"myAKSSubnet", base.RouteID}}.CheckSDK(t, err)
		h.mustPutSubnet(rg, "myAKSVnet", "myAKSSubnet", "192.168.1.0/24", base.RouteID)
		unchanged(t)
	}
	t.Run("subnet route table replaced", func(t *testing.T) {
		h := h.withT(t)
		if sn, err := h.putSubnet(rg, "myAKSVnet", "myAKSSubnet", "192.168.1.0/24", other); err != nil || !strings.EqualFold(str(sn.Properties.RouteTable.ID), other) {
			t.Fatalf("the network RP refused to replace the subnet's route table: %v", err)
		}
		refusedUntilRestored(t, other)
	})
	t.Run("subnet route table detached", func(t *testing.T) {
		h := h.withT(t)
		if sn, err := h.putSubnet(rg, "myAKSVnet", "myAKSSubnet", "192.168.1.0/24", ""); err != nil || sn.Properties.RouteTable != nil {
			t.Fatalf("the network RP refused to detach the subnet's route table: %v", err)
		}
		refusedUntilRestored(t, "no route table")
	})
	t.Run("subnet route table replaced through the vnet", func(t *testing.T) {
		h := h.withT(t)
		v, err := h.Net.NewVirtualNetworksClient().Get(h.Ctx, rg, "myAKSVnet", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range v.Properties.Subnets {
			if str(s.Name) == "myAKSSubnet" {
				s.Properties.RouteTable = &armnetwork.RouteTable{ID: to.Ptr(other)}
			}
		}
		p, err := h.Net.NewVirtualNetworksClient().BeginCreateOrUpdate(h.Ctx, rg, "myAKSVnet", v.VirtualNetwork, nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, p)
		}
		if err != nil {
			t.Fatalf("the network RP refused the VNet PUT that replaces the subnet's route table: %v", err)
		}
		refusedUntilRestored(t, other)
	})
	t.Run("delete the subnet", func(t *testing.T) {
		h := h.withT(t)
		poller, err := h.Net.NewSubnetsClient().BeginDelete(h.Ctx, rg, "myAKSVnet", "myAKSSubnet", nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, poller)
		}
		want{Code: "InUseSubnetCannotBeDeleted", Mentions: []string{"myAKSSubnet"}}.CheckSDK(t, err)
		unchanged(t)
	})
	t.Run("delete the vnet", func(t *testing.T) {
		h := h.withT(t)
		poller, err := h.Net.NewVirtualNetworksClient().BeginDelete(h.Ctx, rg, "myAKSVnet", nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, poller)
		}
		want{Code: "InUseSubnetCannotBeDeleted", Mentions: []string{"myAKSSubnet"}}.CheckSDK(t, err)
		unchanged(t)
	})
	t.Run("delete the route table", func(t *testing.T) {
		h := h.withT(t)
		p := parseID(t, base.RouteID)
		poller, err := h.Net.NewRouteTablesClient().BeginDelete(h.Ctx, p.rg, p.names[0], nil)
		if err == nil {
			_, err = armtest.PollDone(h.Ctx, poller)
		}
		want{Code: "InUseRouteTableCannotBeDeleted"}.CheckSDK(t, err)
		unchanged(t)
	})
}

// A cluster whose stored state does not decode is not deleted as though it
// had none, which would leave its nodes, NICs and routes behind: the delete
// fails as an internal error and the cluster stays.
func TestDeleteCluster_DamagedStateFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n, l := h.articleCluster(t, 1)
	repair := h.Damage("cs/"+strings.ToLower(*l.Cluster.ID), []byte(`{"pools":"not a list"}`))
	// Put the state back, so that the shared plane's controllers and the
	// cleanup see a sound cluster.
	t.Cleanup(func() { repair() })

	r := h.Do(http.MethodDelete, *l.Cluster.ID+"?api-version=2024-05-01", nil)
	if r.Status != http.StatusInternalServerError || !strings.Contains(string(r.Body), "InternalServerError") {
		t.Errorf("delete of a cluster with damaged state: %d %s, want 500 InternalServerError", r.Status, r.Body)
	}
	if got := h.clusterStatus(n.rg, "c"); got != http.StatusOK {
		t.Errorf("cluster after the refused delete: GET %d, want 200", got)
	}
	// Another cluster's damage does not fail an unrelated role assignment
	// (RoleAssigned looks for clusters waiting for the principal).
	_, principal := h.Identity(n.rg, "unrelated")
	h.Grant(n.vnetID, principal, networkContributor)
}

// AKS holds every node pool to room for at least 30 pods, maxPods × count:
// "The minimum value that can be set for maximum pods per node is 10 if and
// only if the configuration of each node pool has space for a minimum of 30
// pods" (AKS's Azure CNI configuration docs, quoted in Azure/AKS#1422,
// which reports that a scale could once break it). aksnet refuses it on
// create (the table above), on scale and on a pool add. No public source
// gives AKS's code; aksnet answers InsufficientPodsPerNodePool.
func TestMinPodsPerPool(t *testing.T) {
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	mc := kubenetCluster(n.subnetID, n.identityID, 3)
	mc.Properties.AgentPoolProfiles[0].MaxPods = to.Ptr[int32](10)
	h.mustPutCluster(n.rg, "c", mc) // 10 × 3 = 30: allowed
	_, err := h.scaleCluster(n.rg, "c", 2)
	want{Status: http.StatusBadRequest, Code: "InsufficientPodsPerNodePool", Target: "properties.agentPoolProfiles[0].count", Mentions: []string{"20", "30"}}.CheckSDK(t, err)
	if got := len(h.layoutOf(n.rg, "c").Nodes); got != 3 {
		t.Errorf("%d nodes after the refused scale, want 3", got)
	}
	_, err = h.putPool(n.rg, "c", "small", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](1), MaxPods: to.Ptr[int32](20), VMSize: to.Ptr("Standard_DS2_v2"), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser),
	}})
	want{Status: http.StatusBadRequest, Code: "InsufficientPodsPerNodePool", Target: "properties.count", Mentions: []string{"small", "20", "30"}}.CheckSDK(t, err)
	if _, err := h.putPool(n.rg, "c", "enough", armcontainerservice.AgentPool{Properties: &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count: to.Ptr[int32](2), MaxPods: to.Ptr[int32](15), VMSize: to.Ptr("Standard_DS2_v2"), Mode: to.Ptr(armcontainerservice.AgentPoolModeUser),
	}}); err != nil {
		t.Errorf("pool add with 15 × 2 = 30 pods: %v", err)
	}
}
