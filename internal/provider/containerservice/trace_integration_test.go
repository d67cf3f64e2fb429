package containerservice_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/provider/containerservice"
	"github.com/google/go-cmp/cmp"
)

// traceCall POSTs a trace request to the cluster and returns the status and
// the decoded answer (or the error envelope's code and target).
func (h *harness) traceCall(rg, cluster string, req containerservice.TraceRequest) (int, containerservice.TraceAnswer, armtest.APIError) {
	h.T.Helper()
	path := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/%s/trace?api-version=2024-05-01", h.Sub, rg, cluster)
	resp := h.Do(http.MethodPost, path, req)
	var ans containerservice.TraceAnswer
	var env struct {
		Error armtest.APIError `json:"error"`
	}
	if resp.Status == http.StatusOK {
		resp.Decode(h.T, &ans)
	} else {
		resp.Decode(h.T, &env)
	}
	env.Error.Status = resp.Status
	return resp.Status, ans, env.Error
}

// mustTrace traces and fails on anything but 200.
func (h *harness) mustTrace(rg, cluster string, req containerservice.TraceRequest) containerservice.TraceAnswer {
	h.T.Helper()
	st, ans, e := h.traceCall(rg, cluster, req)
	if st != http.StatusOK {
		h.T.Fatalf("trace %+v: %d %s %s", req, st, e.Code, e.Message)
	}
	return ans
}

// steps lists the hops as "step: decision".
func steps(a containerservice.TraceAnswer) []string {
	out := make([]string, len(a.Hops))
	for i, hp := range a.Hops {
		out[i] = hp.Step + ": " + hp.Decision
	}
	return out
}

// TestIntegrationTrace traces packets on the article's 3-node cluster,
// computed server-side from the model: pod to pod across nodes, node to
// pod, pod to the internet, an NSG deny (rule name and priority), service
// IPs, a deleted route (the node's route goes with a scale-down), named
// pods, and bad requests.
func TestIntegrationTrace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n, l := h.articleCluster(t, 3)
	rg := n.rg
	n0, n1, n2 := l.Nodes[0], l.Nodes[1], l.Nodes[2]
	route := func(nd node) string { return l.RouteID + " route " + nd.Name + "____" + compact(nd.PodCIDR) }
	pip := h.outboundIP(l.NodeRG)

	type tc struct {
		name      string
		req       containerservice.TraceRequest
		outcome   string
		src       string
		steps     []string
		fromKind  string
		toKind    string
		noteHas   string
		stepsHave []string
	}
	base := []tc{
		{name: "PodToPodAcrossNodes",
			req:     containerservice.TraceRequest{From: "10.244.0.5", To: "10.244.1.7:8080"},
			outcome: "Delivered", src: "10.244.0.5", fromKind: "pod", toKind: "pod",
			steps: []string{
				"pod: pod default route via cbr0",
				"cbr0: kubenet bridge",
				"node: node default route via eth0",
				"masquerade: no masquerade inside cluster pod CIDR 10.244.0.0/16",
				"nic-ip-forwarding: enableIPForwarding=true on " + n0.Name,
				"nic-nsg-outbound: " + arm.LastName(n0.NSGID) + " default rule AllowVnetOutBound (priority 65000): Allow",
				"route: " + route(n1) + " 10.244.1.0/24 (User)",
				"nic-nsg-inbound: " + arm.LastName(n1.NSGID) + " default rule AllowVnetInBound (priority 65000): Allow",
				"nic-ip-forwarding: enableIPForwarding=true on " + n1.Name,
				"node: node route 10.244.1.0/24 dev cbr0",
				"cbr0: kubenet bridge",
				"pod: delivery",
			}},
		{name: "NodeToPod",
			req:     containerservice.TraceRequest{From: n0.Name, To: "10.244.2.9", Port: 80},
			outcome: "Delivered", src: n0.IP, fromKind: "node", toKind: "pod",
			stepsHave: []string{"route: " + route(n2) + " 10.244.2.0/24 (User)", "pod: delivery"}},
		{name: "PodToSameNodePod",
			req:     containerservice.TraceRequest{From: "10.244.1.3", To: "10.244.1.4:80"},
			outcome: "Delivered", src: "10.244.1.3",
			steps: []string{"pod: pod default route via cbr0", "cbr0: kubenet bridge", "cbr0: destination in the node's pod CIDR 10.244.1.0/24", "pod: local delivery"}},
		{name: "PodToNodeIsMasqueraded",
			req:     containerservice.TraceRequest{From: "10.244.0.5", To: n2.IP + ":10250"},
			outcome: "Delivered", src: n0.IP, toKind: "node",
			stepsHave: []string{"masquerade: masquerade outside cluster pod CIDR 10.244.0.0/16", "route: System Route 192.168.0.0/16 (Default)", "node: local address"}},
		{name: "PodToInternet",
			req:     containerservice.TraceRequest{From: "10.244.0.5", To: "203.0.113.10:80"},
			outcome: "Internet", src: pip, toKind: "address",
			stepsHave: []string{
				"masquerade: masquerade outside cluster pod CIDR 10.244.0.0/16",
				"nic-nsg-outbound: " + arm.LastName(n0.NSGID) + " default rule AllowInternetOutBound (priority 65001): Allow",
				"route: System Route 0.0.0.0/0 (Default)",
				"snat: outbound public IP " + pip}},
		{name: "PodToDNSServiceOnSameNode",
			req:     containerservice.TraceRequest{From: "10.244.0.5", To: "10.0.0.10:53", Protocol: "Udp"},
			outcome: "Delivered", src: "10.244.0.5", toKind: "service",
			steps: []string{"pod: pod default route via cbr0", "cbr0: kubenet bridge", "kube-proxy: kube-dns service 10.0.0.10:53 DNAT",
				"cbr0: destination in the node's pod CIDR 10.244.0.0/24", "pod: local delivery"}},
		{name: "PodToDNSServiceAcrossNodes",
			req:     containerservice.TraceRequest{From: "10.244.2.8", To: "10.0.0.10:53", Protocol: "Udp"},
			outcome: "Delivered", src: "10.244.2.8", toKind: "service",
			stepsHave: []string{"kube-proxy: kube-dns service 10.0.0.10:53 DNAT", "route: " + route(n0) + " 10.244.0.0/24 (User)", "pod: delivery"}},
		{name: "DNSServiceOtherPortHasNoRule",
			req:     containerservice.TraceRequest{From: "10.244.2.8", To: "10.0.0.10:80"},
			outcome: "Blackholed", src: n2.IP,
			stepsHave: []string{"kube-proxy: no kube-dns rule for Tcp port 80", "route: System Route 10.0.0.0/8 (Default)"}},
		{name: "NodeToKubernetesService",
			req:     containerservice.TraceRequest{From: n1.Name, To: "10.0.0.1:443"},
			outcome: "Blackholed", src: n1.IP, toKind: "service",
			steps: []string{"node: host network", "kube-proxy: no rule for the kubernetes service 10.0.0.1", "nic-ip-forwarding: NIC's own address",
				"nic-nsg-outbound: " + arm.LastName(n1.NSGID) + " default rule AllowInternetOutBound (priority 65001): Allow",
				"route: System Route 10.0.0.0/8 (Default)"}},
		{name: "PodToUnusedServiceIPIsBlackholed",
			req:     containerservice.TraceRequest{From: "10.244.0.5", To: "10.0.5.5:80"},
			outcome: "Blackholed", src: n0.IP, toKind: "service",
			stepsHave: []string{"kube-proxy: no service with ClusterIP 10.0.5.5", "route: System Route 10.0.0.0/8 (Default)"}},
	}
	run := func(t *testing.T, cases []tc) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a := h.withT(t).mustTrace(rg, "c", c.req)
				if a.Outcome != c.outcome {
					t.Errorf("outcome %s, want %s\n%s", a.Outcome, c.outcome, strings.Join(steps(a), "\n"))
				}
				if a.TranslatedSource != c.src {
					t.Errorf("translated source %s, want %s", a.TranslatedSource, c.src)
				}
				if c.steps != nil {
					if diff := cmp.Diff(c.steps, steps(a)); diff != "" {
						t.Errorf("hops (-want +got):\n%s", diff)
					}
				}
				got := strings.Join(steps(a), "\n")
				for _, s := range c.stepsHave {
					if !strings.Contains(got, s) {
						t.Errorf("hops lack %q:\n%s", s, got)
					}
				}
				if c.fromKind != "" && a.From.Kind != c.fromKind {
					t.Errorf("from kind %q, want %q", a.From.Kind, c.fromKind)
				}
				if c.toKind != "" && a.To.Kind != c.toKind {
					t.Errorf("to kind %q, want %q", a.To.Kind, c.toKind)
				}
				if c.noteHas != "" && !strings.Contains(strings.Join(a.Notes, "\n"), c.noteHas) {
					t.Errorf("notes %q lack %q", a.Notes, c.noteHas)
				}
				for _, hp := range a.Hops {
					if hp.Detail == "" || hp.Decision == "" {
						t.Errorf("hop %+v lacks detail or decision", hp)
					}
				}
			})
		}
	}
	t.Run("Paths", func(t *testing.T) { run(t, base) })

	// An NSG on the subnet that denies the pod CIDR on 8080.
	t.Run("NSGDeny", func(t *testing.T) {
		h := h.withT(t)
		p, err := h.Net.NewSecurityGroupsClient().BeginCreateOrUpdate(h.Ctx, rg, "subnet-nsg", armnetwork.SecurityGroup{Location: to.Ptr("eastus"),
			Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{{Name: to.Ptr("deny-pods-8080"),
				Properties: &armnetwork.SecurityRulePropertiesFormat{Priority: to.Ptr[int32](210), Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound),
					Access: to.Ptr(armnetwork.SecurityRuleAccessDeny), Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP),
					SourceAddressPrefix: to.Ptr("10.244.0.0/16"), SourcePortRange: to.Ptr("*"),
					DestinationAddressPrefix: to.Ptr("*"), DestinationPortRange: to.Ptr("8080")}}}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		nsg, err := armtest.PollDone(h.Ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		setNSG := func(id *string) {
			t.Helper()
			sp, err := h.Net.NewSubnetsClient().BeginCreateOrUpdate(h.Ctx, rg, "myAKSVnet", "myAKSSubnet", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
				AddressPrefix: to.Ptr("192.168.1.0/24"), RouteTable: &armnetwork.RouteTable{ID: to.Ptr(l.RouteID)}, NetworkSecurityGroup: nsgRef(id)}}, nil)
			if err == nil {
				_, err = armtest.PollDone(h.Ctx, sp)
			}
			if err != nil {
				t.Fatalf("subnet NSG: %v", err)
			}
		}
		setNSG(nsg.ID)
		run(t, []tc{
			{name: "Denied", req: containerservice.TraceRequest{From: "10.244.0.5", To: "10.244.1.7:8080"},
				outcome: "Dropped", src: "10.244.0.5",
				stepsHave: []string{"subnet-nsg-outbound: subnet-nsg default rule AllowVnetOutBound (priority 65000): Allow",
					"subnet-nsg-inbound: subnet-nsg rule deny-pods-8080 (priority 210): Deny"}},
			{name: "OtherPortAllowed", req: containerservice.TraceRequest{From: "10.244.0.5", To: "10.244.1.7:80"},
				outcome: "Delivered", src: "10.244.0.5",
				stepsHave: []string{"subnet-nsg-inbound: subnet-nsg default rule AllowVnetInBound (priority 65000): Allow"}},
			{name: "NodeSourceNotDenied", req: containerservice.TraceRequest{From: n0.Name, To: "10.244.1.7:8080"},
				outcome: "Delivered", src: n0.IP},
		})
		setNSG(nil)
		run(t, []tc{{name: "Restored", req: containerservice.TraceRequest{From: "10.244.0.5", To: "10.244.1.7:8080"}, outcome: "Delivered", src: "10.244.0.5"}})
	})

	// Pods and a ClusterIP service, created through the API.
	t.Run("NamedPodsAndServices", func(t *testing.T) {
		h := h.withT(t)
		clusterPath := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/c", h.Sub, rg)
		ips := map[string]string{}
		for _, p := range []struct{ name, node string }{{"web-0", n1.Name}, {"web-1", n2.Name}, {"client", n0.Name}} {
			var doc struct {
				Properties struct {
					PodIP string `json:"podIP"`
				} `json:"properties"`
			}
			h.putJSON(clusterPath+"/pods/"+p.name, map[string]any{"properties": map[string]any{"nodeName": p.node}}, &doc)
			ips[p.name] = doc.Properties.PodIP
		}
		var svc struct {
			Properties struct {
				ClusterIP string `json:"clusterIP"`
			} `json:"properties"`
		}
		h.putJSON(clusterPath+"/services/web", map[string]any{"properties": map[string]any{"selector": "web-", "port": 80, "targetPort": 8080}}, &svc)
		vip := svc.Properties.ClusterIP
		h.putJSON(clusterPath+"/services/idle", map[string]any{"properties": map[string]any{"selector": "nobody-", "port": 80, "targetPort": 8080}}, &svc)
		idle := svc.Properties.ClusterIP
		run(t, []tc{
			// kube-proxy rejects a service port without endpoints at the
			// sending node: the client sees connection refused at once.
			{name: "ServiceWithoutEndpointsRefuses", req: containerservice.TraceRequest{From: "client", To: idle + ":80"},
				outcome: "Refused", toKind: "service",
				stepsHave: []string{"kube-proxy: service idle " + idle + ":80 has no endpoints: reject"}},
			{name: "PodNameToPodName", req: containerservice.TraceRequest{From: "client", To: "web-1", Port: 8080},
				outcome: "Delivered", src: ips["client"], fromKind: "pod", toKind: "pod",
				stepsHave: []string{"route: " + route(n2) + " 10.244.2.0/24 (User)"}},
			{name: "PodToClusterIPService", req: containerservice.TraceRequest{From: "client", To: vip + ":80"},
				outcome: "Delivered", src: ips["client"], toKind: "service",
				stepsHave: []string{"kube-proxy: service web " + vip + ":80 DNAT", "masquerade: no masquerade inside cluster pod CIDR 10.244.0.0/16",
					"route: " + route(n1) + " 10.244.1.0/24 (User)", "pod: delivery"}},
			// As kube-proxy: service traffic to an endpoint on the same
			// node keeps its source; only hairpin traffic (the endpoint
			// is the sender) is masqueraded, to the node's cbr0 address.
			{name: "ServiceEndpointOnSameNodeKeepsTheSource", req: containerservice.TraceRequest{From: "10.244.1.77", To: vip + ":80"},
				outcome: "Delivered", src: "10.244.1.77",
				stepsHave: []string{"kube-proxy: service web " + vip + ":80 DNAT"}},
			{name: "ServiceHairpinIsMasqueraded", req: containerservice.TraceRequest{From: "web-0", To: vip + ":80"},
				outcome: "Delivered", src: "10.244.1.1",
				stepsHave: []string{"kube-proxy: service web " + vip + ":80 DNAT", "masquerade: masquerade hairpin service traffic on cbr0"}},
			{name: "ServiceOtherPortHasNoRule", req: containerservice.TraceRequest{From: "client", To: vip + ":81"},
				outcome: "Blackholed", src: n0.IP,
				stepsHave: []string{"kube-proxy: no rule for Tcp port 81 of service web"}},
			{name: "ToCoreDNSByName", req: containerservice.TraceRequest{From: "web-1", To: "coredns", Port: 53, Protocol: "Udp"},
				outcome: "Delivered", src: ips["web-1"], toKind: "pod",
				stepsHave: []string{"route: " + route(n0) + " 10.244.0.0/24 (User)"}},
		})
	})

	// Network Watcher's next hop with a scale set instance as the target:
	// the node's NIC is found through the instance's network profile.
	t.Run("NextHopFromScaleSetInstance", func(t *testing.T) {
		h := h.withT(t)
		id, err := arm.ParseID(n1.NICID)
		if err != nil || len(id.Names) != 3 {
			t.Fatalf("NIC id %s of %s is no scale set instance's: %v", n1.NICID, n1.Name, err)
		}
		nic, err := h.Net.NewInterfacesClient().GetVirtualMachineScaleSetNetworkInterface(h.Ctx, l.NodeRG, id.Names[0], id.Names[1], id.Names[2], nil)
		if err != nil || nic.Properties.VirtualMachine == nil {
			t.Fatalf("NIC of %s: %v", n1.Name, err)
		}
		vm := *nic.Properties.VirtualMachine.ID
		if !strings.Contains(vm, "/virtualMachineScaleSets/") {
			t.Fatalf("NIC's VM %s is not a scale set instance", vm)
		}
		w := h.Net.NewWatchersClient()
		// One watcher per region and subscription: this test's own region.
		if _, err := w.CreateOrUpdate(h.Ctx, rg, "watcher", armnetwork.Watcher{Location: to.Ptr("uksouth")}, nil); err != nil {
			t.Fatal(err)
		}
		// The plane outlives the test (go test -count runs it again on
		// it): give the region's one watcher back.
		t.Cleanup(func() {
			p, err := w.BeginDelete(context.Background(), rg, "watcher", nil)
			if err == nil {
				_, err = armtest.PollDone(context.Background(), p)
			}
			if err != nil {
				t.Errorf("delete the watcher: %v", err)
			}
		})
		p, err := w.BeginGetNextHop(h.Ctx, rg, "watcher", armnetwork.NextHopParameters{TargetResourceID: to.Ptr(vm),
			SourceIPAddress: to.Ptr(n1.IP), DestinationIPAddress: to.Ptr("10.244.2.9")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := armtest.PollDone(h.Ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if *res.NextHopType != armnetwork.NextHopTypeVirtualAppliance || str(res.NextHopIPAddress) != n2.IP || !strings.EqualFold(str(res.RouteTableID), l.RouteID) {
			t.Errorf("next hop from %s to 10.244.2.9: %s %s %s, want VirtualAppliance %s %s", vm, *res.NextHopType, str(res.NextHopIPAddress), str(res.RouteTableID), n2.IP, l.RouteID)
		}
	})

	t.Run("BadRequests", func(t *testing.T) {
		h := h.withT(t)
		for _, c := range []struct {
			req          containerservice.TraceRequest
			status       int
			code, target string
		}{
			{containerservice.TraceRequest{From: "nope", To: "10.244.1.7"}, http.StatusNotFound, "NotFound", "from"},
			{containerservice.TraceRequest{From: "10.9.9.9", To: "10.244.1.7"}, http.StatusBadRequest, "InvalidParameter", "from"},
			{containerservice.TraceRequest{From: n0.Name, To: "not-an-ip"}, http.StatusBadRequest, "InvalidParameter", "to"},
			{containerservice.TraceRequest{From: n0.Name, To: "10.244.1.7:99999"}, http.StatusBadRequest, "InvalidParameter", "to"},
			{containerservice.TraceRequest{From: n0.Name, To: "10.244.1.7", Protocol: "Sctp"}, http.StatusBadRequest, "InvalidParameter", "protocol"},
		} {
			st, _, e := h.traceCall(rg, "c", c.req)
			if st != c.status || e.Code != c.code || e.Target != c.target {
				t.Errorf("trace %+v: %d %s %s (%s), want %d %s %s", c.req, st, e.Code, e.Target, e.Message, c.status, c.code, c.target)
			}
		}
		if st, _, _ := h.traceCall(rg, "nocluster", containerservice.TraceRequest{From: n0.Name, To: "10.244.1.7"}); st != http.StatusNotFound {
			t.Errorf("trace on a missing cluster: %d, want 404", st)
		}
	})

	// Scaling down removes the last node and, through the route
	// controller, its route: its pod CIDR is now blackholed.
	t.Run("DeletedRoute", func(t *testing.T) {
		h := h.withT(t)
		if _, err := h.scaleCluster(rg, "c", 2); err != nil {
			t.Fatal(err)
		}
		armtest.Eventually(t, armtest.OpTimeout, func() string {
			if _, ok := h.layoutOf(rg, "c").Routes[n2.Name+"____"+compact(n2.PodCIDR)]; ok {
				return "route of " + n2.Name + " still there"
			}
			return ""
		})
		run(t, []tc{{name: "ToRemovedNodePods", req: containerservice.TraceRequest{From: "10.244.0.5", To: "10.244.2.9:8080"},
			outcome: "Blackholed", src: "10.244.0.5",
			stepsHave: []string{"route: System Route 10.0.0.0/8 (Default)"},
			noteHas:   "no node holds the /24 around it"}})
	})
}

func nsgRef(id *string) *armnetwork.SecurityGroup {
	if id == nil {
		return nil
	}
	return &armnetwork.SecurityGroup{ID: id}
}

// outboundIP is the address of the public IP in the node resource group.
func (h *harness) outboundIP(nodeRG string) string {
	h.T.Helper()
	pager := h.Net.NewPublicIPAddressesClient().NewListPager(nodeRG, nil)
	for pager.More() {
		page, err := pager.NextPage(h.Ctx)
		if err != nil {
			h.T.Fatal(err)
		}
		for _, p := range page.Value {
			if p.Properties != nil && p.Properties.IPAddress != nil {
				return *p.Properties.IPAddress
			}
		}
	}
	h.T.Fatalf("no public IP in %s", nodeRG)
	return ""
}

// putJSON PUTs body at path (api-version 2024-05-01) and decodes the answer
// into out, failing the test on anything but 200 or 201.
func (h *harness) putJSON(path string, body, out any) {
	h.T.Helper()
	resp := h.Do(http.MethodPut, path+"?api-version=2024-05-01", body)
	if resp.Status != http.StatusOK && resp.Status != http.StatusCreated {
		h.T.Fatalf("PUT %s: %d %s", path, resp.Status, resp.Body)
	}
	resp.Decode(h.T, out)
}
