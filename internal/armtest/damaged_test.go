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
	repair := h.Damage("d/application/"+strings.ToLower(app.ID), []byte(`{"secrets":"not a list"}`))

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

	repair()
	r := h.Do(http.MethodGet, "/v1.0/applications/"+app.ID, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), app.AppID) {
		t.Errorf("application after the refused delete and the repair: %d %s", r.Status, r.Body)
	}
}

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
	repair := h.Damage(arm.KeyOf(id), []byte(`{"id":"`+id+`","name":"`+guid+`","properties":"not an object"}`))

	const api = "?api-version=2022-04-01"
	if r := h.Do(http.MethodGet, id+api, nil); r.Status != http.StatusInternalServerError {
		t.Errorf("GET of a damaged role: %d %s, want 500", r.Status, r.Body)
	}
	body := map[string]any{"properties": map[string]any{"roleName": "damaged-role", "assignableScopes": []string{sub},
		"permissions": []map[string]any{{"actions": []string{"*"}}}}}
	if r := h.Do(http.MethodPut, id+api, body); r.Status != http.StatusInternalServerError {
		t.Errorf("PUT over a damaged role: %d %s, want 500", r.Status, r.Body)
	}

	if raw := repair(); !bytes.Contains(raw, []byte(`"not an object"`)) {
		t.Errorf("the refused PUT changed the stored role: %s", raw)
	}
	if r := h.Do(http.MethodGet, id+api, nil); r.Status != http.StatusOK {
		t.Errorf("GET of the repaired role: %d %s", r.Status, r.Body)
	}
}
