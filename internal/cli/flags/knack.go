package flags

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// In Knack style the command's flags stop at the first positional word
// (SetInterspersed(false)); the command's Args (knackPositional) then hands
// the words to the option parsed just before them and resumes flag parsing
// after them.

// knackValue wraps a flag's value to record that it was the last one set.
type knackValue struct {
	inner pflag.Value
	x     *Flag
}

func (v *knackValue) String() string { return v.inner.String() }
func (v *knackValue) Type() string   { return v.inner.Type() }
func (v *knackValue) Set(s string) error {
	v.x.s.last = v.x
	return v.inner.Set(s)
}

// defineKnack registers x's long option l.
func (s *Set) defineKnack(x *Flag, l, short string) {
	fl := s.cmd.Flags()
	switch x.kind {
	case kindString, kindInt, kindSwitch:
		s.defineCobra(x, l, short)
	case kindList:
		p := x.list
		fl.VarP(&nargsValue{p: p}, l, short, x.help)
		x.absorb = func(w string) error { *p = append(*p, w); return nil }
	case kindBool:
		v := &threeStateValue{p: x.boolean, name: l}
		fl.VarP(v, l, short, x.help)
		fl.Lookup(l).NoOptDefVal = "true"
		x.absorb = func(w string) error {
			if v.explicit {
				return fmt.Errorf("unrecognized arguments: %s", w)
			}
			v.explicit = true
			return v.Set(w)
		}
	}
	f := fl.Lookup(l)
	f.Value = &knackValue{inner: f.Value, x: x}
}

// knackNormalize lets an unambiguous prefix of a long option name the
// option, as argparse allows.
func knackNormalize(f *pflag.FlagSet, name string) pflag.NormalizedName {
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
}

// knackPositional is the command's cobra.Args: it feeds positional words
// to the option before them and parses the options after them.
func (s *Set) knackPositional(cmd *cobra.Command, args []string) error {
	for len(args) > 0 {
		i := 0
		for i < len(args) && !strings.HasPrefix(args[i], "-") {
			i++
		}
		if i > 0 {
			if s.last == nil || s.last.absorb == nil {
				return output.UsageError("unrecognized arguments: " + strings.Join(args[:i], " "))
			}
			for _, w := range args[:i] {
				if err := s.last.absorb(w); err != nil {
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

// nargsValue is a list option whose words are kept as given.
type nargsValue struct {
	p   *[]string
	set bool
}

func (v *nargsValue) String() string { return "[" + strings.Join(*v.p, " ") + "]" }
func (v *nargsValue) Type() string   { return "strings" }
func (v *nargsValue) Set(s string) error {
	if !v.set {
		*v.p = nil
		v.set = true
	}
	*v.p = append(*v.p, s)
	return nil
}

// threeStateValue is az's three-state flag: true or false, case-insensitive.
type threeStateValue struct {
	p        *bool
	name     string
	explicit bool
}

func (v *threeStateValue) String() string { return strconv.FormatBool(*v.p) }
func (v *threeStateValue) Type() string   { return "bool" }
func (v *threeStateValue) Set(s string) error {
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
