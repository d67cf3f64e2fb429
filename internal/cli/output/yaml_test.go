package output

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Edge cases of PyYAML's line folding; the wanted output is safe_dump's.
func TestYAMLFolding(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{
			name: "escape at the fold column",
			doc:  `{"k": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9 tail words here"}`,
			want: "k: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\xE9\\\n  \\xE9\\xE9\\xE9\\xE9\\xE9 tail words here\"\n",
		},
		{
			name: "single-quoted in a sequence",
			doc:  `["x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x "]`,
			want: "- 'x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x\n  x x x x x x x x x x x x x x x x x x x x '\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render([]byte(tc.doc), Options{Format: YAML})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestYAMLEscape(t *testing.T) {
	for _, tc := range []struct {
		ch   rune
		want string
	}{
		{'\n', `\n`}, {0, `\0`}, {'"', `\"`}, {0xa0, `\_`}, {0x2028, `\L`},
		{0x01, `\x01`}, {'é', `\xE9`}, {0xfeff, `\uFEFF`}, {'😀', `\U0001F600`},
	} {
		if got := yamlEscape(tc.ch); got != tc.want {
			t.Errorf("yamlEscape(%U) = %q, want %q", tc.ch, got, tc.want)
		}
	}
}
