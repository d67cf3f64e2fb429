package command

import (
	"fmt"

	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// Lazy is a command group, built only when the command line needs it.
type Lazy struct {
	Name  string
	Build func(Streams, *Globals) *cobra.Command
}

// Pick returns the command of cmds that args starts with, or all of them.
func Pick(cmds []Lazy, args []string) []Lazy {
	if len(args) > 0 {
		for _, c := range cmds {
			if c.Name == args[0] {
				return []Lazy{c}
			}
		}
	}
	return cmds
}

// Branch builds the commands of cmds that the command line after the
// group named name needs: the one named next on g.Line, else all.
func Branch(s Streams, g *Globals, name string, cmds []Lazy) []*cobra.Command {
	var line []string
	if len(g.Line) > 0 && g.Line[0] == name {
		line = g.Line[1:]
	}
	var out []*cobra.Command
	for _, c := range Pick(cmds, line) {
		out = append(out, c.Build(s, g))
	}
	return out
}

// Group returns a command that only holds subcommands, answering az's
// usage error when called bare.
func Group(use, short string, children ...*cobra.Command) *cobra.Command {
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

// Leaf completes cmd as a command with arguments: declare declares them on
// a flag set of the given style, which Leaf then closes (flags.Set.Done),
// and run handles an invocation once they check (see RunE).
func Leaf(s Streams, g *Globals, cmd *cobra.Command, style flags.Style, declare func(*flags.Set), run func(*Env) error) *cobra.Command {
	a := flags.New(cmd, style)
	declare(a)
	a.Done()
	cmd.RunE = RunE(s, g, a, run)
	return cmd
}
