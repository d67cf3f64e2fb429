// Package output renders command results and errors exactly as the Azure CLI
// (az 2.45, knack 0.10) does, so that scripts written for az work unchanged
// against aksnet.
//
// Results are JSON-shaped values. They are kept in an ordered form (see
// Object) because some az output depends on key order: tsv prints a plain
// object's values sorted by key but a --query multi-select hash's values in
// query order, and table output keeps the result's own key order when a
// query is active.
//
// Behaviour taken from the az and knack sources:
//
//   - json: json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False)
//     plus a newline. jsonc is the same text colourised by pygments'
//     JsonLexer and TerminalFormatter, but only when colour is enabled (stdout
//     and stderr are terminals); otherwise it is plain json. yamlc is accepted
//     and printed as plain yaml (az colours it on a terminal).
//   - yaml: yaml.safe_dump(result, default_flow_style=False): block style,
//     sorted keys, PyYAML's quoting and 80-column folding, non-ASCII text in
//     double-quoted escapes (az does not pass allow_unicode).
//   - tsv: one line per item of a list result (a non-list result is one
//     item). An object prints its values separated by tabs: nested lists print
//     their length, nested objects an empty field, null prints "None", booleans
//     "True"/"False". A bare boolean item prints "true"/"false".
//   - table: one row per object. Without --query the keys are sorted; the
//     keys id, type and etag and null, list and object values are dropped;
//     headers are the keys with the first letter upper-cased; columns are
//     laid out by tabulate's "simple" format, measured with wcwidth. A
//     scalar item is a "Result" column, a list item "Column1", "Column2"...
//   - none: nothing.
//
// A null result prints nothing in every format.
//
// --query runs on github.com/jmespath/go-jmespath. Objects and lists the
// query passes through keep their key order and number text; multi-select
// hashes keep the query's key order. go-jmespath only knows float64, so a
// number the query picks out on its own is given back in the form the input
// had when that is unambiguous, else as an int when integral. Where
// go-jmespath differs from Python's jmespath, its behaviour wins: "*" on an
// object and keys()/values() come out in no fixed order, and runtime error
// texts differ.
//
// Errors are *Error (message, recommendation lines, exit code) or ARMError;
// HandleError prints either the way az does and returns the exit code.
package output
