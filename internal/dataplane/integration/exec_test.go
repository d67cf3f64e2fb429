package integration

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
)

// TestIntegrationPodExec runs the aksnet binary's `aks pod exec`: the
// program runs in the pod's namespace and its exit code comes through, and
// a pod is ready when `aks pod run` returns: an exec right after it never
// fails (it failed 4 times in 10 when the run was answered before the data
// plane had made the namespace).
func TestIntegrationPodExec(t *testing.T) {
	e, c := startArticle(t, "rg-exec")
	a := c.run("pod-a", 0, false)
	bin := filepath.Join(t.TempDir(), "aksnet")
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	must(t, err)
	must(t, armtest.DependOnSources())
	build := exec.Command("go", "build", "-o", bin, "./cmd/aksnet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	execIn := func(pod string, args ...string) (string, int) {
		cmd := exec.Command(bin, append([]string{"--endpoint", e.arm.URL, "--state-dir", e.dir, "aks", "pod", "exec",
			"-g", c.rg, "-n", c.name, "--name", pod, "--"}, args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), ee.ExitCode()
		}
		must(t, err)
		return out.String(), 0
	}
	run := func(args ...string) (string, int) { return execIn("pod-a", args...) }
	// fib_trie lists the namespace's own addresses: the pod's, not the host's.
	out, code := run("sh", "-c", "grep -c '"+a.PodIP+"' /proc/net/fib_trie; exit 7")
	if code != 7 || strings.TrimSpace(out) == "0" {
		t.Fatalf("exec: exit %d, output %q; want exit 7 and the pod IP %s among the namespace's addresses", code, out, a.PodIP)
	}
	if out, code := run("no-such-program-aksnet"); code != 127 {
		t.Fatalf("missing program: exit %d (%s), want 127", code, out)
	}
	// The pod sees the cluster's DNS, as a ClusterFirst pod does, and
	// reaches a service by its short name.
	out, code = run("cat", "/etc/resolv.conf")
	if code != 0 || !strings.Contains(out, "nameserver 10.0.0.10\n") || !strings.Contains(out, "search default.svc.cluster.local svc.cluster.local cluster.local\n") {
		t.Fatalf("resolv.conf in the pod (exit %d):\n%s", code, out)
	}
	e.az("aks", "service", "create", "-g", c.rg, "-n", c.name, "--name", "web", "--selector", "pod-a", "--port", "80", "--target-port", "8080")
	if _, err := exec.LookPath("curl"); err == nil {
		out, code = run("curl", "-sS", "--max-time", "5", "http://web")
		if code != 0 || !strings.Contains(out, `"pod":"pod-a"`) {
			t.Fatalf("curl http://web from pod-a: exit %d: %s", code, out)
		}
	} else {
		out, code = run("getent", "hosts", "web")
		if code != 0 || !strings.Contains(out, "web.default.svc.cluster.local") {
			t.Fatalf("getent hosts web from pod-a: exit %d: %s", code, out)
		}
	}
	// The host's own resolv.conf is untouched.
	if host, err := os.ReadFile("/etc/resolv.conf"); err == nil && strings.Contains(string(host), "nameserver 10.0.0.10\n") {
		t.Errorf("the host's /etc/resolv.conf names the cluster DNS:\n%s", host)
	}
	for i := range 20 {
		name := fmt.Sprintf("burst-%d", i)
		p := c.run(name, i%len(c.nodes), false)
		if out, code := execIn(name, "grep", "-q", p.PodIP, "/proc/net/fib_trie"); code != 0 {
			t.Fatalf("exec right after run of %s (%s): exit %d: %s", name, p.PodIP, code, out)
		}
	}
}
