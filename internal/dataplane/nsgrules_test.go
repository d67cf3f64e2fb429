package dataplane

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/fabric"
)

// evalChain runs a flow through an NSG chain as nftables would: the first
// rule whose matches all hold decides; return is Allow, drop is Deny.
func evalChain(c *Chain, f fabric.Flow) string {
	proto := map[string]uint8{"Tcp": 6, "Udp": 17, "Icmp": 1, "Esp": 50, "Ah": 51}[f.Protocol]
	for _, r := range c.Rules {
		ok := true
		for _, m := range r.Match {
			var hit bool
			switch m.Kind {
			case MSaddr, MDaddr:
				a := f.Src
				if m.Kind == MDaddr {
					a = f.Dst
				}
				if len(m.Set) > 0 {
					for _, p := range m.Set {
						hit = hit || p.Contains(a)
					}
				} else {
					hit = m.Prefix.Contains(a)
				}
			case MProto:
				hit = proto == m.Proto
			case MSport, MDport:
				port := f.SrcPort
				if m.Kind == MDport {
					port = f.DstPort
				}
				hit = int(m.Lo) <= port && port <= int(m.Hi)
			default:
				panic("unexpected match " + m.Kind)
			}
			if hit == m.Neg {
				ok = false
				break
			}
		}
		if ok {
			if r.Action.Verdict == VReturn {
				return fabric.Allow
			}
			return fabric.Deny
		}
	}
	return "none"
}

// TestNSGChain_MatchesFabricEvaluate checks the nftables translation of
// NSGs against fabric.Evaluate, the model of Azure's NSG semantics, on
// random rules and flows.
func TestNSGChain_MatchesFabricEvaluate(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	addrs := []string{"10.244.0.5", "10.244.1.7", "192.168.1.4", "192.168.2.9", "203.0.113.10", "168.63.129.16", "8.8.8.8", "10.1.2.3"}
	specs := []string{"*", "VirtualNetwork", "Internet", "AzureLoadBalancer", "10.244.0.0/16", "10.244.1.0/24", "192.168.1.4", "192.168.0.0/16", "0.0.0.0/0", "8.8.0.0/16"}
	ports := []string{"*", "80", "8080", "1000-9000", "53", "443"}
	protos := []string{"*", "Tcp", "Udp", "Icmp", "Esp"}
	pick := func(list []string, n int) []string {
		var out []string
		for range n {
			out = append(out, list[rng.IntN(len(list))])
		}
		return out
	}
	subnet := &Subnet{ID: "s", Routes: fabric.EffectiveRoutes([]netip.Prefix{mp("192.168.0.0/16")}, []fabric.Route{
		{Name: "n0", Prefix: mp("10.244.0.0/24"), NextHopType: fabric.VirtualAppliance, NextHopIP: ma("192.168.1.4")},
		{Name: "n1", Prefix: mp("10.244.1.0/24"), NextHopType: fabric.VirtualAppliance, NextHopIP: ma("192.168.1.5")},
	})}
	tags := tagsOf(subnet)
	for round := range 300 {
		var rules []fabric.SecurityRule
		used := map[int]bool{}
		for i := range 1 + rng.IntN(5) {
			prio := 100 + rng.IntN(50)
			for used[prio] {
				prio++
			}
			used[prio] = true
			access := fabric.Allow
			if rng.IntN(2) == 0 {
				access = fabric.Deny
			}
			rules = append(rules, fabric.SecurityRule{Name: fmt.Sprint("r", i), Priority: prio, Direction: fabric.Inbound, Access: access,
				Protocol: protos[rng.IntN(len(protos))], SourcePrefixes: pick(specs, 1+rng.IntN(2)), DestPrefixes: pick(specs, 1+rng.IntN(2)),
				SourcePorts: pick(ports, 1), DestPorts: pick(ports, 1+rng.IntN(2))})
		}
		c := nsgChain("t", &NSG{ID: "g", Rules: rules}, tags, fabric.Inbound)
		for range 40 {
			f := fabric.Flow{Direction: fabric.Inbound, Protocol: []string{"Tcp", "Udp", "Icmp", "Esp"}[rng.IntN(4)],
				Src: ma(addrs[rng.IntN(len(addrs))]), Dst: ma(addrs[rng.IntN(len(addrs))]),
				SrcPort: []int{80, 8080, 50000, 53}[rng.IntN(4)], DstPort: []int{80, 8080, 443, 53, 9001}[rng.IntN(5)]}
			want := fabric.Evaluate(rules, f, tags)
			if got := evalChain(c, f); got != want.Access {
				var b strings.Builder
				for _, r := range rules {
					fmt.Fprintf(&b, "  %+v\n", r)
				}
				t.Fatalf("round %d (seed %d): flow %+v: nft chain says %s, fabric.Evaluate %s (rule %s)\nrules:\n%schain:\n%v",
					round, seed, f, got, want.Access, want.RuleName, b.String(), (&Ruleset{Chains: []*Chain{c}}).String())
			}
		}
	}
}

// TestFabricRules_IPForwardingBeforeConntrack: a NIC without IP forwarding
// drops foreign sources it sends and foreign destinations it receives, and
// both checks come before the conntrack accept, so an established flow is
// cut when forwarding is turned off (Azure checks every packet).
func TestFabricRules_IPForwardingBeforeConntrack(t *testing.T) {
	subnet := &Subnet{ID: testSubnet}
	on := &NIC{ID: "on", IP: ma("192.168.1.4"), IPForwarding: true}
	off := &NIC{ID: "off", IP: ma("192.168.1.5")}
	rs := fabricRules([]nicRef{{nic: on, subnet: subnet}, {nic: off, subnet: subnet}})
	var got []string
	for _, r := range rs.Chains[0].Rules {
		got = append(got, r.String())
	}
	link := addrLink(off.IP)
	want := []string{
		`iifname "` + link + `" ip saddr != 192.168.1.5 drop`,
		`oifname "` + link + `" ip daddr != 192.168.1.5 drop`,
	}
	if len(got) < 3 || got[0] != want[0] || got[1] != want[1] || !strings.HasPrefix(got[2], "ct state") {
		t.Errorf("forward chain starts\n%s\nwant\n%s\nthen the ct state accept", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range got[2:] {
		if strings.Contains(r, addrLink(on.IP)) && strings.HasSuffix(r, "drop") {
			t.Errorf("a NIC with IP forwarding has a drop rule: %s", r)
		}
	}
}
