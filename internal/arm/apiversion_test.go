package arm

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
)

func TestTypeServes(t *testing.T) {
	net := NamespaceVersions("Microsoft.Network")
	for _, tc := range []struct {
		v, ns string
		vs    []string
		want  bool
	}{
		{"2022-01-01", "Microsoft.Network", net, true},  // az 2.45
		{"2024-05-01", "Microsoft.Network", net, true},  // armnetwork/v6
		{"2022-01-02", "Microsoft.Network", net, false}, // never published
		{"2019-05-05", "Microsoft.Network", net, false}, // inside the range, unknown
		{"2027-01-01", "Microsoft.Network", net, true},  // newer than the list: a newer client
		{"2021-04-01", "Microsoft.Resources", armVersions, true},
		{"2024-05-01", "Microsoft.Resources", armVersions, true}, // a served namespace's version
		{"2016-03-31", "Microsoft.Resources", armVersions, false},
		{"2016-03-30", "Microsoft.ContainerService", NamespaceVersions("Microsoft.ContainerService"), true}, // az 2.45's operation polls
		{"2022-11-01", "Microsoft.ContainerService", NamespaceVersions("Microsoft.ContainerService"), true},
		{"2020-04-01-preview", "Microsoft.Authorization", NamespaceVersions("Microsoft.Authorization"), true},
		{"2018-01-01-preview", "Microsoft.Authorization", NamespaceVersions("Microsoft.Authorization"), true},
		{"2022-01-31-preview", "Microsoft.ManagedIdentity", NamespaceVersions("Microsoft.ManagedIdentity"), true},
		{"2024-05-01", "Microsoft.ManagedIdentity", NamespaceVersions("Microsoft.ManagedIdentity"), false},
		{"2020-01-01", "Microsoft.Unknown", nil, true},
		// az 2.91 (e2e/az291's install): network's aaz vnet and route
		// table, AKS's SDK default, resources, identities, role
		// assignments.
		{"2025-07-01", "Microsoft.Network", net, true},
		{"2025-09-01", "Microsoft.Network", net, true},
		{"2026-03-02-preview", "Microsoft.ContainerService", NamespaceVersions("Microsoft.ContainerService"), true},
		{"2025-04-01", "Microsoft.Resources", armVersions, true},
		{"2025-11-01", "Microsoft.Resources", armVersions, true},
		{"2025-05-31-preview", "Microsoft.ManagedIdentity", NamespaceVersions("Microsoft.ManagedIdentity"), true},
		{"2022-04-01", "Microsoft.Authorization", NamespaceVersions("Microsoft.Authorization"), true},
		// terraform azurerm's go-azure-sdk (the azurerm e2e/terraform builds,
		// its imports): AKS, network, compute, resource groups, providers,
		// role assignments and definitions, identities.
		{"2025-10-01", "Microsoft.ContainerService", NamespaceVersions("Microsoft.ContainerService"), true},
		{"2026-04-01", "Microsoft.ContainerService", NamespaceVersions("Microsoft.ContainerService"), true},
		{"2023-04-02-preview", "Microsoft.ContainerService", NamespaceVersions("Microsoft.ContainerService"), true},
		{"2025-01-01", "Microsoft.Network", net, true},
		{"2023-11-01", "Microsoft.Network", net, true},
		{"2023-09-01", "Microsoft.Network", net, true},
		{"2025-04-01", "Microsoft.Compute", NamespaceVersions("Microsoft.Compute"), true},
		{"2023-07-01", "Microsoft.Resources", armVersions, true},
		{"2022-09-01", "Microsoft.Resources", armVersions, true},
		{"2015-11-01", "Microsoft.Resources", armVersions, true},
		{"2022-05-01-preview", "Microsoft.Authorization", NamespaceVersions("Microsoft.Authorization"), true},
		{"2024-11-30", "Microsoft.ManagedIdentity", NamespaceVersions("Microsoft.ManagedIdentity"), true},
	} {
		if got := typeServes(tc.v, tc.ns, tc.vs); got != tc.want {
			t.Errorf("typeServes(%s, %s) = %v, want %v", tc.v, tc.ns, got, tc.want)
		}
	}
}

// ARM's two answers (Azure/azure-cli#28496 and #28038): a provider's type
// lists its versions oldest first with ", " and the locations; ARM's own
// types list theirs newest first with ",".
func TestCheckTypeVersion_Messages(t *testing.T) {
	err := checkTypeVersion("2019-05-05", "Microsoft.Network", "networkInterfaces", NamespaceVersions("Microsoft.Network"), "eastus")
	e, ok := azerr.As(err)
	if !ok || e.Code != "NoRegisteredProviderFound" || e.Status != 400 ||
		!strings.HasPrefix(e.Message, "No registered resource provider found for location 'eastus' and API version '2019-05-05' for type 'networkInterfaces'. The supported api-versions are '2014-12-01-preview, 2015-05-01-preview, 2015-06-15, ") ||
		!strings.Contains(e.Message, "'. The supported locations are 'eastus, eastus2, ") {
		t.Errorf("network: %v", err)
	}
	err = checkTypeVersion("2016-03-31", "Microsoft.Resources", "subscriptions/resourceGroups", armVersions, "")
	e, ok = azerr.As(err)
	if !ok || e.Code != "InvalidApiVersionParameter" || e.Target != "api-version" ||
		!strings.HasPrefix(e.Message, "The api-version '2016-03-31' is invalid. The supported versions are '2025-04-01,2025-03-01,") {
		t.Errorf("resources: %v", err)
	}
	if err := checkTypeVersion("2024-05-01", "Microsoft.Network", "virtualNetworks", NamespaceVersions("Microsoft.Network"), ""); err != nil {
		t.Errorf("served version refused: %v", err)
	}
}

func TestParseProviderPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
		want providerPath
	}{
		{"/providers", true, providerPath{}},
		{"/providers/Microsoft.Network", true, providerPath{namespace: "Microsoft.Network"}},
		{"/subscriptions/s/providers", true, providerPath{sub: "s"}},
		{"/subscriptions/s/providers/Microsoft.Network", true, providerPath{sub: "s", namespace: "Microsoft.Network"}},
		{"/subscriptions/s/providers/Microsoft.Network/register", true, providerPath{sub: "s", namespace: "Microsoft.Network", action: "register"}},
		{"/subscriptions/s/providers/Microsoft.Network/UNREGISTER", true, providerPath{sub: "s", namespace: "Microsoft.Network", action: "unregister"}},
		{"/subscriptions/s/providers/Microsoft.Network/virtualNetworks", false, providerPath{}},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network", false, providerPath{}},
		{"/providers/Microsoft.Network/register", false, providerPath{}},
		{"/subscriptions/s", false, providerPath{}},
	} {
		got, ok := parseProviderPath(tc.path)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parseProviderPath(%q) = %+v, %v; want %+v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}

// A scale set VM's network interfaces are the network RP's under
// Microsoft.Compute's path: either namespace's versions serve them (az
// 2.45's vmss nic list sends 2016-03-30, az 2.91's 2023-09-01,
// armnetwork/v6 2018-10-01, the network RP's own 2024-05-01).
func TestAPIVersionList_ScaleSetNICs(t *testing.T) {
	reg := NewRegistry()
	nic := &Kind{Type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces"}
	vmss := &Kind{Type: "Microsoft.Compute/virtualMachineScaleSets"}
	reg.Register(nic)
	reg.Register(vmss)
	for _, v := range []string{"2016-03-30", "2023-09-01", "2018-10-01", "2024-05-01", "2022-01-01"} {
		if !typeServes(v, "Microsoft.Compute", nic.APIVersionList()) {
			t.Errorf("scale set NICs refuse %s", v)
		}
	}
	if typeServes("2024-05-01", "Microsoft.Compute", vmss.APIVersionList()) {
		t.Error("scale sets serve the network RP's 2024-05-01")
	}
}

// BenchmarkTypeServes: the per-request cost of the api-version check, for
// a listed version and for the slowest case, a group read with another
// namespace's version.
func BenchmarkTypeServes(b *testing.B) {
	net := NamespaceVersions("Microsoft.Network")
	b.Run("listed", func(b *testing.B) {
		for b.Loop() {
			typeServes("2024-05-01", "Microsoft.Network", net)
		}
	})
	b.Run("group-with-network-version", func(b *testing.B) {
		for b.Loop() {
			typeServes("2024-05-01", "Microsoft.Resources", armVersions)
		}
	})
}
