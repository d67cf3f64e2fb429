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
	c := &cobra.Command{Use: "x"}
	a := New(c, AAZ)
	a.String(&name, "", "-n", "--name")
	a.List(&prefixes, "", "--address-prefixes")
	a.List(&tags, "", "--tags")
	bf := a.Bool(&flag, "", "--disable-bgp-route-propagation")
	a.Bool(&other, "", "--no-wait")
	a.Done()
	parse := func(args ...string) error {
		prefixes, tags, name, flag, other = nil, nil, "", false, false
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
}
