package serve_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli"
)

// TestServeRunsDaemon checks that `aksnet serve` hands its arguments, flags
// included, to the aksnetd named by $AKSNETD and passes its exit code on.
func TestServeRunsDaemon(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "aksnetd")
	script := "#!/bin/sh\necho \"aksnetd got: $*\"\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AKSNETD", fake)
	var out, errw bytes.Buffer
	code := cli.Main([]string{"serve", "--listen", "127.0.0.1:0", "--state-dir", "/x"}, nil, &out, &errw)
	if code != 3 || strings.TrimSpace(out.String()) != "aksnetd got: --listen 127.0.0.1:0 --state-dir /x" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 3 and the arguments passed through", code, out.String(), errw.String())
	}
}

// TestServeWithoutDaemon checks the error when no aksnetd can be found.
func TestServeWithoutDaemon(t *testing.T) {
	t.Setenv("AKSNETD", "")
	t.Setenv("PATH", t.TempDir())
	var out, errw bytes.Buffer
	code := cli.Main([]string{"serve"}, nil, &out, &errw)
	if code != 1 || !strings.Contains(errw.String(), "ERROR: aksnet serve runs aksnetd, the server, and found none") ||
		!strings.Contains(errw.String(), "go install github.com/aksnet/aksnet/cmd/aksnetd@latest") {
		t.Fatalf("exit %d, stderr %q; want exit 1 and how to install aksnetd", code, errw.String())
	}
}
