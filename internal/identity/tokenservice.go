package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// DefaultTokenLifetime is the lifetime of issued tokens; token responses
	// say expires_in 3599.
	DefaultTokenLifetime = 3599 * time.Second
	// maxBodyBytes bounds a token request body.
	maxBodyBytes = 64 << 10
)

// TokenService serves the OpenID Connect discovery document, the token
// endpoint and the signing keys, in three URL families:
//
//	ADFS (what az uses):  /adfs/.well-known/openid-configuration
//	                      /adfs/oauth2/token
//	                      /adfs/discovery/keys
//	Entra ID v2.0:        /{tenant}/v2.0/.well-known/openid-configuration
//	                      /{tenant}/oauth2/v2.0/token
//	                      /{tenant}/discovery/v2.0/keys
//	Entra ID v1:          /{tenant}/.well-known/openid-configuration
//	                      /{tenant}/oauth2/token
//	                      /{tenant}/discovery/keys
//
// Only the client-credentials grant with a client secret is supported.
type TokenService struct {
	issuer      *Issuer
	dir         Directory
	externalURL string

	// Lifetime of issued tokens; DefaultTokenLifetime unless changed before
	// the handlers are used.
	Lifetime time.Duration
	// KnownResource, when set, reports whether a token may be issued for a
	// resource; the token endpoint refuses others with AADSTS500011 at sign-in
	// rather than letting every later request fail.
	KnownResource func(resource string) bool
	// Limiter, when set, bounds token requests per client: a client over its
	// rate gets 429 temporarily_unavailable with Retry-After, which MSAL
	// honours.
	Limiter *RateLimiter
}

// NewTokenService returns a token service issuing tokens with issuer for
// principals found in dir. externalURL is the server's base URL as clients
// reach it (for example "https://127.0.0.1:8443"); discovery documents are
// built from it. MSAL for Go requires their issuer to have the same host as
// the authority the client was configured with.
func NewTokenService(issuer *Issuer, dir Directory, externalURL string) *TokenService {
	return &TokenService{
		issuer:      issuer,
		dir:         dir,
		externalURL: strings.TrimRight(externalURL, "/"),
		Lifetime:    DefaultTokenLifetime,
	}
}

// endpoint is one of the three things the service serves.
type endpoint int

const (
	endpointNone endpoint = iota
	endpointOpenIDConfig
	endpointToken
	endpointKeys
)

// flavour is the URL family a request came in through.
type flavour int

const (
	flavourADFS flavour = iota
	flavourV1
	flavourV2
)

// route is a parsed identity URL.
type route struct {
	endpoint endpoint
	flavour  flavour
	tenant   string // "" for ADFS
}

// parseRoute recognises the identity URLs listed on TokenService.
func parseRoute(path string) route {
	var seg []string
	for s := range strings.SplitSeq(path, "/") {
		if s != "" {
			seg = append(seg, s)
		}
	}
	if len(seg) < 3 || len(seg) > 4 || !validTenant(seg[0]) {
		return route{}
	}
	r := route{tenant: seg[0], flavour: flavourV1}
	rest := strings.Join(seg[1:], "/")
	switch rest {
	case ".well-known/openid-configuration":
		r.endpoint = endpointOpenIDConfig
	case "oauth2/token":
		r.endpoint = endpointToken
	case "discovery/keys":
		r.endpoint = endpointKeys
	case "v2.0/.well-known/openid-configuration":
		r.endpoint, r.flavour = endpointOpenIDConfig, flavourV2
	case "oauth2/v2.0/token":
		r.endpoint, r.flavour = endpointToken, flavourV2
	case "discovery/v2.0/keys":
		r.endpoint, r.flavour = endpointKeys, flavourV2
	default:
		return route{}
	}
	if strings.EqualFold(r.tenant, "adfs") {
		r.tenant, r.flavour = "", flavourADFS
	}
	return r
}

// validTenant accepts a tenant GUID, a domain name or "adfs", "common" and the
// like: letters, digits, '.', '-' and '_'.
func validTenant(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return s != "." && s != ".."
}

// IsIdentityPath reports whether path is one the token service serves; the
// front door uses it to hand such requests to Handler before resource
// routing.
func IsIdentityPath(path string) bool { return parseRoute(path).endpoint != endpointNone }

// Handler serves every identity URL and answers 404 to anything else.
func (s *TokenService) Handler() http.Handler {
	oidc, token, keys := s.OpenIDConfigHandler(), s.TokenHandler(), s.JWKSHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch parseRoute(r.URL.Path).endpoint {
		case endpointOpenIDConfig:
			oidc.ServeHTTP(w, r)
		case endpointToken:
			token.ServeHTTP(w, r)
		case endpointKeys:
			keys.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// OpenIDConfigHandler serves the discovery document at
// /adfs/.well-known/openid-configuration,
// /{tenant}/v2.0/.well-known/openid-configuration and
// /{tenant}/.well-known/openid-configuration, pointing at the endpoints of the
// same family.
func (s *TokenService) OpenIDConfigHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := parseRoute(r.URL.Path)
		if rt.endpoint != endpointOpenIDConfig {
			http.NotFound(w, r)
			return
		}
		if !readOnly(w, r) {
			return
		}
		writeJSON(w, http.StatusOK, s.openIDConfig(rt))
	})
}

// readOnly answers 405 to a request that is not a GET or HEAD, and reports
// whether the request may go on.
func readOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// openIDConfig builds the discovery document for a route.
func (s *TokenService) openIDConfig(rt route) map[string]any {
	var issuer, oauth2, keys string
	switch rt.flavour {
	case flavourADFS:
		issuer = s.externalURL + "/adfs"
		oauth2 = s.externalURL + "/adfs/oauth2/"
		keys = s.externalURL + "/adfs/discovery/keys"
	case flavourV2:
		issuer = s.externalURL + "/" + rt.tenant + "/v2.0"
		oauth2 = s.externalURL + "/" + rt.tenant + "/oauth2/v2.0/"
		keys = s.externalURL + "/" + rt.tenant + "/discovery/v2.0/keys"
	default:
		issuer = s.externalURL + "/" + rt.tenant + "/"
		oauth2 = s.externalURL + "/" + rt.tenant + "/oauth2/"
		keys = s.externalURL + "/" + rt.tenant + "/discovery/keys"
	}
	return map[string]any{
		"issuer":                                issuer,
		"access_token_issuer":                   s.issuer.URL(),
		"authorization_endpoint":                oauth2 + "authorize",
		"token_endpoint":                        oauth2 + "token",
		"device_authorization_endpoint":         oauth2 + "devicecode",
		"end_session_endpoint":                  oauth2 + "logout",
		"jwks_uri":                              keys,
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"grant_types_supported":                 []string{"client_credentials"},
		"subject_types_supported":               []string{"pairwise"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"claims_supported":                      []string{"aud", "iss", "iat", "nbf", "exp", "sub", "oid", "tid", "appid", "idtyp", "ver"},
		"tenant_region_scope":                   nil,
		"cloud_instance_name":                   "aksnet",
	}
}

// JWKSHandler serves the issuer's public key at /adfs/discovery/keys,
// /{tenant}/discovery/v2.0/keys and /{tenant}/discovery/keys.
func (s *TokenService) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if parseRoute(r.URL.Path).endpoint != endpointKeys {
			http.NotFound(w, r)
			return
		}
		if !readOnly(w, r) {
			return
		}
		writeJSON(w, http.StatusOK, map[string][]JWK{"keys": {s.issuer.JWK()}})
	})
}

// oauthError is an Entra ID token endpoint error.
type oauthError struct {
	status      int
	code        string // OAuth 2.0 error, e.g. "invalid_client"
	aadsts      int    // Entra ID error number, e.g. 7000215
	description string
}

func newOAuthError(status int, code string, aadsts int, format string, args ...any) *oauthError {
	return &oauthError{status: status, code: code, aadsts: aadsts, description: fmt.Sprintf(format, args...)}
}

func missingParam(name string) *oauthError {
	return newOAuthError(http.StatusBadRequest, "invalid_request", 900144,
		"The request body must contain the following parameter: '%s'.", name)
}

// tokenResponse is a successful token endpoint answer. The v1 fields are set
// only when the client asked with resource=, and are strings as Entra ID v1
// sends them.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	ExpiresOn    string `json:"expires_on,omitempty"`
	NotBefore    string `json:"not_before,omitempty"`
	Resource     string `json:"resource,omitempty"`
	AccessToken  string `json:"access_token"`
}

// TokenHandler serves the token endpoints: POST /adfs/oauth2/token,
// /{tenant}/oauth2/v2.0/token and /{tenant}/oauth2/token, with a
// form-encoded client-credentials request. The client authenticates with
// client_id and client_secret in the body or with HTTP Basic. The v2.0
// endpoint takes scope=<resource>/.default, the v1 endpoint resource=, and
// the ADFS endpoint either. Errors are OAuth 2.0 JSON with Entra ID's AADSTS
// codes.
func (s *TokenService) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		corr := correlationID(r)
		w.Header().Set("client-request-id", corr)
		resp, oerr := s.token(w, r)
		if oerr != nil {
			writeOAuthError(w, oerr, corr)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, http.StatusOK, resp)
	})
}

// token handles one token request.
func (s *TokenService) token(w http.ResponseWriter, r *http.Request) (*tokenResponse, *oauthError) {
	rt, form, oerr := readTokenRequest(w, r)
	if oerr != nil {
		return nil, oerr
	}
	c, oerr := clientCredentials(r, form)
	if oerr != nil {
		return nil, oerr
	}
	// Throttling comes before the presence checks and the directory lookup.
	if s.Limiter != nil {
		if ok, wait := s.Limiter.Allow(clientKey(r, c.id)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
			return nil, newOAuthError(http.StatusTooManyRequests, "temporarily_unavailable", 50196,
				"The server terminated an operation because it encountered a client request loop. Please contact your app vendor.")
		}
	}
	if c.id == "" {
		return nil, missingParam("client_id")
	}
	if c.secret == "" {
		return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}

	resource, v1, oerr := requestedResource(rt.flavour, form.Get("scope"), form.Get("resource"))
	if oerr != nil {
		return nil, oerr
	}
	p, oerr := s.authenticate(w, r, rt, c)
	if oerr != nil {
		return nil, oerr
	}
	if s.KnownResource != nil && !s.KnownResource(resource) {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_resource", 500011,
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application "+
				"has not been installed by the administrator of the tenant or consented to by any user in the tenant. "+
				"You might have sent your authentication request to the wrong tenant.", resource, p.TenantID)
	}
	return s.issue(p, resource, v1)
}

// readTokenRequest checks that r is a POST to a token endpoint with a
// form, of at most maxBodyBytes, that asks for the client_credentials
// grant, and returns its route and form.
func readTokenRequest(w http.ResponseWriter, r *http.Request) (route, url.Values, *oauthError) {
	rt := parseRoute(r.URL.Path)
	if rt.endpoint != endpointToken {
		return rt, nil, newOAuthError(http.StatusNotFound, "invalid_request", 900561, "The endpoint %s does not exist.", r.URL.Path)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return rt, nil, newOAuthError(http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts POST requests. Received a %s request.", r.Method)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return rt, nil, newOAuthError(http.StatusRequestEntityTooLarge, "invalid_request", 90013,
				"Invalid input received from the user: request body larger than %d bytes.", maxBodyBytes)
		}
		return rt, nil, newOAuthError(http.StatusBadRequest, "invalid_request", 90013,
			"Invalid input received from the user: %v.", err)
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); grant {
	case "":
		return rt, nil, missingParam("grant_type")
	case "client_credentials":
		return rt, form, nil
	default:
		return rt, nil, newOAuthError(http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '%s'.", grant)
	}
}

// credentials are the client ID and secret of a token request; basic says
// they came in an Authorization: Basic header.
type credentials struct {
	id, secret string
	basic      bool
}

// clientCredentials reads the client's credentials from the form or, when
// present, the Authorization header, which must then name the same client.
func clientCredentials(r *http.Request, form url.Values) (credentials, *oauthError) {
	c := credentials{id: form.Get("client_id"), secret: form.Get("client_secret")}
	basicID, basicSecret, basic := r.BasicAuth()
	if !basic {
		return c, nil
	}
	if c.id != "" && c.id != basicID {
		return c, newOAuthError(http.StatusBadRequest, "invalid_request", 90013,
			"Invalid input received from the user: client_id differs from the Authorization header.")
	}
	return credentials{id: basicID, secret: basicSecret, basic: true}, nil
}

// authenticate finds the principal of c in the route's tenant (any tenant
// when the route names none) and checks its secret.
func (s *TokenService) authenticate(w http.ResponseWriter, r *http.Request, rt route, c credentials) (*Principal, *oauthError) {
	p, err := s.dir.PrincipalByAppID(r.Context(), c.id)
	if err != nil {
		return nil, newOAuthError(http.StatusInternalServerError, "temporarily_unavailable", 90033,
			"A transient error has occurred. Please try again.")
	}
	directory := rt.tenant
	if directory == "" && p != nil {
		directory = p.TenantID
	}
	if p == nil || (rt.tenant != "" && !strings.EqualFold(rt.tenant, p.TenantID)) {
		return nil, newOAuthError(http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application "+
				"has not been installed by the administrator of the tenant or consented to by any user in the tenant. "+
				"You may have sent your authentication request to the wrong tenant.", c.id, directory)
	}
	switch ok, expired := p.matchSecret(c.secret, s.issuer.now()); {
	case ok:
		return p, nil
	case expired:
		return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 7000222,
			"The provided client secret keys for app '%s' are expired.", p.AppID)
	default:
		if c.basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="aksnet"`)
		}
		return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 7000215,
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "+
				"not the client secret ID, for a secret added to app '%s'.", p.AppID)
	}
}

// issue signs a token for p and resource; a v1 request also gets the v1
// fields expires_on, not_before and resource.
func (s *TokenService) issue(p *Principal, resource string, v1 bool) (*tokenResponse, *oauthError) {
	token, expiresIn, err := s.issuer.Issue(p, resource, s.Lifetime)
	if err != nil {
		return nil, newOAuthError(http.StatusInternalServerError, "temporarily_unavailable", 90033,
			"A transient error has occurred. Please try again.")
	}
	resp := &tokenResponse{TokenType: "Bearer", ExpiresIn: expiresIn, ExtExpiresIn: expiresIn, AccessToken: token}
	if v1 {
		now := s.issuer.now()
		resp.ExpiresOn = strconv.FormatInt(now.Unix()+int64(expiresIn), 10)
		resp.NotBefore = strconv.FormatInt(now.Unix(), 10)
		resp.Resource = resource
	}
	return resp, nil
}

// requestedResource returns the resource a token request asks for and
// whether it asked the v1 way (resource=). The v2.0 endpoint takes scope
// only, the v1 endpoint resource only (a scope beside it is ignored, as
// Entra ID does), ADFS either.
func requestedResource(f flavour, scope, resource string) (string, bool, *oauthError) {
	useResource := f == flavourV1 || (f == flavourADFS && scope == "" && resource != "")
	if useResource {
		if resource == "" {
			return "", false, missingParam("resource")
		}
		return resource, true, nil
	}
	if scope == "" {
		return "", false, missingParam("scope")
	}
	r, err := resourceFromScope(scope)
	switch {
	case errors.Is(err, errNotDefaultScope):
		return "", false, newOAuthError(http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with "+
				"/.default suffixed to the resource identifier (application ID URI).", scope)
	case err != nil:
		return "", false, newOAuthError(http.StatusBadRequest, "invalid_scope", 70011,
			"The provided request must include a 'scope' input parameter. The provided value for the input "+
				"parameter 'scope' is not valid (%s): %s.", err, scope)
	}
	return r, false, nil
}

// correlationID returns the client-request-id the client sent, which Entra ID
// echoes as correlation_id, or a new one.
func correlationID(r *http.Request) string {
	id := r.Header.Get("client-request-id")
	if len(id) == 0 || len(id) > 64 || !validTenant(id) {
		return newUUID()
	}
	return id
}

func writeOAuthError(w http.ResponseWriter, e *oauthError, corr string) {
	now := time.Now().UTC()
	trace := newUUID()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.status, map[string]any{
		"error": e.code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.aadsts, e.description, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{e.aadsts},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
