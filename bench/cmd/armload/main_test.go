package main

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func TestParseExpect(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[int]bool
		wantErr bool
	}{
		{"200", map[int]bool{200: true}, false},
		{"200, 201,202", map[int]bool{200: true, 201: true, 202: true}, false},
		{"200,", nil, true},
		{"ok", nil, true},
	} {
		got, err := parseExpect(tc.in)
		if (err != nil) != tc.wantErr || !maps.Equal(got, tc.want) {
			t.Errorf("parseExpect(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestAppendLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	for _, line := range []string{`{"a":1}`, `{"b":2}`} {
		if err := appendLine(path, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"a\":1}\n{\"b\":2}\n"; string(got) != want {
		t.Errorf("file holds %q, want %q", got, want)
	}
}
