// Package login is `aksnet login` and `aksnet logout`: az's service principal
// sign-in, recorded in the state directory for later commands.
package login

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/azenv"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// loginFlags are the arguments of `az login` that aksnet knows.
type loginFlags struct {
	username, password, tenant, scope                                      string
	servicePrincipal, allowNoSubscriptions, identity, deviceCode, snIssuer bool
}

// NewLoginCommand mirrors `az login --service-principal`: it checks the
// secret against the token endpoint, records the principal in
// <state-dir>/cli/profile.json, and later commands run as it.
func NewLoginCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &loginFlags{}
	cmd := &cobra.Command{Use: "login", Short: "Log in to Azure."}
	a := flags.New(cmd, flags.Knack)
	a.String(&f.username, "User name, service principal client ID, or managed identity ID.", "--username", "-u")
	a.String(&f.password, "Credentials like user password, or for a service principal, provide client secret or a pem file with key and public certificate. Will prompt if not given.", "--password", "-p")
	a.String(&f.tenant, "The Microsoft Entra tenant, must be provided when using a service principal.", "--tenant", "-t")
	a.Switch(&f.servicePrincipal, "Log in with a service principal.", "--service-principal")
	a.Switch(&f.allowNoSubscriptions, "Support access tenants without subscriptions. It's uncommon but useful to run tenant level commands, such as 'az ad'.", "--allow-no-subscriptions")
	a.Switch(&f.identity, "Log in using managed identity.", "--identity", "-i")
	a.Switch(&f.deviceCode, "Use device code flow.", "--use-device-code")
	a.Switch(&f.snIssuer, "Used with a service principal configured with Subject Name and Issuer Authentication in order to support automatic certificate rolls.", "--use-cert-sn-issuer")
	a.String(&f.scope, "Used in the /authorize request. It can cover only one static resource.", "--scope")
	a.Done()
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		e, err := command.NewEnv(cmd, s, g, false)
		if err != nil {
			return err
		}
		if err := f.check(e.ProgName()); err != nil {
			return err
		}
		if f.password == "" {
			if f.password, err = rbacPromptPassword(e); err != nil {
				return err
			}
		}
		subs, def, tenant, err := login(e, f)
		if err != nil {
			return err
		}
		return e.PrintValue(accounts(subs, def, tenant, f.username))
	}
	return cmd
}

// check is az's quick argument usage checks, in its order; aksnet signs in
// with service principals only.
func (f *loginFlags) check(prog string) error {
	switch {
	case (f.password != "" || f.servicePrincipal || f.tenant != "") && f.identity:
		return output.CLIError("usage error: '--identity' is not applicable with other arguments")
	case (f.password != "" || f.servicePrincipal || f.username != "" || f.identity) && f.deviceCode:
		return output.CLIError("usage error: '--use-device-code' is not applicable with other arguments")
	case f.snIssuer && !f.servicePrincipal:
		return output.CLIError("usage error: '--use-sn-issuer' is only applicable with a service principal")
	case f.servicePrincipal && f.username == "":
		return output.CLIError("usage error: --service-principal --username NAME --password SECRET --tenant TENANT")
	case !f.servicePrincipal:
		return output.CLIError("aksnet signs in with service principals only: %s login --service-principal -u APPID -p SECRET --tenant TENANT", prog)
	}
	return nil
}

// login signs in, lists the subscriptions and records the profile; it
// returns the subscriptions, the default's index and the token's tenant.
func login(e *command.Env, f *loginFlags) ([]client.Subscription, int, string, error) {
	g := e.Globals
	c, err := client.NewLogin(g.Endpoint, g.StateDir, e.Log)
	if err != nil {
		return nil, 0, "", err
	}
	token, err := c.LoginToken(f.username, f.password, e.ProgName())
	if err != nil {
		return nil, 0, "", err
	}
	subs, err := c.Subscriptions(token)
	if err != nil {
		return nil, 0, "", err
	}
	if len(subs) == 0 {
		return nil, 0, "", output.CLIError("No subscriptions found for %s.", f.username)
	}
	def := client.PickDefault(g.StateDir, subs)
	tenant := f.tenant
	if tenant == "" {
		tenant = subs[def].TenantID
	}
	prof := client.Profile{TenantID: tenant, SubscriptionID: subs[def].SubscriptionID, AppID: f.username, Password: f.password}
	return subs, def, tenant, client.WriteProfile(g.StateDir, prof)
}

// accounts is az login's answer: the subscriptions as az lists accounts.
func accounts(subs []client.Subscription, def int, tenant, username string) []any {
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
			"tenantId":         tenant,
			"user":             map[string]any{"name": username, "type": "servicePrincipal"},
		})
	}
	return out
}

// NewLogoutCommand mirrors `az logout`: it forgets the logged-in service
// principal, so commands run as the admin principal again. The admin
// principal itself is always signed in, so logging out without a login is
// a no-op.
func NewLogoutCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var username string
	cmd := &cobra.Command{Use: "logout", Short: "Log out to remove access to Azure subscriptions."}
	a := flags.New(cmd, flags.Knack)
	a.String(&username, "Account user, if missing, logout the current active account.", "--username", "-u")
	a.Done()
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if _, err := command.NewEnv(cmd, s, g, false); err != nil {
			return err
		}
		return client.Logout(g.StateDir, username)
	}
	return cmd
}

// rbacPromptPassword is knack's prompt_pass('Password: ').
func rbacPromptPassword(e *command.Env) (string, error) {
	f, ok := e.Streams.In.(*os.File)
	if !ok || !command.IsTerminal(f) {
		return "", output.CLIError("Please specify both username and password in non-interactive mode.")
	}
	fmt.Fprint(e.Streams.Err, "Password: ")
	fd := int(f.Fd())
	if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		noEcho := *old
		noEcho.Lflag &^= unix.ECHO
		if unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho) == nil {
			defer func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }()
		}
	}
	line, err := bufio.NewReader(f).ReadString('\n')
	fmt.Fprintln(e.Streams.Err)
	if err != nil && line == "" {
		return "", output.CLIError("Please specify both username and password in non-interactive mode.")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
