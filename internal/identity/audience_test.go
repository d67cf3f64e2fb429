package identity

import (
	"errors"
	"testing"
)

func TestNormalizeAudience(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://localhost:8443/", "https://localhost:8443"},
		{"https://localhost:8443//.default", "https://localhost:8443"},
		{"https://LOCALHOST:8443", "https://localhost:8443"},
		{"https://management.core.windows.net/", "https://management.core.windows.net"},
		{"https://management.core.windows.net//.default", "https://management.core.windows.net"},
		{"https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
		{" https://x/ ", "https://x"},
		{"", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		if got := NormalizeAudience(tt.in); got != tt.want {
			t.Errorf("NormalizeAudience(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestResourceFromScope(t *testing.T) {
	tests := []struct {
		scope   string
		want    string
		wantErr error
	}{
		{"https://localhost:8443//.default", "https://localhost:8443/", nil},
		{"https://management.core.windows.net//.default", "https://management.core.windows.net/", nil},
		{"https://graph.microsoft.com/.default", "https://graph.microsoft.com", nil},
		{"https://localhost:8443//.default offline_access openid profile", "https://localhost:8443/", nil},
		{"openid https://x/.default https://X//.default", "https://x", nil},
		{"https://graph.microsoft.com/User.Read", "", errNotDefaultScope},
		{"/.default", "", errNotDefaultScope},
		{"https://a/.default https://b/.default", "", errManyResources},
		{"openid profile", "", errNoResourceScope},
		{"", "", errNoResourceScope},
	}
	for _, tt := range tests {
		got, err := resourceFromScope(tt.scope)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("resourceFromScope(%q) = %q, %v; want %q, %v", tt.scope, got, err, tt.want, tt.wantErr)
		}
	}
}
