package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Streams are the process's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// exitError carries a process exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// DefaultStateDir returns $AKSNET_STATE_DIR, or ~/.aksnet.
func DefaultStateDir() string {
	if d := os.Getenv("AKSNET_STATE_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".aksnet"
	}
	return filepath.Join(home, ".aksnet")
}

// Main runs the command line and returns the exit code.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	s := Streams{In: in, Out: out, Err: errw}
	root := NewRootCommand(s)
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errw)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(errw, ee.err.Error())
		}
		return ee.code
	}
	// Cobra's own errors are usage errors: az exits 2 for those.
	fmt.Fprintf(errw, "ERROR: %s\n", err)
	return 2
}

// NewRootCommand returns the aksnet command tree.
func NewRootCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "aksnet",
		Short:         "AKS kubenet networking on one machine",
		Long:          "aksnet runs an ARM-compatible control plane for AKS kubenet networking (aksnet serve) and mirrors the Azure CLI's commands against it.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCommand(s))
	return root
}
