package armtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/pki"
	"github.com/aksnet/aksnet/internal/statedir"
	bbolt "go.etcd.io/bbolt"
)

// api-versions of the resource and network families.
const (
	crashRGAPIVersion  = "2021-04-01"
	crashNetAPIVersion = "2024-05-01"
)

// TestIntegrationCrash_KillDuringWrites kills aksnetd with SIGKILL while 16
// clients are writing, restarts it on the same state dir and checks that
// every write the server acknowledged (200 or 201), in this round or an
// earlier one, is still there: a write is acknowledged only once it is
// durable. It does so crashKills times, each restart recovering the state
// the previous crash left.
func TestIntegrationCrash_KillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: builds and runs the aksnet binary")
	}
	const crashKills = 3
	bin := buildAksnetd(t)
	dir := t.TempDir()

	srv := startAksnet(t, bin, dir)
	c := srv.client(t)
	rgBase := "/subscriptions/" + c.creds.SubscriptionID + "/resourceGroups/"
	if code, body := c.put(t.Context(), rgBase+"crash-rg?api-version="+crashRGAPIVersion, `{"location":"eastus"}`); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("create resource group: %d %s", code, body)
	}

	var acked []string // request paths of acknowledged PUTs, over every round
	for round := range crashKills {
		n := len(acked)
		acked = writeUntilKilled(t, srv, c, rgBase, round, acked)
		t.Logf("round %d: acknowledged %d writes before kill -9", round+1, len(acked)-n)
		if len(acked)-n < 16 {
			t.Fatalf("round %d: only %d writes were acknowledged before the kill; the test proves nothing", round+1, len(acked)-n)
		}
		srv = startAksnet(t, bin, dir)
		c = srv.client(t)
		if missing := c.missing(t, acked); len(missing) > 0 {
			t.Fatalf("round %d: %d of %d acknowledged writes are missing after kill -9 and restart, e.g. %s", round+1, len(missing), len(acked), missing[0])
		}
	}
	// The restarted server still takes writes.
	if code, body := c.put(t.Context(), rgBase+"crash-after?api-version="+crashRGAPIVersion, `{"location":"eastus"}`); code != http.StatusCreated {
		t.Errorf("write after restart: %d %s", code, body)
	}
	// Graceful shutdown waits up to 5 s for connections that never sent a
	// request (net/http treats them as new, not idle); drop ours first.
	c.hc.CloseIdleConnections()
	srv.stop(t)

	// The database file itself passes bbolt's consistency check.
	db, err := bbolt.Open(filepath.Join(dir, "aksnet.db"), 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("open the database after the crash: %v", err)
	}
	defer db.Close()
	if err := db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	}); err != nil {
		t.Errorf("database consistency check: %v", err)
	}
}

// writeUntilKilled runs 16 writers against srv for about a second, then
// kills srv with SIGKILL while they are mid-flight, and returns acked with the
// paths of the PUTs that were acknowledged appended. Even writers create
// resource groups, odd ones route tables in crash-rg, so both the resources
// and the network provider are covered.
func writeUntilKilled(t *testing.T, srv *aksnetProcess, c *procClient, rgBase string, round int, acked []string) []string {
	t.Helper()
	const writers = 16
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for w := range writers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				var path, body string
				if w%2 == 0 {
					path = fmt.Sprintf("%scrash-r%d-w%02d-%05d?api-version=%s", rgBase, round, w, i, crashRGAPIVersion)
					body = `{"location":"eastus","tags":{"writer":"` + fmt.Sprint(w) + `"}}`
				} else {
					path = fmt.Sprintf("%scrash-rg/providers/Microsoft.Network/routeTables/rt-r%d-w%02d-%05d?api-version=%s", rgBase, round, w, i, crashNetAPIVersion)
					body = `{"location":"eastus","properties":{"routes":[{"name":"r1","properties":{"addressPrefix":"10.244.0.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.240.0.4"}}]}}`
				}
				code, _ := c.put(ctx, path, body)
				switch code {
				case http.StatusOK, http.StatusCreated:
					mu.Lock()
					acked = append(acked, path)
					mu.Unlock()
				case 0:
					return // the server is gone
				default:
					// A refused write is not acknowledged; keep going.
				}
			}
		})
	}
	time.Sleep(time.Second)
	srv.kill(t) // SIGKILL while the writers are mid-flight
	wg.Wait()
	return acked
}

// buildAksnetd builds the aksnet binary into a temporary directory.
func buildAksnetd(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aksnetd")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if err := DependOnSources(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", bin, "github.com/aksnet/aksnet/cmd/aksnetd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// aksnetProcess is an aksnetd (`aksnet serve`) subprocess.
type aksnetProcess struct {
	cmd      *exec.Cmd
	url      string
	dir      string
	logPath  string
	waitOnce sync.Once
	waitErr  error
}

// freeLoopbackPort returns a loopback port that was free a moment ago.
func freeLoopbackPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return portOf(ln.Addr())
}

// startAksnet runs aksnetd on dir, with extra arguments, and waits for
// /healthz. The process is killed in t.Cleanup if it is still running.
func startAksnet(t testing.TB, bin, dir string, extra ...string) *aksnetProcess {
	t.Helper()
	port := freeLoopbackPort(t)
	logf, err := os.CreateTemp(t.TempDir(), "aksnet-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, append([]string{"--state-dir", dir, "--listen", "127.0.0.1:" + port, "--log-level", "warn"}, extra...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aksnet: %v", err)
	}
	p := &aksnetProcess{cmd: cmd, url: "https://localhost:" + port, dir: dir, logPath: logf.Name()}
	t.Cleanup(func() {
		// Kill exactly the process started here, by its pid, and reap it.
		_ = p.cmd.Process.Kill()
		_ = p.wait()
		if t.Failed() {
			if b, err := os.ReadFile(p.logPath); err == nil && len(b) > 0 {
				t.Logf("aksnet log (%s):\n%s", p.url, b)
			}
		}
	})
	exited := make(chan struct{})
	go func() { _ = p.wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			b, _ := os.ReadFile(p.logPath)
			t.Fatalf("aksnet exited before serving: %v\n%s", p.waitErr, b)
		default:
		}
		if hc, err := p.httpClient(); err == nil {
			resp, err := hc.Get(p.url + "/healthz")
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				hc.CloseIdleConnections()
				if resp.StatusCode == http.StatusOK {
					return p
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("aksnet did not answer /healthz on %s within 30s", p.url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *aksnetProcess) wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// httpClient returns a client trusting the state dir's CA.
func (p *aksnetProcess) httpClient() (*http.Client, error) {
	caPEM, err := os.ReadFile(filepath.Join(p.dir, pki.CAFile))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", pki.CAFile)
	}
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 64,
	}, Timeout: 30 * time.Second}, nil
}

// kill sends SIGKILL to the process and reaps it.
func (p *aksnetProcess) kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill aksnet: %v", err)
	}
	_ = p.wait()
}

// stop asks the process to shut down gracefully and waits for it.
func (p *aksnetProcess) stop(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop aksnet: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("aksnet exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("aksnet did not stop within 20s of SIGTERM")
	}
}

// procClient is a signed-in admin client of a running aksnet.
type procClient struct {
	base  string
	hc    *http.Client
	creds *statedir.Credentials
	token string
}

// client signs in as the admin principal of the state dir.
func (p *aksnetProcess) client(t testing.TB) *procClient {
	t.Helper()
	creds, err := statedir.LoadCredentials(p.dir)
	if err != nil {
		t.Fatalf("read admin credentials: %v", err)
	}
	hc, err := p.httpClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hc.CloseIdleConnections)
	tok, err := creds.Token(hc, p.url)
	if err != nil {
		t.Fatal(err)
	}
	return &procClient{base: p.url, hc: hc, creds: creds, token: tok}
}

// put sends a PUT and returns its status, or 0 when no answer came back.
func (c *procClient) put(ctx context.Context, path, body string) (int, string) {
	return c.do(ctx, http.MethodPut, path, body)
}

func (c *procClient) do(ctx context.Context, method, path, body string) (int, string) {
	code, out, err := bearerDo(ctx, c.hc, method, c.base+path, c.token, body)
	if code == 0 {
		return 0, err.Error()
	}
	// A status that arrived counts even if the body was cut short: the
	// server answers only after the write is durable.
	return code, string(out)
}

// missing GETs every path from 8 goroutines and returns those not found.
func (c *procClient) missing(t testing.TB, paths []string) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		out  []string
		wg   sync.WaitGroup
		next = make(chan string)
	)
	for range 8 {
		wg.Go(func() {
			for p := range next {
				code, body := c.do(t.Context(), http.MethodGet, p, "")
				if code != http.StatusOK {
					mu.Lock()
					out = append(out, fmt.Sprintf("%s: %d %s", p, code, strings.TrimSpace(body)))
					mu.Unlock()
				}
			}
		})
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	return out
}

// bearerRequest is a request of method to url with token as its bearer
// token and, unless body is empty, body as its JSON content: the request of
// the crash test's and the benchmarks' clients.
func bearerRequest(ctx context.Context, method, url, token, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// bearerDo sends bearerRequest's request with hc and returns the status and
// the body. The status is 0 when no answer came back; an error reading the
// body comes with the status and the part of the body that was read.
func bearerDo(ctx context.Context, hc *http.Client, method, url, token, body string) (int, []byte, error) {
	req, err := bearerRequest(ctx, method, url, token, body)
	if err != nil {
		return 0, nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}
