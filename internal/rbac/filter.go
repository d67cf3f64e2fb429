package rbac

import (
	"slices"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// CodeUnsupportedQuery is the code Azure's authorization provider answers an
// unsupported $filter with (HTTP 400).
const CodeUnsupportedQuery = "UnsupportedQuery"

// AssignmentFilter is a parsed role assignment $filter. The zero value is "no
// filter".
type AssignmentFilter struct {
	// AtScope is atScope(): only assignments at the request scope or above it.
	AtScope bool
	// PrincipalID is principalId eq '{id}'; empty when absent.
	PrincipalID string
	// AssignedTo is assignedTo('{id}'); empty when absent.
	AssignedTo string
}

// ParseAssignmentFilter parses the $filter of a role assignment list. It
// accepts the empty string (no filter), "atScope()", "principalId eq '{id}'",
// "assignedTo('{id}')", and any combination of distinct ones joined by "and".
// Names and operators ignore case and extra spaces; string literals use OData
// quoting (two single quotes in a row stand for one).
//
// Anything else, including a clause given twice, is a 400 UnsupportedQuery
// error with target "$filter" and Azure's message:
//
//	The filter '{filter}' is not supported. Supported filters are either
//	'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.
//
// (on one line). Azure itself refuses atScope() together with principalId eq;
// aksnet accepts the combination and applies both.
func ParseAssignmentFilter(s string) (AssignmentFilter, error) {
	found, ok := parseKnownFilter(s,
		clause{name: "atScope", call: true},
		clause{name: "assignedTo", call: true, hasArg: true},
		clause{name: "principalId", hasArg: true})
	if !ok {
		return AssignmentFilter{}, unsupportedAssignmentFilter(s)
	}
	return AssignmentFilter{AtScope: found[0] != nil, AssignedTo: found[1].argOf(), PrincipalID: found[2].argOf()}, nil
}

func unsupportedAssignmentFilter(s string) *azerr.Error {
	return azerr.BadRequest(CodeUnsupportedQuery, "$filter",
		"The filter '%s' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.", s)
}

// Matches reports whether assignment a belongs in a list of the assignments of
// requestScope filtered by f:
//
//   - with atScope(), a's scope must be the request scope or above it (contain
//     it); assignments below the request scope are left out;
//   - without it, a's scope may be at, above or below the request scope;
//   - principalId eq and assignedTo keep only a's principal, ignoring case.
//     Groups are not modelled, so assignedTo does not follow group membership.
func (f AssignmentFilter) Matches(a Assignment, requestScope string) bool {
	if f.PrincipalID != "" && !strings.EqualFold(a.PrincipalID, f.PrincipalID) {
		return false
	}
	if f.AssignedTo != "" && !strings.EqualFold(a.PrincipalID, f.AssignedTo) {
		return false
	}
	if ScopeContains(a.Scope, requestScope) {
		return true
	}
	return !f.AtScope && ScopeContains(requestScope, a.Scope)
}

// RoleDefinitionFilter is a parsed role definition $filter. The zero value is
// "no filter".
type RoleDefinitionFilter struct {
	// RoleName is roleName eq '{name}'; empty when absent.
	RoleName string
	// Type is type eq '{BuiltInRole|CustomRole}'; empty when absent.
	Type string
}

// ParseRoleDefinitionFilter parses the $filter of a role definition list. It
// accepts the empty string, "roleName eq '{name}'" (az's
// "roleName eq 'Network Contributor'"), "type eq '{type}'", and both joined
// by "and". Spacing and case rules are those of ParseAssignmentFilter.
//
// Anything else is a 400 UnsupportedQuery error with target "$filter" and the
// message
//
//	The filter '{filter}' is not supported. Supported filters are either
//	'roleName eq '{value}'' or 'type eq '{value}''.
//
// (on one line), shaped like Azure's message for role assignments.
func ParseRoleDefinitionFilter(s string) (RoleDefinitionFilter, error) {
	found, ok := parseKnownFilter(s, clause{name: "roleName", hasArg: true}, clause{name: "type", hasArg: true})
	if !ok {
		return RoleDefinitionFilter{}, unsupportedRoleDefinitionFilter(s)
	}
	return RoleDefinitionFilter{RoleName: found[0].argOf(), Type: found[1].argOf()}, nil
}

func unsupportedRoleDefinitionFilter(s string) *azerr.Error {
	return azerr.BadRequest(CodeUnsupportedQuery, "$filter",
		"The filter '%s' is not supported. Supported filters are either 'roleName eq '{value}'' or 'type eq '{value}''.", s)
}

// Matches reports whether d passes f. Role names and types compare
// case-insensitively, so roleName eq 'network contributor' finds Network
// Contributor.
func (f RoleDefinitionFilter) Matches(d RoleDefinition) bool {
	if f.RoleName != "" && !strings.EqualFold(d.RoleName, f.RoleName) {
		return false
	}
	if f.Type != "" && !strings.EqualFold(d.RoleType, f.Type) {
		return false
	}
	return true
}

// clause is one term of a filter: either a call, name() or name('arg'), or a
// comparison, name eq 'arg'.
type clause struct {
	name   string
	call   bool
	hasArg bool
	arg    string
}

// parseKnownFilter parses the filter s, in which each clause must be one of
// known, at most once. known gives each clause's name (compared ignoring
// case) and form: call and hasArg as a parsed clause has them. found[i] is
// the clause of s that matches known[i], or nil when s has none.
func parseKnownFilter(s string, known ...clause) (found []*clause, ok bool) {
	clauses, ok := parseFilter(s)
	if !ok {
		return nil, false
	}
	found = make([]*clause, len(known))
	for i := range clauses {
		c := &clauses[i]
		k := slices.IndexFunc(known, func(k clause) bool {
			return k.call == c.call && k.hasArg == c.hasArg && strings.EqualFold(k.name, c.name)
		})
		if k < 0 || found[k] != nil {
			return nil, false
		}
		found[k] = c
	}
	return found, true
}

// argOf returns c's argument, or "" for no clause.
func (c *clause) argOf() string {
	if c == nil {
		return ""
	}
	return c.arg
}

// parseFilter splits an OData filter made of clauses joined by "and" into its
// clauses. It reports false on any syntax it does not know. The grammar:
//
//	filter  = [ clause { ws "and" ws clause } ]
//	clause  = name "(" [ literal ] ")" | name ws "eq" ws literal
//	literal = "'" { char | "''" } "'"
//
// where spaces around the parentheses and the literal are allowed. An empty
// literal is refused: principalId eq with an empty string would otherwise read
// as no filter at all. It never panics, whatever the input.
func parseFilter(s string) ([]clause, bool) {
	p := filterParser{s: s}
	p.skipSpace()
	if p.done() {
		return nil, true
	}
	var out []clause
	for {
		c, ok := p.clause()
		if !ok || (c.hasArg && c.arg == "") {
			return nil, false
		}
		out = append(out, c)
		sawSpace := p.skipSpace()
		if p.done() {
			return out, true
		}
		if !sawSpace || !p.keyword("and") || !p.skipSpace() {
			return nil, false
		}
	}
}

type filterParser struct {
	s string
	i int
}

func (p *filterParser) done() bool { return p.i >= len(p.s) }

// skipSpace skips blanks and reports whether there were any.
func (p *filterParser) skipSpace() bool {
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
	return p.i > start
}

// name reads an identifier: letters, digits, '_', '.' and '/'.
func (p *filterParser) name() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '/') {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// keyword consumes the identifier kw, ignoring case, when it comes next as a
// whole word.
func (p *filterParser) keyword(kw string) bool {
	save := p.i
	if strings.EqualFold(p.name(), kw) {
		return true
	}
	p.i = save
	return false
}

func (p *filterParser) byteIs(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// literal reads a single-quoted OData string, in which two quotes in a row
// stand for one.
func (p *filterParser) literal() (string, bool) {
	if !p.byteIs('\'') {
		return "", false
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		if c != '\'' {
			b.WriteByte(c)
			continue
		}
		if p.byteIs('\'') {
			b.WriteByte('\'')
			continue
		}
		return b.String(), true
	}
	return "", false // unterminated
}

func (p *filterParser) clause() (clause, bool) {
	var c clause
	c.name = p.name()
	if c.name == "" {
		return clause{}, false
	}
	sawSpace := p.skipSpace()
	if p.byteIs('(') {
		c.call = true
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == '\'' {
			arg, ok := p.literal()
			if !ok {
				return clause{}, false
			}
			c.arg, c.hasArg = arg, true
			p.skipSpace()
		}
		if !p.byteIs(')') {
			return clause{}, false
		}
		return c, true
	}
	if !sawSpace || !p.keyword("eq") || !p.skipSpace() {
		return clause{}, false
	}
	arg, ok := p.literal()
	if !ok {
		return clause{}, false
	}
	c.arg, c.hasArg = arg, true
	return c, true
}
