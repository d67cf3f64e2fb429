package kubenet

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
)

func mp(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ma(s string) netip.Addr   { return netip.MustParseAddr(s) }

// wantErr describes an expected *azerr.Error; the zero value means no error.
type wantErr struct {
	code   string
	target string
	// msg lists substrings the message must contain.
	msg []string
}

// check fails t unless err matches w.
func (w wantErr) check(t *testing.T, err error) {
	t.Helper()
	if w.code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %s at %s", w.code, w.target)
	}
	e, ok := azerr.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *azerr.Error", err, err)
	}
	if e.Code != w.code || e.Target != w.target {
		t.Fatalf("got %s at %q (%s), want %s at %q", e.Code, e.Target, e.Message, w.code, w.target)
	}
	if e.Status != http.StatusBadRequest {
		t.Errorf("status %d, want 400", e.Status)
	}
	for _, m := range w.msg {
		if !strings.Contains(e.Message, m) {
			t.Errorf("message %q does not contain %q", e.Message, m)
		}
	}
}
