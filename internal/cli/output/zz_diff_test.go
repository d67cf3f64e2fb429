package output

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZDiff(t *testing.T) {
	path := os.Getenv("DIFF_CASES")
	if path == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(path)
	var cases []struct{ Doc, Query, Format, Want string }
	json.Unmarshal(b, &cases)
	fails := 0
	for i, c := range cases {
		if strings.HasPrefix(c.Want, "EXC:") {
			continue
		}
		got, err := Render([]byte(c.Doc), Options{Format: Format(c.Format), Query: c.Query, Color: true})
		if err != nil {
			got = "ERROR:" + err.Error()
		}
		if got != c.Want {
			fails++
			if fails <= 8 {
				fmt.Printf("=== case %d fmt=%s query=%q\ndoc=%s\n--- got\n%q\n--- want\n%q\n", i, c.Format, c.Query, c.Doc, got, c.Want)
			}
		}
	}
	fmt.Println("fails", fails, "of", len(cases))
}
