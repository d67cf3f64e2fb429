package output

import (
	"strconv"
	"strings"
)

// formatTSV is knack's format_tsv: every item of a list result (or the
// result itself) is one line.
func formatTSV(v any) string {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var b strings.Builder
	for _, item := range items {
		tsvRow(&b, item)
	}
	return b.String()
}

func tsvRow(b *strings.Builder, item any) {
	switch item := item.(type) {
	case *Object:
		// A plain dict prints its values sorted by key; an OrderedDict (a
		// --query multi-select hash) in its own order.
		keys := item.keys
		if !item.ordered {
			keys = item.sortedKeys()
		}
		for i, k := range keys {
			if i > 0 {
				b.WriteByte('\t')
			}
			tsvField(b, item.values[k])
		}
	case []any:
		for i, e := range item {
			if i > 0 {
				b.WriteByte('\t')
			}
			tsvField(b, e)
		}
	case bool:
		// knack writes str(data).lower() for a bare boolean row.
		if item {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		tsvField(b, item)
	}
	b.WriteByte('\n')
}

// tsvField is knack's _TsvOutput._dump_obj.
func tsvField(b *strings.Builder, v any) {
	switch v := v.(type) {
	case []any:
		// The length keeps the column count stable.
		b.WriteString(strconv.Itoa(len(v)))
	case *Object:
		// Nested objects are an empty column.
	default:
		b.WriteString(pyStr(v)) // None, True, False, numbers as Python prints them
	}
}
