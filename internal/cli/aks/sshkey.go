package aks

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// SSH keys for `aks create --generate-ssh-keys`, written as az writes them
// with paramiko. The formats are small and fixed, so they are encoded here
// rather than through golang.org/x/crypto/ssh, whose package initialisation
// would slow every aksnet command.

// GenerateSSHKeys is az's generate_ssh_keys for a missing public key
// file: it reuses the RSA private key at privPath (reused is true) or writes
// a new RSA 2048 key there as PKCS#1 PEM (0600, in a 0700 directory), then
// writes the public key as "ssh-rsa BASE64" (0644) and returns that line. A
// private key that is there but can't be used (encrypted, not RSA,
// malformed) is an error, never overwritten.
func GenerateSSHKeys(privPath, pubPath string) (line string, reused bool, err error) {
	dir := filepath.Dir(privPath)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", false, err
		}
	}
	var key *rsa.PrivateKey
	raw, err := os.ReadFile(privPath)
	switch {
	case err == nil:
		if key, err = parseRSAPrivateKey(raw); err != nil {
			return "", false, fmt.Errorf("private key %s: %w", privPath, err)
		}
		reused = true
	case errors.Is(err, os.ErrNotExist):
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return "", false, err
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if err := os.WriteFile(privPath, block, 0o600); err != nil {
			return "", false, err
		}
	default:
		return "", false, err
	}
	line = sshRSAPublicKey(&key.PublicKey)
	if err := os.WriteFile(pubPath, []byte(line), 0o644); err != nil {
		return "", false, err
	}
	return line, reused, nil
}

// sshRSAPublicKey is the authorized_keys line of pub: "ssh-rsa " and the
// base64 of the RFC 4253 blob (string "ssh-rsa", mpint e, mpint n).
func sshRSAPublicKey(pub *rsa.PublicKey) string {
	var blob []byte
	blob = sshString(blob, []byte("ssh-rsa"))
	blob = sshMpint(blob, big.NewInt(int64(pub.E)))
	blob = sshMpint(blob, pub.N)
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob)
}

func sshString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// sshMpint appends a non-negative RFC 4251 mpint: big-endian, with a zero
// byte first when the top bit is set, and no bytes for zero.
func sshMpint(b []byte, n *big.Int) []byte {
	m := n.Bytes()
	if len(m) > 0 && m[0]&0x80 != 0 {
		m = append([]byte{0}, m...)
	}
	return sshString(b, m)
}

// parseRSAPrivateKey reads what paramiko's RSAKey reads: a PEM RSA key in
// PKCS#1 ("RSA PRIVATE KEY"), PKCS#8 ("PRIVATE KEY") or OpenSSH's own
// format ("OPENSSH PRIVATE KEY"), unencrypted.
func parseRSAPrivateKey(raw []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("not a PEM private key")
	}
	if _, encrypted := block.Headers["DEK-Info"]; encrypted {
		return nil, errors.New("the key is encrypted with a passphrase")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("not an RSA key (%T)", k)
		}
		return rk, nil
	case "OPENSSH PRIVATE KEY":
		return parseOpenSSHRSAKey(block.Bytes)
	}
	return nil, fmt.Errorf("unsupported key type %q", block.Type)
}

// parseOpenSSHRSAKey decodes an unencrypted openssh-key-v1 blob holding one
// RSA key (PROTOCOL.key in OpenSSH's sources).
func parseOpenSSHRSAKey(b []byte) (*rsa.PrivateKey, error) {
	const magic = "openssh-key-v1\x00"
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, errors.New("not an openssh-key-v1 key")
	}
	r := sshReader{b: b[len(magic):]}
	cipher, kdf, _ := r.str(), r.str(), r.str()
	n := r.u32()
	_ = r.str() // public key
	priv := sshReader{b: r.str()}
	if r.err != nil {
		return nil, r.err
	}
	if string(cipher) != "none" || string(kdf) != "none" {
		return nil, errors.New("the key is encrypted with a passphrase")
	}
	if n != 1 {
		return nil, fmt.Errorf("the file holds %d keys, want 1", n)
	}
	if check1, check2 := priv.u32(), priv.u32(); check1 != check2 {
		return nil, errors.New("corrupt key (check bytes differ)")
	}
	if kt := string(priv.str()); priv.err == nil && kt != "ssh-rsa" {
		return nil, fmt.Errorf("not an RSA key (%s)", kt)
	}
	nn, e, d, _, p, q := priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint()
	if priv.err != nil {
		return nil, priv.err
	}
	if !e.IsInt64() || e.Int64() > 1<<31-1 {
		return nil, errors.New("corrupt key (public exponent)")
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: nn, E: int(e.Int64())}, D: d, Primes: []*big.Int{p, q}}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	k.Precompute()
	return k, nil
}

// sshReader reads RFC 4251 fields; the first error sticks.
type sshReader struct {
	b   []byte
	err error
}

func (r *sshReader) u32() uint32 {
	if r.err != nil || len(r.b) < 4 {
		r.fail()
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *sshReader) str() []byte {
	n := r.u32()
	if r.err != nil || uint64(n) > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *sshReader) mpint() *big.Int { return new(big.Int).SetBytes(r.str()) }

func (r *sshReader) fail() {
	if r.err == nil {
		r.err = errors.New("corrupt key (truncated)")
	}
}

// aksIsSSHRSAPublicKey is az's is_valid_ssh_rsa_public_key: the key type
// is repeated at the start of the decoded key blob.
func aksIsSSHRSAPublicKey(s string) bool {
	parts := strings.Fields(s)
	if len(parts) < 2 {
		return false
	}
	data, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil || len(data) < 4 {
		return false
	}
	n := int(binary.BigEndian.Uint32(data[:4]))
	return n <= len(data)-4 && string(data[4:4+n]) == parts[0]
}

// aksExpandHome is os.path.expanduser for a leading "~".
func aksExpandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// aksSSHKey is az's validate_ssh_key: the public key from a file or the
// value itself, generating ~/.ssh/id_rsa{,.pub} with --generate-ssh-keys.
func aksSSHKey(log *output.Logger, value string, generate bool) (string, error) {
	if value == "" {
		value = "~/.ssh/id_rsa.pub"
	}
	path := aksExpandHome(value)
	if raw, err := os.ReadFile(path); err == nil {
		log.Info("Use existing SSH public key file: %s", path)
		return strings.TrimSpace(string(raw)), nil
	}
	if aksIsSSHRSAPublicKey(value) {
		return value, nil
	}
	if !generate {
		return "", output.CLIError("An RSA key file or key value must be supplied to SSH Key Value. You can use --generate-ssh-keys to let CLI generate one for you")
	}
	priv := path + ".private"
	if strings.HasSuffix(strings.ToLower(path), ".pub") {
		priv = path[:len(path)-4]
	}
	pub, reused, err := GenerateSSHKeys(priv, path)
	if err != nil {
		return "", &output.Error{Code: 1, Message: fmt.Sprintf("Unable to generate SSH keys: %v", err)}
	}
	if reused {
		log.Warn("Private SSH key file '%s' was found in the directory: '%s'. A paired public key file '%s' will be generated.", priv, filepath.Dir(priv), path)
		return pub, nil
	}
	log.Warn("SSH key files '%s' and '%s' have been generated under ~/.ssh to allow SSH access to the VM. "+
		"If using machines without permanent storage like Azure Cloud Shell without an attached file share, back up your keys to a safe location", priv, path)
	return pub, nil
}
