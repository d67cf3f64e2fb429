package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoginAsServicePrincipalAndLogout(t *testing.T) {
	c := newRbacCLI(t)
	c.ok("group", "create", "-n", "rg1", "-l", "eastus")
	sp, _ := c.createForRBAC("-n", "scoped", "--role", "Contributor", "--scopes", c.rgID("rg1"))
	appID, password := sp["appId"].(string), sp["password"].(string)
	tenant := c.env.Creds.TenantID

	out, errs, code := c.run("login", "--service-principal", "-u", appID, "-p", password, "--tenant", tenant)
	if code != 0 {
		t.Fatalf("login: exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("login stderr: %q", errs)
	}
	subs, ok := rbacDecodeJSON(t, out).([]any)
	if !ok || len(subs) != 1 {
		t.Fatalf("login output: %s", out)
	}
	sub := subs[0].(map[string]any)
	rbacWantKeys(t, "login subscription", sub, "cloudName", "homeTenantId", "id", "isDefault", "managedByTenants", "name", "state", "tenantId", "user")
	if sub["id"] != c.sub() || sub["isDefault"] != true || sub["state"] != "Enabled" || sub["tenantId"] != tenant ||
		sub["homeTenantId"] != tenant || sub["cloudName"] != "aksnet" {
		t.Errorf("login subscription = %v", sub)
	}
	if user, _ := sub["user"].(map[string]any); user["name"] != appID || user["type"] != "servicePrincipal" || len(user) != 2 {
		t.Errorf("login user = %v", sub["user"])
	}
	if m, ok := sub["managedByTenants"].([]any); !ok || len(m) != 0 {
		t.Errorf("managedByTenants = %#v", sub["managedByTenants"])
	}
	dir := filepath.Join(c.env.StateDir, "cli")
	if fi, err := os.Stat(filepath.Join(dir, "profile.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("profile.json: %v %v, want mode 0600", fi, err)
	}

	// Commands now run as the service principal: Contributor on rg1 only.
	if got := c.tsv("identity", "create", "-n", "mine", "-g", "rg1", "--query", "name"); got != "mine" {
		t.Errorf("write inside the scope = %q", got)
	}
	errs = c.fails(1, "group", "create", "-n", "rg2", "-l", "eastus")
	if !strings.HasPrefix(errs, "ERROR: (AuthorizationFailed) ") || !strings.Contains(errs, "\nCode: AuthorizationFailed\n") ||
		!strings.Contains(errs, "does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/write'") {
		t.Errorf("write outside the scope: %q", errs)
	}

	// Logging in again with a wrong secret fails as az does and keeps the
	// current login.
	errs = c.fails(1, "login", "--service-principal", "--username", appID, "--password", "wrong", "--tenant", tenant)
	if !strings.HasPrefix(errs, "ERROR: AADSTS7000215: Invalid client secret provided.") ||
		!strings.HasSuffix(errs, "To re-authenticate, please run:\naksnet login\n") {
		t.Errorf("wrong secret: %q", errs)
	}
	c.fails(1, "group", "create", "-n", "rg2", "-l", "eastus")

	// logout: the admin principal again.
	if out := c.ok("logout"); out != "" {
		t.Errorf("logout printed %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "profile.json")); !os.IsNotExist(err) {
		t.Errorf("profile.json after logout: %v", err)
	}
	c.ok("group", "create", "-n", "rg2", "-l", "eastus")
	c.ok("logout") // nothing to log out of: the admin stays

	// The login output under --query, and -u of an unknown application.
	if got := c.tsv("login", "--service-principal", "-u", appID, "-p", password, "-t", tenant, "--query", "[0].user.name"); got != appID {
		t.Errorf("login --query [0].user.name = %q", got)
	}
	c.ok("logout", "--username", "someone-else") // not signed in: nothing removed
	c.fails(1, "group", "create", "-n", "rg3", "-l", "eastus")
	c.ok("logout", "-u", appID)
	errs = c.fails(1, "login", "--service-principal", "-u", "00000000-0000-0000-0000-000000000001", "-p", "x", "--tenant", tenant)
	if !strings.HasPrefix(errs, "ERROR: AADSTS700016: Application with identifier '00000000-0000-0000-0000-000000000001' was not found") {
		t.Errorf("unknown application: %q", errs)
	}
	c.ok("group", "create", "-n", "rg3", "-l", "eastus")
}

func TestLoginUsageErrors(t *testing.T) {
	c := newRbacCLI(t)
	for _, tc := range []struct {
		code int
		args []string
		want string
	}{
		{1, []string{"--service-principal", "-p", "x"}, "ERROR: usage error: --service-principal --username NAME --password SECRET --tenant TENANT"},
		{1, []string{"--service-principal", "-u", "app"}, "ERROR: Please specify both username and password in non-interactive mode."},
		{1, []string{"--identity", "--service-principal"}, "ERROR: usage error: '--identity' is not applicable with other arguments"},
		{2, []string{"--service-principal", "-u", "app", "-p", "x", "--bogus"}, "bogus"},
		{2, []string{"--service-principal", "-u", "app", "-p", "x", "extra"}, "unrecognized arguments: extra"},
	} {
		if errs := c.fails(tc.code, append([]string{"login"}, tc.args...)...); !strings.Contains(errs, tc.want) {
			t.Errorf("login %v: %q, want %q", tc.args, errs, tc.want)
		}
	}
}
