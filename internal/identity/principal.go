// Package identity is aksnet's stand-in for Microsoft Entra ID: service
// principals and their secrets, an ADFS-shaped OpenID Connect token service
// that az and MSAL sign in to with client credentials, and the RS256 access
// tokens that every ARM request carries.
//
// The pieces are independent: Principal and Secret are plain data kept by
// whatever implements Directory; Issuer signs and verifies tokens and knows
// nothing about HTTP; TokenService puts both behind the OAuth 2.0 endpoints.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// PrincipalTypeServicePrincipal is the only Principal.Type aksnet issues
// tokens to.
const PrincipalTypeServicePrincipal = "ServicePrincipal"

// Principal is a service principal: an application's identity in a tenant.
// Managed identities are service principals too, with
// ManagedIdentityResourceID set to the ARM id of the identity resource.
type Principal struct {
	// ObjectID is the principal's id in the directory; role assignments name
	// it as principalId and tokens carry it as oid and sub.
	ObjectID string `json:"objectId"`
	// AppID is the application (client) id used to sign in.
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName,omitempty"`
	// Type is PrincipalTypeServicePrincipal.
	Type     string   `json:"type"`
	TenantID string   `json:"tenantId"`
	Secrets  []Secret `json:"secrets,omitempty"`
	// ServicePrincipalNames holds the names Graph filters on; it includes
	// AppID.
	ServicePrincipalNames []string `json:"servicePrincipalNames,omitempty"`
	// ManagedIdentityResourceID is the ARM id of the managed identity backing
	// this principal, or "" for an ordinary service principal.
	ManagedIdentityResourceID string `json:"managedIdentityResourceId,omitempty"`
}

// Secret is a client secret (a password credential) of a principal. Only a
// salted hash of the secret is kept.
type Secret struct {
	// KeyID identifies the credential (a GUID), as Graph's keyId.
	KeyID string `json:"keyId"`
	// Hash is "sha256$<salt>$<digest>", both base64url: the SHA-256 of the
	// salt followed by the secret. A secret has about 200 random bits, so a
	// fast hash is enough; bcrypt's slowness protects guessable passwords.
	Hash string `json:"hash"`
	// Hint is the first three characters of the secret, as Graph's hint.
	Hint        string `json:"hint"`
	DisplayName string `json:"displayName,omitempty"`
	// EndDateTime is when the secret stops working; zero means never.
	EndDateTime time.Time `json:"endDateTime,omitzero"`
}

// Directory looks principals up for the token service.
type Directory interface {
	// PrincipalByAppID returns the principal whose AppID is appID, compared
	// case-insensitively, or (nil, nil) when there is none.
	PrincipalByAppID(ctx context.Context, appID string) (*Principal, error)
}

const (
	secretLen    = 40
	secretMarker = "8Q~" // Entra ID secrets carry a marker after the hint.
	hashScheme   = "sha256"
	saltLen      = 16
	alnum        = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretChars  = alnum + "~._-"
)

// NewSecret returns a new random client secret and the Secret that stores it.
// The secret is 40 characters shaped like Entra ID's: a three-character hint,
// the marker "8Q~" and 34 characters from [A-Za-z0-9~._-]. The returned
// Secret has a new KeyID and no end date; callers set DisplayName and
// EndDateTime as they need.
func NewSecret() (plaintext string, s Secret) {
	hint := randString(alnum, 3)
	plaintext = hint + secretMarker + randString(secretChars, secretLen-len(hint)-len(secretMarker))
	return plaintext, Secret{KeyID: newUUID(), Hash: hashSecret(plaintext), Hint: hint}
}

// CheckSecret reports whether plain is one of p's secrets that has not
// expired. The comparison takes the same time whichever secret matches.
func (p *Principal) CheckSecret(plain string) bool {
	ok, _ := p.matchSecret(plain, time.Now())
	return ok
}

// matchSecret reports whether plain matches a secret valid at now, and
// whether it matches one that has expired.
func (p *Principal) matchSecret(plain string, now time.Time) (ok, expired bool) {
	for _, s := range p.Secrets {
		if !s.matches(plain) {
			continue
		}
		if !s.EndDateTime.IsZero() && !now.Before(s.EndDateTime) {
			expired = true
			continue
		}
		ok = true
	}
	return ok, expired
}

// matches reports whether plain hashes to s.Hash.
func (s *Secret) matches(plain string) bool {
	scheme, rest, _ := strings.Cut(s.Hash, "$")
	salt64, sum64, _ := strings.Cut(rest, "$")
	if scheme != hashScheme {
		return false
	}
	salt, err1 := base64.RawURLEncoding.DecodeString(salt64)
	want, err2 := base64.RawURLEncoding.DecodeString(sum64)
	if err1 != nil || err2 != nil {
		return false
	}
	got := saltedSum(salt, plain)
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// hashSecret returns the Hash string for plain with a new random salt.
func hashSecret(plain string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	sum := saltedSum(salt, plain)
	return hashScheme + "$" + base64.RawURLEncoding.EncodeToString(salt) + "$" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func saltedSum(salt []byte, plain string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(plain))
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// randString returns n characters drawn uniformly from alphabet (at most 256
// characters) using crypto/rand.
func randString(alphabet string, n int) string {
	// Reject bytes above the largest multiple of len(alphabet) so that every
	// character is equally likely.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// newUUID returns a random (version 4) UUID in its canonical form.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
