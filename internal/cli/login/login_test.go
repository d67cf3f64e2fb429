package login_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

func TestLoginAsServicePrincipalAndLogout(t *testing.T) {
	c := clitest.StartRBAC(t, "rg1")
	sp, _ := c.CreateForRBAC("-n", "scoped", "--role", "Contributor", "--scopes", c.RGID("rg1"))
	appID, password := sp["appId"].(string), sp["password"].(string)
	tenant := c.Env.Creds.TenantID

	out, errs, code := c.Run("login", "--service-principal", "-u", appID, "-p", password, "--tenant", tenant)
	if code != 0 {
		t.Fatalf("login: exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("login stderr: %q", errs)
	}
	subs, ok := clitest.DecodeJSON(t, out).([]any)
	if !ok || len(subs) != 1 {
		t.Fatalf("login output: %s", out)
	}
	sub := subs[0].(map[string]any)
	clitest.WantExactKeys(t, "login subscription", sub, "cloudName", "homeTenantId", "id", "isDefault", "managedByTenants", "name", "state", "tenantId", "user")
	if sub["id"] != c.Sub() || sub["isDefault"] != true || sub["state"] != "Enabled" || sub["tenantId"] != tenant ||
		sub["homeTenantId"] != tenant || sub["cloudName"] != "aksnet" {
		t.Errorf("login subscription = %v", sub)
	}
	if user, _ := sub["user"].(map[string]any); user["name"] != appID || user["type"] != "servicePrincipal" || len(user) != 2 {
		t.Errorf("login user = %v", sub["user"])
	}
	if m, ok := sub["managedByTenants"].([]any); !ok || len(m) != 0 {
		t.Errorf("managedByTenants = %#v", sub["managedByTenants"])
	}
	dir := filepath.Join(c.Env.StateDir, "cli")
	if fi, err := os.Stat(filepath.Join(dir, "profile.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("profile.json: %v %v, want mode 0600", fi, err)
	}

	// Commands now run as the service principal: Contributor on rg1 only.
	if got := c.TSV("identity", "create", "-n", "mine", "-g", "rg1", "--query", "name"); got != "mine" {
		t.Errorf("write inside the scope = %q", got)
	}
	errs = c.Fails(1, "group", "create", "-n", "rg2", "-l", "eastus")
	if !strings.HasPrefix(errs, "ERROR: (AuthorizationFailed) ") || !strings.Contains(errs, "\nCode: AuthorizationFailed\n") ||
		!strings.Contains(errs, "does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/write'") {
		t.Errorf("write outside the scope: %q", errs)
	}

	// Logging in again with a wrong secret fails as az does and keeps the
	// current login.
	errs = c.Fails(1, "login", "--service-principal", "--username", appID, "--password", "wrong", "--tenant", tenant)
	if !strings.HasPrefix(errs, "ERROR: AADSTS7000215: Invalid client secret provided.") ||
		!strings.HasSuffix(errs, "To re-authenticate, please run:\naksnet login\n") {
		t.Errorf("wrong secret: %q", errs)
	}
	c.Fails(1, "group", "create", "-n", "rg2", "-l", "eastus")

	// logout: the admin principal again.
	if out := c.OK("logout"); out != "" {
		t.Errorf("logout printed %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "profile.json")); !os.IsNotExist(err) {
		t.Errorf("profile.json after logout: %v", err)
	}
	c.OK("group", "create", "-n", "rg2", "-l", "eastus")
	c.OK("logout") // nothing to log out of: the admin stays

	// The login output under --query, and -u of an unknown application.
	if got := c.TSV("login", "--service-principal", "-u", appID, "-p", password, "-t", tenant, "--query", "[0].user.name"); got != appID {
		t.Errorf("login --query [0].user.name = %q", got)
	}
	c.OK("logout", "--username", "someone-else") // not signed in: nothing removed
	c.Fails(1, "group", "create", "-n", "rg3", "-l", "eastus")
	c.OK("logout", "-u", appID)
	errs = c.Fails(1, "login", "--service-principal", "-u", "00000000-0000-0000-0000-000000000001", "-p", "x", "--tenant", tenant)
	if !strings.HasPrefix(errs, "ERROR: AADSTS700016: Application with identifier '00000000-0000-0000-0000-000000000001' was not found") {
		t.Errorf("unknown application: %q", errs)
	}
	c.OK("group", "create", "-n", "rg3", "-l", "eastus")
}

func TestLoginUsageErrors(t *testing.T) {
	c := clitest.StartRBAC(t)
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
		if errs := c.Fails(tc.code, append([]string{"login"}, tc.args...)...); !strings.Contains(errs, tc.want) {
			t.Errorf("login %v: %q, want %q", tc.args, errs, tc.want)
		}
	}
}
