package aks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// The test binary may use x/crypto/ssh as the reference; the aksnet binary
// does not link it (see sshkey.go).

func TestSSHRSAPublicKeyMatchesXCryptoSSH(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := ssh.NewPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ref)))
		if got := sshRSAPublicKey(&k.PublicKey); got != want {
			t.Errorf("%d bits: got %q\nwant %q", bits, got, want)
		}
	}
}

func TestParseRSAPrivateKeyFormats(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	openssh, err := ssh.MarshalPrivateKey(k, "comment")
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(k, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecOpenSSH, err := ssh.MarshalPrivateKey(ec, "")
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	truncated := pem.EncodeToMemory(&pem.Block{Type: openssh.Type, Bytes: openssh.Bytes[:200]})
	cases := []struct {
		name    string
		raw     []byte
		wantErr string
	}{
		{"pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), ""},
		{"pkcs8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), ""},
		{"openssh", pem.EncodeToMemory(openssh), ""},
		{"openssh encrypted", pem.EncodeToMemory(encrypted), "encrypted with a passphrase"},
		{"openssh ecdsa", pem.EncodeToMemory(ecOpenSSH), "not an RSA key (ecdsa-sha2-nistp256)"},
		{"pkcs8 ecdsa", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecPKCS8}), "not an RSA key"},
		{"openssh truncated", truncated, "corrupt key"},
		{"legacy encrypted pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1}}), "encrypted with a passphrase"},
		{"not pem", []byte("ssh-rsa AAAA"), "not a PEM private key"},
		{"other pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), `unsupported key type "CERTIFICATE"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseRSAPrivateKey(c.raw)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(k) {
				t.Fatal("parsed key differs from the original")
			}
		})
	}
}

// TestGenerateSSHKeysKeepsUnusableKey checks that an existing private key
// that can't be read is an error and stays untouched, as with az.
func TestGenerateSSHKeysKeepsUnusableKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".ssh")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	priv, pub := filepath.Join(dir, "id_rsa"), filepath.Join(dir, "id_rsa.pub")
	junk := []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64\n-----END OPENSSH PRIVATE KEY-----\n")
	if err := os.WriteFile(priv, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := GenerateSSHKeys(priv, pub); err == nil {
		t.Fatal("no error for an unreadable private key")
	}
	if b, _ := os.ReadFile(priv); string(b) != string(junk) {
		t.Fatal("the private key was overwritten")
	}
	if _, err := os.Stat(pub); err == nil {
		t.Fatal("a public key was written")
	}

	// A usable key is reused and gets its public half.
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(k, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(priv, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	line, reused, err := GenerateSSHKeys(priv, pub)
	if err != nil || !reused || line != sshRSAPublicKey(&k.PublicKey) {
		t.Fatalf("reuse: line %q reused %v err %v", line, reused, err)
	}
	if b, _ := os.ReadFile(pub); string(b) != line {
		t.Fatalf("public key file %q, want %q", b, line)
	}
}
