package armtest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DependOnSources makes the repository's sources inputs of the running test
// binary, for tests that build aksnet's commands with `go build` and run
// them. go test caches a package's result by the test binary and by the
// files the test opened or stat'ed; the commands' packages are not in the
// test binary, so without this a change to, say, internal/cli would leave
// such a test answered from the cache, its result stale. It stats every file
// under cmd, internal and kube of the module that holds the working
// directory, and its go.mod and go.sum.
func DependOnSources() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			return err
		}
	}
	for _, dir := range []string{"cmd", "internal", "kube"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			_, err = os.Stat(path)
			return err
		})
		if err != nil {
			return fmt.Errorf("record the sources under %s: %w", dir, err)
		}
	}
	return nil
}

// moduleRoot is the nearest directory at or above the working directory
// with a go.mod and aksnetd's sources: the root module (kube's nested module
// is passed over).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "cmd", "aksnetd")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no aksnet module root above the working directory")
		}
		dir = parent
	}
}
