package armtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/azenv"
	"github.com/aksnet/aksnet/internal/statedir"
)

// NeedAz skips t under -short (the real az takes a second or two per
// command) and where the Azure CLI is not installed.
func NeedAz(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test with the real az: skipped with -short")
	}
	if _, err := exec.LookPath("az"); err != nil {
		t.Skip("the Azure CLI is not installed (apt-get install azure-cli); .ci/run installs it")
	}
}

// AzEnv signs the real az in to the aksnet server at endpoint, whose state
// directory is stateDir, as eval "$(aksnet az-env)" does (azenv.Setup with
// the admin principal the server wrote there), and returns the environment
// to run az in: the caller's, with az's configuration directory, CA bundle
// and separate HOME, and without KUBECONFIG, so that az aks get-credentials
// merges into that HOME's ~/.kube/config. It skips t as NeedAz does.
func AzEnv(t testing.TB, stateDir, endpoint string) []string {
	t.Helper()
	NeedAz(t)
	creds, err := statedir.LoadCredentials(stateDir)
	if err != nil {
		t.Fatalf("the server's credentials: %v", err)
	}
	env, err := azenv.Setup(t.Context(), azenv.Options{StateDir: stateDir, Endpoint: endpoint,
		TenantID: creds.TenantID, AppID: creds.AppID, Password: creds.Password})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, kv := range env.Apply(os.Environ()) {
		if !strings.HasPrefix(kv, "KUBECONFIG=") {
			out = append(out, kv)
		}
	}
	return out
}
