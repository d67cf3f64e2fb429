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
