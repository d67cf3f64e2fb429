package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/kubesup"
)

// TestIntegrationAzGetVersions runs the real az 2.45's `aks get-versions`
// (list_orchestrators, api-version 2019-04-01) against aksnet: it lists
// the served version, -o json prints what `aksnet aks get-versions` prints,
// -o table the same table, and an unknown region fails in both with ARM's
// code.
func TestIntegrationAzGetVersions(t *testing.T) {
	x := startAzAndAksnet(t)

	azOut := x.az("aks", "get-versions", "-l", "eastus", "-o", "json")
	var doc struct {
		Orchestrators []struct {
			OrchestratorType, OrchestratorVersion string
			Default                               bool
		}
	}
	if err := json.Unmarshal(azOut, &doc); err != nil {
		t.Fatalf("az aks get-versions -o json: %v\n%s", err, azOut)
	}
	if len(doc.Orchestrators) != 1 || doc.Orchestrators[0].OrchestratorVersion != kubesup.Version || !doc.Orchestrators[0].Default ||
		doc.Orchestrators[0].OrchestratorType != "Kubernetes" {
		t.Errorf("az lists %+v, want Kubernetes %s as the default\n%s", doc.Orchestrators, kubesup.Version, azOut)
	}
	sameKeys(t, azOut, x.aksnet("aks", "get-versions", "-l", "eastus", "-o", "json"), nil)

	azTable := x.az("aks", "get-versions", "-l", "eastus", "-o", "table")
	if !bytes.Contains(azTable, []byte(kubesup.Version)) {
		t.Errorf("az's table lacks %s:\n%s", kubesup.Version, azTable)
	}
	if ours := x.aksnet("aks", "get-versions", "-l", "eastus", "-o", "table"); !bytes.Equal(ours, azTable) {
		t.Errorf("-o table: aksnet\n%s\naz\n%s", ours, azTable)
	}

	cmd := exec.Command("az", "aks", "get-versions", "-l", "atlantis")
	cmd.Env = x.env
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "NoRegisteredProviderFound") {
		t.Errorf("az aks get-versions -l atlantis: %v, want NoRegisteredProviderFound\n%s", err, out)
	}
}
