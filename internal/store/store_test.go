package store

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// mapReader is a Reader over a map.
type mapReader map[string]string

func (m mapReader) Get(key string) ([]byte, bool) {
	v, ok := m[key]
	return []byte(v), ok
}

func (m mapReader) Scan(prefix string, fn func(string, []byte) bool) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, prefix) && !fn(k, []byte(m[k])) {
			return
		}
	}
}

func TestLoadJSON(t *testing.T) {
	type doc struct {
		Name string `json:"name"`
	}
	r := mapReader{"k/good": `{"name":"a"}`, "k/shape": `{"name":5}`, "k/array": `[1]`}
	for _, tc := range []struct {
		key     string
		want    string
		wantOK  bool
		wantErr bool
	}{
		{key: "k/good", want: "a", wantOK: true},
		{key: "k/absent"},
		{key: "k/shape", wantErr: true},
		{key: "k/array", wantErr: true},
	} {
		v, ok, err := LoadJSON[doc](r, tc.key)
		if (err != nil) != tc.wantErr || ok != tc.wantOK {
			t.Errorf("LoadJSON(%s) = %v, %v, %v; want ok %v, error %v", tc.key, v, ok, err, tc.wantOK, tc.wantErr)
			continue
		}
		if err != nil {
			// The error names the key, so that a damaged record can be found.
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("LoadJSON(%s) error %q does not name the key", tc.key, err)
			}
			continue
		}
		if ok && v.Name != tc.want {
			t.Errorf("LoadJSON(%s) = %+v, want name %q", tc.key, v, tc.want)
		}
		if !ok && v != nil {
			t.Errorf("LoadJSON(%s) = %+v for an absent key, want nil", tc.key, v)
		}
	}
	var typeErr *json.UnmarshalTypeError
	if _, _, err := LoadJSON[doc](r, "k/shape"); !errors.As(err, &typeErr) {
		t.Errorf("LoadJSON(k/shape) error %v does not wrap the decode error", err)
	}
}

// TestScanJSON: every record under the prefix is decoded in key order until
// fn stops; a record that does not decode stops the scan with an error
// naming its key, never skipped.
func TestScanJSON(t *testing.T) {
	type doc struct {
		Name string `json:"name"`
	}
	r := mapReader{"a/1": `{"name":"x"}`, "a/2": `{"name":"y"}`, "a/3": `{"name":"z"}`, "b/1": `{"name":5}`}
	for _, tc := range []struct {
		name, prefix string
		stopAfter    int // 0: never stop
		want         []string
		wantErrKey   string
	}{
		{name: "all, in key order", prefix: "a/", want: []string{"x", "y", "z"}},
		{name: "fn stops the scan", prefix: "a/", stopAfter: 2, want: []string{"x", "y"}},
		{name: "nothing under the prefix", prefix: "c/"},
		{name: "a damaged record fails the scan", prefix: "", want: []string{"x", "y", "z"}, wantErrKey: "b/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := ScanJSON(r, tc.prefix, func(d *doc) bool {
				got = append(got, d.Name)
				return tc.stopAfter == 0 || len(got) < tc.stopAfter
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("decoded %v, want %v", got, tc.want)
			}
			switch {
			case tc.wantErrKey == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.wantErrKey != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErrKey)):
				t.Errorf("error %v, want one naming %s", err, tc.wantErrKey)
			}
			var typeErr *json.UnmarshalTypeError
			if tc.wantErrKey != "" && !errors.As(err, &typeErr) {
				t.Errorf("error %v does not wrap the decode error", err)
			}
		})
	}
}
