package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
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

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func defaultEndpoint() string {
	if e := os.Getenv("AKSNET_ENDPOINT"); e != "" {
		return e
	}
	return DefaultEndpoint
}

// globalFlags are az's global arguments plus aksnet's connection flags.
type globalFlags struct {
	output         string
	query          string
	subscription   string
	onlyShowErrors bool
	verbose        bool
	debug          bool
	endpoint       string
	stateDir       string
	// line is the command line the tree is built for (nil: all of it).
	line []string
}

// env is one command invocation's context.
type env struct {
	s      Streams
	g      *globalFlags
	log    *output.Logger
	prog   string
	format output.Format
	client *Client
	// table reshapes results for -o table, like az's table transformers.
	table func(any) any
}

// isTerminal reports whether w is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// newEnv validates the global flags and, when connect is true, builds the
// API client.
func newEnv(cmd *cobra.Command, s Streams, g *globalFlags, connect bool) (*env, error) {
	level, err := output.LevelFromFlags(g.onlyShowErrors, g.verbose, g.debug)
	if err != nil {
		return nil, &output.Error{Code: 1, Message: err.Error()}
	}
	color := isTerminal(s.Out) && isTerminal(s.Err)
	e := &env{s: s, g: g, log: output.NewLogger(s.Err, level, color), prog: cmd.CommandPath()}
	if e.format, err = output.ParseFormat(e.prog, g.output); err != nil {
		return nil, err
	}
	if connect {
		if e.client, err = newClient(g, e.log); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// print shapes an ARM JSON document (or list page) as az does and writes it.
func (e *env) print(raw []byte) error {
	v, err := azshape.ShapeJSON(raw)
	if err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return e.printValue(v)
}

// printValue writes an already shaped value.
func (e *env) printValue(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return output.Print(e.s.Out, raw, output.Options{Format: e.format, Query: e.g.query, Color: isTerminal(e.s.Out) && isTerminal(e.s.Err), TableTransformer: e.table})
}

// Main runs the command line and returns the exit code.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	s := Streams{In: in, Out: out, Err: errw}
	root := newRootCommandFor(s, args)
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
	log := output.NewLogger(errw, output.LevelWarning, false)
	var oe *output.Error
	var ae output.ARMError
	if errors.As(err, &oe) || errors.As(err, &ae) {
		return output.HandleError(log, err)
	}
	// Anything else comes from flag parsing: a usage error, exit 2 as az.
	return output.HandleError(log, output.UsageError(err.Error()))
}

// NewRootCommand returns the whole aksnet command tree.
func NewRootCommand(s Streams) *cobra.Command { return newRootCommandFor(s, nil) }

// newRootCommandFor returns the command tree for the command line args. When
// args starts with a command group's name ("group", "network vnet") only
// that branch is built: building all of it is a measurable part of a
// command's run time. Anything else (help, a misspelt command that cobra
// suggests fixes for, flags first) gets the whole tree.
func newRootCommandFor(s Streams, args []string) *cobra.Command {
	g := &globalFlags{line: args}
	root := &cobra.Command{
		Use:   "aksnet",
		Short: "AKS kubenet networking on one machine",
		Long: `aksnet runs an ARM-compatible control plane for AKS kubenet networking (aksnet serve)
and mirrors the Azure CLI's commands against it: every az command of the kubenet
article works with az replaced by aksnet.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&g.output, "output", "o", "json", "Output format: json, jsonc, none, table, tsv, yaml, yamlc.")
	pf.StringVar(&g.query, "query", "", "JMESPath query string. See http://jmespath.org/ for more information and examples.")
	pf.StringVar(&g.subscription, "subscription", "", "Name or ID of subscription.")
	pf.BoolVar(&g.onlyShowErrors, "only-show-errors", false, "Only show errors, suppressing warnings.")
	pf.BoolVar(&g.verbose, "verbose", false, "Increase logging verbosity. Use --debug for full debug logs.")
	pf.BoolVar(&g.debug, "debug", false, "Increase logging verbosity to show all debug logs.")
	pf.StringVar(&g.endpoint, "endpoint", defaultEndpoint(), "aksnet server URL (env AKSNET_ENDPOINT).")
	pf.StringVar(&g.stateDir, "state-dir", statedir.Default(), "aksnet state directory (env AKSNET_STATE_DIR).")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return output.UsageError(fmt.Sprintf("%s: %s", c.CommandPath(), err))
	})
	root.AddCommand(newServeCommand(s))
	picked := pick(rootCommands, args)
	for _, c := range picked {
		root.AddCommand(c.build(s, g))
	}
	// A command line that names a group can't be running cobra's
	// completion command: don't build it.
	root.CompletionOptions.DisableDefaultCmd = len(picked) == 1
	return root
}

// lazyCommand is a command group, built only when the command line needs it.
type lazyCommand struct {
	name  string
	build func(Streams, *globalFlags) *cobra.Command
}

// rootCommands and networkCommands collect the command groups; each file
// registers its own in init, so groups can be added without touching this
// one.
var (
	rootCommands    []lazyCommand
	networkCommands []lazyCommand
)

// pick returns the command of cmds that args starts with, or all of them.
func pick(cmds []lazyCommand, args []string) []lazyCommand {
	if len(args) > 0 {
		for _, c := range cmds {
			if c.name == args[0] {
				return []lazyCommand{c}
			}
		}
	}
	return cmds
}

// group returns a command that only holds subcommands, answering az's
// usage error when called bare.
func group(use, short string, children ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return output.UsageError(fmt.Sprintf("'%s' is misspelled or not recognized by the system.", args[0]))
			}
			return cmd.Help()
		}}
	c.AddCommand(children...)
	return c
}

// required checks az-style required arguments, naming all that are missing.
func required(pairs ...string) error {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			missing = append(missing, pairs[i])
		}
	}
	if len(missing) > 0 {
		return output.UsageError("the following arguments are required: " + strings.Join(missing, ", "))
	}
	return nil
}
