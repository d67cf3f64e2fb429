package directory

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/identity"
	"github.com/aksnet/aksnet/internal/store"
)

// Graph serves the Microsoft Graph v1.0 subset the Azure CLI uses:
//
//	GET  /v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '…') | appId eq '…' | displayName eq '…' | startswith(displayName,'…')
//	GET  /v1.0/servicePrincipals/{id}
//	POST /v1.0/servicePrincipals                 {"appId": …}
//	DELETE /v1.0/servicePrincipals/{id}
//	POST /v1.0/directoryObjects/getByIds         {"ids": […]}
//	GET  /v1.0/applications?$filter=displayName eq '…' | appId eq '…' | startswith(displayName,'…')
//	GET  /v1.0/applications/{id}
//	POST /v1.0/applications                      {"displayName": …}
//	PATCH /v1.0/applications/{id}                {"displayName": …}
//	POST /v1.0/applications/{id}/addPassword     {"passwordCredential": {…}}
//	POST /v1.0/applications/{id}/removePassword  {"keyId": …}
//	DELETE /v1.0/applications/{id}
//
// Errors use Graph's envelope {"error":{"code","message"}}.
type Graph struct {
	Store    store.Store
	TenantID string
	// Authn checks the bearer token; Graph accepts the same tokens as ARM.
	Authn arm.Authenticator
	// IsAdmin reports whether a principal may change any application (it
	// administers role assignments in the subscription). Others may change
	// only applications they own, as Entra ID's default policy allows.
	IsAdmin func(objectID string) bool
}

// IsGraphPath reports whether path belongs to Graph.
func IsGraphPath(path string) bool { return strings.HasPrefix(path, "/v1.0/") }

type graphSP struct {
	OdataType             string   `json:"@odata.type,omitempty"`
	ID                    string   `json:"id"`
	AppID                 string   `json:"appId"`
	DisplayName           string   `json:"displayName"`
	ServicePrincipalNames []string `json:"servicePrincipalNames"`
	ServicePrincipalType  string   `json:"servicePrincipalType"`
	AccountEnabled        bool     `json:"accountEnabled"`
	AppOwnerOrgID         string   `json:"appOwnerOrganizationId"`
	AlternativeNames      []string `json:"alternativeNames"`
}

func spJSON(p *identity.Principal, typed bool) graphSP {
	g := graphSP{ID: p.ObjectID, AppID: p.AppID, DisplayName: p.DisplayName, ServicePrincipalNames: p.ServicePrincipalNames,
		ServicePrincipalType: "Application", AccountEnabled: true, AppOwnerOrgID: p.TenantID, AlternativeNames: []string{}}
	if p.ManagedIdentityResourceID != "" {
		g.ServicePrincipalType = "ManagedIdentity"
		g.AlternativeNames = []string{"isExplicit=True", p.ManagedIdentityResourceID}
	}
	if g.ServicePrincipalNames == nil {
		g.ServicePrincipalNames = []string{p.AppID}
	}
	if typed {
		g.OdataType = "#microsoft.graph.servicePrincipal"
	}
	return g
}

type passwordCredential struct {
	KeyID         string  `json:"keyId"`
	DisplayName   string  `json:"displayName"`
	Hint          string  `json:"hint"`
	SecretText    *string `json:"secretText"`
	StartDateTime string  `json:"startDateTime"`
	EndDateTime   string  `json:"endDateTime"`
}

type graphApp struct {
	ID                  string               `json:"id"`
	AppID               string               `json:"appId"`
	DisplayName         string               `json:"displayName"`
	PasswordCredentials []passwordCredential `json:"passwordCredentials"`
	SignInAudience      string               `json:"signInAudience"`
}

func appJSON(a *Application) graphApp {
	g := graphApp{ID: a.ID, AppID: a.AppID, DisplayName: a.DisplayName, PasswordCredentials: []passwordCredential{}, SignInAudience: "AzureADMyOrg"}
	for _, s := range a.Secrets {
		g.PasswordCredentials = append(g.PasswordCredentials, passwordCredential{KeyID: s.KeyID, DisplayName: s.DisplayName, Hint: s.Hint, EndDateTime: fmtTime(s.EndDateTime)})
	}
	return g
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func graphError(w http.ResponseWriter, status int, code, format string, args ...any) {
	e := azerr.New(status, code, "", format, args...)
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": e.Code, "message": e.Message, "innerError": map[string]string{"date": time.Now().UTC().Format(time.RFC3339)}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeGraph(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// eqFilter matches the $filter clauses az sends; startswith is what az ad
// app/sp list --display-name and ad sp create-for-rbac use.
var eqFilter = regexp.MustCompile(`^\s*(?i:(servicePrincipalNames/any\(\w+:\w+ eq '([^']*)'\))|(appId eq '([^']*)')|(displayName eq '([^']*)')|(startswith\(displayName,\s*'([^']*)'\)))\s*$`)

// hasPrefixFold is Graph's startswith, which ignores case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ServeHTTP implements http.Handler.
func (g *Graph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	caller, err := g.Authn.Authenticate(r)
	if err != nil {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. %s", err.Error())
		return
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1.0/"), "/"), "/")
	if r.Method != http.MethodGet && !g.mayChange(caller.ObjectID, segs, r) {
		graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), callerKey{}, caller.ObjectID))
	var body []byte
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || (len(body) > 0 && !json.Valid(body)) {
			graphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
			return
		}
	}
	switch {
	case strings.EqualFold(segs[0], "servicePrincipals"):
		g.servicePrincipals(w, r, segs[1:], body)
	case strings.EqualFold(segs[0], "applications"):
		g.applications(w, r, segs[1:], body)
	case len(segs) == 2 && strings.EqualFold(segs[0], "directoryObjects") && strings.EqualFold(segs[1], "getByIds") && r.Method == http.MethodPost:
		g.getByIDs(w, body)
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '%s'.", segs[0])
	}
}

type callerKey struct{}

// mayChange reports whether caller may make a change to the object the
// path names: anyone may register an application; changing an existing
// application, or its service principal, takes ownership or admin rights.
func (g *Graph) mayChange(caller string, segs []string, r *http.Request) bool {
	if g.IsAdmin != nil && g.IsAdmin(caller) {
		return true
	}
	var app *Application
	switch {
	case strings.EqualFold(segs[0], "applications") && len(segs) >= 2:
		g.view(func(rd store.Reader) { app, _ = GetApplication(rd, segs[1]) })
	case strings.EqualFold(segs[0], "servicePrincipals") && len(segs) >= 2:
		g.view(func(rd store.Reader) {
			if p, ok := GetPrincipal(rd, segs[1]); ok {
				app, _ = ApplicationByAppID(rd, p.AppID)
			}
		})
	case strings.EqualFold(segs[0], "servicePrincipals") && r.Method == http.MethodPost:
		// Creating the service principal of an application: the body names
		// it; the handler checks ownership once it has read the body.
		return true
	default:
		return true
	}
	if app == nil {
		return true // the handler answers 404
	}
	return owns(app, caller)
}

func owns(app *Application, caller string) bool {
	for _, o := range app.Owners {
		if strings.EqualFold(o, caller) {
			return true
		}
	}
	return false
}

// ownsApp reports whether the request's caller owns app or is an admin.
func (g *Graph) ownsApp(r *http.Request, app *Application) bool {
	caller, _ := r.Context().Value(callerKey{}).(string)
	return (g.IsAdmin != nil && g.IsAdmin(caller)) || owns(app, caller)
}

func (g *Graph) view(fn func(store.Reader)) {
	_ = g.Store.View(func(r store.Reader) error { fn(r); return nil })
}

func (g *Graph) servicePrincipals(w http.ResponseWriter, r *http.Request, rest []string, body []byte) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		f := r.URL.Query().Get("$filter")
		m := eqFilter.FindStringSubmatch(f)
		if f != "" && m == nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: '%s' is not supported by aksnet.", f)
			return
		}
		out := []graphSP{}
		g.view(func(rd store.Reader) {
			Principals(rd, func(p *identity.Principal) bool {
				if m == nil || matchSP(m, p) {
					out = append(out, spJSON(p, false))
				}
				return true
			})
		})
		writeGraph(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals", "value": out})
	case len(rest) == 0 && r.Method == http.MethodPost:
		var req struct {
			AppID string `json:"appId"`
		}
		_ = json.Unmarshal(body, &req)
		var out *identity.Principal
		var status int
		err := g.Store.Update(context.Background(), func(tx store.Tx) error {
			app, ok := ApplicationByAppID(tx, req.AppID)
			if !ok {
				status = http.StatusBadRequest
				return azerr.BadRequest("Request_BadRequest", "appId", "The appId '%s' of the service principal does not reference a valid application object.", req.AppID)
			}
			if !g.ownsApp(r, app) {
				status = http.StatusForbidden
				return azerr.Forbidden("Authorization_RequestDenied", "appId", "Insufficient privileges to complete the operation.")
			}
			if existing := PrincipalByAppID(tx, req.AppID); existing != nil {
				status = http.StatusConflict
				return azerr.Conflict("Request_MultipleObjectsWithSameKeyValue", "appId", "The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", req.AppID)
			}
			out = &identity.Principal{ObjectID: arm.NewUUID(), AppID: app.AppID, DisplayName: app.DisplayName, Type: identity.PrincipalTypeServicePrincipal,
				TenantID: g.TenantID, ServicePrincipalNames: []string{app.AppID}}
			return PutPrincipal(tx, out)
		})
		if err != nil {
			if e, ok := azerr.As(err); ok {
				graphError(w, status, e.Code, "%s", e.Message)
				return
			}
			graphError(w, http.StatusInternalServerError, "InternalServerError", "The service principal could not be stored.")
			return
		}
		writeGraph(w, http.StatusCreated, spJSON(out, false))
	case len(rest) == 1 && r.Method == http.MethodGet:
		var p *identity.Principal
		g.view(func(rd store.Reader) { p, _ = GetPrincipal(rd, rest[0]) })
		if p == nil {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
			return
		}
		writeGraph(w, http.StatusOK, spJSON(p, false))
	case len(rest) == 1 && r.Method == http.MethodDelete:
		found := false
		_ = g.Store.Update(context.Background(), func(tx store.Tx) error {
			if _, ok := GetPrincipal(tx, rest[0]); ok {
				found = true
				DeletePrincipal(tx, rest[0])
			}
			return nil
		})
		if !found {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Unsupported request %s %s.", r.Method, r.URL.Path)
	}
}

func matchSP(m []string, p *identity.Principal) bool {
	switch {
	case m[2] != "" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(m[0])), "serviceprincipalnames"):
		for _, n := range p.ServicePrincipalNames {
			if strings.EqualFold(n, m[2]) {
				return true
			}
		}
		return strings.EqualFold(p.AppID, m[2])
	case m[3] != "":
		return strings.EqualFold(p.AppID, m[4])
	case m[7] != "":
		return hasPrefixFold(p.DisplayName, m[8])
	default:
		return p.DisplayName == m[6]
	}
}

func (g *Graph) getByIDs(w http.ResponseWriter, body []byte) {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	out := []graphSP{}
	g.view(func(rd store.Reader) {
		for _, id := range req.IDs {
			if p, ok := GetPrincipal(rd, id); ok {
				out = append(out, spJSON(p, true))
			}
		}
	})
	writeGraph(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": out})
}

func (g *Graph) applications(w http.ResponseWriter, r *http.Request, rest []string, body []byte) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		f := r.URL.Query().Get("$filter")
		m := eqFilter.FindStringSubmatch(f)
		if f != "" && (m == nil || m[1] != "") {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: '%s' is not supported by aksnet.", f)
			return
		}
		out := []graphApp{}
		g.view(func(rd store.Reader) {
			Applications(rd, func(a *Application) bool {
				if m == nil || (m[3] != "" && strings.EqualFold(a.AppID, m[4])) || (m[5] != "" && a.DisplayName == m[6]) ||
					(m[7] != "" && hasPrefixFold(a.DisplayName, m[8])) {
					out = append(out, appJSON(a))
				}
				return true
			})
		})
		writeGraph(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications", "value": out})
	case len(rest) == 0 && r.Method == http.MethodPost:
		var req struct {
			DisplayName string `json:"displayName"`
		}
		_ = json.Unmarshal(body, &req)
		if strings.TrimSpace(req.DisplayName) == "" {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' is required.")
			return
		}
		caller, _ := r.Context().Value(callerKey{}).(string)
		a := &Application{ID: arm.NewUUID(), AppID: arm.NewUUID(), DisplayName: req.DisplayName, Owners: []string{caller}}
		if err := g.Store.Update(context.Background(), func(tx store.Tx) error { return PutApplication(tx, a) }); err != nil {
			graphError(w, http.StatusInternalServerError, "InternalServerError", "The application could not be stored.")
			return
		}
		writeGraph(w, http.StatusCreated, appJSON(a))
	case len(rest) == 1 && r.Method == http.MethodGet:
		var a *Application
		g.view(func(rd store.Reader) { a, _ = GetApplication(rd, rest[0]) })
		if a == nil {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
			return
		}
		writeGraph(w, http.StatusOK, appJSON(a))
	case len(rest) == 1 && r.Method == http.MethodPatch:
		var req struct {
			DisplayName *string `json:"displayName"`
		}
		_ = json.Unmarshal(body, &req)
		if req.DisplayName != nil && strings.TrimSpace(*req.DisplayName) == "" {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' cannot be empty.")
			return
		}
		found := false
		_ = g.Store.Update(context.Background(), func(tx store.Tx) error {
			a, ok := GetApplication(tx, rest[0])
			if !ok {
				return nil
			}
			found = true
			if req.DisplayName != nil {
				a.DisplayName = *req.DisplayName
			}
			return PutApplication(tx, a)
		})
		if !found {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case len(rest) == 1 && r.Method == http.MethodDelete:
		found := false
		_ = g.Store.Update(context.Background(), func(tx store.Tx) error {
			if a, ok := GetApplication(tx, rest[0]); ok {
				found = true
				if p := PrincipalByAppID(tx, a.AppID); p != nil {
					DeletePrincipal(tx, p.ObjectID)
				}
				DeleteApplication(tx, rest[0])
			}
			return nil
		})
		if !found {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case len(rest) == 2 && strings.EqualFold(rest[1], "removePassword") && r.Method == http.MethodPost:
		var req struct {
			KeyID string `json:"keyId"`
		}
		_ = json.Unmarshal(body, &req)
		found, removed := false, false
		_ = g.Store.Update(context.Background(), func(tx store.Tx) error {
			a, ok := GetApplication(tx, rest[0])
			if !ok {
				return nil
			}
			found = true
			kept := a.Secrets[:0]
			for _, sec := range a.Secrets {
				if strings.EqualFold(sec.KeyID, req.KeyID) {
					removed = true
					continue
				}
				kept = append(kept, sec)
			}
			if !removed {
				return nil
			}
			a.Secrets = kept
			return PutApplication(tx, a)
		})
		switch {
		case !found:
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
		case !removed:
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "No password credential with keyId '%s' exists on the application.", req.KeyID)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	case len(rest) == 2 && strings.EqualFold(rest[1], "addPassword") && r.Method == http.MethodPost:
		var req struct {
			PasswordCredential struct {
				DisplayName string    `json:"displayName"`
				EndDateTime time.Time `json:"endDateTime"`
			} `json:"passwordCredential"`
		}
		_ = json.Unmarshal(body, &req)
		plain, secret := identity.NewSecret()
		secret.DisplayName = req.PasswordCredential.DisplayName
		secret.EndDateTime = req.PasswordCredential.EndDateTime
		found := false
		_ = g.Store.Update(context.Background(), func(tx store.Tx) error {
			a, ok := GetApplication(tx, rest[0])
			if !ok {
				return nil
			}
			found = true
			a.Secrets = append(a.Secrets, secret)
			return PutApplication(tx, a)
		})
		if !found {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", rest[0])
			return
		}
		writeGraph(w, http.StatusOK, passwordCredential{KeyID: secret.KeyID, DisplayName: secret.DisplayName, Hint: secret.Hint, SecretText: &plain,
			StartDateTime: time.Now().UTC().Format(time.RFC3339), EndDateTime: fmtTime(secret.EndDateTime)})
	default:
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Unsupported request %s %s.", r.Method, r.URL.Path)
	}
}
