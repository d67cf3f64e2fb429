package identity

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

const (
	testIssuerURL = "https://127.0.0.1:8443/adfs"
	testAudience  = "https://localhost:8443/"
)

// testKeyPEM is one RSA key shared by the tests that do not test key creation;
// generating a 2048-bit key takes a while.
var testKeyPEM = sync.OnceValue(func() []byte {
	b, err := newRSAKeyPEM()
	if err != nil {
		panic(err)
	}
	return b
})

// newTestIssuer returns an Issuer using the shared test key and a fixed clock
// the test may move.
func newTestIssuer(t testing.TB) (*Issuer, *testClock) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := os.WriteFile(path, testKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(path, testIssuerURL)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Unix(1_800_000_000, 0)}
	iss.now = clock.now
	return iss, clock
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var testPrincipal = &Principal{
	ObjectID: "11111111-1111-4111-8111-111111111111",
	AppID:    "22222222-2222-4222-8222-222222222222",
	TenantID: "33333333-3333-4333-8333-333333333333",
	Type:     PrincipalTypeServicePrincipal,
}

func acceptAudience(want string) func(string) bool {
	return func(aud string) bool { return NormalizeAudience(aud) == NormalizeAudience(want) }
}

func mustIssue(t testing.TB, iss *Issuer, p *Principal, aud string, ttl time.Duration) string {
	t.Helper()
	tok, _, err := iss.Issue(p, aud, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestIssuer_IssueVerify_Claims(t *testing.T) {
	iss, clock := newTestIssuer(t)
	p := *testPrincipal
	p.ManagedIdentityResourceID = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"
	tok, expiresIn, err := iss.Issue(&p, testAudience, DefaultTokenLifetime)
	if err != nil {
		t.Fatal(err)
	}
	if expiresIn != 3599 {
		t.Errorf("expiresIn = %d, want 3599", expiresIn)
	}
	got, err := iss.Verify(tok, acceptAudience("https://LOCALHOST:8443"))
	if err != nil {
		t.Fatal(err)
	}
	now := clock.now().Unix()
	want := &Claims{
		Audience: testAudience, Issuer: testIssuerURL,
		Subject: p.ObjectID, ObjectID: p.ObjectID, AppID: p.AppID, TenantID: p.TenantID,
		IDType: "app", AppIDACR: "1", Version: "1.0", TokenID: got.TokenID,
		IssuedAt: now, NotBefore: now, ExpiresAt: now + 3599,
		ManagedIdentityResourceID: p.ManagedIdentityResourceID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if len(got.TokenID) < 16 {
		t.Errorf("uti %q too short", got.TokenID)
	}

	// The header carries alg RS256 and the key id; aud is a plain string as in
	// Entra ID tokens.
	parts := strings.Split(tok, ".")
	var header map[string]any
	decodeSegment(t, parts[0], &header)
	if header["alg"] != "RS256" || header["kid"] != iss.KeyID() || iss.KeyID() == "" {
		t.Errorf("header = %v, kid %q", header, iss.KeyID())
	}
	var raw map[string]any
	decodeSegment(t, parts[1], &raw)
	if _, ok := raw["aud"].(string); !ok {
		t.Errorf("aud is %T, want string", raw["aud"])
	}
}

func TestIssuer_Issue_Invalid(t *testing.T) {
	iss, _ := newTestIssuer(t)
	tests := []struct {
		name string
		p    *Principal
		aud  string
		ttl  time.Duration
	}{
		{"nil principal", nil, testAudience, time.Hour},
		{"no object id", &Principal{AppID: "a"}, testAudience, time.Hour},
		{"no app id", &Principal{ObjectID: "o"}, testAudience, time.Hour},
		{"no audience", testPrincipal, "", time.Hour},
		{"no lifetime", testPrincipal, testAudience, 0},
	}
	for _, tt := range tests {
		if _, _, err := iss.Issue(tt.p, tt.aud, tt.ttl); err == nil {
			t.Errorf("%s: Issue succeeded", tt.name)
		}
	}
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func encodeSegment(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestIssuer_Verify_Rejects covers tokens Verify must refuse, each with the
// kind of error the ARM layer maps to its own code.
func TestIssuer_Verify_Rejects(t *testing.T) {
	iss, clock := newTestIssuer(t)
	good := mustIssue(t, iss, testPrincipal, testAudience, time.Hour)
	parts := strings.Split(good, ".")

	var claims map[string]any
	decodeSegment(t, parts[1], &claims)
	forged := func(change func(map[string]any)) string {
		c := map[string]any{}
		for k, v := range claims {
			c[k] = v
		}
		change(c)
		return parts[0] + "." + encodeSegment(t, c) + "." + parts[2]
	}
	pubPEM := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(&iss.key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()
	signWith := func(m jwt.SigningMethod, key any, header map[string]any) string {
		tok := jwt.NewWithClaims(m, jwt.MapClaims(claims))
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Flip a character in the middle of the signature: the last character
	// only partly encodes bytes.
	sig := []byte(parts[2])
	mid := len(sig) / 2
	if sig[mid] == 'A' {
		sig[mid] = 'B'
	} else {
		sig[mid] = 'A'
	}
	otherIssuerKey, _ := newTestIssuer(t) // same key as iss, different URL
	otherIssuerKey.url = "https://evil/adfs"

	expiredIssuer, _ := newTestIssuer(t)
	expiredIssuer.now = func() time.Time { return clock.now().Add(-time.Hour - ClockSkew - time.Second) }
	expired := mustIssue(t, expiredIssuer, testPrincipal, testAudience, time.Hour)
	futureIssuer, _ := newTestIssuer(t)
	futureIssuer.now = func() time.Time { return clock.now().Add(ClockSkew + time.Minute) }
	future := mustIssue(t, futureIssuer, testPrincipal, testAudience, time.Hour)

	tests := []struct {
		name   string
		token  string
		accept func(string) bool
		want   error
	}{
		{"empty", "", acceptAudience(testAudience), ErrTokenInvalid},
		{"garbage", "not.a.jwt", acceptAudience(testAudience), ErrTokenInvalid},
		{"two parts", parts[0] + "." + parts[1], acceptAudience(testAudience), ErrTokenInvalid},
		{"huge", strings.Repeat("a", maxTokenLen+1), acceptAudience(testAudience), ErrTokenInvalid},
		{"tampered signature", parts[0] + "." + parts[1] + "." + string(sig), acceptAudience(testAudience), ErrTokenInvalid},
		{"no signature", parts[0] + "." + parts[1] + ".", acceptAudience(testAudience), ErrTokenInvalid},
		{"tampered claims", forged(func(c map[string]any) { c["oid"] = "someone-else" }), acceptAudience(testAudience), ErrTokenInvalid},
		{"tampered audience", forged(func(c map[string]any) { c["aud"] = "https://other/" }), acceptAudience("https://other/"), ErrTokenInvalid},
		{"alg none", signWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil), acceptAudience(testAudience), ErrTokenInvalid},
		{"HS256 with the public key as secret", signWith(jwt.SigningMethodHS256, pubPEM, map[string]any{"kid": iss.KeyID()}), acceptAudience(testAudience), ErrTokenInvalid},
		{"RS512 with the right key", signWith(jwt.SigningMethodRS512, iss.key, map[string]any{"kid": iss.KeyID()}), acceptAudience(testAudience), ErrTokenInvalid},
		{"unknown kid", signWith(jwt.SigningMethodRS256, iss.key, map[string]any{"kid": "other"}), acceptAudience(testAudience), ErrTokenInvalid},
		{"other issuer's key", mustIssue(t, mustOtherKeyIssuer(t), testPrincipal, testAudience, time.Hour), acceptAudience(testAudience), ErrTokenInvalid},
		{"our key, other iss", mustIssue(t, otherIssuerKey, testPrincipal, testAudience, time.Hour), acceptAudience(testAudience), ErrTokenInvalid},
		{"no oid", forgedSigned(t, iss, claims, "oid"), acceptAudience(testAudience), ErrTokenInvalid},
		{"no exp", forgedSigned(t, iss, claims, "exp"), acceptAudience(testAudience), ErrTokenInvalid},
		{"expired beyond skew", expired, acceptAudience(testAudience), ErrTokenExpired},
		{"not yet valid beyond skew", future, acceptAudience(testAudience), ErrTokenInvalid},
		{"wrong audience", good, acceptAudience("https://management.core.windows.net/"), ErrTokenAudience},
		{"nil audience check", good, nil, ErrTokenAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := iss.Verify(tt.token, tt.accept)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify err = %v, want %v", err, tt.want)
			}
			if c != nil {
				t.Errorf("claims returned with error: %+v", c)
			}
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not a *TokenError", err)
			}
			if az := te.AzureError(); az.Status != http.StatusUnauthorized || az.Code == "" {
				t.Errorf("AzureError = %+v", az)
			}
		})
	}
	// The genuine token still verifies: the cases above fail for their own
	// reason, not because the issuer is broken.
	if _, err := iss.Verify(good, acceptAudience(testAudience)); err != nil {
		t.Fatalf("good token: %v", err)
	}
}

// forgedSigned returns a token signed with iss's key whose claims are claims
// without the named one.
func forgedSigned(t *testing.T, iss *Issuer, claims map[string]any, drop string) string {
	t.Helper()
	c := jwt.MapClaims{}
	for k, v := range claims {
		if k != drop {
			c[k] = v
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = iss.KeyID()
	s, err := tok.SignedString(iss.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustOtherKeyIssuer(t *testing.T) *Issuer {
	t.Helper()
	iss, err := NewIssuer(filepath.Join(t.TempDir(), "k.pem"), testIssuerURL)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func TestIssuer_Verify_AzureErrorCodes(t *testing.T) {
	for kind, code := range map[error]string{
		ErrTokenExpired:  "ExpiredAuthenticationToken",
		ErrTokenInvalid:  "InvalidAuthenticationToken",
		ErrTokenAudience: "InvalidAuthenticationTokenAudience",
	} {
		if got := (&TokenError{Kind: kind}).AzureError().Code; got != code {
			t.Errorf("%v: code %q, want %q", kind, got, code)
		}
	}
}

func TestIssuer_Verify_ClockSkew(t *testing.T) {
	iss, clock := newTestIssuer(t)
	tok := mustIssue(t, iss, testPrincipal, testAudience, time.Hour)
	accept := acceptAudience(testAudience)

	clock.advance(time.Hour + ClockSkew - time.Second)
	if _, err := iss.Verify(tok, accept); err != nil {
		t.Fatalf("token within skew after exp: %v", err)
	}
	clock.advance(2 * time.Second)
	if _, err := iss.Verify(tok, accept); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("token past exp+skew: err = %v, want expired", err)
	}
	if n := iss.cache.len(); n != 0 {
		t.Errorf("expired token still cached (%d entries)", n)
	}

	early, _ := newTestIssuer(t)
	early.now = func() time.Time { return clock.now().Add(ClockSkew - time.Second) }
	tok = mustIssue(t, early, testPrincipal, testAudience, time.Hour)
	if _, err := iss.Verify(tok, accept); err != nil {
		t.Fatalf("token with nbf within skew ahead: %v", err)
	}
}

// TestIssuer_Verify_Cached checks that the cache changes cost, not results.
func TestIssuer_Verify_Cached(t *testing.T) {
	iss, clock := newTestIssuer(t)
	tok := mustIssue(t, iss, testPrincipal, testAudience, time.Hour)
	accept := acceptAudience(testAudience)

	c1, err := iss.Verify(tok, accept)
	if err != nil {
		t.Fatal(err)
	}
	if iss.cache.len() != 1 {
		t.Fatalf("cache holds %d entries, want 1", iss.cache.len())
	}
	c1.ObjectID = "changed by caller"
	c2, err := iss.Verify(tok, accept)
	if err != nil {
		t.Fatal(err)
	}
	if c2.ObjectID != testPrincipal.ObjectID {
		t.Fatal("a caller's change to returned claims leaked into the cache")
	}
	if _, err := iss.Verify(tok, acceptAudience("https://graph.microsoft.com/")); !errors.Is(err, ErrTokenAudience) {
		t.Fatalf("cached token, other audience: err = %v", err)
	}
	clock.advance(2 * time.Hour)
	if _, err := iss.Verify(tok, accept); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("cached token after expiry: err = %v", err)
	}

	// Tokens that fail the signature check are not remembered.
	bad := tok[:len(tok)-10] + "AAAAAAAAAA"
	for range 2 {
		if _, err := iss.Verify(bad, accept); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("bad token: err = %v", err)
		}
	}
	if n := iss.cache.len(); n != 0 {
		t.Fatalf("cache holds %d entries, want 0", n)
	}
}

func TestTokenCache_Bounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newTokenCache(8)
	live := &Claims{ExpiresAt: now.Add(time.Hour).Unix()}
	dead := &Claims{ExpiresAt: now.Add(-time.Hour).Unix()}
	c.put("dead", dead, now)
	if c.len() != 0 {
		t.Fatal("expired token cached")
	}
	for i := range 100 {
		c.put(strings.Repeat("t", i+1), live, now)
		if c.len() > 8 {
			t.Fatalf("cache grew to %d entries, limit 8", c.len())
		}
	}
	if _, ok := c.get(strings.Repeat("t", 100)); !ok {
		t.Fatal("most recent entry missing")
	}

	// Expired entries go first when the cache is full.
	c = newTokenCache(4)
	soon := &Claims{ExpiresAt: now.Add(time.Minute).Unix()}
	for _, k := range []string{"a", "b", "c", "d"} {
		c.put(k, soon, now)
	}
	later := now.Add(time.Minute + ClockSkew + time.Second)
	c.put("e", &Claims{ExpiresAt: later.Add(time.Hour).Unix()}, later)
	if c.len() != 1 {
		t.Fatalf("cache holds %d entries, want only the new one", c.len())
	}
}

func TestIssuer_Verify_Concurrent(t *testing.T) {
	iss, _ := newTestIssuer(t)
	toks := make([]string, 4)
	for i := range toks {
		toks[i] = mustIssue(t, iss, testPrincipal, testAudience, time.Hour)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := iss.Verify(toks[(g+i)%len(toks)], acceptAudience(testAudience)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestNewIssuer_KeyPersisted checks that the key is created once, 0600, and
// that a second issuer on the same file accepts the first one's tokens.
func TestNewIssuer_KeyPersisted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "token-signing-key.pem")
	iss1, err := NewIssuer(path, testIssuerURL)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o, want 600", fi.Mode().Perm())
	}
	tok := mustIssue(t, iss1, testPrincipal, testAudience, time.Hour)

	iss2, err := NewIssuer(path, testIssuerURL)
	if err != nil {
		t.Fatal(err)
	}
	if iss2.KeyID() != iss1.KeyID() {
		t.Fatalf("kid changed across reload: %s vs %s", iss1.KeyID(), iss2.KeyID())
	}
	if _, err := iss2.Verify(tok, acceptAudience(testAudience)); err != nil {
		t.Fatalf("token from the first issuer rejected by the second: %v", err)
	}

	// A fresh key does not accept it.
	iss3 := mustOtherKeyIssuer(t)
	if _, err := iss3.Verify(tok, acceptAudience(testAudience)); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("token accepted by an issuer with another key: %v", err)
	}
}

func TestNewIssuer_BadKeyFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage": "not a key",
		"ec key":  "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n-----END PRIVATE KEY-----\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := NewIssuer(path, testIssuerURL); err == nil {
			t.Errorf("%s: NewIssuer accepted it", name)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("%s: key file overwritten", name)
		}
	}
	if _, err := NewIssuer(filepath.Join(dir, "k"), ""); err == nil {
		t.Error("NewIssuer accepted an empty issuer URL")
	}
}

// verifyBench sets up a Verify benchmark: an issuer, a token of it for
// testAudience and the audience check; it reports allocations.
func verifyBench(b *testing.B) (*Issuer, string, func(string) bool) {
	iss, _ := newTestIssuer(b)
	tok := mustIssue(b, iss, testPrincipal, testAudience, time.Hour)
	b.ReportAllocs()
	return iss, tok, acceptAudience(testAudience)
}

func BenchmarkVerifyCached(b *testing.B) {
	iss, tok, accept := verifyBench(b)
	for b.Loop() {
		if _, err := iss.Verify(tok, accept); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCachedParallel(b *testing.B) {
	iss, tok, accept := verifyBench(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := iss.Verify(tok, accept); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyUncached measures what Verify costs without the cache: the
// signature check plus the same claim checks.
func BenchmarkVerifyUncached(b *testing.B) {
	iss, tok, accept := verifyBench(b)
	for b.Loop() {
		c, err := iss.verifySignature(tok)
		if err != nil {
			b.Fatal(err)
		}
		if err := checkClaims(c, iss.now(), accept); err != nil {
			b.Fatal(err)
		}
	}
}
