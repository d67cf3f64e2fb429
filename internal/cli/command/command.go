// Package command is what every aksnet command shares, in the manner of
// kind's pkg/cmd: the process's streams, az's global arguments, the
// invocation's environment (logger, output format, API client) with the
// few ARM verbs a handler needs (show, list, put, delete, wait) that print
// through the output layer, and the tree's building blocks (a group of
// subcommands, the lazily built branches).
//
// A command lives in its own package under internal/cli, built as
// NewCommand(streams, globals) with a flags struct; a leaf command is Leaf
// of its arguments' declarations and a handler that reads its flags, calls
// one client function and hands the result to Env.Print.
package command

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// Streams are the process's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Globals are az's global arguments plus aksnet's connection flags.
type Globals struct {
	Output         string
	Query          string
	Subscription   string
	OnlyShowErrors bool
	Verbose        bool
	Debug          bool
	Endpoint       string
	StateDir       string
	// Line is the command line the tree is built for (nil: all of it).
	Line []string
}

// DefaultEndpoint is where the CLI looks for the server: $AKSNET_ENDPOINT,
// else client.DefaultEndpoint.
func DefaultEndpoint() string {
	if e := os.Getenv("AKSNET_ENDPOINT"); e != "" {
		return e
	}
	return client.DefaultEndpoint
}

// ExitError carries a process exit code out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Env is one command invocation's context.
type Env struct {
	Streams Streams
	Globals *Globals
	Log     *output.Logger
	// Prog is the command's path, "aksnet network vnet create".
	Prog   string
	Format output.Format
	// Client is nil until the command connects.
	Client *client.Client
	// Table reshapes results for -o table, like az's table transformers.
	Table func(any) any
}

// IsTerminal reports whether w is a terminal (not merely a character
// device such as /dev/null).
func IsTerminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// NewEnv validates the global flags and, when connect is true, builds the
// API client.
func NewEnv(cmd *cobra.Command, s Streams, g *Globals, connect bool) (*Env, error) {
	level, err := output.LevelFromFlags(g.OnlyShowErrors, g.Verbose, g.Debug)
	if err != nil {
		return nil, &output.Error{Code: 1, Message: err.Error()}
	}
	color := IsTerminal(s.Out) && IsTerminal(s.Err)
	e := &Env{Streams: s, Globals: g, Log: output.NewLogger(s.Err, level, color), Prog: cmd.CommandPath()}
	if e.Format, err = output.ParseFormat(e.Prog, g.Output); err != nil {
		return nil, err
	}
	if connect {
		if err := e.Connect(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Connect builds the API client from the global flags.
func (e *Env) Connect() error {
	c, err := client.New(e.Globals.Endpoint, e.Globals.StateDir, e.Globals.Subscription, e.Log)
	if err != nil {
		return err
	}
	e.Client = c
	return nil
}

// Run adapts a handler that needs a connected Env to a cobra RunE.
func Run(s Streams, g *Globals, fn func(e *Env, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e, err := NewEnv(cmd, s, g, true)
		if err != nil {
			return err
		}
		return fn(e, cmd, args)
	}
}

// Args are a command's declared arguments (a flags.Set).
type Args interface {
	// ChecksFirst reports whether Check runs before the command connects.
	ChecksFirst() bool
	// Check validates the parsed arguments and the positional words.
	Check(prog string, positional []string) error
}

// RunE returns the RunE of a command with arguments a: it checks them,
// connects (in the order a's style has always had) and runs fn.
func RunE(s Streams, g *Globals, a Args, fn func(e *Env) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e, err := NewEnv(cmd, s, g, false)
		if err != nil {
			return err
		}
		first := a.ChecksFirst()
		if first {
			if err := a.Check(cmd.CommandPath(), args); err != nil {
				return err
			}
		}
		if err := e.Connect(); err != nil {
			return err
		}
		if !first {
			if err := a.Check(cmd.CommandPath(), args); err != nil {
				return err
			}
		}
		return fn(e)
	}
}

// ProgName is the program name as typed ("aksnet").
func (e *Env) ProgName() string {
	if i := strings.IndexByte(e.Prog, ' '); i > 0 {
		return e.Prog[:i]
	}
	return e.Prog
}
