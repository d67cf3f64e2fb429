package resources

import (
	"strings"
	"unicode/utf8"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// CodeInvalidFilter is ARM's code for a $filter it can't apply (400), with
// the message "Invalid $filter '{filter}' specified in the query string."
// (Azure/azure-sdk-for-go#2480 for a group list, Azure/azure-sdk-for-net
// #18748 for a resource list).
const CodeInvalidFilter = "InvalidFilterInQueryString"

// maxFilterLen bounds a $filter: ARM's query strings are short, and the
// parser's work grows with the filter (the or-of-ands form below more so).
const maxFilterLen = 4096

// maxTerms bounds the or-of-ands form of a filter.
const maxTerms = 256

// Property is a resource property a $filter names.
type Property string

// The properties a generic resource list filters on, as the Resources_List
// swagger documents them (armresources.ClientListOptions.Filter).
const (
	PropName          Property = "name"
	PropResourceType  Property = "resourceType"
	PropLocation      Property = "location"
	PropResourceGroup Property = "resourceGroup"
)

// Op is a condition's operator.
type Op string

// The operators: eq and ne compare, substringof finds Value in the
// property, ignoring case.
const (
	OpEq          Op = "eq"
	OpNe          Op = "ne"
	OpSubstringOf Op = "substringof"
)

// Cond is one condition of a filter: Prop Op Value.
type Cond struct {
	Prop  Property
	Op    Op
	Value string
}

// Filter is a parsed $filter. The zero value keeps everything.
//
// A filter is either a tag filter (TagName set: tagName eq 'n', optionally
// and tagValue eq 'v'; or TagPrefix: startswith(tagName, 'p')), which ARM
// lets stand only alone, or conditions on name, resourceType, location and
// resourceGroup joined with and, or and parentheses, held as an or of
// ands (Any: a resource passes when it meets every condition of one
// element).
type Filter struct {
	TagName     string
	TagValue    string
	HasTagValue bool
	TagPrefix   bool
	Any         [][]Cond
}

// IsTag reports whether f filters by tag.
func (f Filter) IsTag() bool { return f.TagName != "" }

// Item is what a filter looks at in a resource.
type Item struct {
	ID, Name, Type, Location, ResourceGroup string
	Tags                                    map[string]string
}

// Matches reports whether it passes f. Names, types, locations and groups
// compare ignoring case (a location in any ARM spelling: "East US" is
// "eastus"); tag names ignore case and tag values do not, as Azure treats
// tags.
func (f Filter) Matches(it Item) bool {
	if f.TagName != "" {
		for k, v := range it.Tags {
			if f.TagPrefix {
				if len(k) >= len(f.TagName) && strings.EqualFold(k[:len(f.TagName)], f.TagName) {
					return true
				}
				continue
			}
			if strings.EqualFold(k, f.TagName) && (!f.HasTagValue || v == f.TagValue) {
				return true
			}
		}
		return false
	}
	if len(f.Any) == 0 {
		return true
	}
	for _, all := range f.Any {
		ok := true
		for _, c := range all {
			if !c.holds(it) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c Cond) holds(it Item) bool {
	var got string
	want := c.Value
	switch c.Prop {
	case PropName:
		got = it.Name
	case PropResourceType:
		got = it.Type
	case PropLocation:
		got, want = arm.NormalizeLocation(it.Location), arm.NormalizeLocation(c.Value)
	case PropResourceGroup:
		got = it.ResourceGroup
	}
	switch c.Op {
	case OpEq:
		return strings.EqualFold(got, want)
	case OpNe:
		return !strings.EqualFold(got, want)
	default:
		return strings.Contains(strings.ToLower(got), strings.ToLower(want))
	}
}

// ParseGroupFilter parses the $filter of a resource group list, which ARM
// applies only by tag (Resources swagger, ResourceGroups_List: "You can
// filter by tag names and values"; name eq answers InvalidFilterInQueryString,
// Azure/azure-sdk-for-go#2480).
func ParseGroupFilter(s string) (Filter, error) {
	f, err := ParseFilter(s)
	if err != nil {
		return Filter{}, err
	}
	if len(f.Any) > 0 {
		return Filter{}, invalidFilter(s, "a resource group list filters only by tag: tagName eq '{name}' [and tagValue eq '{value}']")
	}
	return f, nil
}

// ParseFilter parses the $filter of a generic resource list (GET
// …/resources). The grammar, with keywords and property names in any case
// and any spacing:
//
//	filter  = or
//	or      = and { "or" and }
//	and     = primary { "and" primary }
//	primary = "(" or ")" | prop ("eq" | "ne") literal
//	        | "substringof(" literal "," ("name" | "resourceGroup") ")"
//	        | "startswith(" "tagName" "," literal ")"
//	prop    = "name" | "resourceType" | "location" | "resourceGroup" | "tagName" | "tagValue"
//	literal = "'" { char | "''" } "'"
//
// Tag conditions stand alone, as ARM requires (Azure/azure-cli#7674):
// tagName eq 'n', tagName eq 'n' and tagValue eq 'v', or
// startswith(tagName, 'p'). Anything else answers 400
// InvalidFilterInQueryString with ARM's message, target "$filter" and a
// detail that names the offending part. It never panics.
func ParseFilter(s string) (Filter, error) {
	if strings.TrimSpace(s) == "" {
		return Filter{}, nil
	}
	if len(s) > maxFilterLen {
		return Filter{}, invalidFilter(s, "the filter is longer than 4096 characters")
	}
	if !utf8.ValidString(s) {
		return Filter{}, invalidFilter(s, "the filter is not UTF-8 text")
	}
	p := &filterParser{s: s}
	n, err := p.or()
	if err != nil {
		return Filter{}, invalidFilter(s, err.Error())
	}
	p.space()
	if p.i < len(s) {
		return Filter{}, invalidFilter(s, "unexpected '"+p.rest()+"'")
	}
	if n.tag != nil {
		return *n.tag, nil
	}
	return Filter{Any: n.any}, nil
}

func invalidFilter(s, why string) error {
	e := azerr.BadRequest(CodeInvalidFilter, "$filter", "Invalid $filter '%s' specified in the query string.", s)
	e.Details = []*azerr.Error{azerr.BadRequest(CodeInvalidFilter, "$filter", "%s", why)}
	return e
}

// node is a parsed part of a filter: an or of ands, or a tag filter (only
// ever the whole filter, or one "and" away from it).
type node struct {
	any [][]Cond
	tag *Filter
	// tagValue is a lone tagValue eq, which only an and with a tagName eq
	// makes whole.
	tagValue *string
}

type filterError string

func (e filterError) Error() string { return string(e) }

type filterParser struct {
	s     string
	i     int
	depth int
}

func (p *filterParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 40 {
		r = r[:40] + "…"
	}
	return r
}

func (p *filterParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// word reads an identifier (letters, digits, '_', '/'), after spaces.
func (p *filterParser) word() string {
	p.space()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '/') {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// keyword consumes kw, ignoring case, when it comes next as a whole word.
func (p *filterParser) keyword(kw string) bool {
	save := p.i
	if strings.EqualFold(p.word(), kw) {
		return true
	}
	p.i = save
	return false
}

func (p *filterParser) punct(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *filterParser) literal() (string, error) {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '\'' {
		return "", filterError("expected a quoted value at '" + p.rest() + "'")
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		if c != '\'' {
			b.WriteByte(c)
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '\'' {
			p.i++
			b.WriteByte('\'')
			continue
		}
		return b.String(), nil
	}
	return "", filterError("a quoted value is not closed")
}

func (p *filterParser) or() (node, error) {
	left, err := p.and()
	if err != nil {
		return node{}, err
	}
	for p.keyword("or") {
		right, err := p.and()
		if err != nil {
			return node{}, err
		}
		if left.tag != nil || right.tag != nil || left.tagValue != nil || right.tagValue != nil {
			return node{}, filterError("a tag filter can't be combined with or")
		}
		left.any = append(left.any, right.any...)
		if len(left.any) > maxTerms {
			return node{}, filterError("the filter has too many alternatives")
		}
	}
	if left.tagValue != nil {
		return node{}, filterError("tagValue eq needs tagName eq before it")
	}
	return left, nil
}

func (p *filterParser) and() (node, error) {
	left, err := p.primary()
	if err != nil {
		return node{}, err
	}
	for p.keyword("and") {
		right, err := p.primary()
		if err != nil {
			return node{}, err
		}
		left, err = both(left, right)
		if err != nil {
			return node{}, err
		}
	}
	return left, nil
}

// both is left and right: a tagName eq with a tagValue eq makes a tag
// filter; conditions distribute into an or of ands.
func both(left, right node) (node, error) {
	switch {
	case left.tag != nil && right.tagValue != nil && !left.tag.TagPrefix && !left.tag.HasTagValue:
		t := *left.tag
		t.TagValue, t.HasTagValue = *right.tagValue, true
		return node{tag: &t}, nil
	case right.tag != nil && left.tagValue != nil && !right.tag.TagPrefix && !right.tag.HasTagValue:
		return both(right, left)
	case left.tag != nil || right.tag != nil || left.tagValue != nil || right.tagValue != nil:
		return node{}, filterError("a tag filter can't be combined with other conditions; use tagName eq '{name}' and tagValue eq '{value}'")
	}
	if len(left.any)*len(right.any) > maxTerms {
		return node{}, filterError("the filter has too many alternatives")
	}
	var out [][]Cond
	for _, a := range left.any {
		for _, b := range right.any {
			all := make([]Cond, 0, len(a)+len(b))
			out = append(out, append(append(all, a...), b...))
		}
	}
	return node{any: out}, nil
}

func (p *filterParser) primary() (node, error) {
	if p.punct('(') {
		p.depth++
		if p.depth > 32 {
			return node{}, filterError("the filter nests too deeply")
		}
		n, err := p.or()
		if err != nil {
			return node{}, err
		}
		if !p.punct(')') {
			return node{}, filterError("expected ')' at '" + p.rest() + "'")
		}
		p.depth--
		if n.tag != nil {
			return node{}, filterError("a tag filter can't be in parentheses")
		}
		return n, nil
	}
	at := p.i
	name := p.word()
	switch {
	case strings.EqualFold(name, "substringof"):
		return p.substringOf()
	case strings.EqualFold(name, "startswith"):
		return p.startsWith()
	case name == "":
		return node{}, filterError("expected a condition at '" + p.rest() + "'")
	}
	var op Op
	switch {
	case p.keyword("eq"):
		op = OpEq
	case p.keyword("ne"):
		op = OpNe
	default:
		return node{}, filterError("expected eq or ne after '" + name + "'")
	}
	v, err := p.literal()
	if err != nil {
		return node{}, err
	}
	switch {
	case strings.EqualFold(name, "tagName"):
		if op != OpEq || v == "" {
			return node{}, filterError("tagName takes eq and a tag name")
		}
		return node{tag: &Filter{TagName: v}}, nil
	case strings.EqualFold(name, "tagValue"):
		if op != OpEq {
			return node{}, filterError("tagValue takes eq")
		}
		return node{tagValue: &v}, nil
	}
	prop, ok := property(name)
	if !ok {
		p.i = at
		return node{}, filterError("'" + name + "' is not a property a filter can name: name, resourceType, location, resourceGroup, tagName or tagValue")
	}
	return node{any: [][]Cond{{{Prop: prop, Op: op, Value: v}}}}, nil
}

// substringOf reads the rest of substringof('value', prop).
func (p *filterParser) substringOf() (node, error) {
	if !p.punct('(') {
		return node{}, filterError("expected '(' after substringof")
	}
	v, err := p.literal()
	if err != nil {
		return node{}, err
	}
	if !p.punct(',') {
		return node{}, filterError("expected ',' in substringof")
	}
	name := p.word()
	prop, ok := property(name)
	if !ok || prop != PropName && prop != PropResourceGroup {
		return node{}, filterError("substringof applies to name or resourceGroup, not '" + name + "'")
	}
	if !p.punct(')') {
		return node{}, filterError("expected ')' after substringof's property")
	}
	return node{any: [][]Cond{{{Prop: prop, Op: OpSubstringOf, Value: v}}}}, nil
}

// startsWith reads the rest of startswith(tagName, 'prefix').
func (p *filterParser) startsWith() (node, error) {
	if !p.punct('(') || !p.keyword("tagName") || !p.punct(',') {
		return node{}, filterError("startswith applies only as startswith(tagName, '{prefix}')")
	}
	v, err := p.literal()
	if err != nil {
		return node{}, err
	}
	if !p.punct(')') || v == "" {
		return node{}, filterError("startswith applies only as startswith(tagName, '{prefix}')")
	}
	return node{tag: &Filter{TagName: v, TagPrefix: true}}, nil
}

// property maps a property name, in any case, to its Property.
func property(name string) (Property, bool) {
	for _, p := range []Property{PropName, PropResourceType, PropLocation, PropResourceGroup} {
		if strings.EqualFold(name, string(p)) {
			return p, true
		}
	}
	return "", false
}
