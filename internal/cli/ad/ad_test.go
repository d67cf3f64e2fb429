package ad_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

const rbacCredentialWarning = "WARNING: The output includes credentials that you must protect. Be sure that you do not include " +
	"these credentials in your code or check the credentials into your source control. For more information, see https://aka.ms/azadsp-cli"

func TestADSPCreateForRBAC(t *testing.T) {
	c := clitest.StartRBAC(t, "rg1", "rg2")
	rg1, rg2 := c.RGID("rg1"), c.RGID("rg2")

	sp, warnings := c.CreateForRBAC("--name", "myAKSClusterSP", "--role", "Contributor", "--scopes", rg1, rg2)
	clitest.WantExactKeys(t, "create-for-rbac", sp, "appId", "displayName", "password", "tenant")
	if sp["displayName"] != "myAKSClusterSP" || sp["tenant"] != c.Env.Creds.TenantID {
		t.Errorf("create-for-rbac = %v", sp)
	}
	appID, _ := sp["appId"].(string)
	if !clitest.GUID.MatchString(appID) || sp["password"] == "" {
		t.Errorf("appId %q / password %v", appID, sp["password"])
	}
	wantWarnings := "WARNING: Creating 'Contributor' role assignment under scope '" + rg1 + "'\n" +
		"WARNING: Creating 'Contributor' role assignment under scope '" + rg2 + "'\n" +
		rbacCredentialWarning + "\n"
	if warnings != wantWarnings {
		t.Errorf("stderr:\n%s\nwant:\n%s", warnings, wantWarnings)
	}
	// One assignment per scope, to the new service principal (appId resolves
	// through servicePrincipalNames).
	for _, rg := range []string{"rg1", "rg2"} {
		got := c.TSV("role", "assignment", "list", "-g", rg, "--assignee", appID, "--query", "[].[roleDefinitionName, principalType, principalName]")
		if got != "Contributor\tServicePrincipal\t"+appID {
			t.Errorf("assignments at %s = %q", rg, got)
		}
	}

	// Idempotent by name: the application is patched, its password replaced,
	// the service principal and assignment reused.
	again, warnings := c.CreateForRBAC("-n", "myAKSClusterSP", "--role", "Contributor", "--scopes", rg1)
	if again["appId"] != appID || again["password"] == sp["password"] {
		t.Errorf("second create-for-rbac = %v, want the same appId and a new password", again)
	}
	if !strings.HasPrefix(warnings, "WARNING: Found an existing application instance: (id) ") ||
		!strings.Contains(warnings, "We will patch it.\n") ||
		!strings.Contains(warnings, "WARNING:   Role assignment already exists.\n") {
		t.Errorf("second create-for-rbac stderr:\n%s", warnings)
	}
	// The old password was removed; the new one signs in.
	c.Fails(1, "login", "--service-principal", "-u", appID, "-p", sp["password"].(string), "--tenant", c.Env.Creds.TenantID)
	c.OK("login", "--service-principal", "-u", appID, "-p", again["password"].(string), "--tenant", c.Env.Creds.TenantID)
	c.OK("logout")

	// No name: azure-cli-<timestamp>, and no assignment.
	anon, warnings := c.CreateForRBAC()
	if name, _ := anon["displayName"].(string); !strings.HasPrefix(name, "azure-cli-") || len(name) != len("azure-cli-2006-01-02-15-04-05") {
		t.Errorf("default displayName = %v", anon["displayName"])
	}
	if warnings != rbacCredentialWarning+"\n" {
		t.Errorf("stderr without role:\n%s", warnings)
	}
	if got := c.TSV("ad", "sp", "create-for-rbac", "-n", "q", "--query", "displayName"); got != "q" {
		t.Errorf("--query displayName -o tsv = %q", got)
	}
}

func TestADSPCreateForRBACErrors(t *testing.T) {
	c := clitest.StartRBAC(t, "rg")
	for _, args := range [][]string{
		{"--role", "Contributor"},
		{"--scopes", c.RGID("rg")},
	} {
		errs := c.Fails(1, append([]string{"ad", "sp", "create-for-rbac", "-n", "x"}, args...)...)
		if errs != "ERROR: Usage error: To create role assignments, specify both --role and --scopes.\n" {
			t.Errorf("create-for-rbac %v: %q", args, errs)
		}
	}
	if errs := c.Fails(1, "ad", "sp", "create-for-rbac", "-n", "x", "--role", "No Such Role", "--scopes", c.RGID("rg")); !strings.Contains(errs, "WARNING:   Role assignment creation failed.\n") ||
		!strings.Contains(errs, "ERROR: Role 'No Such Role' doesn't exist.") {
		t.Errorf("unknown role: %q", errs)
	}
	if errs := c.Fails(2, "ad", "sp", "create-for-rbac", "--years"); !strings.Contains(errs, "years") {
		t.Errorf("--years without a value: %q", errs)
	}
	if errs := c.Fails(2, "ad", "sp", "create-for-rbac", "-n", "x", "stray"); !strings.Contains(errs, "unrecognized arguments: stray") {
		t.Errorf("stray word: %q", errs)
	}
}
