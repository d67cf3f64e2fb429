package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
)

// TestIntegrationExampleScript runs examples/kubenet-article.sh — every
// command of the kubenet article, with az replaced by aksnet — as separate
// processes against `aksnet serve` on a fresh state dir, and checks that the
// script ran all its checks (node IPs, pod CIDRs, routes) and passed.
func TestIntegrationExampleScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds aksnet and runs a server: skipped with -short")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "examples", "kubenet-article.sh")
	work := t.TempDir()
	bin := filepath.Join(work, "aksnet")
	// Both programs in one directory: `aksnet serve` runs the aksnetd next
	// to it.
	if err := armtest.DependOnSources(); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", work+string(filepath.Separator), "./cmd/aksnet", "./cmd/aksnetd")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as the README builds them
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/aksnet ./cmd/aksnetd: %v\n%s", err, out)
	}

	// A free loopback port for the server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()

	state := filepath.Join(work, "state")
	var serverLog bytes.Buffer
	srv := exec.Command(bin, "serve", "--listen", "127.0.0.1:"+port, "--state-dir", state)
	srv.Stdout, srv.Stderr = &serverLog, &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	pid := srv.Process.Pid
	t.Cleanup(func() {
		// Stop the server this test started, by its pid.
		_ = syscall.Kill(pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, statErr := os.Stat(filepath.Join(state, "admin.json"))
		c, dialErr := net.DialTimeout("tcp", "127.0.0.1:"+port, 200*time.Millisecond)
		if dialErr == nil {
			_ = c.Close()
		}
		if statErr == nil && dialErr == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v %v\n%s", statErr, dialErr, serverLog.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	run := exec.CommandContext(ctx, bash, script)
	run.Dir = work
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "AKSNET" && k != "AKSNET_ENDPOINT" && k != "AKSNET_STATE_DIR" && k != "HOME" {
			env = append(env, kv)
		}
	}
	run.Env = append(env, "AKSNET="+bin, "AKSNET_ENDPOINT=https://localhost:"+port, "AKSNET_STATE_DIR="+state, "HOME="+home)
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	start := time.Now()
	err = run.Run()
	t.Logf("script ran in %s", time.Since(start).Round(time.Millisecond))
	out := stdout.String()
	if err != nil {
		t.Fatalf("script failed: %v\nstdout:\n%s\nstderr:\n%s\nserver:\n%s", err, out, stderr.String(), serverLog.String())
	}
	m := regexp.MustCompile(`(?m)^All (\d+) checks passed\.$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("script did not report its checks:\n%s", out)
	}
	oks := strings.Count(out, "\nCHECK ok: ")
	if n, _ := strconv.Atoi(m[1]); n != oks || n < 15 {
		t.Errorf("script reported %s checks, printed %d", m[1], oks)
	}
	for _, want := range []string{
		"CHECK ok: myAKSCluster node IPs (vmss nic list -g MC_myResourceGroup_myAKSCluster_eastus): 192.168.1.4 192.168.1.5 192.168.1.6\n",
		"10.244.0.0/24 VirtualAppliance 192.168.1.4 10.244.1.0/24 VirtualAppliance 192.168.1.5 10.244.2.0/24 VirtualAppliance 192.168.1.6\n",
		"CHECK ok: myManagedCluster pod CIDRs and routes (network route-table route list -g myResourceGroup --route-table-name myRouteTable): ",
		"192.168.1.7 192.168.1.8\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("script output lacks %q", want)
		}
	}
	if strings.Contains(stderr.String(), "ERROR") {
		t.Errorf("script printed errors:\n%s", stderr.String())
	}
}
