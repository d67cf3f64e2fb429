package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// NewLogin is a client for the server that has no principal yet: login
// needs only the CA, not the admin credentials.
func NewLogin(endpoint, stateDir string, log *output.Logger) (*Client, error) {
	conn, err := stateDirConn(stateDir, time.Minute)
	if err != nil {
		return nil, err
	}
	return &Client{
		Endpoint: strings.TrimRight(endpoint, "/"),
		StateDir: stateDir,
		log:      log,
		http:     &http.Client{Transport: conn},
	}, nil
}

// LoginToken signs in with a client secret at the ADFS token endpoint, as
// az (MSAL) does. A refusal is az's AuthenticationError: the server's
// error_description, then how to sign in again; exit code 1.
func (c *Client) LoginToken(appID, secret, prog string) (string, error) {
	c.log.Debug("Request URL: 'POST %s/adfs/oauth2/token'", c.Endpoint)
	tr, status, err := c.requestToken(appID, secret)
	if err != nil {
		return "", err
	}
	if status == http.StatusOK && tr.AccessToken != "" {
		return tr.AccessToken, nil
	}
	msg := tr.Description
	if msg == "" {
		msg = tr.Error
	}
	if msg == "" {
		msg = fmt.Sprintf("token request failed with status %d", status)
	}
	return "", &output.Error{Code: 1, Message: msg,
		Recommendations: []string{"To re-authenticate, please run:\n" + prog + " login"}}
}

// Subscription is one entry of GET /subscriptions (2019-11-01).
type Subscription struct {
	ID               string `json:"id"`
	SubscriptionID   string `json:"subscriptionId"`
	DisplayName      string `json:"displayName"`
	State            string `json:"state"`
	TenantID         string `json:"tenantId"`
	ManagedByTenants *[]struct {
		TenantID string `json:"tenantId"`
	} `json:"managedByTenants"`
}

// Subscriptions lists the subscriptions the token can see.
func (c *Client) Subscriptions(token string) ([]Subscription, error) {
	var all []Subscription
	next := c.Endpoint + "/subscriptions?api-version=" + APISubscriptions
	for next != "" {
		req, err := http.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return nil, output.CLIError("%v", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		c.log.Debug("Request URL: 'GET %s'", next)
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, c.unreachable(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, c.unreachable(err)
		}
		if resp.StatusCode >= 400 {
			return nil, output.ParseARMError(resp.StatusCode, body)
		}
		var page struct {
			Value    []Subscription `json:"value"`
			NextLink string         `json:"nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, output.CLIError("decode subscriptions: %v", err)
		}
		for _, s := range page.Value {
			if s.SubscriptionID == "" {
				s.SubscriptionID = s.ID[strings.LastIndex(s.ID, "/")+1:]
			}
			all = append(all, s)
		}
		next = page.NextLink
	}
	return all, nil
}

// PickDefault keeps the current subscription when the new login sees it,
// else takes the first enabled one, as az's _set_subscriptions.
func PickDefault(stateDir string, subs []Subscription) int {
	if raw, err := os.ReadFile(filepath.Join(Dir(stateDir), "profile.json")); err == nil {
		var p Profile
		if json.Unmarshal(raw, &p) == nil {
			for i, s := range subs {
				if strings.EqualFold(s.SubscriptionID, p.SubscriptionID) {
					return i
				}
			}
		}
	}
	for i, s := range subs {
		if s.State == "Enabled" {
			return i
		}
	}
	return 0
}

// WriteProfile stores the login (mode 0600) and drops the cached token, so
// the next command signs in as the new principal.
func WriteProfile(stateDir string, p Profile) error {
	dir := Dir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return output.CLIError("%v", err)
	}
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return output.CLIError("%v", err)
	}
	tmp, err := os.CreateTemp(dir, ".profile-*.json")
	if err != nil {
		return output.CLIError("%v", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return output.CLIError("%v", err)
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return output.CLIError("%v", err)
	}
	if err := tmp.Close(); err != nil {
		return output.CLIError("%v", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "profile.json")); err != nil {
		return output.CLIError("%v", err)
	}
	if err := os.Remove(filepath.Join(dir, "token.json")); err != nil && !os.IsNotExist(err) {
		return output.CLIError("%v", err)
	}
	return nil
}

// Logout forgets the logged-in service principal (when username is empty
// or names it), so commands run as the admin principal again. Without a
// login it does nothing.
func Logout(stateDir, username string) error {
	dir := Dir(stateDir)
	raw, err := os.ReadFile(filepath.Join(dir, "profile.json"))
	if err != nil {
		return nil
	}
	var p Profile
	if json.Unmarshal(raw, &p) == nil && username != "" && !strings.EqualFold(username, p.AppID) {
		return nil // not the signed-in account: nothing to remove, as az
	}
	for _, f := range []string{"profile.json", "token.json"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			return output.CLIError("%v", err)
		}
	}
	return nil
}
