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
