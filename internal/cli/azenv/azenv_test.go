package azenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/statedir"
)

func TestCloudConfig(t *testing.T) {
	for _, endpoint := range []string{"https://localhost:8443", "https://localhost:8443/"} {
		var cloud struct {
			Endpoints map[string]string `json:"endpoints"`
			Profile   string            `json:"profile"`
		}
		raw, err := cloudConfig(endpoint)
		if err != nil {
			t.Fatalf("cloudConfig(%q): %v", endpoint, err)
		}
		if err := json.Unmarshal(raw, &cloud); err != nil {
			t.Fatalf("cloudConfig(%q) is not JSON: %v", endpoint, err)
		}
		if got := cloud.Endpoints["resourceManager"]; got != "https://localhost:8443/" {
			t.Errorf("cloudConfig(%q) resourceManager = %q", endpoint, got)
		}
		if got := cloud.Endpoints["activeDirectory"]; got != "https://localhost:8443/adfs" {
			t.Errorf("cloudConfig(%q) activeDirectory = %q", endpoint, got)
		}
		if cloud.Profile != "latest" {
			t.Errorf("cloudConfig(%q) profile = %q", endpoint, cloud.Profile)
		}
	}
}

func TestMarkerMatches(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aksnet-env.json")
	want := marker{Endpoint: "https://localhost:8443", AppID: "app", AzVersion: "2.60.0", CAMod: 42}
	if markerMatches(path, want) {
		t.Error("a missing marker matches")
	}
	raw, _ := json.Marshal(want)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if !markerMatches(path, want) {
		t.Error("the same marker does not match")
	}
	other := want
	other.CAMod = 43 // a new CA means a new configuration
	if markerMatches(path, other) {
		t.Error("a marker with another CA time matches")
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if markerMatches(path, want) {
		t.Error("a damaged marker matches")
	}
}

// DetectVersion reads the azure.cli.core beside the az it is given, never
// another installation's (issue 18: a venv's az 2.91 was taken for Debian's
// 2.45 from a fixed path).
func TestDetectVersion(t *testing.T) {
	write := func(path, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	venv := filepath.Join(root, "venv")
	write(filepath.Join(venv, "lib", "python3.11", "site-packages", "azure", "cli", "core", "__init__.py"), "__version__ = \"2.91.0\"\n", 0o644)
	write(filepath.Join(venv, "bin", "az"), "#!/bin/sh\nexit 1\n", 0o755)
	debian := filepath.Join(root, "usr")
	write(filepath.Join(debian, "lib", "python3", "dist-packages", "azure", "cli", "core", "__init__.py"), "__version__ = '2.45.0'\n", 0o644)
	write(filepath.Join(debian, "bin", "az"), "#!/bin/sh\nexit 1\n", 0o755)
	// An az whose packages are elsewhere, and which can't answer `az version`.
	write(filepath.Join(root, "other", "bin", "az"), "#!/bin/sh\nexit 1\n", 0o755)
	for _, tc := range []struct{ az, want string }{
		{filepath.Join(venv, "bin", "az"), "2.91.0"},
		{filepath.Join(debian, "bin", "az"), "2.45.0"},
		{filepath.Join(root, "other", "bin", "az"), ""},
	} {
		if got := DetectVersion(t.Context(), tc.az); got != tc.want {
			t.Errorf("DetectVersion(%s) = %q, want %q", tc.az, got, tc.want)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v, min string
		want   bool
	}{
		{"2.91.0", "2.75.0", true},
		{"2.75.0", "2.75.0", true},
		{"2.75", "2.75.0", true},
		{"2.74.9", "2.75.0", false},
		{"2.45.0", "2.75.0", false},
		{"2.100.0", "2.75.0", true}, // numeric, not lexical
		{"3.0.0", "2.75.0", true},
		{"", "2.75.0", false},
		{"2.x.0", "2.75.0", false},
		{"2.91.0b1", "2.75.0", true}, // decided before the suffix
		{"2.75.0b1", "2.75.0", false},
	} {
		if got := versionAtLeast(tc.v, tc.min); got != tc.want {
			t.Errorf("versionAtLeast(%q, %q) = %v, want %v", tc.v, tc.min, got, tc.want)
		}
	}
}

// Setup's version-dependent choices, with a fake az that records its
// commands: the 2.45 compatibility layer only for 2.45.0 (and removed when
// another az takes over the state dir), --skip-endpoint-discovery only where
// az has it (2.75.0 on; an unknown version gets the form every az accepts).
func TestSetupByVersion(t *testing.T) {
	state := t.TempDir()
	if err := os.WriteFile(filepath.Join(state, statedir.CAFile), []byte("ca"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, compat := Dirs(state)
	for _, tc := range []struct {
		version      string
		wantCompat   bool
		wantSkipDisc bool
	}{
		{"2.45.0", true, false},
		{"2.91.0", false, true},
		{"2.45.0", true, false},
		{"2.74.0", false, false},
		{"2.75.0", false, true},
		{"", false, false}, // no azure.cli.core beside it, and `az version` fails
	} {
		t.Run(tc.version, func(t *testing.T) {
			az, log := fakeAz(t, tc.version)
			env, err := Setup(t.Context(), Options{StateDir: state, Endpoint: "https://127.0.0.1:1", TenantID: "t",
				AppID: "a", Password: "secret", Az: az, Env: []string{"PYTHONPATH=" + compat + ":/elsewhere"}})
			if err != nil {
				t.Fatal(err)
			}
			if env.AzVersion != tc.version || env.Reused {
				t.Errorf("AzVersion %q, Reused %v; want %q, a new configuration", env.AzVersion, env.Reused, tc.version)
			}
			_, statErr := os.Stat(filepath.Join(compat, "sitecustomize.py"))
			if has := env.CompatDir != "" && statErr == nil; has != tc.wantCompat {
				t.Errorf("compatibility layer installed = %v (CompatDir %q, %v), want %v", has, env.CompatDir, statErr, tc.wantCompat)
			}
			pp := env.Vars(func(k string) string { return map[string]string{"PYTHONPATH": compat + ":/elsewhere"}[k] })["PYTHONPATH"]
			wantPP := "/elsewhere"
			if tc.wantCompat {
				wantPP = compat + ":/elsewhere"
			}
			if pp != wantPP {
				t.Errorf("PYTHONPATH = %q, want %q", pp, wantPP)
			}
			raw, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			var register string
			for _, line := range strings.Split(string(raw), "\n") {
				if strings.HasPrefix(line, "cloud register ") {
					register = line
				}
			}
			if register == "" {
				t.Fatalf("no az cloud register among\n%s", raw)
			}
			if got := strings.Contains(register, "--skip-endpoint-discovery"); got != tc.wantSkipDisc {
				t.Errorf("az %s: --skip-endpoint-discovery = %v, want %v", register, got, tc.wantSkipDisc)
			}
			if !strings.Contains(string(raw), "login --service-principal") {
				t.Errorf("az login was not run:\n%s", raw)
			}
		})
	}
}

// fakeAz writes an az that appends its arguments to a log and fails `az
// version`, installed as a venv would be: azure.cli.core of the given
// version (none when "") in lib/python3.11/site-packages beside bin/az.
func fakeAz(t *testing.T, version string) (az, log string) {
	t.Helper()
	root := t.TempDir()
	log = filepath.Join(root, "log")
	az = filepath.Join(root, "bin", "az")
	if err := os.MkdirAll(filepath.Dir(az), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n[ \"$1\" = version ] && exit 1\necho \"$*\" >>'" + log + "'\n"
	if err := os.WriteFile(az, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if version != "" {
		core := filepath.Join(root, "lib", "python3.11", "site-packages", "azure", "cli", "core")
		if err := os.MkdirAll(core, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(core, "__init__.py"), []byte("__version__ = \""+version+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return az, log
}
