package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
)

// TestIntegrationAzResourceList runs the real az 2.45's generic resource
// and provider commands against aksnet: az resource list with and without
// a group and with --resource-type, --name, --location and --tag (which it
// turns into $filter and $expand=createdTime,changedTime,provisioningState),
// az resource show --ids (which first reads the provider to pick the
// type's newest api-version), and az provider list, show and register
// --wait. Before the generic list was served at the subscription,
// az resource list answered InvalidResourceId.
func TestIntegrationAzResourceList(t *testing.T) {
	x := startAzAndAksnet(t)
	azResourceList(t, x.az)
}

// TestIntegrationAz291ResourceList runs the same commands with az 2.91
// (e2e/az291), whose resource commands send 2025-04-01 and whose network
// ones 2025-07-01.
func TestIntegrationAz291ResourceList(t *testing.T) {
	az := armtest.Az291(t)
	e := armtest.Start(t)
	env := armtest.AzEnvFor(t, az, e.StateDir, e.URL)
	azResourceList(t, func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(az, args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("az %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.Bytes()
	})
}

// azResourceList runs the generic resource and provider commands with the
// az that runAz runs.
func azResourceList(t *testing.T, runAz func(args ...string) []byte) {
	x := struct{ az func(args ...string) []byte }{runAz}
	x.az("group", "create", "-n", "rg-res", "-l", "eastus", "-o", "none")
	x.az("network", "vnet", "create", "-g", "rg-res", "-n", "vnet1", "--address-prefixes", "10.90.0.0/16", "--tags", "team=blue", "-o", "none")
	x.az("network", "route-table", "create", "-g", "rg-res", "-n", "rt1", "-o", "none")

	type item struct {
		ID, Name, Type, Location, ResourceGroup, ProvisioningState, CreatedTime string
		Tags                                                                    map[string]string
	}
	list := func(args ...string) []item {
		t.Helper()
		out := x.az(append([]string{"resource", "list", "-o", "json"}, args...)...)
		var items []item
		if err := json.Unmarshal(out, &items); err != nil {
			t.Fatalf("az resource list %v: %v\n%s", args, err, out)
		}
		return items
	}
	names := func(items []item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Name)
		}
		slices.Sort(out)
		return out
	}

	all := list()
	if got := names(all); !slices.Contains(got, "vnet1") || !slices.Contains(got, "rt1") {
		t.Errorf("az resource list: %v, want vnet1 and rt1", got)
	}
	for _, it := range all {
		if it.Name == "vnet1" && (it.ResourceGroup != "rg-res" || it.Type != "Microsoft.Network/virtualNetworks" || it.ProvisioningState != "Succeeded" || it.CreatedTime == "") {
			t.Errorf("az resource list shows vnet1 as %+v", it)
		}
	}
	if got := names(list("-g", "rg-res", "--resource-type", "Microsoft.Network/virtualNetworks")); !slices.Equal(got, []string{"vnet1"}) {
		t.Errorf("--resource-type: %v", got)
	}
	if got := names(list("-n", "rt1")); !slices.Equal(got, []string{"rt1"}) {
		t.Errorf("--name: %v", got)
	}
	if got := names(list("--tag", "team=blue")); !slices.Equal(got, []string{"vnet1"}) {
		t.Errorf("--tag: %v", got)
	}
	if got := names(list("-g", "rg-res", "-l", "westeurope")); len(got) != 0 {
		t.Errorf("--location westeurope: %v", got)
	}

	var vnetID string
	for _, it := range all {
		if it.Name == "vnet1" {
			vnetID = it.ID
		}
	}
	var shown struct {
		ID         string
		Properties struct {
			AddressSpace struct{ AddressPrefixes []string }
		}
	}
	if err := json.Unmarshal(x.az("resource", "show", "--ids", vnetID, "-o", "json"), &shown); err != nil || shown.ID != vnetID ||
		!slices.Equal(shown.Properties.AddressSpace.AddressPrefixes, []string{"10.90.0.0/16"}) {
		t.Errorf("az resource show --ids %s: %+v %v", vnetID, shown, err)
	}

	var namespaces []string
	if err := json.Unmarshal(x.az("provider", "list", "--query", "[].namespace", "-o", "json"), &namespaces); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"Microsoft.Network", "Microsoft.ContainerService", "Microsoft.Resources"} {
		if !slices.Contains(namespaces, ns) {
			t.Errorf("az provider list lacks %s: %v", ns, namespaces)
		}
	}
	x.az("provider", "register", "-n", "Microsoft.ContainerService", "--wait")
	if state := strings.TrimSpace(string(x.az("provider", "show", "-n", "Microsoft.ContainerService", "--query", "registrationState", "-o", "tsv"))); state != "Registered" {
		t.Errorf("az provider show: registrationState %q", state)
	}

}
