// Package client is the CLI's ARM client: it signs in as the CLI's
// principal, sends requests to the aksnet server over one TLS connection,
// follows long-running operations and list pages, and builds the resource
// ids the commands address. Commands call it; it prints nothing.
package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/statedir"
)

// DefaultEndpoint is where the CLI looks for the server.
const DefaultEndpoint = "https://localhost:8443"

// API versions the CLI speaks, as az 2.45's latest profile does.
const (
	APIResources     = "2021-04-01"
	APINetwork       = "2022-01-01"
	APIMSI           = "2023-01-31"
	APIAuthorization = "2022-04-01"
	APIAKS           = "2024-05-01"
	// APISubscriptions is the api-version az login lists subscriptions with.
	APISubscriptions = "2019-11-01"
)

// Profile is who the CLI signs in as: the admin principal by default, or
// the service principal of the last `aksnet login`.
type Profile struct {
	TenantID       string `json:"tenantId"`
	SubscriptionID string `json:"subscriptionId"`
	AppID          string `json:"appId"`
	Password       string `json:"password"`
}

type cachedToken struct {
	Endpoint  string    `json:"endpoint"`
	AppID     string    `json:"appId"`
	Token     string    `json:"accessToken"`
	ExpiresOn time.Time `json:"expiresOn"`
}

// Client calls the aksnet server as the CLI's signed-in principal.
type Client struct {
	Endpoint string
	StateDir string
	// Subscription is the subscription commands act on.
	Subscription string
	http         *http.Client
	prof         Profile
	log          *output.Logger
}

// Dir is where the CLI keeps its login profile and token cache.
func Dir(stateDir string) string { return filepath.Join(stateDir, "cli") }

// TenantID is the tenant of the signed-in principal.
func (c *Client) TenantID() string { return c.prof.TenantID }

// loadProfile returns the login profile, or the admin credentials.
func loadProfile(stateDir string) (Profile, error) {
	var p Profile
	raw, err := os.ReadFile(filepath.Join(Dir(stateDir), "profile.json"))
	if err == nil && json.Unmarshal(raw, &p) == nil && p.AppID != "" {
		return p, nil
	}
	creds, err := statedir.LoadCredentials(stateDir)
	if err != nil {
		return p, &output.Error{Code: 1, Message: fmt.Sprintf("no aksnet credentials in %s (%v). Start a server with: aksnet serve --state-dir %s", stateDir, err, stateDir)}
	}
	return Profile{TenantID: creds.TenantID, SubscriptionID: creds.SubscriptionID, AppID: creds.AppID, Password: creds.Password}, nil
}

// New returns a client for the server at endpoint whose state (CA,
// credentials, login profile) is in stateDir, signed in as the logged-in
// principal or the admin. subscription, when set, overrides the profile's.
func New(endpoint, stateDir, subscription string, log *output.Logger) (*Client, error) {
	prof, err := loadProfile(stateDir)
	if err != nil {
		return nil, err
	}
	conn, err := stateDirConn(stateDir, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	c := &Client{
		Endpoint:     strings.TrimRight(endpoint, "/"),
		StateDir:     stateDir,
		Subscription: prof.SubscriptionID,
		prof:         prof,
		log:          log,
		http:         &http.Client{Transport: conn},
	}
	if subscription != "" {
		c.Subscription = subscription
	}
	return c, nil
}

// token returns a bearer token, from the cache when it is still valid.
func (c *Client) token() (string, error) {
	cachePath := filepath.Join(Dir(c.StateDir), "token.json")
	var ct cachedToken
	if raw, err := os.ReadFile(cachePath); err == nil && json.Unmarshal(raw, &ct) == nil &&
		ct.Endpoint == c.Endpoint && ct.AppID == c.prof.AppID && time.Until(ct.ExpiresOn) > time.Minute {
		return ct.Token, nil
	}
	tr, status, err := c.requestToken(c.prof.AppID, c.prof.Password)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK || tr.AccessToken == "" {
		return "", &output.Error{Code: 1, Message: fmt.Sprintf("sign-in as %s failed: %s %s. Run 'aksnet login' again or 'aksnet logout' to use the admin principal.", c.prof.AppID, tr.Error, tr.Description)}
	}
	ct = cachedToken{Endpoint: c.Endpoint, AppID: c.prof.AppID, Token: tr.AccessToken, ExpiresOn: time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)}
	// The cache only spares the next command a sign-in: failing to write it
	// is worth a warning, not this command's failure.
	if err := writeTokenCache(cachePath, ct); err != nil {
		c.log.Warn("Could not cache the access token: %v", err)
	}
	return ct.Token, nil
}

// writeTokenCache stores ct at path, readable by its owner only.
func writeTokenCache(path string, ct cachedToken) error {
	raw, err := json.Marshal(ct)
	if err != nil {
		return fmt.Errorf("encode token cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// tokenResponse is the token endpoint's answer, or its OAuth error.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// requestToken asks the server's ADFS token endpoint for a token with a
// client secret, as az (MSAL) does. Only an unreachable server is an error;
// a refusal comes back as the status and the response's OAuth error.
func (c *Client) requestToken(appID, secret string) (tokenResponse, int, error) {
	var tr tokenResponse
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {appID},
		"client_secret": {secret},
		"scope":         {c.Endpoint + "//.default"},
	}
	resp, err := c.http.PostForm(c.Endpoint+"/adfs/oauth2/token", form)
	if err != nil {
		return tr, 0, c.unreachable(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return tr, 0, fmt.Errorf("read the token endpoint's answer: %w", err)
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return tr, 0, fmt.Errorf("decode the token endpoint's answer (status %d): %w", resp.StatusCode, err)
	}
	return tr, resp.StatusCode, nil
}

func (c *Client) unreachable(err error) error {
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return &output.Error{Code: 1, Message: fmt.Sprintf("cannot reach the aksnet server at %s (%v). Start one with: aksnet serve", c.Endpoint, err)}
	}
	return &output.Error{Code: 1, Message: fmt.Sprintf("request to %s failed: %v", c.Endpoint, err)}
}

// Response is a completed call.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// Do sends one request. path is an ARM path (or full URL); apiVersion is
// added unless empty or already present.
func (c *Client) Do(method, path, apiVersion string, body any) (*Response, error) {
	tok, err := c.token()
	if err != nil {
		return nil, err
	}
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = c.Endpoint + path
	}
	if apiVersion != "" && !strings.Contains(u, "api-version=") {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "api-version=" + apiVersion
	}
	var rd io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			if raw, err = json.Marshal(body); err != nil {
				return nil, err
			}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.log.Debug("Request URL: '%s %s'", method, u)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.unreachable(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	c.log.Debug("Response status: %d (%s)", resp.StatusCode, time.Since(start).Round(time.Microsecond))
	return &Response{Status: resp.StatusCode, Body: b, Header: resp.Header}, nil
}

// Call is Do that turns error statuses into output.ARMError.
func (c *Client) Call(method, path, apiVersion string, body any) (*Response, error) {
	r, err := c.Do(method, path, apiVersion, body)
	if err != nil {
		return nil, err
	}
	if r.Status >= 400 {
		return nil, output.ParseARMError(r.Status, r.Body)
	}
	return r, nil
}

// waitLocation polls an operation that only a Location header names (a
// resource group delete): 202 while it runs, then its result, an ARM error
// when it failed.
func (c *Client) waitLocation(loc string) error {
	delay := 10 * time.Millisecond
	for {
		pr, err := c.Do(http.MethodGet, loc, "", nil)
		if err != nil {
			return err
		}
		if pr.Status >= 400 {
			return output.ParseARMError(pr.Status, pr.Body)
		}
		if pr.Status != http.StatusAccepted {
			return nil
		}
		if next := pr.Header.Get("Location"); next != "" {
			loc = next
		}
		delay = backoff(delay)
	}
}

// backoff sleeps for delay and returns the next poll's: doubled, up to
// half a second.
func backoff(delay time.Duration) time.Duration {
	time.Sleep(delay)
	if delay < 500*time.Millisecond {
		delay *= 2
	}
	return delay
}

// Wait polls a long-running operation until it ends, returning its error
// when it failed. progress, when set, is told the status after each poll.
func (c *Client) Wait(r *Response, progress func(status string)) error {
	op := r.Header.Get("Azure-AsyncOperation")
	if op == "" {
		if loc := r.Header.Get("Location"); loc != "" && r.Status == http.StatusAccepted {
			return c.waitLocation(loc)
		}
		return nil
	}
	delay := 10 * time.Millisecond
	for {
		pr, err := c.Do(http.MethodGet, op, "", nil)
		if err != nil {
			return err
		}
		var st struct {
			Status string          `json:"status"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(pr.Body, &st); err != nil {
			return fmt.Errorf("decode operation status %s (status %d): %w", op, pr.Status, err)
		}
		if progress != nil {
			progress(st.Status)
		}
		switch st.Status {
		case "Succeeded":
			return nil
		case "Failed", "Canceled":
			e := output.ParseARMError(http.StatusBadRequest, pr.Body)
			if e.Code == "" {
				e.Code, e.Message = st.Status, "The operation "+strings.ToLower(st.Status)+"."
			}
			return e
		}
		delay = backoff(delay)
	}
}
