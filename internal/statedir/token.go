package statedir

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Token signs in as c: it asks the ADFS token endpoint of the server at
// endpoint (https://host:port) for an ARM access token with the
// client-credentials grant, as az does. An unreachable server is an error
// wrapping the *url.Error of the request; a refusal is an error with the
// endpoint's status and answer.
func (c *Credentials) Token(hc *http.Client, endpoint string) (string, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.AppID},
		"client_secret": {c.Password},
		"scope":         {endpoint + "//.default"},
	}
	resp, err := hc.PostForm(endpoint+"/adfs/oauth2/token", form)
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token request: %s: %s", resp.Status, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", fmt.Errorf("token response %s: %w", body, err)
	}
	if tr.AccessToken == "" {
		return "", fmt.Errorf("token response %s: no access_token", body)
	}
	return tr.AccessToken, nil
}
