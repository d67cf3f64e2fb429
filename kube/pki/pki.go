// Package pki holds the files of one cluster's public key infrastructure and
// the certificates aksnet-kube derives from them.
//
// Layout of the PKI directory (all PEM; keys are written 0600):
//
//	ca.crt, ca.key                 the cluster CA. It signs the serving and client certificates and is
//	                               the apiserver's --client-ca-file: a client certificate it signed
//	                               authenticates as CN = user and O = groups.
//	apiserver.crt, apiserver.key   the apiserver's serving certificate, signed by the CA, for 127.0.0.1,
//	                               localhost, the kubernetes service's names and its ClusterIP.
//	sa.key                         the RSA key that signs service-account tokens (PKCS#8 "PRIVATE KEY").
//	sa.pub                         its public half (PKIX "PUBLIC KEY"), which verifies them.
//
// aksnetd is meant to provide these files (it keeps the CA, to sign kubeconfig client certificates in
// listClusterAdminCredential). Any file that is absent is generated here, so aksnet-kube also runs on its
// own. The internal client certificates of the controller-manager, the scheduler and the node mirror
// are derived from the CA at every start and kept in memory or in 0600 kubeconfigs under the data dir.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// File names inside the PKI directory.
const (
	CACert        = "ca.crt"
	CAKey         = "ca.key"
	APIServerCert = "apiserver.crt"
	APIServerKey  = "apiserver.key"
	SAKey         = "sa.key"
	SAPub         = "sa.pub"
)

// Validity of generated certificates. The CA outlives the certificates it signs.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 365 * 24 * time.Hour
)

// CA is a loaded certificate authority.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	Key     crypto.Signer
}

// ServingNames are the names and addresses the apiserver's certificate covers.
type ServingNames struct {
	// KubernetesServiceIP is the ClusterIP of default/kubernetes (the .1 of the service CIDR).
	KubernetesServiceIP netip.Addr
	// ExtraDNSNames are added as they are, e.g. the cluster's fqdn.
	ExtraDNSNames []string
}

// Ensure loads the CA from dir and makes sure every file of the layout exists, generating what is
// absent. An existing file is never overwritten.
func Ensure(dir, clusterName string, names ServingNames) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	ca, err := ensureCA(dir, clusterName)
	if err != nil {
		return nil, err
	}
	if !exists(filepath.Join(dir, APIServerCert)) || !exists(filepath.Join(dir, APIServerKey)) {
		certPEM, keyPEM, err := ca.issue(leafTemplate("kube-apiserver", nil, x509.ExtKeyUsageServerAuth, names))
		if err != nil {
			return nil, err
		}
		if err := writeFile(filepath.Join(dir, APIServerKey), keyPEM, 0o600); err != nil {
			return nil, err
		}
		if err := writeFile(filepath.Join(dir, APIServerCert), certPEM, 0o644); err != nil {
			return nil, err
		}
	}
	if err := ensureSAKey(dir); err != nil {
		return nil, err
	}
	return ca, nil
}

func ensureCA(dir, clusterName string) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, CACert), filepath.Join(dir, CAKey)
	if !exists(certPath) && !exists(keyPath) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("pki: ca key: %w", err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: "ca", Organization: []string{clusterName}},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(caValidity),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			return nil, fmt.Errorf("pki: ca certificate: %w", err)
		}
		keyPEM, err := marshalKey(key)
		if err != nil {
			return nil, err
		}
		if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
			return nil, err
		}
		if err := writeFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			return nil, err
		}
	}
	return LoadCA(dir)
}

// LoadCA reads ca.crt and ca.key from dir.
func LoadCA(dir string) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CACert))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, CAKey))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("pki: %s: no CERTIFICATE block", CACert)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", CACert, err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", CAKey, err)
	}
	return &CA{Cert: cert, CertPEM: certPEM, Key: key}, nil
}

// ClientCert issues a client certificate for user in groups (CN and O), valid for a year.
func (ca *CA) ClientCert(user string, groups ...string) (certPEM, keyPEM []byte, err error) {
	return ca.issue(leafTemplate(user, groups, x509.ExtKeyUsageClientAuth, ServingNames{}))
}

func leafTemplate(cn string, orgs []string, usage x509.ExtKeyUsage, names ServingNames) *x509.Certificate {
	t := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		t.DNSNames = append([]string{
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local",
		}, names.ExtraDNSNames...)
		t.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		if names.KubernetesServiceIP.IsValid() {
			t.IPAddresses = append(t.IPAddresses, net.IP(names.KubernetesServiceIP.AsSlice()))
		}
	}
	return t
}

func (ca *CA) issue(tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: key for %s: %w", tmpl.Subject.CommonName, err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: certificate for %s: %w", tmpl.Subject.CommonName, err)
	}
	keyPEM, err = marshalKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM, nil
}

// ensureSAKey makes sure sa.key and sa.pub exist; sa.pub is derived from sa.key when only the key is
// present. Service-account tokens are RS256, so the key is RSA.
func ensureSAKey(dir string) error {
	keyPath, pubPath := filepath.Join(dir, SAKey), filepath.Join(dir, SAPub)
	var signer crypto.Signer
	if exists(keyPath) {
		b, err := os.ReadFile(keyPath)
		if err != nil {
			return fmt.Errorf("pki: %w", err)
		}
		if signer, err = parseKey(b); err != nil {
			return fmt.Errorf("pki: %s: %w", SAKey, err)
		}
	} else {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("pki: service-account key: %w", err)
		}
		keyPEM, err := marshalKey(key)
		if err != nil {
			return err
		}
		if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
			return err
		}
		signer = key
	}
	if exists(pubPath) {
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return fmt.Errorf("pki: service-account public key: %w", err)
	}
	return writeFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
}

func marshalKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, err
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key of type %T cannot sign", key)
	}
	return s, nil
}

func serial() *big.Int {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (documented since Go 1.24).
	sum := sha256.Sum256(b)
	return new(big.Int).SetBytes(sum[:16])
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// writeFile writes through a temporary file and a rename, so a reader never sees half a key.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}
