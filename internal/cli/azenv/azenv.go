// Package azenv prepares an isolated Azure CLI configuration that points the
// real `az` at an aksnet server, and renders the shell code that
// `eval "$(aksnet az-env)"` runs.
//
// Setup runs az itself (cloud register, config set, login) once per state
// dir, endpoint and principal, and records what it did; later runs find the
// record and return at once. What it does depends on the version of the az
// it is given (read beside that az, see DetectVersion): for Debian's
// azure-cli 2.45.0 it also writes the compatibility layer in
// sitecustomize.py (see that file for why) and adds it to PYTHONPATH, and for
// any other version the layer is absent; from az 2.75.0 on, the cloud is
// registered without endpoint discovery (see registerArgs).
package azenv

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/statedir"
)

//go:embed sitecustomize.py
var sitecustomize []byte

// CompatVersion is the az version whose packaging bugs the layer works
// around.
const CompatVersion = "2.45.0"

// CloudName is the name the cloud is registered under.
const CloudName = "aksnet"

// Options describe the server and principal to set az up for.
type Options struct {
	StateDir string
	Endpoint string
	TenantID string
	AppID    string
	Password string
	// KeepHome keeps the caller's HOME instead of a separate one (which
	// protects ~/.ssh from --generate-ssh-keys).
	KeepHome bool
	// Az is the az executable; "az" when empty.
	Az string
	// Env is the caller's environment (os.Environ() when nil).
	Env []string
}

// Env is the environment az needs, as computed by Setup.
type Env struct {
	ConfigDir string
	CABundle  string
	Home      string // "" when KeepHome
	CompatDir string // "" unless az is 2.45.0
	AzVersion string
	// Reused is true when an earlier Setup's configuration was reused.
	Reused bool
}

type marker struct {
	Endpoint  string `json:"endpoint"`
	AppID     string `json:"appId"`
	AzVersion string `json:"azVersion"`
	CAMod     int64  `json:"caModTime"`
}

// Dirs returns the directories az-env uses under stateDir.
func Dirs(stateDir string) (configDir, home, compat string) {
	base := filepath.Join(stateDir, "az")
	return filepath.Join(base, "config"), filepath.Join(base, "home"), filepath.Join(base, "compat")
}

// Setup prepares az's configuration, reusing a previous one when nothing
// it depends on changed.
func Setup(ctx context.Context, o Options) (*Env, error) {
	if o.Az == "" {
		o.Az = "az"
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	azPath, err := exec.LookPath(o.Az)
	if err != nil {
		return nil, fmt.Errorf("the Azure CLI (%s) is not installed: install it (Debian: apt-get install azure-cli) or use aksnet's own commands", o.Az)
	}
	configDir, home, compat := Dirs(o.StateDir)
	ca := filepath.Join(o.StateDir, statedir.CAFile)
	st, err := os.Stat(ca)
	if err != nil {
		return nil, fmt.Errorf("no aksnet CA at %s: start a server with aksnet serve --state-dir %s: %w", ca, o.StateDir, err)
	}
	version := DetectVersion(ctx, azPath)
	env := &Env{ConfigDir: configDir, CABundle: ca, AzVersion: version}
	if !o.KeepHome {
		env.Home = home
	}
	if version == CompatVersion {
		env.CompatDir = compat
		if err := writeCompat(compat); err != nil {
			return nil, err
		}
	} else {
		_ = os.RemoveAll(compat)
	}
	want := marker{Endpoint: strings.TrimRight(o.Endpoint, "/"), AppID: o.AppID, AzVersion: version, CAMod: st.ModTime().UnixNano()}
	markerPath := filepath.Join(configDir, "aksnet-env.json")
	if markerMatches(markerPath, want) {
		env.Reused = true
		return env, nil
	}
	// Start from a clean configuration: az keeps clouds and logins there.
	if err := os.RemoveAll(configDir); err != nil {
		return nil, err
	}
	for _, d := range []string{configDir, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	cloudPath := filepath.Join(configDir, "aksnet-cloud.json")
	cloud, err := cloudConfig(o.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(cloudPath, cloud, 0o600); err != nil {
		return nil, err
	}
	if err := configure(ctx, azPath, version, env.Apply(o.Env), cloudPath, o); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(want)
	if err != nil {
		return nil, fmt.Errorf("encode configuration marker: %w", err)
	}
	if err := os.WriteFile(markerPath, raw, 0o600); err != nil {
		return nil, err
	}
	return env, nil
}

// writeCompat writes the compatibility layer for az CompatVersion into dir.
func writeCompat(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), sitecustomize, 0o644); err != nil {
		return fmt.Errorf("write compatibility layer: %w", err)
	}
	return nil
}

// markerMatches reports whether the marker at path records want: the
// configuration made then can be reused.
func markerMatches(path string, want marker) bool {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var have marker
	return json.Unmarshal(raw, &have) == nil && have == want
}

// cloudConfig is the cloud definition az registers for the endpoint: every
// ARM and identity endpoint at aksnet, the ADFS authority under /adfs.
func cloudConfig(endpoint string) ([]byte, error) {
	base := strings.TrimRight(endpoint, "/")
	cloud := map[string]any{
		"endpoints": map[string]string{
			"resourceManager":                base + "/",
			"management":                     base + "/",
			"activeDirectory":                base + "/adfs",
			"activeDirectoryResourceId":      base + "/",
			"activeDirectoryGraphResourceId": base + "/",
			"microsoftGraphResourceId":       base + "/",
		},
		"suffixes": map[string]string{"storageEndpoint": "core.windows.net", "keyvaultDns": ".vault.azure.net", "acrLoginServerEndpoint": ".azurecr.io"},
		"profile":  "latest",
	}
	cloudJSON, err := json.MarshalIndent(cloud, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode cloud definition: %w", err)
	}
	return cloudJSON, nil
}

// configure runs the az commands that set up its configuration: quiet
// defaults, the aksnet cloud from cloudPath, and the service principal's
// login. The password never appears in an error.
func configure(ctx context.Context, azPath, version string, runEnv []string, cloudPath string, o Options) error {
	steps := [][]string{
		{"config", "set", "core.collect_telemetry=false", "core.error_recommendation=off", "core.survey_message=false", "core.no_color=true", "--only-show-errors"},
		registerArgs(cloudPath, version),
		{"cloud", "set", "-n", CloudName, "--only-show-errors"},
		{"login", "--service-principal", "-u", o.AppID, "-p", o.Password, "--tenant", o.TenantID, "-o", "none", "--only-show-errors"},
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, azPath, args...)
		cmd.Env = runEnv
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Stdin = nil
		if err := cmd.Run(); err != nil {
			shown := strings.Join(args[:min(len(args), 3)], " ")
			return fmt.Errorf("az %s failed: %w\n%s", shown, err, strings.ReplaceAll(out.String(), o.Password, "***"))
		}
	}
	return nil
}

// SkipDiscoveryVersion is the first az with `az cloud register
// --skip-endpoint-discovery` (azure-cli HISTORY.rst, 2.75.0: "Add
// `--skip-endpoint-discovery` to allow skipping cloud endpoints' auto
// discovery (#31651)"). Without it, az register fetches
// <resourceManager>/metadata/endpoints (api-version 2015-01-01 before 2.73.0,
// 2022-09-01 since #30682) and overwrites what it found with the cloud
// config, which names every endpoint az needs.
const SkipDiscoveryVersion = "2.75.0"

// registerArgs is the az cloud register command for the cloud config at
// cloudPath, given az's version: where az has --skip-endpoint-discovery it
// is passed, so that az-env does not depend on the discovery request (aksnet
// answers it in every shape az asks for; e2e/az_test.go checks that with the
// newest az). An unknown version is treated as an old one.
func registerArgs(cloudPath, version string) []string {
	args := []string{"cloud", "register", "-n", CloudName, "--cloud-config", "@" + cloudPath}
	if versionAtLeast(version, SkipDiscoveryVersion) {
		args = append(args, "--skip-endpoint-discovery")
	}
	return append(args, "--only-show-errors")
}

// versionAtLeast reports whether the dotted version v (az's, such as
// "2.91.0") is min or later, comparing numerically part by part up to the
// first difference (a missing part is 0). A v that is "" counts as older than
// min, and so does one whose compared part is not a number ("2.75.0b1").
func versionAtLeast(v, min string) bool {
	if v == "" {
		return false
	}
	have, want := strings.Split(v, "."), strings.Split(min, ".")
	for i := range max(len(have), len(want)) {
		h, w := 0, 0
		if i < len(have) {
			n, err := strconv.Atoi(have[i])
			if err != nil {
				return false
			}
			h = n
		}
		if i < len(want) {
			w, _ = strconv.Atoi(want[i])
		}
		if h != w {
			return h > w
		}
	}
	return true
}

// versionRE is compiled on first use: the aksnet CLI links this package, and
// package-level work slows every command.
var versionRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`__version__\s*=\s*["']([^"']+)["']`)
})

// DetectVersion returns the version of the az at azPath: from the
// azure.cli.core source installed beside that script (a venv's
// lib/python3.*/site-packages, or Debian's lib/python3/dist-packages under
// the same prefix, so /usr/bin/az reads /usr/lib/…), which needs no Python
// start-up, else from `az version`. It never reads another installation's
// files: a second az (say 2.91 in a venv) next to Debian's 2.45 must not be
// taken for 2.45. It returns "" when it can't tell.
func DetectVersion(ctx context.Context, azPath string) string {
	var candidates []string
	if real, err := filepath.EvalSymlinks(azPath); err == nil {
		root := filepath.Dir(filepath.Dir(real))
		for _, dir := range []string{"python3*/site-packages", "python3/dist-packages"} {
			m, _ := filepath.Glob(filepath.Join(root, "lib", dir, "azure", "cli", "core", "__init__.py"))
			candidates = append(candidates, m...)
		}
	}
	for _, c := range candidates {
		if raw, err := os.ReadFile(c); err == nil {
			if m := versionRE().FindSubmatch(raw); m != nil {
				return string(m[1])
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, azPath, "version", "-o", "json").Output()
	if err != nil {
		return ""
	}
	var v map[string]any
	if json.Unmarshal(out, &v) == nil {
		if s, ok := v["azure-cli"].(string); ok {
			return s
		}
	}
	return ""
}

// Apply returns environ with az's variables set.
func (e *Env) Apply(environ []string) []string {
	vars := e.Vars(lookup(environ))
	out := make([]string, 0, len(environ)+len(vars))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := vars[k]; !set {
			out = append(out, kv)
		}
	}
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

func lookup(environ []string) func(string) string {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// HomeSaveVar remembers the caller's HOME while az-env replaces it.
const HomeSaveVar = "AKSNET_AZ_ENV_SAVED_HOME"

// Vars returns the variables to set, given the caller's environment.
func (e *Env) Vars(getenv func(string) string) map[string]string {
	v := map[string]string{
		"AZURE_CONFIG_DIR":                e.ConfigDir,
		"REQUESTS_CA_BUNDLE":              e.CABundle,
		"AZURE_CORE_COLLECT_TELEMETRY":    "false",
		"AZURE_CORE_SURVEY_MESSAGE":       "false",
		"AZURE_CORE_ERROR_RECOMMENDATION": "off",
	}
	if e.Home != "" {
		saved := getenv(HomeSaveVar)
		if saved == "" {
			saved = getenv("HOME")
		}
		v[HomeSaveVar] = saved
		v["HOME"] = e.Home
	}
	pp := withoutEntry(getenv("PYTHONPATH"), e.compatCandidates()...)
	if e.CompatDir != "" {
		pp = strings.Trim(e.CompatDir+":"+pp, ":")
	}
	v["PYTHONPATH"] = pp
	return v
}

func (e *Env) compatCandidates() []string {
	_, _, compat := Dirs(filepath.Dir(filepath.Dir(e.ConfigDir)))
	return []string{compat, e.CompatDir}
}

func withoutEntry(path string, drop ...string) string {
	var keep []string
	for _, p := range strings.Split(path, ":") {
		skip := p == ""
		for _, d := range drop {
			if d != "" && p == d {
				skip = true
			}
		}
		if !skip {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ":")
}

// Script renders shell code that exports the variables.
func (e *Env) Script(getenv func(string) string) string {
	vars := e.Vars(getenv)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if vars[k] == "" && k == "PYTHONPATH" {
			b.WriteString("unset PYTHONPATH\n")
			continue
		}
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(vars[k]))
	}
	return b.String()
}

// UndoScript renders shell code that reverts Script, given the current
// environment (the one az-env set up).
func UndoScript(stateDir string, getenv func(string) string) string {
	var b strings.Builder
	for _, k := range []string{"AZURE_CONFIG_DIR", "REQUESTS_CA_BUNDLE", "AZURE_CORE_COLLECT_TELEMETRY", "AZURE_CORE_SURVEY_MESSAGE", "AZURE_CORE_ERROR_RECOMMENDATION"} {
		fmt.Fprintf(&b, "unset %s\n", k)
	}
	if saved := getenv(HomeSaveVar); saved != "" {
		fmt.Fprintf(&b, "export HOME=%s\nunset %s\n", shellQuote(saved), HomeSaveVar)
	}
	_, _, compat := Dirs(stateDir)
	if pp := withoutEntry(getenv("PYTHONPATH"), compat); pp != "" {
		fmt.Fprintf(&b, "export PYTHONPATH=%s\n", shellQuote(pp))
	} else {
		b.WriteString("unset PYTHONPATH\n")
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
