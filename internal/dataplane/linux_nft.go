//go:build linux

package dataplane

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The aksnet table is written whole, in one atomic batch (delete the old
// table, add the new one), and every rule carries the ruleset's hash as its
// user data. Reading back, the table matches a ruleset when it has as many
// rules as the ruleset and each carries its hash.

var nftTable = &nftables.Table{Name: TableName, Family: nftables.TableFamilyIPv4}

// readNFTHash returns the hash the aksnet table was written with, "" when
// there is no table, and "modified" when rules were added or removed by hand.
func readNFTHash(c *nftables.Conn) (string, error) {
	t, err := c.ListTableOfFamily(TableName, nftables.TableFamilyIPv4)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) {
			return "", nil
		}
		return "", err
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return "", err
	}
	hash := ""
	n := 0
	for _, ch := range chains {
		if ch.Table.Name != t.Name {
			continue
		}
		rules, err := c.GetRules(t, ch)
		if err != nil {
			return "", err
		}
		for _, r := range rules {
			h := string(r.UserData)
			if hash == "" {
				hash = h
			}
			if h != hash || h == "" {
				return "modified", nil
			}
			n++
		}
	}
	if hash == "" {
		return "modified", nil // an empty table is not one aksnet writes
	}
	return fmt.Sprintf("%s/%d", hash, n), nil
}

var hooks = map[string]*nftables.ChainHook{
	"prerouting": nftables.ChainHookPrerouting, "input": nftables.ChainHookInput, "forward": nftables.ChainHookForward,
	"output": nftables.ChainHookOutput, "postrouting": nftables.ChainHookPostrouting,
}

// loadNFT replaces the aksnet table by rs (nil: deletes it) atomically;
// exists says whether a table is there to replace.
func loadNFT(c *nftables.Conn, rs *Ruleset, exists bool) error {
	if exists {
		c.DelTable(nftTable)
	}
	if rs == nil {
		return c.Flush()
	}
	t := c.AddTable(nftTable)
	chains := map[string]*nftables.Chain{}
	accept := nftables.ChainPolicyAccept
	for _, ch := range rs.Chains {
		nc := &nftables.Chain{Name: ch.Name, Table: t}
		if ch.Hook != "" {
			nc.Hooknum = hooks[ch.Hook]
			nc.Priority = nftables.ChainPriorityRef(nftables.ChainPriority(ch.Priority))
			nc.Type = nftables.ChainTypeFilter
			if ch.Type == "nat" {
				nc.Type = nftables.ChainTypeNAT
			}
			nc.Policy = &accept
		}
		chains[ch.Name] = c.AddChain(nc)
	}
	ud := []byte(rs.Hash())
	for _, ch := range rs.Chains {
		for _, r := range ch.Rules {
			exprs, err := ruleExprs(c, t, r)
			if err != nil {
				return fmt.Errorf("chain %s rule %q: %w", ch.Name, r, err)
			}
			c.AddRule(&nftables.Rule{Table: t, Chain: chains[ch.Name], Exprs: exprs, UserData: ud})
		}
	}
	return c.Flush()
}

func cmpOp(neg bool) expr.CmpOp {
	if neg {
		return expr.CmpOpNeq
	}
	return expr.CmpOpEq
}

func ifname(s string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, s)
	return b
}

// ruleExprs translates one rule into nftables expressions, adding the
// anonymous sets it uses to the batch.
func ruleExprs(c *nftables.Conn, t *nftables.Table, r NFRule) ([]expr.Any, error) {
	var out []expr.Any
	for _, m := range r.Match {
		e, err := matchExprs(c, t, m)
		if err != nil {
			return nil, err
		}
		out = append(out, e...)
	}
	a, err := actionExprs(r.Action)
	if err != nil {
		return nil, err
	}
	return append(out, a...), nil
}

// matchExprs translates one match, loading what it compares into register 1.
func matchExprs(c *nftables.Conn, t *nftables.Table, m Match) ([]expr.Any, error) {
	switch m.Kind {
	case MIIF, MOIF:
		key := expr.MetaKeyIIFNAME
		if m.Kind == MOIF {
			key = expr.MetaKeyOIFNAME
		}
		return []expr.Any{&expr.Meta{Key: key, Register: 1}, &expr.Cmp{Op: cmpOp(m.Neg), Register: 1, Data: ifname(m.Str)}}, nil
	case MSaddr, MDaddr:
		return addrExprs(c, t, m)
	case MProto:
		return []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 9, Len: 1},
			&expr.Cmp{Op: cmpOp(m.Neg), Register: 1, Data: []byte{m.Proto}}}, nil
	case MSport, MDport:
		off := uint32(0)
		if m.Kind == MDport {
			off = 2
		}
		out := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2}}
		if m.Lo == m.Hi {
			return append(out, &expr.Cmp{Op: cmpOp(m.Neg), Register: 1, Data: binaryutil.BigEndian.PutUint16(m.Lo)}), nil
		}
		return append(out, &expr.Range{Op: cmpOp(m.Neg), Register: 1, FromData: binaryutil.BigEndian.PutUint16(m.Lo), ToData: binaryutil.BigEndian.PutUint16(m.Hi)}), nil
	case MCtState:
		return []expr.Any{&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
				Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED), Xor: binaryutil.NativeEndian.PutUint32(0)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)}}, nil
	case MCtDNAT:
		const ipsDstNAT = 1 << 5
		return []expr.Any{&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: binaryutil.NativeEndian.PutUint32(ipsDstNAT), Xor: binaryutil.NativeEndian.PutUint32(0)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)}}, nil
	case MNumgen:
		return []expr.Any{&expr.Numgen{Register: 1, Modulus: m.Mod, Type: unix.NFT_NG_RANDOM},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)}}, nil
	}
	return nil, fmt.Errorf("unknown match %q", m.Kind)
}

// addrExprs translates an ip saddr/daddr match: a lookup in an anonymous
// interval set for several prefixes, else a masked compare.
func addrExprs(c *nftables.Conn, t *nftables.Table, m Match) ([]expr.Any, error) {
	off := uint32(12)
	if m.Kind == MDaddr {
		off = 16
	}
	out := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: 4}}
	if len(m.Set) > 0 {
		set := &nftables.Set{Table: t, Anonymous: true, Constant: true, Interval: true, KeyType: nftables.TypeIPAddr}
		if err := c.AddSet(set, intervalElements(m.Set)); err != nil {
			return nil, err
		}
		return append(out, &expr.Lookup{SourceRegister: 1, SetName: set.Name, SetID: set.ID, Invert: m.Neg}), nil
	}
	p := m.Prefix.Masked()
	if p.Bits() < 32 {
		mask := netip.PrefixFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), p.Bits()).Masked().Addr().As4()
		out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask[:], Xor: []byte{0, 0, 0, 0}})
	}
	a := p.Addr().As4()
	return append(out, &expr.Cmp{Op: cmpOp(m.Neg), Register: 1, Data: a[:]}), nil
}

// actionExprs translates a rule's action.
func actionExprs(a Action) ([]expr.Any, error) {
	var out []expr.Any
	switch a.Verdict {
	case VAccept:
		out = append(out, &expr.Verdict{Kind: expr.VerdictAccept})
	case VDrop:
		out = append(out, &expr.Verdict{Kind: expr.VerdictDrop})
	case VReject:
		out = append(out, &expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: 3}) // ICMP port unreachable
	case VReturn:
		out = append(out, &expr.Verdict{Kind: expr.VerdictReturn})
	case VJump:
		out = append(out, &expr.Verdict{Kind: expr.VerdictJump, Chain: a.Chain})
	case VGoto:
		out = append(out, &expr.Verdict{Kind: expr.VerdictGoto, Chain: a.Chain})
	case VMasquerade:
		out = append(out, &expr.Masq{})
	case VSNAT, VDNAT:
		ip := a.Addr.As4()
		out = append(out, &expr.Immediate{Register: 1, Data: ip[:]})
		nat := &expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1}
		if a.Verdict == VDNAT {
			nat.Type = expr.NATTypeDestNAT
		}
		if a.Port != 0 {
			out = append(out, &expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(a.Port)})
			nat.RegProtoMin, nat.Specified = 2, true
		}
		out = append(out, nat)
	default:
		return nil, fmt.Errorf("unknown action %q", a.Verdict)
	}
	return out, nil
}

// intervalElements encodes prefixes as an interval set: each merged range
// [first, last] is a start element and an end element at last+1 (none
// when the range reaches 255.255.255.255).
func intervalElements(prefixes []netip.Prefix) []nftables.SetElement {
	type span struct{ lo, hi uint32 }
	var spans []span
	for _, p := range prefixes {
		p = p.Masked()
		lo := fabric.IPv4Uint(p.Addr())
		hi := lo | (uint32(1)<<(32-p.Bits()) - 1)
		if p.Bits() == 0 {
			hi = ^uint32(0)
		}
		spans = append(spans, span{lo, hi})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && (s.lo <= merged[n-1].hi || merged[n-1].hi != ^uint32(0) && s.lo == merged[n-1].hi+1) {
			merged[n-1].hi = max(merged[n-1].hi, s.hi)
			continue
		}
		merged = append(merged, s)
	}
	var out []nftables.SetElement
	for _, s := range merged {
		out = append(out, nftables.SetElement{Key: binaryutil.BigEndian.PutUint32(s.lo)})
		if s.hi != ^uint32(0) {
			out = append(out, nftables.SetElement{Key: binaryutil.BigEndian.PutUint32(s.hi + 1), IntervalEnd: true})
		}
	}
	return out
}
