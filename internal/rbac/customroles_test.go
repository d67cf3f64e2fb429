package rbac

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

const otherSub = "/subscriptions/11111111-2222-4333-8444-555555555555"

func TestParseScope(t *testing.T) {
	const sub = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
	tests := []struct {
		in   string
		want string // subscription; "" for invalid
	}{
		{testSub, sub},
		{testSub + "/", sub},
		{strings.ToUpper(testSub[:14]) + testSub[14:], sub}, // "/SUBSCRIPTIONS/…"
		{testRG, sub},
		{testSub + "/resourcegroups/rg", sub},
		{testVNet, sub},
		{testSubnet, sub},
		{"/", ""},
		{"", ""},
		{"subscriptions/" + sub, ""},
		{"/subscriptions", ""},
		{"/subscriptions/not-a-guid", ""},
		{"/subscriptions/" + sub + "/resourceGroups", ""},
		{"/subscriptions/" + sub + "/resourceGroups//x", ""},
		{"/subscriptions/" + sub + "/resourceGroups/ ", ""},
		{"/subscriptions/" + sub + "/resourceGroups/a\nb", ""},
		{"/subscriptions/" + sub + "/locations/eastus", ""},
		{testRG + "/providers/Microsoft.Network", ""},
		{testRG + "/providers/Microsoft.Network/virtualNetworks", ""},
		{testVNet + "/subnets", ""},
		{"/providers/Microsoft.Management/managementGroups/mg", ""},
		{"/subscriptions/" + sub + "/../" + sub, ""},
	}
	for _, tt := range tests {
		got, ok := ParseScope(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("ParseScope(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestValidateAssignableScopes(t *testing.T) {
	inTenant := func(sub string) bool { return strings.EqualFold(sub, "0b1f6471-1bf0-4dda-aec3-cb9272f09590") }
	tests := []struct {
		name   string
		scopes []string
		want   *azerr.Error
	}{
		{"subscription", []string{testSub}, nil},
		{"group and resource", []string{testRG, testSubnet}, nil},
		{"none", nil, &azerr.Error{Status: http.StatusBadRequest, Code: "MissingAssignableScopes", Target: "properties.assignableScopes",
			Message: "The role definition must have at least one assignable scope."}},
		{"root", []string{testSub, "/"}, &azerr.Error{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId", Target: "properties.assignableScopes[1]",
			Message: "Property id '/' at path 'properties.assignableScopes[1]' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}'."}},
		{"garbage", []string{"Invalid_Scope"}, &azerr.Error{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId", Target: "properties.assignableScopes[0]",
			Message: "Property id 'Invalid_Scope' at path 'properties.assignableScopes[0]' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}'."}},
		{"another tenant's subscription", []string{otherSub + "/resourceGroups/rg"}, &azerr.Error{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId",
			Target:  "properties.assignableScopes[0]",
			Message: "Property id '" + otherSub + "/resourceGroups/rg' at path 'properties.assignableScopes[0]' is invalid: the subscription '11111111-2222-4333-8444-555555555555' is not in this tenant."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAssignableScopes(tt.scopes, inTenant)
			got, _ := azerr.As(err)
			if tt.want == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoleDefinition_AssignableAtAndVisibleAt(t *testing.T) {
	rgRole := RoleDefinition{AssignableScopes: []string{testRG}}
	tests := []struct {
		role                RoleDefinition
		scope               string
		assignable, visible bool
	}{
		{rgRole, testRG, true, true},
		{rgRole, strings.ToLower(testRG) + "/", true, true},
		{rgRole, testSubnet, true, true},
		// Above the group: listed there, not assignable there.
		{rgRole, testSub, false, true},
		{rgRole, RootScope, false, true},
		{rgRole, testSub + "/resourceGroups/myResourceGroup2", false, false},
		{rgRole, otherSub, false, false},
		{RoleDefinition{AssignableScopes: []string{testSubnet, otherSub}}, otherSub + "/resourceGroups/x", true, true},
		{RoleDefinition{}, testSub, false, false},
	}
	for _, tt := range tests {
		if got := tt.role.AssignableAt(tt.scope); got != tt.assignable {
			t.Errorf("%v AssignableAt(%s) = %v", tt.role.AssignableScopes, tt.scope, got)
		}
		if got := tt.role.VisibleAt(tt.scope); got != tt.visible {
			t.Errorf("%v VisibleAt(%s) = %v", tt.role.AssignableScopes, tt.scope, got)
		}
	}
	for _, d := range BuiltIns() {
		if !d.AssignableAt(testSubnet) || !d.AssignableAt(RootScope) {
			t.Errorf("built-in %s not assignable everywhere", d.RoleName)
		}
	}
}

func TestDefinitionWriteScopes(t *testing.T) {
	tests := []struct {
		old, next, want []string
	}{
		{nil, []string{testRG}, []string{testRG}},
		// Widening from a group to the subscription needs both.
		{[]string{testRG}, []string{testRG, testSub}, []string{testRG, testSub}},
		// Moving away from a scope needs the scope left behind too.
		{[]string{testSub}, []string{testRG}, []string{testRG, testSub}},
		{[]string{testSub + "/"}, []string{strings.ToUpper(testSub)}, []string{strings.ToUpper(testSub)}},
		{nil, nil, nil},
	}
	for _, tt := range tests {
		if got := DefinitionWriteScopes(tt.old, tt.next); !cmp.Equal(got, tt.want) {
			t.Errorf("DefinitionWriteScopes(%v, %v) = %v, want %v", tt.old, tt.next, got, tt.want)
		}
	}
}

func TestNewAuthorizer_AssignmentOutsideAssignableScopesGrantsNothing(t *testing.T) {
	rgRole := customJoinRole.Clone()
	rgRole.AssignableScopes = []string{testRG}
	resolve := func(guid string) (RoleDefinition, bool) {
		if guid == customRoleID {
			return rgRole, true
		}
		return BuiltInByID(guid)
	}
	other := testSub + "/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
	a := NewAuthorizer([]Assignment{
		{Name: "in", Scope: testVNet, RoleDefinitionID: customRoleID, PrincipalID: custom},
		{Name: "out", Scope: testSub + "/resourceGroups/other", RoleDefinitionID: customRoleID, PrincipalID: custom},
	}, resolve)
	join := "Microsoft.Network/virtualNetworks/subnets/join/action"
	if !a.Allowed(custom, join, testSubnet) {
		t.Error("assignment inside the assignable scope grants nothing")
	}
	if a.Allowed(custom, join, other) {
		t.Error("assignment outside the assignable scope grants")
	}
}

func TestRoleDefinitionErrors(t *testing.T) {
	tests := []struct {
		got  *azerr.Error
		want azerr.Error
	}{
		{RoleDefinitionExists(ReaderRoleID, "", true), azerr.Error{Status: http.StatusConflict, Code: "RoleDefinitionExists", Target: "name",
			Message: "A role definition with ID '" + ReaderRoleID + "' already exists: it is a built-in role and cannot be changed."}},
		{RoleDefinitionExists(customRoleID, testRG, false), azerr.Error{Status: http.StatusConflict, Code: "RoleDefinitionExists", Target: "name",
			Message: "A role definition with ID '" + customRoleID + "' already exists at scope '" + testRG + "'; role definition IDs are unique in the tenant."}},
		{RoleDefinitionNotAssignable(customRoleID, testSub), azerr.Error{Status: http.StatusBadRequest, Code: "RoleDefinitionDoesNotExist", Target: "properties.roleDefinitionId",
			Message: "The specified role definition with ID '" + customRoleID + "' does not exist at scope '" + testSub + "': the scope is outside the role's assignable scopes."}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(&tt.want, tt.got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}
