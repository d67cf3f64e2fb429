package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func mustEnsure(t *testing.T, dir string) *Bundle {
	t.Helper()
	b, err := Ensure(dir)
	if err != nil {
		t.Fatalf("Ensure(%q): %v", dir, err)
	}
	return b
}

func TestEnsure_Twice_SameCA(t *testing.T) {
	dir := t.TempDir()
	b1 := mustEnsure(t, dir)
	b2 := mustEnsure(t, dir)
	if !bytes.Equal(b1.CAPEM, b2.CAPEM) {
		t.Fatal("second Ensure returned a different CA")
	}
	if !b1.ServerCertificate().Equal(b2.ServerCertificate()) {
		t.Fatal("second Ensure issued a new server certificate although the first is valid")
	}
	if b1.CAPath != filepath.Join(dir, CAFile) || !filepath.IsAbs(b1.CAPath) {
		t.Fatalf("CAPath = %q", b1.CAPath)
	}
	onDisk, err := os.ReadFile(b1.CAPath)
	if err != nil || !bytes.Equal(onDisk, b1.CAPEM) {
		t.Fatalf("CAPEM differs from %s (err %v)", b1.CAPath, err)
	}
}

func TestEnsure_Certificates(t *testing.T) {
	b := mustEnsure(t, t.TempDir())
	ca, err := parseCert(b.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || ca.Subject.CommonName != "aksnet local CA" {
		t.Errorf("CA: IsCA=%v CN=%q", ca.IsCA, ca.Subject.CommonName)
	}
	if life := ca.NotAfter.Sub(ca.NotBefore); life < 10*365*24*time.Hour {
		t.Errorf("CA lifetime %v, want 10 years", life)
	}
	leaf := b.ServerCertificate()
	if life := time.Until(leaf.NotAfter); life < 2*364*24*time.Hour || life > 2*366*24*time.Hour {
		t.Errorf("server certificate expires in %v, want 2 years", life)
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("server ExtKeyUsage = %v", leaf.ExtKeyUsage)
	}
	if leaf.IsCA {
		t.Error("server certificate is a CA")
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(host); err != nil {
			t.Errorf("VerifyHostname(%s): %v", host, err)
		}
	}
	if err := leaf.VerifyHostname("example.com"); err == nil {
		t.Error("server certificate valid for example.com")
	}
	if b.TLSConfig().MinVersion != tls.VersionTLS12 {
		t.Error("TLS config allows versions before 1.2")
	}
}

func TestEnsure_KeyFileModes(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, dir)
	for _, name := range []string{caKeyFile, serverKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s mode = %o, want 600", name, mode)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// TestBundle_TLSClientVerifies runs a real TLS server and checks that a client
// trusting only CertPool accepts it under each of its names, and that a client
// trusting another CA does not.
func TestBundle_TLSClientVerifies(t *testing.T) {
	b := mustEnsure(t, t.TempDir())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.TLS = b.TLSConfig()
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	get := func(pool *x509.CertPool, serverName string) error {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName}}}
		defer c.CloseIdleConnections()
		resp, err := c.Get("https://127.0.0.1:" + port + "/")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "ok" {
			t.Errorf("body %q", body)
		}
		return nil
	}
	for _, name := range []string{"localhost", "127.0.0.1"} {
		if err := get(b.CertPool(), name); err != nil {
			t.Errorf("client trusting the CA, server name %s: %v", name, err)
		}
	}
	if err := get(b.CertPool(), "example.com"); err == nil {
		t.Error("client accepted the certificate for example.com")
	}
	other := mustEnsure(t, t.TempDir())
	var unknown x509.UnknownAuthorityError
	if err := get(other.CertPool(), "localhost"); !errors.As(err, &unknown) {
		t.Errorf("client trusting another CA: err = %v, want UnknownAuthorityError", err)
	}
}

func TestEnsure_ServerMissing_Reissued(t *testing.T) {
	dir := t.TempDir()
	b1 := mustEnsure(t, dir)
	if err := os.Remove(b1.ServerPath); err != nil {
		t.Fatal(err)
	}
	b2 := mustEnsure(t, dir)
	if !bytes.Equal(b1.CAPEM, b2.CAPEM) {
		t.Fatal("CA changed")
	}
	if b1.ServerCertificate().Equal(b2.ServerCertificate()) {
		t.Fatal("server certificate not reissued")
	}
	if _, err := os.Stat(b2.ServerPath); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.ServerCertificate().Verify(x509.VerifyOptions{Roots: b1.CertPool(), DNSName: "localhost"}); err != nil {
		t.Fatalf("reissued certificate does not verify with the old pool: %v", err)
	}
}

func TestEnsure_ServerExpiringSoon_Reissued(t *testing.T) {
	dir := t.TempDir()
	b := mustEnsure(t, dir)
	caKey, err := loadCAKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Replace the server certificate with one that expires in 10 days.
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "short"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 24 * time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  serverIPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, b.ca, b.server.Leaf.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.ServerPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	b2 := mustEnsure(t, dir)
	if got := b2.ServerCertificate(); got.Subject.CommonName == "short" || time.Until(got.NotAfter) < 365*24*time.Hour {
		t.Fatalf("short-lived certificate kept: CN=%q NotAfter=%v", got.Subject.CommonName, got.NotAfter)
	}
	if !bytes.Equal(b.CAPEM, b2.CAPEM) {
		t.Fatal("CA changed")
	}
}

func TestEnsure_ServerFromOtherCA_Reissued(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	b1 := mustEnsure(t, dir)
	mustEnsure(t, other)
	for _, name := range []string{serverFile, serverKeyFile} {
		data, err := os.ReadFile(filepath.Join(other, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b2 := mustEnsure(t, dir)
	if _, err := b2.ServerCertificate().Verify(x509.VerifyOptions{Roots: b1.CertPool(), DNSName: "localhost"}); err != nil {
		t.Fatalf("server certificate signed by a foreign CA was kept: %v", err)
	}
}

func TestEnsure_CorruptCAKey_Error(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, dir)
	keyPath := filepath.Join(dir, caKeyFile)
	if err := os.WriteFile(keyPath, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(dir); err == nil {
		t.Fatal("Ensure accepted a corrupt CA key")
	}
	if data, _ := os.ReadFile(keyPath); string(data) != "garbage" {
		t.Fatal("Ensure replaced the CA key")
	}
}

func TestEnsure_CAKeyMismatch_Error(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	mustEnsure(t, dir)
	mustEnsure(t, other)
	data, err := os.ReadFile(filepath.Join(other, caKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, caKeyFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(dir); err == nil {
		t.Fatal("Ensure accepted a CA certificate that does not match its key")
	}
}

func TestEnsure_Concurrent_OneCA(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	bundles := make([]*Bundle, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { bundles[i], errs[i] = Ensure(dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Ensure %d: %v", i, errs[i])
		}
		if !bytes.Equal(bundles[i].CAPEM, bundles[0].CAPEM) {
			t.Fatalf("Ensure %d returned a different CA", i)
		}
		if _, err := bundles[i].ServerCertificate().Verify(x509.VerifyOptions{Roots: bundles[0].CertPool(), DNSName: "localhost"}); err != nil {
			t.Fatalf("Ensure %d: %v", i, err)
		}
	}
	final := mustEnsure(t, dir)
	if !bytes.Equal(final.CAPEM, bundles[0].CAPEM) {
		t.Fatal("CA on disk differs from the one returned")
	}
}

func TestCreateOrLoad_ExistingNotRegenerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte("one"), nil }
	for range 2 {
		got, err := CreateOrLoad(path, 0o600, gen)
		if err != nil || string(got) != "one" {
			t.Fatalf("CreateOrLoad = %q, %v", got, err)
		}
	}
	if calls != 1 {
		t.Fatalf("generate called %d times, want 1", calls)
	}
	wantErr := errors.New("boom")
	if _, err := CreateOrLoad(filepath.Join(t.TempDir(), "g"), 0o600, func() ([]byte, error) { return nil, wantErr }); !errors.Is(err, wantErr) {
		t.Fatalf("err = %v, want %v", err, wantErr)
	}
}

func loadCAKey(dir string) (crypto.Signer, error) {
	data, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, err
	}
	return parseKey(data)
}
