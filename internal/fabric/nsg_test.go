package fabric

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

func TestDefaultRules(t *testing.T) {
	star := []string{"*"}
	r := func(name string, prio int, dir, access, src, dst string) SecurityRule {
		return SecurityRule{Name: name, Priority: prio, Direction: dir, Access: access, Protocol: "*",
			SourcePrefixes: []string{src}, DestPrefixes: []string{dst}, SourcePorts: star, DestPorts: star}
	}
	want := []SecurityRule{
		r("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
		r("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
		r("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
		r("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
		r("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
		r("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
	}
	got := DefaultRules()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("DefaultRules mismatch (-want +got):\n%s", d)
	}
	got[0].SourcePorts[0] = "22"
	if DefaultRules()[0].SourcePorts[0] != "*" {
		t.Error("DefaultRules shares state between calls")
	}
}

func validRule() SecurityRule {
	return SecurityRule{
		Name: "allow-http", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
		SourcePrefixes: []string{"*"}, DestPrefixes: []string{"10.244.0.0/16"},
		SourcePorts: []string{"*"}, DestPorts: []string{"80"},
	}
}

func TestValidateRule(t *testing.T) {
	type ruleCase struct {
		name       string
		mut        func(*SecurityRule)
		base       string
		wantCode   string
		wantTarget string
	}
	// badDestPort is a rule whose one destination port Azure refuses.
	badDestPort := func(name, port string) ruleCase {
		return ruleCase{name: name, mut: func(r *SecurityRule) { r.DestPorts = []string{port} },
			wantCode: "SecurityRuleInvalidPortRange", wantTarget: "properties.destinationPortRange"}
	}
	// badDestPrefix is a rule whose one destination prefix Azure refuses.
	badDestPrefix := func(name, prefix string) ruleCase {
		return ruleCase{name: name, mut: func(r *SecurityRule) { r.DestPrefixes = []string{prefix} },
			wantCode: "SecurityRuleInvalidAddressPrefix", wantTarget: "properties.destinationAddressPrefix"}
	}
	tests := []ruleCase{
		{name: "valid", mut: func(*SecurityRule) {}},
		{name: "valid at the top of the range, lower-case enums, every prefix form", mut: func(r *SecurityRule) {
			r.Priority, r.Direction, r.Access, r.Protocol = 4096, "outbound", "deny", "icmp"
			r.SourcePrefixes = []string{"virtualnetwork", "AzureLoadBalancer", "10.0.0.5", "fd00::/64"}
			r.DestPrefixes = []string{"Internet"}
			r.SourcePorts, r.DestPorts = []string{"0", "65535"}, []string{"1000-2000", "443"}
		}},
		{name: "Esp and Ah are protocols", mut: func(r *SecurityRule) { r.Protocol = "Esp" }},
		{name: "priority below 100", mut: func(r *SecurityRule) { r.Priority = 99 },
			wantCode: "SecurityRuleInvalidPriority", wantTarget: "properties.priority"},
		{name: "priority above 4096", mut: func(r *SecurityRule) { r.Priority = 4097 },
			wantCode: "SecurityRuleInvalidPriority", wantTarget: "properties.priority"},
		{name: "default-rule priority is not a custom priority", mut: func(r *SecurityRule) { r.Priority = 65000 },
			base: "properties.securityRules[3]", wantCode: "SecurityRuleInvalidPriority", wantTarget: "properties.securityRules[3].properties.priority"},
		{name: "protocol", mut: func(r *SecurityRule) { r.Protocol = "Gre" },
			wantCode: "SecurityRuleInvalidProtocol", wantTarget: "properties.protocol"},
		{name: "empty protocol", mut: func(r *SecurityRule) { r.Protocol = "" },
			wantCode: "SecurityRuleInvalidProtocol", wantTarget: "properties.protocol"},
		{name: "direction", mut: func(r *SecurityRule) { r.Direction = "In" },
			wantCode: "SecurityRuleInvalidDirection", wantTarget: "properties.direction"},
		{name: "access", mut: func(r *SecurityRule) { r.Access = "Permit" },
			wantCode: "SecurityRuleInvalidAccess", wantTarget: "properties.access"},
		{name: "no source prefix", mut: func(r *SecurityRule) { r.SourcePrefixes = nil },
			wantCode: "SecurityRuleParametersMissing", wantTarget: "properties.sourceAddressPrefix"},
		{name: "no destination port", mut: func(r *SecurityRule) { r.DestPorts = nil },
			wantCode: "SecurityRuleParametersMissing", wantTarget: "properties.destinationPortRange"},
		badDestPrefix("CIDR with host bits", "10.244.0.1/16"),
		{name: "'any' is not a prefix", mut: func(r *SecurityRule) { r.SourcePrefixes = []string{"10.0.0.0/8", "any"} },
			wantCode: "SecurityRuleInvalidAddressPrefix", wantTarget: "properties.sourceAddressPrefixes"},
		badDestPrefix("unmodelled service tag", "Storage"),
		badDestPrefix("bad CIDR length", "10.0.0.0/33"),
		badDestPort("port above 65535", "65536"),
		{name: "reversed range", mut: func(r *SecurityRule) { r.SourcePorts = []string{"2000-1000"} },
			wantCode: "SecurityRuleInvalidPortRange", wantTarget: "properties.sourcePortRange"},
		{name: "three-part range", mut: func(r *SecurityRule) { r.DestPorts = []string{"80", "1-2-3"} },
			wantCode: "SecurityRuleInvalidPortRange", wantTarget: "properties.destinationPortRanges"},
		badDestPort("word port", "http"),
		badDestPort("signed port", "+80"),
		badDestPort("empty port", ""),
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validRule()
			tc.mut(&r)
			err := ValidateRule(r, tc.base)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("ValidateRule = %v, want nil", err)
				}
				return
			}
			e, ok := azerr.As(err)
			if !ok {
				t.Fatalf("ValidateRule = %v, want *azerr.Error %s", err, tc.wantCode)
			}
			if e.Code != tc.wantCode || e.Target != tc.wantTarget || e.Status != http.StatusBadRequest {
				t.Errorf("got %d %s target %q; want 400 %s target %q", e.Status, e.Code, e.Target, tc.wantCode, tc.wantTarget)
			}
			if e.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	vnet := []netip.Prefix{pfx("192.168.0.0/16")}
	tags := NewTagContext(vnet, []Route{
		udr("pods0", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"),
		udr("pods1", "10.244.1.0/24", VirtualAppliance, "192.168.1.5"),
	})
	rule := func(name string, prio int, dir, access, proto string, src, dst, dport []string) SecurityRule {
		return SecurityRule{Name: name, Priority: prio, Direction: dir, Access: access, Protocol: proto,
			SourcePrefixes: src, DestPrefixes: dst, SourcePorts: []string{"*"}, DestPorts: dport}
	}
	s := func(v ...string) []string { return v }
	denyPodHTTP := rule("DenyPodHttp", 200, "Outbound", "Deny", "Tcp", s("*"), s("10.244.0.0/16"), s("80", "8000-8080"))
	allowPodHTTP := rule("AllowPodHttp", 300, "Outbound", "Allow", "Tcp", s("*"), s("10.244.0.0/16"), s("80"))
	tcp := func(dir, src, dst string, dport int) Flow {
		return Flow{Direction: dir, Protocol: "Tcp", Src: addr(src), Dst: addr(dst), SrcPort: 40000, DstPort: dport}
	}
	proto := func(p string, f Flow) Flow { f.Protocol = p; return f }
	tests := []struct {
		name  string
		rules []SecurityRule
		flow  Flow
		want  Verdict
	}{
		{"pod to pod is VirtualNetwork (UDR prefixes in the tag)", nil,
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 80), Verdict{"Allow", "AllowVnetOutBound", 65000, true}},
		{"node to Internet", nil,
			tcp("Outbound", "192.168.1.4", "93.184.216.34", 443), Verdict{"Allow", "AllowInternetOutBound", 65001, true}},
		{"pod CIDR outside the routes is not VirtualNetwork inbound", nil,
			tcp("Inbound", "10.244.9.9", "192.168.1.4", 22), Verdict{"Deny", "DenyAllInBound", 65500, true}},
		{"Internet inbound is denied", nil,
			tcp("Inbound", "93.184.216.34", "192.168.1.4", 22), Verdict{"Deny", "DenyAllInBound", 65500, true}},
		{"load balancer probe to a public frontend", nil,
			tcp("Inbound", "168.63.129.16", "20.1.1.1", 80), Verdict{"Allow", "AllowAzureLoadBalancerInBound", 65001, true}},
		{"host VIP is VirtualNetwork", nil,
			tcp("Inbound", "168.63.129.16", "192.168.1.4", 80), Verdict{"Allow", "AllowVnetInBound", 65000, true}},
		{"custom deny on port", []SecurityRule{denyPodHTTP},
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 80), Verdict{"Deny", "DenyPodHttp", 200, false}},
		{"custom deny on port range", []SecurityRule{denyPodHTTP},
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 8080), Verdict{"Deny", "DenyPodHttp", 200, false}},
		{"custom deny misses other ports", []SecurityRule{denyPodHTTP},
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 8081), Verdict{"Allow", "AllowVnetOutBound", 65000, true}},
		{"custom deny misses other protocols", []SecurityRule{denyPodHTTP},
			proto("Udp", tcp("Outbound", "10.244.0.5", "10.244.1.7", 80)), Verdict{"Allow", "AllowVnetOutBound", 65000, true}},
		{"custom deny misses the other direction", []SecurityRule{denyPodHTTP},
			tcp("Inbound", "10.244.0.5", "10.244.1.7", 80), Verdict{"Allow", "AllowVnetInBound", 65000, true}},
		{"lower priority number wins (deny first)", []SecurityRule{allowPodHTTP, denyPodHTTP},
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 80), Verdict{"Deny", "DenyPodHttp", 200, false}},
		{"lower priority number wins (allow first)", []SecurityRule{
			rule("AllowFirst", 150, "Outbound", "Allow", "*", s("*"), s("*"), s("*")), denyPodHTTP},
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 80), Verdict{"Allow", "AllowFirst", 150, false}},
		{"custom rule can deny what a default rule allows", []SecurityRule{
			rule("DenyInternet", 4096, "Outbound", "Deny", "*", s("*"), s("Internet"), s("*"))},
			tcp("Outbound", "192.168.1.4", "8.8.8.8", 53), Verdict{"Deny", "DenyInternet", 4096, false}},
		{"custom rule can allow what a default rule denies", []SecurityRule{
			rule("AllowSSHFromOffice", 100, "Inbound", "Allow", "Tcp", s("203.0.113.0/24", "198.51.100.7"), s("VirtualNetwork"), s("22"))},
			tcp("Inbound", "198.51.100.7", "192.168.1.4", 22), Verdict{"Allow", "AllowSSHFromOffice", 100, false}},
		{"source list misses", []SecurityRule{
			rule("AllowSSHFromOffice", 100, "Inbound", "Allow", "Tcp", s("203.0.113.0/24", "198.51.100.7"), s("VirtualNetwork"), s("22"))},
			tcp("Inbound", "198.51.100.8", "192.168.1.4", 22), Verdict{"Deny", "DenyAllInBound", 65500, true}},
		{"ICMP ignores a * rule limited to port 80", []SecurityRule{
			rule("DenyAny80", 100, "Outbound", "Deny", "*", s("*"), s("*"), s("80"))},
			proto("Icmp", tcp("Outbound", "10.244.0.5", "10.244.1.7", 0)), Verdict{"Allow", "AllowVnetOutBound", 65000, true}},
		{"ICMP matches a * rule on all ports", []SecurityRule{
			rule("DenyAll", 100, "Outbound", "Deny", "*", s("*"), s("*"), s("0-65535"))},
			proto("Icmp", tcp("Outbound", "10.244.0.5", "10.244.1.7", 0)), Verdict{"Deny", "DenyAll", 100, false}},
		{"an Icmp rule ignores its ports", []SecurityRule{
			rule("DenyPing", 100, "Outbound", "Deny", "Icmp", s("*"), s("*"), s("80"))},
			proto("Icmp", tcp("Outbound", "10.244.0.5", "10.244.1.7", 0)), Verdict{"Deny", "DenyPing", 100, false}},
		{"enumerations are case-insensitive", []SecurityRule{
			rule("deny", 100, "outbound", "deny", "tcp", s("virtualnetwork"), s("*"), s("*"))},
			tcp("Outbound", "10.244.0.5", "10.244.1.7", 80), Verdict{"Deny", "deny", 100, false}},
		{"unknown direction is denied without a rule", nil,
			tcp("Sideways", "10.244.0.5", "10.244.1.7", 80), Verdict{Access: "Deny"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(tc.rules, tc.flow, tags)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Evaluate mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewTagContext(t *testing.T) {
	got := NewTagContext(
		[]netip.Prefix{pfx("192.168.0.0/16"), pfx("192.168.0.0/16")},
		[]Route{udr("a", "10.244.0.0/24", VirtualAppliance, "192.168.1.4"), udr("b", "0.0.0.0/0", None, "")},
	)
	want := []netip.Prefix{pfx("192.168.0.0/16"), pfx("10.244.0.0/24"), pfx("0.0.0.0/0"), pfx("168.63.129.16/32")}
	if d := cmp.Diff(want, got.VirtualNetwork, routeCmp); d != "" {
		t.Errorf("NewTagContext mismatch (-want +got):\n%s", d)
	}
	// With a 0/0 UDR every address is VirtualNetwork and none is Internet.
	if !got.matches("VirtualNetwork", addr("8.8.8.8")) || got.matches("Internet", addr("8.8.8.8")) {
		t.Error("0/0 UDR did not widen the VirtualNetwork tag")
	}
}
