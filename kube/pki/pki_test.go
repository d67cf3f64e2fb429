package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestEnsureGeneratesWhatIsAbsentAndKeepsWhatIsThere(t *testing.T) {
	dir := t.TempDir()
	// aksnetd provided its own service-account key: it must be kept and its public half derived.
	ensureSAKeyForTest(t, dir)
	before, err := os.ReadFile(filepath.Join(dir, SAKey))
	if err != nil {
		t.Fatal(err)
	}
	names := ServingNames{KubernetesServiceIP: netip.MustParseAddr("10.0.0.1"), ExtraDNSNames: []string{"mycluster-dns.hcp.eastus.azmk8s.io"}}
	ca, err := Ensure(dir, "myAKSCluster", names)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CACert, CAKey, APIServerCert, APIServerKey, SAKey, SAPub} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if secret := f == CAKey || f == APIServerKey || f == SAKey; secret && st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	after, _ := os.ReadFile(filepath.Join(dir, SAKey))
	if !bytes.Equal(before, after) {
		t.Error("an existing sa.key was overwritten")
	}

	serving := readCert(t, filepath.Join(dir, APIServerCert))
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, host := range []string{"127.0.0.1", "10.0.0.1", "kubernetes.default.svc", "mycluster-dns.hcp.eastus.azmk8s.io"} {
		if _, err := serving.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("serving certificate for %s: %v", host, err)
		}
	}

	certPEM, _, err := ca.ClientCert("masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	client, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if client.Subject.CommonName != "masterclient" || !slices.Equal(client.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("client subject %v, want CN=masterclient O=system:masters", client.Subject)
	}

	// A second start changes nothing.
	caBefore, _ := os.ReadFile(filepath.Join(dir, CACert))
	if _, err := Ensure(dir, "myAKSCluster", names); err != nil {
		t.Fatal(err)
	}
	caAfter, _ := os.ReadFile(filepath.Join(dir, CACert))
	if !bytes.Equal(caBefore, caAfter) {
		t.Error("the CA changed on the second Ensure")
	}
}

func TestEnsureRefusesHalfACA(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, CACert), []byte("not pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(dir, "c", ServingNames{}); err == nil {
		t.Fatal("Ensure accepted a CA certificate without its key")
	}
}

func ensureSAKeyForTest(t *testing.T, dir string) {
	t.Helper()
	if err := ensureSAKey(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, SAPub)); err != nil {
		t.Fatal(err)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
