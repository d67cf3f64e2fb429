package archtest

import (
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/aksnet/aksnet"

// floors places every package of the module on a floor, as
// docs/architecture.md draws them: a package may import packages on its own
// floor or below, never above. A pattern ending in "/..." covers the
// package and everything under it; the longest matching pattern wins.
// A new package must be added here (on the floor its imports allow and its
// role calls for) and to docs/architecture.md.
var floors = map[string]int{
	// 0 foundations: import nothing of aksnet.
	"internal/azerr":             0,
	"internal/store":             0,
	"internal/statedir":          0,
	"internal/dataplane/caps":    0,
	"internal/dataplane/nsprobe": 0,
	"internal/kubeconfig":        0,
	"internal/kubenodes":         0,
	"internal/loopback":          0,

	// 1 infrastructure over the foundations.
	"internal/store/bolt": 1,
	"internal/pki":        1,
	"internal/privtest":   1,
	"internal/kubesup":    1,

	// 2 pure cores: domain rules, no I/O (see pure below).
	"internal/kubenet":  2,
	"internal/fabric":   2,
	"internal/rbac":     2,
	"internal/planview": 2,

	// 3 plumbing: the ARM front door and the token issuer.
	"internal/arm":      3,
	"internal/identity": 3,

	// 4 the directory of principals that providers share.
	"internal/directory": 4,

	// 5 the two halves the control plane wires: resource providers (ARM
	// side) and the data plane (kernel side).
	"internal/provider/...":  5,
	"internal/dataplane/...": 5,

	// 6 the control plane: store, providers, controllers, data plane.
	"internal/controlplane": 6,

	// 7 front ends: the server, the command line, the in-process server of
	// the tests.
	"internal/daemon":  7,
	"internal/cli/...": 7,
	"internal/armtest": 7,

	// 8 programs and whole-repository tests.
	"cmd/...":           8,
	"bench/cmd/...":     8,
	"e2e/...":           8,
	"internal/archtest": 8,
}

// pure are the domain cores: they import only each other and azerr, and no
// standard package that reaches outside the process.
var pure = []string{"internal/azerr", "internal/kubenet", "internal/fabric", "internal/rbac", "internal/planview"}

// impure are the standard packages a pure core must not import: they reach
// files, processes, the network or logs. net/netip is pure, and so is the
// use azerr and rbac make of net/http (its status constants).
var impure = []string{"os", "os/exec", "os/signal", "net", "syscall", "io/fs", "path/filepath", "log", "log/slog", "database/sql"}

// floorOf returns the floor of package rel (relative to the module) and
// whether a pattern covers it.
func floorOf(rel string) (int, bool) {
	best, floor := -1, 0
	for pat, f := range floors {
		base, tree := strings.CutSuffix(pat, "/...")
		if rel == base || tree && strings.HasPrefix(rel, base+"/") {
			if len(pat) > best {
				best, floor = len(pat), f
			}
		}
	}
	return floor, best >= 0
}

// imports returns every package of the module with its non-test imports,
// as go list reports them.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	readSources(t)
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		graph[f[0]] = f[1:]
	}
	return graph
}

// readSources reads every Go file of the module. go test caches a passing
// result by the files the test opened, and it cannot see what go list
// read: without this, a new import would not run the test again.
func readSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "../.." {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".go") || d.Name() == "go.mod") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("read the module's sources: %v", err)
	}
}

func rel(pkg string) (string, bool) { return strings.CutPrefix(pkg, module+"/") }

func TestFloors_ImportsGoDown(t *testing.T) {
	graph := imports(t)
	if len(graph) < 30 {
		t.Fatalf("go list found %d packages, want the whole module", len(graph))
	}
	for pkg, deps := range graph {
		from, ok := rel(pkg)
		if !ok {
			t.Errorf("package %s is outside module %s", pkg, module)
			continue
		}
		ff, ok := floorOf(from)
		if !ok {
			t.Errorf("%s is on no floor: add it to floors (and to docs/architecture.md)", from)
			continue
		}
		for _, d := range deps {
			to, ok := rel(d)
			if !ok {
				continue
			}
			if tf, ok := floorOf(to); ok && tf > ff {
				t.Errorf("%s (floor %d) imports %s (floor %d): imports go to the same floor or down", from, ff, to, tf)
			}
		}
	}
}

func TestFloors_PureCoresStayPure(t *testing.T) {
	graph := imports(t)
	for _, p := range pure {
		deps, ok := graph[module+"/"+p]
		if !ok {
			t.Errorf("pure core %s does not exist", p)
			continue
		}
		for _, d := range deps {
			if to, ok := rel(d); ok && !slices.Contains(pure, to) {
				t.Errorf("pure core %s imports %s, which is not pure", p, to)
			}
			if slices.Contains(impure, d) {
				t.Errorf("pure core %s imports %s, which does I/O", p, d)
			}
		}
	}
}

// TestFloors_Table checks the check: it must see a violation when there is
// one, and every pattern must still name a package.
func TestFloors_Table(t *testing.T) {
	for _, c := range []struct {
		pkg   string
		floor int
		ok    bool
	}{
		{"internal/dataplane", 5, true},
		{"internal/dataplane/nsprobe", 0, true},
		{"internal/dataplane/integration", 5, true},
		{"internal/cli/output", 7, true},
		{"internal/store/bolt", 1, true},
		{"internal/storeroom", 0, false},
		{"cmd/aksnetd", 8, true},
	} {
		if f, ok := floorOf(c.pkg); f != c.floor || ok != c.ok {
			t.Errorf("floorOf(%s) = %d, %v; want %d, %v", c.pkg, f, ok, c.floor, c.ok)
		}
	}
	graph := imports(t)
	for pat := range floors {
		base, tree := strings.CutSuffix(pat, "/...")
		if !slices.ContainsFunc(slices.Collect(maps.Keys(graph)), func(pkg string) bool {
			r, _ := rel(pkg)
			return r == base || tree && strings.HasPrefix(r, base+"/")
		}) {
			t.Errorf("floors names %s, which matches no package any more", pat)
		}
	}
}
