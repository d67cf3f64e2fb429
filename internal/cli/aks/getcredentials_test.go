package aks

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/kubeconfig"
)

func testKubeconfig(t *testing.T, server string) []byte {
	t.Helper()
	b, err := kubeconfig.Build(kubeconfig.Params{Name: "c1", User: "clusterUser_rg_c1", Server: server, CAPEM: []byte("CA"),
		CertPEM: []byte("CERT"), KeyPEM: []byte("KEY")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MergeKubeconfig's file handling follows azure-cli's print_or_merge_credentials and
// merge_kubernetes_configurations (acs/_helpers.py): the directory and a 0600 file are created,
// an existing file's mode is kept, and failures name the file.
func TestMergeKubeconfigFiles(t *testing.T) {
	log := output.NewLogger(io.Discard, output.LevelWarning, false)
	dir := t.TempDir()
	path := filepath.Join(dir, "new", ".kube", "config")
	cur, err := MergeKubeconfig(path, testKubeconfig(t, "https://127.0.0.1:1"), kubeconfig.MergeOptions{}, log)
	if err != nil || cur != "c1" {
		t.Fatalf("merge into a new file: %q, %v", cur, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("new kubeconfig: %v, %v; want mode 0600", st, err)
	}
	// A different entry of the same name: refused, the file untouched.
	before, _ := os.ReadFile(path)
	_, err = MergeKubeconfig(path, testKubeconfig(t, "https://127.0.0.1:2"), kubeconfig.MergeOptions{}, log)
	if err == nil || !strings.Contains(err.Error(), "A different object named c1 already exists in clusters") {
		t.Errorf("conflicting merge: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused merge changed the file")
	}
	// With --overwrite-existing it replaces the entry and keeps the file's mode.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := MergeKubeconfig(path, testKubeconfig(t, "https://127.0.0.1:2"), kubeconfig.MergeOptions{Overwrite: true}, log); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !strings.Contains(string(after), "https://127.0.0.1:2") || strings.Contains(string(after), "https://127.0.0.1:1") {
		t.Errorf("overwrite did not replace the cluster:\n%s", after)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode after the merge %o, want 0640 kept", st.Mode().Perm())
	}
	// Unwritable or unparsable targets are clear errors that name the file.
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(notDir, "config")
	if _, err := MergeKubeconfig(bad, testKubeconfig(t, "https://127.0.0.1:1"), kubeconfig.MergeOptions{}, log); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("merge under a file: %v", err)
	}
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("{{{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := MergeKubeconfig(garbage, testKubeconfig(t, "https://127.0.0.1:1"), kubeconfig.MergeOptions{}, log); err == nil ||
		!strings.Contains(err.Error(), "Error parsing "+garbage) {
		t.Errorf("merge into a damaged file: %v", err)
	}
	if b, _ := os.ReadFile(garbage); string(b) != "{{{" {
		t.Error("a damaged kubeconfig was overwritten")
	}
}
