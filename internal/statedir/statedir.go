// Package statedir is the part of an aksnet state directory that aksnetd
// and its clients share: where it is by default, and the admin principal's
// credentials file that the server writes on first start and the aksnet
// CLI and az-env sign in with.
//
// It is deliberately tiny: the aksnet CLI imports it, and every package the
// CLI links costs start-up time.
package statedir

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// CredentialsFile is the admin principal's credentials file in the state dir.
const CredentialsFile = "admin.json"

// CAFile is the CA certificate (PEM) that clients trust.
const CAFile = "ca.pem"

// Credentials is what a client needs to sign in as the admin principal.
type Credentials struct {
	TenantID       string `json:"tenantId"`
	SubscriptionID string `json:"subscriptionId"`
	AppID          string `json:"appId"`
	Password       string `json:"password"`
	ObjectID       string `json:"objectId"`
}

// Default returns $AKSNET_STATE_DIR, or ~/.aksnet.
func Default() string {
	if d := os.Getenv("AKSNET_STATE_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".aksnet"
	}
	return filepath.Join(home, ".aksnet")
}

// LoadCredentials reads the admin credentials of the state dir dir.
func LoadCredentials(dir string) (*Credentials, error) {
	raw, err := os.ReadFile(filepath.Join(dir, CredentialsFile))
	if err != nil {
		return nil, err
	}
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
