package armtest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/arm"
)

// An application record that does not decode is a server error on every
// Graph call that reads it, never an application that silently is not
// there; deleting it is refused, which keeps its appId index. The plane is
// its own: the damage must not reach other tests' Graph calls.
func TestGraph_DamagedApplicationRecord(t *testing.T) {
	t.Parallel()
	e := Plane(t, "damaged-directory", Options{})
	h := NewHarness(t, e, e.Credential(t))
	app, _, _ := h.newServicePrincipal("damaged-app")
	key := "d/application/" + strings.ToLower(app.ID)
	var saved []byte
	if err := e.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		raw, ok := c.Tx.Get(key)
		if !ok {
			t.Fatalf("no application record at %s", key)
		}
		saved = bytes.Clone(raw)
		c.Tx.Put(key, []byte(`{"secrets":"not a list"}`))
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/v1.0/applications"},
		{http.MethodGet, "/v1.0/applications/" + app.ID},
		{http.MethodGet, "/v1.0/applications/" + app.ID + "/owners"},
		{http.MethodDelete, "/v1.0/applications/" + app.ID},
	} {
		if r := h.Do(tc.method, tc.path, nil); r.Status != http.StatusInternalServerError {
			t.Errorf("%s %s with a damaged record: %d %s, want 500", tc.method, tc.path, r.Status, r.Body)
		}
	}

	if err := e.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		c.Tx.Put(key, saved)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := h.Do(http.MethodGet, "/v1.0/applications/"+app.ID, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), app.AppID) {
		t.Errorf("application after the refused delete and the repair: %d %s", r.Status, r.Body)
	}
}
