// Package pki keeps the local certificate authority and the server
// certificate that aksnet serves HTTPS with.
//
// The real Azure CLI refuses plain HTTP and MSAL always verifies the server
// certificate, so aksnet needs a CA that clients can trust
// (REQUESTS_CA_BUNDLE=<CAPath> for az, CertPool for Go clients). Ensure creates
// it once in the state directory and reuses it afterwards; only the server
// certificate is ever renewed, so a CA a client already trusts stays valid.
package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/aksnet/aksnet/internal/statedir"
)

// File names inside the directory given to Ensure.
const (
	CAFile        = statedir.CAFile
	caKeyFile     = "ca-key.pem"
	serverFile    = "server.pem"
	serverKeyFile = "server-key.pem"
)

const (
	caCommonName     = "aksnet local CA"
	serverCommonName = "aksnet server"
	caValidity       = 10 * 365 * 24 * time.Hour
	serverValidity   = 2 * 365 * 24 * time.Hour
	// renewBefore is how long before expiry the server certificate is
	// replaced.
	renewBefore = 30 * 24 * time.Hour
	// backdate covers clocks that are slightly behind ours.
	backdate = time.Hour
)

// serverDNSNames and serverIPs are the names the server certificate is valid
// for.
var (
	serverDNSNames = []string{"localhost"}
	serverIPs      = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
)

// Bundle is the CA and server certificate held in one directory.
type Bundle struct {
	// CAPath is the absolute path of the CA certificate (PEM); hand it to az
	// as REQUESTS_CA_BUNDLE.
	CAPath string
	// CAPEM is the content of CAPath.
	CAPEM []byte
	// ServerPath and ServerKeyPath are the server certificate and its key.
	ServerPath    string
	ServerKeyPath string

	ca     *x509.Certificate
	server tls.Certificate
}

// Ensure returns the bundle kept in dir, creating what is missing.
//
// On the first call it creates dir (0700), an ECDSA P-256 CA valid for ten
// years and a server certificate signed by it, valid for two years for
// localhost, 127.0.0.1 and ::1. Later calls load those files. The server
// certificate is issued again when it is missing, unreadable, not signed by
// the CA, lacks one of those names, or expires within 30 days. A CA that
// exists but cannot be read is an error, never silently replaced: clients may
// already trust it.
//
// Key files are written with mode 0600 and certificates 0644, each through a
// temporary file and a rename. Concurrent first calls from several processes
// agree on one CA.
func Ensure(dir string) (*Bundle, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	b := &Bundle{
		CAPath:        filepath.Join(dir, CAFile),
		ServerPath:    filepath.Join(dir, serverFile),
		ServerKeyPath: filepath.Join(dir, serverKeyFile),
	}
	caKey, err := b.ensureCA(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if err := b.loadServer(now); err != nil {
		if err := b.issueServer(caKey, now); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// TLSConfig returns a new server-side TLS configuration presenting the
// server certificate, TLS 1.2 or later.
func (b *Bundle) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{b.server},
	}
}

// CertPool returns a new pool holding only the CA, for clients.
func (b *Bundle) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(b.ca)
	return pool
}

// ServerCertificate returns the parsed server certificate.
func (b *Bundle) ServerCertificate() *x509.Certificate { return b.server.Leaf }

// ensureCA loads the CA key and certificate, creating either one that does not
// exist yet, and returns the CA key.
func (b *Bundle) ensureCA(keyPath string) (crypto.Signer, error) {
	keyPEM, err := CreateOrLoad(keyPath, 0o600, newKeyPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: CA key %s: %w", keyPath, err)
	}
	b.CAPEM, err = CreateOrLoad(b.CAPath, 0o644, func() ([]byte, error) { return newCAPEM(key) })
	if err != nil {
		return nil, err
	}
	b.ca, err = parseCert(b.CAPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: CA certificate %s: %w", b.CAPath, err)
	}
	if !b.ca.IsCA {
		return nil, fmt.Errorf("pki: CA certificate %s is not a CA", b.CAPath)
	}
	if !publicKeyEqual(b.ca.PublicKey, key.Public()) {
		return nil, fmt.Errorf("pki: CA certificate %s does not match key %s", b.CAPath, keyPath)
	}
	return key, nil
}

// loadServer loads the server certificate and checks that it is still fit for
// use at now; any error means it must be issued again.
func (b *Bundle) loadServer(now time.Time) error {
	cert, err := tls.LoadX509KeyPair(b.ServerPath, b.ServerKeyPath)
	if err != nil {
		return err
	}
	leaf := cert.Leaf
	if leaf == nil {
		return errors.New("no leaf")
	}
	if now.Add(renewBefore).After(leaf.NotAfter) {
		return errors.New("expires soon")
	}
	opts := x509.VerifyOptions{
		Roots:       b.CertPool(),
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if _, err := leaf.Verify(opts); err != nil {
		return err
	}
	for _, ip := range serverIPs {
		if err := leaf.VerifyHostname(ip.String()); err != nil {
			return err
		}
	}
	for _, name := range serverDNSNames {
		if err := leaf.VerifyHostname(name); err != nil {
			return err
		}
	}
	b.server = cert
	return nil
}

// issueServer creates a new server key and certificate signed by the CA and
// writes them.
func (b *Bundle) issueServer(caKey crypto.Signer, now time.Time) error {
	keyPEM, err := newKeyPEM()
	if err != nil {
		return err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return err
	}
	serial, err := newSerial()
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: serverCommonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(serverValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              serverDNSNames,
		IPAddresses:           serverIPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, b.ca, key.Public(), caKey)
	if err != nil {
		return fmt.Errorf("pki: sign server certificate: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	// Key first: a reader that sees the new certificate with the old key
	// rejects the pair and issues again, which is safe.
	if err := WriteFileAtomic(b.ServerKeyPath, keyPEM, 0o600); err != nil {
		return err
	}
	if err := WriteFileAtomic(b.ServerPath, certPEM, 0o644); err != nil {
		return err
	}
	b.server, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("pki: server certificate: %w", err)
	}
	return nil
}

// newCAPEM returns a new self-signed CA certificate for key, PEM-encoded:
// aksnet's, which signs only leaf certificates.
func newCAPEM(key crypto.Signer) ([]byte, error) {
	pemBytes, err := selfSignedCAPEM(key, pkix.Name{CommonName: caCommonName, Organization: []string{"aksnet"}}, true)
	if err != nil {
		return nil, fmt.Errorf("pki: create CA certificate: %w", err)
	}
	return pemBytes, nil
}

// selfSignedCAPEM returns a self-signed CA certificate for key with
// subject, valid for caValidity, PEM-encoded; leavesOnly limits it to
// signing leaf certificates (a path length of zero).
func selfSignedCAPEM(key crypto.Signer, subject pkix.Name, leavesOnly bool) ([]byte, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        leavesOnly,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// newKeyPEM returns a new ECDSA P-256 key, PKCS#8 PEM-encoded.
func newKeyPEM() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate key: %w", err)
	}
	return encodeKeyPEM(key)
}

// encodeKeyPEM encodes a private key as PKCS#8 PEM.
func encodeKeyPEM(key any) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// parseKey decodes a PKCS#8 PEM private key.
func parseKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("no PRIVATE KEY PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
	return signer, nil
}

// parseCert decodes a PEM certificate.
func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

// publicKeyEqual reports whether two public keys are the same key.
func publicKeyEqual(a, b crypto.PublicKey) bool {
	da, err1 := x509.MarshalPKIXPublicKey(a)
	db, err2 := x509.MarshalPKIXPublicKey(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}

// newSerial returns a random positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("pki: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
