package flags

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestNetworkArgParsing(t *testing.T) {
	var prefixes, tags []string
	var name string
	var flag, other bool
	var priority int
	c := &cobra.Command{Use: "x"}
	a := New(c, AAZ)
	a.String(&name, "", "-n", "--name")
	a.Int(&priority, "", "--priority")
	a.List(&prefixes, "", "--address-prefixes")
	a.List(&tags, "", "--tags")
	bf := a.Bool(&flag, "", "--disable-bgp-route-propagation")
	a.Bool(&other, "", "--no-wait")
	a.Done()
	parse := func(args ...string) error {
		prefixes, tags, name, flag, other, priority = nil, nil, "", false, false, 0
		a.sets, a.parseErr = nil, nil
		for _, x := range a.args {
			x.set, x.blank, x.took = false, false, false
		}
		if err := c.ParseFlags(args); err != nil {
			return err
		}
		return a.aazBind("aksnet x", c.Flags().Args())
	}
	if err := parse("--address-prefixes", "a", "b", "-n", "v", "--tags", "k=v", "k2", "--disable-bgp-route-propagation", "false", "--no-wait"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(prefixes, ",") != "a,b" || strings.Join(tags, ",") != "k=v,k2" || name != "v" || flag || !bf.set || !other {
		t.Errorf("prefixes=%v tags=%v name=%q flag=%v other=%v", prefixes, tags, name, flag, other)
	}
	// Abbreviations.
	if err := parse("--address-prefix", "a", "--na", "v", "--disable-bgp", "--no-w"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(prefixes, ",") != "a" || name != "v" || !flag || !other {
		t.Errorf("abbreviated: prefixes=%v name=%q flag=%v other=%v", prefixes, name, flag, other)
	}
	// A boolean takes at most one value; a second is unrecognized.
	if err := parse("--disable-bgp-route-propagation", "true", "yes"); err == nil || err.Error() != "unrecognized arguments: yes" {
		t.Errorf("extra bool value: %v", err)
	}
	// A string takes one value.
	if err := parse("-n", "v", "w"); err == nil || err.Error() != "unrecognized arguments: w" {
		t.Errorf("extra string value: %v", err)
	}
	// A repeated list replaces the earlier one, as argparse's store action.
	if err := parse("--tags", "a", "--tags", "b", "c"); err != nil || strings.Join(tags, ",") != "b,c" {
		t.Errorf("repeated list: %v %v", tags, err)
	}
	// Negative numbers are values.
	if err := parse("-n", "-1"); err != nil || name != "-1" {
		t.Errorf("negative number: %q %v", name, err)
	}
	// An int is argparse's type=int: anything else fails the parse.
	if err := parse("--priority", " 4096 "); err != nil || priority != 4096 {
		t.Errorf("int: %d %v", priority, err)
	}
	for _, v := range []string{"high", "1.5"} {
		if err := parse("--priority", v); err == nil || err.Error() != "argument --priority: invalid int value: '"+v+"'" {
			t.Errorf("int %q: %v", v, err)
		}
	}
}

// TestSplit checks how options pair into pflag flags: a one-letter option
// right after a long one is its shorthand, the others go in order to the
// long options without one.
func TestSplit(t *testing.T) {
	for _, c := range []struct {
		opts          []string
		longs, shorts string
	}{
		{[]string{"--resource-group", "-g"}, "resource-group", "g"},
		{[]string{"-n", "--name"}, "name", "n"},
		{[]string{"--name", "-n", "--resource-group", "-g"}, "name,resource-group", "n,g"},
		{[]string{"--nodepool-name", "--name", "-n"}, "nodepool-name,name", ",n"},
		{[]string{"--nsg", "--network-security-group"}, "nsg,network-security-group", ","},
	} {
		longs, shorts := split(c.opts)
		if strings.Join(longs, ",") != c.longs || strings.Join(shorts, ",") != c.shorts {
			t.Errorf("split(%q) = %q %q, want %s %s", c.opts, longs, shorts, c.longs, c.shorts)
		}
	}
}

// TestCheck_Required checks the names of missing arguments in each style:
// the options as declared in AAZ, long options first in the others; a
// blank string is missing in the Cobra and Knack styles, an integer when
// not given.
func TestCheck_Required(t *testing.T) {
	for _, c := range []struct {
		style Style
		args  []string
		want  string
	}{
		{Cobra, nil, "the following arguments are required: --name/--resource-group/-n/-g, --node-count/-c, --vnet-name"},
		{Cobra, []string{"-g", " ", "-c", "0"}, "the following arguments are required: --name/--resource-group/-n/-g, --vnet-name"},
		{Cobra, []string{"-n", "x", "-c", "3", "--vnet-name", "v"}, ""},
		{Knack, []string{"--resource-group", "x"}, "the following arguments are required: --node-count/-c, --vnet-name"},
		{AAZ, []string{"--vnet-name", ""}, "the following arguments are required: --name/-n/--resource-group/-g, --node-count/-c"},
	} {
		var name, vnet string
		var count int
		cmd := &cobra.Command{Use: "x"}
		a := New(cmd, c.style)
		a.String(&name, "", "--name", "-n", "--resource-group", "-g").Required()
		if c.style == AAZ {
			a.String(&vnet, "", "--node-count", "-c").Required()
		} else {
			a.Int(&count, "", "--node-count", "-c").Required()
		}
		a.String(&vnet, "", "--vnet-name").Required()
		a.Done()
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		got := ""
		if err := a.Check("x", cmd.Flags().Args()); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("style %d %q: %q, want %q", c.style, c.args, got, c.want)
		}
	}
}

// TestKnack checks knack's argparse rules: a list takes the words after
// it, a three-state flag an optional true or false, a prefix names an
// option, and other words are unrecognized.
func TestKnack(t *testing.T) {
	parse := func(args ...string) (tags []string, flag bool, name string, err error) {
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		a := New(cmd, Knack)
		a.List(&tags, "", "--tags")
		a.Bool(&flag, "", "--skip-assignment")
		a.String(&name, "", "--name", "-n")
		a.Done()
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err = cmd.Execute()
		return tags, flag, name, err
	}
	if tags, flag, name, err := parse("--tags", "a=1", "b", "--skip", "-n", "v"); err != nil || strings.Join(tags, ",") != "a=1,b" || !flag || name != "v" {
		t.Errorf("tags %q flag %v name %q err %v", tags, flag, name, err)
	}
	if _, flag, _, err := parse("--skip-assignment", "false"); err != nil || flag {
		t.Errorf("explicit false: flag %v err %v", flag, err)
	}
	if _, _, _, err := parse("--skip-assignment", "true", "yes"); err == nil || err.Error() != "unrecognized arguments: yes" {
		t.Errorf("second value: %v", err)
	}
	if _, _, _, err := parse("-n", "v", "w"); err == nil || err.Error() != "unrecognized arguments: w" {
		t.Errorf("extra word: %v", err)
	}
	if tags, _, _, err := parse("--tags", "a", "--tags", "b"); err != nil || strings.Join(tags, ",") != "a,b" {
		t.Errorf("repeated list: %q %v", tags, err)
	}
}

// TestTags checks --tags: nil for none, so that bodies leave tags out, and
// an empty map for --tags "", which clears them.
func TestTags(t *testing.T) {
	if Tags(nil) != nil {
		t.Error("Tags(nil) is not nil")
	}
	if m := Tags([]string{""}); m == nil || len(m) != 0 {
		t.Errorf(`Tags("") = %v, want an empty map`, m)
	}
	if m := Tags([]string{"a=1", "b", "c=x=y"}); len(m) != 3 || m["a"] != "1" || m["b"] != "" || m["c"] != "x=y" {
		t.Errorf("Tags = %v", m)
	}
}

func TestHiddenFlagIsParsedButNotInHelp(t *testing.T) {
	for _, style := range []Style{Cobra, Knack, AAZ} {
		var name, shown string
		c := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		a := New(c, style)
		a.String(&shown, "shown", "--shown")
		a.String(&name, "secret", "--display-name").Hidden()
		a.Done()
		if err := c.ParseFlags([]string{"--display-name", "v"}); err != nil {
			t.Fatalf("style %d: %v", style, err)
		}
		if name != "v" {
			t.Errorf("style %d: --display-name = %q, want v", style, name)
		}
		if usage := c.Flags().FlagUsages(); strings.Contains(usage, "display-name") || !strings.Contains(usage, "--shown") {
			t.Errorf("style %d: usage lists the hidden flag or misses the shown one:\n%s", style, usage)
		}
	}
}
