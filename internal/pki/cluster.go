package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// File names of a Kubernetes cluster's PKI directory, the one layout of it:
// aksnetd creates the files (internal/kubesup) and aksnet-kube (the kube
// module, which requires this one) calls EnsureCluster on the same
// directory at every start, so it also runs on its own. The root module
// never imports the kube module, so it stays free of Kubernetes.
const (
	ClusterCACert        = "ca.crt"
	ClusterCAKey         = "ca.key"
	ClusterAPIServerCert = "apiserver.crt"
	ClusterAPIServerKey  = "apiserver.key"
	ClusterSAKey         = "sa.key"
	ClusterSAPub         = "sa.pub"
)

const clusterLeafValidity = 365 * 24 * time.Hour

// ClusterNames are what a cluster's apiserver certificate is issued for,
// besides localhost, 127.0.0.1 and the kubernetes service's names.
type ClusterNames struct {
	// ClusterName goes in the CA's subject.
	ClusterName string
	// ServiceIP is the ClusterIP of default/kubernetes (the .1 of the
	// service CIDR); the zero value leaves it out.
	ServiceIP netip.Addr
	// DNSNames are added as they are: the cluster's fqdn.
	DNSNames []string
}

// ClusterCA is one cluster's certificate authority.
type ClusterCA struct {
	CertPEM []byte
	cert    *x509.Certificate
	key     crypto.Signer
	dir     string
}

// EnsureCluster creates what is missing of a cluster's PKI in dir (0700):
// an ECDSA CA valid for ten years, the apiserver's serving certificate
// signed by it, and the RSA service-account key pair (service-account
// tokens are RS256). Existing files are kept, so the CA that kubeconfigs
// embed never changes. It returns the CA, which signs client certificates.
func EnsureCluster(dir string, names ClusterNames) (*ClusterCA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	keyPEM, err := CreateOrLoad(filepath.Join(dir, ClusterCAKey), 0o600, newKeyPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", filepath.Join(dir, ClusterCAKey), err)
	}
	certPEM, err := CreateOrLoad(filepath.Join(dir, ClusterCACert), 0o644, func() ([]byte, error) {
		return newClusterCAPEM(key, names.ClusterName)
	})
	if err != nil {
		return nil, err
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", filepath.Join(dir, ClusterCACert), err)
	}
	if !cert.IsCA || !publicKeyEqual(cert.PublicKey, key.Public()) {
		return nil, fmt.Errorf("pki: %s is not the CA of key %s", filepath.Join(dir, ClusterCACert), ClusterCAKey)
	}
	ca := &ClusterCA{CertPEM: certPEM, cert: cert, key: key, dir: dir}
	if err := ensureKeyAnd(dir, ClusterAPIServerKey, newKeyPEM, ClusterAPIServerCert, func(key crypto.Signer) ([]byte, error) {
		return ca.sign(servingTemplate(names), key.Public())
	}); err != nil {
		return nil, err
	}
	if err := ensureKeyAnd(dir, ClusterSAKey, newRSAKeyPEM, ClusterSAPub, func(key crypto.Signer) ([]byte, error) {
		der, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
	}); err != nil {
		return nil, err
	}
	return ca, nil
}

// ensureKeyAnd creates or loads the key file keyName in dir (0600, made
// by newKey), then the file name (0644) that derive makes from the key.
// The key comes first, so CreateOrLoad makes the pair agree even when two
// callers race.
func ensureKeyAnd(dir, keyName string, newKey func() ([]byte, error), name string, derive func(crypto.Signer) ([]byte, error)) error {
	keyPEM, err := CreateOrLoad(filepath.Join(dir, keyName), 0o600, newKey)
	if err != nil {
		return err
	}
	_, err = CreateOrLoad(filepath.Join(dir, name), 0o644, func() ([]byte, error) {
		key, err := parseKey(keyPEM)
		if err != nil {
			return nil, err
		}
		return derive(key)
	})
	return err
}

// ClientCert issues a client certificate, valid for a year, that the
// cluster's apiserver authenticates as user cn in groups (O).
func (ca *ClusterCA) ClientCert(cn string, groups ...string) (certPEM, keyPEM []byte, err error) {
	keyPEM, err = newKeyPEM()
	if err != nil {
		return nil, nil, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: groups},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(clusterLeafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	certPEM, err = ca.sign(tmpl, key.Public())
	if err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// KeptClientCert is ClientCert issued once and kept in the PKI directory
// as <name>.crt and <name>.key: the same credential comes back on every
// call, as AKS's local accounts do until their certificates are rotated,
// so a second `get-credentials` merges quietly. It is issued again when it
// is unreadable, not signed by the CA, or expires within 30 days.
func (ca *ClusterCA) KeptClientCert(name, cn string, groups ...string) (certPEM, keyPEM []byte, err error) {
	if ca.dir == "" || name == "" || filepath.Base(name) != name {
		return nil, nil, fmt.Errorf("pki: bad credential name %q", name)
	}
	certPath, keyPath := filepath.Join(ca.dir, name+".crt"), filepath.Join(ca.dir, name+".key")
	certPEM, err1 := os.ReadFile(certPath)
	keyPEM, err2 := os.ReadFile(keyPath)
	if err1 == nil && err2 == nil {
		if pair, err := tls.X509KeyPair(certPEM, keyPEM); err == nil && pair.Leaf != nil &&
			time.Now().Add(renewBefore).Before(pair.Leaf.NotAfter) && pair.Leaf.CheckSignatureFrom(ca.cert) == nil {
			return certPEM, keyPEM, nil
		}
	}
	certPEM, keyPEM, err = ca.ClientCert(cn, groups...)
	if err != nil {
		return nil, nil, err
	}
	// Key first: a reader that sees the new certificate with the old key
	// rejects the pair and issues again.
	if err := WriteFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, nil, err
	}
	if err := WriteFileAtomic(certPath, certPEM, 0o600); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// CertPool returns a pool holding only the cluster CA.
func (ca *ClusterCA) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func (ca *ClusterCA) sign(tmpl *x509.Certificate, pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("pki: sign %s: %w", tmpl.Subject.CommonName, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// servingTemplate is the apiserver certificate: the names kube-apiserver's
// own self-signed certificate would carry, loopback, and names.
func servingTemplate(names ClusterNames) *x509.Certificate {
	serial, _ := newSerial() // rand.Int on crypto/rand does not fail on Linux
	now := time.Now()
	t := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(clusterLeafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: append([]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"}, names.DNSNames...),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if names.ServiceIP.IsValid() {
		t.IPAddresses = append(t.IPAddresses, net.IP(names.ServiceIP.AsSlice()))
	}
	return t
}

// newClusterCAPEM returns a cluster's self-signed CA certificate for key,
// PEM-encoded: CN ca, O the cluster's name; no path length limit.
func newClusterCAPEM(key crypto.Signer, clusterName string) ([]byte, error) {
	pemBytes, err := selfSignedCAPEM(key, pkix.Name{CommonName: "ca", Organization: []string{clusterName}}, false)
	if err != nil {
		return nil, fmt.Errorf("pki: cluster CA: %w", err)
	}
	return pemBytes, nil
}

// newRSAKeyPEM returns a new 2048-bit RSA key, PKCS#8 PEM-encoded.
func newRSAKeyPEM() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("pki: generate RSA key: %w", err)
	}
	return encodeKeyPEM(key)
}
