package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/cli/clitest"
	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/aksnet/aksnet/internal/privtest"
)

// env is one test's control plane and data plane.
type env struct {
	t      *testing.T
	arm    *armtest.Env
	dp     *recorder
	linux  *dataplane.Linux
	prefix string
	dir    string
}

// recorder wraps the Linux plane and lets a test look at every Desired the
// controller sets, right after it is applied.
type recorder struct {
	*dataplane.Linux
	mu    sync.Mutex
	after func(d dataplane.Desired)
}

func (r *recorder) Set(ctx context.Context, d dataplane.Desired) error {
	return r.applied(d, r.Linux.Set(ctx, d))
}

func (r *recorder) Update(ctx context.Context, d dataplane.Desired) error {
	return r.applied(d, r.Linux.Update(ctx, d))
}

// applied runs the test's hook after d was applied, and passes err on.
func (r *recorder) applied(d dataplane.Desired, err error) error {
	r.mu.Lock()
	fn := r.after
	r.mu.Unlock()
	if fn != nil {
		fn(d)
	}
	return err
}

func (r *recorder) onSet(fn func(d dataplane.Desired)) {
	r.mu.Lock()
	r.after = fn
	r.mu.Unlock()
}

// start runs a control plane with the netns data plane, under a namespace
// prefix of the test's own; everything is removed when the test ends.
func start(t *testing.T) *env {
	t.Helper()
	privtest.RequireRoot(t)
	if testing.Short() {
		t.Skip("privileged end-to-end test: skipped with -short")
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	e := &env{t: t, prefix: "aksnet-i" + hex.EncodeToString(b[:]) + "-", dir: t.TempDir()}
	t.Cleanup(func() {
		if e.arm != nil {
			e.arm.Stop()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dataplane.Cleanup(ctx, e.prefix); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if left := e.namespaces(); len(left) > 0 {
			t.Errorf("namespaces left: %v", left)
		}
	})
	e.startServer()
	return e
}

// startAPI runs a control plane without a data plane.
func startAPI(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.arm = armtest.Start(t, armtest.Options{StateDir: e.dir})
	return e
}

// startServer starts (or restarts) the control plane on the test's state
// dir with a fresh Linux data plane.
func (e *env) startServer() {
	t := e.t
	l, err := dataplane.NewLinux(dataplane.Options{Prefix: e.prefix})
	if err != nil {
		t.Fatal(err)
	}
	e.linux = l
	e.dp = &recorder{Linux: l}
	a, err := armtest.StartDir(armtest.Options{StateDir: e.dir, Dataplane: e.dp})
	if err != nil {
		_ = l.Close()
		t.Fatal(err)
	}
	e.arm = a
}

// stopServer stops the control plane and closes the data plane, leaving
// the namespaces for the next server to adopt.
func (e *env) stopServer() {
	e.arm.Stop()
	e.arm = nil
	if err := e.linux.Close(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) namespaces() []string {
	entries, _ := os.ReadDir(dataplane.NetnsDir)
	var out []string
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), e.prefix) {
			out = append(out, en.Name())
		}
	}
	return out
}

// az runs an aksnet CLI command in-process against the test's server and
// returns its standard output, failing the test on a non-zero exit.
func (e *env) az(args ...string) string {
	e.t.Helper()
	return e.cli().OK(append(slices.Clone(args), "--only-show-errors")...)
}

// try runs an aksnet CLI command and returns its output and exit code.
func (e *env) try(args ...string) (string, string, int) {
	e.t.Helper()
	return e.cli().Run(append(slices.Clone(args), "--only-show-errors")...)
}

// cli is the aksnet CLI against the test's current server.
func (e *env) cli() *clitest.CLI {
	return &clitest.CLI{T: e.t, Env: e.arm}
}

func (e *env) query(q string, args ...string) string {
	e.t.Helper()
	return strings.TrimSpace(e.az(append(args, "--query", q, "-o", "tsv")...))
}

// articleNetwork creates the article's resource group, VNet
// (192.168.0.0/16) and subnet (192.168.1.0/24), and returns the subnet id.
func (e *env) articleNetwork(rg string) string {
	e.az("group", "create", "--name", rg, "--location", "eastus")
	e.az("network", "vnet", "create", "-g", rg, "-n", "myAKSVnet", "--address-prefixes", "192.168.0.0/16",
		"--subnet-name", "myAKSSubnet", "--subnet-prefix", "192.168.1.0/24")
	return e.query("id", "network", "vnet", "subnet", "show", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet")
}

// startArticle starts an environment with the article's network and 3-node
// cluster in resource group rg.
func startArticle(t *testing.T, rg string) (*env, cluster) {
	t.Helper()
	e := start(t)
	return e, e.articleCluster(rg, e.articleNetwork(rg))
}

// articleCluster creates the article's 3-node kubenet cluster in subnet,
// with the article's command.
func (e *env) articleCluster(rg, subnet string) cluster {
	e.az("aks", "create", "-g", rg, "-n", "myAKSCluster", "--network-plugin", "kubenet", "--service-cidr", "10.0.0.0/16",
		"--dns-service-ip", "10.0.0.10", "--pod-cidr", "10.244.0.0/16", "--vnet-subnet-id", subnet, "--no-ssh-key", "--node-count", "3")
	c := cluster{e: e, rg: rg, name: "myAKSCluster", subnet: subnet}
	c.id = e.query("id", "aks", "show", "-g", rg, "-n", "myAKSCluster")
	c.nodeRG = e.query("nodeResourceGroup", "aks", "show", "-g", rg, "-n", "myAKSCluster")
	rt := e.query("routeTable.id", "network", "vnet", "subnet", "show", "--ids", subnet)
	if rt == "" {
		rt = e.query("routeTable.id", "network", "vnet", "subnet", "show", "-g", rg, "--vnet-name", "myAKSVnet", "-n", "myAKSSubnet")
	}
	parts := strings.Split(rt, "/")
	if len(parts) < 9 {
		e.t.Fatalf("subnet route table %q", rt)
	}
	c.routeTableRG, c.routeTable = parts[4], parts[8]
	var routes []struct {
		Name          string `json:"name"`
		AddressPrefix string `json:"addressPrefix"`
		NextHopIP     string `json:"nextHopIpAddress"`
	}
	must(e.t, json.Unmarshal([]byte(e.az("network", "route-table", "route", "list", "-g", c.routeTableRG, "--route-table-name", c.routeTable)), &routes))
	for _, r := range routes {
		if strings.HasPrefix(r.AddressPrefix, "10.244.") {
			c.nodes = append(c.nodes, node{name: strings.Split(r.Name, "____")[0], ip: r.NextHopIP, podCIDR: r.AddressPrefix, route: r.Name})
		}
	}
	if len(c.nodes) != 3 {
		e.t.Fatalf("want 3 managed routes, got %+v", routes)
	}
	slices.SortFunc(c.nodes, func(a, b node) int { return strings.Compare(a.ip, b.ip) })
	return c
}

type node struct{ name, ip, podCIDR, route string }

type cluster struct {
	e                            *env
	rg, name, id, subnet, nodeRG string
	routeTable, routeTableRG     string
	nodes                        []node
}

type pod struct {
	Name        string `json:"name"`
	Node        string `json:"node"`
	PodIP       string `json:"podIP"`
	HostNetwork bool   `json:"hostNetwork"`
	Netns       string `json:"netns"`
}

// run starts a pod on node i (-1: let the server pick).
func (c cluster) run(name string, i int, hostNetwork bool) pod {
	args := []string{"aks", "pod", "run", "-g", c.rg, "-n", c.name, "--name", name}
	if i >= 0 {
		args = append(args, "--node", c.nodes[i].name)
	}
	if hostNetwork {
		args = append(args, "--host-network")
	}
	var p pod
	must(c.e.t, json.Unmarshal([]byte(c.e.az(args...)), &p))
	if p.Netns == "" && c.e.linux != nil {
		c.e.t.Fatalf("pod %s has no netns: %+v", name, p)
	}
	return p
}

// podPair runs pod-a on the first node and pod-b on the second.
func (c cluster) podPair() (a, b pod) {
	return c.run("pod-a", 0, false), c.run("pod-b", 1, false)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// echo asks the echo at addr from inside p's namespace.
func echo(p pod, addr string) (nsprobe.EchoReply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return nsprobe.Echo(ctx, p.Netns, addr)
}

// eventually polls fn until it returns nil, failing after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, fn func() error) {
	t.Helper()
	armtest.Eventually(t, timeout, func() string {
		if err := fn(); err != nil {
			return fmt.Sprintf("%s: still failing: %v", what, err)
		}
		return ""
	})
}

// sees waits until p reaching addr gets an answer from pod want seeing
// client.
func sees(t *testing.T, p pod, addr, want, client string) {
	t.Helper()
	eventually(t, 5*time.Second, fmt.Sprintf("%s → %s", p.Name, addr), func() error {
		r, err := echo(p, addr)
		if err != nil {
			return err
		}
		if r.Pod != want || r.Client != client {
			return fmt.Errorf("answered %+v, want pod %s client %s", r, want, client)
		}
		return nil
	})
}

// blocked waits until p can no longer reach addr, then checks it stays so
// for a moment.
func blocked(t *testing.T, p pod, addr string) {
	t.Helper()
	eventually(t, 5*time.Second, fmt.Sprintf("%s → %s blocked", p.Name, addr), func() error {
		if r, err := quick(p, addr); err == nil {
			return fmt.Errorf("still answered %+v", r)
		}
		return nil
	})
	for range 3 {
		if r, err := quick(p, addr); err == nil {
			t.Fatalf("%s → %s answered %+v after being blocked", p.Name, addr, r)
		}
	}
}

func quick(p pod, addr string) (nsprobe.EchoReply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	return nsprobe.Echo(ctx, p.Netns, addr)
}
