package client

import (
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/statedir"
)

// tlsServer starts a TLS test server and returns it, a transport that
// trusts it and a counter of the connections it accepted.
func tlsServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *oneConn, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	o := newOneConn(pool, 5*time.Second)
	t.Cleanup(o.Close)
	return srv, o, &conns
}

func get(t *testing.T, o *oneConn, url string) string {
	t.Helper()
	resp, err := (&http.Client{Transport: o}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status + " " + string(b)
}

func TestOneConnReusesOneConnection(t *testing.T) {
	srv, o, conns := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		// A chunked body: flushed in parts, no Content-Length.
		for _, part := range []string{"a", "b", "c"} {
			_, _ = io.WriteString(w, part+r.URL.Path)
			w.(http.Flusher).Flush()
		}
	})
	for _, p := range []string{"/1", "/2", "/3"} {
		if got, want := get(t, o, srv.URL+p), "200 OK a"+p+"b"+p+"c"+p; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for three requests, want 1", n)
	}
}

// TestOneConnRetriesClosedIdleConnection: the server drops the idle
// connection between two requests; the second is sent again on a new one.
func TestOneConnRetriesClosedIdleConnection(t *testing.T) {
	srv, o, conns := tlsServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.Path) })
	if got := get(t, o, srv.URL+"/first"); got != "200 OK /first" {
		t.Fatal(got)
	}
	srv.CloseClientConnections()
	if got := get(t, o, srv.URL+"/second"); got != "200 OK /second" {
		t.Fatal(got)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the dropped one and its replacement)", n)
	}
}

func TestOneConnHonoursConnectionClose(t *testing.T) {
	srv, o, conns := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye")
	})
	for range 2 {
		if got := get(t, o, srv.URL); got != "200 OK bye" {
			t.Fatal(got)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2: each response said Connection: close", n)
	}
}

func TestOneConnRefusesPlainHTTPAndUntrustedServers(t *testing.T) {
	srv, o, _ := tlsServer(t, func(http.ResponseWriter, *http.Request) {})
	if _, err := (&http.Client{Transport: o}).Get("http://127.0.0.1:1/"); err == nil || !strings.Contains(err.Error(), "https only") {
		t.Fatalf("plain http: %v", err)
	}
	// A transport whose pool lacks the server's CA must refuse it.
	stranger := newOneConn(x509.NewCertPool(), 5*time.Second)
	defer stranger.Close()
	if _, err := (&http.Client{Transport: stranger}).Get(srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a server signed by an unknown CA: %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.3.4.5": true, "::1": true,
		"10.0.0.1": false, "example.com": false, "localhost.example.com": false, "": false} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestStateDirConnBadCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := stateDirConn(dir, time.Second); err == nil || !strings.Contains(err.Error(), "no aksnet CA in "+dir) {
		t.Fatalf("missing CA: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, statedir.CAFile), []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := stateDirConn(dir, time.Second); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Fatalf("garbage CA: %v", err)
	}
}
