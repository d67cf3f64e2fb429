package azenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
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
