package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestEnsureCluster(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	names := ClusterNames{ClusterName: "c1", ServiceIP: netip.MustParseAddr("10.0.0.1"), DNSNames: []string{"c1-rg-1234.hcp.eastus.azmk8s.io"}}
	ca, err := EnsureCluster(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	// The layout aksnet-kube reads (its --pki-dir), keys private.
	for f, mode := range map[string]os.FileMode{ClusterCACert: 0o644, ClusterCAKey: 0o600, ClusterAPIServerCert: 0o644,
		ClusterAPIServerKey: 0o600, ClusterSAKey: 0o600, ClusterSAPub: 0o644} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s mode %o, want %o", f, st.Mode().Perm(), mode)
		}
	}
	srv, err := tls.LoadX509KeyPair(filepath.Join(dir, ClusterAPIServerCert), filepath.Join(dir, ClusterAPIServerKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "10.0.0.1", "kubernetes.default.svc", "c1-rg-1234.hcp.eastus.azmk8s.io"} {
		if _, err := srv.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.CertPool()}); err != nil {
			t.Errorf("serving certificate for %s: %v", host, err)
		}
	}
	certPEM, keyPEM, err := ca.ClientCert("masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if cl.Leaf.Subject.CommonName != "masterclient" || !slices.Equal(cl.Leaf.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("client subject %v", cl.Leaf.Subject)
	}
	// A kept credential is the same on every call.
	c1, k1, err := ca.KeptClientCert("clusterUser", "masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	c2, k2, err := ca.KeptClientCert("clusterUser", "masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	if string(c1) != string(c2) || string(k1) != string(k2) {
		t.Error("KeptClientCert issued a new certificate on the second call")
	}
	if st, err := os.Stat(filepath.Join(dir, "clusterUser.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("kept key: %v %v", st, err)
	}
	if _, _, err := ca.KeptClientCert("../x", "u"); err == nil {
		t.Error("KeptClientCert accepted a path as its name")
	}
	// A second call keeps everything: kubeconfigs already embed the CA.
	before, _ := os.ReadFile(filepath.Join(dir, ClusterAPIServerCert))
	ca2, err := EnsureCluster(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, ClusterAPIServerCert))
	if string(ca2.CertPEM) != string(ca.CertPEM) || string(before) != string(after) {
		t.Error("a second EnsureCluster replaced the CA or the serving certificate")
	}
	// A damaged CA is refused, never replaced.
	if err := os.WriteFile(filepath.Join(dir, ClusterCACert), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureCluster(dir, names); err == nil {
		t.Error("EnsureCluster accepted a damaged CA")
	}
}

// TestEnsureClusterKeepsAProvidedKey checks that a file someone provided is
// kept and what derives from it follows: a service-account key given
// without its public half gets that half, not a new pair.
func TestEnsureClusterKeepsAProvidedKey(t *testing.T) {
	dir := t.TempDir()
	keyPEM, err := newRSAKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ClusterSAKey), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureCluster(dir, ClusterNames{ClusterName: "c1"}); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(filepath.Join(dir, ClusterSAKey))
	if err != nil || string(after) != string(keyPEM) {
		t.Fatalf("the provided %s was replaced (%v)", ClusterSAKey, err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := os.ReadFile(filepath.Join(dir, ClusterSAPub))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pubPEM)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("%s is not a PUBLIC KEY PEM: %s", ClusterSAPub, pubPEM)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !publicKeyEqual(pub, key.Public()) {
		t.Errorf("%s is not the public half of the provided %s", ClusterSAPub, ClusterSAKey)
	}
}
