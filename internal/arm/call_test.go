package arm

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestCall_DecodeExisting: the stored document decodes into v; one that
// does not decode is an error naming the resource and wrapping the decode
// error, so that a damaged record is reported, never used half-read.
func TestCall_DecodeExisting(t *testing.T) {
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt"
	type doc struct {
		Name       string `json:"name"`
		Properties struct {
			DisableBgpRoutePropagation bool `json:"disableBgpRoutePropagation"`
		} `json:"properties"`
	}
	var good doc
	c := &Call{ID: id, Existing: []byte(`{"name":"rt","properties":{"disableBgpRoutePropagation":true}}`)}
	if err := c.DecodeExisting(&good); err != nil || good.Name != "rt" || !good.Properties.DisableBgpRoutePropagation {
		t.Fatalf("DecodeExisting = %+v, %v", good, err)
	}
	for name, raw := range map[string]string{
		"wrong type": `{"name":5}`,
		"truncated":  `{"name":"rt","prop`,
		"not json":   "\x00\x01",
	} {
		var d doc
		err := (&Call{ID: id, Existing: []byte(raw)}).DecodeExisting(&d)
		if err == nil || !strings.Contains(err.Error(), id) {
			t.Errorf("%s: error %v, want one naming %s", name, err, id)
		}
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		if !errors.As(err, &typeErr) && !errors.As(err, &syntaxErr) {
			t.Errorf("%s: error %v does not wrap the decode error", name, err)
		}
	}
}
