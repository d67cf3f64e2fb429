package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
)

// TestIntegrationAzAksNoWaitAndWait: the real az 2.45's `aks create
// --no-wait` and `aks scale --no-wait` return while AKS's operation runs
// (provisioningState Creating, then Updating), and `az aks wait --created`
// and `--updated` (az's generic wait, polling the cluster's GET until
// provisioningState is Succeeded) return once it has ended. aksnetd's
// --provisioning-delay holds each operation in flight long enough to be
// seen, as AKS's take minutes.
func TestIntegrationAzAksNoWaitAndWait(t *testing.T) {
	armtest.NeedAz(t)
	const hold = 45 * time.Second // longer than an az command takes on a loaded machine
	e := armtest.Start(t, armtest.Options{ProvisioningDelay: hold})
	env := armtest.AzEnv(t, e.StateDir, e.URL)
	az := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("az", args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("az %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return strings.TrimSpace(string(out))
	}
	az("group", "create", "-n", "waitrg", "-l", "eastus", "-o", "none")

	start := time.Now()
	if out := az("aks", "create", "-g", "waitrg", "-n", "c", "--network-plugin", "kubenet", "--node-count", "1", "--generate-ssh-keys", "--no-wait"); out != "" {
		t.Errorf("aks create --no-wait printed %q, want nothing", out)
	}
	if st := az("aks", "show", "-g", "waitrg", "-n", "c", "--query", "provisioningState", "-o", "tsv"); st != "Creating" && time.Since(start) < hold {
		t.Errorf("provisioningState after create --no-wait: %q, want Creating", st)
	}
	az("aks", "wait", "--created", "-g", "waitrg", "-n", "c", "--interval", "1", "--timeout", "600")
	if took := time.Since(start); took < hold {
		t.Errorf("aks wait --created returned %s after the create, before the operation could end (%s)", took.Round(time.Millisecond), hold)
	}
	if st := az("aks", "show", "-g", "waitrg", "-n", "c", "--query", "provisioningState", "-o", "tsv"); st != "Succeeded" {
		t.Errorf("provisioningState after aks wait --created: %q, want Succeeded", st)
	}

	start = time.Now()
	if out := az("aks", "scale", "-g", "waitrg", "-n", "c", "--node-count", "2", "--no-wait"); out != "" {
		t.Errorf("aks scale --no-wait printed %q, want nothing", out)
	}
	if st := az("aks", "show", "-g", "waitrg", "-n", "c", "--query", "provisioningState", "-o", "tsv"); st == "Succeeded" && time.Since(start) < hold {
		t.Errorf("provisioningState after scale --no-wait: %q, want the operation in flight", st)
	}
	az("aks", "wait", "--updated", "-g", "waitrg", "-n", "c", "--interval", "1", "--timeout", "600")
	if took := time.Since(start); took < hold {
		t.Errorf("aks wait --updated returned %s after the scale, before the operation could end (%s)", took.Round(time.Millisecond), hold)
	}
	if got := az("aks", "show", "-g", "waitrg", "-n", "c", "--query", "[provisioningState, agentPoolProfiles[0].count]", "-o", "tsv"); got != "Succeeded\n2" {
		t.Errorf("after aks wait --updated: %q, want Succeeded and 2 nodes", got)
	}
}
