package rbac_test

import (
	"fmt"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/rbac"
)

func ExampleAuthorizer_Check() {
	const (
		subnet    = "/subscriptions/s/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet"
		principal = "b39f8f85-4b70-4a83-87c3-41b02f3a86eb"
	)
	a := rbac.NewAuthorizer([]rbac.Assignment{{
		Name:             "96291bca-61a2-4141-b027-b32bee16a3fe",
		Scope:            subnet,
		RoleDefinitionID: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7",
		PrincipalID:      principal,
	}}, rbac.BuiltInByID)

	join := rbac.ActionFor("POST", "Microsoft.Network/virtualNetworks/subnets", true, "join")
	fmt.Println(join, a.Check(principal, join, subnet) == nil)

	err := a.Check(principal, rbac.ActionFor("PUT", "Microsoft.ContainerService/managedClusters", false, ""), "/subscriptions/s/resourceGroups/myResourceGroup")
	e, _ := azerr.As(err)
	fmt.Println(e.Status, e.Code)
	// Output:
	// Microsoft.Network/virtualNetworks/subnets/join/action true
	// 403 AuthorizationFailed
}

func ExampleMatchAction() {
	fmt.Println(rbac.MatchAction("Microsoft.Authorization/*/read", "microsoft.authorization/roleAssignments/read"))
	fmt.Println(rbac.MatchAction("*/read", "Microsoft.Network/routeTables/write"))
	fmt.Println(rbac.MatchAction("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"))
	// Output:
	// true
	// false
	// true
}

func ExampleParseAssignmentFilter() {
	f, _ := rbac.ParseAssignmentFilter("atScope()")
	scope := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/sn"
	for _, a := range []rbac.Assignment{
		{Name: "on the group", Scope: "/subscriptions/s/resourceGroups/rg"},
		{Name: "on the subnet", Scope: scope},
		{Name: "on another group", Scope: "/subscriptions/s/resourceGroups/rg2"},
	} {
		fmt.Println(a.Name, f.Matches(a, scope))
	}
	_, err := rbac.ParseAssignmentFilter("principalId ne 'x'")
	fmt.Println(azerr.CodeOf(err))
	// Output:
	// on the group true
	// on the subnet true
	// on another group false
	// UnsupportedQuery
}
