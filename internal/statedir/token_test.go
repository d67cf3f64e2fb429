package statedir

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCredentials_Token(t *testing.T) {
	c := &Credentials{AppID: "app-1", Password: "s3cret"}
	for _, tc := range []struct {
		name    string
		status  int
		answer  string
		want    string // the token, or a part of the error
		wantErr bool
	}{
		{"granted", http.StatusOK, `{"token_type":"Bearer","access_token":"tok-1","expires_in":3600}`, "tok-1", false},
		{"refused", http.StatusUnauthorized, `{"error":"invalid_client"}`, "401 Unauthorized: {\"error\":\"invalid_client\"}", true},
		{"no token", http.StatusOK, `{"token_type":"Bearer"}`, "no access_token", true},
		{"not JSON", http.StatusOK, `<html>`, "token response <html>", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forms := make(chan url.Values, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/adfs/oauth2/token" {
					t.Errorf("request %s %s", r.Method, r.URL.Path)
				}
				body, _ := io.ReadAll(r.Body)
				form, _ := url.ParseQuery(string(body))
				forms <- form
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			tok, err := c.Token(srv.Client(), srv.URL)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Token = %q, %v; want an error with %q", tok, err, tc.want)
				}
			} else if err != nil || tok != tc.want {
				t.Fatalf("Token = %q, %v; want %q", tok, err, tc.want)
			}
			want := url.Values{"grant_type": {"client_credentials"}, "client_id": {"app-1"}, "client_secret": {"s3cret"}, "scope": {srv.URL + "//.default"}}
			if form := <-forms; form.Encode() != want.Encode() {
				t.Errorf("form %v, want %v", form, want)
			}
		})
	}
}

// An unreachable server is told apart from a refusal: the error wraps the
// request's *url.Error (armload retries on it while the server starts).
func TestCredentials_Token_Unreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := (&Credentials{AppID: "a", Password: "p"}).Token(http.DefaultClient, srv.URL)
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v does not wrap a *url.Error", err)
	}
}
