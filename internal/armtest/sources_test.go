package armtest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestModuleRootIsTheRootModule(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "aksnetd", "main.go")); err != nil {
		t.Errorf("moduleRoot %s is not aksnet's root module: %v", root, err)
	}
	if err := DependOnSources(); err != nil {
		t.Errorf("DependOnSources: %v", err)
	}
}
