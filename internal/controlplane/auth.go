package controlplane

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/identity"
	"github.com/aksnet/aksnet/internal/store"
)

// authenticator checks ARM bearer tokens: signature, expiry and audience,
// and that the principal still exists.
type authenticator struct {
	issuer *identity.Issuer
	store  store.Store
}

// wellKnownAudiences are Azure's own ARM audiences, which SDKs configured for
// the public cloud ask for.
var wellKnownAudiences = []string{
	"https://management.core.windows.net",
	"https://management.azure.com",
	"https://graph.microsoft.com",
}

// acceptAudience accepts tokens for any https origin on a loopback name
// (the server under any of the names it answers to) and Azure's well-known
// ARM and Graph audiences.
func acceptAudience(aud string) bool {
	n := identity.NormalizeAudience(aud)
	for _, w := range wellKnownAudiences {
		if n == w {
			return true
		}
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "https" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

func (a *authenticator) Authenticate(r *http.Request) (*arm.Caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, azerr.New(http.StatusUnauthorized, "AuthenticationFailed", "", "Authentication failed. The 'Authorization' header is missing.")
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return nil, azerr.New(http.StatusUnauthorized, "AuthenticationFailed", "", "Authentication failed. The 'Authorization' header is provided in an invalid format.")
	}
	claims, err := a.issuer.Verify(strings.TrimSpace(tok), acceptAudience)
	if err != nil {
		var te *identity.TokenError
		if errors.As(err, &te) {
			return nil, te.AzureError()
		}
		return nil, azerr.New(http.StatusUnauthorized, "InvalidAuthenticationToken", "", "The access token is invalid.")
	}
	exists := false
	_ = a.store.View(func(rd store.Reader) error {
		exists = directory.PrincipalExists(rd, claims.ObjectID)
		return nil
	})
	if !exists {
		return nil, azerr.New(http.StatusUnauthorized, "InvalidAuthenticationToken", "", "The access token's principal %s no longer exists.", claims.ObjectID)
	}
	return &arm.Caller{ObjectID: claims.ObjectID, AppID: claims.AppID, TenantID: claims.TenantID}, nil
}
