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
