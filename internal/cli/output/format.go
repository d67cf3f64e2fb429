package output

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
)

// Format is an output format, the value of -o/--output.
type Format string

// The formats az accepts, in the order az lists them.
const (
	JSON  Format = "json"
	JSONC Format = "jsonc" // colourised json on a terminal, json otherwise
	YAML  Format = "yaml"
	YAMLC Format = "yamlc" // colourised yaml on a terminal in az; yaml here
	Table Format = "table"
	TSV   Format = "tsv"
	None  Format = "none"
)

// Formats lists the formats in az's order.
var Formats = []Format{JSON, JSONC, YAML, YAMLC, Table, TSV, None}

// DefaultFormat is the format when -o is not given.
const DefaultFormat = JSON

// ParseFormat parses an -o/--output value. Like az it lower-cases the value
// first. prog is the command as typed, e.g. "aksnet network vnet list"; az
// names it in the error:
//
//	aksnet network vnet list: 'x' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.
//
// followed by a "Did you mean 'json' ?" recommendation when a format is
// close. The error is an *Error with exit code 2.
func ParseFormat(prog, value string) (Format, error) {
	v := strings.ToLower(value)
	names := make([]string, len(Formats))
	for i, f := range Formats {
		if string(f) == v {
			return f, nil
		}
		names[i] = string(f)
	}
	e := &Error{
		Message: fmt.Sprintf("%s: '%s' is not a valid value for '--output'. Allowed values: %s.",
			prog, v, strings.Join(names, ", ")),
		Code: 2,
	}
	if c := closeMatches(v, names, 3, 0.7); len(c) > 0 {
		e.Recommendations = []string{fmt.Sprintf("Did you mean '%s' ?", c[0])}
	}
	return "", e
}

// Options control Print.
type Options struct {
	Format Format
	// Query is the --query JMESPath expression; "" means no query.
	Query string
	// Color is knack's enable_color: stdout and stderr are both terminals.
	// It turns jsonc into coloured json; otherwise jsonc is plain json.
	Color bool
	// TableTransformer, when set, reshapes the result for -o table, like
	// az's per-command table_transformer. As in az it is not used when a
	// query is active, and a transformed table keeps the key order the
	// transformer gives (return *Object to control it).
	TableTransformer func(result any) any
}

// Write prints result in format f after applying query ("" for none).
// color is true when stdout and stderr are terminals.
//
// result is JSON-shaped data: JSON text as []byte or json.RawMessage
// (decoded keeping key order), a value from Decode, or any Go value
// encoding/json can marshal. A null result, before or after the query,
// prints nothing.
func Write(w io.Writer, result any, f Format, query string, color bool) error {
	return Print(w, result, Options{Format: f, Query: query, Color: color})
}

// Print is Write with all options. Its errors are *Error values carrying
// az's message and exit code (2 for an invalid query, 1 for a query that
// fails on the data or a result that has no table form).
func Print(w io.Writer, result any, o Options) error {
	s, err := Render(result, o)
	if err != nil || s == "" {
		return err
	}
	if _, err := io.WriteString(w, s); err != nil && !errors.Is(err, syscall.EPIPE) {
		return err // knack ignores a closed pipe
	}
	return nil
}

// Render returns what Print would write.
func Render(result any, o Options) (string, error) {
	f := o.Format
	if f == "" {
		f = DefaultFormat
	}
	var q *query
	if o.Query != "" {
		var err error
		if q, err = compileQuery(o.Query); err != nil {
			return "", err
		}
	}
	v, err := normalize(result)
	if err != nil {
		return "", err
	}
	if q != nil {
		if v, err = q.search(v); err != nil {
			return "", err
		}
	}
	if v == nil {
		return "", nil // knack prints nothing for a None result
	}
	switch f {
	case JSON:
		return formatJSON(v), nil
	case JSONC:
		if o.Color {
			return colorizeJSON(formatJSON(v)), nil
		}
		return formatJSON(v), nil
	case YAML, YAMLC:
		return formatYAML(v), nil
	case TSV:
		return formatTSV(v), nil
	case Table:
		return formatTable(v, q != nil, o.TableTransformer)
	case None:
		return "", nil
	}
	return "", fmt.Errorf("output: unknown format %q", f)
}
