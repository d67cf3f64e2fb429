package kubesup

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionMatchesKubeModule: Version is what aksnet-kube serves, so it
// must be the kube module's k8s.io/kubernetes requirement (kube/go.mod,
// which kube/Makefile reads to stamp the binary). Bumping one without the
// other fails here.
func TestVersionMatchesKubeModule(t *testing.T) {
	path := filepath.Join("..", "..", "kube", "go.mod")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the kube module's go.mod: %v", err)
	}
	defer f.Close()
	var found []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == "k8s.io/kubernetes" {
			found = append(found, fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(found) != 1 {
		t.Fatalf("%s requires k8s.io/kubernetes %d times (%v), want once", path, len(found), found)
	}
	if want := "v" + Version; found[0] != want {
		t.Errorf("kubesup.Version is %s but %s requires k8s.io/kubernetes %s: change both together", Version, path, found[0])
	}
	if got := MinorVersion(); got+"."+strings.Split(Version, ".")[2] != Version || strings.Count(got, ".") != 1 {
		t.Errorf("MinorVersion() = %q, not the <major.minor> of %s", got, Version)
	}
}
