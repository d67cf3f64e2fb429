package kube_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubenodes"
	"github.com/aksnet/aksnet/internal/pki"
)

// The benchmarks of issue 16. Each compares aksnet's control plane with "a bare kube-apiserver from
// the same build": aksnet-kube --bare, the same binary and the same etcd and kube-apiserver
// options, without the controller-manager, the scheduler, kube-dns or the Node mirror, reached
// directly on its own port rather than through aksnetd's per-cluster port. bench/cmd/benchreport
// runs them (make bench) and writes docs/performance.md.
//
// Under BENCH_SHORT=1 (benchreport -short, CI) they use smaller sizes and shorter windows so that
// all of them run in about three minutes; the figures are then not judged.

// benchShort reports whether benchreport runs its short form.
func benchShort() bool { return os.Getenv("BENCH_SHORT") != "" }

// benchKubectl returns kubectl's path, or skips b where it is not installed.
func benchKubectl(b *testing.B) string {
	b.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		b.Skip("kubectl is not installed; these benchmarks drive Kubernetes with the real kubectl")
	}
	return kubectl
}

// The benchmarks share one build of aksnet and aksnetd, removed by TestMain with aksnet-kube's.
var (
	aksnetOnce  sync.Once
	aksnetBuilt string
)

func buildAksnetOnce(b *testing.B) string {
	b.Helper()
	aksnetOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aksnet-bench-")
		if err != nil {
			b.Fatal(err)
		}
		extraDirs = append(extraDirs, dir)
		root, err := filepath.Abs("../..")
		if err != nil {
			b.Fatal(err)
		}
		if err := armtest.DependOnSources(); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-o", dir+"/", "./cmd/aksnet", "./cmd/aksnetd")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("build aksnet: %v\n%s", err, out)
		}
		aksnetBuilt = dir
	})
	if aksnetBuilt == "" {
		b.Fatal("aksnet failed to build (see the first benchmark's log)")
	}
	return aksnetBuilt
}

// aksnetEnv is a running aksnetd with the aksnet CLI pointed at it.
type aksnetEnv struct {
	d     *daemon
	state string
	env   []string
	cli   string
	home  string
}

// startAksnetEnv starts aksnetd with aksnet-kube and an empty state, and creates the group "bench".
// Control planes are never stopped for idleness (--kube-idle 0).
func startAksnetEnv(b *testing.B, kubeBin string) *aksnetEnv {
	b.Helper()
	bin := buildAksnetOnce(b)
	dir := b.TempDir()
	e := &aksnetEnv{state: filepath.Join(dir, "state"), home: filepath.Join(dir, "home"), cli: filepath.Join(bin, "aksnet")}
	if err := os.MkdirAll(e.home, 0o700); err != nil {
		b.Fatal(err)
	}
	port := freePort(b)
	e.d = startAksnetd(b, filepath.Join(bin, "aksnetd"), "--state-dir", e.state, "--listen", "127.0.0.1:"+strconv.Itoa(port),
		"--kube-binary", kubeBin, "--kube-idle", "0")
	e.env = append(os.Environ(), "HOME="+e.home, "AKSNET_ENDPOINT=https://127.0.0.1:"+strconv.Itoa(port), "AKSNET_STATE_DIR="+e.state, "KUBECONFIG=")
	e.a(b, "group", "create", "--name", "bench", "--location", "eastus", "-o", "none")
	return e
}

func (e *aksnetEnv) a(b testing.TB, args ...string) []byte { return runEnv(b, e.env, e.cli, args...) }

// createCluster creates a kubenet cluster of nodes nodes in group bench; its control plane does not
// start until its credentials are asked for.
func (e *aksnetEnv) createCluster(b testing.TB, name string, nodes int) {
	e.a(b, "aks", "create", "-g", "bench", "-n", name, "--network-plugin", "kubenet", "--generate-ssh-keys",
		"--node-count", strconv.Itoa(nodes), "-o", "none")
}

// firstAnswer asks for cluster name's credentials into their own kubeconfig and runs kubectl get
// nodes; it returns the time from the credentials request to the answer, and the kubeconfig. It
// reports failures as its error, so that goroutines may call it.
func (e *aksnetEnv) firstAnswer(kubectl, name string) (time.Duration, string, error) {
	kc := filepath.Join(e.home, name+".kubeconfig")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	for _, c := range [][]string{
		{e.cli, "aks", "get-credentials", "-g", "bench", "-n", name, "--file", kc},
		// The first connection waits for the control plane to start: no client-side timeout.
		{kubectl, "--kubeconfig", kc, "get", "nodes"},
	} {
		cmd := exec.CommandContext(ctx, c[0], c[1:]...)
		cmd.Env = e.env
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, "", fmt.Errorf("%s %s: %w\n%s", filepath.Base(c[0]), strings.Join(c[1:], " "), err, out)
		}
	}
	return time.Since(t0), kc, nil
}

// BenchmarkKube measures one cluster of 3 nodes and, in the same iteration, the bare apiserver
// (metrics prefixed bare-):
//   - cold-ms: `aksnet aks get-credentials` of a cluster whose control plane is not running → the
//     first `kubectl get nodes` answer through aksnetd's port; bare-cold-ms: process start → the
//     first `kubectl get nodes` answer. The two start one after the other, in alternating order;
//   - rss-MB (anon-MB, file-MB): the aksnet-kube process's VmRSS, and its anonymous and file-backed
//     parts (file: the binary's mapped text, shared by every cluster), settle after both answered;
//   - getnodes-ms: the median wall time of `kubectl get nodes` (kubectl's own start included), 3
//     Nodes, through aksnetd's port; bare-getnodes-ms directly to the bare apiserver, its Nodes
//     created with kubectl. The calls alternate between the two, so that the machine's load falls
//     on both alike.
func BenchmarkKube(b *testing.B) {
	kubectl := benchKubectl(b)
	kubeBin := buildKube(b)
	settle, gets := 20*time.Second, 15
	if benchShort() {
		settle, gets = 3*time.Second, 5
	}
	e := startAksnetEnv(b, kubeBin)
	m := map[string]float64{}
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("c%d", i)
		e.createCluster(b, name, 3)
		dir := b.TempDir()
		data := filepath.Join(dir, "data")
		port := freePort(b)
		// The bare apiserver's PKI and kubeconfig exist before its clock starts, as an aksnet
		// cluster's do (made with the cluster, before its credentials are asked for).
		bareKC := writeKubeconfig(b, dir, data, port)
		var bare *proc
		startBare := func() {
			t0 := time.Now()
			bare = start(b, kubeBin, data, port, "--bare")
			run(b, kubectl, "--kubeconfig", bareKC, "get", "nodes")
			m["bare-cold-ms"] += ms(time.Since(t0))
		}
		var kc string
		startAksnet := func() {
			d, k, err := e.firstAnswer(kubectl, name)
			if err != nil {
				b.Fatal(err)
			}
			m["cold-ms"] += ms(d)
			kc = k
		}
		if kubeBenchRuns++; kubeBenchRuns%2 == 0 {
			startBare()
			startAksnet()
		} else {
			startAksnet()
			startBare()
		}
		createNodes(b, kubectl, bareKC, dir, 3)
		time.Sleep(settle)
		for prefix, pid := range map[string]int{"": kubePID(b, filepath.Join(e.state, "kube", name+"-")), "bare-": bare.cmd.Process.Pid} {
			mem := memOf(b, pid)
			m[prefix+"rss-MB"] += mem.rss
			m[prefix+"anon-MB"] += mem.anon
			m[prefix+"file-MB"] += mem.file
		}
		var lat, bareLat []float64
		for range gets {
			t0 := time.Now()
			run(b, kubectl, "--kubeconfig", kc, "get", "nodes")
			t1 := time.Now()
			run(b, kubectl, "--kubeconfig", bareKC, "get", "nodes")
			lat, bareLat = append(lat, ms(t1.Sub(t0))), append(bareLat, ms(time.Since(t1)))
		}
		m["getnodes-ms"] += median(lat)
		m["bare-getnodes-ms"] += median(bareLat)
		bare.stop(b)
		e.a(b, "aks", "delete", "-g", "bench", "-n", name, "--yes", "-o", "none")
	}
	reportPerOp(b, m)
}

// kubeBenchRuns counts BenchmarkKube's iterations over -count, to alternate which of the two
// control planes starts first.
var kubeBenchRuns int

// BenchmarkKubeClusters creates 20 clusters of 3 nodes through ARM, then uses 5 of them at once:
// for each, concurrently, `aksnet aks get-credentials` and the first `kubectl get nodes` answer.
//   - first-ms: the slowest of the 5 (credentials request → answer), first-median-ms their median;
//   - total-rss-MB and total-pss-MB: the summed VmRSS and Pss of every aksnet-kube process (Pss
//     shares the binary's text between the processes), settleWait after the answers;
//   - idle-procs: aksnet-kube processes of clusters nobody used (must be 0: idle clusters cost no
//     Kubernetes memory).
//
// BENCH_SHORT: 6 clusters, 2 used.
func BenchmarkKubeClusters(b *testing.B) {
	kubectl := benchKubectl(b)
	kubeBin := buildKube(b)
	clusters, used, settle := 20, 5, 10*time.Second
	if benchShort() {
		clusters, used, settle = 6, 2, 2*time.Second
	}
	var first, firstMed, rss, pss, idle float64
	for i := 0; i < b.N; i++ {
		e := startAksnetEnv(b, kubeBin)
		for c := range clusters {
			e.createCluster(b, fmt.Sprintf("c%02d", c), 3)
		}
		if n := len(kubePIDs(b, e.state)); n != 0 {
			b.Fatalf("%d aksnet-kube processes after creating %d clusters, want none before any use", n, clusters)
		}
		lat := make([]float64, used)
		errs := make([]error, used)
		var wg sync.WaitGroup
		for c := range used {
			wg.Go(func() {
				var d time.Duration
				d, _, errs[c] = e.firstAnswer(kubectl, fmt.Sprintf("c%02d", c))
				lat[c] = ms(d)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		slices.Sort(lat)
		first += lat[len(lat)-1]
		firstMed += lat[len(lat)/2]
		time.Sleep(settle)
		pids := kubePIDs(b, e.state)
		for _, pid := range pids {
			m := memOf(b, pid)
			rss, pss = rss+m.rss, pss+m.pss
		}
		idle += float64(len(pids) - used)
		e.d.stop(b)
	}
	reportPerOp(b, map[string]float64{"first-ms": first, "first-median-ms": firstMed, "total-rss-MB": rss, "total-pss-MB": pss, "idle-procs": idle})
}

// BenchmarkKube400Nodes runs aksnet-kube with the spec of the article's largest cluster, 400 nodes:
//   - ready-ms: process start → `kubectl get nodes` lists all 400 Nodes Ready (polled from the
//     start);
//   - cpu-pct: the process's CPU (user + system, % of one core) over cpuWindow once they are, when
//     the only work is renewing 400 Leases every 10 s (and what the controllers do with them);
//   - idle-cpu-pct: the same for a 3-node cluster, measured just before;
//   - lease-cpu-pct: cpu-pct − idle-cpu-pct, the CPU that keeping the 400 Leases costs;
//   - rss-MB: VmRSS at the end of the window.
//
// BENCH_SHORT: 50 nodes and a 5 s window. AKSNET_KUBE_PROFILE_DIR=DIR also writes the 400-node
// process's CPU and allocation profiles over the window (cpu.pprof, allocs.pprof) and its heap
// profile after it (heap.pprof).
func BenchmarkKube400Nodes(b *testing.B) {
	kubectl := benchKubectl(b)
	kubeBin := buildKube(b)
	nodes, window := 400, 30*time.Second
	if benchShort() {
		nodes, window = 50, 5*time.Second
	}
	var ready, cpu, idleCPU, rss float64
	for i := 0; i < b.N; i++ {
		// The 3-node cluster first: its idle CPU is the reference the Leases' cost is taken from.
		dir := b.TempDir()
		data := filepath.Join(dir, "data")
		port := freePort(b)
		kc := writeKubeconfig(b, dir, data, port)
		writeSpecN(b, data, 3)
		p := start(b, kubeBin, data, port)
		waitReadyNodes(b, kubectl, kc, 3)
		time.Sleep(5 * time.Second) // past the start-up's own work
		idleCPU += cpuPercent(b, p.cmd.Process.Pid, window)
		p.stop(b)

		dir = b.TempDir()
		data = filepath.Join(dir, "data")
		port = freePort(b)
		kc = writeKubeconfig(b, dir, data, port)
		writeSpecN(b, data, nodes)
		// kubectl polls from the process's start, not from its "ready" line, which waits for more
		// (the controller-manager lifting the Nodes' not-ready taint).
		t0 := time.Now()
		allReady := make(chan time.Duration, 1)
		go func() {
			if err := pollReadyNodes(kubectl, kc, nodes, 5*time.Minute); err != nil {
				b.Error(err)
			}
			allReady <- time.Since(t0)
		}()
		prof := newProfiler(b)
		p = start(b, kubeBin, data, port, prof.args()...)
		ready += ms(<-allReady)
		time.Sleep(5 * time.Second)
		done := prof.cpu(b, window)
		cpu += cpuPercent(b, p.cmd.Process.Pid, window)
		<-done
		prof.heap(b)
		rss += memOf(b, p.cmd.Process.Pid).rss
		p.stop(b)
	}
	reportPerOp(b, map[string]float64{"ready-ms": ready, "cpu-pct": cpu, "idle-cpu-pct": idleCPU,
		"lease-cpu-pct": cpu - idleCPU, "rss-MB": rss})
}

// reportPerOp reports each total divided by b.N under its unit; ns/op, which would count the
// set-up, is dropped.
func reportPerOp(b *testing.B, totals map[string]float64) {
	for unit, v := range totals {
		b.ReportMetric(v/float64(b.N), unit)
	}
	b.ReportMetric(0, "ns/op")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median returns the median of v (the upper one of an even count); v is sorted.
func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

// mem is a process's resident memory in MB: VmRSS, its anonymous and file-backed parts, and Pss.
type mem struct{ rss, anon, file, pss float64 }

// memOf reads /proc/<pid>/smaps_rollup.
func memOf(b testing.TB, pid int) mem {
	b.Helper()
	if pid <= 0 {
		b.Fatal("no aksnet-kube process to measure")
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	var m mem
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			b.Fatalf("smaps_rollup: %q: %v", line, err)
		}
		switch f[0] {
		case "Rss:":
			m.rss = kb / 1024
		case "Anonymous:":
			m.anon = kb / 1024
		case "Pss:":
			m.pss = kb / 1024
		}
	}
	m.file = m.rss - m.anon
	return m
}

// cpuTicksHz is the kernel's USER_HZ, the unit of /proc/<pid>/stat's times (100 on Linux).
const cpuTicksHz = 100

// cpuPercent returns the CPU (user + system) process pid used over window, in % of one core.
func cpuPercent(b testing.TB, pid int, window time.Duration) float64 {
	b.Helper()
	ticks := func() float64 {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			b.Fatal(err)
		}
		// The fields after the command (which may hold spaces) start after its closing parenthesis;
		// utime and stime are the 14th and 15th fields of the line.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		u, err1 := strconv.ParseFloat(f[11], 64)
		s, err2 := strconv.ParseFloat(f[12], 64)
		if err1 != nil || err2 != nil {
			b.Fatalf("/proc/%d/stat: %q", pid, raw)
		}
		return u + s
	}
	t0, c0 := time.Now(), ticks()
	time.Sleep(window)
	c1, t1 := ticks(), time.Now()
	return 100 * (c1 - c0) / cpuTicksHz / t1.Sub(t0).Seconds()
}

// kubePIDs lists the aksnet-kube processes working under state.
func kubePIDs(b testing.TB, state string) []int {
	b.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		if !strings.HasSuffix(args[0], "aksnet-kube") || !strings.Contains(string(raw), state) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(st), ") Z ") {
			continue // exited, not reaped yet
		}
		pids = append(pids, pid)
	}
	return pids
}

// writeSpecN writes nodes.json with n nodes of the article's pool; unlike writeSpec it gives more
// than 250 nodes distinct addresses (192.168.1.4 on, in 10.240.0.0/12 for pods).
func writeSpecN(b testing.TB, data string, n int) {
	b.Helper()
	var f kubenodes.File
	for i := range n {
		node := specNode(0)
		node.Name = nodeName(i)
		node.InternalIP = netip.AddrFrom4([4]byte{192, 168, byte(1 + i/250), byte(4 + i%250)})
		node.PodCIDR = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(244 + i/256), byte(i % 256), 0}), 24)
		node.ProviderID = kubenodes.ProviderID(sub, nodeRG, vmss, i)
		f.Nodes = append(f.Nodes, node)
	}
	raw, err := kubenodes.Marshal(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		b.Fatal(err)
	}
	if err := pki.WriteFileAtomic(filepath.Join(data, kubenodes.FileName), raw, 0o600); err != nil {
		b.Fatal(err)
	}
}

// waitReadyNodes polls `kubectl get nodes` until it lists n Nodes, all Ready.
func waitReadyNodes(b testing.TB, kubectl, kc string, n int) {
	b.Helper()
	if err := pollReadyNodes(kubectl, kc, n, 3*time.Minute); err != nil {
		b.Fatal(err)
	}
}

// pollReadyNodes runs `kubectl get nodes` every 100 ms until it lists n Nodes, all Ready, or
// timeout passes; kubectl may fail meanwhile (the apiserver is not up yet).
func pollReadyNodes(kubectl, kc string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, kubectl, "--kubeconfig", kc, "get", "nodes", "--no-headers").Output()
		cancel()
		ready := 0
		if err == nil {
			for _, line := range strings.Split(string(out), "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[1] == "Ready" {
					ready++
				}
			}
			if ready == n {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d Nodes Ready after %s (last error %v)", ready, n, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// createNodes creates Nodes 0..n-1 of the spec with kubectl, for the bare apiserver, which has no
// Node mirror: the same objects to list, without their status.
func createNodes(b testing.TB, kubectl, kc, dir string, n int) {
	b.Helper()
	var items []string
	for i := range n {
		s := specNode(i)
		items = append(items, fmt.Sprintf(`{"apiVersion":"v1","kind":"Node","metadata":{"name":%q,"labels":{"kubernetes.io/hostname":%q}},"spec":{"podCIDR":%q,"podCIDRs":[%q],"providerID":%q}}`,
			s.Name, s.Name, s.PodCIDR, s.PodCIDR, s.ProviderID))
	}
	path := filepath.Join(dir, "nodes.yaml")
	if err := os.WriteFile(path, []byte(`{"apiVersion":"v1","kind":"List","items":[`+strings.Join(items, ",")+`]}`), 0o600); err != nil {
		b.Fatal(err)
	}
	run(b, kubectl, "--kubeconfig", kc, "create", "-f", path)
}

// profiler fetches Go profiles from the aksnet-kube under benchmark when AKSNET_KUBE_PROFILE_DIR
// names a directory; otherwise every method does nothing.
type profiler struct {
	dir  string
	addr string
}

func newProfiler(b testing.TB) *profiler {
	dir := os.Getenv("AKSNET_KUBE_PROFILE_DIR")
	if dir == "" {
		return &profiler{}
	}
	return &profiler{dir: dir, addr: "127.0.0.1:" + strconv.Itoa(freePort(b))}
}

// args are aksnet-kube's flags that serve the profiles.
func (p *profiler) args() []string {
	if p.dir == "" {
		return nil
	}
	return []string{"--pprof-address", p.addr}
}

// cpu starts a CPU profile and an allocation profile of window's length; the channel is closed
// once both are written.
func (p *profiler) cpu(b testing.TB, window time.Duration) <-chan struct{} {
	done := make(chan struct{})
	if p.dir == "" {
		close(done)
		return done
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.fetch(b, fmt.Sprintf("profile?seconds=%d", int(window.Seconds())), "cpu.pprof") })
	wg.Go(func() { p.fetch(b, fmt.Sprintf("allocs?seconds=%d", int(window.Seconds())), "allocs.pprof") })
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// heap writes a heap profile.
func (p *profiler) heap(b testing.TB) {
	if p.dir != "" {
		p.fetch(b, "heap?gc=1", "heap.pprof")
	}
}

func (p *profiler) fetch(b testing.TB, query, name string) {
	resp, err := http.Get("http://" + p.addr + "/debug/pprof/" + query)
	if err != nil {
		b.Error(err)
		return
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s: %s", query, resp.Status, raw)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(p.dir, name), raw, 0o644)
	}
	if err != nil {
		b.Error(err)
	}
}
