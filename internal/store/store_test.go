package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// mapReader is a Reader over a map; Scan is not needed by these tests.
type mapReader map[string]string

func (m mapReader) Get(key string) ([]byte, bool) {
	v, ok := m[key]
	return []byte(v), ok
}

func (m mapReader) Scan(string, func(string, []byte) bool) {}

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
