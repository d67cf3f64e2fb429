package identity

import (
	"errors"
	"strings"
)

// defaultScopeSuffix ends every scope a client-credentials request may ask
// for: "<resource>/.default".
const defaultScopeSuffix = "/.default"

// reservedScopes are OpenID Connect scopes MSAL may add to a request; they
// name no resource.
var reservedScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// NormalizeAudience returns the form of an audience, resource or
// "<resource>/.default" scope used to compare them: lower case, without the
// "/.default" suffix and without trailing slashes. az asks for
// "https://localhost:8443//.default" when its resource id ends in a slash, so
// "https://localhost:8443/", "https://LOCALHOST:8443" and that scope all
// normalise to "https://localhost:8443".
func NormalizeAudience(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, defaultScopeSuffix)
	return strings.TrimRight(s, "/")
}

// Reasons a scope parameter names no single resource.
var (
	errNoResourceScope = errors.New("no resource scope")
	errNotDefaultScope = errors.New("client credential flows must have a scope value with /.default suffixed to the resource identifier")
	errManyResources   = errors.New("scopes for more than one resource")
)

// resourceFromScope returns the resource a space-separated scope parameter
// asks for: the one "<resource>/.default" entry with its suffix stripped and
// nothing else changed, so "https://localhost:8443//.default" gives
// "https://localhost:8443/". Reserved OpenID scopes are ignored.
func resourceFromScope(scope string) (string, error) {
	var resource string
	for _, s := range strings.Fields(scope) {
		if reservedScopes[strings.ToLower(s)] {
			continue
		}
		r, ok := strings.CutSuffix(s, defaultScopeSuffix)
		if !ok || r == "" {
			return "", errNotDefaultScope
		}
		switch {
		case resource == "":
			resource = r
		case NormalizeAudience(resource) != NormalizeAudience(r):
			return "", errManyResources
		}
	}
	if resource == "" {
		return "", errNoResourceScope
	}
	return resource, nil
}
