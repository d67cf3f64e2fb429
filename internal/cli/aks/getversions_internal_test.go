package aks

import (
	"encoding/json"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// TestVersionsTable is az's aks_versions_table_format on the spec's
// example shape (ContainerServiceListOrchestrators.json): newest version
// first by number, not text; upgrades sorted the same way; preview
// versions marked wherever they appear; "None available" without upgrades.
func TestVersionsTable(t *testing.T) {
	in := object(t, `{"orchestrators":[
		{"orchestratorVersion":"1.9.11","upgrades":[{"orchestratorVersion":"1.10.13"},{"orchestratorVersion":"1.10.12"}]},
		{"orchestratorVersion":"1.10.13","upgrades":[{"orchestratorVersion":"1.11.0"}]},
		{"orchestratorVersion":"1.11.0","isPreview":true}]}`)
	got, err := json.Marshal(versionsTable(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"kubernetesVersion":"1.11.0(preview)","upgrades":"None available"},` +
		`{"kubernetesVersion":"1.10.13","upgrades":"1.11.0(preview)"},` +
		`{"kubernetesVersion":"1.9.11","upgrades":"1.10.12, 1.10.13"}]`
	if string(got) != want {
		t.Errorf("table rows\n got  %s\n want %s", got, want)
	}
	if got := versionsTable("not an object"); got != "not an object" {
		t.Errorf("a non-object was changed: %v", got)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sign int
	}{
		{"1.9.11", "1.10.0", -1}, {"1.37.2", "1.37.2", 0}, {"1.37", "1.37.2", -1}, {"2.0.0", "1.99.99", 1},
	} {
		got := compareVersions(c.a, c.b)
		if got < 0 && c.sign >= 0 || got > 0 && c.sign <= 0 || got == 0 && c.sign != 0 {
			t.Errorf("compareVersions(%s, %s) = %d, want sign %d", c.a, c.b, got, c.sign)
		}
	}
}

// object decodes raw the way -o output does, into *output.Object values.
func object(t *testing.T, raw string) any {
	t.Helper()
	v, err := output.Decode([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
