package armtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
)

// Issue 13, point 1: Microsoft Graph lets a principal change an application
// or service principal only when it owns the application or holds a
// directory role that manages applications. Graph refuses everyone else
// with 403 and this body (as Graph answers it, e.g. in Azure/azure-cli
// issue #29966):
//
//	{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.",
//	 "innerError":{"date":"2024-09-24T13:40:08","request-id":"…","client-request-id":"…"}}}
//
// An Azure RBAC role, even Owner of the subscription, grants nothing in the
// directory.

// graphDenied checks that r is Graph's 403 Authorization_RequestDenied,
// with the client-request-id the request sent echoed in innerError.
func graphDenied(t testing.TB, r RawResp, clientRequestID string) {
	t.Helper()
	if r.Status != http.StatusForbidden {
		t.Errorf("status %d, want 403: %s", r.Status, r.Body)
		return
	}
	var env struct {
		Error struct {
			Code       string            `json:"code"`
			Message    string            `json:"message"`
			InnerError map[string]string `json:"innerError"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatalf("403 body is not JSON: %v: %s", err, r.Body)
	}
	e := env.Error
	if e.Code != "Authorization_RequestDenied" || e.Message != "Insufficient privileges to complete the operation." {
		t.Errorf("error %q %q, want Authorization_RequestDenied", e.Code, e.Message)
	}
	if e.InnerError["date"] == "" || !isGUID(e.InnerError["request-id"]) || e.InnerError["client-request-id"] != clientRequestID {
		t.Errorf("innerError %v, want date, request-id and client-request-id %s", e.InnerError, clientRequestID)
	}
	if r.Header.Get("request-id") != e.InnerError["request-id"] {
		t.Errorf("request-id header %q, innerError %q", r.Header.Get("request-id"), e.InnerError["request-id"])
	}
}

// graphDo sends a Graph request as h with a fresh client-request-id, which it
// returns with the answer.
func (h *Harness) graphDo(method, path string, body any) (RawResp, string) {
	h.T.Helper()
	id := newGUID(h.T)
	return h.Do(method, path, body, "client-request-id", id), id
}

// graphGet reads a Graph object, failing the test unless it answers 200.
func (h *Harness) graphGet(path string) []byte {
	h.T.Helper()
	r := h.Do(http.MethodGet, path, nil)
	if r.Status != http.StatusOK {
		h.T.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return r.Body
}

// graphOwners lists the object ids of an application's owners.
func (h *Harness) graphOwners(appObjectID string) []string {
	h.T.Helper()
	var out struct {
		Value []graphSP `json:"value"`
	}
	if err := json.Unmarshal(h.graphGet("/v1.0/applications/"+appObjectID+"/owners"), &out); err != nil {
		h.T.Fatal(err)
	}
	ids := make([]string, 0, len(out.Value))
	for _, o := range out.Value {
		ids = append(ids, o.ID)
	}
	return ids
}

// deleteDenied checks that attacker's DELETE of the directory object at
// path is refused and leaves it as h reads it.
func (h *Harness) deleteDenied(attacker *Harness, path string) {
	h.T.Helper()
	before := string(h.graphGet(path))
	r, id := attacker.graphDo(http.MethodDelete, path, nil)
	graphDenied(h.T, r, id)
	if after := string(h.graphGet(path)); after != before {
		h.T.Errorf("refused delete changed %s:\nbefore %s\nafter  %s", path, before, after)
	}
}

// signIn returns a harness for a new service principal (an application
// registered by h, its principal and a password).
func (h *Harness) signIn(name string) (*Harness, graphApp, string) {
	h.T.Helper()
	app, sp, secret := h.newServicePrincipal(name)
	return h.As(h.Env.CredentialFor(h.T, app.AppID, secret)), app, sp
}

func TestSecurity_Graph_SubscriptionOwnerCannotDeleteTheAdmin(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	// The attacker is Owner of the whole subscription: an Azure role, not a
	// directory one.
	attacker, _, attackerID := admin.signIn("sec-graph-owner-" + newGUID(t)[:8])
	admin.mustAssign("/subscriptions/"+admin.Sub, ownerRole, attackerID)
	adminID := admin.Env.Creds.ObjectID
	admin.deleteDenied(attacker, "/v1.0/servicePrincipals/"+adminID)
}

func TestSecurity_Graph_ManagedIdentityPrincipalCannotBeDeletedByOthers(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	rg := admin.NewRG()
	ident, err := admin.MSI.CreateOrUpdate(admin.Ctx, rg, "id1", armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid := *ident.Properties.PrincipalID
	// Contributor on the identity's group: it may change the identity
	// through ARM, but not its principal through Graph.
	attacker, _, attackerID := admin.signIn("sec-graph-mi-" + newGUID(t)[:8])
	admin.mustAssign(admin.RGID(rg), contributorRole, attackerID)
	admin.deleteDenied(attacker, "/v1.0/servicePrincipals/"+pid)
}

func TestSecurity_Graph_OthersApplicationIsOutOfReach(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	// The victim registers its own application; the attacker is another
	// signed-in principal with Owner on the subscription.
	victim, _, victimID := admin.signIn("sec-graph-victim-" + newGUID(t)[:8])
	attacker, _, attackerID := admin.signIn("sec-graph-attacker-" + newGUID(t)[:8])
	admin.mustAssign("/subscriptions/"+admin.Sub, ownerRole, attackerID)
	app, sp, _ := victim.newServicePrincipal("sec-graph-victims-app-" + newGUID(t)[:8])
	appPath, spPath := "/v1.0/applications/"+app.ID, "/v1.0/servicePrincipals/"+sp
	var pw struct {
		PasswordCredentials []struct {
			KeyID string `json:"keyId"`
		} `json:"passwordCredentials"`
	}
	if err := json.Unmarshal(victim.graphGet(appPath), &pw); err != nil || len(pw.PasswordCredentials) != 1 {
		t.Fatalf("victim's application: %v %+v", err, pw)
	}
	keyID := pw.PasswordCredentials[0].KeyID
	appBefore, spBefore := string(admin.graphGet(appPath)), string(admin.graphGet(spPath))
	ownersBefore := admin.graphOwners(app.ID)
	if !slices.Equal(ownersBefore, []string{victimID}) {
		t.Fatalf("owners %v, want the creator %s alone", ownersBefore, victimID)
	}

	attacks := []struct {
		name, method, path string
		body               any
	}{
		{"rename the application", http.MethodPatch, appPath, map[string]string{"displayName": "pwned"}},
		{"add a password", http.MethodPost, appPath + "/addPassword", map[string]any{"passwordCredential": map[string]string{"displayName": "backdoor"}}},
		{"remove the owner's password", http.MethodPost, appPath + "/removePassword", map[string]string{"keyId": keyID}},
		{"make itself an owner", http.MethodPost, appPath + "/owners/$ref", map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + attackerID}},
		{"remove the owner", http.MethodDelete, appPath + "/owners/" + victimID + "/$ref", nil},
		{"delete the service principal", http.MethodDelete, spPath, nil},
		{"delete the application", http.MethodDelete, appPath, nil},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			r, id := attacker.graphDo(a.method, a.path, a.body)
			graphDenied(t, r, id)
		})
	}
	if after := string(admin.graphGet(appPath)); after != appBefore {
		t.Errorf("refused changes changed the application:\nbefore %s\nafter  %s", appBefore, after)
	}
	if after := string(admin.graphGet(spPath)); after != spBefore {
		t.Errorf("refused changes changed the service principal:\nbefore %s\nafter  %s", spBefore, after)
	}
	if owners := admin.graphOwners(app.ID); !slices.Equal(owners, ownersBefore) {
		t.Errorf("owners %v after the attack, want %v", owners, ownersBefore)
	}
	// A missing object is still 404, not 403: the check is on the object.
	if r := attacker.Do(http.MethodDelete, "/v1.0/applications/"+newGUID(t), nil); r.Status != http.StatusNotFound {
		t.Errorf("delete of a missing application: %d %s", r.Status, r.Body)
	}

	// The owner may do all of it, and an owner it adds gets the same rights.
	r := victim.Do(http.MethodPatch, appPath, map[string]string{"displayName": "renamed by its owner"})
	if r.Status != http.StatusNoContent {
		t.Errorf("owner's rename: %d %s", r.Status, r.Body)
	}
	r = victim.Do(http.MethodPost, appPath+"/owners/$ref", map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + attackerID})
	if r.Status != http.StatusNoContent {
		t.Fatalf("owner adds a co-owner: %d %s", r.Status, r.Body)
	}
	if r := attacker.Do(http.MethodPost, appPath+"/removePassword", map[string]string{"keyId": keyID}); r.Status != http.StatusNoContent {
		t.Errorf("co-owner removes a password: %d %s", r.Status, r.Body)
	}
	if r := attacker.Do(http.MethodDelete, spPath, nil); r.Status != http.StatusNoContent {
		t.Errorf("co-owner deletes the service principal: %d %s", r.Status, r.Body)
	}
}

func TestSecurity_Graph_OnlyOwnersMayCreateAnApplicationsPrincipal(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	victim, _, _ := admin.signIn("sec-graph-reg-" + newGUID(t)[:8])
	attacker, _, _ := admin.signIn("sec-graph-squat-" + newGUID(t)[:8])
	r := victim.Do(http.MethodPost, "/v1.0/applications", map[string]string{"displayName": "sec-graph-unclaimed-" + newGUID(t)[:8]})
	if r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var app graphApp
	r.Decode(t, &app)

	// Claiming the victim's application with a principal of one's own.
	r, id := attacker.graphDo(http.MethodPost, "/v1.0/servicePrincipals", map[string]string{"appId": app.AppID})
	graphDenied(t, r, id)
	if sps := admin.spsByName(app.AppID); len(sps) != 0 {
		t.Errorf("refused create left principals %+v", sps)
	}
}
