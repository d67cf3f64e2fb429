package clitest

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
)

// GUID matches a random (version 4) GUID as az and aksnet make them.
var GUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// RBAC runs the real command tree against an in-process server.
type RBAC struct {
	T   *testing.T
	Env *armtest.Env
}

// StartRBAC starts a control plane for t's command lines.
func StartRBAC(t *testing.T) *RBAC {
	t.Helper()
	return &RBAC{T: t, Env: armtest.Start(t)}
}

// Run runs one command line and returns stdout, stderr and the exit code.
func (c *RBAC) Run(args ...string) (string, string, int) {
	c.T.Helper()
	return (&CLI{T: c.T, Env: c.Env}).Run(args...)
}

// OK runs a command that must succeed and returns its stdout.
func (c *RBAC) OK(args ...string) string {
	c.T.Helper()
	out, errs, code := c.Run(args...)
	if code != 0 {
		c.T.Fatalf("aksnet %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// Fails runs a command that must fail with code and returns its stderr.
func (c *RBAC) Fails(code int, args ...string) string {
	c.T.Helper()
	out, errs, got := c.Run(args...)
	if got != code {
		c.T.Fatalf("aksnet %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errs)
	}
	return errs
}

// Obj runs a command printing one JSON object.
func (c *RBAC) Obj(args ...string) map[string]any {
	c.T.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(c.OK(args...)), &m); err != nil {
		c.T.Fatalf("aksnet %s: output is not an object: %v", strings.Join(args, " "), err)
	}
	return m
}

// List runs a command printing a JSON list of objects.
func (c *RBAC) List(args ...string) []map[string]any {
	c.T.Helper()
	var l []map[string]any
	if err := json.Unmarshal([]byte(c.OK(args...)), &l); err != nil {
		c.T.Fatalf("aksnet %s: output is not a list: %v", strings.Join(args, " "), err)
	}
	return l
}

// TSV runs a command with -o tsv and returns its trimmed output.
func (c *RBAC) TSV(args ...string) string {
	c.T.Helper()
	return strings.TrimSpace(c.OK(append(args, "-o", "tsv")...))
}

// Sub is the admin's subscription.
func (c *RBAC) Sub() string { return c.Env.Creds.SubscriptionID }

// RGID is the id of resource group rg.
func (c *RBAC) RGID(rg string) string {
	return "/subscriptions/" + c.Sub() + "/resourceGroups/" + rg
}

// WantExactKeys checks that m has exactly the keys want.
func WantExactKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := Keys(m); !reflect.DeepEqual(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

// CreateForRBAC runs ad sp create-for-rbac and returns its output and
// warnings.
func (c *RBAC) CreateForRBAC(args ...string) (map[string]any, string) {
	c.T.Helper()
	out, errs, code := c.Run(append([]string{"ad", "sp", "create-for-rbac"}, args...)...)
	if code != 0 {
		c.T.Fatalf("create-for-rbac %v: exit %d\n%s", args, code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		c.T.Fatalf("create-for-rbac output: %v\n%s", err, out)
	}
	return m, errs
}
