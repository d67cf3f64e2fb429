package rbac

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuiltIns_IDsAndNames(t *testing.T) {
	want := map[string]string{
		"Owner":                     "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
		"Contributor":               "b24988ac-6180-42a0-ab88-20f7382dd24c",
		"Reader":                    "acdd72a7-3385-48ef-bd42-f606fba81ae7",
		"User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
		"Network Contributor":       "4d97b98b-1d4f-4787-a291-c67834d212e7",
		"Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
		"Azure Kubernetes Service Contributor Role":        "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
		"Azure Kubernetes Service Cluster Admin Role":      "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
		"Azure Kubernetes Service Cluster User Role":       "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
		"Azure Kubernetes Service Cluster Monitoring User": "1afdec4b-e479-420e-99e7-f82237c7c5e6",
	}
	got := map[string]string{}
	for _, d := range BuiltIns() {
		if _, dup := got[d.RoleName]; dup {
			t.Errorf("role name %q appears twice", d.RoleName)
		}
		got[d.RoleName] = d.ID
		if d.RoleType != RoleTypeBuiltIn {
			t.Errorf("%s: RoleType = %q, want %q", d.RoleName, d.RoleType, RoleTypeBuiltIn)
		}
		if diff := cmp.Diff([]string{"/"}, d.AssignableScopes); diff != "" {
			t.Errorf("%s: AssignableScopes (-want +got):\n%s", d.RoleName, diff)
		}
		if !IsGUID(d.ID) {
			t.Errorf("%s: ID %q is not a GUID", d.RoleName, d.ID)
		}
		if d.Description == "" || len(d.Permissions) == 0 {
			t.Errorf("%s: missing description or permissions", d.RoleName)
		}
		for _, p := range d.Permissions {
			if p.NotActions == nil || p.DataActions == nil || p.NotDataActions == nil {
				t.Errorf("%s: nil permission list; want empty lists, as ARM returns []", d.RoleName)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("built-in roles (-want +got):\n%s", diff)
	}
}

// TestBuiltIns_NetworkContributor compares the built-in with Azure's
// published definition (testdata/network-contributor.json, as listed in
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking).
func TestBuiltIns_NetworkContributor(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "network-contributor.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The published fields decode by name (ignoring case); its id is the
	// full role definition id, whose GUID is the built-in's ID.
	var want RoleDefinition
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	want.ID, _ = RoleDefinitionGUID(want.ID)
	d, ok := BuiltInByID(NetworkContributorRoleID)
	if !ok {
		t.Fatal("Network Contributor not found")
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Network Contributor (-published +built-in):\n%s", diff)
	}
}

func TestBuiltIns_ReturnsCopies(t *testing.T) {
	first := BuiltIns()
	first[0].Permissions[0].Actions[0] = "changed"
	first[0].AssignableScopes[0] = "changed"
	first[0].RoleName = "changed"
	byName, _ := BuiltInByName("Owner")
	byName.Permissions[0].Actions[0] = "changed too"

	owner, ok := BuiltInByID(OwnerRoleID)
	if !ok {
		t.Fatal("Owner not found")
	}
	if owner.RoleName != "Owner" || owner.Permissions[0].Actions[0] != "*" || owner.AssignableScopes[0] != "/" {
		t.Errorf("mutating a returned role changed the package's copy: %+v", owner)
	}
}

// TestBuiltInLookups: built-ins are found by role name, ignoring case but
// not spacing, and by id, bare (any case) or as a role definition id.
func TestBuiltInLookups(t *testing.T) {
	tests := []struct {
		by      string
		lookup  func(string) (RoleDefinition, bool)
		found   map[string]string // input: the role's id
		missing []string
	}{
		{"name", BuiltInByName, map[string]string{
			"Network Contributor": NetworkContributorRoleID,
			"network contributor": NetworkContributorRoleID,
			"NETWORK CONTRIBUTOR": NetworkContributorRoleID,
			"Owner":               OwnerRoleID,
			"azure kubernetes service contributor role": AKSContributorRoleID,
		}, []string{"Network  Contributor", "Network", ""}},
		{"id", BuiltInByID, map[string]string{
			"4d97b98b-1d4f-4787-a291-c67834d212e7": NetworkContributorRoleID,
			"4D97B98B-1D4F-4787-A291-C67834D212E7": NetworkContributorRoleID,
			"/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7": NetworkContributorRoleID,
			"/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7":                 ReaderRoleID,
		}, []string{"00000000-0000-0000-0000-000000000000", "Reader", ""}},
	}
	for _, tt := range tests {
		for in, wantID := range tt.found {
			if d, ok := tt.lookup(in); !ok || d.ID != wantID {
				t.Errorf("BuiltIn by %s %q = %q, %v; want %q", tt.by, in, d.ID, ok, wantID)
			}
		}
		for _, in := range tt.missing {
			if d, ok := tt.lookup(in); ok {
				t.Errorf("BuiltIn by %s %q = %q; want not found", tt.by, in, d.ID)
			}
		}
	}
}

func TestRoleDefinitionGUID(t *testing.T) {
	const g = "4d97b98b-1d4f-4787-a291-c67834d212e7"
	tests := []struct {
		ref    string
		want   string
		wantOK bool
	}{
		{g, g, true},
		{"4D97B98B-1D4F-4787-A291-C67834D212E7", g, true},
		{"/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/providers/Microsoft.Authorization/roleDefinitions/" + g, g, true},
		{"/subscriptions/S/providers/microsoft.authorization/roledefinitions/" + g, g, true},
		{"/providers/Microsoft.Authorization/roleDefinitions/" + g, g, true},
		{"/providers/Microsoft.Authorization/roleDefinitions/" + g + "/", g, true},
		{"/subscriptions/S/resourceGroups/rg/providers/Microsoft.Authorization/roleDefinitions/" + g, g, true},
		{"/subscriptions/S/providers/Microsoft.Authorization/roleAssignments/" + g, "", false},
		{"/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/Network Contributor", "", false},
		{"/providers/Microsoft.Authorization/roleDefinitions/", "", false},
		{"roleDefinitions/" + g, "", false},
		{"not-a-guid", "", false},
		{"/", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := RoleDefinitionGUID(tt.ref)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("RoleDefinitionGUID(%q) = %q, %v; want %q, %v", tt.ref, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRoleDefinitionID(t *testing.T) {
	if got, want := RoleDefinitionID("sub", NetworkContributorRoleID), "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/"+NetworkContributorRoleID; got != want {
		t.Errorf("RoleDefinitionID(sub) = %q, want %q", got, want)
	}
	if got, want := RoleDefinitionID("", OwnerRoleID), "/providers/Microsoft.Authorization/roleDefinitions/"+OwnerRoleID; got != want {
		t.Errorf("RoleDefinitionID(\"\") = %q, want %q", got, want)
	}
}

// Actions the built-in role tests ask about.
const (
	routeTableWrite = "Microsoft.Network/routeTables/write"
	clusterWrite    = "Microsoft.ContainerService/managedClusters/write"
	clusterRead     = "Microsoft.ContainerService/managedClusters/read"
	clusterDelete   = "Microsoft.ContainerService/managedClusters/delete"
	raWrite         = "Microsoft.Authorization/roleAssignments/write"
	raRead          = "Microsoft.Authorization/roleAssignments/read"
	raDelete        = "Microsoft.Authorization/roleAssignments/delete"
	rgRead          = "Microsoft.Resources/subscriptions/resourceGroups/read"
	rgWrite         = "Microsoft.Resources/subscriptions/resourceGroups/write"
	idAssign        = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
	idRead          = "Microsoft.ManagedIdentity/userAssignedIdentities/read"
	idWrite         = "Microsoft.ManagedIdentity/userAssignedIdentities/write"
	elevate         = "Microsoft.Authorization/elevateAccess/Action"
	deployWrite     = "Microsoft.Resources/deployments/write"
	// The actions ARM checks on linked resources (arm.Link).
	joinRT  = "Microsoft.Network/routeTables/join/action"
	joinNSG = "Microsoft.Network/networkSecurityGroups/join/action"
)

// TestBuiltIns_Grants pins what each built-in role means for the actions
// aksnet cares about. The actions ARM checks on linked resources (arm.Link)
// are granted as in Azure's published definitions: Network Contributor has
// Microsoft.Network/*, Managed Identity Operator has
// Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action,
// Contributor and Owner have *, and Reader has only */read. The actions
// ActionFor maps requests to are what the roles grant.
func TestBuiltIns_Grants(t *testing.T) {
	tests := []struct {
		role  string
		allow []string
		deny  []string
	}{
		{
			role:  "Owner",
			allow: []string{subnetJoin, clusterWrite, raWrite, raDelete, elevate, idAssign, joinRT, joinNSG},
		},
		{
			role: "Contributor",
			allow: []string{subnetJoin, subnetRead, routeTableWrite, clusterWrite, clusterDelete, raRead, rgWrite, idAssign, joinRT, joinNSG,
				ActionFor("GET", "Microsoft.Authorization/roleAssignments", false, "")},
			deny: []string{raWrite, raDelete, elevate, "Microsoft.Authorization/roleDefinitions/write", "Microsoft.Subscription/cancel/action",
				ActionFor("PUT", "Microsoft.Authorization/roleAssignments", false, ""),
				ActionFor("DELETE", "Microsoft.Authorization/roleAssignments", false, ""),
				ActionFor("OPTIONS", "Microsoft.Network/virtualNetworks", false, "")},
		},
		{
			role: "Reader",
			allow: []string{subnetRead, clusterRead, raRead, rgRead, idRead,
				ActionFor("GET", "Microsoft.ContainerService/managedClusters", false, ""),
				ActionFor("HEAD", "Microsoft.Resources/subscriptions/resourceGroups", false, "")},
			deny: []string{subnetJoin, routeTableWrite, clusterWrite, raWrite, idAssign, joinRT, joinNSG,
				ActionFor("PUT", "Microsoft.ContainerService/managedClusters", false, "")},
		},
		{
			role:  "User Access Administrator",
			allow: []string{raWrite, raDelete, raRead, subnetRead, elevate},
			deny:  []string{subnetJoin, clusterWrite, routeTableWrite, joinRT, joinNSG, idAssign},
		},
		{
			role: "Network Contributor",
			allow: []string{subnetJoin, subnetRead, routeTableWrite, "microsoft.network/routetables/routes/delete", raRead, rgRead, deployWrite, joinRT, joinNSG,
				ActionFor("PUT", "Microsoft.Network/routeTables/routes", false, ""),
				ActionFor("GET", "Microsoft.Resources/subscriptions/resourceGroups", false, "")},
			deny: []string{clusterWrite, clusterRead, raWrite, rgWrite, idAssign, "Microsoft.Compute/virtualMachines/read",
				ActionFor("DELETE", "Microsoft.Resources/subscriptions/resourceGroups", false, "")},
		},
		{
			role:  "Managed Identity Operator",
			allow: []string{idAssign, idRead, "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read", raRead, rgRead},
			deny:  []string{idWrite, "Microsoft.ManagedIdentity/userAssignedIdentities/delete", subnetJoin, raWrite, joinRT, joinNSG},
		},
		{
			role:  "Azure Kubernetes Service Contributor Role",
			allow: []string{clusterRead, clusterWrite, deployWrite},
			deny:  []string{clusterDelete, subnetJoin, raRead, rgRead},
		},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			d, ok := BuiltInByName(tt.role)
			if !ok {
				t.Fatalf("role %q not found", tt.role)
			}
			for _, a := range tt.allow {
				if !d.Allows(a) {
					t.Errorf("%s does not allow %s; want allowed", tt.role, a)
				}
			}
			for _, a := range tt.deny {
				if d.Allows(a) {
					t.Errorf("%s allows %q; want denied", tt.role, a)
				}
			}
		})
	}
}

func TestRoleDefinition_Allows_BlocksAreSeparate(t *testing.T) {
	// A NotAction in one block does not cancel what another block grants.
	d := RoleDefinition{Permissions: []Permission{
		{Actions: []string{"Microsoft.Network/*"}, NotActions: []string{"Microsoft.Network/*/delete"}},
		{Actions: []string{"Microsoft.Network/routeTables/delete"}},
	}}
	if !d.Allows("Microsoft.Network/routeTables/delete") {
		t.Error("routeTables/delete denied; the second block grants it")
	}
	if d.Allows("Microsoft.Network/virtualNetworks/delete") {
		t.Error("virtualNetworks/delete allowed; the first block excludes it and the second does not grant it")
	}
}
