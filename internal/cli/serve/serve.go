// Package serve is `aksnet serve`, which runs aksnetd, the server.
package serve

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// daemonName is the server's executable, built from cmd/aksnetd.
const daemonName = "aksnetd"

// NewCommand is `aksnet serve`: it runs aksnetd, the server, with the
// same arguments. The server is a separate program so that this CLI links
// none of it and starts in a fraction of the time (see internal/daemon).
func NewCommand(s command.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the aksnet server (aksnetd): the ARM-compatible control plane",
		Long: `Run aksnetd, the aksnet server, with these arguments: 'aksnet serve --help'
shows its flags. aksnet looks for aksnetd in $AKSNETD, next to its own
executable, then on PATH. Build both with:

    go build -o bin/ ./cmd/aksnet ./cmd/aksnetd`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := findDaemon()
			if err != nil {
				return err
			}
			return runDaemon(s, path, args)
		},
	}
}

// findDaemon locates aksnetd: $AKSNETD, then the directory of this
// executable (so a pair built together stays together), then PATH.
func findDaemon() (string, error) {
	if p := os.Getenv("AKSNETD"); p != "" {
		return p, nil
	}
	self, err := os.Executable()
	if err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		p := filepath.Join(filepath.Dir(self), daemonName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(daemonName); err == nil {
		return p, nil
	}
	return "", &output.Error{Code: 1, Message: fmt.Sprintf(
		"aksnet serve runs %s, the server, and found none in $AKSNETD, next to %s or on PATH. "+
			"Install it with: go install github.com/aksnet/aksnet/cmd/aksnetd@latest "+
			"(from a checkout: go build -o bin/ ./cmd/aksnet ./cmd/aksnetd, or go run ./cmd/aksnetd)", daemonName, self)}
}

// runDaemon runs aksnetd with args. With the process's own standard streams
// it replaces this process (exec), so signals and the process id go straight
// to the server; otherwise (in tests) it runs it as a child and returns its
// exit code.
func runDaemon(s command.Streams, path string, args []string) error {
	argv := append([]string{path}, args...)
	if s.Out == os.Stdout && s.Err == os.Stderr {
		err := syscall.Exec(path, argv, os.Environ())
		return &output.Error{Code: 1, Message: fmt.Sprintf("run %s: %v", path, err)}
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.In, s.Out, s.Err
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &command.ExitError{Code: ee.ExitCode()}
	}
	if err != nil {
		return &output.Error{Code: 1, Message: fmt.Sprintf("run %s: %v", path, err)}
	}
	return nil
}
