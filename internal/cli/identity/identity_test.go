package identity_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

func TestIdentityCreateShowListDelete(t *testing.T) {
	c := clitest.StartRBAC(t, "myResourceGroup")

	id := c.Obj("identity", "create", "--name", "myIdentity", "--resource-group", "myResourceGroup")
	clitest.WantExactKeys(t, "identity create", id, "clientId", "id", "location", "name", "principalId", "resourceGroup", "tags", "tenantId", "type")
	if id["location"] != "eastus" {
		t.Errorf("location = %v, want the group's eastus", id["location"])
	}
	if id["name"] != "myIdentity" || id["resourceGroup"] != "myResourceGroup" || id["type"] != "Microsoft.ManagedIdentity/userAssignedIdentities" {
		t.Errorf("identity = %v", id)
	}
	if tags, ok := id["tags"].(map[string]any); !ok || len(tags) != 0 {
		t.Errorf("tags = %#v, want {}", id["tags"])
	}
	if id["tenantId"] != c.Env.Creds.TenantID {
		t.Errorf("tenantId = %v, want %s", id["tenantId"], c.Env.Creds.TenantID)
	}
	for _, k := range []string{"clientId", "principalId"} {
		if s, _ := id[k].(string); len(s) != 36 {
			t.Errorf("%s = %v, want a GUID", k, id[k])
		}
	}

	// The article's $(az identity show ... --query principalId -o tsv).
	if got := c.TSV("identity", "show", "-n", "myIdentity", "-g", "myResourceGroup", "--query", "principalId"); got != id["principalId"] {
		t.Errorf("--query principalId -o tsv = %q, want %v", got, id["principalId"])
	}
	if got := c.TSV("identity", "show", "--ids", id["id"].(string), "--query", "clientId"); got != id["clientId"] {
		t.Errorf("show --ids --query clientId = %q, want %v", got, id["clientId"])
	}

	// --tags is nargs+: words up to the next option; -l overrides the default.
	tagged := c.Obj("identity", "create", "-n", "second", "-g", "myResourceGroup", "--tags", "env=dev", "team=net", "-l", "westus2")
	if !reflect.DeepEqual(tagged["tags"], map[string]any{"env": "dev", "team": "net"}) || tagged["location"] != "westus2" {
		t.Errorf("tagged identity = %v", tagged)
	}

	if l := c.List("identity", "list", "-g", "myResourceGroup"); len(l) != 2 {
		t.Errorf("identity list -g: %d items, want 2", len(l))
	} else {
		clitest.WantExactKeys(t, "identity list item", l[0], "clientId", "id", "location", "name", "principalId", "resourceGroup", "tags", "tenantId", "type")
	}
	if names := c.TSV("identity", "list", "--query", "[].name"); !strings.Contains(names, "myIdentity") || !strings.Contains(names, "second") {
		t.Errorf("identity list (subscription) names = %q", names)
	}

	if out := c.OK("identity", "delete", "-n", "second", "-g", "myResourceGroup"); out != "" {
		t.Errorf("identity delete printed %q", out)
	}
	errs := c.Fails(3, "identity", "show", "-n", "second", "-g", "myResourceGroup")
	if !strings.HasPrefix(errs, "ERROR: (ResourceNotFound)") {
		t.Errorf("show of a deleted identity: stderr %q", errs)
	}
}

func TestIdentityUsageErrors(t *testing.T) {
	c := clitest.StartRBAC(t, "rg")
	if errs := c.Fails(2, "identity", "create", "-g", "rg"); !strings.Contains(errs, "the following arguments are required: --name/-n") {
		t.Errorf("missing --name: %q", errs)
	}
	if errs := c.Fails(2, "identity", "create", "-n", "x", "-g", "rg", "stray"); !strings.Contains(errs, "unrecognized arguments: stray") {
		t.Errorf("stray word: %q", errs)
	}
	if errs := c.Fails(2, "identity", "create", "-n", "x", "-g", "rg", "--bogus"); !strings.Contains(errs, "bogus") {
		t.Errorf("unknown flag: %q", errs)
	}
	// az's id_part arguments: a CLIError after parsing, exit 1.
	if errs := c.Fails(1, "identity", "show", "-g", "rg"); !strings.Contains(errs, "ERROR: (--name | --ids) are required") {
		t.Errorf("show without --name: %q", errs)
	}
	if errs := c.Fails(3, "identity", "create", "-n", "x", "-g", "nosuchgroup"); !strings.Contains(errs, "ResourceGroupNotFound") {
		t.Errorf("create in a missing group: %q", errs)
	}
	// An unambiguous prefix names the option, as argparse allows.
	if got := c.Obj("identity", "create", "--na", "abbrev", "--resource-g", "rg"); got["name"] != "abbrev" {
		t.Errorf("abbreviated options: %v", got)
	}
}
