package fabric

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
)

// FuzzSecurityRule checks the parsing of a security rule's address prefixes
// and port ranges (comma-separated lists stand for the plural properties).
// ValidateRule never panics and refuses with a 400 azerr whose target is a
// property of the rule. A rule it accepts parses entry by entry, and a TCP
// flow built from the first address and port of each list is decided by
// that rule, not by a default rule (custom priorities are all below the
// defaults').
func FuzzSecurityRule(f *testing.F) {
	// The article's and the spec examples' rules
	// (NetworkSecurityGroupRuleCreate.json: rule1, Tcp, "*", "10.0.0.0/8",
	// "*", "8080-8080"; az network nsg rule create's defaults), and
	// near-valid ones.
	f.Add(130, "*", "Inbound", "Deny", "10.0.0.0/8", "11.0.0.0/8", "*", "8080-8080")
	f.Add(100, "Tcp", "Inbound", "Allow", "*", "*", "*", "80")
	f.Add(1000, "tcp", "inbound", "allow", "VirtualNetwork", "Internet", "*", "22,443")
	f.Add(4096, "Udp", "Outbound", "Deny", "AzureLoadBalancer", "168.63.129.16", "0-65535", "53")
	f.Add(200, "Icmp", "Outbound", "Allow", "192.168.1.0/24,10.244.0.0/16", "10.0.0.10", "*", "*")
	f.Add(300, "Tcp", "Inbound", "Allow", "10.0.0.1/24", "*", "*", "80")
	f.Add(99, "Tcp", "Inbound", "Allow", "*", "*", "*", "80")
	f.Add(4097, "Tcp", "Inbound", "Allow", "*", "*", "*", "80")
	f.Add(100, "Http", "Inbound", "Allow", "*", "*", "*", "80")
	f.Add(100, "Tcp", "Sideways", "Allow", "*", "*", "*", "80")
	f.Add(100, "Tcp", "Inbound", "Maybe", "*", "*", "*", "80")
	f.Add(100, "Tcp", "Inbound", "Allow", "", "*", "*", "80")
	f.Add(100, "Tcp", "Inbound", "Allow", "*", "*", "*", "443-80")
	f.Add(100, "Tcp", "Inbound", "Allow", "*", "*", "*", "65536")
	f.Add(100, "Tcp", "Inbound", "Allow", "*", "*", "-1", "+80")
	f.Add(100, "Tcp", "Inbound", "Allow", "fd00::/8", "::1", "*", "00080")
	f.Add(100, "Tcp", "Inbound", "Allow", "fe80::1%eth0", "Storage", "*", "1-2-3")
	f.Fuzz(func(t *testing.T, prio int, proto, dir, access, src, dst, sports, dports string) {
		r := SecurityRule{
			Name: "rule1", Priority: prio, Direction: dir, Access: access, Protocol: proto,
			SourcePrefixes: list(src), DestPrefixes: list(dst), SourcePorts: list(sports), DestPorts: list(dports),
		}
		const target = "properties.securityRules[0]"
		err := ValidateRule(r, target)
		if err != nil {
			e, ok := azerr.As(err)
			if !ok || e.Status != http.StatusBadRequest || !strings.HasPrefix(e.Code, "SecurityRule") || !strings.HasPrefix(e.Target, target+".properties.") {
				t.Fatalf("ValidateRule(%+v) = %#v, want a 400 SecurityRule… error on a property", r, err)
			}
			return
		}
		var flow Flow
		flow.Direction, _ = canonical(dir, Inbound, Outbound)
		flow.Protocol = ProtocolTcp
		tags := NewTagContext([]netip.Prefix{netip.MustParsePrefix("192.168.0.0/16")}, nil)
		var ok bool
		if flow.Src, ok = sample(t, r.SourcePrefixes[0], tags); !ok {
			return
		}
		if flow.Dst, ok = sample(t, r.DestPrefixes[0], tags); !ok {
			return
		}
		flow.SrcPort = port(t, r.SourcePorts[0])
		flow.DstPort = port(t, r.DestPorts[0])
		if !strings.EqualFold(proto, ProtocolTcp) && proto != ProtocolAny {
			flow.Protocol = proto
		}
		v := Evaluate([]SecurityRule{r}, flow, tags)
		wantAccess, _ := canonical(access, Allow, Deny)
		if v.Default || v.RuleName != "rule1" || v.Access != wantAccess || v.Priority != prio {
			t.Fatalf("rule %+v does not decide flow %+v built from it: %+v", r, flow, v)
		}
	})
}

// list splits a comma-separated list; "" is an empty list.
func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// sample returns an address that the valid address spec s matches, or false
// for IPv6 specs (flows here are IPv4).
func sample(t *testing.T, s string, tags TagContext) (netip.Addr, bool) {
	t.Helper()
	spec, ok := parseAddressSpec(s)
	if !ok {
		t.Fatalf("ValidateRule accepted address prefix %q that does not parse", s)
	}
	switch spec.tag {
	case AnyAddress, TagInternet:
		return netip.MustParseAddr("8.8.8.8"), true
	case TagVirtualNetwork:
		return netip.MustParseAddr("192.168.1.4"), true
	case TagAzureLoadBalancer:
		return HostVIP, true
	}
	if !spec.prefix.IsValid() || spec.prefix.Masked() != spec.prefix {
		t.Fatalf("address prefix %q parsed to %v", s, spec.prefix)
	}
	a := spec.prefix.Addr()
	return a, a.Is4()
}

// port returns the first port of the valid range s.
func port(t *testing.T, s string) int {
	t.Helper()
	lo, hi, ok := ParsePortRange(s)
	if !ok || lo < 0 || hi > 65535 || lo > hi {
		t.Fatalf("ValidateRule accepted port range %q, which parses to %d-%d, %v", s, lo, hi, ok)
	}
	return lo
}
