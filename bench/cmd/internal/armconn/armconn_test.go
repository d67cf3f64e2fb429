package armconn

import (
	"bufio"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// stateDir returns a state directory whose CA is the certificate srv
// serves with.
func stateDir(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestClientAndDialTrustTheStateDirCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	dir := stateDir(t, srv)

	hc, err := Client(dir, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET with the state dir's CA: %v", err)
	}
	resp.Body.Close()

	conn, err := Dial(srv.URL, dir)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer conn.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d over Dial's connection", resp.StatusCode)
	}

	// Without the state dir the system roots do not know the test CA.
	plain, err := Client("", 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := plain.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Error("a client without the state dir trusted the test CA")
	}
}

func TestCertPoolRefusesAFileWithoutACertificate(t *testing.T) {
	dir := t.TempDir()
	if _, err := CertPool(dir); err == nil {
		t.Error("CertPool of a dir without ca.pem: no error")
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CertPool(dir); err == nil {
		t.Error("CertPool of a ca.pem without a certificate: no error")
	}
}
