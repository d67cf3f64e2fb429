package output

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzQuery runs --query expressions on JSON documents through Render, in
// every output format. Whatever the query and the document, Render never
// panics; a failure is an *Error with az's exit code (2 for a query that does
// not compile, 1 for one that fails on the data) and a message; a -o json
// result is JSON (but for Python's Infinity and NaN, as az prints them); and the output does not depend on map order (two renders
// agree).
func FuzzQuery(f *testing.F) {
	// Queries from the article and az's documentation
	// (https://learn.microsoft.com/cli/azure/query-azure-cli), the ones
	// aksnet's own docs use, and near-valid ones.
	queries := []string{
		"id", "name", "[].name", "[0].id", "identity.principalId", "addressSpace.addressPrefixes[0]",
		"[?provisioningState=='Succeeded'].name", "[].{Name:name, RG:resourceGroup, Ddos:enableDdosProtection}",
		"[0].subnets[?addressPrefix=='192.168.1.0/24'].id | [0]", "length(@)", "sort_by(@, &name)[0].name",
		"max_by(@, &length(name)).name", "[].weight", "sum([].weight)", "join(', ', [].name)", "reverse(@)",
		"[*].subnets[*] | []", "[-1:0:-1]", "to_number('1e400')", "to_string(@)", "keys(@)", "values(@)",
		"not_null(missing, name)", "@", "`{\"a\": 1}`", "properties.networkProfile.podCidr",
		"", "[", "{a:}", "@@", "'unterminated", "[::0]", "foo[?bar>`1`]", "&name", "length(`1`)", "abs('x')",
		"[?name=='x'] | [0] | name", "*.name", "[].[name, id]", "merge(@, `{\"b\": 2}`)",
	}
	docs := []string{`{}`, `[]`, `null`, `[{"weight": 2.0}, {"weight": 1.5}]`,
		`{"n": 123456789012345678901, "f": 1e400, "z": -0.0, "s": "\u00e9\t", "b": true, "nested": [[1, [2]], {"k": null}]}`}
	for _, name := range []string{"vnets.json", "subnet.json", "routes.json", "mixed.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	for i, q := range queries {
		f.Add(q, docs[i%len(docs)])
	}
	f.Fuzz(func(t *testing.T, query, doc string) {
		v, err := Decode([]byte(doc))
		if err != nil {
			return // the CLI only queries what it decoded
		}
		for _, format := range Formats {
			o := Options{Format: format, Query: query}
			out, err := Render(v, o)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("--query %q -o %s: error %T %v is not an *Error", query, format, err, err)
				}
				if (e.Code != 1 && e.Code != 2) || e.Message == "" {
					t.Fatalf("--query %q -o %s: error code %d message %q", query, format, e.Code, e.Message)
				}
				if compileErr := CompileQuery(query); compileErr != nil && e.Code != 2 {
					t.Fatalf("--query %q does not compile (%v), but Render exits %d", query, compileErr, e.Code)
				}
				continue
			}
			// az prints out-of-range numbers as Python does, Infinity and
			// NaN, which are not JSON.
			if format == JSON && out != "" && !json.Valid([]byte(out)) && !strings.Contains(out, "Infinity") && !strings.Contains(out, "NaN") {
				t.Fatalf("--query %q -o json printed invalid JSON:\n%s", query, out)
			}
			again, err := Render(v, o)
			if err != nil || again != out {
				t.Fatalf("--query %q -o %s is not deterministic:\n%s\nthen (%v):\n%s", query, format, out, err, again)
			}
			if format == None && out != "" {
				t.Fatalf("--query %q -o none printed %q", query, strings.TrimSpace(out))
			}
		}
	})
}
