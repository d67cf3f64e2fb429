package cli_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/cli"
)

// rbacCLI runs the real command tree against an in-process server.
type rbacCLI struct {
	t   *testing.T
	env *armtest.Env
}

func newRbacCLI(t *testing.T) *rbacCLI {
	t.Helper()
	return &rbacCLI{t: t, env: armtest.Start(t)}
}

// run runs one command line and returns stdout, stderr and the exit code.
func (c *rbacCLI) run(args ...string) (string, string, int) {
	c.t.Helper()
	var out, errw bytes.Buffer
	full := append(append([]string{}, args...), "--endpoint", c.env.URL, "--state-dir", c.env.StateDir)
	code := cli.Main(full, strings.NewReader(""), &out, &errw)
	return out.String(), errw.String(), code
}

// ok runs a command that must succeed and returns its stdout.
func (c *rbacCLI) ok(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("aksnet %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fails runs a command that must fail with code and returns its stderr.
func (c *rbacCLI) fails(code int, args ...string) string {
	c.t.Helper()
	out, errs, got := c.run(args...)
	if got != code {
		c.t.Fatalf("aksnet %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errs)
	}
	return errs
}

// obj runs a command printing one JSON object.
func (c *rbacCLI) obj(args ...string) map[string]any {
	c.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(c.ok(args...)), &m); err != nil {
		c.t.Fatalf("aksnet %s: output is not an object: %v", strings.Join(args, " "), err)
	}
	return m
}

// list runs a command printing a JSON list of objects.
func (c *rbacCLI) list(args ...string) []map[string]any {
	c.t.Helper()
	var l []map[string]any
	if err := json.Unmarshal([]byte(c.ok(args...)), &l); err != nil {
		c.t.Fatalf("aksnet %s: output is not a list: %v", strings.Join(args, " "), err)
	}
	return l
}

// tsv runs a command with -o tsv and returns its trimmed output.
func (c *rbacCLI) tsv(args ...string) string {
	c.t.Helper()
	return strings.TrimSpace(c.ok(append(args, "-o", "tsv")...))
}

func (c *rbacCLI) sub() string { return c.env.Creds.SubscriptionID }

func (c *rbacCLI) rgID(rg string) string {
	return "/subscriptions/" + c.sub() + "/resourceGroups/" + rg
}

func rbacKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func rbacWantKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := rbacKeys(m); !reflect.DeepEqual(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

func TestIdentityCreateShowListDelete(t *testing.T) {
	c := newRbacCLI(t)
	c.ok("group", "create", "-n", "myResourceGroup", "-l", "eastus")

	id := c.obj("identity", "create", "--name", "myIdentity", "--resource-group", "myResourceGroup")
	rbacWantKeys(t, "identity create", id, "clientId", "id", "location", "name", "principalId", "resourceGroup", "tags", "tenantId", "type")
	if id["location"] != "eastus" {
		t.Errorf("location = %v, want the group's eastus", id["location"])
	}
	if id["name"] != "myIdentity" || id["resourceGroup"] != "myResourceGroup" || id["type"] != "Microsoft.ManagedIdentity/userAssignedIdentities" {
		t.Errorf("identity = %v", id)
	}
	if tags, ok := id["tags"].(map[string]any); !ok || len(tags) != 0 {
		t.Errorf("tags = %#v, want {}", id["tags"])
	}
	if id["tenantId"] != c.env.Creds.TenantID {
		t.Errorf("tenantId = %v, want %s", id["tenantId"], c.env.Creds.TenantID)
	}
	for _, k := range []string{"clientId", "principalId"} {
		if s, _ := id[k].(string); len(s) != 36 {
			t.Errorf("%s = %v, want a GUID", k, id[k])
		}
	}

	// The article's $(az identity show ... --query principalId -o tsv).
	if got := c.tsv("identity", "show", "-n", "myIdentity", "-g", "myResourceGroup", "--query", "principalId"); got != id["principalId"] {
		t.Errorf("--query principalId -o tsv = %q, want %v", got, id["principalId"])
	}
	if got := c.tsv("identity", "show", "--ids", id["id"].(string), "--query", "clientId"); got != id["clientId"] {
		t.Errorf("show --ids --query clientId = %q, want %v", got, id["clientId"])
	}

	// --tags is nargs+: words up to the next option; -l overrides the default.
	tagged := c.obj("identity", "create", "-n", "second", "-g", "myResourceGroup", "--tags", "env=dev", "team=net", "-l", "westus2")
	if !reflect.DeepEqual(tagged["tags"], map[string]any{"env": "dev", "team": "net"}) || tagged["location"] != "westus2" {
		t.Errorf("tagged identity = %v", tagged)
	}

	if l := c.list("identity", "list", "-g", "myResourceGroup"); len(l) != 2 {
		t.Errorf("identity list -g: %d items, want 2", len(l))
	} else {
		rbacWantKeys(t, "identity list item", l[0], "clientId", "id", "location", "name", "principalId", "resourceGroup", "tags", "tenantId", "type")
	}
	if names := c.tsv("identity", "list", "--query", "[].name"); !strings.Contains(names, "myIdentity") || !strings.Contains(names, "second") {
		t.Errorf("identity list (subscription) names = %q", names)
	}

	if out := c.ok("identity", "delete", "-n", "second", "-g", "myResourceGroup"); out != "" {
		t.Errorf("identity delete printed %q", out)
	}
	errs := c.fails(3, "identity", "show", "-n", "second", "-g", "myResourceGroup")
	if !strings.HasPrefix(errs, "ERROR: (ResourceNotFound)") {
		t.Errorf("show of a deleted identity: stderr %q", errs)
	}
}

func TestIdentityUsageErrors(t *testing.T) {
	c := newRbacCLI(t)
	c.ok("group", "create", "-n", "rg", "-l", "eastus")
	if errs := c.fails(2, "identity", "create", "-g", "rg"); !strings.Contains(errs, "the following arguments are required: --name/-n") {
		t.Errorf("missing --name: %q", errs)
	}
	if errs := c.fails(2, "identity", "create", "-n", "x", "-g", "rg", "stray"); !strings.Contains(errs, "unrecognized arguments: stray") {
		t.Errorf("stray word: %q", errs)
	}
	if errs := c.fails(2, "identity", "create", "-n", "x", "-g", "rg", "--bogus"); !strings.Contains(errs, "bogus") {
		t.Errorf("unknown flag: %q", errs)
	}
	// az's id_part arguments: a CLIError after parsing, exit 1.
	if errs := c.fails(1, "identity", "show", "-g", "rg"); !strings.Contains(errs, "ERROR: (--name | --ids) are required") {
		t.Errorf("show without --name: %q", errs)
	}
	if errs := c.fails(3, "identity", "create", "-n", "x", "-g", "nosuchgroup"); !strings.Contains(errs, "ResourceGroupNotFound") {
		t.Errorf("create in a missing group: %q", errs)
	}
	// An unambiguous prefix names the option, as argparse allows.
	if got := c.obj("identity", "create", "--na", "abbrev", "--resource-g", "rg"); got["name"] != "abbrev" {
		t.Errorf("abbreviated options: %v", got)
	}
}

func rbacDecodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return v
}
