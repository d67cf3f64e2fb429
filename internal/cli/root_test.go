package cli

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestLazyTreeMatchesWholeTree checks that the tree built for a command
// line (only the named branch) holds the same command, with the same flags,
// as the whole tree, for every command aksnet has.
func TestLazyTreeMatchesWholeTree(t *testing.T) {
	s := Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}
	whole := NewRootCommand(s)
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(slices.Clone(path), sub.Name())
			paths = append(paths, p)
			walk(sub, p)
		}
	}
	walk(whole, nil)
	if len(paths) < 80 {
		t.Fatalf("the whole tree has %d commands; want the full az mirror", len(paths))
	}
	for _, p := range paths {
		want, _, err := whole.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		lazy := newRootCommandFor(s, append(slices.Clone(p), "--help"))
		got, rest, err := lazy.Find(p)
		if err != nil || len(rest) != 0 || got.CommandPath() != want.CommandPath() {
			t.Errorf("%v: lazy tree finds %v (rest %v, err %v), want %s", p, got.CommandPath(), rest, err, want.CommandPath())
			continue
		}
		if gf, wf := flagNames(got), flagNames(want); !slices.Equal(gf, wf) {
			t.Errorf("%v: lazy flags %v, want %v", p, gf, wf)
		}
		if len(lazy.Commands()) >= len(whole.Commands()) && len(p) > 0 && p[0] != "serve" {
			t.Errorf("%v: the lazy tree built all %d top-level commands", p, len(lazy.Commands()))
		}
	}
	// A command line that names no group gets everything.
	if n := len(newRootCommandFor(s, []string{"--debug", "group", "list"}).Commands()); n != len(whole.Commands()) {
		t.Errorf("flags first: %d top-level commands, want all %d", n, len(whole.Commands()))
	}
}

func flagNames(c *cobra.Command) []string {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	slices.Sort(names)
	return names
}
