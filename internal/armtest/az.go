package armtest

import (
	"os"
	"os/exec"
	"path/filepath"
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

// RequireAz291Var names the environment variable that turns the skip of a
// test with az 2.91 into a failure when e2e/az291/install.sh has not
// installed it (`make az291` sets it).
const RequireAz291Var = "AKSNET_REQUIRE_AZ291"

// Az291 returns the path of the az 2.91 that e2e/az291/install.sh installed
// (in AKSNET_AZ291_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/aksnet/az291, as
// the script does). It skips t under -short and where the venv is not
// installed, or fails t there when RequireAz291Var is set.
func Az291(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test with the real az 2.91: skipped with -short")
	}
	dir := os.Getenv("AKSNET_AZ291_DIR")
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				t.Fatalf("no home directory to find az 2.91 under: %v", err)
			}
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "aksnet", "az291")
	}
	az := filepath.Join(dir, "venv", "bin", "az")
	_, errAz := os.Stat(az)
	_, errStamp := os.Stat(filepath.Join(dir, "venv", ".aksnet-installed"))
	if errAz != nil || errStamp != nil {
		msg := "az 2.91 is not installed in " + dir + ": run e2e/az291/install.sh (or make az291)"
		if os.Getenv(RequireAz291Var) != "" {
			t.Fatalf("%s, which %s demands", msg, RequireAz291Var)
		}
		t.Skip(msg)
	}
	return az
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
	return AzEnvFor(t, "az", stateDir, endpoint)
}

// AzEnvFor is AzEnv for the az executable az (a name on PATH or a path,
// such as Az291's), which must exist.
func AzEnvFor(t testing.TB, az, stateDir, endpoint string) []string {
	t.Helper()
	creds, err := statedir.LoadCredentials(stateDir)
	if err != nil {
		t.Fatalf("the server's credentials: %v", err)
	}
	env, err := azenv.Setup(t.Context(), azenv.Options{StateDir: stateDir, Endpoint: endpoint,
		TenantID: creds.TenantID, AppID: creds.AppID, Password: creds.Password, Az: az})
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
