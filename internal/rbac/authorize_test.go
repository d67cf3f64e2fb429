package rbac

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

const (
	testSub     = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590"
	testRG      = testSub + "/resourceGroups/myResourceGroup"
	testVNet    = testRG + "/providers/Microsoft.Network/virtualNetworks/myAKSVnet"
	testSubnet  = testVNet + "/subnets/myAKSSubnet"
	testRT      = testRG + "/providers/Microsoft.Network/routeTables/myRT"
	testCluster = testRG + "/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"

	admin   = "11111111-1111-1111-1111-111111111111"
	cluster = "b39f8f85-4b70-4a83-87c3-41b02f3a86eb"
	reader  = "33333333-3333-3333-3333-333333333333"
	nobody  = "44444444-4444-4444-4444-444444444444"
	custom  = "55555555-5555-5555-5555-555555555555"

	customRoleID = "9f0b7c1e-0000-4000-8000-00000000c0de"

	subnetJoin = "Microsoft.Network/virtualNetworks/subnets/join/action"
	subnetRead = "Microsoft.Network/virtualNetworks/subnets/read"
)

// customJoinRole is the minimal custom role the kubenet article allows instead
// of Network Contributor.
var customJoinRole = RoleDefinition{
	ID:       customRoleID,
	RoleName: "Subnet joiner",
	RoleType: RoleTypeCustom,
	Permissions: []Permission{{Actions: []string{
		"Microsoft.Network/virtualNetworks/subnets/join/action",
		"Microsoft.Network/virtualNetworks/subnets/read",
	}}},
	AssignableScopes: []string{testSub},
}

// resolveWithCustom resolves built-ins and customJoinRole.
func resolveWithCustom(guid string) (RoleDefinition, bool) {
	if guid == customRoleID {
		return customJoinRole, true
	}
	return BuiltInByID(guid)
}

func testAssignments() []Assignment {
	return []Assignment{
		{Name: "a1", Scope: testSub, RoleDefinitionID: RoleDefinitionID("0b1f6471-1bf0-4dda-aec3-cb9272f09590", OwnerRoleID), PrincipalID: admin},
		{Name: "a2", Scope: testSubnet, RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/" + NetworkContributorRoleID, PrincipalID: cluster},
		{Name: "a3", Scope: testRG, RoleDefinitionID: ReaderRoleID, PrincipalID: reader},
		{Name: "a4", Scope: testVNet, RoleDefinitionID: RoleDefinitionID("0b1f6471-1bf0-4dda-aec3-cb9272f09590", customRoleID), PrincipalID: custom},
		// Assignments that grant nothing.
		{Name: "a5", Scope: testSub, RoleDefinitionID: "00000000-0000-0000-0000-000000000000", PrincipalID: nobody},
		{Name: "a6", Scope: testSub, RoleDefinitionID: "Owner", PrincipalID: nobody},
		{Name: "a7", Scope: "", RoleDefinitionID: OwnerRoleID, PrincipalID: nobody},
		{Name: "a8", Scope: testSub, RoleDefinitionID: OwnerRoleID, PrincipalID: ""},
	}
}

func TestAuthorizer_Check(t *testing.T) {
	a := NewAuthorizer(testAssignments(), resolveWithCustom)
	tests := []struct {
		name              string
		principal, action string
		resource          string
		want              bool
	}{
		{"owner anywhere in subscription", admin, routeTableWrite, testRT, true},
		{"owner assigns roles", admin, "Microsoft.Authorization/roleAssignments/write", testSubnet + "/providers/Microsoft.Authorization/roleAssignments/x", true},
		{"owner at the subscription itself", admin, "Microsoft.Resources/subscriptions/read", testSub, true},
		{"owner outside subscription", admin, routeTableWrite, "/subscriptions/other/resourceGroups/rg", false},
		{"principal id case-insensitive", "B39F8F85-4B70-4A83-87C3-41B02F3A86EB", subnetJoin, testSubnet, true},
		{"resource id case-insensitive", cluster, subnetJoin, "/SUBSCRIPTIONS/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/myresourcegroup/providers/microsoft.network/virtualnetworks/myaksvnet/subnets/myakssubnet", true},
		{"network contributor joins subnet", cluster, subnetJoin, testSubnet, true},
		{"network contributor reads subnet", cluster, subnetRead, testSubnet, true},
		{"assignment does not reach up to the vnet", cluster, "Microsoft.Network/virtualNetworks/read", testVNet, false},
		{"assignment does not reach a sibling subnet", cluster, subnetJoin, testVNet + "/subnets/myAKSSubnet2", false},
		{"network contributor cannot write a cluster", cluster, "Microsoft.ContainerService/managedClusters/write", testSubnet, false},
		{"reader reads", reader, "Microsoft.ContainerService/managedClusters/read", testCluster, true},
		{"reader cannot write", reader, "Microsoft.ContainerService/managedClusters/write", testCluster, false},
		{"reader outside group", reader, "Microsoft.Resources/subscriptions/read", testSub, false},
		{"custom role joins subnet below vnet", custom, subnetJoin, testSubnet, true},
		{"custom role cannot write route table", custom, routeTableWrite, testRT, false},
		{"unknown role, bad role id, no scope", nobody, subnetRead, testSubnet, false},
		{"no assignments", "66666666-6666-6666-6666-666666666666", subnetRead, testSubnet, false},
		{"empty principal", "", subnetRead, testSubnet, false},
		{"empty action", admin, "", testSubnet, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Check(tt.principal, tt.action, tt.resource)
			if tt.want {
				if err != nil {
					t.Fatalf("Check(%q, %q, %q) = %v, want nil", tt.principal, tt.action, tt.resource, err)
				}
				return
			}
			e, ok := azerr.As(err)
			if !ok {
				t.Fatalf("Check(%q, %q, %q) = %v, want an *azerr.Error", tt.principal, tt.action, tt.resource, err)
			}
			want := &azerr.Error{
				Status: http.StatusForbidden,
				Code:   "AuthorizationFailed",
				Message: fmt.Sprintf("The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
					tt.principal, tt.principal, tt.action, tt.resource),
			}
			if diff := cmp.Diff(want, e); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if a.Allowed(tt.principal, tt.action, tt.resource) {
				t.Error("Allowed = true, disagrees with Check")
			}
		})
	}
}

func TestAuthorizationFailed_Message(t *testing.T) {
	got := AuthorizationFailed("p", "Microsoft.Network/routeTables/write", "/subscriptions/s").Error()
	want := "AuthorizationFailed: The client 'p' with object id 'p' does not have authorization to perform action 'Microsoft.Network/routeTables/write' over scope '/subscriptions/s' or the scope is invalid. If access was recently granted, please refresh your credentials."
	if got != want {
		t.Errorf("error text:\n got %s\nwant %s", got, want)
	}
}

func TestNewAuthorizer_NilResolveMeansBuiltIns(t *testing.T) {
	a := NewAuthorizer(testAssignments(), nil)
	if err := a.Check(cluster, subnetJoin, testSubnet); err != nil {
		t.Errorf("built-in role not resolved: %v", err)
	}
	if err := a.Check(custom, subnetJoin, testSubnet); err == nil {
		t.Error("custom role resolved without a resolver")
	}
}

func TestNewAuthorizer_ResolvesEachRoleOnce(t *testing.T) {
	calls := map[string]int{}
	resolve := func(guid string) (RoleDefinition, bool) {
		calls[guid]++
		return resolveWithCustom(guid)
	}
	var as []Assignment
	for i := 0; i < 50; i++ {
		as = append(as,
			Assignment{Scope: testSub, RoleDefinitionID: ReaderRoleID, PrincipalID: fmt.Sprint("p", i)},
			Assignment{Scope: testSub, RoleDefinitionID: "00000000-0000-0000-0000-000000000000", PrincipalID: fmt.Sprint("p", i)},
		)
	}
	NewAuthorizer(as, resolve)
	want := map[string]int{ReaderRoleID: 1, "00000000-0000-0000-0000-000000000000": 1}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("resolve calls (-want +got):\n%s", diff)
	}
}

func TestNewAuthorizer_KeepsItsOwnCopy(t *testing.T) {
	role := customJoinRole.Clone()
	as := []Assignment{{Scope: testSub, RoleDefinitionID: customRoleID, PrincipalID: custom}}
	a := NewAuthorizer(as, func(string) (RoleDefinition, bool) { return role, true })
	role.Permissions[0].Actions[0] = "nothing"
	as[0].Scope = "/subscriptions/other"
	if err := a.Check(custom, subnetJoin, testSubnet); err != nil {
		t.Errorf("Authorizer changed after its inputs were modified: %v", err)
	}
}

func TestAuthorizer_NilIsDenyAll(t *testing.T) {
	var a *Authorizer
	if err := a.Check(admin, subnetRead, testSubnet); azerr.CodeOf(err) != "AuthorizationFailed" {
		t.Errorf("nil Authorizer: Check = %v, want AuthorizationFailed", err)
	}
}

func TestHasPermissions(t *testing.T) {
	// Permissions from two assignments add up.
	split := []Assignment{
		{Scope: testVNet, RoleDefinitionID: customRoleID, PrincipalID: custom},
		{Scope: testRG, RoleDefinitionID: ReaderRoleID, PrincipalID: reader},
		{Scope: testRT, RoleDefinitionID: NetworkContributorRoleID, PrincipalID: reader},
	}
	tests := []struct {
		name        string
		assignments []Assignment
		principal   string
		scope       string
		actions     []string
		want        bool
	}{
		{"network contributor on subnet", testAssignments(), cluster, testSubnet, []string{subnetJoin, subnetRead}, true},
		{"custom role on vnet", split, custom, testSubnet, []string{subnetJoin, subnetRead}, true},
		{"custom role lacks route table write", split, custom, testRT, []string{routeTableWrite}, false},
		{"one of two actions missing", testAssignments(), reader, testSubnet, []string{subnetRead, subnetJoin}, false},
		{"union of two assignments", split, reader, testRT, []string{"Microsoft.Network/routeTables/read", routeTableWrite}, true},
		{"union does not leak to other scopes", split, reader, testSubnet, []string{subnetRead, subnetJoin}, false},
		{"no actions fails closed", testAssignments(), admin, testSubnet, nil, false},
		{"unknown principal", testAssignments(), nobody, testSubnet, []string{subnetRead}, false},
	}
	for _, tt := range tests {
		got := HasPermissions(tt.assignments, resolveWithCustom, tt.principal, tt.scope, tt.actions...)
		if got != tt.want {
			t.Errorf("%s: HasPermissions = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// benchAssignments returns n assignments: n-1 spread over other principals and
// resource groups, and one for principal that grants Network Contributor on
// subnet.
func benchAssignments(n int, principal, subnet string) []Assignment {
	roles := []string{OwnerRoleID, ContributorRoleID, ReaderRoleID, NetworkContributorRoleID}
	as := make([]Assignment, 0, n)
	for i := 0; i < n-1; i++ {
		as = append(as, Assignment{
			Name:             fmt.Sprintf("%08d-0000-4000-8000-000000000000", i),
			Scope:            fmt.Sprintf("%s/resourceGroups/rg%d", testSub, i),
			RoleDefinitionID: RoleDefinitionID("0b1f6471-1bf0-4dda-aec3-cb9272f09590", roles[i%len(roles)]),
			PrincipalID:      fmt.Sprintf("%08d-1111-4111-8111-111111111111", i%100),
		})
	}
	return append(as, Assignment{Scope: subnet, RoleDefinitionID: NetworkContributorRoleID, PrincipalID: principal})
}

func BenchmarkAuthorizerCheck(b *testing.B) {
	const n = 1000
	as := benchAssignments(n, cluster, testSubnet)
	a := NewAuthorizer(as, nil)
	// A principal with many assignments, all at other scopes: the worst case
	// for a denial.
	busy := "00000007-1111-4111-8111-111111111111"

	b.Run("allowed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Check(cluster, subnetJoin, testSubnet); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("denied-busy-principal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Check(busy, subnetJoin, testSubnet); err == nil {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("denied-unknown-principal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Check(nobody, subnetJoin, testSubnet); err == nil {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("linear-scan-for-comparison", func(b *testing.B) {
		// What Check would cost without the principal index.
		b.ReportAllocs()
		for b.Loop() {
			found := false
			for _, x := range as {
				if x.PrincipalID == cluster && ScopeContains(x.Scope, testSubnet) {
					d, _ := BuiltInByID(x.RoleDefinitionID)
					found = d.Allows(subnetJoin)
				}
			}
			if !found {
				b.Fatal("denied")
			}
		}
	})
}

func BenchmarkNewAuthorizer(b *testing.B) {
	as := benchAssignments(1000, cluster, testSubnet)
	b.ReportAllocs()
	for b.Loop() {
		NewAuthorizer(as, nil)
	}
}
