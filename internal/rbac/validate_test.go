package rbac

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

func TestIsGUID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"96291bca-61a2-4141-b027-b32bee16a3fe", true},
		{"96291BCA-61A2-4141-B027-B32BEE16A3FE", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"96291bca61a24141b027b32bee16a3fe", false},
		{"{96291bca-61a2-4141-b027-b32bee16a3fe}", false},
		{"96291bca-61a2-4141-b027-b32bee16a3f", false},
		{"96291bca-61a2-4141-b027-b32bee16a3fef", false},
		{"96291bca-61a2-4141-b027_b32bee16a3fe", false},
		{"g6291bca-61a2-4141-b027-b32bee16a3fe", false},
		{"96291bca-61a2-4141-b027-b32bee16a3f\xff", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsGUID(tt.in); got != tt.want {
			t.Errorf("IsGUID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidateAssignmentName(t *testing.T) {
	if err := ValidateAssignmentName("96291bca-61a2-4141-b027-b32bee16a3fe"); err != nil {
		t.Errorf("valid GUID rejected: %v", err)
	}
	for _, name := range []string{"kv-role-assignement3", "", "96291bca61a24141b027b32bee16a3fe"} {
		checkError(t, fmt.Sprintf("ValidateAssignmentName(%q)", name), ValidateAssignmentName(name), &azerr.Error{
			Status:  http.StatusBadRequest,
			Code:    "InvalidRoleAssignmentId",
			Target:  "name",
			Message: "The role assignment ID '" + name + "' is not valid. The role assignment ID must be a GUID.",
		})
	}
}

func TestFindDuplicate(t *testing.T) {
	// The assignments are of principal cluster at testSubnet
	// (authorize_test.go's); n1 and n2 are assignment names.
	const (
		scope, p = testSubnet, cluster
		n1       = "96291bca-61a2-4141-b027-b32bee16a3fe"
		n2       = "e0d006ce-3db5-43f0-a196-a4d6e57dc1ec"
	)
	existing := []Assignment{
		{Name: "11111111-1111-1111-1111-111111111111", Scope: scope, RoleDefinitionID: ReaderRoleID, PrincipalID: p},
		{Name: n1, Scope: scope, RoleDefinitionID: RoleDefinitionID("s", NetworkContributorRoleID), PrincipalID: p},
	}
	base := Assignment{Name: n2, Scope: scope, RoleDefinitionID: RoleDefinitionID("s", NetworkContributorRoleID), PrincipalID: p}
	tests := []struct {
		name     string
		a        func(Assignment) Assignment
		wantName string
	}{
		{"same principal, role and scope", func(a Assignment) Assignment { return a }, n1},
		{"role as bare GUID", func(a Assignment) Assignment { a.RoleDefinitionID = NetworkContributorRoleID; return a }, n1},
		{"role without subscription, upper case", func(a Assignment) Assignment {
			a.RoleDefinitionID = "/providers/Microsoft.Authorization/roleDefinitions/4D97B98B-1D4F-4787-A291-C67834D212E7"
			return a
		}, n1},
		{"scope with other case and trailing slash", func(a Assignment) Assignment {
			a.Scope = "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/resourcegroups/MYRESOURCEGROUP/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet/"
			return a
		}, n1},
		{"principal in upper case", func(a Assignment) Assignment { a.PrincipalID = "B39F8F85-4B70-4A83-87C3-41B02F3A86EB"; return a }, n1},
		{"same name is the same assignment", func(a Assignment) Assignment { a.Name = n1; return a }, ""},
		{"same name in other case", func(a Assignment) Assignment { a.Name = "96291BCA-61A2-4141-B027-B32BEE16A3FE"; return a }, ""},
		{"other role", func(a Assignment) Assignment { a.RoleDefinitionID = ContributorRoleID; return a }, ""},
		{"other principal", func(a Assignment) Assignment { a.PrincipalID = "x"; return a }, ""},
		{"parent scope", func(a Assignment) Assignment { a.Scope = testRG; return a }, ""},
		{"malformed role id", func(a Assignment) Assignment { a.RoleDefinitionID = "Network Contributor"; return a }, ""},
	}
	for _, tt := range tests {
		got, ok := FindDuplicate(existing, tt.a(base))
		if tt.wantName == "" {
			if ok || got != nil {
				t.Errorf("%s: FindDuplicate = %+v, %v; want none", tt.name, got, ok)
			}
			continue
		}
		if !ok || got == nil || got.Name != tt.wantName {
			t.Errorf("%s: FindDuplicate = %+v, %v; want %s", tt.name, got, ok, tt.wantName)
			continue
		}
		if got != &existing[1] {
			t.Errorf("%s: result does not point into existing", tt.name)
		}
	}
}

func TestRoleAssignmentExists(t *testing.T) {
	want := &azerr.Error{Status: http.StatusConflict, Code: "RoleAssignmentExists", Message: "The role assignment already exists."}
	if diff := cmp.Diff(want, RoleAssignmentExists()); diff != "" {
		t.Errorf("RoleAssignmentExists (-want +got):\n%s", diff)
	}
}

// checkError fails t unless err is want, field by field; what names the
// call that returned err.
func checkError(t *testing.T, what string, err error, want *azerr.Error) {
	t.Helper()
	e, _ := azerr.As(err)
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("%s error (-want +got):\n%s", what, diff)
	}
}
