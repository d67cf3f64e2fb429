// Package kube_test drives aksnet-kube, the Kubernetes control plane of one cluster, as a process,
// with the real kubectl. It is its own package (not part of e2e) so that the first, cold build of
// Kubernetes gets go test's whole per-package timeout.
package kube_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubeconfig"
	"github.com/aksnet/aksnet/internal/kubenodes"
	"github.com/aksnet/aksnet/internal/pki"
)

const (
	serviceCIDR  = "10.0.0.0/16"
	dnsServiceIP = "10.0.0.10"
	sub          = "00000000-0000-0000-0000-000000000001"
	nodeRG       = "MC_myResourceGroup_myAKSCluster_eastus"
	vmss         = "aks-nodepool1-12345678-vmss"
)

// TestKubeControlPlane builds aksnet-kube, starts it with 3 Nodes in its spec file, checks them and
// the Services default/kubernetes and kube-system/kube-dns through kubectl, scales the spec 3→5→2,
// then stops it with SIGTERM and starts it again on the same data dir, checking that a ConfigMap
// survived.
func TestKubeControlPlane(t *testing.T) {
	kubectl := needKubectl(t)
	bin := buildKube(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	writeSpec(t, data, 3)
	port := freePort(t)

	p := start(t, bin, data, port)
	t.Logf("measured: start → ready %s (etcd, apiserver, controller-manager, scheduler, 3 Nodes)", p.startup.Round(time.Millisecond))
	kc := writeKubeconfig(t, dir, data, port)
	k := func(args ...string) []byte { return run(t, kubectl, append([]string{"--kubeconfig", kc}, args...)...) }

	checkNodes(t, k, 3)
	if rss, err := rssMB(p.cmd.Process.Pid); err == nil {
		t.Logf("measured: RSS with 3 Nodes: %d MB", rss)
	}
	var lat []time.Duration
	for range 7 {
		t0 := time.Now()
		k("get", "nodes")
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	t.Logf("measured: kubectl get nodes: median %s, min %s (kubectl's own start-up included)", lat[len(lat)/2].Round(time.Millisecond), lat[0].Round(time.Millisecond))

	checkServices(t, k)
	leases := string(k("get", "leases", "-n", "kube-node-lease", "-o", "name"))
	for i := range 3 {
		if !strings.Contains(leases, "/"+nodeName(i)+"\n") {
			t.Errorf("no Lease for %s in kube-node-lease: %q", nodeName(i), leases)
		}
	}

	// The Leases are renewed (every 10 s), which is what keeps the Nodes Ready: health checks are on.
	renewTime := func() string {
		var l struct {
			Spec struct {
				RenewTime string `json:"renewTime"`
			} `json:"spec"`
		}
		decode(t, k("get", "lease", nodeName(0), "-n", "kube-node-lease", "-o", "json"), &l)
		return l.Spec.RenewTime
	}
	first := renewTime()
	for deadline := time.Now().Add(25 * time.Second); renewTime() == first; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("Lease of %s not renewed in 25 s (renewTime %s)", nodeName(0), first)
		}
	}

	for _, n := range []int{5, 2} {
		writeSpec(t, data, n)
		t0 := time.Now()
		waitNodes(t, k, n)
		t.Logf("measured: spec with %d nodes → kubectl shows them %s", n, time.Since(t0).Round(time.Millisecond))
		checkNodes(t, k, n)
		if n == 5 {
			// A pod on a node that the next step removes: the node is drained (the pod evicted) first.
			k("run", "drained", "-n", "default", "--image=registry.k8s.io/pause:3.10", "--restart=Never",
				`--overrides={"apiVersion":"v1","spec":{"nodeName":"`+nodeName(4)+`"}}`)
		}
	}
	var pod struct {
		Metadata struct {
			DeletionTimestamp string `json:"deletionTimestamp"`
		} `json:"metadata"`
	}
	// Without a kubelet an evicted pod stays Terminating until the pod garbage collector removes it.
	if out := k("get", "pod", "drained", "-n", "default", "-o", "json", "--ignore-not-found"); len(bytes.TrimSpace(out)) > 0 {
		decode(t, out, &pod)
		if pod.Metadata.DeletionTimestamp == "" {
			t.Errorf("pod default/drained on the removed node %s was not evicted", nodeName(4))
		}
	}

	k("create", "configmap", "survivor", "-n", "default", "--from-literal=k=v")
	p.stop(t)
	p = start(t, bin, data, port)
	t.Logf("measured: restart → ready %s", p.startup.Round(time.Millisecond))
	var cm struct {
		Data map[string]string `json:"data"`
	}
	decode(t, k("get", "configmap", "survivor", "-n", "default", "-o", "json"), &cm)
	if cm.Data["k"] != "v" {
		t.Errorf("ConfigMap after restart has data %v, want k=v", cm.Data)
	}
	checkNodes(t, k, 2)
	checkServices(t, k) // the second start found kube-dns and kept it
}

// checkServices checks the Services every AKS cluster has, on the article's network profile
// (serviceCidr 10.0.0.0/16, dnsServiceIP 10.0.0.10): default/kubernetes on the .1 of the service
// range, which is therefore the apiserver's, and kube-system/kube-dns on the dnsServiceIP with
// ports dns (53/UDP) and dns-tcp (53/TCP).
func checkServices(t *testing.T, k func(...string) []byte) {
	t.Helper()
	var svc struct {
		Spec struct {
			ClusterIP string `json:"clusterIP"`
			Ports     []struct {
				Name     string `json:"name"`
				Protocol string `json:"protocol"`
				Port     int    `json:"port"`
			} `json:"ports"`
		} `json:"spec"`
	}
	decode(t, k("get", "service", "kubernetes", "-n", "default", "-o", "json"), &svc)
	if svc.Spec.ClusterIP != "10.0.0.1" {
		t.Errorf("default/kubernetes ClusterIP = %q, want 10.0.0.1 (the .1 of %s)", svc.Spec.ClusterIP, serviceCIDR)
	}
	decode(t, k("get", "service", "kube-dns", "-n", "kube-system", "-o", "json"), &svc)
	ports := fmt.Sprint(svc.Spec.Ports)
	if svc.Spec.ClusterIP != dnsServiceIP || ports != "[{dns UDP 53} {dns-tcp TCP 53}]" {
		t.Errorf("kube-system/kube-dns: ClusterIP %q ports %s, want %s and [{dns UDP 53} {dns-tcp TCP 53}]", svc.Spec.ClusterIP, ports, dnsServiceIP)
	}
}

// The package's tests share one build of aksnet-kube, removed by TestMain.
var (
	kubeOnce  sync.Once
	kubeDir   string
	kubeBuilt string
	// extraDirs are more build directories for TestMain to remove (the benchmarks' aksnet build).
	extraDirs []string
)

func TestMain(m *testing.M) {
	// kubectl keeps its discovery and HTTP caches under ~/.kube/cache
	// unless KUBECACHEDIR names another place: the tests' kubectl, and the
	// commands that inherit their environment, use one of their own, so a
	// run leaves nothing in the home of whoever runs it.
	cache, err := os.MkdirTemp("", "aksnet-kubectl-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubectl cache:", err)
		os.Exit(1)
	}
	os.Setenv("KUBECACHEDIR", cache)
	code := m.Run()
	for _, dir := range append(extraDirs, kubeDir, cache) {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// buildKube builds kube/cmd/aksnet-kube with the version linker flags kubectl needs, once per run.
func buildKube(t testing.TB) string {
	t.Helper()
	kubeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aksnet-kube-e2e-")
		if err != nil {
			t.Fatal(err)
		}
		kubeDir = dir
		kubeBuilt = buildKubeInto(t, dir)
	})
	if kubeBuilt == "" {
		t.Fatal("aksnet-kube failed to build (see the first test's log)")
	}
	return kubeBuilt
}

func buildKubeInto(t testing.TB, dir string) string {
	t.Helper()
	modDir, err := filepath.Abs("../../kube")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(modDir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/kubernetes v(\d+)\.(\d+)\.(\d+)\s*$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("kube/go.mod does not require k8s.io/kubernetes")
	}
	version := fmt.Sprintf("v%s.%s.%s", m[1], m[2], m[3])
	var ldflags []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ldflags = append(ldflags, "-X", pkg+".gitVersion="+version, "-X", pkg+".gitMajor="+string(m[1]),
			"-X", pkg+".gitMinor="+string(m[2]), "-X", pkg+".gitTreeState=clean")
	}
	bin := filepath.Join(dir, "aksnet-kube")
	if err := armtest.DependOnSources(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-ldflags", strings.Join(ldflags, " "), "-o", bin, "./cmd/aksnet-kube")
	cmd.Dir = modDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	progress(t, "building aksnet-kube (Kubernetes %s); the first build compiles Kubernetes: 7-10 minutes on 2 quiet cores (much longer on a busy machine), later ones about a minute", version)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("build aksnet-kube: %v\n%s", err, out.String())
			}
			st, _ := os.Stat(bin)
			progress(t, "built aksnet-kube in %s", time.Since(t0).Round(time.Second))
			if st != nil {
				t.Logf("measured: aksnet-kube binary %d MB", st.Size()>>20)
			}
			return bin
		case <-tick.C:
			progress(t, "still building aksnet-kube (%s)", time.Since(t0).Round(time.Second))
		}
	}
}

// progress logs now on stderr (go test shows it while the test runs) and in the test log.
func progress(t testing.TB, format string, args ...any) {
	t.Helper()
	fmt.Fprintf(os.Stderr, "kube e2e: "+format+"\n", args...)
	t.Logf(format, args...)
}

type proc struct {
	cmd     *exec.Cmd
	exited  chan error
	log     *armtest.SyncBuffer
	startup time.Duration
}

// start runs aksnet-kube (with extra flags after the usual ones) and waits for its "ready" line.
// t.Cleanup kills it if the test did not stop it.
func start(t testing.TB, bin, data string, port int, extra ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data-dir", data, "--secure-port", strconv.Itoa(port),
		"--service-cidr", serviceCIDR, "--dns-service-ip", dnsServiceIP, "--cluster-name", "myAKSCluster"}, extra...)...)
	logBuf := &armtest.SyncBuffer{}
	cmd.Stderr = logBuf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan error, 1), log: logBuf}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
		}
		p.exited <- cmd.Wait()
	}()
	select {
	case <-ready:
		p.startup = time.Since(t0)
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("aksnet-kube exited before ready: %v\n%s", err, tail(p))
	case <-time.After(3 * time.Minute):
		t.Fatalf("aksnet-kube not ready after 3 minutes\n%s", tail(p))
	}
	return p
}

// stop sends SIGTERM and expects a clean exit.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	t0 := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("aksnet-kube exited with %v after SIGTERM\n%s", err, tail(p))
		}
		t.Logf("measured: SIGTERM → exit %s", time.Since(t0).Round(time.Millisecond))
	case <-time.After(90 * time.Second):
		t.Fatalf("aksnet-kube still running 90 s after SIGTERM\n%s", tail(p))
	}
}

func tail(p *proc) string {
	s := p.log.String()
	if len(s) > 8000 {
		s = "…" + s[len(s)-8000:]
	}
	return s
}

type nodeJSON struct {
	Metadata struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		PodCIDR    string   `json:"podCIDR"`
		PodCIDRs   []string `json:"podCIDRs"`
		ProviderID string   `json:"providerID"`
	} `json:"spec"`
	Status struct {
		Addresses []struct {
			Type    string `json:"type"`
			Address string `json:"address"`
		} `json:"addresses"`
		Capacity   map[string]string `json:"capacity"`
		Conditions []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"conditions"`
	} `json:"status"`
}

func getNodes(t testing.TB, k func(...string) []byte) []nodeJSON {
	var list struct {
		Items []nodeJSON `json:"items"`
	}
	decode(t, k("get", "nodes", "-o", "json"), &list)
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Metadata.Name < list.Items[j].Metadata.Name })
	return list.Items
}

func waitNodes(t *testing.T, k func(...string) []byte, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		items := getNodes(t, k)
		var names []string
		for _, it := range items {
			names = append(names, it.Metadata.Name)
		}
		want := make([]string, n)
		for i := range want {
			want[i] = nodeName(i)
		}
		if slices.Equal(names, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Nodes %v, want %v", names, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkNodes compares every Node with the spec of node i: name, podCIDR(s), InternalIP, providerID,
// pods capacity, AKS labels, Ready.
func checkNodes(t *testing.T, k func(...string) []byte, n int) {
	t.Helper()
	items := getNodes(t, k)
	if len(items) != n {
		t.Fatalf("%d Nodes, want %d", len(items), n)
	}
	for i, it := range items {
		want := specNode(i)
		if it.Metadata.Name != want.Name {
			t.Errorf("Node %d is %s, want %s", i, it.Metadata.Name, want.Name)
		}
		if it.Spec.PodCIDR != want.PodCIDR.String() || !slices.Equal(it.Spec.PodCIDRs, []string{want.PodCIDR.String()}) {
			t.Errorf("%s: podCIDR %q podCIDRs %v, want %s", want.Name, it.Spec.PodCIDR, it.Spec.PodCIDRs, want.PodCIDR)
		}
		if it.Spec.ProviderID != want.ProviderID {
			t.Errorf("%s: providerID %q, want %q", want.Name, it.Spec.ProviderID, want.ProviderID)
		}
		addrs := map[string]string{}
		for _, a := range it.Status.Addresses {
			addrs[a.Type] = a.Address
		}
		if addrs["InternalIP"] != want.InternalIP.String() || addrs["Hostname"] != want.Name {
			t.Errorf("%s: addresses %v, want InternalIP %s and Hostname %s", want.Name, addrs, want.InternalIP, want.Name)
		}
		if it.Status.Capacity["pods"] != "110" {
			t.Errorf("%s: pods capacity %q, want 110", want.Name, it.Status.Capacity["pods"])
		}
		for _, l := range []string{"agentpool", "kubernetes.azure.com/agentpool", "kubernetes.azure.com/cluster",
			"kubernetes.azure.com/mode", "kubernetes.io/os", "kubernetes.io/arch", "node.kubernetes.io/instance-type",
			"topology.kubernetes.io/region", "topology.kubernetes.io/zone"} {
			if _, ok := it.Metadata.Labels[l]; !ok {
				t.Errorf("%s: no label %s", want.Name, l)
			}
		}
		ready := ""
		for _, c := range it.Status.Conditions {
			if c.Type == "Ready" {
				ready = c.Status
			}
		}
		if ready != "True" {
			t.Errorf("%s: Ready=%q, want True", want.Name, ready)
		}
	}
}

func nodeName(i int) string { return fmt.Sprintf("%s%06d", vmss, i) }

// specNode is node i of nodes.json: instance i of the article's pool.
func specNode(i int) kubenodes.Node {
	return kubenodes.Node{
		Name:       nodeName(i),
		Pool:       "nodepool1",
		InternalIP: netip.AddrFrom4([4]byte{192, 168, 1, byte(4 + i)}),
		PodCIDR:    netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24),
		ProviderID: kubenodes.ProviderID(sub, nodeRG, vmss, i),
		MaxPods:    110,
		Labels: map[string]string{
			"kubernetes.azure.com/cluster":     nodeRG,
			"kubernetes.azure.com/mode":        "system",
			"node.kubernetes.io/instance-type": "Standard_DS2_v2",
			"topology.kubernetes.io/region":    "eastus",
			"topology.kubernetes.io/zone":      "0",
		},
	}
}

// writeSpec writes nodes.json with nodes 0..n-1, atomically as aksnetd does.
func writeSpec(t testing.TB, data string, n int) {
	t.Helper()
	var f kubenodes.File
	for i := range n {
		f.Nodes = append(f.Nodes, specNode(i))
	}
	b, err := kubenodes.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteFileAtomic(filepath.Join(data, kubenodes.FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeKubeconfig writes an admin kubeconfig as listClusterAdminCredential does: a client
// certificate in system:masters signed by the cluster CA that aksnet-kube created in data/pki,
// and the CA embedded (no insecure-skip-tls-verify).
func writeKubeconfig(t testing.TB, dir, data string, port int) string {
	t.Helper()
	ca, err := pki.EnsureCluster(filepath.Join(data, "pki"), pki.ClusterNames{ClusterName: "myAKSCluster"})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.ClientCert("masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubeconfig.Build(kubeconfig.Params{Name: "myAKSCluster", User: "clusterAdmin_myResourceGroup_myAKSCluster",
		Server: fmt.Sprintf("https://127.0.0.1:%d", port), CAPEM: ca.CertPEM, CertPEM: certPEM, KeyPEM: keyPEM})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// needKubectl skips t under -short (it builds and runs a Kubernetes control
// plane) and where kubectl is not installed, and otherwise returns
// kubectl's path.
func needKubectl(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short (it builds and runs a Kubernetes control plane)")
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed; this test drives Kubernetes with the real kubectl (1.32 or newer)")
	}
	return kubectl
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args[2:], " "), err, stderr.String())
	}
	return out
}

func decode(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// rssMB reads VmRSS from /proc.
func rssMB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, err := strconv.Atoi(f[1])
			return kb >> 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}
