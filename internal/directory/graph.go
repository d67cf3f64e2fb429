package directory

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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
//	GET  /v1.0/applications/{id}/owners
//	POST /v1.0/applications/{id}/owners/$ref     {"@odata.id": "…/directoryObjects/{id}"}
//	DELETE /v1.0/applications/{id}/owners/{ownerId}/$ref
//
// Every change to an existing application or service principal is
// authorized inside the transaction that makes it (see MayChange); a caller
// that may not make it gets Graph's 403 Authorization_RequestDenied. Reads
// are open to every signed-in principal, as Entra ID's default lets members
// read the directory.
//
// Errors use Graph's envelope {"error":{"code","message","innerError":{…}}}.
type Graph struct {
	Store    store.Store
	TenantID string
	// Authn checks the bearer token; Graph accepts the same tokens as ARM.
	Authn arm.Authenticator
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

// call is one Graph request: the writer, the request, the signed-in caller's
// object id and the ids Graph echoes in headers and errors.
type call struct {
	w               http.ResponseWriter
	r               *http.Request
	caller          string
	body            []byte
	requestID       string
	clientRequestID string
}

// fail writes Graph's error envelope with status, code and message. Graph
// puts the time (without zone) and the request ids in innerError.
func (c *call) fail(status int, code, format string, args ...any) {
	// Maps of strings always encode.
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code":    code,
		"message": fmt.Sprintf(format, args...),
		"innerError": map[string]string{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        c.requestID,
			"client-request-id": c.clientRequestID,
		},
	}})
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// decode reads the request body, valid JSON already, into v; an empty body
// leaves v zero. A body of another shape than v answers Graph's 400 and
// reports false.
func (c *call) decode(v any) bool {
	if len(c.body) == 0 {
		return true
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return false
	}
	return true
}

// failWith writes err: an *azerr.Error as itself, anything else as a 500
// that names what could not be done (the cause stays on the server).
func (c *call) failWith(err error, what string) {
	if e, ok := azerr.As(err); ok {
		c.fail(e.Status, e.Code, "%s", e.Message)
		return
	}
	c.fail(http.StatusInternalServerError, "InternalServerError", "%s could not be stored.", what)
}

func (c *call) write(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("graph: encode the answer", "requestId", c.requestID, "err", err)
		c.fail(http.StatusInternalServerError, "InternalServerError", "The answer could not be encoded.")
		return
	}
	c.w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// writeCollection answers the objects in value as a Graph collection whose
// @odata.context names entitySet (servicePrincipals, directoryObjects…).
func (c *call) writeCollection(entitySet string, value any) {
	c.write(http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#" + entitySet, "value": value})
}

// notFound is Graph's answer for an object id that names nothing.
func notFound(id string) *azerr.Error {
	return azerr.NotFound("Request_ResourceNotFound", "",
		"Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
}

// denied is Graph's answer to a change the caller may not make.
func denied() *azerr.Error {
	return azerr.Forbidden("Authorization_RequestDenied", "", "Insufficient privileges to complete the operation.")
}

// checkMayChange answers denied unless caller may change app and its
// service principal (see MayChange).
func checkMayChange(r store.Reader, caller string, app *Application) error {
	ok, err := MayChange(r, caller, app)
	if err != nil {
		return err
	}
	if !ok {
		return denied()
	}
	return nil
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
	c := &call{w: w, r: r, requestID: arm.NewUUID()}
	// Graph echoes the client's client-request-id, or uses its own id.
	c.clientRequestID = r.Header.Get("client-request-id")
	if c.clientRequestID == "" || !isGUIDish(c.clientRequestID) {
		c.clientRequestID = c.requestID
	}
	w.Header().Set("request-id", c.requestID)
	w.Header().Set("client-request-id", c.clientRequestID)
	caller, err := g.Authn.Authenticate(r)
	if err != nil {
		c.fail(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. %s", err.Error())
		return
	}
	c.caller = caller.ObjectID
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1.0/"), "/"), "/")
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || (len(body) > 0 && !json.Valid(body)) {
			c.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
			return
		}
		c.body = body
	}
	switch {
	case strings.EqualFold(segs[0], "servicePrincipals"):
		g.servicePrincipals(c, segs[1:])
	case strings.EqualFold(segs[0], "applications"):
		g.applications(c, segs[1:])
	case len(segs) == 2 && strings.EqualFold(segs[0], "directoryObjects") && strings.EqualFold(segs[1], "getByIds") && r.Method == http.MethodPost:
		g.getByIDs(c)
	default:
		c.fail(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '%s'.", segs[0])
	}
}

// isGUIDish reports whether s is short and printable enough to echo in a
// header: a client-request-id is a GUID, never free text.
func isGUIDish(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if ch := s[i]; !(ch == '-' || '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z') {
			return false
		}
	}
	return true
}

// view runs fn in a read transaction; on an error it answers a 500 (the
// cause stays on the server) and reports false.
func (g *Graph) view(c *call, fn func(store.Reader) error) bool {
	if err := g.Store.View(fn); err != nil {
		slog.Error("graph: read the directory", "requestId", c.requestID, "err", err)
		c.fail(http.StatusInternalServerError, "InternalServerError", "The directory could not be read.")
		return false
	}
	return true
}

// change runs fn in a transaction and answers err's status, or ok when fn
// succeeds.
func (g *Graph) change(c *call, what string, fn func(tx store.Tx) error, ok func()) {
	if err := g.Store.Update(c.r.Context(), fn); err != nil {
		c.failWith(err, what)
		return
	}
	ok()
}

func noContent(c *call) func() { return func() { c.w.WriteHeader(http.StatusNoContent) } }

// graphRoute is one request a Graph collection answers: n path segments
// after the collection, the second of them sub (any when ""), the last of
// them last (any when ""), and the method.
type graphRoute struct {
	n         int
	sub, last string
	method    string
	handle    func(g *Graph, c *call, rest []string)
}

// matches reports whether the route answers method on rest. The second
// segment is compared without case, as Graph does; the last exactly.
func (rt graphRoute) matches(rest []string, method string) bool {
	return len(rest) == rt.n && method == rt.method &&
		(rt.sub == "" || strings.EqualFold(rest[1], rt.sub)) &&
		(rt.last == "" || rest[len(rest)-1] == rt.last)
}

// dispatch runs the first route that matches the request, or answers 405.
func (g *Graph) dispatch(c *call, rest []string, routes []graphRoute) {
	for _, rt := range routes {
		if rt.matches(rest, c.r.Method) {
			rt.handle(g, c, rest)
			return
		}
	}
	c.fail(http.StatusMethodNotAllowed, "Request_BadRequest", "Unsupported request %s %s.", c.r.Method, c.r.URL.Path)
}

// spRoutes are the requests /servicePrincipals answers.
var spRoutes = []graphRoute{
	{n: 0, method: http.MethodGet, handle: (*Graph).listSPs},
	{n: 0, method: http.MethodPost, handle: (*Graph).createSP},
	{n: 1, method: http.MethodGet, handle: (*Graph).getSP},
	{n: 1, method: http.MethodDelete, handle: (*Graph).deleteSP},
}

func (g *Graph) servicePrincipals(c *call, rest []string) { g.dispatch(c, rest, spRoutes) }

// listSPs answers the service principals, filtered by one eqFilter clause.
func (g *Graph) listSPs(c *call, _ []string) {
	f := c.r.URL.Query().Get("$filter")
	m := eqFilter.FindStringSubmatch(f)
	if f != "" && m == nil {
		c.fail(http.StatusBadRequest, "BadRequest", "Invalid filter clause: '%s' is not supported by aksnet.", f)
		return
	}
	out := []graphSP{}
	if !g.view(c, func(rd store.Reader) error {
		return Principals(rd, func(p *identity.Principal) bool {
			if m == nil || matchSP(m, p) {
				out = append(out, spJSON(p, false))
			}
			return true
		})
	}) {
		return
	}
	c.writeCollection("servicePrincipals", out)
}

// createSP creates the service principal of an application the caller may
// change; an application has at most one.
func (g *Graph) createSP(c *call, _ []string) {
	var req struct {
		AppID string `json:"appId"`
	}
	if !c.decode(&req) {
		return
	}
	var out *identity.Principal
	g.change(c, "The service principal", func(tx store.Tx) error {
		app, ok, err := ApplicationByAppID(tx, req.AppID)
		if err != nil {
			return err
		}
		if !ok {
			return azerr.BadRequest("Request_BadRequest", "appId", "The appId '%s' of the service principal does not reference a valid application object.", req.AppID)
		}
		if err := checkMayChange(tx, c.caller, app); err != nil {
			return err
		}
		if existing, err := PrincipalByAppID(tx, req.AppID); err != nil {
			return err
		} else if existing != nil {
			return azerr.Conflict("Request_MultipleObjectsWithSameKeyValue", "appId", "The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", req.AppID)
		}
		out = &identity.Principal{ObjectID: arm.NewUUID(), AppID: app.AppID, DisplayName: app.DisplayName, Type: identity.PrincipalTypeServicePrincipal,
			TenantID: g.TenantID, ServicePrincipalNames: []string{app.AppID}}
		return PutPrincipal(tx, out)
	}, func() { c.write(http.StatusCreated, spJSON(out, false)) })
}

// getSP answers the service principal with object ID rest[0].
func (g *Graph) getSP(c *call, rest []string) {
	var p *identity.Principal
	if !g.view(c, func(rd store.Reader) (err error) { p, _, err = GetPrincipal(rd, rest[0]); return err }) {
		return
	}
	if p == nil {
		c.failWith(notFound(rest[0]), "")
		return
	}
	c.write(http.StatusOK, spJSON(p, false))
}

// deleteSP deletes the service principal with object ID rest[0].
func (g *Graph) deleteSP(c *call, rest []string) {
	g.change(c, "The service principal", func(tx store.Tx) error {
		p, ok, err := GetPrincipal(tx, rest[0])
		if err != nil {
			return err
		}
		if !ok {
			return notFound(rest[0])
		}
		// The principal's application decides who owns it; one with
		// none (the admin, a managed identity) only an administrator
		// may delete.
		app, _, err := ApplicationByAppID(tx, p.AppID)
		if err != nil {
			return err
		}
		if err := checkMayChange(tx, c.caller, app); err != nil {
			return err
		}
		return DeletePrincipal(tx, p.ObjectID)
	}, noContent(c))
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

func (g *Graph) getByIDs(c *call) {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil {
		c.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	var out []graphSP
	if !g.view(c, func(rd store.Reader) (err error) { out, err = directoryObjects(rd, req.IDs); return err }) {
		return
	}
	c.writeCollection("directoryObjects", out)
}

// directoryObjects returns, typed, the service principals of ids that are
// in the directory, as getByIds and the owners list answer them.
func directoryObjects(rd store.Reader, ids []string) ([]graphSP, error) {
	out := []graphSP{}
	for _, id := range ids {
		p, ok, err := GetPrincipal(rd, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, spJSON(p, true))
		}
	}
	return out, nil
}

// changeApp loads the application with id inside a transaction, checks that
// the caller may change it, and runs fn on it; fn returns whether to store
// the application again (false when it changed nothing or deleted it).
func (g *Graph) changeApp(c *call, id string, fn func(tx store.Tx, a *Application) (bool, error), ok func()) {
	g.change(c, "The application", func(tx store.Tx) error {
		a, found, err := GetApplication(tx, id)
		if err != nil {
			return err
		}
		if !found {
			return notFound(id)
		}
		if err := checkMayChange(tx, c.caller, a); err != nil {
			return err
		}
		save, err := fn(tx, a)
		if err != nil || !save {
			return err
		}
		return PutApplication(tx, a)
	}, ok)
}

// appRoutes are the requests /applications answers.
var appRoutes = []graphRoute{
	{n: 0, method: http.MethodGet, handle: (*Graph).listApps},
	{n: 0, method: http.MethodPost, handle: (*Graph).createApp},
	{n: 1, method: http.MethodGet, handle: (*Graph).getApp},
	{n: 1, method: http.MethodPatch, handle: (*Graph).patchApp},
	{n: 1, method: http.MethodDelete, handle: (*Graph).deleteApp},
	{n: 2, sub: "removePassword", method: http.MethodPost, handle: (*Graph).removePassword},
	{n: 2, sub: "addPassword", method: http.MethodPost, handle: (*Graph).addPassword},
	{n: 2, sub: "owners", method: http.MethodGet, handle: func(g *Graph, c *call, rest []string) { g.listOwners(c, rest[0]) }},
	{n: 3, sub: "owners", last: "$ref", method: http.MethodPost, handle: func(g *Graph, c *call, rest []string) { g.addOwner(c, rest[0]) }},
	{n: 4, sub: "owners", last: "$ref", method: http.MethodDelete, handle: (*Graph).removeOwner},
}

func (g *Graph) applications(c *call, rest []string) { g.dispatch(c, rest, appRoutes) }

// listApps answers the applications, filtered by an appId or displayName
// clause of eqFilter.
func (g *Graph) listApps(c *call, _ []string) {
	f := c.r.URL.Query().Get("$filter")
	m := eqFilter.FindStringSubmatch(f)
	if f != "" && (m == nil || m[1] != "") {
		c.fail(http.StatusBadRequest, "BadRequest", "Invalid filter clause: '%s' is not supported by aksnet.", f)
		return
	}
	out := []graphApp{}
	if !g.view(c, func(rd store.Reader) error {
		return Applications(rd, func(a *Application) bool {
			if m == nil || matchApp(m, a) {
				out = append(out, appJSON(a))
			}
			return true
		})
	}) {
		return
	}
	c.writeCollection("applications", out)
}

// matchApp reports whether a matches the appId or displayName clause m
// (a match of eqFilter).
func matchApp(m []string, a *Application) bool {
	return (m[3] != "" && strings.EqualFold(a.AppID, m[4])) || (m[5] != "" && a.DisplayName == m[6]) ||
		(m[7] != "" && hasPrefixFold(a.DisplayName, m[8]))
}

// createApp registers an application.
func (g *Graph) createApp(c *call, _ []string) {
	var req struct {
		DisplayName string `json:"displayName"`
	}
	if !c.decode(&req) {
		return
	}
	if strings.TrimSpace(req.DisplayName) == "" {
		c.fail(http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' is required.")
		return
	}
	// Registering an application is open to every member, as in Entra
	// ID's default; the creator owns it.
	a := &Application{ID: arm.NewUUID(), AppID: arm.NewUUID(), DisplayName: req.DisplayName, Owners: []string{c.caller}}
	g.change(c, "The application", func(tx store.Tx) error { return PutApplication(tx, a) },
		func() { c.write(http.StatusCreated, appJSON(a)) })
}

// getApp answers the application with object ID rest[0].
func (g *Graph) getApp(c *call, rest []string) {
	var a *Application
	if !g.view(c, func(rd store.Reader) (err error) { a, _, err = GetApplication(rd, rest[0]); return err }) {
		return
	}
	if a == nil {
		c.failWith(notFound(rest[0]), "")
		return
	}
	c.write(http.StatusOK, appJSON(a))
}

// patchApp renames the application with object ID rest[0].
func (g *Graph) patchApp(c *call, rest []string) {
	var req struct {
		DisplayName *string `json:"displayName"`
	}
	if !c.decode(&req) {
		return
	}
	if req.DisplayName != nil && strings.TrimSpace(*req.DisplayName) == "" {
		c.fail(http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' cannot be empty.")
		return
	}
	g.changeApp(c, rest[0], func(_ store.Tx, a *Application) (bool, error) {
		if req.DisplayName != nil {
			a.DisplayName = *req.DisplayName
		}
		return true, nil
	}, noContent(c))
}

// deleteApp deletes the application with object ID rest[0] and its
// service principal.
func (g *Graph) deleteApp(c *call, rest []string) {
	g.changeApp(c, rest[0], func(tx store.Tx, a *Application) (bool, error) {
		p, err := PrincipalByAppID(tx, a.AppID)
		if err != nil {
			return false, err
		}
		if p != nil {
			if err := DeletePrincipal(tx, p.ObjectID); err != nil {
				return false, err
			}
		}
		return false, DeleteApplication(tx, a.ID)
	}, noContent(c))
}

// removePassword removes the secret with the request's keyId from the
// application with object ID rest[0].
func (g *Graph) removePassword(c *call, rest []string) {
	var req struct {
		KeyID string `json:"keyId"`
	}
	if !c.decode(&req) {
		return
	}
	g.changeApp(c, rest[0], func(_ store.Tx, a *Application) (bool, error) {
		kept := make([]identity.Secret, 0, len(a.Secrets))
		for _, sec := range a.Secrets {
			if !strings.EqualFold(sec.KeyID, req.KeyID) {
				kept = append(kept, sec)
			}
		}
		if len(kept) == len(a.Secrets) {
			return false, azerr.BadRequest("Request_BadRequest", "keyId", "No password credential with keyId '%s' exists on the application.", req.KeyID)
		}
		a.Secrets = kept
		return true, nil
	}, noContent(c))
}

// addPassword adds a new secret to the application with object ID rest[0]
// and answers it, the only time its text is shown.
func (g *Graph) addPassword(c *call, rest []string) {
	var req struct {
		PasswordCredential struct {
			DisplayName string    `json:"displayName"`
			EndDateTime time.Time `json:"endDateTime"`
		} `json:"passwordCredential"`
	}
	if !c.decode(&req) {
		return
	}
	plain, secret := identity.NewSecret()
	secret.DisplayName = req.PasswordCredential.DisplayName
	secret.EndDateTime = req.PasswordCredential.EndDateTime
	g.changeApp(c, rest[0], func(_ store.Tx, a *Application) (bool, error) {
		a.Secrets = append(a.Secrets, secret)
		return true, nil
	}, func() {
		c.write(http.StatusOK, passwordCredential{KeyID: secret.KeyID, DisplayName: secret.DisplayName, Hint: secret.Hint, SecretText: &plain,
			StartDateTime: time.Now().UTC().Format(time.RFC3339), EndDateTime: fmtTime(secret.EndDateTime)})
	})
}

// removeOwner removes owner rest[2] from the application with object ID
// rest[0].
func (g *Graph) removeOwner(c *call, rest []string) {
	owner := rest[2]
	g.changeApp(c, rest[0], func(_ store.Tx, a *Application) (bool, error) {
		kept := make([]string, 0, len(a.Owners))
		for _, o := range a.Owners {
			if !strings.EqualFold(o, owner) {
				kept = append(kept, o)
			}
		}
		if len(kept) == len(a.Owners) {
			return false, notFound(owner)
		}
		a.Owners = kept
		return true, nil
	}, noContent(c))
}

// listOwners answers the owners of application id that are still in the
// directory.
func (g *Graph) listOwners(c *call, id string) {
	var a *Application
	var out []graphSP
	if !g.view(c, func(rd store.Reader) error {
		var err error
		if a, _, err = GetApplication(rd, id); err != nil || a == nil {
			return err
		}
		out, err = directoryObjects(rd, a.Owners)
		return err
	}) {
		return
	}
	if a == nil {
		c.failWith(notFound(id), "")
		return
	}
	c.writeCollection("directoryObjects", out)
}

// addOwner adds the directory object the body's @odata.id names as an owner
// of application id.
func (g *Graph) addOwner(c *call, id string) {
	var req struct {
		ODataID string `json:"@odata.id"`
	}
	if !c.decode(&req) {
		return
	}
	i := strings.LastIndex(req.ODataID, "/")
	owner := req.ODataID[i+1:]
	if owner == "" {
		c.fail(http.StatusBadRequest, "Request_BadRequest", "Invalid object identifier '%s'.", req.ODataID)
		return
	}
	g.changeApp(c, id, func(tx store.Tx, a *Application) (bool, error) {
		p, ok, err := GetPrincipal(tx, owner)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, notFound(owner)
		}
		if a.OwnedBy(p.ObjectID) {
			return false, azerr.BadRequest("Request_BadRequest", "owners",
				"One or more added object references already exist for the following modified properties: 'owners'.")
		}
		a.Owners = append(a.Owners, p.ObjectID)
		return true, nil
	}, noContent(c))
}
