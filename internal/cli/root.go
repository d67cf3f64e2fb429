package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/aksnet/aksnet/internal/cli/ad"
	"github.com/aksnet/aksnet/internal/cli/aks"
	"github.com/aksnet/aksnet/internal/cli/azenv"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/group"
	"github.com/aksnet/aksnet/internal/cli/identity"
	"github.com/aksnet/aksnet/internal/cli/login"
	"github.com/aksnet/aksnet/internal/cli/network"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/cli/plan"
	"github.com/aksnet/aksnet/internal/cli/role"
	"github.com/aksnet/aksnet/internal/cli/serve"
	"github.com/aksnet/aksnet/internal/cli/state"
	"github.com/aksnet/aksnet/internal/cli/vmss"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/spf13/cobra"
)

// Streams are the process's standard streams.
type Streams = command.Streams

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
	var ee *command.ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil && ee.Err.Error() != "" {
			fmt.Fprintln(errw, ee.Err.Error())
		}
		return ee.Code
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
	g := &command.Globals{Line: args}
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
	pf.StringVarP(&g.Output, "output", "o", "json", "Output format: json, jsonc, none, table, tsv, yaml, yamlc.")
	pf.StringVar(&g.Query, "query", "", "JMESPath query string. See http://jmespath.org/ for more information and examples.")
	pf.StringVar(&g.Subscription, "subscription", "", "Name or ID of subscription.")
	pf.BoolVar(&g.OnlyShowErrors, "only-show-errors", false, "Only show errors, suppressing warnings.")
	pf.BoolVar(&g.Verbose, "verbose", false, "Increase logging verbosity. Use --debug for full debug logs.")
	pf.BoolVar(&g.Debug, "debug", false, "Increase logging verbosity to show all debug logs.")
	pf.StringVar(&g.Endpoint, "endpoint", command.DefaultEndpoint(), "aksnet server URL (env AKSNET_ENDPOINT).")
	pf.StringVar(&g.StateDir, "state-dir", statedir.Default(), "aksnet state directory (env AKSNET_STATE_DIR).")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return output.UsageError(fmt.Sprintf("%s: %s", c.CommandPath(), err))
	})
	root.AddCommand(serve.NewCommand(s))
	picked := command.Pick(rootCommands, args)
	for _, c := range picked {
		root.AddCommand(c.Build(s, g))
	}
	// A command line that names a group can't be running cobra's
	// completion command: don't build it.
	root.CompletionOptions.DisableDefaultCmd = len(picked) == 1
	return root
}

// rootCommands are aksnet's command groups, each in its own package; only
// the one the command line names is built.
var (
	rootCommands = []command.Lazy{
		{Name: "ad", Build: ad.NewCommand},
		{Name: "aks", Build: aks.NewCommand},
		{Name: "az-env", Build: azenv.NewCommand},
		{Name: "group", Build: group.NewCommand},
		{Name: "identity", Build: identity.NewCommand},
		{Name: "login", Build: login.NewLoginCommand},
		{Name: "logout", Build: login.NewLogoutCommand},
		{Name: "network", Build: network.NewCommand},
		{Name: "plan", Build: plan.NewCommand},
		{Name: "role", Build: role.NewCommand},
		{Name: "state", Build: state.NewCommand},
		{Name: "vmss", Build: vmss.NewCommand},
	}
)
