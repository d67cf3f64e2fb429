package arm

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestEchoableID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"4b1f0c1e-8a43-4a8e-9c55-2b1d3f6e7a90", true},
		{"my-ci-run/42 step=7", true},
		{"", false},
		{strings.Repeat("a", MaxEchoedIDLength), true},
		{strings.Repeat("a", MaxEchoedIDLength+1), false},
		{"a\r\nX-Injected: 1", false},
		{"a\x00b", false},
		{"a\tb", false},
		{"a\x7fb", false},
		{"caf\u00e9", false},
	} {
		if got := echoableID(tc.in); got != tc.want {
			t.Errorf("echoableID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestOutermost_PanicAndHeaders shows the outermost wrapper's contract: a
// panic anywhere below is a 500 in ARM's envelope with the tracing headers,
// and no header value leaves with a control character.
func TestOutermost_PanicAndHeaders(t *testing.T) {
	h := Outermost(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("boom")
		case "/header":
			w.Header().Set("Location", "https://x/a\x00b\x01c\x7fd\te")
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/panic", nil)
	req.Header.Set(HeaderCorrelationRequestID, "corr-1")
	req.Header.Set(HeaderClientRequestID, "client-1")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"code":"InternalServerError"`) {
		t.Errorf("panic answered %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic value leaked to the client: %s", rec.Body)
	}
	rid := rec.Header().Get(HeaderRequestID)
	if !guidRE.MatchString(rid) {
		t.Errorf("x-ms-request-id %q", rid)
	}
	if !strings.Contains(rec.Body.String(), rid) {
		t.Errorf("500 message doesn't name the request id %s: %s", rid, rec.Body)
	}
	if got := rec.Header().Get(HeaderCorrelationRequestID); got != "corr-1" {
		t.Errorf("correlation id %q, want the client's", got)
	}
	if got := rec.Header().Get(HeaderClientRequestID); got != "client-1" {
		t.Errorf("client request id %q, want the client's", got)
	}

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodGet, "/header", nil)
	req.Header.Set(HeaderCorrelationRequestID, strings.Repeat("x", 500))
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("Location"); got != "https://x/abcd\te" {
		t.Errorf("Location %q: control characters not stripped", got)
	}
	if got := rec.Header().Get(HeaderCorrelationRequestID); !guidRE.MatchString(got) {
		t.Errorf("an overlong correlation id was echoed (or not replaced by a GUID): %q", got)
	}
}
