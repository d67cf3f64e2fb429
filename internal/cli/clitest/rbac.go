package clitest

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// GUID matches a random (version 4) GUID as az and aksnet make them.
var GUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// RBAC is the CLI with the helpers of the role, identity and directory
// commands' tests.
type RBAC struct {
	*CLI
}

// StartRBAC starts a control plane for t's command lines, holding the
// resource groups groups (see Start).
func StartRBAC(t *testing.T, groups ...string) *RBAC {
	t.Helper()
	return &RBAC{Start(t, groups...)}
}

// Obj runs a command printing one JSON object.
func (c *RBAC) Obj(args ...string) map[string]any {
	c.T.Helper()
	return c.Object(args...)
}

// List runs a command printing a JSON list of objects.
func (c *RBAC) List(args ...string) []map[string]any {
	c.T.Helper()
	return decode[[]map[string]any](c.T, c.OK, "a JSON list of objects", args)
}

// TSV runs a command with -o tsv and returns its trimmed output.
func (c *RBAC) TSV(args ...string) string {
	c.T.Helper()
	return strings.TrimSpace(c.OK(append(args, "-o", "tsv")...))
}

// Sub is the admin's subscription.
func (c *RBAC) Sub() string { return c.Env.Creds.SubscriptionID }

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
