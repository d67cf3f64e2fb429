package aks_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

// TestAKSStopStart: az aks stop and az aks start (azure-cli acs/custom.py
// aks_stop / aks_start: sdk_no_wait on begin_stop / begin_start, whose
// result is None, so nothing is printed), powerState as az aks show prints
// it, and AKS's refusals as az prints an ARM error.
func TestAKSStopStart(t *testing.T) {
	a := clitest.New(t)
	subnet := a.Network("rg", "s=192.168.1.0/24")["s"]
	a.OK("aks", "create", "-g", "rg", "-n", "c1", "--vnet-subnet-id", subnet, "--node-count", "2", "--generate-ssh-keys")
	a.Want("Running\n", "aks", "show", "-g", "rg", "-n", "c1", "--query", "powerState.code", "-o", "tsv")

	if out := a.OK("aks", "stop", "-g", "rg", "-n", "c1"); out != "" {
		t.Errorf("aks stop printed %q", out)
	}
	a.Want("Stopped\n", "aks", "show", "-g", "rg", "-n", "c1", "--query", "powerState.code", "-o", "tsv")
	a.Want("Stopped\n", "aks", "nodepool", "show", "-g", "rg", "--cluster-name", "c1", "-n", "nodepool1", "--query", "powerState.code", "-o", "tsv")

	_, errs, code := a.Run("aks", "stop", "-g", "rg", "-n", "c1")
	if code != 1 || !strings.HasPrefix(errs, "ERROR: (OperationNotAllowed) managed cluster is not currently running, stopping cannot be performed") ||
		!strings.Contains(errs, "\nCode: OperationNotAllowed\n") {
		t.Errorf("second stop: exit %d %q", code, errs)
	}
	_, errs, code = a.Run("aks", "scale", "-g", "rg", "-n", "c1", "-c", "3")
	if code != 1 || !strings.HasPrefix(errs, "ERROR: (OperationNotAllowed) ") || !strings.Contains(errs, "Power State(Stopped)") {
		t.Errorf("scale of a stopped cluster: exit %d %q", code, errs)
	}

	if out := a.OK("aks", "start", "-g", "rg", "-n", "c1", "--no-wait"); out != "" {
		t.Errorf("aks start --no-wait printed %q", out)
	}
	a.Want("Running\n", "aks", "show", "-g", "rg", "-n", "c1", "--query", "powerState.code", "-o", "tsv")
	_, errs, code = a.Run("aks", "start", "-g", "rg", "-n", "c1")
	if code != 1 || !strings.Contains(errs, "(OperationNotAllowed) managed cluster is in Provisioning State(Succeeded) and Power State(Running), starting cannot be performed") {
		t.Errorf("start of a running cluster: exit %d %q", code, errs)
	}
	if out := a.OK("aks", "stop", "-g", "rg", "-n", "c1", "--no-wait"); out != "" {
		t.Errorf("aks stop --no-wait printed %q", out)
	}
	a.Want("Stopped\n", "aks", "show", "-g", "rg", "-n", "c1", "--query", "powerState.code", "-o", "tsv")
	a.OK("aks", "start", "-g", "rg", "-n", "c1")
	a.Want("3\n", "aks", "scale", "-g", "rg", "-n", "c1", "-c", "3", "--query", "agentPoolProfiles[0].count", "-o", "tsv")

	// A missing cluster: stop reads it first, as az does.
	for _, verb := range []string{"stop", "start"} {
		_, errs, code = a.Run("aks", verb, "-g", "rg", "-n", "nope")
		if code != 3 || !strings.HasPrefix(errs, "ERROR: (ResourceNotFound) ") {
			t.Errorf("%s of a missing cluster: exit %d %q", verb, code, errs)
		}
	}
	_, errs, code = a.Run("aks", "stop", "-g", "rg")
	if code != 2 || errs != "ERROR: the following arguments are required: --name/-n\n" {
		t.Errorf("stop without -n: exit %d %q", code, errs)
	}
}
