package output

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// errTableUnavailable is knack's error when no table can be built.
var errTableUnavailable = &Error{
	Message: "Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.",
	Code:    1,
}

// tableSkipKeys are the keys knack never shows in a table.
var tableSkipKeys = map[string]bool{"id": true, "type": true, "etag": true}

// formatTable is knack's format_table with _TableOutput and
// tabulate(headers="keys", tablefmt="simple", disable_numparse=True).
func formatTable(v any, queryActive bool, transformer func(any) any) (string, error) {
	if transformer != nil && !queryActive {
		t, err := normalize(transformer(v))
		if err != nil {
			return "", errTableUnavailable
		}
		v = t
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	sortKeys := !queryActive && transformer == nil
	rows := make([]*Object, len(items))
	for i, item := range items {
		rows[i] = autoTableItem(item, sortKeys)
	}
	table := ""
	if len(rows) > 0 {
		table = tabulate(rows)
	}
	if table == "\n" {
		return "", errTableUnavailable
	}
	return table + "\n", nil
}

// autoTableItem is knack's _TableOutput._auto_table_item.
func autoTableItem(item any, sortKeys bool) *Object {
	row := NewObject()
	switch item := item.(type) {
	case *Object:
		keys := item.keys
		if sortKeys {
			keys = item.sortedKeys()
		}
		for _, k := range keys {
			if tableSkipKeys[k] {
				continue
			}
			switch v := item.values[k].(type) {
			case nil, []any, *Object:
			default:
				row.Set(capitalizeFirst(k), v)
			}
		}
	case []any:
		for i, v := range item {
			row.Set(fmt.Sprintf("Column%d", i+1), v)
		}
	default:
		row.Set("Result", item)
	}
	return row
}

// capitalizeFirst is x[0].upper() + x[1:].
func capitalizeFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return strings.ToUpper(string(r)) + s[size:]
}

// tabulateLineBreak is tabulate's _multiline_codes; tabulateLineSplit is
// the pattern it measures multiline cells with.
// Both are compiled on first use: package-level work slows every command.
var (
	tabulateLineBreak = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\r|\n|\r\n`) })
	tabulateLineSplit = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[\r\n]`) })
)

// tabulate renders rows in tabulate's "simple" format: headers, a dashed
// line, then the rows; columns left-aligned, two spaces apart, each at least
// two wider than its header; trailing whitespace trimmed from every line.
// Cells that contain line breaks spread over several lines.
func tabulate(rows []*Object) string {
	headers := tableHeaders(rows)
	if len(headers) == 0 {
		return "" // no columns: no header and no rows
	}
	cells, multiline := tableCells(rows, headers)
	t := tableLayout{multiline: multiline, widths: make([]int, len(headers))}
	for j, h := range headers {
		maxwidth := t.width(h) + 2 // MIN_PADDING
		for i := range rows {
			maxwidth = max(maxwidth, t.width(cells[i][j]))
		}
		t.widths[j] = maxwidth
		for i := range rows {
			cells[i][j] = t.padCell(cells[i][j], maxwidth)
		}
	}
	paddedHeaders := make([]string, len(headers))
	for j, h := range headers {
		paddedHeaders[j] = t.padHeader(h, t.widths[j])
	}

	var lines []string
	lines = t.appendRow(lines, paddedHeaders)
	dashes := make([]string, len(headers))
	for j, w := range t.widths {
		dashes[j] = strings.Repeat("-", w)
	}
	lines = append(lines, pyRstrip(strings.Join(dashes, "  ")))
	for _, r := range cells {
		lines = t.appendRow(lines, r)
	}
	return strings.Join(lines, "\n")
}

// tableHeaders is tabulate's headers="keys": every key of every row, in
// order of first appearance.
func tableHeaders(rows []*Object) []string {
	var headers []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			if !seen[k] {
				seen[k] = true
				headers = append(headers, k)
			}
		}
	}
	return headers
}

// tableCells is the text of every row's value under every header, stripped;
// missing values are "". multiline reports whether any header or cell holds
// a line break, which switches tabulate to its multiline layout.
func tableCells(rows []*Object, headers []string) (cells [][]string, multiline bool) {
	cells = make([][]string, len(rows))
	for _, h := range headers {
		multiline = multiline || strings.ContainsAny(h, "\r\n")
	}
	for i, r := range rows {
		cells[i] = make([]string, len(headers))
		for j, h := range headers {
			v, ok := r.Get(h)
			if !ok || v == nil {
				continue // missing values print as ""
			}
			s := pyStr(v)
			multiline = multiline || strings.ContainsAny(s, "\r\n")
			cells[i][j] = pyStrip(s) // PRESERVE_WHITESPACE is False
		}
	}
	return cells, multiline
}

// tableLayout is the shape of one table: whether it is laid out multiline,
// and, once measured, the width of every column.
type tableLayout struct {
	multiline bool
	widths    []int
}

// width is tabulate's width function with wcwidth installed: wcswidth, or
// the widest line of a multiline cell.
func (t *tableLayout) width(s string) int {
	if !t.multiline {
		return wcswidth(s)
	}
	w := 0
	for i, l := range tabulateLineSplit().Split(s, -1) {
		if lw := wcswidth(l); i == 0 || lw > w {
			w = lw
		}
	}
	return w
}

// tablePad left-aligns s in a column maxwidth wide, correcting for the
// difference between its display width and its length as tabulate does
// (a control character makes wcswidth -1, so such cells come out wider).
func tablePad(s string, maxwidth int) string {
	target := maxwidth - (wcswidth(s) - runeLen(s))
	if n := target - runeLen(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// padCell pads a cell, each of its lines on its own in a multiline table.
func (t *tableLayout) padCell(s string, maxwidth int) string {
	if !t.multiline {
		return tablePad(s, maxwidth)
	}
	return padLines(pySplitlines(s), maxwidth)
}

// padHeader pads a header; tabulate splits headers on its own line-break
// pattern rather than splitlines.
func (t *tableLayout) padHeader(h string, maxwidth int) string {
	if !t.multiline {
		return tablePad(h, maxwidth)
	}
	return padLines(tabulateLineBreak().Split(h, -1), maxwidth)
}

// padLines pads every line and joins them with "\n".
func padLines(lines []string, maxwidth int) string {
	for k, l := range lines {
		lines[k] = tablePad(l, maxwidth)
	}
	return strings.Join(lines, "\n")
}

// appendRow appends the output lines of one row of padded cells: one line,
// or in a multiline table as many as its tallest cell, shorter cells filled
// with blanks of their column's width.
func (t *tableLayout) appendRow(lines, row []string) []string {
	if !t.multiline {
		return append(lines, pyRstrip(strings.Join(row, "  ")))
	}
	split := make([][]string, len(row))
	n := 0
	for j, c := range row {
		split[j] = pySplitlines(c)
		n = max(n, len(split[j]))
	}
	for k := 0; k < n; k++ {
		parts := make([]string, len(row))
		for j := range row {
			if k < len(split[j]) {
				parts[j] = split[j][k]
			} else {
				parts[j] = strings.Repeat(" ", t.widths[j])
			}
		}
		lines = append(lines, pyRstrip(strings.Join(parts, "  ")))
	}
	return lines
}

// wcwidth is Python wcwidth's display width of one character: 0 for NUL and
// zero-width characters, -1 for other control characters, 2 for wide East
// Asian characters, 1 otherwise.
func wcwidth(r rune) int {
	switch {
	case r == 0:
		return 0
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return -1
	case r == 0xad || (r >= 0x600 && r <= 0x605):
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf, unicode.Zl, unicode.Zp) ||
		(r >= 0x1160 && r <= 0x11ff):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	if r >= 0x1f1e6 && r <= 0x1f1ff { // regional indicators
		return 2
	}
	return 1
}

// wcswidth is Python wcwidth's wcswidth: the sum, or -1 when any character
// is a control character.
func wcswidth(s string) int {
	n := 0
	for _, r := range s {
		w := wcwidth(r)
		if w < 0 {
			return -1
		}
		n += w
	}
	return n
}

// Rows is the rows of an az table transformer: row of each object of a
// list, or of the single result as a one-row list; an item that is not an
// object stays as it is.
func Rows(v any, row func(o *Object) any) []any {
	l, ok := v.([]any)
	if !ok {
		l = []any{v}
	}
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x
		if o, ok := x.(*Object); ok {
			out[i] = row(o)
		}
	}
	return out
}

// Columns is the table row of o that az's key-picking transformers make:
// each column (the first of a pair) holds o's key (the second), null when
// o has none.
func Columns(o *Object, cols ...[2]string) *Object {
	r := NewObject()
	for _, c := range cols {
		x, _ := o.Get(c[1])
		r.Set(c[0], x)
	}
	return r
}
