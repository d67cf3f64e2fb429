package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/cli/azenv"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

func init() {
	rootCommands = append(rootCommands, lazyCommand{"login", newLoginCommand}, lazyCommand{"logout", newLogoutCommand})
}

// apiSubscriptions is the api-version az login lists subscriptions with.
const apiSubscriptions = "2019-11-01"

// newLoginCommand mirrors `az login --service-principal`: it checks the
// secret against the token endpoint, records the principal in
// <state-dir>/cli/profile.json, and later commands run as it.
func newLoginCommand(s Streams, g *globalFlags) *cobra.Command {
	var username, password, tenant, scope string
	var servicePrincipal, allowNoSubscriptions, identity, deviceCode, snIssuer bool
	cmd := &cobra.Command{Use: "login", Short: "Log in to Azure."}
	a := newRbacArgs(cmd)
	a.String(&username, "username", "u", "User name, service principal client ID, or managed identity ID.")
	a.String(&password, "password", "p", "Credentials like user password, or for a service principal, provide client secret or a pem file with key and public certificate. Will prompt if not given.")
	a.String(&tenant, "tenant", "t", "The Microsoft Entra tenant, must be provided when using a service principal.")
	a.Bool(&servicePrincipal, "service-principal", "", "Log in with a service principal.")
	a.Bool(&allowNoSubscriptions, "allow-no-subscriptions", "", "Support access tenants without subscriptions. It's uncommon but useful to run tenant level commands, such as 'az ad'.")
	a.Bool(&identity, "identity", "i", "Log in using managed identity.")
	a.Bool(&deviceCode, "use-device-code", "", "Use device code flow.")
	a.Bool(&snIssuer, "use-cert-sn-issuer", "", "Used with a service principal configured with Subject Name and Issuer Authentication in order to support automatic certificate rolls.")
	a.String(&scope, "scope", "", "Used in the /authorize request. It can cover only one static resource.")
	a.done()
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		e, err := newEnv(cmd, s, g, false)
		if err != nil {
			return err
		}
		// az's quick argument usage checks, in its order.
		switch {
		case (password != "" || servicePrincipal || tenant != "") && identity:
			return rbacCLIError("usage error: '--identity' is not applicable with other arguments")
		case (password != "" || servicePrincipal || username != "" || identity) && deviceCode:
			return rbacCLIError("usage error: '--use-device-code' is not applicable with other arguments")
		case snIssuer && !servicePrincipal:
			return rbacCLIError("usage error: '--use-sn-issuer' is only applicable with a service principal")
		case servicePrincipal && username == "":
			return rbacCLIError("usage error: --service-principal --username NAME --password SECRET --tenant TENANT")
		case !servicePrincipal:
			return rbacCLIError("aksnet signs in with service principals only: %s login --service-principal -u APPID -p SECRET --tenant TENANT",
				e.rbacProgName())
		}
		if password == "" {
			if password, err = rbacPromptPassword(e); err != nil {
				return err
			}
		}
		c, err := newLoginClient(g, e.log)
		if err != nil {
			return err
		}
		token, err := c.loginToken(username, password, e.rbacProgName())
		if err != nil {
			return err
		}
		subs, err := c.loginSubscriptions(token)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			return rbacCLIError("No subscriptions found for %s.", username)
		}
		def := loginPickDefault(g.stateDir, subs)
		tokenTenant := tenant
		if tokenTenant == "" {
			tokenTenant = subs[def].TenantID
		}
		prof := profile{TenantID: tokenTenant, SubscriptionID: subs[def].SubscriptionID, AppID: username, Password: password}
		if err := writeLoginProfile(g.stateDir, prof); err != nil {
			return err
		}
		out := make([]any, 0, len(subs))
		for i, sub := range subs {
			var managed any
			if sub.ManagedByTenants != nil {
				list := []any{}
				for _, t := range *sub.ManagedByTenants {
					list = append(list, map[string]any{"tenantId": t.TenantID})
				}
				managed = list
			}
			out = append(out, map[string]any{
				"cloudName":        azenv.CloudName,
				"homeTenantId":     sub.TenantID,
				"id":               sub.SubscriptionID,
				"isDefault":        i == def,
				"managedByTenants": managed,
				"name":             sub.DisplayName,
				"state":            sub.State,
				"tenantId":         tokenTenant,
				"user":             map[string]any{"name": username, "type": "servicePrincipal"},
			})
		}
		return e.printValue(out)
	}
	return cmd
}

// newLogoutCommand mirrors `az logout`: it forgets the logged-in service
// principal, so commands run as the admin principal again. The admin
// principal itself is always signed in, so logging out without a login is
// a no-op.
func newLogoutCommand(s Streams, g *globalFlags) *cobra.Command {
	var username string
	cmd := &cobra.Command{Use: "logout", Short: "Log out to remove access to Azure subscriptions."}
	a := newRbacArgs(cmd)
	a.String(&username, "username", "u", "Account user, if missing, logout the current active account.")
	a.done()
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if _, err := newEnv(cmd, s, g, false); err != nil {
			return err
		}
		dir := cliDir(g.stateDir)
		raw, err := os.ReadFile(filepath.Join(dir, "profile.json"))
		if err != nil {
			return nil
		}
		var p profile
		if json.Unmarshal(raw, &p) == nil && username != "" && !strings.EqualFold(username, p.AppID) {
			return nil // not the signed-in account: nothing to remove, as az
		}
		for _, f := range []string{"profile.json", "token.json"} {
			if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
				return rbacCLIError("%v", err)
			}
		}
		return nil
	}
	return cmd
}

// rbacPromptPassword is knack's prompt_pass('Password: ').
func rbacPromptPassword(e *env) (string, error) {
	f, ok := e.s.In.(*os.File)
	if !ok || !isTerminal(f) {
		return "", rbacCLIError("Please specify both username and password in non-interactive mode.")
	}
	fmt.Fprint(e.s.Err, "Password: ")
	fd := int(f.Fd())
	if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		noEcho := *old
		noEcho.Lflag &^= unix.ECHO
		if unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho) == nil {
			defer func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }()
		}
	}
	line, err := bufio.NewReader(f).ReadString('\n')
	fmt.Fprintln(e.s.Err)
	if err != nil && line == "" {
		return "", rbacCLIError("Please specify both username and password in non-interactive mode.")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// newLoginClient is a client for the server that has no principal yet:
// login needs only the CA, not the admin credentials.
func newLoginClient(g *globalFlags, log *output.Logger) (*Client, error) {
	conn, err := stateDirConn(g.stateDir, time.Minute)
	if err != nil {
		return nil, err
	}
	return &Client{
		Endpoint: strings.TrimRight(g.endpoint, "/"),
		StateDir: g.stateDir,
		log:      log,
		http:     &http.Client{Transport: conn},
	}, nil
}

// loginToken signs in with a client secret at the ADFS token endpoint, as
// az (MSAL) does. A refusal is az's AuthenticationError: the server's
// error_description, then how to sign in again; exit code 1.
func (c *Client) loginToken(appID, secret, prog string) (string, error) {
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

// loginSubscription is one entry of GET /subscriptions (2019-11-01).
type loginSubscription struct {
	ID               string `json:"id"`
	SubscriptionID   string `json:"subscriptionId"`
	DisplayName      string `json:"displayName"`
	State            string `json:"state"`
	TenantID         string `json:"tenantId"`
	ManagedByTenants *[]struct {
		TenantID string `json:"tenantId"`
	} `json:"managedByTenants"`
}

// loginSubscriptions lists the subscriptions the token can see.
func (c *Client) loginSubscriptions(token string) ([]loginSubscription, error) {
	var all []loginSubscription
	next := c.Endpoint + "/subscriptions?api-version=" + apiSubscriptions
	for next != "" {
		req, err := http.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return nil, rbacCLIError("%v", err)
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
			Value    []loginSubscription `json:"value"`
			NextLink string              `json:"nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, rbacCLIError("decode subscriptions: %v", err)
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

// loginPickDefault keeps the current subscription when the new login sees
// it, else takes the first enabled one, as az's _set_subscriptions.
func loginPickDefault(stateDir string, subs []loginSubscription) int {
	if raw, err := os.ReadFile(filepath.Join(cliDir(stateDir), "profile.json")); err == nil {
		var p profile
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

// writeLoginProfile stores the login (mode 0600) and drops the cached
// token, so the next command signs in as the new principal.
func writeLoginProfile(stateDir string, p profile) error {
	dir := cliDir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return rbacCLIError("%v", err)
	}
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return rbacCLIError("%v", err)
	}
	tmp, err := os.CreateTemp(dir, ".profile-*.json")
	if err != nil {
		return rbacCLIError("%v", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return rbacCLIError("%v", err)
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return rbacCLIError("%v", err)
	}
	if err := tmp.Close(); err != nil {
		return rbacCLIError("%v", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "profile.json")); err != nil {
		return rbacCLIError("%v", err)
	}
	if err := os.Remove(filepath.Join(dir, "token.json")); err != nil && !os.IsNotExist(err) {
		return rbacCLIError("%v", err)
	}
	return nil
}
