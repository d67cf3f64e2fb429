package rbac

import "testing"

func TestActionFor(t *testing.T) {
	const (
		subnet = "Microsoft.Network/virtualNetworks/subnets"
		rg     = "Microsoft.Resources/subscriptions/resourceGroups"
		ra     = "Microsoft.Authorization/roleAssignments"
		mc     = "Microsoft.ContainerService/managedClusters"
	)
	tests := []struct {
		method, resourceType string
		isAction             bool
		actionName           string
		want                 string
	}{
		{"GET", subnet, false, "", subnet + "/read"},
		{"HEAD", rg, false, "", rg + "/read"},
		{"get", subnet, false, "", subnet + "/read"},
		{"PUT", ra, false, "", ra + "/write"},
		{"PATCH", mc, false, "", mc + "/write"},
		{"DELETE", rg, false, "", rg + "/delete"},
		{"POST", mc, true, "listClusterUserCredential", mc + "/listClusterUserCredential/action"},
		{"POST", "Microsoft.Network/virtualNetworks", true, "join", "Microsoft.Network/virtualNetworks/join/action"},
		{"POST", mc, true, "", mc + "/action"},
		{"POST", mc, false, "", mc + "/action"},
		{"PUT", subnet + "/", false, "", subnet + "/write"},
		{"OPTIONS", subnet, false, "", ""},
		{"", subnet, false, "", ""},
	}
	for _, tt := range tests {
		if got := ActionFor(tt.method, tt.resourceType, tt.isAction, tt.actionName); got != tt.want {
			t.Errorf("ActionFor(%q, %q, %v, %q) = %q, want %q", tt.method, tt.resourceType, tt.isAction, tt.actionName, got, tt.want)
		}
	}
}

// TestActionFor_Roles ties request mapping to role semantics: what a request
// needs must be what the built-in roles grant.
func TestActionFor_Roles(t *testing.T) {
	nc, _ := BuiltInByName("Network Contributor")
	reader, _ := BuiltInByName("Reader")
	contributor, _ := BuiltInByName("Contributor")
	tests := []struct {
		role   RoleDefinition
		action string
		want   bool
	}{
		{nc, ActionFor("PUT", "Microsoft.Network/routeTables/routes", false, ""), true},
		{nc, ActionFor("GET", "Microsoft.Resources/subscriptions/resourceGroups", false, ""), true},
		{nc, ActionFor("DELETE", "Microsoft.Resources/subscriptions/resourceGroups", false, ""), false},
		{reader, ActionFor("GET", "Microsoft.ContainerService/managedClusters", false, ""), true},
		{reader, ActionFor("HEAD", "Microsoft.Resources/subscriptions/resourceGroups", false, ""), true},
		{reader, ActionFor("PUT", "Microsoft.ContainerService/managedClusters", false, ""), false},
		{contributor, ActionFor("PUT", "Microsoft.Authorization/roleAssignments", false, ""), false},
		{contributor, ActionFor("DELETE", "Microsoft.Authorization/roleAssignments", false, ""), false},
		{contributor, ActionFor("GET", "Microsoft.Authorization/roleAssignments", false, ""), true},
		{contributor, ActionFor("OPTIONS", "Microsoft.Network/virtualNetworks", false, ""), false},
	}
	for _, tt := range tests {
		if got := tt.role.Allows(tt.action); got != tt.want {
			t.Errorf("%s allows %q = %v, want %v", tt.role.RoleName, tt.action, got, tt.want)
		}
	}
}
