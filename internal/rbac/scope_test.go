package rbac

import "testing"

func TestNormalizeScope(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/subscriptions/s", "/subscriptions/s"},
		{"/subscriptions/s/", "/subscriptions/s"},
		{"/subscriptions/s///", "/subscriptions/s"},
		{"/subscriptions/S/resourceGroups/RG", "/subscriptions/S/resourceGroups/RG"},
		{"/", "/"},
		{"///", "/"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeScope(tt.in); got != tt.want {
			t.Errorf("NormalizeScope(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScopeContains(t *testing.T) {
	// The scopes are authorize_test.go's.
	sub, rg, vnet, subnet := testSub, testRG, testVNet, testSubnet
	tests := []struct {
		name       string
		scope, rid string
		want       bool
	}{
		{"root contains subscription", "/", sub, true},
		{"root contains root", "/", "/", true},
		{"root contains anything", "/", "whatever", true},
		{"subscription contains itself", sub, sub, true},
		{"subscription contains group", sub, rg, true},
		{"subscription contains subnet", sub, subnet, true},
		{"group contains subnet", rg, subnet, true},
		{"vnet contains subnet", vnet, subnet, true},
		{"subnet contains itself", subnet, subnet, true},
		{"subnet contains its extension resource", subnet, subnet + "/providers/Microsoft.Authorization/roleAssignments/x", true},
		{"case-insensitive", "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/resourcegroups/myresourcegroup", subnet, true},
		{"trailing slash on scope", rg + "/", subnet, true},
		{"trailing slash on id", rg, rg + "/", true},
		{"sibling group with longer name", rg, sub + "/resourceGroups/myResourceGroup2", false},
		{"sibling group with longer name, below", rg, sub + "/resourceGroups/myResourceGroup2/providers/Microsoft.Network/virtualNetworks/v", false},
		{"child does not contain parent", subnet, vnet, false},
		{"group does not contain subscription", rg, sub, false},
		{"other subscription", "/subscriptions/other", rg, false},
		{"subnet does not contain sibling subnet", subnet, vnet + "/subnets/myAKSSubnet2", false},
		{"empty scope contains nothing", "", sub, false},
		{"subscription does not contain root", sub, "/", false},
		{"subscription does not contain empty", sub, "", false},
	}
	for _, tt := range tests {
		if got := ScopeContains(tt.scope, tt.rid); got != tt.want {
			t.Errorf("%s: ScopeContains(%q, %q) = %v, want %v", tt.name, tt.scope, tt.rid, got, tt.want)
		}
	}
}

func TestAssignmentID(t *testing.T) {
	tests := []struct{ scope, name, want string }{
		{"/subscriptions/s/resourceGroups/rg", "n", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/n"},
		{"/subscriptions/s/", "n", "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/n"},
		{"/", "n", "/providers/Microsoft.Authorization/roleAssignments/n"},
	}
	for _, tt := range tests {
		if got := AssignmentID(tt.scope, tt.name); got != tt.want {
			t.Errorf("AssignmentID(%q, %q) = %q, want %q", tt.scope, tt.name, got, tt.want)
		}
	}
}
