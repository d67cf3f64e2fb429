package armtest

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/aksnet/aksnet/internal/arm"
)

// A custom role whose stored document does not decode is a server error on
// GET and on PUT, never a role that is not there: a PUT must not take the
// damaged role for a new one and overwrite it without checking the caller
// at the role's old assignable scopes. The plane is its own, as the damage
// would reach other tests' role reads.
func TestRoleDefinition_DamagedCustomRole(t *testing.T) {
	t.Parallel()
	e := Plane(t, "damaged-roles", Options{})
	h := NewHarness(t, e, e.Credential(t))
	const guid = "5d1c6c2f-2b0e-4c0a-9a51-7d1f3f0e6a01"
	sub := "/subscriptions/" + h.Sub
	id := h.mustPutRoleDef(sub, guid, roleDef("damaged-role", []string{"Microsoft.Network/*/read"}, sub))
	key := arm.KeyOf(id)
	var saved []byte
	if err := e.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		raw, ok := c.Tx.Get(key)
		if !ok {
			t.Fatalf("no role definition at %s", key)
		}
		saved = bytes.Clone(raw)
		c.Tx.Put(key, []byte(`{"id":"`+id+`","name":"`+guid+`","properties":"not an object"}`))
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	const api = "?api-version=2022-04-01"
	if r := h.Do(http.MethodGet, id+api, nil); r.Status != http.StatusInternalServerError {
		t.Errorf("GET of a damaged role: %d %s, want 500", r.Status, r.Body)
	}
	body := map[string]any{"properties": map[string]any{"roleName": "damaged-role", "assignableScopes": []string{sub},
		"permissions": []map[string]any{{"actions": []string{"*"}}}}}
	if r := h.Do(http.MethodPut, id+api, body); r.Status != http.StatusInternalServerError {
		t.Errorf("PUT over a damaged role: %d %s, want 500", r.Status, r.Body)
	}

	if err := e.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		raw, _ := c.Tx.Get(key)
		if !bytes.Contains(raw, []byte(`"not an object"`)) {
			t.Errorf("the refused PUT changed the stored role: %s", raw)
		}
		c.Tx.Put(key, saved)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r := h.Do(http.MethodGet, id+api, nil); r.Status != http.StatusOK {
		t.Errorf("GET of the repaired role: %d %s", r.Status, r.Body)
	}
}
