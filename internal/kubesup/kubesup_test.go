package kubesup

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoLauncher stands for aksnet-kube: each process listens on its
// --secure-port, echoes lines back prefixed with its launch number, and
// writes the ready file once listening.
type echoLauncher struct {
	mu    sync.Mutex
	procs []*echoProc
	// refuse, when set, makes each process print it as aksnet-kube's
	// last line and exit at once with ExitDataUnusable.
	refuse string
}

// exitError is a process's exit status, as exec.ExitError reports it.
type exitError int

func (e exitError) Error() string { return "exit status " + strconv.Itoa(int(e)) }
func (e exitError) ExitCode() int { return int(e) }

type echoProc struct {
	n    int
	args []string
	ln   net.Listener
	once sync.Once
	done chan struct{}
	err  error
}

func (p *echoProc) Wait() error { <-p.done; return p.err }
func (p *echoProc) Stop(time.Duration) {
	p.once.Do(func() { p.ln.Close(); close(p.done) })
}

// crash ends the process as if it died.
func (p *echoProc) crash() {
	p.once.Do(func() { p.err = errors.New("signal: killed"); p.ln.Close(); close(p.done) })
}

func arg(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func (l *echoLauncher) Launch(_ string, args []string, log io.Writer) (Process, error) {
	l.mu.Lock()
	refuse := l.refuse
	l.mu.Unlock()
	if refuse != "" {
		l.mu.Lock()
		p := &echoProc{n: len(l.procs) + 1, args: args, done: make(chan struct{}), err: exitError(ExitDataUnusable)}
		l.procs = append(l.procs, p)
		l.mu.Unlock()
		_, _ = io.WriteString(log, "I1203 some klog line\naksnet-kube: "+refuse+"\n")
		p.once.Do(func() { close(p.done) })
		return p, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+arg(args, "--secure-port"))
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	p := &echoProc{n: len(l.procs) + 1, args: args, ln: ln, done: make(chan struct{})}
	l.procs = append(l.procs, p)
	l.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					_, _ = io.WriteString(c, strconv.Itoa(p.n)+":"+sc.Text()+"\n")
				}
			}()
		}
	}()
	if err := os.WriteFile(filepath.Join(arg(args, "--data-dir"), readyFile), nil, 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

func (l *echoLauncher) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.procs) }
func (l *echoLauncher) last() *echoProc {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.procs[len(l.procs)-1]
}

func newTestSupervisor(t *testing.T, idle time.Duration) (*Supervisor, *echoLauncher) {
	t.Helper()
	l := &echoLauncher{}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Dir: t.TempDir(), Binary: self, Idle: idle, Launcher: l, ReadyTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(s.Close)
	return s, l
}

func testCluster() Cluster {
	return Cluster{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1", Name: "c1",
		FQDN: "c1-rg-s-1234.hcp.eastus.azmk8s.io", ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), DNSServiceIP: netip.MustParseAddr("10.0.0.10"),
		Nodes: []Node{{Name: "aks-nodepool1-1-vmss000000", Pool: "nodepool1", InternalIP: netip.MustParseAddr("192.168.1.4"),
			PodCIDR: netip.MustParsePrefix("10.244.0.0/24"), MaxPods: 110}}}
}

// roundTrip sends a line through the cluster's port and returns the answer.
func roundTrip(t *testing.T, server, line string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(server, "https://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read through the proxy: %v", err)
	}
	return strings.TrimSpace(got)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAccessPreparesAndProxies(t *testing.T) {
	s, l := newTestSupervisor(t, 0)
	c := testCluster()
	acc, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(acc.Server, "https://127.0.0.1:") || acc.TLSServerName != c.FQDN || len(acc.CA.CertPEM) == 0 {
		t.Fatalf("access %+v", acc)
	}
	dir := DirOf(s.opts.Dir, c.ID, c.Name)
	for _, f := range []string{"pki/ca.crt", "pki/ca.key", "pki/apiserver.crt", "pki/apiserver.key", "pki/sa.key", "pki/sa.pub", "data/nodes.json", "port"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	spec, _ := os.ReadFile(filepath.Join(dir, "data", "nodes.json"))
	if !strings.Contains(string(spec), `"podCIDR": "10.244.0.0/24"`) || !strings.Contains(string(spec), `"internalIP": "192.168.1.4"`) {
		t.Errorf("nodes.json: %s", spec)
	}
	if got := roundTrip(t, acc.Server, "hello"); got != "1:hello" {
		t.Errorf("through the proxy: %q, want 1:hello", got)
	}
	// The apiserver's service range is the cluster's serviceCidr, kube-dns gets its dnsServiceIP.
	args := l.last().args
	for flag, want := range map[string]string{"--service-cidr": "10.0.0.0/16", "--dns-service-ip": "10.0.0.10", "--cluster-name": "c1",
		"--extra-sans": c.FQDN, "--pki-dir": filepath.Join(dir, "pki"), "--data-dir": filepath.Join(dir, "data")} {
		if got := arg(args, flag); got != want {
			t.Errorf("aksnet-kube %s %q, want %q (args %v)", flag, got, want, args)
		}
	}
	// A second request reuses the running process, the port and the CA.
	acc2, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if acc2.Server != acc.Server || string(acc2.CA.CertPEM) != string(acc.CA.CertPEM) || l.count() != 1 {
		t.Errorf("second access: %s (was %s), %d launches", acc2.Server, acc.Server, l.count())
	}
	// The nodes follow a scale.
	c.Nodes = append(c.Nodes, Node{Name: "aks-nodepool1-1-vmss000001", Pool: "nodepool1", InternalIP: netip.MustParseAddr("192.168.1.5"),
		PodCIDR: netip.MustParsePrefix("10.244.1.0/24"), MaxPods: 110})
	if err := s.SetNodes(c); err != nil {
		t.Fatal(err)
	}
	spec, _ = os.ReadFile(filepath.Join(dir, "data", "nodes.json"))
	if !strings.Contains(string(spec), "10.244.1.0/24") {
		t.Errorf("nodes.json after SetNodes: %s", spec)
	}
	// Delete: process stopped, port closed, data gone.
	p := l.last()
	if err := s.Remove(c.ID, c.Name); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	default:
		t.Error("the process still runs after Remove")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory after Remove: %v", err)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(acc.Server, "https://"), time.Second); err == nil {
		c.Close()
		t.Error("the cluster's port still accepts connections after Remove")
	}
}

func TestDeadProcessIsRestarted(t *testing.T) {
	s, l := newTestSupervisor(t, 0)
	acc, err := s.Access(testCluster())
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, acc.Server, "a"); got != "1:a" {
		t.Fatalf("got %q", got)
	}
	l.last().crash()
	eventually(t, "a second process starts", func() bool { return l.count() == 2 })
	if got := roundTrip(t, acc.Server, "b"); got != "2:b" {
		t.Errorf("after the restart: %q, want 2:b", got)
	}
}

func TestIdleStopAndLazyStart(t *testing.T) {
	s, l := newTestSupervisor(t, 200*time.Millisecond)
	c := testCluster()
	acc, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, acc.Server, "a"); got != "1:a" {
		t.Fatalf("got %q", got)
	}
	first := l.last()
	eventually(t, "the idle process is stopped", func() bool {
		select {
		case <-first.done:
			return true
		default:
			return false
		}
	})
	if s.Running(c.ID) {
		t.Error("Running after the idle stop")
	}
	// The kubeconfig's port still answers: the next connection starts a new process.
	if got := roundTrip(t, acc.Server, "b"); got != "2:b" {
		t.Errorf("after the idle stop: %q, want 2:b", got)
	}
}

func TestResumeKeepsThePort(t *testing.T) {
	dir := t.TempDir()
	l := &echoLauncher{}
	self, _ := os.Executable()
	opts := Options{Dir: dir, Binary: self, Launcher: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s := New(opts)
	acc, err := s.Access(testCluster())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// aksnetd restarts: the port opens again before any credentials request.
	s2 := New(opts)
	defer s2.Close()
	s2.Resume([]Cluster{testCluster()})
	if got := roundTrip(t, acc.Server, "x"); !strings.HasSuffix(got, ":x") {
		t.Errorf("after a restart: %q, want the echo of x", got)
	}
}

func TestMissingBinary(t *testing.T) {
	s := New(Options{Dir: t.TempDir(), Binary: filepath.Join(t.TempDir(), "aksnet-kube")})
	defer s.Close()
	_, err := s.Access(testCluster())
	if !errors.Is(err, ErrNoBinary) || !strings.Contains(err.Error(), "make -C kube build") {
		t.Errorf("err = %v, want ErrNoBinary naming the build command", err)
	}
}

// refused reports whether a connection to server is refused at once, as
// kubectl finds a stopped AKS cluster's API server unreachable.
func refused(t *testing.T, server string) bool {
	t.Helper()
	start := time.Now()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(server, "https://"), 2*time.Second)
	if err == nil {
		c.Close()
		return false
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal took %s; a stopped cluster's port must refuse at once", d)
	}
	return true
}

func TestStopClosesThePortAndStartReopensIt(t *testing.T) {
	s, l := newTestSupervisor(t, 0)
	c := testCluster()
	acc, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, acc.Server, "a"); got != "1:a" {
		t.Fatalf("got %q", got)
	}
	first := l.last()

	// az aks stop: SetPower with Stopped returns once the process is gone
	// and the port is closed; the nodes still follow the cluster.
	c.Nodes = append(c.Nodes, Node{Name: "aks-nodepool1-1-vmss000001", Pool: "nodepool1", InternalIP: netip.MustParseAddr("192.168.1.5"),
		PodCIDR: netip.MustParsePrefix("10.244.1.0/24"), MaxPods: 110})
	setPower(t, s, &c, true)
	select {
	case <-first.done:
	default:
		t.Error("the process still runs after the cluster stopped")
	}
	if s.Running(c.ID) {
		t.Error("Running after the cluster stopped")
	}
	if !refused(t, acc.Server) {
		t.Fatal("a stopped cluster's port accepts connections")
	}
	dir := DirOf(s.opts.Dir, c.ID, c.Name)
	if spec, _ := os.ReadFile(filepath.Join(dir, "data", "nodes.json")); !strings.Contains(string(spec), "10.244.1.0/24") {
		t.Errorf("nodes.json of the stopped cluster: %s", spec)
	}
	// Credentials of a stopped cluster name the same port and CA, and
	// start nothing: the port stays closed.
	acc2, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if acc2.Server != acc.Server || string(acc2.CA.CertPEM) != string(acc.CA.CertPEM) {
		t.Errorf("stopped access %s, want %s and the same CA", acc2.Server, acc.Server)
	}
	time.Sleep(100 * time.Millisecond)
	if !refused(t, acc.Server) || l.count() != 1 {
		t.Fatalf("after a stopped cluster's credentials: port open or %d launches, want closed and 1", l.count())
	}
	// A second stop is a no-op.
	setPower(t, s, &c, true)
	// A stale view of the cluster (ARM's watch read it running a moment
	// before the stop) updates the nodes and does not reopen the port.
	stale := c
	stale.Stopped = false
	if err := s.SetNodes(stale); err != nil {
		t.Fatal(err)
	}
	if !refused(t, acc.Server) {
		t.Fatal("SetNodes reopened a stopped cluster's port")
	}

	// az aks start: the port answers again and the first connection starts
	// a new process, on the same data.
	setPower(t, s, &c, false)
	if got := roundTrip(t, acc.Server, "b"); got != "2:b" {
		t.Errorf("after start: %q, want 2:b", got)
	}
	if got := arg(l.last().args, "--data-dir"); got != filepath.Join(dir, "data") {
		t.Errorf("restarted on %s, want the cluster's data %s", got, filepath.Join(dir, "data"))
	}
}

// A stopped cluster stays stopped across an aksnetd restart: Resume keeps
// its port closed, and a later start opens the same port.
func TestResumeKeepsAStoppedClusterClosed(t *testing.T) {
	dir := t.TempDir()
	l := &echoLauncher{}
	self, _ := os.Executable()
	opts := Options{Dir: dir, Binary: self, Launcher: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s := New(opts)
	c := testCluster()
	acc, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, acc.Server, "a"); got != "1:a" {
		t.Fatalf("got %q", got)
	}
	setPower(t, s, &c, true)
	s.Close()

	s2 := New(opts)
	defer s2.Close()
	s2.Resume([]Cluster{c})
	if !refused(t, acc.Server) {
		t.Fatal("a stopped cluster's port accepts connections after a restart")
	}
	if l.count() != 1 {
		t.Errorf("%d launches, want 1", l.count())
	}
	setPower(t, s2, &c, false)
	if got := roundTrip(t, acc.Server, "x"); got != "2:x" {
		t.Errorf("after start: %q, want 2:x", got)
	}
}

// A stopped cluster that never had credentials gets a kubeconfig whose
// port is recorded but closed; it opens on start.
func TestAccessOfAStoppedClusterStartsNothing(t *testing.T) {
	s, l := newTestSupervisor(t, 0)
	c := testCluster()
	c.Stopped = true
	acc, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(acc.Server, "https://127.0.0.1:") || len(acc.CA.CertPEM) == 0 {
		t.Fatalf("access %+v", acc)
	}
	if !refused(t, acc.Server) || l.count() != 0 {
		t.Fatalf("stopped cluster: port open or %d launches", l.count())
	}
	setPower(t, s, &c, false)
	if got := roundTrip(t, acc.Server, "y"); got != "1:y" {
		t.Errorf("after start: %q, want 1:y", got)
	}
}

// Two requests' after-commit calls may arrive out of order: a start
// committed after a stop wins even when its SetPower comes first.
func TestSetPowerKeepsTheNewest(t *testing.T) {
	s, _ := newTestSupervisor(t, 0)
	c := testCluster()
	acc, err := s.Access(c)
	if err != nil {
		t.Fatal(err)
	}
	stop, start := c, c
	stop.Stopped, stop.PowerSeq = true, 1
	start.PowerSeq = 2
	if err := s.SetPower(start); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPower(stop); err != nil {
		t.Fatal(err)
	}
	if refused(t, acc.Server) {
		t.Fatal("an older stop closed the port a newer start opened")
	}
	stop.PowerSeq = 3
	if err := s.SetPower(stop); err != nil {
		t.Fatal(err)
	}
	if !refused(t, acc.Server) {
		t.Fatal("a newer stop left the port open")
	}
}

// setPower stops (stopped) or starts cluster c as the stop and start
// actions do, and fails the test when SetPower does.
func setPower(t *testing.T, s *Supervisor, c *Cluster, stopped bool) {
	t.Helper()
	c.Stopped = stopped
	if err := s.SetPower(*c); err != nil {
		t.Fatal(err)
	}
}

// syncWriter is a log buffer safe for the supervisor's goroutines.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.b.String() }

// TestUnusableDataIsRefusedNotRestarted: aksnet-kube exiting with
// ExitDataUnusable is not restarted; the refusal is logged once; the
// cluster's port answers HTTPS requests, verified against the kubeconfig's
// CA and server name, with a 500 holding aksnet-kube's line; a
// connection after refusalRetry tries again, and once the data is repaired
// the port proxies as before.
func TestUnusableDataIsRefusedNotRestarted(t *testing.T) {
	old := refusalRetry
	refusalRetry = 300 * time.Millisecond
	t.Cleanup(func() { refusalRetry = old })
	logs := &syncWriter{}
	l := &echoLauncher{}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Dir: t.TempDir(), Binary: self, Launcher: l, ReadyTimeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(s.Close)
	const refusal = "the etcd data /s/kube/c1/data/etcd of this cluster's Kubernetes control plane is damaged (truncated); it was left untouched. To recover, restore it"
	l.refuse = refusal

	acc, err := s.Access(testCluster())
	if err != nil {
		t.Fatalf("credentials of a cluster whose control plane refuses its data: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(acc.CA.CertPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: acc.TLSServerName}}}
	defer client.CloseIdleConnections()
	check := func(method, path, body string) {
		t.Helper()
		req, err := http.NewRequest(method, acc.Server+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Retry-After") != "" {
			t.Errorf("%s %s: %d (Retry-After %q), want 500 and no Retry-After", method, path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if path == "/api" || path == "/apis" {
			// client-go's discovery keeps a 500's text body, never its Status.
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || string(b) != refusal {
				t.Errorf("%s %s: %s %q, want the refusal as text/plain", method, path, ct, b)
			}
			return
		}
		var st struct {
			Kind, APIVersion, Status, Message, Reason string
			Code                                      int
		}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("%s %s: body %q not JSON: %v", method, path, b, err)
		}
		if resp.Header.Get("Content-Type") != "application/json" || st.Kind != "Status" || st.APIVersion != "v1" ||
			st.Status != "Failure" || st.Reason != "InternalError" || st.Code != 500 || st.Message != refusal {
			t.Errorf("%s %s: %+v; want a Status with reason InternalError and message %q", method, path, st, refusal)
		}
	}
	check("GET", "/api", "")
	check("GET", "/apis", "")
	check("GET", "/api/v1/namespaces/default/configmaps", "") // more requests on the same connection
	check("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"x"}}`)

	// No restart on its own: an unexpected exit would be restarted after 1 s.
	time.Sleep(1500 * time.Millisecond)
	if n := l.count(); n != 1 || s.Running(testCluster().ID) {
		t.Errorf("%d launches (running %t) after a refusal and no connection; want 1", n, s.Running(testCluster().ID))
	}
	// A connection after refusalRetry tries again, finds the same refusal, and does not log it again.
	client.CloseIdleConnections()
	check("GET", "/api", "")
	if n := l.count(); n != 2 {
		t.Errorf("%d launches after a connection past refusalRetry; want 2", n)
	}
	if n := strings.Count(logs.String(), "refuses the cluster's etcd data; not restarting it"); n != 1 {
		t.Errorf("the refusal is logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "damaged (truncated)") {
		t.Errorf("the log does not hold the refusal:\n%s", logs.String())
	}

	// The data is repaired: the next connection past refusalRetry starts a control plane that serves.
	l.mu.Lock()
	l.refuse = ""
	l.mu.Unlock()
	time.Sleep(refusalRetry)
	if got := roundTrip(t, acc.Server, "x"); got != "3:x" {
		t.Errorf("after the repair: %q, want 3:x", got)
	}
}

func TestLastLine(t *testing.T) {
	var l lastLine
	for _, p := range []string{"I1203 first\nsec", "ond\n\n", "  \n"} {
		_, _ = l.Write([]byte(p))
	}
	if got := l.String(); got != "second" {
		t.Errorf("last line %q, want second", got)
	}
	_, _ = l.Write([]byte("aksnet-kube: no newline"))
	if got := refusalMessage(l.String()); got != "no newline" {
		t.Errorf("refusal %q, want the unterminated last line without the program's prefix", got)
	}
	if got := refusalMessage(""); !strings.Contains(got, logFile) {
		t.Errorf("refusal of an empty output %q does not point to the log", got)
	}
}
