package output

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// pyJSON mirrors Python's json.dumps with an indent (separators ',' and ': ').
type pyJSON struct {
	indent      int
	sortKeys    bool
	ensureASCII bool
}

// dumps is json.dumps(v, indent=..., sort_keys=..., ensure_ascii=...).
func (p pyJSON) dumps(v any) string {
	var b strings.Builder
	p.encode(&b, v, 0)
	return b.String()
}

func (p pyJSON) newline(b *strings.Builder, level int) {
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", p.indent*level))
}

func (p pyJSON) encode(b *strings.Builder, v any, level int) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		p.encodeString(b, v)
	case json.Number:
		b.WriteString(pyJSONNumber(v))
	case []any:
		p.encodeList(b, v, level)
	case *Object:
		p.encodeObject(b, v, level)
	default:
		// Not JSON-shaped; the package normalises results before this.
		p.encodeString(b, fmt.Sprint(v))
	}
}

// pyJSONNumber is how Python's json writes n: an integer as it came, a
// float as its repr, and NaN and the infinities by name.
func pyJSONNumber(v json.Number) string {
	n := parseNumber(v)
	switch {
	case !n.isFloat:
		return n.text
	case math.IsNaN(n.f):
		return "NaN"
	case math.IsInf(n.f, 1):
		return "Infinity"
	case math.IsInf(n.f, -1):
		return "-Infinity"
	default:
		return pyFloatRepr(n.f)
	}
}

// encodeList writes a list, one item a line; an empty one as [].
func (p pyJSON) encodeList(b *strings.Builder, v []any, level int) {
	if len(v) == 0 {
		b.WriteString("[]")
		return
	}
	b.WriteByte('[')
	for i, e := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		p.newline(b, level+1)
		p.encode(b, e, level+1)
	}
	p.newline(b, level)
	b.WriteByte(']')
}

// encodeObject writes an object, one member a line, in its order or
// sorted; an empty one as {}.
func (p pyJSON) encodeObject(b *strings.Builder, v *Object, level int) {
	if v.Len() == 0 {
		b.WriteString("{}")
		return
	}
	keys := v.keys
	if p.sortKeys {
		keys = v.sortedKeys()
	}
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		p.newline(b, level+1)
		p.encodeString(b, k)
		b.WriteString(": ")
		p.encode(b, v.values[k], level+1)
	}
	p.newline(b, level)
	b.WriteByte('}')
}

// encodeString escapes like Python's json: control characters, '"' and '\\'
// always; with ensure_ascii everything outside ' '..'~' as \uXXXX.
func (p pyJSON) encodeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			case p.ensureASCII && r > 0x7e:
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// formatJSON is knack's format_json.
func formatJSON(v any) string {
	return pyJSON{indent: 2, sortKeys: true}.dumps(v) + "\n"
}

// ANSI codes of pygments' console module.
const (
	ansiReset      = "\x1b[39;49;00m"
	ansiGray       = "\x1b[37m"
	ansiBlue       = "\x1b[34m"
	ansiYellow     = "\x1b[33m"
	ansiBrightBlue = "\x1b[94m"
)

// colorizeJSON is pygments.highlight(text, JsonLexer(), TerminalFormatter())
// (pygments 2.14, light background) for the JSON that formatJSON writes:
// object keys bright blue, strings yellow, numbers and true/false/null blue,
// whitespace gray, punctuation plain. The formatter ends colour sequences at
// every newline.
func colorizeJSON(text string) string {
	// Lexer.get_tokens strips leading and trailing newlines, then ensures one.
	text = strings.Trim(text, "\n") + "\n"
	var out strings.Builder
	for i := 0; i < len(text); {
		end, color := jsonToken(text, i)
		emitColored(&out, color, text[i:end])
		i = end
	}
	return out.String()
}

// emitColored writes value in color ("" for none), ending the colour at
// every newline as pygments' TerminalFormatter does.
func emitColored(out *strings.Builder, color, value string) {
	for _, line := range splitlinesKeepEnds(value) {
		content := strings.TrimRight(line, "\n")
		if color != "" {
			out.WriteString(color + content + ansiReset)
		} else {
			out.WriteString(content)
		}
		if strings.HasSuffix(line, "\n") {
			out.WriteByte('\n')
		}
	}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// spanOf is the end of the run of bytes in set that starts at i.
func spanOf(text string, i int, set string) int {
	for i < len(text) && strings.IndexByte(set, text[i]) >= 0 {
		i++
	}
	return i
}

// jsonToken lexes the token of text that starts at i, and returns its end
// and its colour: a string (a key when ':' follows it), a run of
// whitespace, a number, a keyword, or one punctuation character.
func jsonToken(text string, i int) (end int, color string) {
	c := text[i]
	switch {
	case c == '"':
		return jsonString(text, i)
	case isJSONSpace(c):
		return spanOf(text, i, " \n\r\t"), ansiGray
	case c == '-' || (c >= '0' && c <= '9'):
		return spanOf(text, i, "-0123456789.eE+"), ansiBlue
	case c == 't' || c == 'f' || c == 'n':
		return spanOf(text, i, "truefalsn"), ansiBlue
	default:
		// Punctuation ({}[],:) has no colour in the terminal scheme.
		_, size := utf8.DecodeRuneInString(text[i:])
		return i + size, ""
	}
}

// jsonString lexes the string that starts at text[i] == '"'; a string
// followed (after whitespace) by ':' is an object key.
func jsonString(text string, i int) (end int, color string) {
	j := i + 1
	for j < len(text) && text[j] != '"' {
		if text[j] == '\\' {
			j++
		}
		j++
	}
	j = min(j+1, len(text)) // the closing quote
	if k := spanOf(text, j, " \n\r\t"); k < len(text) && text[k] == ':' {
		return j, ansiBrightBlue
	}
	return j, ansiYellow
}

// splitlinesKeepEnds is Python's str.splitlines(keepends=True).
func splitlinesKeepEnds(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end := i + size
			if r == '\r' && end < len(s) && s[end] == '\n' {
				end++
			}
			lines = append(lines, s[start:end])
			start = end
			i = end
			continue
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
