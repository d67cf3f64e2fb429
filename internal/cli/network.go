package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() {
	rootCommands = append(rootCommands, command.Lazy{Name: "network", Build: newNetworkCommand})
}

// newNetworkCommand mirrors `az network`; its groups register themselves in
// networkCommands.
func newNetworkCommand(s Streams, g *command.Globals) *cobra.Command {
	var line []string
	if len(g.Line) > 0 && g.Line[0] == "network" {
		line = g.Line[1:]
	}
	var children []*cobra.Command
	for _, c := range command.Pick(networkCommands, line) {
		children = append(children, c.Build(s, g))
	}
	return command.Group("network", "Manage Azure Network resources.", children...)
}

// The network commands parse their arguments as az's argparse does where
// cobra differs:
//
//   - a list argument (nargs='+') takes all the space-separated values that
//     follow it: --address-prefixes 10.0.0.0/16 10.1.0.0/16;
//   - an AAZ boolean takes an optional value: --flag, --flag true;
//   - a long option may be abbreviated to any unambiguous prefix
//     (--subnet-prefix for --subnet-prefixes, as the AKS docs write it);
//   - missing required arguments are named in az's words, in the order az
//     declares them, and commands that take --ids say
//     "(--resource-group -n | --ids) are required" as az's id handling does.
//
// cobra gives a command its positional arguments without saying which flag
// they followed, so every value records how many positional arguments the
// parser had seen when it was set; a positional argument then belongs to the
// flag set just before it. (The global flags are not recorded: a stray
// value after -o json counts as the preceding list flag's.)

// netArgs is one network command's arguments.
type netArgs struct {
	cmd  *cobra.Command
	args []*netArg
	long map[string]bool
	// sets records each flag value in the order the parser set them.
	sets []netArgSet
	ids  *netArg
	// parseErr is the first argparse error met while parsing.
	parseErr error
}

type netArgSet struct {
	arg *netArg
	at  int // positional arguments seen before this flag
}

// netArg is one argument, with its options in az's declared order.
type netArg struct {
	opts     []string
	required bool
	idPart   bool
	kind     netArgKind
	enum     []string
	set      bool
	blank    bool // a boolean given without a value
	took     bool // a boolean that took its value from the next argument
	str      *string
	list     *[]string
	boolean  *bool
	a        *netArgs
}

type netArgKind int

const (
	netKindString netArgKind = iota
	netKindList
	netKindBool
)

// newNetCommand returns a leaf command and its argument set.
func newNetCommand(use, short string) (*cobra.Command, *netArgs) {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs}
	return c, &netArgs{cmd: c, long: map[string]bool{}}
}

// display is how az names the argument in "the following arguments are
// required": its options joined by "/".
func (x *netArg) display() string { return strings.Join(x.opts, "/") }

// Type, String and Set make netArg a pflag.Value.
func (x *netArg) Type() string {
	switch x.kind {
	case netKindList:
		return "strings"
	case netKindBool:
		return "bool"
	}
	return "string"
}

func (x *netArg) String() string {
	switch x.kind {
	case netKindList:
		if x.list == nil || len(*x.list) == 0 {
			return ""
		}
		return strings.Join(*x.list, " ")
	case netKindBool:
		if x.boolean == nil {
			return "false"
		}
		return strconv.FormatBool(*x.boolean)
	}
	if x.str == nil {
		return ""
	}
	return *x.str
}

func (x *netArg) Set(v string) error {
	x.a.sets = append(x.a.sets, netArgSet{arg: x, at: len(x.a.cmd.Flags().Args())})
	x.set = true
	if x.kind != netKindBool && netLooksLikeOption(v) && x.a.parseErr == nil {
		// argparse does not take an option as another option's value.
		what := "expected one argument"
		if x.kind == netKindList {
			what = "expected at least one argument"
		}
		x.a.parseErr = output.UsageError(fmt.Sprintf("argument %s: %s", x.display(), what))
	}
	switch x.kind {
	case netKindList:
		// argparse's store action: a repeated option replaces the list.
		*x.list = []string{v}
	case netKindBool:
		x.blank, x.took = v == netBlankBool, false
		if x.blank {
			*x.boolean = true
			return nil
		}
		b, ok := netParseBool(v)
		if !ok {
			return fmt.Errorf("invalid boolean value %q", v)
		}
		*x.boolean = b
	default:
		*x.str = v
	}
	return nil
}

// netBlankBool is what pflag passes for a boolean given without a value.
const netBlankBool = "true"

// netLooksLikeOption reports whether argparse would read v as an option
// rather than a value: it starts with "-" and is not a negative number.
func netLooksLikeOption(v string) bool {
	if len(v) < 2 || v[0] != '-' {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err != nil
}

// netParseBool parses an AAZ boolean value.
func netParseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// add registers x under its options: the first long option is the flag,
// a one-letter option its shorthand, other long options aliases.
func (a *netArgs) add(x *netArg, usage string) *netArg {
	x.a = a
	a.args = append(a.args, x)
	var longs []string
	short := ""
	for _, o := range x.opts {
		switch {
		case strings.HasPrefix(o, "--"):
			longs = append(longs, strings.TrimPrefix(o, "--"))
		case strings.HasPrefix(o, "-") && len(o) == 2:
			short = o[1:]
		}
	}
	for i, l := range longs {
		sh := ""
		if i == 0 {
			sh = short
		}
		f := a.cmd.Flags().VarPF(x, l, sh, usage)
		if x.kind == netKindBool {
			f.NoOptDefVal = netBlankBool
		}
		a.long[l] = true
	}
	return x
}

// str adds a string argument; opts are az's options in its order.
func (a *netArgs) str(p *string, usage string, opts ...string) *netArg {
	return a.add(&netArg{opts: opts, kind: netKindString, str: p}, usage)
}

// list adds a space-separated list argument (nargs='+').
func (a *netArgs) list(p *[]string, usage string, opts ...string) *netArg {
	return a.add(&netArg{opts: opts, kind: netKindList, list: p}, usage)
}

// boolean adds an AAZ boolean argument.
func (a *netArgs) boolean(p *bool, usage string, opts ...string) *netArg {
	return a.add(&netArg{opts: opts, kind: netKindBool, boolean: p}, usage)
}

// choice adds a string argument restricted to values (matched without
// regard to case, printed as declared).
func (a *netArgs) choice(p *string, values []string, usage string, opts ...string) *netArg {
	x := a.str(p, usage+" Allowed values: "+strings.Join(values, ", ")+".", opts...)
	x.enum = values
	return x
}

// req marks x required.
func (x *netArg) req() *netArg { x.required = true; return x }

// id marks x as part of the resource id, so --ids can stand for it.
func (x *netArg) id() *netArg { x.idPart = true; return x }

// resourceGroup adds az's -g argument.
func (a *netArgs) resourceGroup(p *string) *netArg {
	return a.str(p, "Name of resource group.", "--resource-group", "-g")
}

// withIDs adds az's --ids argument to a command whose id-part arguments
// may be replaced by resource ids.
func (a *netArgs) withIDs(p *[]string) {
	a.ids = a.list(p, "One or more resource IDs (space-delimited). If provided, no other 'Resource Id' arguments should be specified.", "--ids")
}

// noWait adds az's --no-wait.
func (a *netArgs) noWait(p *bool) {
	a.boolean(p, "Do not wait for the long-running operation to finish.", "--no-wait")
}

// done installs the abbreviation rule once all flags are defined.
func (a *netArgs) done() {
	a.cmd.Flags().SetNormalizeFunc(a.normalize)
}

// normalize expands an unambiguous prefix of a long option to the option,
// as argparse does.
func (a *netArgs) normalize(f *pflag.FlagSet, name string) pflag.NormalizedName {
	if a.long[name] {
		return pflag.NormalizedName(name)
	}
	exact := false
	seen := map[string]bool{}
	var cands []string
	consider := func(n string) {
		if n == name {
			exact = true
		}
		if strings.HasPrefix(n, name) && !seen[n] {
			seen[n] = true
			cands = append(cands, n)
		}
	}
	for n := range a.long {
		consider(n)
	}
	f.VisitAll(func(fl *pflag.Flag) { consider(fl.Name) })
	if exact || len(cands) != 1 {
		return pflag.NormalizedName(name)
	}
	return pflag.NormalizedName(cands[0])
}

// bind gives the positional arguments to the flags they followed and
// checks the arguments as argparse would: choices, required arguments,
// then unrecognized arguments; then az's --ids rule.
func (a *netArgs) bind(prog string, positional []string) error {
	if a.parseErr != nil {
		return a.parseErr
	}
	var extra []string
	for i, p := range positional {
		var owner *netArg
		for _, s := range a.sets {
			if s.at <= i {
				owner = s.arg
			}
		}
		switch {
		case owner != nil && owner.kind == netKindList:
			*owner.list = append(*owner.list, p)
		case owner != nil && owner.kind == netKindBool && owner.blank && !owner.took:
			b, ok := netParseBool(p)
			if !ok {
				extra = append(extra, p)
				continue
			}
			*owner.boolean, owner.took = b, true
		default:
			extra = append(extra, p)
		}
	}
	for _, x := range a.args {
		if x.enum == nil || !x.set {
			continue
		}
		v, ok := netMatchChoice(*x.str, x.enum)
		if !ok {
			return output.UsageError(fmt.Sprintf("%s: '%s' is not a valid value for '%s'. Allowed values: %s.",
				prog, *x.str, x.opts[0], strings.Join(x.enum, ", ")))
		}
		*x.str = v
	}
	useIDs := a.ids != nil && a.ids.set
	var missing []string
	for _, x := range a.args {
		if x.required && !(x.idPart && a.ids != nil) && !x.set {
			missing = append(missing, x.display())
		}
	}
	if len(missing) > 0 {
		return output.UsageError("the following arguments are required: " + strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		return output.UsageError("unrecognized arguments: " + strings.Join(extra, " "))
	}
	if a.ids != nil && !useIDs {
		var need []string
		for _, x := range a.args {
			if x.required && x.idPart && !x.set {
				need = append(need, x.opts[0])
			}
		}
		if len(need) > 0 {
			// az raises this after parsing, as a CLIError: exit code 1.
			return &output.Error{Code: 1, Message: fmt.Sprintf("(%s | --ids) are required", strings.Join(need, " "))}
		}
	}
	return nil
}

func netMatchChoice(v string, values []string) (string, bool) {
	for _, c := range values {
		if strings.EqualFold(c, v) {
			return c, true
		}
	}
	return "", false
}

// netRun checks the arguments, connects and runs fn.
func netRun(s Streams, g *command.Globals, a *netArgs, fn func(e *env) error) {
	a.done()
	a.cmd.RunE = func(cmd *cobra.Command, args []string) error {
		e, err := newEnv(cmd, s, g, false)
		if err != nil {
			return err
		}
		if err := a.bind(cmd.CommandPath(), args); err != nil {
			return err
		}
		if err = e.Connect(); err != nil {
			return err
		}
		return fn(e)
	}
}
