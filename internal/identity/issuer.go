package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/pki"
)

const (
	rsaBits = 2048
	// ClockSkew is how far exp and nbf may be off when a token is verified.
	ClockSkew = 5 * time.Minute
	// maxTokenLen bounds the tokens Verify looks at; ours are under 2 KiB.
	maxTokenLen = 16 << 10
	// cacheSize bounds the verified-token cache.
	cacheSize = 4096
)

// Claims are the claims of an aksnet access token, named as in Entra ID v1
// access tokens. Times are Unix seconds.
type Claims struct {
	Audience  string `json:"aud"`
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	ObjectID  string `json:"oid"`
	AppID     string `json:"appid"`
	TenantID  string `json:"tid"`
	IDType    string `json:"idtyp"`              // "app"
	AppIDACR  string `json:"appidacr,omitempty"` // "1": signed in with a client secret
	Version   string `json:"ver"`                // "1.0"
	TokenID   string `json:"uti,omitempty"`      // unique per token
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	ExpiresAt int64  `json:"exp"`
	// ManagedIdentityResourceID is the ARM id of the managed identity the
	// token was issued to, as Entra ID's xms_mirid.
	ManagedIdentityResourceID string `json:"xms_mirid,omitempty"`
}

// Expiry returns ExpiresAt as a time.
func (c *Claims) Expiry() time.Time { return time.Unix(c.ExpiresAt, 0) }

// Errors Verify returns, always wrapped in a *TokenError; test them with
// errors.Is.
var (
	// ErrTokenExpired: the token was valid once, but exp has passed.
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenInvalid: the token is malformed, not signed by this issuer, not
	// yet valid, or lacks a required claim.
	ErrTokenInvalid = errors.New("token invalid")
	// ErrTokenAudience: the token is genuine but was issued for another
	// resource.
	ErrTokenAudience = errors.New("token audience not accepted")
)

// TokenError is the error Verify returns. Kind is ErrTokenExpired,
// ErrTokenInvalid or ErrTokenAudience.
type TokenError struct {
	Kind   error
	Detail string
	// Err is the underlying parse error, if any.
	Err error
}

func (e *TokenError) Error() string {
	msg := e.Kind.Error() + ": " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Kind and, when set, Err.
func (e *TokenError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// AzureError returns the 401 error ARM answers with for e:
// ExpiredAuthenticationToken, InvalidAuthenticationTokenAudience or
// InvalidAuthenticationToken.
func (e *TokenError) AzureError() *azerr.Error {
	switch e.Kind {
	case ErrTokenExpired:
		return azerr.New(http.StatusUnauthorized, "ExpiredAuthenticationToken", "",
			"The access token expiry UTC time is earlier than current UTC time: %s.", e.Detail)
	case ErrTokenAudience:
		return azerr.New(http.StatusUnauthorized, "InvalidAuthenticationTokenAudience", "",
			"The access token has been obtained for wrong audience or resource: %s.", e.Detail)
	default:
		return azerr.New(http.StatusUnauthorized, "InvalidAuthenticationToken", "",
			"The access token is invalid: %s.", e.Detail)
	}
}

func tokenErr(kind error, err error, format string, args ...any) *TokenError {
	return &TokenError{Kind: kind, Detail: fmt.Sprintf(format, args...), Err: err}
}

// Issuer signs access tokens with an RSA key and verifies them. It is safe for
// concurrent use.
type Issuer struct {
	key    *rsa.PrivateKey
	kid    string
	url    string
	parser *jwt.Parser
	now    func() time.Time
	cache  *tokenCache
}

// NewIssuer returns an Issuer whose tokens carry iss issuerURL and are signed
// with the RSA key at keyPath (PKCS#8 PEM). A missing key is created as a
// 2048-bit key written with mode 0600, so tokens stay valid across restarts;
// an unreadable one is an error.
func NewIssuer(keyPath, issuerURL string) (*Issuer, error) {
	if issuerURL == "" {
		return nil, errors.New("identity: empty issuer URL")
	}
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	data, err := pki.CreateOrLoad(keyPath, 0o600, newRSAKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("identity: signing key: %w", err)
	}
	key, err := parseRSAKey(data)
	if err != nil {
		return nil, fmt.Errorf("identity: signing key %s: %w", keyPath, err)
	}
	return &Issuer{
		key:    key,
		kid:    thumbprint(&key.PublicKey),
		url:    issuerURL,
		parser: jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithoutClaimsValidation()),
		now:    time.Now,
		cache:  newTokenCache(cacheSize),
	}, nil
}

// URL returns the issuer URL, the iss claim of every token.
func (i *Issuer) URL() string { return i.url }

// KeyID returns the kid of the signing key: its RFC 7638 JWK thumbprint.
func (i *Issuer) KeyID() string { return i.kid }

// Issue returns a signed RS256 access token for p with aud audience, valid
// for ttl, and ttl in whole seconds (the expires_in of a token response).
func (i *Issuer) Issue(p *Principal, audience string, ttl time.Duration) (token string, expiresIn int, err error) {
	switch {
	case p == nil || p.ObjectID == "" || p.AppID == "":
		return "", 0, errors.New("identity: issue: principal without object id or app id")
	case audience == "":
		return "", 0, errors.New("identity: issue: empty audience")
	case ttl < time.Second:
		return "", 0, fmt.Errorf("identity: issue: lifetime %v too short", ttl)
	}
	now := i.now()
	exp := now.Add(ttl)
	c := &Claims{
		Audience:                  audience,
		Issuer:                    i.url,
		Subject:                   p.ObjectID,
		ObjectID:                  p.ObjectID,
		AppID:                     p.AppID,
		TenantID:                  p.TenantID,
		IDType:                    "app",
		AppIDACR:                  "1",
		Version:                   "1.0",
		TokenID:                   randString(alnum, 22),
		IssuedAt:                  now.Unix(),
		NotBefore:                 now.Unix(),
		ExpiresAt:                 exp.Unix(),
		ManagedIdentityResourceID: p.ManagedIdentityResourceID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, (*jwtClaims)(c))
	t.Header["kid"] = i.kid
	token, err = t.SignedString(i.key)
	if err != nil {
		return "", 0, fmt.Errorf("identity: sign token: %w", err)
	}
	return token, int(ttl / time.Second), nil
}

// Verify checks token and returns its claims. The token must be an RS256 JWT
// signed by this issuer with iss equal to URL(); exp and nbf are checked with
// ClockSkew leeway; and acceptedAudiences must return true for its aud (a nil
// acceptedAudiences accepts none). Errors are *TokenError.
//
// A token whose signature checked out is remembered until it expires, so
// verifying it again costs a map lookup rather than an RSA operation; the
// time and audience checks run every call. The claims returned are the
// caller's to keep.
func (i *Issuer) Verify(token string, acceptedAudiences func(aud string) bool) (*Claims, error) {
	now := i.now()
	c, ok := i.cache.get(token)
	if !ok {
		var err error
		if c, err = i.verifySignature(token); err != nil {
			return nil, err
		}
		i.cache.put(token, c, now)
	}
	if err := checkClaims(c, now, acceptedAudiences); err != nil {
		if errors.Is(err, ErrTokenExpired) {
			i.cache.remove(token)
		}
		return nil, err
	}
	out := *c
	return &out, nil
}

// verifySignature parses token, checks its signature, algorithm, issuer and
// required claims, and returns its claims. It does not check times or the
// audience.
func (i *Issuer) verifySignature(token string) (*Claims, error) {
	if token == "" {
		return nil, tokenErr(ErrTokenInvalid, nil, "empty token")
	}
	if len(token) > maxTokenLen {
		return nil, tokenErr(ErrTokenInvalid, nil, "token longer than %d bytes", maxTokenLen)
	}
	c := new(Claims)
	_, err := i.parser.ParseWithClaims(token, (*jwtClaims)(c), func(t *jwt.Token) (any, error) {
		if kid, ok := t.Header["kid"]; ok && kid != i.kid {
			return nil, fmt.Errorf("unknown signing key %v", kid)
		}
		return &i.key.PublicKey, nil
	})
	if err != nil {
		return nil, tokenErr(ErrTokenInvalid, err, "signature or format")
	}
	switch {
	case c.Issuer != i.url:
		return nil, tokenErr(ErrTokenInvalid, nil, "issuer %q is not %q", c.Issuer, i.url)
	case c.ObjectID == "" || c.AppID == "":
		return nil, tokenErr(ErrTokenInvalid, nil, "oid or appid claim missing")
	case c.ExpiresAt == 0:
		return nil, tokenErr(ErrTokenInvalid, nil, "exp claim missing")
	}
	return c, nil
}

// checkClaims applies the checks that depend on the time and the caller.
func checkClaims(c *Claims, now time.Time, accept func(string) bool) error {
	if exp := time.Unix(c.ExpiresAt, 0); now.After(exp.Add(ClockSkew)) {
		return tokenErr(ErrTokenExpired, nil, "expired at %s, now %s", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if nbf := time.Unix(c.NotBefore, 0); now.Add(ClockSkew).Before(nbf) {
		return tokenErr(ErrTokenInvalid, nil, "not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	if accept == nil || !accept(c.Audience) {
		return tokenErr(ErrTokenAudience, nil, "audience %q", c.Audience)
	}
	return nil
}

// JWK is a public key as published at the JWKS endpoint.
type JWK struct {
	KeyType   string `json:"kty"`
	Use       string `json:"use"`
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	N         string `json:"n"`
	E         string `json:"e"`
}

// JWK returns the issuer's public key.
func (i *Issuer) JWK() JWK {
	n, e := jwkNE(&i.key.PublicKey)
	return JWK{KeyType: "RSA", Use: "sig", KeyID: i.kid, Algorithm: jwt.SigningMethodRS256.Alg(), N: n, E: e}
}

// jwtClaims adapts Claims to jwt.Claims. The parser never calls these methods
// because claims validation is off; Verify checks times itself so that the
// cached path and the uncached path apply the same rules.
type jwtClaims Claims

func numericDate(sec int64) (*jwt.NumericDate, error) {
	if sec == 0 {
		return nil, nil
	}
	return jwt.NewNumericDate(time.Unix(sec, 0)), nil
}

func (c *jwtClaims) GetExpirationTime() (*jwt.NumericDate, error) { return numericDate(c.ExpiresAt) }
func (c *jwtClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return numericDate(c.IssuedAt) }
func (c *jwtClaims) GetNotBefore() (*jwt.NumericDate, error)      { return numericDate(c.NotBefore) }
func (c *jwtClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *jwtClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *jwtClaims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Audience}, nil }

func newRSAKeyPEM() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseRSAKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
	if err != nil {
		return nil, err
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, not RSA", k)
	}
	if key.N.BitLen() < rsaBits {
		return nil, fmt.Errorf("RSA key has %d bits, want at least %d", key.N.BitLen(), rsaBits)
	}
	return key, nil
}

func jwkNE(pub *rsa.PublicKey) (n, e string) {
	return base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
}

// thumbprint returns the RFC 7638 JWK thumbprint of pub, base64url.
func thumbprint(pub *rsa.PublicKey) string {
	n, e := jwkNE(pub)
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
