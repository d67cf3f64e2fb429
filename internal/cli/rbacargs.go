package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// rbacArgs gives a command two argparse behaviours of az that cobra lacks:
//
//   - nargs='+' / '*' options take every following word up to the next
//     option: --ids ID1 ID2, --scopes S1 S2, --tags k=v k2=v2 (words are
//     never split on commas);
//   - three-state flags (get_three_state_flag): --flag alone means true,
//     --flag true and --flag false set it explicitly.
//
// The command's flags stop at the first positional word
// (SetInterspersed(false)); Args then hands the words to the option parsed
// just before them and resumes flag parsing after them. Words that follow
// any other option are az's "unrecognized arguments" usage error.
type rbacArgs struct {
	cmd  *cobra.Command
	last *rbacArgValue
}

// rbacArgValue wraps a flag's value to record that it was the last one set.
type rbacArgValue struct {
	inner pflag.Value
	a     *rbacArgs
	// absorb takes a positional word that follows the option; nil for
	// options with exactly one value.
	absorb func(word string) error
}

func (v *rbacArgValue) String() string { return v.inner.String() }
func (v *rbacArgValue) Type() string   { return v.inner.Type() }
func (v *rbacArgValue) Set(s string) error {
	v.a.last = v
	return v.inner.Set(s)
}

// newRbacArgs prepares cmd; define its flags through the returned value.
func newRbacArgs(cmd *cobra.Command) *rbacArgs {
	a := &rbacArgs{cmd: cmd}
	cmd.Flags().SetInterspersed(false)
	cmd.Args = a.positional
	return a
}

func (a *rbacArgs) wrap(name string, absorb func(string) error) {
	f := a.cmd.Flags().Lookup(name)
	f.Value = &rbacArgValue{inner: f.Value, a: a, absorb: absorb}
}

// String defines a single-valued option; short may be "".
func (a *rbacArgs) String(p *string, name, short, usage string) {
	a.cmd.Flags().StringVarP(p, name, short, "", usage)
	a.wrap(name, nil)
}

// StringDefault is String with a default value.
func (a *rbacArgs) StringDefault(p *string, name, short, def, usage string) {
	a.cmd.Flags().StringVarP(p, name, short, def, usage)
	a.wrap(name, nil)
}

// Bool defines a store_true option.
func (a *rbacArgs) Bool(p *bool, name, short, usage string) {
	a.cmd.Flags().BoolVarP(p, name, short, false, usage)
	a.wrap(name, nil)
}

// Int defines an integer option.
func (a *rbacArgs) Int(p *int, name string, def int, usage string) {
	a.cmd.Flags().IntVar(p, name, def, usage)
	a.wrap(name, nil)
}

// Nargs defines a nargs='+' option collecting words into p.
func (a *rbacArgs) Nargs(p *[]string, name, short, usage string) {
	v := &rbacNargsValue{p: p}
	a.cmd.Flags().VarP(v, name, short, usage)
	a.wrap(name, func(w string) error { *p = append(*p, w); return nil })
}

// ThreeState defines a get_three_state_flag option.
func (a *rbacArgs) ThreeState(p *bool, name, usage string) {
	v := &rbacThreeStateValue{p: p, name: name}
	a.cmd.Flags().Var(v, name, usage)
	a.cmd.Flags().Lookup(name).NoOptDefVal = "true"
	a.wrap(name, func(w string) error {
		if v.explicit {
			return fmt.Errorf("unrecognized arguments: %s", w)
		}
		v.explicit = true
		return v.Set(w)
	})
}

// done must follow the last flag definition: from then on an unambiguous
// prefix of a long option names the option, as argparse allows.
func (a *rbacArgs) done() {
	a.cmd.Flags().SetNormalizeFunc(func(f *pflag.FlagSet, name string) pflag.NormalizedName {
		exact := false
		var cands []string
		f.VisitAll(func(fl *pflag.Flag) {
			exact = exact || fl.Name == name
			if strings.HasPrefix(fl.Name, name) {
				cands = append(cands, fl.Name)
			}
		})
		if !exact && len(cands) == 1 {
			return pflag.NormalizedName(cands[0])
		}
		return pflag.NormalizedName(name)
	})
}

// positional is the command's cobra.Args: it feeds positional words to the
// option before them and parses the options after them.
func (a *rbacArgs) positional(cmd *cobra.Command, args []string) error {
	for len(args) > 0 {
		i := 0
		for i < len(args) && !strings.HasPrefix(args[i], "-") {
			i++
		}
		if i > 0 {
			if a.last == nil || a.last.absorb == nil {
				return output.UsageError("unrecognized arguments: " + strings.Join(args[:i], " "))
			}
			for _, w := range args[:i] {
				if err := a.last.absorb(w); err != nil {
					return output.UsageError(err.Error())
				}
			}
		}
		if i == len(args) {
			break
		}
		if args[i] == "--" {
			if len(args) > i+1 {
				return output.UsageError("unrecognized arguments: " + strings.Join(args[i+1:], " "))
			}
			break
		}
		if err := cmd.Flags().Parse(args[i:]); err != nil {
			return output.UsageError(fmt.Sprintf("%s: %s", cmd.CommandPath(), err))
		}
		args = cmd.Flags().Args()
	}
	return nil
}

// rbacNargsValue is a list option whose words are kept as given.
type rbacNargsValue struct {
	p   *[]string
	set bool
}

func (v *rbacNargsValue) String() string { return "[" + strings.Join(*v.p, " ") + "]" }
func (v *rbacNargsValue) Type() string   { return "strings" }
func (v *rbacNargsValue) Set(s string) error {
	if !v.set {
		*v.p = nil
		v.set = true
	}
	*v.p = append(*v.p, s)
	return nil
}

// rbacThreeStateValue is az's three-state flag: true or false, case-insensitive.
type rbacThreeStateValue struct {
	p        *bool
	name     string
	explicit bool
}

func (v *rbacThreeStateValue) String() string { return strconv.FormatBool(*v.p) }
func (v *rbacThreeStateValue) Type() string   { return "bool" }
func (v *rbacThreeStateValue) Set(s string) error {
	switch strings.ToLower(s) {
	case "true":
		*v.p = true
	case "false":
		*v.p = false
	default:
		return fmt.Errorf("argument --%s: invalid choice: '%s' (choose from 'true', 'false')", v.name, s)
	}
	return nil
}

// rbacEnumArg checks a get_enum_type value case-insensitively and returns its
// canonical spelling, or az's usage error naming the allowed values.
func rbacEnumArg(prog, option, value string, allowed ...string) (string, error) {
	if value == "" {
		return "", nil
	}
	for _, a := range allowed {
		if strings.EqualFold(a, value) {
			return a, nil
		}
	}
	return "", output.UsageError(fmt.Sprintf("%s: '%s' is not a valid value for '%s'. Allowed values: %s.",
		prog, value, option, strings.Join(allowed, ", ")))
}

// rbacCLIError is a knack CLIError: "ERROR: message", exit code 1.
func rbacCLIError(format string, args ...any) error {
	return &output.Error{Code: 1, Message: fmt.Sprintf(format, args...)}
}
