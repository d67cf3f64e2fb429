package output

import (
	"fmt"
	"testing"
)

func TestZZMisc(t *testing.T) {
	names := []string{"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"}
	for _, w := range []string{"jsn", "tabel", "yml", "xml", "tsvv", "none2", "josn", "tab", "jsonn", "text", "js", "yamls", "t"} {
		fmt.Printf("%s %q\n", w, closeMatches(w, names, 3, 0.7))
	}
	for _, s := range []string{"[?name=='x']", "a\"b'c", "tab\t", "é\u00a0\u200b😀\x7f", `back\slash`, ""} {
		fmt.Println(pyReprString(s))
	}
}
