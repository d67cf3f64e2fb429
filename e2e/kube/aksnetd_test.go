package kube_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/kubenodes"
)

// TestAksnetdGetCredentialsKubectl runs the real programs as a user would: aksnetd with aksnet-kube,
// the article's cluster of 3 nodes through the aksnet CLI, `aksnet aks get-credentials`, then the
// preinstalled kubectl. The Nodes are checked against ARM (the VMSS instances' NICs and the route
// table's routes) after the create, a scale to 5 and one back to 2; then aks stop and aks start
// (stopAndStart); the delete removes the control plane.
func TestAksnetdGetCredentialsKubectl(t *testing.T) {
	kubectl := needKubectl(t)
	s := startServer(t)
	bin, state := s.bin, s.state
	home := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+home, "AKSNET_ENDPOINT="+s.endpoint, "AKSNET_STATE_DIR="+state, "KUBECONFIG=")
	a := func(args ...string) []byte { return runEnv(t, env, filepath.Join(bin, "aksnet"), args...) }
	kubeconfig := filepath.Join(home, ".kube", "config")
	k := func(args ...string) []byte {
		return run(t, kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	}

	a("group", "create", "--name", "myResourceGroup", "--location", "eastus", "-o", "none")
	a("network", "vnet", "create", "-g", "myResourceGroup", "-n", "myAKSVnet", "--address-prefixes", "192.168.0.0/16",
		"--subnet-name", "myAKSSubnet", "--subnet-prefix", "192.168.1.0/24", "-o", "none")
	subnet := strings.TrimSpace(string(a("network", "vnet", "subnet", "show", "-g", "myResourceGroup", "--vnet-name", "myAKSVnet",
		"-n", "myAKSSubnet", "--query", "id", "-o", "tsv")))
	a("aks", "create", "-g", "myResourceGroup", "-n", "myAKSCluster", "--network-plugin", "kubenet", "--service-cidr", "10.0.0.0/16",
		"--dns-service-ip", "10.0.0.10", "--pod-cidr", "10.244.0.0/16", "--vnet-subnet-id", subnet, "--generate-ssh-keys",
		"--node-count", "3", "-o", "none")
	clusterID := strings.TrimSpace(string(a("aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query", "id", "-o", "tsv")))
	nodeRG := strings.TrimSpace(string(a("aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query", "nodeResourceGroup", "-o", "tsv")))

	t0 := time.Now()
	a("aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster")
	creds := time.Since(t0)
	k("get", "nodes")
	t.Logf("measured: get-credentials %s; credentials request → first `kubectl get nodes` answer %s (cold start of the control plane)",
		creds.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	if pid := kubePID(t, state); pid > 0 {
		if rss, err := rssMB(pid); err == nil {
			t.Logf("measured: aksnet-kube RSS with 3 Nodes: %d MB", rss)
		}
	}
	// ARM's currentKubernetesVersion is what the apiserver says it serves (kubesup.Version, held to kube/go.mod).
	var kv struct{ ServerVersion struct{ GitVersion string } }
	decode(t, k("version", "-o", "json"), &kv)
	if cur := strings.TrimSpace(string(a("aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query", "currentKubernetesVersion", "-o", "tsv"))); "v"+cur != kv.ServerVersion.GitVersion {
		t.Errorf("ARM's currentKubernetesVersion is %q, the apiserver serves %q", cur, kv.ServerVersion.GitVersion)
	}
	sub := strings.Split(clusterID, "/")[2]
	check := func(n int) {
		t.Helper()
		checkNodesARM(t, a, k, nodeRG, sub, n)
	}
	check(3)
	checkServices(t, k) // the cluster's serviceCidr and dnsServiceIP, from ARM
	a("aks", "scale", "-g", "myResourceGroup", "-n", "myAKSCluster", "--node-count", "5", "-o", "none")
	check(5)
	a("aks", "scale", "-g", "myResourceGroup", "-n", "myAKSCluster", "--node-count", "2", "-o", "none")
	check(2)

	// The same credentials again: az's merge finds identical entries and replaces them quietly.
	a("aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster")
	// A different entry of the same name is refused without --overwrite-existing, as az does.
	other := filepath.Join(home, "other-config")
	run(t, kubectl, "config", "--kubeconfig", other, "set-cluster", "myAKSCluster", "--server=https://192.0.2.1:443")
	if out, err := runFails(env, filepath.Join(bin, "aksnet"), "aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster", "--file", other); err == nil ||
		!strings.Contains(out, "A different object named myAKSCluster already exists in clusters in your kubeconfig file.") {
		t.Errorf("get-credentials over a different cluster entry: %v\n%s", err, out)
	}
	a("aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster", "--file", other, "--overwrite-existing")
	run(t, kubectl, "--kubeconfig", other, "get", "nodes")
	// An unwritable --file is a clear error; '-' prints the kubeconfig.
	if out, err := runFails(env, filepath.Join(bin, "aksnet"), "aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster",
		"--file", filepath.Join(other, "config")); err == nil || !strings.Contains(out, filepath.Join(other, "config")) {
		t.Errorf("get-credentials into a file under a file: %v\n%s", err, out)
	}
	if out := a("aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster", "--file", "-"); !strings.Contains(string(out), "certificate-authority-data:") {
		t.Errorf("--file - printed:\n%s", out)
	}
	a("aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster", "--admin")
	if ctx := strings.TrimSpace(string(k("config", "current-context"))); ctx != "myAKSCluster-admin" {
		t.Errorf("current context after --admin: %q, want myAKSCluster-admin", ctx)
	}
	k("get", "nodes")

	stopAndStart(t, s, env, a, kubectl, kubeconfig, check)

	// aksnetd restarts: the kubeconfig's port answers again (the control plane starts on the first
	// connection) and a ConfigMap made before is still there.
	k("create", "configmap", "before-restart", "--from-literal=k=v")
	s.d.stop(t)
	if pid := kubePID(t, state); pid != 0 {
		t.Errorf("aksnet-kube (pid %d) still runs after aksnetd stopped", pid)
	}
	s.restart(t)
	t0 = time.Now()
	if v := strings.TrimSpace(string(k("get", "configmap", "before-restart", "-o", "jsonpath={.data.k}"))); v != "v" {
		t.Errorf("ConfigMap after the restart: %q, want v", v)
	}
	t.Logf("measured: first kubectl answer after an aksnetd restart (lazy start through the kept port): %s", time.Since(t0).Round(time.Millisecond))
	check(2)

	a("aks", "delete", "-g", "myResourceGroup", "-n", "myAKSCluster", "--yes", "-o", "none")
	s.waitNoControlPlane(t, "after the delete")
}

// stopAndStart is the acceptance's step 4, `aks stop` and `aks start` as AKS does them
// (learn.microsoft.com/azure/aks/start-stop-cluster: stopping stops the control plane and the
// nodes and keeps every object; powerState.code is Stopped on the cluster and its pools). While
// stopped, kubectl is refused at once (a stopped AKS cluster's API server is unreachable, a
// connection error, not a hang), the control plane does not run, a scale is AKS's
// OperationNotAllowed, and the state survives an aksnetd restart; after start, kubectl works and
// the ConfigMap and Nodes made before are there.
func stopAndStart(t *testing.T, s *server, env []string, a func(...string) []byte, kubectl, kubeconfig string, check func(int)) {
	t.Helper()
	k := func(args ...string) []byte {
		return run(t, kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	}
	power := func() string {
		return strings.TrimSpace(string(a("aks", "show", "-g", "myResourceGroup", "-n", "myAKSCluster", "--query",
			"[powerState.code, agentPoolProfiles[0].powerState.code] | join(',', @)", "-o", "tsv")))
	}
	refused := func(when string) {
		t.Helper()
		t0 := time.Now()
		out, err := runFails(nil, kubectl, "--kubeconfig", kubeconfig, "--request-timeout", "20s", "get", "configmap", "before-stop")
		d := time.Since(t0)
		if err == nil || !strings.Contains(out, "refused") {
			t.Errorf("%s: kubectl against the stopped cluster: %v\n%s", when, err, out)
		}
		if d > 5*time.Second {
			t.Errorf("%s: kubectl took %s to fail; a stopped cluster refuses at once", when, d.Round(time.Millisecond))
		}
		t.Logf("measured: kubectl against the stopped cluster failed in %s: %s", d.Round(time.Millisecond), strings.TrimSpace(out))
	}

	k("create", "configmap", "before-stop", "--from-literal=k=v")
	if out := a("aks", "stop", "-g", "myResourceGroup", "-n", "myAKSCluster"); len(out) != 0 {
		t.Errorf("aks stop printed %q", out)
	}
	if p := power(); p != "Stopped,Stopped" {
		t.Errorf("after stop: cluster,pool powerState %q, want Stopped,Stopped", p)
	}
	if pid := kubePID(t, s.state); pid != 0 {
		t.Errorf("aksnet-kube (pid %d) still runs after aks stop", pid)
	}
	refused("after stop")
	// Credentials of a stopped cluster start nothing; a scale is refused.
	a("aks", "get-credentials", "-g", "myResourceGroup", "-n", "myAKSCluster", "--admin")
	refused("after get-credentials")
	if out, err := runFails(env, filepath.Join(s.bin, "aksnet"), "aks", "scale", "-g", "myResourceGroup", "-n", "myAKSCluster",
		"--node-count", "3"); err == nil || !strings.Contains(out, "(OperationNotAllowed)") {
		t.Errorf("scale of a stopped cluster: %v\n%s", err, out)
	}
	// A stopped cluster stays stopped across an aksnetd restart.
	s.d.stop(t)
	s.restart(t)
	if p := power(); p != "Stopped,Stopped" {
		t.Errorf("after an aksnetd restart: powerState %q, want Stopped,Stopped", p)
	}
	refused("after an aksnetd restart")
	if pid := kubePID(t, s.state); pid != 0 {
		t.Errorf("aksnet-kube (pid %d) runs for the stopped cluster after an aksnetd restart", pid)
	}

	a("aks", "start", "-g", "myResourceGroup", "-n", "myAKSCluster")
	if p := power(); p != "Running,Running" {
		t.Errorf("after start: powerState %q, want Running,Running", p)
	}
	t0 := time.Now()
	if v := strings.TrimSpace(string(k("get", "configmap", "before-stop", "-o", "jsonpath={.data.k}"))); v != "v" {
		t.Errorf("ConfigMap after stop and start: %q, want v", v)
	}
	t.Logf("measured: first kubectl answer after aks start: %s", time.Since(t0).Round(time.Millisecond))
	check(2)
}

// server is an aksnetd run by a test, with the aksnet-kube it starts per cluster.
type server struct {
	bin      string // the directory holding aksnet and aksnetd
	state    string
	endpoint string
	args     []string
	d        *daemon
}

// startServer builds aksnet-kube, aksnet and aksnetd, and runs aksnetd on a free loopback port
// with control planes that never idle out.
func startServer(t *testing.T) *server {
	t.Helper()
	kubeBin := buildKube(t)
	s := &server{bin: buildAksnet(t), state: filepath.Join(t.TempDir(), "state")}
	port := freePort(t)
	s.endpoint = "https://127.0.0.1:" + strconv.Itoa(port)
	s.args = []string{"--state-dir", s.state, "--listen", "127.0.0.1:" + strconv.Itoa(port), "--kube-binary", kubeBin, "--kube-idle", "0"}
	s.d = startAksnetd(t, filepath.Join(s.bin, "aksnetd"), s.args...)
	return s
}

// restart starts aksnetd again, once the previous one stopped, on the same state and port.
func (s *server) restart(t *testing.T) *daemon {
	t.Helper()
	s.d = startAksnetd(t, filepath.Join(s.bin, "aksnetd"), s.args...)
	return s.d
}

// waitNoControlPlane waits until no aksnet-kube runs for the server and its cluster directories are gone.
func (s *server) waitNoControlPlane(t *testing.T, when string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for kubePID(t, s.state) > 0 || kubeDirs(t, s.state) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: aksnet-kube pid %d, %d cluster directories\n%s", when, kubePID(t, s.state), kubeDirs(t, s.state), s.d.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkNodesARM waits (up to a minute) until kubectl's Nodes match the n instances ARM has, read
// through read (the aksnet CLI or az): names, podCIDRs, InternalIPs, providerIDs, and all Ready.
func checkNodesARM(t *testing.T, read, k func(...string) []byte, nodeRG, sub string, n int) {
	t.Helper()
	want := armNodes(t, read, nodeRG, sub)
	if len(want) != n {
		t.Fatalf("ARM has %d instances, want %d", len(want), n)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		msg := compareNodes(getNodes(t, k), want)
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Nodes differ from ARM: %s", msg)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// armNode is one VMSS instance as ARM has it: its NIC's address and the route to its pod CIDR.
type armNode struct {
	name, ip, podCIDR, providerID string
}

// armNodes reads the NICs of the node resource group's scale set instances
// and the cluster route table's routes.
func armNodes(t *testing.T, a func(...string) []byte, nodeRG, sub string) []armNode {
	t.Helper()
	type vmssNIC struct {
		VirtualMachine struct {
			ID string `json:"id"`
		} `json:"virtualMachine"`
		IPConfigurations []struct {
			PrivateIPAddress string `json:"privateIPAddress"`
		} `json:"ipConfigurations"`
	}
	var nics []vmssNIC
	for _, vmss := range strings.Fields(string(a("vmss", "list", "-g", nodeRG, "--query", "[].name", "-o", "tsv"))) {
		var some []vmssNIC
		decode(t, a("vmss", "nic", "list", "-g", nodeRG, "--vmss-name", vmss, "-o", "json"), &some)
		nics = append(nics, some...)
	}
	rt := strings.TrimSpace(string(a("network", "route-table", "list", "-g", nodeRG, "--query", "[0].name", "-o", "tsv")))
	var routes []struct {
		AddressPrefix    string `json:"addressPrefix"`
		NextHopIPAddress string `json:"nextHopIpAddress"`
	}
	decode(t, a("network", "route-table", "route", "list", "-g", nodeRG, "--route-table-name", rt, "-o", "json"), &routes)
	prefixOf := map[string]string{}
	for _, r := range routes {
		prefixOf[r.NextHopIPAddress] = r.AddressPrefix
	}
	var out []armNode
	for _, n := range nics {
		if len(n.IPConfigurations) == 0 {
			continue
		}
		ip := n.IPConfigurations[0].PrivateIPAddress
		name, ok := kubenet.InstanceNameOf(n.VirtualMachine.ID)
		segs := strings.Split(n.VirtualMachine.ID, "/")
		if !ok {
			t.Fatalf("NIC's virtual machine %q is no scale set instance", n.VirtualMachine.ID)
		}
		i, err := strconv.Atoi(segs[len(segs)-1])
		if err != nil {
			t.Fatalf("NIC's virtual machine %q: %v", n.VirtualMachine.ID, err)
		}
		out = append(out, armNode{name: name, ip: ip, podCIDR: prefixOf[ip], providerID: kubenodes.ProviderID(sub, nodeRG, segs[len(segs)-3], i)})
	}
	slices.SortFunc(out, func(x, y armNode) int { return strings.Compare(x.name, y.name) })
	return out
}

// compareNodes says how the Nodes differ from ARM's instances ("" when they match and all are Ready).
func compareNodes(got []nodeJSON, want []armNode) string {
	if len(got) != len(want) {
		var names []string
		for _, g := range got {
			names = append(names, g.Metadata.Name)
		}
		return fmt.Sprintf("%d Nodes %v, want %d", len(got), names, len(want))
	}
	for i, w := range want {
		g := got[i]
		addr := map[string]string{}
		for _, x := range g.Status.Addresses {
			addr[x.Type] = x.Address
		}
		ready := ""
		for _, c := range g.Status.Conditions {
			if c.Type == "Ready" {
				ready = c.Status
			}
		}
		switch {
		case g.Metadata.Name != w.name:
			return fmt.Sprintf("Node %s, want %s", g.Metadata.Name, w.name)
		case w.podCIDR == "" || g.Spec.PodCIDR != w.podCIDR || !slices.Equal(g.Spec.PodCIDRs, []string{w.podCIDR}):
			return fmt.Sprintf("%s: podCIDR %s %v, the route says %q", w.name, g.Spec.PodCIDR, g.Spec.PodCIDRs, w.podCIDR)
		case addr["InternalIP"] != w.ip:
			return fmt.Sprintf("%s: InternalIP %s, the NIC has %s", w.name, addr["InternalIP"], w.ip)
		case g.Spec.ProviderID != w.providerID:
			return fmt.Sprintf("%s: providerID %s, want %s", w.name, g.Spec.ProviderID, w.providerID)
		case ready != "True":
			return fmt.Sprintf("%s: Ready=%q", w.name, ready)
		}
	}
	return ""
}

// buildAksnet builds aksnet and aksnetd into a temporary directory.
func buildAksnet(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := armtest.DependOnSources(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", out+"/", "./cmd/aksnet", "./cmd/aksnetd")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build aksnet: %v\n%s", err, b)
	}
	return out
}

// daemon is a running aksnetd.
type daemon struct {
	cmd    *exec.Cmd
	out    *armtest.SyncBuffer
	exited chan error
}

func (d *daemon) String() string { return d.out.String() }

// stop sends SIGINT and waits for aksnetd (and so the control planes it runs) to exit.
func (d *daemon) stop(t testing.TB) {
	t.Helper()
	_ = d.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-d.exited:
		d.exited <- err
		if err != nil {
			t.Errorf("aksnetd exited with %v\n%s", err, d.out.String())
		}
	case <-time.After(90 * time.Second):
		_ = d.cmd.Process.Kill()
		t.Fatalf("aksnetd did not stop within 90 s\n%s", d.out.String())
	}
}

// startAksnetd runs aksnetd until the test ends, once it says it serves.
func startAksnetd(t testing.TB, bin string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out := &armtest.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, out: out, exited: make(chan error, 1)}
	go func() { d.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-d.exited: // stopped already
			d.exited <- err
			return
		default:
		}
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-d.exited:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-d.exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "aksnet is serving") {
		select {
		case err := <-d.exited:
			t.Fatalf("aksnetd exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("aksnetd did not start\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

func runEnv(t testing.TB, env []string, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// runFails runs a command that is expected to fail, returning its output.
func runFails(env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// kubePID finds the aksnet-kube process that works under state (0 when none).
func kubePID(t testing.TB, state string) int {
	t.Helper()
	if pids := kubePIDs(t, state); len(pids) > 0 {
		return pids[0]
	}
	return 0
}

// kubeDirs counts the cluster directories aksnetd keeps for the control planes.
func kubeDirs(t testing.TB, state string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(state, "kube"))
	if err != nil {
		return 0
	}
	return len(entries)
}
