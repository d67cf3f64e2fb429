package armtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
)

// graphSP is a service principal as Graph answers it.
type graphSP struct {
	OdataType             string   `json:"@odata.type"`
	ID                    string   `json:"id"`
	AppID                 string   `json:"appId"`
	DisplayName           string   `json:"displayName"`
	ServicePrincipalNames []string `json:"servicePrincipalNames"`
	ServicePrincipalType  string   `json:"servicePrincipalType"`
}

// spsByName runs az's Graph lookup of a principal by one of its names.
func (h *Harness) spsByName(name string) []graphSP {
	h.T.Helper()
	q := url.Values{"$filter": {"servicePrincipalNames/any(c:c eq '" + name + "')"}}
	r := h.Do(http.MethodGet, "/v1.0/servicePrincipals?"+q.Encode(), nil)
	if r.Status != http.StatusOK {
		h.T.Fatalf("Graph lookup of %s: %d %s", name, r.Status, r.Body)
	}
	var out struct {
		Value []graphSP `json:"value"`
	}
	r.Decode(h.T, &out)
	return out.Value
}

func isGUID(s string) bool {
	if len(s) != 36 || strings.Count(s, "-") != 4 {
		return false
	}
	for _, c := range strings.ReplaceAll(s, "-", "") {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func TestUserAssignedIdentity_Lifecycle(t *testing.T) {
	h, rg := parallelRG(t)

	ctx, resp := captured(h.Ctx)
	created, err := h.MSI.CreateOrUpdate(ctx, rg, "myIdentity", armmsi.Identity{Location: to.Ptr("eastus"), Tags: map[string]*string{"a": to.Ptr("b")}}, nil)
	answered(t, "create", resp, err, http.StatusCreated)
	id := h.RGID(rg) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
	p := created.Properties
	if *created.ID != id || *created.Type != "Microsoft.ManagedIdentity/userAssignedIdentities" || p == nil {
		t.Fatalf("identity %s %s %+v", *created.ID, *created.Type, p)
	}
	if !isGUID(*p.PrincipalID) || !isGUID(*p.ClientID) || *p.TenantID != h.Env.Creds.TenantID || *p.PrincipalID == *p.ClientID {
		t.Errorf("principalId %s clientId %s tenantId %s (want GUIDs and tenant %s)", *p.PrincipalID, *p.ClientID, *p.TenantID, h.Env.Creds.TenantID)
	}

	// A second PUT is an update: same principal.
	ctx, resp = captured(h.Ctx)
	again, err := h.MSI.CreateOrUpdate(ctx, rg, "myIdentity", armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if (*resp).StatusCode != http.StatusOK || *again.Properties.PrincipalID != *p.PrincipalID || *again.Properties.ClientID != *p.ClientID {
		t.Errorf("re-PUT: %d, principal %s client %s", (*resp).StatusCode, *again.Properties.PrincipalID, *again.Properties.ClientID)
	}

	// az reads it back through a lower-cased path.
	r := h.Do(http.MethodGet, strings.ToLower(id)+"?api-version=2022-01-31-preview", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("lower-cased GET: %d %s", r.Status, r.Body)
	}
	var got armmsi.Identity
	r.Decode(t, &got)
	if *got.ID != id || *got.Properties.ClientID != *p.ClientID {
		t.Errorf("lower-cased GET: id %s clientId %s", *got.ID, *got.Properties.ClientID)
	}

	// The identity's service principal is in Graph under its clientId.
	sps := h.spsByName(*p.ClientID)
	if len(sps) != 1 {
		t.Fatalf("Graph found %d principals named %s, want 1", len(sps), *p.ClientID)
	}
	if sps[0].ID != *p.PrincipalID || sps[0].AppID != *p.ClientID || sps[0].ServicePrincipalType != "ManagedIdentity" || sps[0].DisplayName != "myIdentity" {
		t.Errorf("Graph principal %+v, want id %s appId %s", sps[0], *p.PrincipalID, *p.ClientID)
	}
	r = h.Do(http.MethodPost, "/v1.0/directoryObjects/getByIds", map[string]any{"ids": []string{*p.PrincipalID, "00000000-0000-0000-0000-00000000dead"}, "types": []string{"servicePrincipal"}})
	var objs struct {
		Value []graphSP `json:"value"`
	}
	r.Decode(t, &objs)
	if r.Status != http.StatusOK || len(objs.Value) != 1 || objs.Value[0].ID != *p.PrincipalID || objs.Value[0].OdataType != "#microsoft.graph.servicePrincipal" {
		t.Errorf("getByIds: %d %s", r.Status, r.Body)
	}

	var listed []string
	for _, page := range AllPages(h, h.MSI.NewListByResourceGroupPager(rg, nil)) {
		listed = append(listed, names(page.Value, func(i *armmsi.Identity) *string { return i.ID })...)
	}
	if len(listed) != 1 || listed[0] != id {
		t.Errorf("list by group %v", listed)
	}

	// Bad input.
	_, err = h.MSI.CreateOrUpdate(h.Ctx, rg, "ab", armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "InvalidResourceName", Target: "name", Mentions: []string{"'ab'"}})
	_, err = h.MSI.CreateOrUpdate(h.Ctx, rg, "no-location", armmsi.Identity{}, nil)
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "LocationRequired", Target: "location"})

	// Deleting the identity (a synchronous delete in the MSI API) removes
	// its principal.
	if _, err := h.MSI.Delete(h.Ctx, rg, "myIdentity", nil); err != nil {
		t.Fatalf("delete identity: %v", err)
	}
	_, err = h.MSI.Get(h.Ctx, rg, "myIdentity", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceNotFound", Mentions: []string{"myIdentity"}})
	if sps := h.spsByName(*p.ClientID); len(sps) != 0 {
		t.Errorf("deleted identity's principal still in Graph: %+v", sps)
	}
	if _, err := h.MSI.Delete(h.Ctx, rg, "myIdentity", nil); err != nil {
		t.Errorf("delete of a missing identity: %v", err)
	}
}

func TestGraph_ApplicationsAndServicePrincipals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	// No token, no Graph.
	r := DoRaw(t, h.Env, http.MethodGet, "/v1.0/servicePrincipals", nil)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("Graph without a token: %d %s", r.Status, r.Body)
	}

	app, sp, _ := h.newServicePrincipal("graph-test-app")
	if sps := h.spsByName(app.AppID); len(sps) != 1 || sps[0].ID != sp {
		t.Errorf("lookup by appId as a name: %+v", sps)
	}
	r = h.Do(http.MethodGet, "/v1.0/servicePrincipals?"+url.Values{"$filter": {"appId eq '" + app.AppID + "'"}}.Encode(), nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), sp) {
		t.Errorf("appId filter: %d %s", r.Status, r.Body)
	}
	r = h.Do(http.MethodGet, "/v1.0/servicePrincipals/"+sp, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), app.AppID) {
		t.Errorf("GET servicePrincipals/%s: %d %s", sp, r.Status, r.Body)
	}
	r = h.Do(http.MethodGet, "/v1.0/applications?"+url.Values{"$filter": {"appId eq '" + app.AppID + "'"}}.Encode(), nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), app.ID) {
		t.Errorf("applications by appId: %d %s", r.Status, r.Body)
	}

	// A second principal for the same app, or one for no app, is refused.
	r = h.Do(http.MethodPost, "/v1.0/servicePrincipals", map[string]string{"appId": app.AppID})
	if r.Status != http.StatusConflict {
		t.Errorf("duplicate service principal: %d %s", r.Status, r.Body)
	}
	r = h.Do(http.MethodPost, "/v1.0/servicePrincipals", map[string]string{"appId": "00000000-0000-0000-0000-000000000000"})
	if r.Status != http.StatusBadRequest {
		t.Errorf("service principal of no application: %d %s", r.Status, r.Body)
	}
	r = h.Do(http.MethodGet, "/v1.0/servicePrincipals?$filter="+url.QueryEscape("accountEnabled eq true"), nil)
	if r.Status != http.StatusBadRequest {
		t.Errorf("unsupported filter: %d %s", r.Status, r.Body)
	}
	r = h.Do(http.MethodPost, "/v1.0/applications", "{not json")
	if r.Status != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d %s", r.Status, r.Body)
	}
	// JSON of the wrong shape is refused too, not read as an empty request
	// (an addPassword would add a nameless secret).
	for path, body := range map[string]string{
		"/v1.0/applications/" + app.ID + "/removePassword": `{"keyId": 5}`,
		"/v1.0/applications/" + app.ID + "/addPassword":    `{"passwordCredential": 7}`,
		"/v1.0/applications/" + app.ID:                     `{"displayName": ["x"]}`,
	} {
		method := http.MethodPost
		if !strings.Contains(path, "Password") {
			method = http.MethodPatch
		}
		if r := h.Do(method, path, body); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "Unable to read JSON request payload") {
			t.Errorf("%s %s %s: %d %s", method, path, body, r.Status, r.Body)
		}
	}

	// Deleting the application removes its principal.
	if r := h.Do(http.MethodDelete, "/v1.0/applications/"+app.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete application: %d %s", r.Status, r.Body)
	}
	if r := h.Do(http.MethodGet, "/v1.0/servicePrincipals/"+sp, nil); r.Status != http.StatusNotFound {
		t.Errorf("principal of a deleted application: %d %s", r.Status, r.Body)
	}
}

type graphApp struct {
	ID    string `json:"id"`
	AppID string `json:"appId"`
}

// newServicePrincipal makes the Graph calls of az ad sp create-for-rbac: an
// application, its service principal and a password. It returns the
// application, the principal's object id and the secret.
func (h *Harness) newServicePrincipal(name string) (graphApp, string, string) {
	h.T.Helper()
	r := h.Do(http.MethodPost, "/v1.0/applications", map[string]string{"displayName": name})
	if r.Status != http.StatusCreated {
		h.T.Fatalf("create application: %d %s", r.Status, r.Body)
	}
	var app graphApp
	r.Decode(h.T, &app)
	r = h.Do(http.MethodPost, "/v1.0/servicePrincipals", map[string]string{"appId": app.AppID})
	if r.Status != http.StatusCreated {
		h.T.Fatalf("create service principal: %d %s", r.Status, r.Body)
	}
	var sp graphSP
	r.Decode(h.T, &sp)
	r = h.Do(http.MethodPost, "/v1.0/applications/"+app.ID+"/addPassword", map[string]any{"passwordCredential": map[string]string{"displayName": "rbac"}})
	if r.Status != http.StatusOK {
		h.T.Fatalf("add password: %d %s", r.Status, r.Body)
	}
	var pw struct {
		SecretText string `json:"secretText"`
	}
	r.Decode(h.T, &pw)
	if !isGUID(app.AppID) || !isGUID(sp.ID) || pw.SecretText == "" || sp.AppID != app.AppID {
		h.T.Fatalf("application %+v principal %+v secret %q", app, sp, pw.SecretText)
	}
	return app, sp.ID, pw.SecretText
}
