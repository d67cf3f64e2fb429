// Package armconn is how the bench commands reach an aksnet server from its
// state directory: they trust the directory's CA and sign in as its admin
// principal. It links nothing beyond the libraries an HTTPS client needs
// (and statedir, which needs no more), so that floorget stays the floor of
// a CLI command.
package armconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aksnet/aksnet/internal/statedir"
)

// CertPool returns a pool holding the CA certificate of stateDir.
func CertPool(stateDir string) (*x509.CertPool, error) {
	caPEM, err := os.ReadFile(filepath.Join(stateDir, statedir.CAFile))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", statedir.CAFile)
	}
	return pool, nil
}

// Client returns an HTTP client trusting stateDir's CA (the system roots
// when stateDir is ""), keeping up to idle idle connections to the server
// and giving up on a request after timeout (0: never).
func Client(stateDir string, idle int, timeout time.Duration) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if stateDir != "" {
		pool, err := CertPool(stateDir)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:     tc,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
	}, Timeout: timeout}, nil
}

// Dial makes one TLS connection to the server at endpoint on loopback,
// trusting stateDir's CA and offering only X25519, as the aksnet CLI does.
func Dial(endpoint, stateDir string) (net.Conn, error) {
	pool, err := CertPool(stateDir)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: u.Hostname(), CurvePreferences: []tls.CurveID{tls.X25519}}
	return tls.Dial("tcp", net.JoinHostPort("127.0.0.1", u.Port()), cfg)
}

// AdminToken signs in as stateDir's admin principal at the server of
// server (any of its URLs: only the scheme and host count), retrying for
// up to wait while the server is unreachable (still starting).
func AdminToken(hc *http.Client, server, stateDir string, wait time.Duration) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", err
	}
	base := u.Scheme + "://" + u.Host
	creds, err := statedir.LoadCredentials(stateDir)
	if err != nil {
		return "", fmt.Errorf("admin credentials: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		tok, err := creds.Token(hc, base)
		var unreachable *url.Error
		if errors.As(err, &unreachable) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		return tok, err
	}
}
