// Package flags is the one way aksnet's commands declare their arguments:
// az's options in az's order ("--resource-group", "-g"; "-n", "--name"),
// the help text, a required marker, whether an argument is part of a
// resource id that --ids can stand for, and allowed values. A command's
// defaults are its flags struct's values when the arguments are declared.
//
//	f := &createFlags{nodeCount: 3}
//	a := flags.New(cmd, flags.Cobra)
//	a.String(&f.rg, "Name of resource group.", "--resource-group", "-g").Required()
//	a.Int(&f.nodeCount, "Number of nodes.", "--node-count", "-c")
//	a.Done()
//
// A one-letter option written right after a long option is its shorthand
// (the others go, in order, to the long options without one); further long
// options are aliases. A required argument is named in az's words: its
// options joined by "/".
//
// How the words of a command line are parsed is the command's Style; the
// styles keep the parsing each az command module has (see Style).
package flags

import (
	"fmt"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Style is how a command parses its words.
type Style int

const (
	// Cobra is pflag's parsing: a list option splits its value on commas,
	// a positional word is cobra's (the command's Args decide), and
	// required arguments are checked once the command has connected.
	Cobra Style = iota
	// Knack is argparse as az's knack commands (identity, role, ad, login)
	// have it: a list option (nargs='+') takes every following word up to
	// the next option, a Bool is a three-state flag (--flag, --flag true,
	// --flag false), a long option may be shortened to an unambiguous
	// prefix, and words that follow any other option are "unrecognized
	// arguments". Required arguments are checked once connected.
	Knack
	// AAZ is argparse as az's AAZ-generated network commands have it: as
	// Knack, and a Bool takes an optional value; a value that looks like an
	// option is refused; allowed values are checked; required arguments
	// are named in declaration order, and with --ids a missing id part is
	// "(--resource-group -n | --ids) are required". Everything is checked
	// before the command connects.
	AAZ
)

// kind is the type of an argument's value.
type kind int

const (
	kindString kind = iota
	kindInt
	kindSwitch
	kindBool
	kindList
)

// Flag is one declared argument.
type Flag struct {
	opts     []string
	help     string
	kind     kind
	required bool
	idPart   bool
	choices  []string

	str     *string
	num     *int
	boolean *bool
	list    *[]string

	s     *Set
	flags []*pflag.Flag
	// AAZ and Knack parse state.
	set    bool
	blank  bool // an AAZ boolean given without a value
	took   bool // an AAZ boolean that took its value from the next word
	absorb func(word string) error
}

// Set is one command's declared arguments.
type Set struct {
	cmd   *cobra.Command
	style Style
	args  []*Flag
	long  map[string]bool
	ids   *Flag
	// AAZ: each value in the order the parser set them.
	sets     []aazSet
	parseErr error
	// Knack: the option set last, which takes the words after it.
	last *Flag
}

// New starts the argument set of cmd, parsed in style.
func New(cmd *cobra.Command, style Style) *Set {
	s := &Set{cmd: cmd, style: style, long: map[string]bool{}}
	if style == Knack {
		cmd.Flags().SetInterspersed(false)
		cmd.Args = s.knackPositional
	}
	if style == AAZ {
		cmd.Args = cobra.ArbitraryArgs
	}
	return s
}

// split returns the long options (without "--") and their shorthands
// ("" for none): a one-letter option written right after a long option is
// its shorthand; the others go, in order, to the long options still
// without one.
func split(opts []string) (longs, shorts []string) {
	var loose []string
	for i, o := range opts {
		switch {
		case strings.HasPrefix(o, "--"):
			longs = append(longs, strings.TrimPrefix(o, "--"))
			shorts = append(shorts, "")
		case strings.HasPrefix(o, "-") && len(o) == 2:
			if i > 0 && strings.HasPrefix(opts[i-1], "--") {
				shorts[len(shorts)-1] = o[1:]
			} else {
				loose = append(loose, o[1:])
			}
		}
	}
	for i := range shorts {
		if shorts[i] == "" && len(loose) > 0 {
			shorts[i], loose = loose[0], loose[1:]
		}
	}
	return longs, shorts
}

func (s *Set) add(x *Flag) *Flag {
	x.s = s
	// pflag reads a back-quoted word of a usage as the flag's value name
	// ("--vmss-name az configure --defaults vmss=<name>"); az's help quotes
	// commands that way, so show them in single quotes instead.
	x.help = strings.ReplaceAll(x.help, "`", "'")
	s.args = append(s.args, x)
	longs, shorts := split(x.opts)
	for i, l := range longs {
		sh := shorts[i]
		s.long[l] = true
		switch s.style {
		case Cobra:
			s.defineCobra(x, l, sh)
		case Knack:
			s.defineKnack(x, l, sh)
		case AAZ:
			s.defineAAZ(x, l, sh)
		}
		x.flags = append(x.flags, s.cmd.Flags().Lookup(l))
	}
	return x
}

// String declares a single-valued argument.
func (s *Set) String(p *string, help string, opts ...string) *Flag {
	return s.add(&Flag{opts: opts, help: help, kind: kindString, str: p})
}

// Int declares an integer argument.
func (s *Set) Int(p *int, help string, opts ...string) *Flag {
	return s.add(&Flag{opts: opts, help: help, kind: kindInt, num: p})
}

// Switch declares a flag that is true when given (argparse's store_true).
func (s *Set) Switch(p *bool, help string, opts ...string) *Flag {
	return s.add(&Flag{opts: opts, help: help, kind: kindSwitch, boolean: p})
}

// Bool declares a boolean that takes an optional true or false (az's
// three-state flag; AAZ's boolean).
func (s *Set) Bool(p *bool, help string, opts ...string) *Flag {
	return s.add(&Flag{opts: opts, help: help, kind: kindBool, boolean: p})
}

// List declares a list argument (nargs='+'; see Style for how its words are
// read).
func (s *Set) List(p *[]string, help string, opts ...string) *Flag {
	return s.add(&Flag{opts: opts, help: help, kind: kindList, list: p})
}

// Choice declares a string argument restricted to values, matched without
// regard to case and stored as declared.
func (s *Set) Choice(p *string, values []string, help string, opts ...string) *Flag {
	x := s.String(p, help+" Allowed values: "+strings.Join(values, ", ")+".", opts...)
	x.choices = values
	return x
}

// ResourceGroup declares az's -g argument.
func (s *Set) ResourceGroup(p *string) *Flag {
	return s.String(p, "Name of resource group.", "--resource-group", "-g")
}

// NoWait declares az's --no-wait.
func (s *Set) NoWait(p *bool) *Flag {
	if s.style == AAZ {
		return s.Bool(p, "Do not wait for the long-running operation to finish.", "--no-wait")
	}
	return s.Switch(p, "Do not wait for the long-running operation to finish.", "--no-wait")
}

// IDs declares az's --ids, which may replace the arguments marked ID.
func (s *Set) IDs(p *[]string) *Flag {
	s.ids = s.List(p, "One or more resource IDs (space-delimited). If provided, no other 'Resource Id' arguments should be specified.", "--ids")
	return s.ids
}

// Required marks x required.
func (x *Flag) Required() *Flag { x.required = true; return x }

// ID marks x as part of the resource id, so that --ids can stand for it.
func (x *Flag) ID() *Flag { x.idPart = true; return x }

// Hidden leaves x out of the help, as az does with its deprecated
// arguments; it is still parsed.
func (x *Flag) Hidden() *Flag {
	for _, f := range x.flags {
		f.Hidden = true
	}
	return x
}

// display is how az names the argument in "the following arguments are
// required": its options joined by "/", as declared in AAZ style, long
// options first in the others.
func (x *Flag) display() string {
	if x.s.style == AAZ {
		return strings.Join(x.opts, "/")
	}
	var longs, shorts []string
	for _, o := range x.opts {
		if strings.HasPrefix(o, "--") {
			longs = append(longs, o)
		} else {
			shorts = append(shorts, o)
		}
	}
	return strings.Join(append(longs, shorts...), "/")
}

// Changed reports whether the command line gave x.
func (x *Flag) Changed() bool {
	if x.set {
		return true
	}
	for _, f := range x.flags {
		if f.Changed {
			return true
		}
	}
	return false
}

// Done must follow the last declaration: in the argparse styles, an
// unambiguous prefix of a long option then names the option.
func (s *Set) Done() {
	switch s.style {
	case Knack:
		s.cmd.Flags().SetNormalizeFunc(knackNormalize)
	case AAZ:
		s.cmd.Flags().SetNormalizeFunc(s.aazNormalize)
	}
}

// ChecksFirst reports whether Check runs before the command connects (AAZ)
// or after (the others, which have always answered a missing server before
// a missing argument).
func (s *Set) ChecksFirst() bool { return s.style == AAZ }

// Check validates the parsed arguments given the positional words: in AAZ
// style it first hands the words to the options they followed.
func (s *Set) Check(prog string, positional []string) error {
	if s.style == AAZ {
		return s.aazBind(prog, positional)
	}
	var missing []string
	for _, x := range s.args {
		if !x.required {
			continue
		}
		if (x.kind == kindString && strings.TrimSpace(*x.str) == "") || (x.kind != kindString && !x.Changed()) {
			missing = append(missing, x.display())
		}
	}
	return missingError(missing)
}

func missingError(missing []string) error {
	if len(missing) > 0 {
		return output.UsageError("the following arguments are required: " + strings.Join(missing, ", "))
	}
	return nil
}

// Enum is az's get_enum_type: value matched case-insensitively against
// choices, answered with the canonical spelling; anything else is a usage
// error (exit 2) naming the allowed values.
func Enum(prog, option, value string, choices []string) (string, error) {
	if v, ok := matchChoice(value, choices); ok {
		return v, nil
	}
	return "", output.UsageError(fmt.Sprintf("%s: '%s' is not a valid value for '%s'. Allowed values: %s.",
		prog, value, option, strings.Join(choices, ", ")))
}

func matchChoice(v string, values []string) (string, bool) {
	for _, c := range values {
		if strings.EqualFold(c, v) {
			return c, true
		}
	}
	return "", false
}

// Tags turns az's --tags k=v k2=v2 into a map: nil when no tags are
// given, empty when the words name none (--tags "").
func Tags(tags []string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, t := range tags {
		k, v, _ := strings.Cut(t, "=")
		if k != "" {
			out[k] = v
		}
	}
	return out
}

// Targets returns the --ids values, or the one id built from names.
func Targets(ids []string, build func() string) []string {
	if len(ids) > 0 {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = strings.TrimRight(strings.TrimSpace(id), "/")
		}
		return out
	}
	return []string{build()}
}
