package output

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
)

// formatYAML is az's format_yaml: yaml.safe_dump(result,
// default_flow_style=False) with PyYAML's defaults (sorted keys, indent 2,
// width 80, allow_unicode off).
func formatYAML(v any) string {
	e := &yamlEmitter{indent: -1, whitespace: true, indention: true}
	e.node(v, true, false, false, false)
	// DOCUMENT-END (implicit), then STREAM-END.
	e.writeIndent()
	if e.openEnded {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	return e.b.String()
}

// YAML tags of the scalars safe_dump writes.
const (
	tagStr   = "tag:yaml.org,2002:str"
	tagNull  = "tag:yaml.org,2002:null"
	tagBool  = "tag:yaml.org,2002:bool"
	tagInt   = "tag:yaml.org,2002:int"
	tagFloat = "tag:yaml.org,2002:float"
)

type yamlResolver struct {
	tag   string
	re    *regexp.Regexp
	first string // the first characters the resolver is registered for
}

// yamlResolvers are PyYAML's implicit resolvers, in registration order.
// They are compiled on first use: every CLI invocation pays package
// initialisation, and few print YAML.
var yamlResolvers = sync.OnceValue(func() []yamlResolver {
	return []yamlResolver{
		{tagBool, regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`), "yYnNtTfFoO"},
		{tagFloat, regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`), "-+0123456789."},
		{tagInt, regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`), "-+0123456789"},
		{"tag:yaml.org,2002:merge", regexp.MustCompile(`^(?:<<)$`), "<"},
		{tagNull, regexp.MustCompile(`^(?:~|null|Null|NULL|)$`), "~nN"},
		{"tag:yaml.org,2002:timestamp", regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`), "0123456789"},
		{"tag:yaml.org,2002:value", regexp.MustCompile(`^(?:=)$`), "="},
		{"tag:yaml.org,2002:yaml", regexp.MustCompile(`^(?:!|&|\*)$`), "!&*"},
	}
})

// yamlResolve is the tag PyYAML's resolver gives a plain scalar.
func yamlResolve(value string) string {
	if value == "" {
		return tagNull
	}
	first := []rune(value)[0]
	for _, r := range yamlResolvers() {
		if !strings.ContainsRune(r.first, first) {
			continue
		}
		// Python's '$' also matches before a final newline.
		if r.re.MatchString(value) || (strings.HasSuffix(value, "\n") && r.re.MatchString(value[:len(value)-1])) {
			return r.tag
		}
	}
	return tagStr
}

// yamlScalar is SafeRepresenter's representation of a scalar.
func yamlScalar(v any) (tag, value string) {
	switch v := v.(type) {
	case nil:
		return tagNull, "null"
	case bool:
		if v {
			return tagBool, "true"
		}
		return tagBool, "false"
	case json.Number:
		n := parseNumber(v)
		if !n.isFloat {
			return tagInt, n.text
		}
		switch {
		case math.IsNaN(n.f):
			return tagFloat, ".nan"
		case math.IsInf(n.f, 1):
			return tagFloat, ".inf"
		case math.IsInf(n.f, -1):
			return tagFloat, "-.inf"
		}
		s := strings.ToLower(pyFloatRepr(n.f))
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1)
		}
		return tagFloat, s
	case string:
		return tagStr, v
	}
	return tagStr, fmt.Sprint(v)
}

// yamlEmitter is PyYAML's Emitter, reduced to what safe_dump with
// default_flow_style=False produces: block collections, flow only for empty
// ones, and plain, single-quoted or double-quoted scalars.
type yamlEmitter struct {
	b strings.Builder

	indents   []int
	indent    int // -1 is Python's None
	flowLevel int

	rootContext, sequenceContext, mappingContext, simpleKeyContext bool

	column     int
	whitespace bool
	indention  bool
	openEnded  bool
}

const (
	yamlBestIndent = 2
	yamlBestWidth  = 80
)

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	if e.indent < 0 {
		if flow {
			e.indent = yamlBestIndent
		} else {
			e.indent = 0
		}
	} else if !indentless {
		e.indent += yamlBestIndent
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

// node is expect_node for one value and everything under it.
func (e *yamlEmitter) node(v any, root, sequence, mapping, simpleKey bool) {
	e.rootContext, e.sequenceContext, e.mappingContext, e.simpleKeyContext = root, sequence, mapping, simpleKey
	switch v := v.(type) {
	case []any:
		e.sequence(v)
	case *Object:
		e.mapping(v)
	default:
		e.scalar(v)
	}
}

// sequence is expect_sequence: a flow sequence inside a flow collection or
// when empty, else a block sequence.
func (e *yamlEmitter) sequence(v []any) {
	if e.flowLevel > 0 || len(v) == 0 {
		e.flow("[", "]", len(v), func(i int) { e.node(v[i], false, true, false, false) })
		return
	}
	indentless := e.mappingContext && !e.indention
	e.increaseIndent(false, indentless)
	for _, item := range v {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		e.node(item, false, true, false, false)
	}
	e.popIndent()
}

// flow writes a flow collection of n items between the indicators start and
// end, item(i) writing the i-th (expect_flow_sequence and
// expect_flow_mapping).
func (e *yamlEmitter) flow(start, end string, n int, item func(i int)) {
	e.writeIndicator(start, true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i := range n { // only reached with n > 0 inside flow collections
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		item(i)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator(end, false, false, false)
}

// mapping is expect_mapping: a flow mapping inside a flow collection or
// when empty, else a block mapping.
func (e *yamlEmitter) mapping(v *Object) {
	keys := v.sortedKeys()
	if e.flowLevel > 0 || len(keys) == 0 {
		e.flow("{", "}", len(keys), func(i int) {
			e.node(keys[i], false, false, true, true)
			e.writeIndicator(":", false, false, false)
			e.node(v.values[keys[i]], false, false, true, false)
		})
		return
	}
	e.increaseIndent(false, false)
	for _, k := range keys {
		e.writeIndent()
		if yamlSimpleKey(k) {
			e.node(k, false, false, true, true)
			e.writeIndicator(":", false, false, false)
			e.node(v.values[k], false, false, true, false)
		} else {
			e.writeIndicator("?", true, false, true)
			e.node(k, false, false, true, false)
			e.writeIndent()
			e.writeIndicator(":", true, false, true)
			e.node(v.values[k], false, false, true, false)
		}
	}
	e.popIndent()
}

// scalar is expect_scalar: the tag when the style hides the type, then the
// value in the style chosen for it.
func (e *yamlEmitter) scalar(v any) {
	tag, value := yamlScalar(v)
	a := analyzeScalar(value)
	implicitPlain := yamlResolve(value) == tag // implicit[0]
	implicitQuoted := tag == tagStr            // implicit[1]
	style := e.chooseStyle(a, implicitPlain)
	// process_tag: a tag is only written when the style hides the type.
	if !(style == ' ' && implicitPlain) && !(style != ' ' && implicitQuoted) {
		e.writeIndicator("!!"+strings.TrimPrefix(tag, "tag:yaml.org,2002:"), true, false, false)
	}
	e.increaseIndent(true, false)
	split := !e.simpleKeyContext
	runes := []rune(value)
	switch style {
	case '"':
		e.writeDoubleQuoted(runes, split)
	case '\'':
		e.writeSingleQuoted(runes, split)
	default:
		e.writePlain(runes, split)
	}
	e.popIndent()
}

// yamlSimpleKey is check_simple_key for a string key: its "!!str" tag and
// text must be shorter than 128 characters, and it must be one non-empty line.
func yamlSimpleKey(k string) bool {
	a := analyzeScalar(k)
	return len("!!str")+len(a.scalar) < 128 && !a.empty && !a.multiline
}

// chooseStyle is choose_scalar_style; ' ' stands for plain.
func (e *yamlEmitter) chooseStyle(a scalarAnalysis, implicitPlain bool) rune {
	if implicitPlain && !(e.simpleKeyContext && (a.empty || a.multiline)) &&
		((e.flowLevel > 0 && a.allowFlowPlain) || (e.flowLevel == 0 && a.allowBlockPlain)) {
		return ' '
	}
	if a.allowSingleQuoted && !(e.simpleKeyContext && a.multiline) {
		return '\''
	}
	return '"'
}

type scalarAnalysis struct {
	scalar                          []rune
	empty, multiline                bool
	allowFlowPlain, allowBlockPlain bool
	allowSingleQuoted, allowBlock   bool
	allowDoubleQuoted               bool
}

func isYAMLBreak(r rune) bool { return r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029 }

func isYAMLSpaceOrBreak(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || isYAMLBreak(r)
}

// analyzeScalar is Emitter.analyze_scalar with allow_unicode off.
func analyzeScalar(s string) scalarAnalysis {
	sc := []rune(s)
	if len(sc) == 0 {
		return scalarAnalysis{scalar: sc, empty: true, allowBlockPlain: true,
			allowSingleQuoted: true, allowDoubleQuoted: true}
	}
	f := scalarFeatures{}
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		f.blockIndicators, f.flowIndicators = true, true
	}
	f.scanIndicators(sc)
	f.scanSpaces(sc)
	return f.allowances(sc)
}

// scalarFeatures are the facts analyze_scalar gathers about a non-empty
// scalar before it decides which styles may carry it.
type scalarFeatures struct {
	blockIndicators, flowIndicators, lineBreaks, special     bool
	leadingSpace, leadingBreak, trailingSpace, trailingBreak bool
	breakSpace, spaceBreak                                   bool
}

// scanIndicators records the indicator characters in sc, the line breaks,
// and the characters that are special because allow_unicode is off.
func (f *scalarFeatures) scanIndicators(sc []rune) {
	precededByWS := true
	followedByWS := len(sc) == 1 || isYAMLSpaceOrBreak(sc[1])
	for i, ch := range sc {
		flow, block := yamlIndicator(ch, i == 0, precededByWS, followedByWS)
		f.flowIndicators = f.flowIndicators || flow
		f.blockIndicators = f.blockIndicators || block
		if isYAMLBreak(ch) {
			f.lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) {
			// Printable non-ASCII is special too, as allow_unicode is off.
			f.special = true
		}
		precededByWS = isYAMLSpaceOrBreak(ch)
		followedByWS = i+2 >= len(sc) || isYAMLSpaceOrBreak(sc[i+2])
	}
}

// yamlIndicator reports whether ch is a flow and a block indicator where it
// stands: first in the scalar or not, after and before whitespace or not.
func yamlIndicator(ch rune, first, precededByWS, followedByWS bool) (flow, block bool) {
	if first {
		switch {
		case strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch):
			return true, true
		case ch == '?' || ch == ':':
			return true, followedByWS
		case ch == '-':
			return followedByWS, followedByWS
		}
		return false, false
	}
	switch {
	case strings.ContainsRune(",?[]{}", ch):
		return true, false
	case ch == ':':
		return true, followedByWS
	case ch == '#':
		return precededByWS, precededByWS
	}
	return false, false
}

// scanSpaces records leading and trailing spaces and breaks, and spaces
// next to breaks.
func (f *scalarFeatures) scanSpaces(sc []rune) {
	previousSpace, previousBreak := false, false
	last := len(sc) - 1
	for i, ch := range sc {
		switch {
		case ch == ' ':
			f.leadingSpace = f.leadingSpace || i == 0
			f.trailingSpace = f.trailingSpace || i == last
			f.breakSpace = f.breakSpace || previousBreak
			previousSpace, previousBreak = true, false
		case isYAMLBreak(ch):
			f.leadingBreak = f.leadingBreak || i == 0
			f.trailingBreak = f.trailingBreak || i == last
			f.spaceBreak = f.spaceBreak || previousSpace
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
	}
}

// allowances turns the features of sc into the styles that may carry it.
func (f *scalarFeatures) allowances(sc []rune) scalarAnalysis {
	a := scalarAnalysis{scalar: sc, multiline: f.lineBreaks, allowFlowPlain: true, allowBlockPlain: true,
		allowSingleQuoted: true, allowDoubleQuoted: true, allowBlock: true}
	if f.leadingSpace || f.leadingBreak || f.trailingSpace || f.trailingBreak || f.lineBreaks {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if f.trailingSpace {
		a.allowBlock = false
	}
	if f.breakSpace {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
	}
	if f.spaceBreak || f.special {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted, a.allowBlock = false, false, false, false
	}
	a.allowFlowPlain = a.allowFlowPlain && !f.flowIndicators
	a.allowBlockPlain = a.allowBlockPlain && !f.blockIndicators
	return a
}

func (e *yamlEmitter) write(s string) {
	e.b.WriteString(s)
}

func (e *yamlEmitter) writeRunes(r []rune) {
	e.column += len(r)
	e.b.WriteString(string(r))
}

func (e *yamlEmitter) writeIndicator(indicator string, needWhitespace, whitespace, indention bool) {
	data := indicator
	if !e.whitespace && needWhitespace {
		data = " " + indicator
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.column += len([]rune(data))
	e.openEnded = false
	e.write(data)
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak("")
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
		e.column = indent
	}
}

func (e *yamlEmitter) writeLineBreak(data string) {
	if data == "" {
		data = "\n"
	}
	e.whitespace = true
	e.indention = true
	e.column = 0
	e.write(data)
}

func (e *yamlEmitter) writeBreaks(text []rune) {
	for _, br := range text {
		if br == '\n' {
			e.writeLineBreak("")
		} else {
			e.writeLineBreak(string(br))
		}
	}
}

func (e *yamlEmitter) writePlain(text []rune, split bool) {
	if e.rootContext {
		e.openEnded = true
	}
	if len(text) == 0 {
		return
	}
	if !e.whitespace {
		e.column++
		e.write(" ")
	}
	e.whitespace, e.indention = false, false
	yamlRuns(text, -1, func(kind yamlRunKind, start, end int) {
		switch kind {
		case yamlSpaces:
			e.writePlainSpaces(text[start:end], split)
		case yamlBreaks:
			e.writeBreakRun(text[start:end])
			e.whitespace, e.indention = false, false
		default:
			e.writeRunes(text[start:end])
		}
	})
}

func (e *yamlEmitter) writeSingleQuoted(text []rune, split bool) {
	e.writeIndicator("'", true, false, false)
	yamlRuns(text, '\'', func(kind yamlRunKind, start, end int) {
		switch {
		case kind == yamlSpaces:
			e.writeSingleQuotedSpaces(text, start, end, split)
		case kind == yamlBreaks:
			e.writeBreakRun(text[start:end])
		case text[start] == '\'':
			e.column += 2
			e.write("''")
		default:
			e.writeRunes(text[start:end])
		}
	})
	e.writeIndicator("'", false, false, false)
}

// yamlRunKind is what a run of a scalar's text is made of.
type yamlRunKind int

const (
	yamlText yamlRunKind = iota
	yamlSpaces
	yamlBreaks
)

// yamlRuns calls fn, in order, with the bounds of each longest run of
// spaces, of line breaks and of other runes in text, as the emitters of
// plain and quoted scalars write them; each lone rune (a quote that must
// be doubled) is a text run of its own.
func yamlRuns(text []rune, lone rune, fn func(kind yamlRunKind, start, end int)) {
	kindOf := func(ch rune) yamlRunKind {
		switch {
		case ch == ' ':
			return yamlSpaces
		case isYAMLBreak(ch):
			return yamlBreaks
		}
		return yamlText
	}
	start := 0
	for end := 1; end <= len(text); end++ {
		if end == len(text) || text[end-1] == lone || text[end] == lone || kindOf(text[end]) != kindOf(text[start]) {
			fn(kindOf(text[start]), start, end)
			start = end
		}
	}
}

var yamlEscapes = map[rune]string{
	0: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r",
	0x1b: "e", '"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
}

func (e *yamlEmitter) writeDoubleQuoted(text []rune, split bool) {
	e.writeIndicator("\"", true, false, false)
	start := 0
	for end := 0; end <= len(text); end++ {
		ch := runeAt(text, end)
		if ch == -1 || yamlMustEscape(ch) {
			if start < end {
				e.writeRunes(text[start:end])
				start = end
			}
			if ch != -1 {
				data := yamlEscape(ch)
				e.column += len(data)
				e.write(data)
				start = end + 1
			}
		}
		if 0 < end && end < len(text)-1 && (ch == ' ' || start >= end) &&
			e.column+(end-start) > yamlBestWidth && split {
			start = e.foldDoubleQuoted(text, start, end)
		}
	}
	e.writeIndicator("\"", false, false, false)
}

// foldDoubleQuoted folds a double-quoted scalar at end: it writes the
// pending text[start:end] and an escaped line break, indents, and escapes a
// space that starts the next line. It returns the new start.
func (e *yamlEmitter) foldDoubleQuoted(text []rune, start, end int) int {
	data := string(pySlice(text, start, end)) + "\\"
	if start < end {
		start = end
	}
	e.column += len([]rune(data))
	e.write(data)
	e.writeIndent()
	e.whitespace, e.indention = false, false
	if text[start] == ' ' {
		e.column++
		e.write("\\")
	}
	return start
}

// yamlMustEscape reports whether a double-quoted scalar escapes ch: quotes,
// backslashes, the BOM and everything outside printable ASCII (allow_unicode
// is off).
func yamlMustEscape(ch rune) bool {
	return ch == '"' || ch == '\\' || ch == 0xfeff || !(ch >= 0x20 && ch <= 0x7e)
}

// yamlEscape is the escape sequence of ch in a double-quoted scalar: a
// named escape where YAML has one, else the shortest of \x, \u and \U.
func yamlEscape(ch rune) string {
	switch esc, ok := yamlEscapes[ch]; {
	case ok:
		return "\\" + esc
	case ch <= 0xff:
		return fmt.Sprintf("\\x%02X", ch)
	case ch <= 0xffff:
		return fmt.Sprintf("\\u%04X", ch)
	default:
		return fmt.Sprintf("\\U%08X", ch)
	}
}

// runeAt is text[i], or -1 past its end.
func runeAt(text []rune, i int) rune {
	if i < len(text) {
		return text[i]
	}
	return -1
}

// writeBreakRun writes a run of line breaks inside a plain or single-quoted
// scalar (a leading '\n' written twice, as folding would eat one), then
// indents for the next line.
func (e *yamlEmitter) writeBreakRun(run []rune) {
	if run[0] == '\n' {
		e.writeLineBreak("")
	}
	e.writeBreaks(run)
	e.writeIndent()
}

// writePlainSpaces writes a run of spaces inside a plain scalar, or, when
// it is one space past the best width, folds the line there instead.
func (e *yamlEmitter) writePlainSpaces(run []rune, split bool) {
	if len(run) == 1 && e.column > yamlBestWidth && split {
		e.writeIndent()
		e.whitespace, e.indention = false, false
		return
	}
	e.writeRunes(run)
}

// writeSingleQuotedSpaces writes the run of spaces text[start:end] inside a
// single-quoted scalar, or, when it is one space past the best width and
// neither first nor last, folds the line there instead.
func (e *yamlEmitter) writeSingleQuotedSpaces(text []rune, start, end int, split bool) {
	if start+1 == end && e.column > yamlBestWidth && split && start != 0 && end != len(text) {
		e.writeIndent()
		return
	}
	e.writeRunes(text[start:end])
}

// pySlice is Python's text[start:end], which is empty when start >= end.
func pySlice(text []rune, start, end int) []rune {
	if start >= end {
		return nil
	}
	return text[start:end]
}
