package kube_test

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
)

// TestKubeModuleTests runs the kube module's own tests (`go test ./...` in kube/), which the
// README's `go test ./...` at the repository root does not enter: kube/ is its own Go module.
// Their binaries link Kubernetes, so the first run compiles it (7-10 minutes on 2 cores, shared
// with the aksnet-kube build); progress shows on stderr meanwhile. It fails with their output
// when they fail.
func TestKubeModuleTests(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short (it compiles Kubernetes and starts a control plane)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	modDir, err := filepath.Abs("../../kube")
	if err != nil {
		t.Fatal(err)
	}
	// The inner timeout is below go test's default per-package 10 minutes, which the outer run's
	// -timeout may not have raised; it bounds each kube test binary, not the compile.
	cmd := exec.Command(goBin, "test", "-timeout", "8m", "./...")
	cmd.Dir = modDir
	out := &armtest.SyncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = io.MultiWriter(out, pw), io.MultiWriter(out, pw)
	progress(t, "running the kube module's tests (go test ./... in kube/); the first run compiles Kubernetes: 7-10 minutes on 2 quiet cores")
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Each package's result line is shown as it comes, so a long compile is seen to move.
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "--- FAIL") {
				progress(t, "kube module: %s", l)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			<-lines
			if err != nil {
				t.Fatalf("go test ./... in kube/: %v\n%s", err, out.String())
			}
			progress(t, "kube module's tests passed in %s", time.Since(t0).Round(time.Second))
			return
		case <-tick.C:
			progress(t, "still running the kube module's tests (%s)", time.Since(t0).Round(time.Second))
		}
	}
}
