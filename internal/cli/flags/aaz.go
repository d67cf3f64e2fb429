package flags

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/pflag"
)

// In AAZ style the command takes arbitrary positional words, because cobra
// gives a command its positional words without saying which flag they
// followed: every value records how many positional words the parser had
// seen when it was set, and Check gives a word to the flag set just before
// it. (The global flags are not recorded: a stray value after -o json
// counts as the preceding list flag's.)

type aazSet struct {
	x  *Flag
	at int // positional words seen before this flag
}

// aazValue is an AAZ argument as a pflag.Value.
type aazValue struct{ x *Flag }

// aazBlankBool is what pflag passes for a boolean given without a value.
const aazBlankBool = "true"

func (s *Set) defineAAZ(x *Flag, l, short string) {
	f := s.cmd.Flags().VarPF(aazValue{x}, l, short, x.help)
	if x.kind == kindBool {
		f.NoOptDefVal = aazBlankBool
	}
}

func (v aazValue) Type() string {
	switch v.x.kind {
	case kindList:
		return "strings"
	case kindBool:
		return "bool"
	case kindInt:
		return "int"
	}
	return "string"
}

func (v aazValue) String() string {
	x := v.x
	switch x.kind {
	case kindList:
		if x.list == nil || len(*x.list) == 0 {
			return ""
		}
		return strings.Join(*x.list, " ")
	case kindBool:
		if x.boolean == nil {
			return "false"
		}
		return strconv.FormatBool(*x.boolean)
	case kindInt:
		if x.num == nil {
			return "0"
		}
		return strconv.Itoa(*x.num)
	}
	if x.str == nil {
		return ""
	}
	return *x.str
}

func (v aazValue) Set(val string) error {
	x := v.x
	s := x.s
	s.sets = append(s.sets, aazSet{x: x, at: len(s.cmd.Flags().Args())})
	x.set = true
	if x.kind != kindBool && looksLikeOption(val) && s.parseErr == nil {
		// argparse does not take an option as another option's value.
		what := "expected one argument"
		if x.kind == kindList {
			what = "expected at least one argument"
		}
		s.parseErr = output.UsageError(fmt.Sprintf("argument %s: %s", x.display(), what))
	}
	switch x.kind {
	case kindList:
		// argparse's store action: a repeated option replaces the list.
		*x.list = []string{val}
	case kindBool:
		x.blank, x.took = val == aazBlankBool, false
		if x.blank {
			*x.boolean = true
			return nil
		}
		b, ok := parseBool(val)
		if !ok {
			return fmt.Errorf("invalid boolean value %q", val)
		}
		*x.boolean = b
	case kindInt:
		// argparse's type=int, which fails the parse: a usage error.
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil && s.parseErr == nil {
			s.parseErr = output.UsageError(fmt.Sprintf("argument %s: invalid int value: '%s'", x.display(), val))
		}
		*x.num = n
	default:
		*x.str = val
	}
	return nil
}

// looksLikeOption reports whether argparse would read v as an option
// rather than a value: it starts with "-" and is not a negative number.
func looksLikeOption(v string) bool {
	if len(v) < 2 || v[0] != '-' {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err != nil
}

// parseBool parses an AAZ boolean value.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// aazNormalize expands an unambiguous prefix of a long option to the
// option, as argparse does.
func (s *Set) aazNormalize(f *pflag.FlagSet, name string) pflag.NormalizedName {
	if s.long[name] {
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
	for n := range s.long {
		consider(n)
	}
	f.VisitAll(func(fl *pflag.Flag) { consider(fl.Name) })
	if exact || len(cands) != 1 {
		return pflag.NormalizedName(name)
	}
	return pflag.NormalizedName(cands[0])
}

// aazBind gives the positional words to the flags they followed and checks
// the arguments as argparse would: allowed values, required arguments, then
// unrecognized words; then az's --ids rule.
func (s *Set) aazBind(prog string, positional []string) error {
	if s.parseErr != nil {
		return s.parseErr
	}
	extra := s.aazAbsorb(positional)
	for _, x := range s.args {
		if x.choices == nil || !x.set {
			continue
		}
		v, ok := matchChoice(*x.str, x.choices)
		if !ok {
			return output.UsageError(fmt.Sprintf("%s: '%s' is not a valid value for '%s'. Allowed values: %s.",
				prog, *x.str, x.opts[0], strings.Join(x.choices, ", ")))
		}
		*x.str = v
	}
	var missing []string
	for _, x := range s.args {
		if x.required && !(x.idPart && s.ids != nil) && !x.set {
			missing = append(missing, x.display())
		}
	}
	if err := missingError(missing); err != nil {
		return err
	}
	if len(extra) > 0 {
		return output.UsageError("unrecognized arguments: " + strings.Join(extra, " "))
	}
	return s.aazIDRule()
}

// aazAbsorb hands each positional word to the flag set just before it and
// returns the words no flag takes.
func (s *Set) aazAbsorb(positional []string) []string {
	var extra []string
	for i, p := range positional {
		var owner *Flag
		for _, st := range s.sets {
			if st.at <= i {
				owner = st.x
			}
		}
		switch {
		case owner != nil && owner.kind == kindList:
			*owner.list = append(*owner.list, p)
		case owner != nil && owner.kind == kindBool && owner.blank && !owner.took:
			b, ok := parseBool(p)
			if !ok {
				extra = append(extra, p)
				continue
			}
			*owner.boolean, owner.took = b, true
		default:
			extra = append(extra, p)
		}
	}
	return extra
}

// aazIDRule is az's id handling: without --ids, every required id part
// must be given.
func (s *Set) aazIDRule() error {
	if s.ids == nil || s.ids.set {
		return nil
	}
	var need []string
	for _, x := range s.args {
		if x.required && x.idPart && !x.set {
			need = append(need, x.opts[0])
		}
	}
	if len(need) > 0 {
		// az raises this after parsing, as a CLIError: exit code 1.
		return &output.Error{Code: 1, Message: fmt.Sprintf("(%s | --ids) are required", strings.Join(need, " "))}
	}
	return nil
}
