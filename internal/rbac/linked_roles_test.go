package rbac

import "testing"

// The actions ARM checks on linked resources (arm.Link) are granted by the
// built-in roles as in Azure's published definitions: Network Contributor
// has Microsoft.Network/*, Managed Identity Operator has
// Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action,
// Contributor and Owner have *, and Reader has only */read.
func TestBuiltIns_LinkedActions(t *testing.T) {
	const (
		joinSubnet = "Microsoft.Network/virtualNetworks/subnets/join/action"
		joinRT     = "Microsoft.Network/routeTables/join/action"
		joinNSG    = "Microsoft.Network/networkSecurityGroups/join/action"
		assign     = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
	)
	for _, tc := range []struct {
		role    string
		granted map[string]bool
	}{
		{"Owner", map[string]bool{joinSubnet: true, joinRT: true, joinNSG: true, assign: true}},
		{"Contributor", map[string]bool{joinSubnet: true, joinRT: true, joinNSG: true, assign: true}},
		{"Network Contributor", map[string]bool{joinSubnet: true, joinRT: true, joinNSG: true, assign: false}},
		{"Managed Identity Operator", map[string]bool{joinSubnet: false, joinRT: false, joinNSG: false, assign: true}},
		{"Reader", map[string]bool{joinSubnet: false, joinRT: false, joinNSG: false, assign: false}},
		{"User Access Administrator", map[string]bool{joinSubnet: false, joinRT: false, joinNSG: false, assign: false}},
	} {
		d, ok := BuiltInByName(tc.role)
		if !ok {
			t.Fatalf("no built-in role %q", tc.role)
		}
		for action, want := range tc.granted {
			if got := d.Allows(action); got != want {
				t.Errorf("%s allows %s: %v, want %v", tc.role, action, got, want)
			}
		}
	}
}
