package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
)

// azAndAksnet runs the same command line with the real az and with aksnet
// against one server.
type azAndAksnet struct {
	t      *testing.T
	bin    string
	env    []string
	aksEnv []string
}

// startAzAndAksnet builds aksnet, starts a server and signs the real az in
// to it, each with its own environment.
func startAzAndAksnet(t *testing.T) azAndAksnet {
	t.Helper()
	bin := buildForAz(t)
	e := armtest.Start(t)
	return azAndAksnet{t: t, bin: bin, env: armtest.AzEnv(t, e.StateDir, e.URL),
		aksEnv: append(os.Environ(), "AKSNET_ENDPOINT="+e.URL, "AKSNET_STATE_DIR="+e.StateDir)}
}

func (x azAndAksnet) run(name string, env []string, args ...string) []byte {
	x.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		x.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes()
}

func (x azAndAksnet) az(args ...string) []byte     { return x.run("az", x.env, args...) }
func (x azAndAksnet) aksnet(args ...string) []byte { return x.run(x.bin, x.aksEnv, args...) }

// sameKeys checks that aksnet's JSON (ours) prints only keys az's prints,
// with the same casing and shape, and every key az prints with a value.
func sameKeys(t *testing.T, az, ours []byte, byAPIVersion map[string]bool) {
	t.Helper()
	azAll, azSet := keyPaths(t, az)
	ourAll, ourSet := keyPaths(t, ours)
	for k := range byAPIVersion {
		delete(azAll, k)
		delete(azSet, k)
		delete(ourAll, k)
		delete(ourSet, k)
	}
	var extra, missing []string
	for k := range ourAll {
		if !azAll[k] {
			extra = append(extra, k)
		}
	}
	for k := range azSet {
		if !ourSet[k] && !ourAll[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	if len(extra) > 0 {
		t.Errorf("aksnet prints keys az doesn't (casing or shape differs): %v", extra)
	}
	if len(missing) > 0 {
		t.Errorf("az prints keys with values that aksnet lacks: %v", missing)
	}
}

// keyPaths lists the key paths of a JSON document ("a.b[].c"), with the
// paths whose value is null or empty marked, so that keys az prints as null
// for model attributes aksnet doesn't model can be told apart.
func keyPaths(t *testing.T, raw []byte) (all, set map[string]bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	all, set = map[string]bool{}, map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				if prefix == "" && (k == "tags" || k == "userAssignedIdentities") {
					// User data: only the key itself is compared.
					all[k] = true
					if c != nil {
						set[k] = true
					}
					continue
				}
				p := strings.TrimPrefix(prefix+"."+k, ".")
				all[p] = true
				if c != nil {
					set[p] = true
				}
				walk(p, c)
			}
		case []any:
			for _, c := range t {
				walk(prefix+"[]", c)
			}
		}
	}
	walk("", v)
	return all, set
}

// byAPIVersion lists, per command group, the keys the server shows or not by the api-version a client
// asks for (arm.VersionedFields): az 2.45 reads clusters at an older api-version than aksnet's CLI, so
// it sees dockerBridgeCidr (before 2023-04-01) and not supportPlan (from 2023-05-01) or
// autoUpgradeProfile.nodeOSUpgradeChannel (from 2023-06-01). Both sides are
// checked per api-version in containerservice's TestCluster_VersionedFields.
var byAPIVersion = map[string]map[string]bool{
	"aks": {"supportPlan": true, "networkProfile.dockerBridgeCidr": true, "autoUpgradeProfile.nodeOsUpgradeChannel": true},
}

// TestIntegrationGoldenAgainstAz compares aksnet's output with the real az's
// for the same resources: every key aksnet prints is one az prints, with the
// same casing, and every key az prints with a value is one aksnet prints.
func TestIntegrationGoldenAgainstAz(t *testing.T) {
	x := startAzAndAksnet(t)
	g := []string{"-g", "rg"}
	x.aksnet("group", "create", "-n", "rg", "-l", "eastus", "-o", "none")
	x.aksnet("network", "vnet", "create", "-g", "rg", "-n", "vnet", "--address-prefixes", "192.168.0.0/16", "--subnet-name", "s1", "--subnet-prefix", "192.168.1.0/24", "-o", "none")
	x.aksnet("network", "route-table", "create", "-g", "rg", "-n", "rt", "-o", "none")
	x.aksnet("network", "route-table", "route", "create", "-g", "rg", "--route-table-name", "rt", "-n", "r1", "--address-prefix", "10.1.0.0/16", "--next-hop-type", "VirtualAppliance", "--next-hop-ip-address", "192.168.1.100", "-o", "none")
	x.aksnet("network", "nsg", "create", "-g", "rg", "-n", "nsg", "-o", "none")
	x.aksnet("identity", "create", "-g", "rg", "-n", "myIdentity", "-o", "none")
	sub := strings.TrimSpace(string(x.aksnet("network", "vnet", "subnet", "show", "-g", "rg", "--vnet-name", "vnet", "-n", "s1", "--query", "id", "-o", "tsv")))
	x.aksnet("aks", "create", "-g", "rg", "-n", "aks", "--network-plugin", "kubenet", "--vnet-subnet-id", sub, "--node-count", "1", "--generate-ssh-keys", "-o", "none")
	cases := [][]string{
		{"group", "show", "-n", "rg"},
		{"network", "vnet", "show", "-n", "vnet"},
		{"network", "vnet", "subnet", "show", "--vnet-name", "vnet", "-n", "s1"},
		{"network", "route-table", "show", "-n", "rt"},
		{"network", "route-table", "route", "show", "--route-table-name", "rt", "-n", "r1"},
		{"network", "nsg", "show", "-n", "nsg"},
		{"identity", "show", "-n", "myIdentity"},
		{"aks", "show", "-n", "aks"},
	}
	for _, c := range cases {
		args := append(append([]string{}, c...), g...)
		if c[0] == "group" {
			args = c
		}
		t.Run(strings.Join(c[:len(c)-2], "_"), func(t *testing.T) {
			sameKeys(t, x.az(append(args, "-o", "json")...), x.aksnet(append(args, "-o", "json")...), byAPIVersion[c[0]])
			azID := strings.TrimSpace(string(x.az(append(args, "--query", "id", "-o", "tsv")...)))
			ourID := strings.TrimSpace(string(x.aksnet(append(args, "--query", "id", "-o", "tsv")...)))
			if azID != ourID {
				t.Errorf("--query id -o tsv: az %q, aksnet %q", azID, ourID)
			}
		})
	}
}
