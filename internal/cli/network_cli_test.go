package cli

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
)

// netCLI runs the real command tree against an in-process control plane.
type netCLI struct {
	t *testing.T
	e *armtest.Env
}

func newNetCLI(t *testing.T) *netCLI {
	t.Helper()
	return &netCLI{t: t, e: armtest.Start(t)}
}

// run runs `aksnet args...` and returns stdout, stderr and the exit code.
func (c *netCLI) run(args ...string) (string, string, int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	full := append(append([]string{}, args...), "--endpoint", c.e.URL, "--state-dir", c.e.StateDir)
	code := Main(full, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its stdout.
func (c *netCLI) ok(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("aksnet %s: exit %d\nstderr: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// object runs a command that must succeed and decodes its JSON object.
func (c *netCLI) object(args ...string) map[string]any {
	c.t.Helper()
	out := c.ok(args...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		c.t.Fatalf("aksnet %s: output is not a JSON object: %v\n%s", strings.Join(args, " "), err, out)
	}
	return m
}

// array runs a command that must succeed and decodes its JSON array.
func (c *netCLI) array(args ...string) []any {
	c.t.Helper()
	out := c.ok(args...)
	var l []any
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		c.t.Fatalf("aksnet %s: output is not a JSON array: %v\n%s", strings.Join(args, " "), err, out)
	}
	return l
}

// fails runs a command that must fail with code and returns its stderr.
func (c *netCLI) fails(code int, args ...string) string {
	c.t.Helper()
	out, errs, got := c.run(args...)
	if got != code {
		c.t.Fatalf("aksnet %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errs)
	}
	if out != "" {
		c.t.Errorf("aksnet %s: failed but printed %q", strings.Join(args, " "), out)
	}
	return errs
}

// netKeys returns the sorted keys of m.
func netKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// wantKeys checks that m has exactly the keys want (az's shape: flattened,
// az casing, resourceGroup added).
func wantKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := netKeys(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s keys:\n got  %v\n want %v", what, got, want)
	}
	if _, ok := m["properties"]; ok {
		t.Errorf("%s still has a properties object", what)
	}
}

// wantARMError checks az's printing of a server error: ERROR: (Code) …,
// then the Code: line.
func wantARMError(t *testing.T, stderr, code string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "ERROR: ("+code+") ") || !strings.Contains(stderr, "\nCode: "+code+"\nMessage: ") {
		t.Errorf("stderr is not az's %s error:\n%s", code, stderr)
	}
}

func netObj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", what, v)
	}
	return m
}
