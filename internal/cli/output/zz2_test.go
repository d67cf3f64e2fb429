package output

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZExc(t *testing.T) {
	path := os.Getenv("DIFF_CASES")
	if path == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(path)
	var cases []struct{ Doc, Query, Format, Want string }
	json.Unmarshal(b, &cases)
	ok, bad := 0, 0
	for _, c := range cases {
		if !strings.HasPrefix(c.Want, "EXC:") {
			continue
		}
		got, err := Render([]byte(c.Doc), Options{Format: Format(c.Format), Query: c.Query})
		if err != nil {
			ok++
		} else {
			bad++
			if bad < 4 {
				fmt.Printf("no error: %s %q -> %q\n", c.Query, c.Doc, got)
			}
		}
	}
	fmt.Println("errors", ok, "no-errors", bad)
}
