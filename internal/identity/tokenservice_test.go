package identity

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

const testExternalURL = "https://127.0.0.1:8443"

// fakeDirectory is a Directory over a map, keyed by lower-case app id.
type fakeDirectory struct {
	principals map[string]*Principal
	err        error
}

func (d *fakeDirectory) PrincipalByAppID(_ context.Context, appID string) (*Principal, error) {
	if d.err != nil {
		return nil, d.err
	}
	return d.principals[strings.ToLower(appID)], nil
}

type tokenFixture struct {
	srv       *httptest.Server
	ts        *TokenService
	iss       *Issuer
	dir       *fakeDirectory
	p         *Principal
	secret    string
	oldSecret string
}

func newTokenFixture(t *testing.T) *tokenFixture {
	t.Helper()
	iss, _ := newTestIssuer(t)
	iss.now = time.Now
	secret, s := NewSecret()
	oldSecret, old := NewSecret()
	old.EndDateTime = time.Now().Add(-time.Hour)
	p := &Principal{
		ObjectID: testPrincipal.ObjectID,
		AppID:    testPrincipal.AppID,
		TenantID: testPrincipal.TenantID,
		Type:     PrincipalTypeServicePrincipal,
		Secrets:  []Secret{s, old},
	}
	dir := &fakeDirectory{principals: map[string]*Principal{strings.ToLower(p.AppID): p}}
	ts := NewTokenService(iss, dir, testExternalURL+"/")
	srv := httptest.NewServer(ts.Handler())
	t.Cleanup(srv.Close)
	return &tokenFixture{srv: srv, ts: ts, iss: iss, dir: dir, p: p, secret: secret, oldSecret: oldSecret}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (f *tokenFixture) do(t *testing.T, method, path, contentType, body string, setup func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if setup != nil {
		setup(req)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("bad JSON %q: %v", raw, err)
		}
	}
	return r
}

func (f *tokenFixture) post(t *testing.T, path string, form url.Values) response {
	return f.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode(), nil)
}

func TestTokenHandler(t *testing.T) {
	f := newTokenFixture(t)
	tenant := f.p.TenantID
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	good := func(extra ...string) url.Values {
		return form(append([]string{"grant_type", "client_credentials", "client_id", f.p.AppID, "client_secret", f.secret}, extra...)...)
	}
	without := func(v url.Values, key string) url.Values { v.Del(key); return v }

	tests := []struct {
		name       string
		path       string
		form       url.Values
		wantStatus int
		wantError  string // OAuth error, "" for success
		wantCode   int    // AADSTS number
		wantAud    string // success: the aud claim
		wantV1     bool   // success: v1 fields present
	}{
		{"adfs scope as az sends it", "/adfs/oauth2/token", good("scope", "https://localhost:8443//.default"), 200, "", 0, "https://localhost:8443/", false},
		{"adfs management scope", "/adfs/oauth2/token", good("scope", "https://management.core.windows.net//.default"), 200, "", 0, "https://management.core.windows.net/", false},
		{"adfs scope with OIDC scopes", "/adfs/oauth2/token", good("scope", "https://localhost:8443//.default offline_access openid profile"), 200, "", 0, "https://localhost:8443/", false},
		{"adfs resource", "/adfs/oauth2/token", good("resource", "https://localhost:8443/"), 200, "", 0, "https://localhost:8443/", true},
		{"app id in other case", "/adfs/oauth2/token", form("grant_type", "client_credentials", "client_id", strings.ToUpper(f.p.AppID), "client_secret", f.secret, "scope", "https://x/.default"), 200, "", 0, "https://x", false},
		{"v2 tenant", "/" + tenant + "/oauth2/v2.0/token", good("scope", "https://graph.microsoft.com/.default"), 200, "", 0, "https://graph.microsoft.com", false},
		{"v1 resource form", "/" + tenant + "/oauth2/token", good("resource", "https://management.core.windows.net/"), 200, "", 0, "https://management.core.windows.net/", true},
		{"v1 tenant in upper case", "/" + strings.ToUpper(tenant) + "/oauth2/token", good("resource", "https://management.core.windows.net/"), 200, "", 0, "https://management.core.windows.net/", true},

		{"bad secret", "/adfs/oauth2/token", form("grant_type", "client_credentials", "client_id", f.p.AppID, "client_secret", "x"+f.secret[1:], "scope", "https://x/.default"), 401, "invalid_client", 7000215, "", false},
		{"secret id instead of secret", "/adfs/oauth2/token", form("grant_type", "client_credentials", "client_id", f.p.AppID, "client_secret", f.p.Secrets[0].KeyID, "scope", "https://x/.default"), 401, "invalid_client", 7000215, "", false},
		{"expired secret", "/adfs/oauth2/token", form("grant_type", "client_credentials", "client_id", f.p.AppID, "client_secret", f.oldSecret, "scope", "https://x/.default"), 401, "invalid_client", 7000222, "", false},
		{"unknown client", "/adfs/oauth2/token", form("grant_type", "client_credentials", "client_id", "44444444-4444-4444-8444-444444444444", "client_secret", f.secret, "scope", "https://x/.default"), 400, "unauthorized_client", 700016, "", false},
		{"wrong tenant", "/55555555-5555-4555-8555-555555555555/oauth2/v2.0/token", good("scope", "https://x/.default"), 400, "unauthorized_client", 700016, "", false},
		{"password grant", "/adfs/oauth2/token", form("grant_type", "password", "client_id", f.p.AppID, "username", "u", "password", "p", "scope", "https://x/.default"), 400, "unsupported_grant_type", 70003, "", false},
		{"refresh grant", "/adfs/oauth2/token", form("grant_type", "refresh_token", "refresh_token", "r"), 400, "unsupported_grant_type", 70003, "", false},
		{"missing grant_type", "/adfs/oauth2/token", without(good("scope", "https://x/.default"), "grant_type"), 400, "invalid_request", 900144, "", false},
		{"missing client_id", "/adfs/oauth2/token", without(good("scope", "https://x/.default"), "client_id"), 400, "invalid_request", 900144, "", false},
		{"missing client_secret", "/adfs/oauth2/token", without(good("scope", "https://x/.default"), "client_secret"), 401, "invalid_client", 7000218, "", false},
		{"missing scope", "/adfs/oauth2/token", good(), 400, "invalid_request", 900144, "", false},
		{"v2 with resource only", "/" + tenant + "/oauth2/v2.0/token", good("resource", "https://x/"), 400, "invalid_request", 900144, "", false},
		{"v1 with scope only", "/" + tenant + "/oauth2/token", good("scope", "https://x/.default"), 400, "invalid_request", 900144, "", false},
		{"scope without /.default", "/adfs/oauth2/token", good("scope", "https://graph.microsoft.com/User.Read"), 400, "invalid_scope", 1002012, "", false},
		{"scopes for two resources", "/adfs/oauth2/token", good("scope", "https://a/.default https://b/.default"), 400, "invalid_scope", 70011, "", false},
		{"only OIDC scopes", "/adfs/oauth2/token", good("scope", "openid profile"), 400, "invalid_scope", 70011, "", false},
		{"empty body", "/adfs/oauth2/token", url.Values{}, 400, "invalid_request", 900144, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.post(t, tt.path, tt.form)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.wantStatus, r.raw)
			}
			if tt.wantError != "" {
				checkOAuthError(t, r, tt.wantError, tt.wantCode)
				return
			}
			checkTokenResponse(t, f.iss, r, tt.wantAud, tt.wantV1)
		})
	}
}

func checkOAuthError(t *testing.T, r response, wantError string, wantCode int) {
	t.Helper()
	if r.body["error"] != wantError {
		t.Errorf("error %v, want %s; body %s", r.body["error"], wantError, r.raw)
	}
	codes, _ := r.body["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(wantCode) {
		t.Errorf("error_codes %v, want [%d]", r.body["error_codes"], wantCode)
	}
	desc, _ := r.body["error_description"].(string)
	if !strings.HasPrefix(desc, "AADSTS"+strconv.Itoa(wantCode)+": ") {
		t.Errorf("error_description %q does not start with AADSTS%d", desc, wantCode)
	}
	for _, k := range []string{"timestamp", "trace_id", "correlation_id"} {
		if s, _ := r.body[k].(string); s == "" {
			t.Errorf("%s missing", k)
		}
	}
	if _, ok := r.body["access_token"]; ok {
		t.Error("error response carries an access token")
	}
}

func checkTokenResponse(t *testing.T, iss *Issuer, r response, wantAud string, wantV1 bool) {
	t.Helper()
	if r.body["token_type"] != "Bearer" || r.body["expires_in"] != float64(3599) || r.body["ext_expires_in"] != float64(3599) {
		t.Errorf("token response %s", r.raw)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	tok, _ := r.body["access_token"].(string)
	c, err := iss.Verify(tok, acceptAudience(wantAud))
	if err != nil {
		t.Fatalf("issued token does not verify for %s: %v", wantAud, err)
	}
	if c.Audience != wantAud || c.ObjectID != testPrincipal.ObjectID || c.AppID != testPrincipal.AppID || c.TenantID != testPrincipal.TenantID {
		t.Errorf("claims %+v", c)
	}
	_, hasResource := r.body["resource"]
	if hasResource != wantV1 {
		t.Errorf("resource present %v, want %v: %s", hasResource, wantV1, r.raw)
	}
	if wantV1 {
		if r.body["resource"] != wantAud {
			t.Errorf("resource %v, want %s", r.body["resource"], wantAud)
		}
		on, _ := r.body["expires_on"].(string)
		sec, err := strconv.ParseInt(on, 10, 64)
		if err != nil || sec != c.ExpiresAt {
			t.Errorf("expires_on %q, token exp %d", on, c.ExpiresAt)
		}
	}
}

func TestTokenHandler_BasicAuth(t *testing.T) {
	f := newTokenFixture(t)
	body := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://x/.default"}}.Encode()
	basic := func(id, secret string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(id, secret) }
	}
	r := f.do(t, http.MethodPost, "/adfs/oauth2/token", "application/x-www-form-urlencoded", body, basic(f.p.AppID, f.secret))
	if r.status != 200 {
		t.Fatalf("basic auth: %d %s", r.status, r.raw)
	}
	checkTokenResponse(t, f.iss, r, "https://x", false)

	r = f.do(t, http.MethodPost, "/adfs/oauth2/token", "application/x-www-form-urlencoded", body, basic(f.p.AppID, "wrong"))
	if r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("basic auth, bad secret: %d, WWW-Authenticate %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	checkOAuthError(t, r, "invalid_client", 7000215)
}

func TestTokenHandler_Malformed(t *testing.T) {
	f := newTokenFixture(t)
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantError   string
		wantCode    int
	}{
		{"GET", http.MethodGet, "/adfs/oauth2/token", "", "", 405, "invalid_request", 900561},
		{"bad percent encoding", http.MethodPost, "/adfs/oauth2/token", form, "grant_type=%zz", 400, "invalid_request", 90013},
		{"JSON body", http.MethodPost, "/adfs/oauth2/token", "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request", 900144},
		{"too large", http.MethodPost, "/adfs/oauth2/token", form, "grant_type=client_credentials&pad=" + strings.Repeat("a", 70<<10), 413, "invalid_request", 90013},
		{"binary", http.MethodPost, "/adfs/oauth2/token", form, "\x00\xff\xfe=\x01&&==&", 400, "invalid_request", 900144},
		{"unknown path", http.MethodPost, "/adfs/oauth2/tokens", form, "", 404, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, tt.method, tt.path, tt.contentType, tt.body, nil)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.raw)
			}
			if tt.wantError != "" {
				checkOAuthError(t, r, tt.wantError, tt.wantCode)
			}
		})
	}
}

func TestTokenHandler_CorrelationID(t *testing.T) {
	f := newTokenFixture(t)
	const id = "6f1d2c3b-aaaa-4bbb-8ccc-123456789abc"
	r := f.do(t, http.MethodPost, "/adfs/oauth2/token", "application/x-www-form-urlencoded", "grant_type=x", func(r *http.Request) {
		r.Header.Set("client-request-id", id)
	})
	if r.body["correlation_id"] != id || r.header.Get("client-request-id") != id {
		t.Errorf("correlation id not echoed: %v, header %q", r.body["correlation_id"], r.header.Get("client-request-id"))
	}
	r = f.do(t, http.MethodPost, "/adfs/oauth2/token", "", "", func(r *http.Request) {
		r.Header.Set("client-request-id", "<script>")
	})
	if r.body["correlation_id"] == "<script>" {
		t.Error("unsafe client-request-id echoed")
	}
}

func TestTokenHandler_DirectoryError(t *testing.T) {
	f := newTokenFixture(t)
	f.dir.err = errors.New("store down")
	r := f.post(t, "/adfs/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {f.p.AppID}, "client_secret": {f.secret}, "scope": {"https://x/.default"},
	})
	if r.status != http.StatusInternalServerError || strings.Contains(r.raw, "store down") {
		t.Fatalf("status %d body %s", r.status, r.raw)
	}
}

func TestTokenHandler_KnownResource(t *testing.T) {
	f := newTokenFixture(t)
	f.ts.KnownResource = func(res string) bool { return NormalizeAudience(res) == "https://localhost:8443" }
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.p.AppID}, "client_secret": {f.secret}}
	creds.Set("scope", "https://localhost:8443//.default")
	if r := f.post(t, "/adfs/oauth2/token", creds); r.status != 200 {
		t.Fatalf("known resource refused: %d %s", r.status, r.raw)
	}
	creds.Set("scope", "https://unknown.example//.default")
	r := f.post(t, "/adfs/oauth2/token", creds)
	if r.status != 400 {
		t.Fatalf("unknown resource: status %d", r.status)
	}
	checkOAuthError(t, r, "invalid_resource", 500011)
}

// endpoints is what a discovery document must say of its issuer, its
// OAuth2 endpoints (below oauth2) and its keys.
func endpoints(issuer, oauth2, keys string) map[string]string {
	return map[string]string{
		"issuer":                        issuer,
		"authorization_endpoint":        oauth2 + "authorize",
		"token_endpoint":                oauth2 + "token",
		"jwks_uri":                      keys,
		"device_authorization_endpoint": oauth2 + "devicecode",
	}
}

func TestOpenIDConfigHandler(t *testing.T) {
	f := newTokenFixture(t)
	tenant := f.p.TenantID
	tests := []struct {
		path string
		want map[string]string
	}{
		{"/adfs/.well-known/openid-configuration", endpoints(testExternalURL+"/adfs", testExternalURL+"/adfs/oauth2/", testExternalURL+"/adfs/discovery/keys")},
		{"/" + tenant + "/v2.0/.well-known/openid-configuration", endpoints(testExternalURL+"/"+tenant+"/v2.0",
			testExternalURL+"/"+tenant+"/oauth2/v2.0/", testExternalURL+"/"+tenant+"/discovery/v2.0/keys")},
		{"/" + tenant + "/.well-known/openid-configuration", endpoints(testExternalURL+"/"+tenant+"/",
			testExternalURL+"/"+tenant+"/oauth2/", testExternalURL+"/"+tenant+"/discovery/keys")},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := f.do(t, http.MethodGet, tt.path, "", "", nil)
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			got := map[string]string{}
			for k := range tt.want {
				got[k], _ = r.body[k].(string)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("discovery document (-want +got):\n%s", diff)
			}
			if types, _ := r.body["response_types_supported"].([]any); len(types) == 0 {
				t.Error("response_types_supported missing")
			}
			// Every endpoint the document names is one the service serves.
			for _, k := range []string{"token_endpoint", "jwks_uri"} {
				u, err := url.Parse(got[k])
				if err != nil || !IsIdentityPath(u.Path) {
					t.Errorf("%s %q is not served", k, got[k])
				}
			}
		})
	}
	if r := f.do(t, http.MethodPost, "/adfs/.well-known/openid-configuration", "", "", nil); r.status != 405 {
		t.Errorf("POST: status %d, want 405", r.status)
	}
}

// TestJWKSHandler checks that a client can verify an issued token with
// nothing but the published key.
func TestJWKSHandler(t *testing.T) {
	f := newTokenFixture(t)
	tok := mustIssue(t, f.iss, f.p, testAudience, time.Hour)
	for _, path := range []string{"/adfs/discovery/keys", "/" + f.p.TenantID + "/discovery/v2.0/keys", "/" + f.p.TenantID + "/discovery/keys"} {
		r := f.do(t, http.MethodGet, path, "", "", nil)
		if r.status != 200 {
			t.Fatalf("%s: status %d", path, r.status)
		}
		var set struct{ Keys []JWK }
		if err := json.Unmarshal([]byte(r.raw), &set); err != nil || len(set.Keys) != 1 {
			t.Fatalf("%s: %s (%v)", path, r.raw, err)
		}
		k := set.Keys[0]
		if k.KeyType != "RSA" || k.KeyID != f.iss.KeyID() || k.Algorithm != "RS256" || k.Use != "sig" {
			t.Fatalf("%s: key %+v", path, k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"RS256"})); err != nil {
			t.Fatalf("%s: token does not verify with the published key: %v", path, err)
		}
	}
}

func TestIsIdentityPath(t *testing.T) {
	yes := []string{
		"/adfs/.well-known/openid-configuration", "/ADFS/oauth2/token", "/adfs/discovery/keys",
		"/t/v2.0/.well-known/openid-configuration", "/t/oauth2/v2.0/token", "/t/discovery/v2.0/keys",
		"/contoso.onmicrosoft.com/.well-known/openid-configuration", "/t/oauth2/token", "/t/discovery/keys",
		"/adfs/oauth2/token/",
	}
	no := []string{
		"", "/", "/adfs", "/adfs/oauth2", "/subscriptions", "/subscriptions/x/resourcegroups",
		"/t/oauth2/authorize", "/a/b/oauth2/token", "/t%20x/oauth2/token", "/../oauth2/token", "/t/oauth2/v2.0/token/x/y",
	}
	for _, p := range yes {
		if !IsIdentityPath(p) {
			t.Errorf("IsIdentityPath(%q) = false", p)
		}
	}
	for _, p := range no {
		if IsIdentityPath(p) {
			t.Errorf("IsIdentityPath(%q) = true", p)
		}
	}
}

// FuzzTokenHandler checks that no request body makes the token endpoint
// panic or answer with anything but JSON.
func FuzzTokenHandler(f *testing.F) {
	f.Add("/adfs/oauth2/token", "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://x/.default")
	f.Add("/t/oauth2/token", "grant_type=client_credentials&client_id=a&client_secret=b&resource=r")
	f.Add("/t/oauth2/v2.0/token", "grant_type=client_credentials&client_id=&client_secret=&scope=%2F.default")
	f.Add("/adfs/oauth2/token", "\x00%%%=&=")
	iss, _ := newTestIssuer(f)
	secret, s := NewSecret()
	p := &Principal{ObjectID: "o", AppID: "a", TenantID: "t", Secrets: []Secret{s}}
	f.Add("/t/oauth2/v2.0/token", "grant_type=client_credentials&client_id=a&client_secret="+secret+"&scope=https://x//.default")
	h := NewTokenService(iss, &fakeDirectory{principals: map[string]*Principal{"a": p}}, testExternalURL).TokenHandler()
	f.Fuzz(func(t *testing.T, path, body string) {
		u := &url.URL{Path: path}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.URL = u
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("not JSON: %q", w.Body.String())
		}
	})
}
