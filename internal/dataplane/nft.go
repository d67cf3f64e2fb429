package dataplane

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// A small model of the nftables rules aksnet writes: one table ("aksnet",
// family ip) per namespace, base and regular chains, rules made of matches
// and one action. It prints as nft syntax (for the fake and the tests) and
// is translated to google/nftables expressions by the Linux kernel code.

// TableName is the nftables table aksnet owns in each namespace.
const TableName = "aksnet"

// Ruleset is the content of the aksnet table.
type Ruleset struct {
	Chains []*Chain
}

// Chain is one chain. A base chain has a Hook; a regular chain does not.
type Chain struct {
	Name string
	// Type is "filter" or "nat" for base chains.
	Type     string
	Hook     string // prerouting, input, forward, output, postrouting
	Priority int
	Rules    []NFRule
}

// Match kinds.
const (
	MIIF     = "iifname"
	MOIF     = "oifname"
	MSaddr   = "ip saddr"
	MDaddr   = "ip daddr"
	MProto   = "ip protocol"
	MSport   = "th sport"
	MDport   = "th dport"
	MCtState = "ct state" // established,related
	MCtDNAT  = "ct status dnat"
	MNumgen  = "numgen random mod" // Mod; matches when the number is 0
)

// Match is one condition of a rule.
type Match struct {
	Kind   string
	Neg    bool
	Str    string
	Prefix netip.Prefix
	// Set, for ip saddr/daddr, matches any of several prefixes (an
	// anonymous interval set); Prefix is unused then.
	Set    []netip.Prefix
	Proto  uint8
	Lo, Hi uint16
	Mod    uint32
}

func (m Match) String() string {
	op := " "
	if m.Neg {
		op = " != "
	}
	switch m.Kind {
	case MIIF, MOIF:
		return m.Kind + op + fmt.Sprintf("%q", m.Str)
	case MSaddr, MDaddr:
		if len(m.Set) > 0 {
			parts := make([]string, len(m.Set))
			for i, p := range m.Set {
				parts[i] = p.String()
			}
			return m.Kind + op + "{ " + strings.Join(parts, ", ") + " }"
		}
		if m.Prefix.Bits() == 32 {
			return m.Kind + op + m.Prefix.Addr().String()
		}
		return m.Kind + op + m.Prefix.String()
	case MProto:
		return m.Kind + op + protoName(m.Proto)
	case MSport, MDport:
		if m.Lo == m.Hi {
			return m.Kind + op + fmt.Sprint(m.Lo)
		}
		return m.Kind + op + fmt.Sprintf("%d-%d", m.Lo, m.Hi)
	case MCtState:
		return "ct state established,related"
	case MCtDNAT:
		return "ct status dnat"
	case MNumgen:
		return fmt.Sprintf("numgen random mod %d 0", m.Mod)
	}
	return "?" + m.Kind
}

func protoName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 50:
		return "esp"
	case 51:
		return "ah"
	}
	return fmt.Sprint(p)
}

// Verdicts and NAT actions.
const (
	VAccept     = "accept"
	VDrop       = "drop"
	VReturn     = "return"
	VJump       = "jump"
	VGoto       = "goto"
	VMasquerade = "masquerade"
	VSNAT       = "snat"
	VDNAT       = "dnat"
	// VReject answers with ICMP port unreachable, which a TCP client sees
	// as "connection refused" (kube-proxy's answer for a service without
	// endpoints).
	VReject = "reject"
)

// Action is what a rule does once every match holds.
type Action struct {
	Verdict string
	Chain   string     // jump, goto
	Addr    netip.Addr // snat, dnat
	Port    uint16     // dnat (0: keep)
}

func (a Action) String() string {
	switch a.Verdict {
	case VJump, VGoto:
		return a.Verdict + " " + a.Chain
	case VSNAT:
		return "snat to " + a.Addr.String()
	case VDNAT:
		if a.Port != 0 {
			return fmt.Sprintf("dnat to %s:%d", a.Addr, a.Port)
		}
		return "dnat to " + a.Addr.String()
	}
	return a.Verdict
}

// NFRule is one rule.
type NFRule struct {
	Match  []Match
	Action Action
}

func (r NFRule) String() string {
	parts := make([]string, 0, len(r.Match)+1)
	for _, m := range r.Match {
		parts = append(parts, m.String())
	}
	return strings.Join(append(parts, r.Action.String()), " ")
}

// String prints the ruleset as nft would list it (without handles).
func (rs *Ruleset) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table ip %s {\n", TableName)
	for _, c := range rs.Chains {
		fmt.Fprintf(&b, "  chain %s {\n", c.Name)
		if c.Hook != "" {
			fmt.Fprintf(&b, "    type %s hook %s priority %d; policy accept;\n", c.Type, c.Hook, c.Priority)
		}
		for _, r := range c.Rules {
			fmt.Fprintf(&b, "    %s\n", r)
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// Hash identifies the ruleset's content. The Linux kernel stores it in every
// rule's user data, so a later Set (or a new process) can tell whether the
// table in the kernel is the one it would write.
func (rs *Ruleset) Hash() string {
	if rs == nil {
		return ""
	}
	sum := sha256.Sum256([]byte(rs.String()))
	return hex.EncodeToString(sum[:12])
}

// Fingerprint is what a kernel reports for a loaded ruleset: its hash and
// its number of rules ("" for no ruleset).
func (rs *Ruleset) Fingerprint() string {
	if rs == nil {
		return ""
	}
	return fmt.Sprintf("%s/%d", rs.Hash(), rs.RuleCount())
}

// RuleCount is the number of rules in the ruleset.
func (rs *Ruleset) RuleCount() int {
	n := 0
	for _, c := range rs.Chains {
		n += len(c.Rules)
	}
	return n
}

// addrMatch matches an address field against prefixes: one prefix, or an
// interval set of several (sorted and deduplicated).
func addrMatch(kind string, prefixes []netip.Prefix, neg bool) Match {
	var ps []netip.Prefix
	for _, p := range prefixes {
		p = p.Masked()
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	if len(ps) == 1 {
		return Match{Kind: kind, Neg: neg, Prefix: ps[0]}
	}
	return Match{Kind: kind, Neg: neg, Set: ps}
}

func iif(name string) Match          { return Match{Kind: MIIF, Str: name} }
func oif(name string) Match          { return Match{Kind: MOIF, Str: name} }
func saddr(p netip.Prefix) Match     { return Match{Kind: MSaddr, Prefix: p} }
func daddr(p netip.Prefix) Match     { return Match{Kind: MDaddr, Prefix: p} }
func host(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, 32) }
