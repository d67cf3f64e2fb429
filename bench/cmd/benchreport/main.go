// Command benchreport runs every benchmark of aksnet — the Go Benchmark
// functions and the whole-process scripts under bench/ — several times, sets
// each figure beside its baseline measured in the same run, and writes
// docs/performance.md with the median, the spread, the ratio to the
// baseline, the goal and a pass/fail mark.
//
//	go run ./bench/cmd/benchreport            # full run, rewrites docs/performance.md
//	go run ./bench/cmd/benchreport -short     # CI: every benchmark runs once, nothing is judged
//	go run ./bench/cmd/benchreport -only 'Kubernetes'   # refresh only these rows of docs/performance.md
//
// With -only and an existing report, the figures that do not match keep
// their rows (and the header its date) from the report, and the header says
// which rows were refreshed when; every figure is still listed.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// source names one measured value: a metric of a Go benchmark, or a key a
// script prints as a line "BENCH <key> <value> <unit>".
type source struct {
	Pkg, Bench, Metric string
	Script, Key        string
}

func (s source) String() string {
	if s.Script != "" {
		return "bash " + s.Script + " (" + s.Key + ")"
	}
	return fmt.Sprintf("go test -run '^$' -bench '^%s$' -benchmem %s (%s)", s.Bench, s.Pkg, s.Metric)
}

// figure is one line of the report.
type figure struct {
	Issue    int
	Name     string
	Value    source
	Baseline *source
	// Higher is true when a larger value is better (throughput).
	Higher bool
	// Goal describes the target; Pass judges value (and the ratio to the
	// baseline, value/baseline) against it.
	Goal     string
	Pass     func(v, ratio float64) bool
	RootOnly bool
	// Needs, when set, names what builds the tools the benchmark needs
	// (e2e/terraform/install.sh); a benchmark that skipped for want of them
	// is reported as skipped, not as a missing value.
	Needs string
	// Previous, when not zero, is the figure an earlier report measured
	// (in the value's unit) and PreviousNote says where it came from; the
	// report shows the value as a multiple of it too.
	Previous     float64
	PreviousNote string
}

type samples map[string][]float64 // key: source.String()

func main() {
	short := flag.Bool("short", false, "run every benchmark once and judge nothing (CI)")
	count := flag.Int("count", 5, "runs per benchmark")
	out := flag.String("out", "docs/performance.md", "report to write (empty: stdout only)")
	only := flag.String("only", "", "regexp: run only figures whose name matches")
	flag.Parse()
	if *short {
		*count = 1
	}
	figs := figures()
	sort.SliceStable(figs, func(i, j int) bool { return figs[i].Issue < figs[j].Issue })
	var kept *keptReport
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport: -only:", err)
			os.Exit(2)
		}
		if *out != "" && !*short {
			if kept, err = readKept(*out, re, *only); err != nil {
				fmt.Fprintln(os.Stderr, "benchreport:", err)
				os.Exit(1)
			}
		}
		if kept == nil {
			figs = slices.DeleteFunc(figs, func(f figure) bool { return !re.MatchString(f.Name) })
		}
	}
	root := os.Geteuid() == 0
	got := samples{}
	byPkg, scripts := sourcesToRun(figs, kept, root)
	failed := runGoBenchmarks(byPkg, *count, *short, got)
	failed = append(failed, runScripts(scripts, *count, *short, got)...)
	report, missing := render(figs, kept, got, *count, *short, root)
	if *short {
		// The short form checks that every benchmark still runs; a figure
		// a benchmark skipped (say, no network to build the CNI plugins)
		// is reported, not fatal.
		for _, m := range missing {
			fmt.Fprintln(os.Stderr, "benchreport: warning:", m)
		}
	} else {
		failed = append(failed, missing...)
	}
	fmt.Print(report)
	if *out != "" && !*short {
		if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintln(os.Stderr, "benchreport: failed:\n  "+strings.Join(failed, "\n  "))
		os.Exit(1)
	}
}

// sourcesToRun groups what the figures measure: the top-level Go benchmarks
// by package, so each package builds once, and the bench scripts. Figures
// that need root are left out when not root, and figures whose rows are
// kept from the existing report are not run.
func sourcesToRun(figs []figure, kept *keptReport, root bool) (byPkg map[string][]string, scripts map[string]bool) {
	byPkg, scripts = map[string][]string{}, map[string]bool{}
	for _, f := range figs {
		if f.RootOnly && !root || !kept.runs(f) {
			continue
		}
		for _, s := range f.sources() {
			if s.Script != "" {
				scripts[s.Script] = true
			} else if top, _, _ := strings.Cut(s.Bench, "/"); !slices.Contains(byPkg[s.Pkg], top) {
				// -bench splits its pattern at slashes, one part per
				// level: select top-level benchmarks and all their subs.
				byPkg[s.Pkg] = append(byPkg[s.Pkg], top)
			}
		}
	}
	return byPkg, scripts
}

// runGoBenchmarks runs each package's benchmarks count times (once each,
// one iteration, when short) into got, and returns the packages that failed.
func runGoBenchmarks(byPkg map[string][]string, count int, short bool, got samples) (failed []string) {
	for _, pkg := range sortedKeys(byPkg) {
		benches := byPkg[pkg]
		args := []string{"test", "-run", "^$", "-bench", "^(" + strings.Join(benches, "|") + ")$", "-benchmem", "-count", strconv.Itoa(count), "-timeout", "30m"}
		if short {
			args = append(args, "-benchtime", "1x")
		}
		args = append(args, pkg)
		fmt.Fprintf(os.Stderr, "== go %s\n", strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		if short {
			// As for the scripts: benchmarks that measure whole programs use smaller sizes.
			cmd.Env = append(os.Environ(), "BENCH_SHORT=1")
		}
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprint(os.Stderr, buf.String())
			failed = append(failed, fmt.Sprintf("%s: %v", pkg, err))
			continue
		}
		parseBench(pkg, buf.String(), got)
	}
	return failed
}

// runScripts runs each bench script count times into got, stopping a
// script at its first failure, and returns the scripts that failed.
func runScripts(scripts map[string]bool, count int, short bool, got samples) (failed []string) {
	for _, script := range sortedKeys(scripts) {
		for i := 0; i < count; i++ {
			fmt.Fprintf(os.Stderr, "== bash %s (run %d)\n", script, i+1)
			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(), "BENCH_LINES=1")
			if short {
				cmd.Env = append(cmd.Env, "BENCH_SHORT=1")
			}
			var buf bytes.Buffer
			cmd.Stdout, cmd.Stderr = &buf, os.Stderr
			if err := cmd.Run(); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", script, err))
				break
			}
			parseLines(script, buf.String(), got)
		}
	}
	return failed
}

func (f figure) sources() []source {
	if f.Baseline != nil {
		return []source{f.Value, *f.Baseline}
	}
	return []source{f.Value}
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// parseBench reads `go test -bench` output: "BenchmarkX-2  N  v unit  v unit…".
func parseBench(pkg, out string, got samples) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			key := source{Pkg: pkg, Bench: m[1], Metric: f[i+1]}.String()
			got[key] = append(got[key], v)
		}
	}
}

// parseLines reads "BENCH <key> <value> <unit>" lines from a script.
func parseLines(script, out string, got samples) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] != "BENCH" {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			continue
		}
		key := source{Script: script, Key: f[1]}.String()
		got[key] = append(got[key], v)
		if len(f) > 3 {
			scriptUnits[key] = f[3]
		}
	}
}

// scriptUnits holds the unit each script printed for its keys.
var scriptUnits = map[string]string{}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func spread(v []float64) string {
	if len(v) < 2 {
		return "–"
	}
	lo, hi := slices.Min(v), slices.Max(v)
	m := median(v)
	if m == 0 {
		return "–"
	}
	return fmt.Sprintf("±%.0f%%", 100*(hi-lo)/2/m)
}

func fmtNum(v float64, unit string) string {
	switch {
	case unit == "ns/op" && v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case unit == "ns/op" && v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	default:
		return fmt.Sprintf("%.3g %s", v, unit)
	}
}

func unitOf(s source) string {
	if s.Script != "" {
		return scriptUnits[s.String()]
	}
	return s.Metric
}

// baseline is the median of f's baseline as text, and f's median med as a
// multiple of it (0 when it is 0); "–" and 0 when f has none. ok is false
// when f has a baseline the run did not measure.
func (f figure) baseline(got samples, med float64) (base string, ratio float64, ok bool) {
	if f.Baseline == nil {
		return "–", 0, true
	}
	bv := got[f.Baseline.String()]
	if len(bv) == 0 {
		return "–", 0, false
	}
	bm := median(bv)
	if bm != 0 {
		ratio = med / bm
	}
	return fmtNum(bm, unitOf(*f.Baseline)), ratio, true
}

// ratioText is the ratio column: the ratio to the baseline, and the median
// as a multiple of the previous value where the figure records one.
func (f figure) ratioText(med, ratio float64) string {
	ratioS := "–"
	if f.Baseline != nil && ratio != 0 {
		ratioS = fmt.Sprintf("%.2f×", ratio)
	}
	if f.Previous == 0 {
		return ratioS
	}
	prev := fmt.Sprintf("%.2f× the previous %s (%s)", med/f.Previous, fmtNum(f.Previous, unitOf(f.Value)), f.PreviousNote)
	if ratioS == "–" {
		return prev
	}
	return ratioS + "; " + prev
}

// result is the result column: pass or FAIL against the goal, or not
// judged in a short run.
func (f figure) result(med, ratio float64, short bool) string {
	switch {
	case short:
		return "not judged (-short)"
	case f.Pass(med, ratio):
		return "pass"
	}
	return "FAIL"
}

func render(figs []figure, kept *keptReport, got samples, count int, short, root bool) (string, []string) {
	var b strings.Builder
	var missing []string
	cpu := cpuModel()
	today := time.Now().UTC().Format("2006-01-02")
	if kept != nil {
		b.WriteString(kept.header)
		fmt.Fprintf(&b, "Rows of the figures matching `-only '%s'` were refreshed on %s by `go run ./bench/cmd/benchreport -only '%s'` (each the median of %d runs, %d × %s, %s); the other rows are from the run above.\n\n",
			kept.only, today, kept.only, count, runtime.NumCPU(), cpu, runtime.Version())
	} else {
		fmt.Fprintf(&b, "# Performance\n\nRegenerated by `make bench` (`go run ./bench/cmd/benchreport`) on %s.\n\n", today)
		fmt.Fprintf(&b, "Machine: %d × %s, %s, %s/%s, running as %s. Each figure is the median of %d runs; the spread is half the range as a share of the median. Baselines are measured in the same run.\n\n",
			runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, map[bool]string{true: "root", false: "a regular user (root-only figures skipped)"}[root], count)
	}
	issue := -1
	for _, f := range figs {
		if f.Issue != issue {
			issue = f.Issue
			fmt.Fprintf(&b, "\n## Issue %d\n\n| figure | median | spread | baseline | ratio | goal | result |\n| --- | --- | --- | --- | --- | --- | --- |\n", issue)
		}
		if !kept.runs(f) {
			if row, ok := kept.rows[f.Name]; ok {
				b.WriteString(row + "\n")
			} else {
				fmt.Fprintf(&b, "| %s | not measured yet | – | – | – | %s | – |\n", f.Name, f.Goal)
			}
			continue
		}
		if f.RootOnly && !root {
			fmt.Fprintf(&b, "| %s | – | – | – | – | %s | skipped (needs root) |\n", f.Name, f.Goal)
			continue
		}
		v := got[f.Value.String()]
		if len(v) == 0 && f.Needs != "" {
			fmt.Fprintf(&b, "| %s | – | – | – | – | %s | skipped (needs `%s`) |\n", f.Name, f.Goal, f.Needs)
			continue
		}
		if len(v) == 0 {
			missing = append(missing, "no value for "+f.Name)
			fmt.Fprintf(&b, "| %s | missing | | | | %s | FAIL |\n", f.Name, f.Goal)
			continue
		}
		med := median(v)
		base, ratio, ok := f.baseline(got, med)
		if !ok {
			missing = append(missing, "no baseline for "+f.Name)
		}
		ratioS := f.ratioText(med, ratio)
		result := f.result(med, ratio, short)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", f.Name, fmtNum(med, unitOf(f.Value)), spread(v), base, ratioS, f.Goal, result)
	}
	b.WriteString("\n## How each figure is measured\n\n")

	for _, f := range figs {
		fmt.Fprintf(&b, "- **%s**: `%s`", f.Name, f.Value)
		if f.Baseline != nil {
			fmt.Fprintf(&b, " against `%s`", *f.Baseline)
		}
		b.WriteString("\n")
	}
	// Hand-written notes on method and findings follow the tables.
	if notes, err := os.ReadFile("docs/performance-notes.md"); err == nil {
		b.WriteString("\n")
		b.Write(notes)
	}
	return b.String(), missing
}

// keptReport is an existing report whose rows -only keeps for the figures
// it does not select.
type keptReport struct {
	re   *regexp.Regexp
	only string
	// header is the report's text before its first table (title, date,
	// machine), without earlier refresh lines.
	header string
	// rows maps a figure's name to its table row.
	rows map[string]string
}

// runs reports whether the figure is measured in this run: every figure
// when no report is kept, otherwise those -only selects.
func (k *keptReport) runs(f figure) bool { return k == nil || k.re.MatchString(f.Name) }

// readKept reads the report at path for -only; nil when there is none yet.
func readKept(path string, re *regexp.Regexp, only string) (*keptReport, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	text := string(raw)
	head, _, ok := strings.Cut(text, "\n## Issue ")
	if !ok {
		return nil, fmt.Errorf("%s has no \"## Issue\" table to keep rows from; run without -only", path)
	}
	k := &keptReport{re: re, only: only, rows: map[string]string{}}
	var header strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimRight(head, "\n")+"\n\n", "\n") {
		if !strings.HasPrefix(line, "Rows of the figures matching ") {
			header.WriteString(line)
		}
	}
	k.header = strings.TrimRight(header.String(), "\n") + "\n\n"
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| figure |") || strings.HasPrefix(line, "| --- ") {
			continue
		}
		if name, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " | "); ok {
			if _, dup := k.rows[name]; !dup { // the first table row of a name, not a note's
				k.rows[name] = line
			}
		}
	}
	return k, nil
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "model name") {
			_, v, _ := strings.Cut(line, ":")
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
