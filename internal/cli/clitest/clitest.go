// Package clitest runs aksnet command lines against an in-process control
// plane, for the tests of every command group.
package clitest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/cli"
	"github.com/aksnet/aksnet/internal/cli/aks"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/output"
)

// AKS is a control plane for aks command tests (and others), with a client
// for setting up what the commands need (resource groups, VNets, NICs)
// without going through other command groups.
type AKS struct {
	*CLI
	C *client.Client
}

// New starts a control plane with a fresh HOME and a client for it.
func New(t *testing.T) *AKS {
	t.Helper()
	cl := Start(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AKSNET_ENDPOINT", "")
	t.Setenv("AKSNET_STATE_DIR", "")
	c, err := client.New(cl.Env.URL, cl.Env.StateDir, "", output.NewLogger(nil, output.LevelError, false))
	if err != nil {
		t.Fatal(err)
	}
	return &AKS{CLI: cl, C: c}
}

// SSHKeys creates ~/.ssh/id_rsa{,.pub} so that --generate-ssh-keys stays
// quiet.
func (a *AKS) SSHKeys() {
	a.T.Helper()
	home := os.Getenv("HOME")
	if _, _, err := aks.GenerateSSHKeys(filepath.Join(home, ".ssh", "id_rsa"), filepath.Join(home, ".ssh", "id_rsa.pub")); err != nil {
		a.T.Fatal(err)
	}
}

// Put PUTs an ARM resource directly and waits for it.
func (a *AKS) Put(path, api string, body any) {
	a.T.Helper()
	r, err := a.C.Call(http.MethodPut, path, api, body)
	if err != nil {
		a.T.Fatalf("PUT %s: %v", path, err)
	}
	if err := a.C.Wait(r, nil); err != nil {
		a.T.Fatalf("PUT %s: %v", path, err)
	}
}

// Network creates resource group rg in eastus and VNet myAKSVnet
// 192.168.0.0/16 with the given subnets (name=prefix); it returns the
// subnet ids by name.
func (a *AKS) Network(rg string, subnets ...string) map[string]string {
	a.T.Helper()
	a.Put(a.RGID(rg), client.APIResources, map[string]any{"location": "eastus"})
	var sn []any
	ids := map[string]string{}
	vnet := a.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/myAKSVnet"
	for _, s := range subnets {
		n, p, _ := strings.Cut(s, "=")
		sn = append(sn, map[string]any{"name": n, "properties": map[string]any{"addressPrefix": p}})
		ids[n] = vnet + "/subnets/" + n
	}
	a.Put(vnet, client.APINetwork, map[string]any{"location": "eastus", "properties": map[string]any{
		"addressSpace": map[string]any{"addressPrefixes": []string{"192.168.0.0/16"}}, "subnets": sn}})
	return ids
}

// SubnetAssignments counts the Network Contributor assignments of principal
// at or above scope.
func (a *AKS) SubnetAssignments(scope, principal string) int {
	a.T.Helper()
	r, err := a.C.Call(http.MethodGet, scope+"/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()", client.APIAuthorization, nil)
	if err != nil {
		a.T.Fatal(err)
	}
	var page struct {
		Value []struct {
			Properties struct {
				RoleDefinitionID, PrincipalID string
			} `json:"properties"`
		} `json:"value"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		a.T.Fatal(err)
	}
	n := 0
	for _, v := range page.Value {
		if v.Properties.PrincipalID == principal && strings.HasSuffix(v.Properties.RoleDefinitionID, client.NetworkContributor) {
			n++
		}
	}
	return n
}

// DecodeJSON decodes a command's JSON output.
func DecodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
	return v
}

// At walks a decoded JSON value along keys and list indexes.
func At(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// SVGLabels returns the root element of an SVG document ("namespace
// local") and the text of its <text> elements, in order.
func SVGLabels(t *testing.T, b string) (string, []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(b))
	root := ""
	var texts []string
	var cur strings.Builder
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Space + " " + x.Name.Local
			}
			inText = x.Name.Local == "text"
			cur.Reset()
		case xml.CharData:
			if inText {
				cur.Write(x)
			}
		case xml.EndElement:
			if x.Name.Local == "text" {
				texts = append(texts, cur.String())
				inText = false
			}
		}
	}
	return root, texts
}

// CLI runs the real command tree against an in-process control plane.
type CLI struct {
	T   *testing.T
	Env *armtest.Env
}

// Start starts a control plane for t's command lines, holding the resource
// groups groups (in eastus, created by `aksnet group create`).
func Start(t *testing.T, groups ...string) *CLI {
	t.Helper()
	c := &CLI{T: t, Env: armtest.Start(t)}
	for _, g := range groups {
		c.OK("group", "create", "-n", g, "-l", "eastus", "-o", "none")
	}
	return c
}

// RGID is the id of resource group rg.
func (c *CLI) RGID(rg string) string {
	return "/subscriptions/" + c.Env.Creds.SubscriptionID + "/resourceGroups/" + rg
}

// Run runs `aksnet args...` and returns stdout, stderr and the exit code.
func (c *CLI) Run(args ...string) (string, string, int) {
	c.T.Helper()
	var out, errb bytes.Buffer
	full := append(append([]string{}, args...), "--endpoint", c.Env.URL, "--state-dir", c.Env.StateDir)
	code := cli.Main(full, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// OK runs a command that must succeed and returns its stdout.
func (c *CLI) OK(args ...string) string {
	c.T.Helper()
	out, errs, code := c.Run(args...)
	if code != 0 {
		c.T.Fatalf("aksnet %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// Want runs a command that must succeed and checks that it prints want.
func (c *CLI) Want(want string, args ...string) {
	c.T.Helper()
	wantText(c.T, "stdout", want, c.OK(args...), args)
}

// WantFails runs a command that must fail with code and checks that its
// stderr is want.
func (c *CLI) WantFails(want string, code int, args ...string) {
	c.T.Helper()
	wantText(c.T, "stderr", want, c.Fails(code, args...), args)
}

// wantText fails t unless the stream what of `aksnet args...` is want.
func wantText(t *testing.T, what, want, got string, args []string) {
	t.Helper()
	if got != want {
		t.Errorf("aksnet %s: %s\n got  %q\n want %q", strings.Join(args, " "), what, got, want)
	}
}

// Object runs a command that must succeed and decodes its JSON object.
func (c *CLI) Object(args ...string) map[string]any {
	c.T.Helper()
	return decode[map[string]any](c.T, c.OK, "a JSON object", args)
}

// Array runs a command that must succeed and decodes its JSON array.
func (c *CLI) Array(args ...string) []any {
	c.T.Helper()
	return decode[[]any](c.T, c.OK, "a JSON array", args)
}

// decode runs `aksnet args...` through ok, which fails t unless the command
// succeeds, and decodes its output, which must be JSON of type T (what).
func decode[T any](t *testing.T, ok func(...string) string, what string, args []string) T {
	t.Helper()
	out := ok(args...)
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("aksnet %s: output is not %s: %v\n%s", strings.Join(args, " "), what, err, out)
	}
	return v
}

// Fails runs a command that must fail with code and returns its stderr.
func (c *CLI) Fails(code int, args ...string) string {
	c.T.Helper()
	out, errs, got := c.Run(args...)
	if got != code {
		c.T.Fatalf("aksnet %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errs)
	}
	if out != "" {
		c.T.Errorf("aksnet %s: failed but printed %q", strings.Join(args, " "), out)
	}
	return errs
}

// Keys returns the sorted keys of m.
func Keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// WantKeys checks that m has exactly the keys want (az's shape: flattened,
// az casing, resourceGroup added).
func WantKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := Keys(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s keys:\n got  %v\n want %v", what, got, want)
	}
	if _, ok := m["properties"]; ok {
		t.Errorf("%s still has a properties object", what)
	}
}

// WantARMError checks az's printing of a server error: ERROR: (Code) …,
// then the Code: line.
func WantARMError(t *testing.T, stderr, code string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "ERROR: ("+code+") ") || !strings.Contains(stderr, "\nCode: "+code+"\nMessage: ") {
		t.Errorf("stderr is not az's %s error:\n%s", code, stderr)
	}
}

// Obj is v as a JSON object, or a fatal error naming what.
func Obj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", what, v)
	}
	return m
}
